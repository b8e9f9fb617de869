//! `failureCode` of the RDP Negotiation Failure structure (MS-RDPBCGR 2.2.1.2.2), carried in
//! the X.224 Connection Confirm when the server cannot accept any of the requested
//! security protocols.

use crate::CodeEntry;

const SRC: &str = "MS-RDPBCGR 2.2.1.2.2";

/// Every known `failureCode` value.
pub static TABLE: &[CodeEntry] = &[
    CodeEntry::new(
        0x0000_0001,
        "SSL_REQUIRED_BY_SERVER",
        "The server requires Enhanced RDP Security (TLS or CredSSP); if only CredSSP was requested, the server supports TLS only",
        SRC,
    )
    .with_hint("the server refuses Standard RDP Security: enable TLS in the client; if only NLA was offered, the server has NLA disabled and wants plain TLS ('Require user authentication ... NLA' is off on the server)"),
    CodeEntry::new(
        0x0000_0002,
        "SSL_NOT_ALLOWED_BY_SERVER",
        "The server only uses Standard RDP Security and supports neither TLS nor CredSSP",
        SRC,
    )
    .with_hint("server only allows Standard RDP Security: the server's 'Require use of specific security layer for remote (RDP) connections' policy (or xrdp security_layer=rdp) is set to RDP; set it to Negotiate/SSL so TLS and NLA can be used"),
    CodeEntry::new(
        0x0000_0003,
        "SSL_CERT_NOT_ON_SERVER",
        "The server has no valid certificate and cannot start TLS or CredSSP",
        SRC,
    )
    .with_hint("the server has no usable TLS certificate: check the Remote Desktop certificate (Certificates > Remote Desktop, the SSLCertificateSHA1Hash setting, private-key permissions in MachineKeys, or the xrdp certificate/key files) and restart the Remote Desktop service"),
    CodeEntry::new(
        0x0000_0004,
        "INCONSISTENT_FLAGS",
        "The requested protocols are inconsistent with the protocol already in effect (Direct Approach only)",
        SRC,
    )
    .with_hint("the client's protocol request contradicts the connection state: usually a client or proxy bug; retry with a fresh connection"),
    CodeEntry::new(
        0x0000_0005,
        "HYBRID_REQUIRED_BY_SERVER",
        "The server requires CredSSP (Network Level Authentication)",
        SRC,
    )
    .with_hint("the server requires Network Level Authentication: connect with NLA (CredSSP) enabled and credentials, or (less safely) turn off 'Allow connections only from computers running Remote Desktop with Network Level Authentication' on the server"),
    CodeEntry::new(
        0x0000_0006,
        "SSL_WITH_USER_AUTH_REQUIRED_BY_SERVER",
        "The server requires TLS with client-certificate authentication",
        SRC,
    )
    .with_hint("the server demands a client certificate for TLS: provide one, or change the server's security layer policy"),
    CodeEntry::new(
        0x0000_0007,
        "ENTRA_AUTH_REQUIRED_BY_SERVER",
        "The server requires Microsoft Entra ID (RDSAAD) authentication",
        "derived: IronRDP ironrdp-pdu nego.rs FailureCode; not confirmed in the MS-RDPBCGR 2.2.1.2.2 text read",
    )
    .mark_derived()
    .with_hint("the server only accepts Microsoft Entra ID (Azure AD) sign-in: connect with a client that supports RDS AAD authentication and an Entra account"),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::check_table;

    #[test]
    fn table_is_well_formed() {
        check_table(TABLE, |n| {
            n.ends_with("_BY_SERVER") || n.ends_with("_ON_SERVER") || n == "INCONSISTENT_FLAGS"
        });
        let values: Vec<u32> = TABLE.iter().map(|e| e.value).collect();
        assert_eq!(values, vec![1, 2, 3, 4, 5, 6, 7]);
        assert!(TABLE.iter().all(|e| e.hint.is_some()));
        assert!(TABLE.iter().filter(|e| e.derived).all(|e| e.value == 7));
    }
}
