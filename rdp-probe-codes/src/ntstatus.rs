//! NTSTATUS values a server can put in the CredSSP `TSRequest.errorCode` field
//! (MS-CSSP 2.2.1; present from CredSSP version 3 on). Values and names are from
//! MS-ERREF 2.3.1; the selection is the set that logon/authentication paths return
//! (the set the sspi crate names, plus ACCESS_DENIED, ACCOUNT_EXPIRED and NTLM_BLOCKED). Some
//! servers put an SSPI HRESULT there instead (`SEC_E_*`, MS-ERREF 2.1.1; FreeRDP's server does);
//! the common ones are named too.
//!
//! The mstsc `SSL_ERR_*` code that corresponds to each value by name is in
//! [`crate::mstsc::ssl_err_for_ntstatus`].

use crate::CodeEntry;

const SRC: &str = "MS-ERREF 2.3.1";

const SRC_HRESULT: &str = "MS-ERREF 2.1.1";

/// An SSPI HRESULT row.
const fn h(value: u32, name: &'static str, meaning: &'static str) -> CodeEntry {
    CodeEntry::new(value, name, meaning, SRC_HRESULT)
}

const fn e(value: u32, name: &'static str, meaning: &'static str) -> CodeEntry {
    CodeEntry::new(value, name, meaning, SRC)
}

const H_BAD_CREDS: &str = "the user name or password is wrong (Windows does not say which): check the account name format (DOMAIN\\user or user@domain), the password, and the keyboard layout";
const H_RDP_RIGHT: &str = "the account authenticated but lacks the right to log on through Remote Desktop: add it to Remote Desktop Users / the 'Allow log on through Remote Desktop Services' policy, and check 'Deny log on through Remote Desktop Services'";

/// The NTSTATUS values relevant to NLA logon.
pub static TABLE: &[CodeEntry] = &[
    e(0x0000_0000, "STATUS_SUCCESS", "The operation succeeded"),
    e(0x0000_010D, "STATUS_NO_QUOTAS_FOR_ACCOUNT", "Logon succeeded, but the account has no quotas (informational)"),
    e(0xC000_0022, "STATUS_ACCESS_DENIED", "Access was denied").with_hint(H_RDP_RIGHT),
    e(0xC000_005E, "STATUS_NO_LOGON_SERVERS", "No domain controller was available to authenticate the logon").with_hint("the server could not reach a domain controller: check the server's domain connectivity (DNS, secure channel: Test-ComputerSecureChannel), the domain name you typed, and trusts"),
    e(0xC000_005F, "STATUS_NO_SUCH_LOGON_SESSION", "The logon session does not exist"),
    e(0xC000_0060, "STATUS_NO_SUCH_PRIVILEGE", "A named privilege does not exist"),
    e(0xC000_0061, "STATUS_PRIVILEGE_NOT_HELD", "A required privilege is not held by the client"),
    e(0xC000_0062, "STATUS_INVALID_ACCOUNT_NAME", "The account name is malformed").with_hint("the user name is not valid: check its format (DOMAIN\\user or user@domain) and characters"),
    e(0xC000_0063, "STATUS_USER_EXISTS", "The user already exists"),
    e(0xC000_0064, "STATUS_NO_SUCH_USER", "The account does not exist").with_hint("the user name is unknown to the server/domain: check spelling and the domain part of the user name"),
    e(0xC000_0065, "STATUS_GROUP_EXISTS", "The group already exists"),
    e(0xC000_0066, "STATUS_NO_SUCH_GROUP", "The group does not exist"),
    e(0xC000_0067, "STATUS_MEMBER_IN_GROUP", "The account is already a member of the group"),
    e(0xC000_0068, "STATUS_MEMBER_NOT_IN_GROUP", "The account is not a member of the group"),
    e(0xC000_0069, "STATUS_LAST_ADMIN", "The last administrator account cannot be removed or disabled"),
    e(0xC000_006A, "STATUS_WRONG_PASSWORD", "The password is wrong").with_hint(H_BAD_CREDS),
    e(0xC000_006B, "STATUS_ILL_FORMED_PASSWORD", "The new password is malformed"),
    e(0xC000_006C, "STATUS_PASSWORD_RESTRICTION", "The password violates the password policy"),
    e(0xC000_006D, "STATUS_LOGON_FAILURE", "Logon failed: unknown user name or bad password").with_hint(H_BAD_CREDS),
    e(0xC000_006E, "STATUS_ACCOUNT_RESTRICTION", "An account restriction prevents this logon").with_hint("an account restriction blocks the logon (e.g. blank password not allowed over the network, 'Protected Users', logon hours or workstation limits): check the account's properties and the server's security policies"),
    e(0xC000_006F, "STATUS_INVALID_LOGON_HOURS", "The account may not log on at this time").with_hint("the account's allowed logon hours exclude now: check 'Logon Hours' on the account"),
    e(0xC000_0070, "STATUS_INVALID_WORKSTATION", "The account may not log on from this workstation").with_hint("the account is limited to certain computers: check 'Log On To...' on the account (it must include the RDP server)"),
    e(0xC000_0071, "STATUS_PASSWORD_EXPIRED", "The password has expired").with_hint("the password has expired: change it (another machine, or allow NLA-less password change on the server) and retry"),
    e(0xC000_0072, "STATUS_ACCOUNT_DISABLED", "The account is disabled").with_hint("the account is disabled: enable it in Active Directory Users and Computers / Local Users and Groups"),
    e(0xC000_00B5, "STATUS_IO_TIMEOUT", "An I/O operation timed out"),
    e(0xC000_00ED, "STATUS_NOT_LOGON_PROCESS", "The caller is not a registered logon process"),
    e(0xC000_00EE, "STATUS_LOGON_SESSION_EXISTS", "The logon session already exists"),
    e(0xC000_0104, "STATUS_BAD_LOGON_SESSION_STATE", "The logon session is in an inconsistent state"),
    e(0xC000_0105, "STATUS_LOGON_SESSION_COLLISION", "The logon session id is already in use"),
    e(0xC000_010B, "STATUS_INVALID_LOGON_TYPE", "The logon type is invalid"),
    e(0xC000_0124, "STATUS_SPECIAL_ACCOUNT", "The operation is not allowed on this special account"),
    e(0xC000_012B, "STATUS_TOKEN_ALREADY_IN_USE", "The token is already in use as a primary token"),
    e(0xC000_0132, "STATUS_LOGON_SERVER_CONFLICT", "The logon server is in conflict with another"),
    e(0xC000_0133, "STATUS_TIME_DIFFERENCE_AT_DC", "The clocks of the machine and the domain controller differ too much").with_hint("clock skew too large for Kerberos: synchronise time on client, server and domain controller (w32tm /resync)"),
    e(0xC000_0152, "STATUS_MEMBER_NOT_IN_ALIAS", "The account is not a member of the local group"),
    e(0xC000_0153, "STATUS_MEMBER_IN_ALIAS", "The account is already a member of the local group"),
    e(0xC000_0155, "STATUS_LOGON_NOT_GRANTED", "The requested logon is not granted to the account").with_hint(H_RDP_RIGHT),
    e(0xC000_015B, "STATUS_LOGON_TYPE_NOT_GRANTED", "The account has not been granted this logon type").with_hint(H_RDP_RIGHT),
    e(0xC000_0193, "STATUS_ACCOUNT_EXPIRED", "The account has expired").with_hint("the account's expiry date has passed: extend it in Active Directory Users and Computers (Account tab)"),
    e(0xC000_0210, "STATUS_TRANSACTION_TIMED_OUT", "A transaction timed out"),
    e(0xC000_0224, "STATUS_PASSWORD_MUST_CHANGE", "The password must be changed before the first logon").with_hint("the account must change its password first ('User must change password at next logon'): change it elsewhere, or clear the flag, then retry"),
    e(0xC000_0234, "STATUS_ACCOUNT_LOCKED_OUT", "The account is locked out after too many failed logons").with_hint("the account is locked out: unlock it (or wait for the lockout duration) and find the source of the failed attempts"),
    e(0xC000_0250, "STATUS_INSUFFICIENT_LOGON_INFO", "Not enough information was supplied to log on"),
    e(0xC000_02FA, "STATUS_SMARTCARD_LOGON_REQUIRED", "The account must log on with a smart card").with_hint("the account requires smart-card logon ('Smart card is required for interactive logon'): use a smart card or clear that flag"),
    e(0xC000_0418, "STATUS_NTLM_BLOCKED", "The authentication failed because NTLM was blocked").with_hint("the server (or its domain) refuses NTLM by policy ('Network security: Restrict NTLM'), so only Kerberos can log on: connect by the server's DNS name (not its IP address, which has no SPN) and make sure this client can reach a KDC (a domain controller named by the DNS SRV record _kerberos._tcp.<domain>; give it to rdp-probe with --kdc)"),
    h(0x8009_0302, "SEC_E_UNSUPPORTED_FUNCTION", "The function requested is not supported"),
    h(0x8009_0308, "SEC_E_INVALID_TOKEN", "The token supplied to the function is invalid").with_hint("the server could not read the client's authentication token: a CredSSP/NTLM version mismatch or a middlebox altering the TLS stream; check the server's CredSSP settings and event log"),
    h(0x8009_030C, "SEC_E_LOGON_DENIED", "The logon attempt failed").with_hint(H_BAD_CREDS),
    h(0x8009_030E, "SEC_E_NO_CREDENTIALS", "No credentials are available in the security package"),
    h(0x8009_030F, "SEC_E_MESSAGE_ALTERED", "The message or signature supplied for verification has been altered"),
    h(0x8009_0311, "SEC_E_NO_AUTHENTICATING_AUTHORITY", "No authority could be contacted for authentication").with_hint("the server could not reach a domain controller or KDC to check the logon: check its domain connectivity and the domain you typed"),
    h(0x8009_0322, "SEC_E_WRONG_PRINCIPAL", "The target principal name is incorrect"),
    e(0xC00A_0037, "STATUS_CTX_LOGON_DISABLED", "Remote logons are currently disabled on the server").with_hint("logons to Remote Desktop sessions are disabled on the server (e.g. 'change logon /disable' or drain mode): re-enable them with 'change logon /enable'"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{check_table, upper_with_prefix};

    #[test]
    fn table_is_well_formed() {
        check_table(TABLE, |n| upper_with_prefix(n, &["STATUS_", "SEC_E_"]));
        for v in [
            0xC000_006D,
            0xC000_006A,
            0xC000_0064,
            0xC000_0072,
            0xC000_006E,
            0xC000_0234,
            0xC000_0193,
            0xC000_0071,
            0xC000_0224,
            0xC000_015B,
            0xC000_0022,
            0xC000_006F,
            0xC000_0070,
            0xC000_005E,
            0xC000_0133,
            0xC000_0155,
            0xC000_02FA,
            0xC00A_0037,
            0xC000_0418,
        ] {
            let e = TABLE.iter().find(|e| e.value == v).expect("row");
            assert!(e.hint.is_some(), "{}", e.name);
        }
    }
}
