//! `kerberos`: the `error-code` of a KRB-ERROR a KDC sent in reply to a Kerberos logon
//! ([RFC 4120] 5.9.1), kept as the KDC sent it. Values and names are those of [RFC 4120] 7.5.9,
//! plus the PKINIT codes of [RFC 4556] 3.1.3 and the FAST codes of [RFC 6113].
//!
//! Where RFC 4120 and RFC 4556 name one value differently (62, 64, 65), the row carries the
//! name of RFC 4556, which defines the value; the meaning gives RFC 4120's name. [MS-KILE] adds
//! no error code: a Windows KDC puts the precise NTSTATUS in the `e-data` of its KRB-ERROR
//! (`KERB-ERROR-DATA` with a `KERB-EXT-ERROR`, [MS-KILE] 2.2.1, 2.2.2).
//!
//! [`related_ntstatus`] gives the NTSTATUS that corresponds to a code, which is how the mstsc
//! pair of a failed Kerberos logon is derived ([`crate::mstsc::Trigger::KerberosError`]).
//!
//! [RFC 4120]: https://www.rfc-editor.org/rfc/rfc4120
//! [RFC 4556]: https://www.rfc-editor.org/rfc/rfc4556
//! [RFC 6113]: https://www.rfc-editor.org/rfc/rfc6113
//! [MS-KILE]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-kile/

use crate::CodeEntry;

const SRC: &str = "RFC 4120 7.5.9";
const SRC_PKINIT: &str = "RFC 4556 3.1.3";
const SRC_PKINIT_BOTH: &str = "RFC 4556 3.1.3; RFC 4120 7.5.9";
const SRC_FAST: &str = "RFC 6113";

const fn e(value: u32, name: &'static str, meaning: &'static str) -> CodeEntry {
    CodeEntry::new(value, name, meaning, SRC)
}

const fn pkinit(value: u32, name: &'static str, meaning: &'static str) -> CodeEntry {
    CodeEntry::new(value, name, meaning, SRC_PKINIT)
}

const fn fast(value: u32, name: &'static str, meaning: &'static str) -> CodeEntry {
    CodeEntry::new(value, name, meaning, SRC_FAST)
}

/// 0: no error.
pub const KDC_ERR_NONE: u32 = 0;
/// 6: the client principal (the user) is not in the KDC's database.
pub const KDC_ERR_C_PRINCIPAL_UNKNOWN: u32 = 6;
/// 7: the service principal (`TERMSRV/<host>`) is not in the KDC's database.
pub const KDC_ERR_S_PRINCIPAL_UNKNOWN: u32 = 7;
/// 8: more than one account holds the principal name.
pub const KDC_ERR_PRINCIPAL_NOT_UNIQUE: u32 = 8;
/// 12: KDC policy rejects the request.
pub const KDC_ERR_POLICY: u32 = 12;
/// 14: no encryption type in common.
pub const KDC_ERR_ETYPE_NOSUPP: u32 = 14;
/// 18: the client's credentials have been revoked (disabled, locked out, expired, logon hours).
pub const KDC_ERR_CLIENT_REVOKED: u32 = 18;
/// 23: the password has expired.
pub const KDC_ERR_KEY_EXPIRED: u32 = 23;
/// 24: pre-authentication failed (a wrong password).
pub const KDC_ERR_PREAUTH_FAILED: u32 = 24;
/// 25: pre-authentication required: the normal first answer, not a failure.
pub const KDC_ERR_PREAUTH_REQUIRED: u32 = 25;
/// 37: clock skew too great.
pub const KRB_AP_ERR_SKEW: u32 = 37;
/// 41: the message stream was modified (a ticket that does not decrypt).
pub const KRB_AP_ERR_MODIFIED: u32 = 41;
/// 60: generic error; the description is in `e-text`.
pub const KRB_ERR_GENERIC: u32 = 60;
/// 68: wrong realm (a client referral, [RFC 6806]).
///
/// [RFC 6806]: https://www.rfc-editor.org/rfc/rfc6806
pub const KDC_ERR_WRONG_REALM: u32 = 68;

const H_CLIENT_UNKNOWN: &str = "the user does not exist in the realm the KDC serves: check the user name and the domain given (the realm is the domain's DNS name), and the form used: a UPN (user@domain) must match the account's userPrincipalName, a SAM name (DOMAIN\\user) its sAMAccountName";
const H_SERVICE_UNKNOWN: &str = "no account holds the service principal name TERMSRV/<host> the client asked a ticket for (the classic missing SPN): connect by the computer's own DNS name, or register the name you used on the computer account with 'setspn -S TERMSRV/<name> <computer>' (an IP address has no SPN); duplicate SPNs give KDC_ERR_PRINCIPAL_NOT_UNIQUE (8) instead";
const H_NOT_UNIQUE: &str = "more than one account holds the requested name (usually a duplicate SPN such as TERMSRV/<host>): list duplicates with 'setspn -X' (or 'setspn -Q TERMSRV/<host>') and remove the SPN from the account that does not run the service";
const H_POLICY: &str = "a KDC policy refused the ticket: check the account's 'Log On To' workstations and logon hours, membership of Protected Users, authentication policies and silos, and the reason in the domain controller's System and Security event logs";
const H_ETYPE: &str = "client, KDC and account have no encryption type in common: an account with only RC4 (or DES) keys after AES was enforced, or an AES-only client against an account without AES keys; check msDS-SupportedEncryptionTypes on the user and the computer account and the 'Network security: Configure encryption types allowed for Kerberos' policy, and reset the password of old accounts so that AES keys exist";
const H_REVOKED: &str = "the account may not log on now: Active Directory reports a disabled, locked-out or expired account, or a logon outside its logon hours, this way (MS-KILE 3.3.5.7.1); check the account in Active Directory Users and Computers, enable or unlock it, and find the source of any failed logons";
const H_KEY_EXPIRED: &str = "the password has expired (or must be changed at the next logon): change it on another machine (Ctrl+Alt+Del > Change a password) or have it reset, then retry";
const H_PREAUTH_FAILED: &str = "the password is wrong (the KDC could not decrypt the pre-authentication timestamp with the account's key): check the password and the keyboard layout; repeated failures lock the account out";
const H_PREAUTH_REQUIRED: &str = "not a failure: this is the KDC's normal first answer to a request without pre-authentication, naming the encryption types and salt to use; the client then asks again with an encrypted timestamp";
const H_SKEW: &str = "the clocks of the client, the KDC or the server differ by more than the allowed skew (5 minutes by default): synchronise time with the domain hierarchy (w32tm /resync; the PDC emulator should follow a reliable source) and check time zones";
const H_MODIFIED: &str = "a ticket or authenticator did not decrypt with the key its receiver holds: the SPN is registered on another account than the one the service runs as, or an account's password is out of sync (a duplicate computer name, a restored snapshot); check 'setspn -Q TERMSRV/<host>' and the computer's secure channel (Test-ComputerSecureChannel -Repair)";
const H_GENERIC: &str = "the KDC gave no specific code: its e-text (in the report) and the domain controller's event log say why";
const H_WRONG_REALM: &str = "the KDC refers the client to another realm: the user belongs to another domain or forest; give that domain (or the user's UPN) so the client asks the right KDC";
const H_TOO_BIG: &str = "the reply does not fit in a UDP datagram and the client must ask again over TCP: allow TCP port 88 to the KDC, not only UDP";

/// Every `error-code` of RFC 4120 7.5.9, RFC 4556 3.1.3 and RFC 6113.
pub static TABLE: &[CodeEntry] = &[
    e(0, "KDC_ERR_NONE", "No error"),
    e(1, "KDC_ERR_NAME_EXP", "The client's entry in the KDC database has expired").with_hint("the account has expired: extend its expiry date (Active Directory: the Account tab of the user)"),
    e(2, "KDC_ERR_SERVICE_EXP", "The server's entry in the KDC database has expired"),
    e(3, "KDC_ERR_BAD_PVNO", "The requested Kerberos protocol version is not supported"),
    e(4, "KDC_ERR_C_OLD_MAST_KVNO", "The client's key is encrypted in an old master key"),
    e(5, "KDC_ERR_S_OLD_MAST_KVNO", "The server's key is encrypted in an old master key"),
    e(6, "KDC_ERR_C_PRINCIPAL_UNKNOWN", "The client (the user) is not in the Kerberos database").with_hint(H_CLIENT_UNKNOWN),
    e(7, "KDC_ERR_S_PRINCIPAL_UNKNOWN", "The server (the requested service principal) is not in the Kerberos database").with_hint(H_SERVICE_UNKNOWN),
    e(8, "KDC_ERR_PRINCIPAL_NOT_UNIQUE", "The principal has more than one entry in the Kerberos database").with_hint(H_NOT_UNIQUE),
    e(9, "KDC_ERR_NULL_KEY", "The client or the server has a null key"),
    e(10, "KDC_ERR_CANNOT_POSTDATE", "The ticket is not eligible for postdating"),
    e(11, "KDC_ERR_NEVER_VALID", "The requested start time is later than the end time"),
    e(12, "KDC_ERR_POLICY", "KDC policy rejects the request").with_hint(H_POLICY),
    e(13, "KDC_ERR_BADOPTION", "The KDC cannot accommodate a requested option"),
    e(14, "KDC_ERR_ETYPE_NOSUPP", "The KDC has no support for the encryption type").with_hint(H_ETYPE),
    e(15, "KDC_ERR_SUMTYPE_NOSUPP", "The KDC has no support for the checksum type"),
    e(16, "KDC_ERR_PADATA_TYPE_NOSUPP", "The KDC has no support for the pre-authentication data type"),
    e(17, "KDC_ERR_TRTYPE_NOSUPP", "The KDC has no support for the transited type"),
    e(18, "KDC_ERR_CLIENT_REVOKED", "The client's credentials have been revoked").with_hint(H_REVOKED),
    e(19, "KDC_ERR_SERVICE_REVOKED", "The server's credentials have been revoked"),
    e(20, "KDC_ERR_TGT_REVOKED", "The TGT has been revoked"),
    e(21, "KDC_ERR_CLIENT_NOTYET", "The client is not yet valid; try again later"),
    e(22, "KDC_ERR_SERVICE_NOTYET", "The server is not yet valid; try again later"),
    e(23, "KDC_ERR_KEY_EXPIRED", "The password has expired; change it to reset").with_hint(H_KEY_EXPIRED),
    e(24, "KDC_ERR_PREAUTH_FAILED", "The pre-authentication information was invalid").with_hint(H_PREAUTH_FAILED),
    e(25, "KDC_ERR_PREAUTH_REQUIRED", "Additional pre-authentication is required").with_hint(H_PREAUTH_REQUIRED),
    e(26, "KDC_ERR_SERVER_NOMATCH", "The requested server and the ticket do not match"),
    e(27, "KDC_ERR_MUST_USE_USER2USER", "The server principal is valid for user-to-user authentication only"),
    e(28, "KDC_ERR_PATH_NOT_ACCEPTED", "KDC policy rejects the transited path"),
    e(29, "KDC_ERR_SVC_UNAVAILABLE", "A service is not available"),
    e(31, "KRB_AP_ERR_BAD_INTEGRITY", "The integrity check on a decrypted field failed"),
    e(32, "KRB_AP_ERR_TKT_EXPIRED", "The ticket has expired"),
    e(33, "KRB_AP_ERR_TKT_NYV", "The ticket is not yet valid"),
    e(34, "KRB_AP_ERR_REPEAT", "The request is a replay"),
    e(35, "KRB_AP_ERR_NOT_US", "The ticket is not for us"),
    e(36, "KRB_AP_ERR_BADMATCH", "The ticket and the authenticator do not match"),
    e(37, "KRB_AP_ERR_SKEW", "The clock skew is too great").with_hint(H_SKEW),
    e(38, "KRB_AP_ERR_BADADDR", "Incorrect network address"),
    e(39, "KRB_AP_ERR_BADVERSION", "Protocol version mismatch"),
    e(40, "KRB_AP_ERR_MSG_TYPE", "Invalid message type"),
    e(41, "KRB_AP_ERR_MODIFIED", "The message stream was modified").with_hint(H_MODIFIED),
    e(42, "KRB_AP_ERR_BADORDER", "The message is out of order"),
    e(44, "KRB_AP_ERR_BADKEYVER", "The specified version of the key is not available"),
    e(45, "KRB_AP_ERR_NOKEY", "The service key is not available"),
    e(46, "KRB_AP_ERR_MUT_FAIL", "Mutual authentication failed"),
    e(47, "KRB_AP_ERR_BADDIRECTION", "Incorrect message direction"),
    e(48, "KRB_AP_ERR_METHOD", "An alternative authentication method is required"),
    e(49, "KRB_AP_ERR_BADSEQ", "Incorrect sequence number in the message"),
    e(50, "KRB_AP_ERR_INAPP_CKSUM", "Inappropriate type of checksum in the message"),
    e(51, "KRB_AP_PATH_NOT_ACCEPTED", "Policy rejects the transited path"),
    e(52, "KRB_ERR_RESPONSE_TOO_BIG", "The response is too big for UDP; retry with TCP").with_hint(H_TOO_BIG),
    e(60, "KRB_ERR_GENERIC", "Generic error (the description is in e-text)").with_hint(H_GENERIC),
    e(61, "KRB_ERR_FIELD_TOOLONG", "A field is too long for this implementation"),
    CodeEntry::new(62, "KDC_ERR_CLIENT_NOT_TRUSTED", "PKINIT: the client's certificate is not trusted (RFC 4120 reserves the value as KDC_ERROR_CLIENT_NOT_TRUSTED)", SRC_PKINIT_BOTH),
    e(63, "KDC_ERROR_KDC_NOT_TRUSTED", "Reserved for PKINIT: the KDC is not trusted"),
    CodeEntry::new(64, "KDC_ERR_INVALID_SIG", "PKINIT: the signature of the request is invalid (RFC 4120 reserves the value as KDC_ERROR_INVALID_SIG)", SRC_PKINIT_BOTH),
    CodeEntry::new(65, "KDC_ERR_DH_KEY_PARAMETERS_NOT_ACCEPTED", "PKINIT: the Diffie-Hellman key parameters are not accepted (RFC 4120 reserves the value as KDC_ERR_KEY_TOO_WEAK)", SRC_PKINIT_BOTH),
    e(66, "KDC_ERR_CERTIFICATE_MISMATCH", "Reserved for PKINIT: certificate mismatch"),
    e(67, "KRB_AP_ERR_NO_TGT", "No TGT is available to validate USER-TO-USER"),
    CodeEntry::new(68, "KDC_ERR_WRONG_REALM", "The client belongs to another realm (a client referral; RFC 4120 reserves the value for future use)", "RFC 4120 7.5.9; RFC 6806").with_hint(H_WRONG_REALM),
    e(69, "KRB_AP_ERR_USER_TO_USER_REQUIRED", "The ticket must be for USER-TO-USER"),
    pkinit(70, "KDC_ERR_CANT_VERIFY_CERTIFICATE", "PKINIT: the client's certificate cannot be verified"),
    pkinit(71, "KDC_ERR_INVALID_CERTIFICATE", "PKINIT: the client's certificate is invalid"),
    pkinit(72, "KDC_ERR_REVOKED_CERTIFICATE", "PKINIT: the client's certificate has been revoked"),
    pkinit(73, "KDC_ERR_REVOCATION_STATUS_UNKNOWN", "PKINIT: the revocation status of the client's certificate is unknown"),
    e(74, "KDC_ERR_REVOCATION_STATUS_UNAVAILABLE", "Reserved for PKINIT: the revocation status is unavailable"),
    pkinit(75, "KDC_ERR_CLIENT_NAME_MISMATCH", "PKINIT: the client's certificate does not match the client's principal name"),
    e(76, "KDC_ERR_KDC_NAME_MISMATCH", "Reserved for PKINIT: the KDC's certificate does not match its name"),
    pkinit(77, "KDC_ERR_INCONSISTENT_KEY_PURPOSE", "PKINIT: the certificate's extended key usage does not allow client authentication"),
    pkinit(78, "KDC_ERR_DIGEST_IN_CERT_NOT_ACCEPTED", "PKINIT: the digest algorithm of the certificate's signature is not accepted"),
    pkinit(79, "KDC_ERR_PA_CHECKSUM_MUST_BE_INCLUDED", "PKINIT: the request lacks the required paChecksum"),
    pkinit(80, "KDC_ERR_DIGEST_IN_SIGNED_DATA_NOT_ACCEPTED", "PKINIT: the digest algorithm of the signed data is not accepted"),
    pkinit(81, "KDC_ERR_PUBLIC_KEY_ENCRYPTION_NOT_SUPPORTED", "PKINIT: the KDC does not support public-key encryption of the reply key"),
    fast(90, "KDC_ERR_PREAUTH_EXPIRED", "FAST: the pre-authentication data has expired"),
    fast(91, "KDC_ERR_MORE_PREAUTH_DATA_REQUIRED", "FAST: more pre-authentication data is required"),
    fast(92, "KDC_ERR_PREAUTH_BAD_AUTHENTICATION_SET", "FAST: the KDC cannot accommodate the requested pre-authentication set"),
    fast(93, "KDC_ERR_UNKNOWN_CRITICAL_FAST_OPTIONS", "FAST: an option marked critical is unknown to the KDC"),
];

/// The NTSTATUS that corresponds to a KRB-ERROR `error-code`, as the Windows Kerberos package
/// would report the failed logon; `None` where no correspondence is known (or the code is not a
/// failure). **Derived** throughout: Microsoft documents the other direction (which account
/// state makes its KDC send which code, [MS-KILE] 3.3.5.7.1) but no mapping from code to
/// NTSTATUS; the values follow the names and meanings, and agree with Samba's
/// `krb5_to_nt_status` where it has the code.
///
/// | code | NTSTATUS | reasoning |
/// |---|---|---|
/// | 6 `KDC_ERR_C_PRINCIPAL_UNKNOWN` | 0xC0000064 `STATUS_NO_SUCH_USER` | by meaning (Samba: `STATUS_INVALID_ACCOUNT_NAME`) |
/// | 18 `KDC_ERR_CLIENT_REVOKED` | 0xC0000072 `STATUS_ACCOUNT_DISABLED` | a Windows KDC sends 18 for a disabled, expired or locked-out account and outside logon hours ([MS-KILE] 3.3.5.7.1); the first is taken. The KDC's `KERB-EXT-ERROR` ([MS-KILE] 2.2.1) in `e-data` names the precise one |
/// | 23 `KDC_ERR_KEY_EXPIRED` | 0xC0000071 `STATUS_PASSWORD_EXPIRED` | by name (Samba agrees) |
/// | 24 `KDC_ERR_PREAUTH_FAILED` | 0xC000006A `STATUS_WRONG_PASSWORD` | a timestamp that does not decrypt is a wrong password; callers of LSA see it as `STATUS_LOGON_FAILURE` (Samba) |
/// | 37 `KRB_AP_ERR_SKEW` | 0xC0000133 `STATUS_TIME_DIFFERENCE_AT_DC` | by meaning (Samba agrees) |
/// | 41 `KRB_AP_ERR_MODIFIED` | 0x80090322 `SEC_E_WRONG_PRINCIPAL` | Windows reports a ticket that does not decrypt as "the target principal name is incorrect" (Samba: `STATUS_LOGON_FAILURE`) |
///
/// `KDC_ERR_S_PRINCIPAL_UNKNOWN` (7) has none: no document says what the Windows Kerberos
/// package returns for it (Negotiate usually falls back to NTLM instead); see
/// [`crate::mstsc::Trigger::KerberosError`] for the pair.
///
/// [MS-KILE]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-kile/
pub fn related_ntstatus(code: u32) -> Option<u32> {
    match code {
        KDC_ERR_C_PRINCIPAL_UNKNOWN => Some(0xC000_0064),
        KDC_ERR_CLIENT_REVOKED => Some(0xC000_0072),
        KDC_ERR_KEY_EXPIRED => Some(0xC000_0071),
        KDC_ERR_PREAUTH_FAILED => Some(0xC000_006A),
        KRB_AP_ERR_SKEW => Some(0xC000_0133),
        KRB_AP_ERR_MODIFIED => Some(0x8009_0322),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{check_table, upper_with_prefix};

    #[test]
    fn table_is_well_formed() {
        check_table(TABLE, |n| {
            upper_with_prefix(
                n,
                &[
                    "KDC_ERR_",
                    "KDC_ERROR_",
                    "KRB_AP_ERR_",
                    "KRB_AP_PATH_",
                    "KRB_ERR_",
                ],
            )
        });
        let values: Vec<u32> = TABLE.iter().map(|e| e.value).collect();
        let expected: Vec<u32> = (0..=29)
            .chain(31..=42)
            .chain(44..=52)
            .chain(60..=81)
            .chain(90..=93)
            .collect();
        assert_eq!(values, expected);
        assert!(TABLE.iter().all(|e| !e.derived));
        for e in TABLE {
            assert!(
                e.source.starts_with("RFC 4120")
                    || e.source.starts_with("RFC 4556")
                    || e.source == SRC_FAST,
                "{}",
                e.name
            );
        }
    }

    #[test]
    fn admin_relevant_codes_have_hints() {
        for v in [6, 7, 8, 12, 14, 18, 23, 24, 25, 37, 41, 60, 68] {
            let e = crate::find(TABLE, v).expect("row");
            assert!(e.hint.is_some(), "{}", e.name);
        }
        let named = [
            (KDC_ERR_NONE, "KDC_ERR_NONE"),
            (KDC_ERR_C_PRINCIPAL_UNKNOWN, "KDC_ERR_C_PRINCIPAL_UNKNOWN"),
            (KDC_ERR_S_PRINCIPAL_UNKNOWN, "KDC_ERR_S_PRINCIPAL_UNKNOWN"),
            (KDC_ERR_PRINCIPAL_NOT_UNIQUE, "KDC_ERR_PRINCIPAL_NOT_UNIQUE"),
            (KDC_ERR_POLICY, "KDC_ERR_POLICY"),
            (KDC_ERR_ETYPE_NOSUPP, "KDC_ERR_ETYPE_NOSUPP"),
            (KDC_ERR_CLIENT_REVOKED, "KDC_ERR_CLIENT_REVOKED"),
            (KDC_ERR_KEY_EXPIRED, "KDC_ERR_KEY_EXPIRED"),
            (KDC_ERR_PREAUTH_FAILED, "KDC_ERR_PREAUTH_FAILED"),
            (KDC_ERR_PREAUTH_REQUIRED, "KDC_ERR_PREAUTH_REQUIRED"),
            (KRB_AP_ERR_SKEW, "KRB_AP_ERR_SKEW"),
            (KRB_AP_ERR_MODIFIED, "KRB_AP_ERR_MODIFIED"),
            (KRB_ERR_GENERIC, "KRB_ERR_GENERIC"),
            (KDC_ERR_WRONG_REALM, "KDC_ERR_WRONG_REALM"),
        ];
        for (v, name) in named {
            assert_eq!(crate::find(TABLE, v).map(|e| e.name), Some(name));
        }
    }

    #[test]
    fn related_ntstatus_names_rows_of_the_ntstatus_space() {
        let mut mapped = 0;
        for e in TABLE {
            if let Some(status) = related_ntstatus(e.value) {
                let row = crate::lookup(crate::CodeSpace::Ntstatus, status)
                    .unwrap_or_else(|| panic!("{} -> {status:#x} has no ntstatus row", e.name));
                assert!(row.name.starts_with("STATUS_") || row.name.starts_with("SEC_E_"));
                mapped += 1;
            }
        }
        assert_eq!(mapped, 6);
        assert_eq!(related_ntstatus(KDC_ERR_PREAUTH_FAILED), Some(0xC000_006A));
        assert_eq!(related_ntstatus(KRB_AP_ERR_SKEW), Some(0xC000_0133));
        assert_eq!(related_ntstatus(KDC_ERR_S_PRINCIPAL_UNKNOWN), None);
        assert_eq!(related_ntstatus(KDC_ERR_PREAUTH_REQUIRED), None);
        assert_eq!(related_ntstatus(0xFFFF_FFFF), None);
    }
}
