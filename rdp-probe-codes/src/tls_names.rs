//! The conventional names of TLS protocol versions (`TLSv1.2`, as OpenSSL, Wireshark and most admin
//! tools write them) and the IANA names of TLS cipher suites (`TLS_AES_256_GCM_SHA384`), by their
//! numbers on the wire. Not a code space: these name what was negotiated, not what went wrong.
//!
//! The suites listed are those a Remote Desktop server may negotiate: every suite of TLS 1.3, and the
//! ECDHE, DHE and RSA key-exchange suites with AES, ChaCha20-Poly1305, Camellia, 3DES and RC4 that
//! Windows (SChannel), OpenSSL and rustls implement. A suite without a row is named
//! `UNKNOWN_0x....` with its number ([`cipher_suite_report_name`]). Every number and name is the IANA
//! TLS Cipher Suites registry's (tls-parameters-4); each row names the RFC that defines the suite.

use std::borrow::Cow;

/// One TLS cipher suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CipherSuite {
    /// The two-byte code point, as a number.
    pub id: u16,
    /// The IANA name.
    pub name: &'static str,
    /// The defining document, and the registry.
    pub source: &'static str,
}

const fn suite(id: u16, name: &'static str, rfc: &'static str) -> CipherSuite {
    CipherSuite {
        id,
        name,
        source: rfc,
    }
}

/// The cipher suites rdp-probe names, by code point.
pub static CIPHER_SUITES: &[CipherSuite] = &[
    suite(0x0004, "TLS_RSA_WITH_RC4_128_MD5", "RFC 5246; IANA"),
    suite(0x0005, "TLS_RSA_WITH_RC4_128_SHA", "RFC 5246; IANA"),
    suite(0x000A, "TLS_RSA_WITH_3DES_EDE_CBC_SHA", "RFC 5246; IANA"),
    suite(
        0x0016,
        "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA",
        "RFC 5246; IANA",
    ),
    suite(0x002F, "TLS_RSA_WITH_AES_128_CBC_SHA", "RFC 5246; IANA"),
    suite(0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA", "RFC 5246; IANA"),
    suite(0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA", "RFC 5246; IANA"),
    suite(0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA", "RFC 5246; IANA"),
    suite(0x003C, "TLS_RSA_WITH_AES_128_CBC_SHA256", "RFC 5246; IANA"),
    suite(0x003D, "TLS_RSA_WITH_AES_256_CBC_SHA256", "RFC 5246; IANA"),
    suite(
        0x0041,
        "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA",
        "RFC 5932; IANA",
    ),
    suite(
        0x0067,
        "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256",
        "RFC 5246; IANA",
    ),
    suite(
        0x006B,
        "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256",
        "RFC 5246; IANA",
    ),
    suite(
        0x0084,
        "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA",
        "RFC 5932; IANA",
    ),
    suite(0x009C, "TLS_RSA_WITH_AES_128_GCM_SHA256", "RFC 5288; IANA"),
    suite(0x009D, "TLS_RSA_WITH_AES_256_GCM_SHA384", "RFC 5288; IANA"),
    suite(
        0x009E,
        "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
        "RFC 5288; IANA",
    ),
    suite(
        0x009F,
        "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
        "RFC 5288; IANA",
    ),
    suite(
        0x00FF,
        "TLS_EMPTY_RENEGOTIATION_INFO_SCSV",
        "RFC 5746; IANA",
    ),
    suite(0x1301, "TLS_AES_128_GCM_SHA256", "RFC 8446; IANA"),
    suite(0x1302, "TLS_AES_256_GCM_SHA384", "RFC 8446; IANA"),
    suite(0x1303, "TLS_CHACHA20_POLY1305_SHA256", "RFC 8446; IANA"),
    suite(0x1304, "TLS_AES_128_CCM_SHA256", "RFC 8446; IANA"),
    suite(0x1305, "TLS_AES_128_CCM_8_SHA256", "RFC 8446; IANA"),
    suite(0x5600, "TLS_FALLBACK_SCSV", "RFC 7507; IANA"),
    suite(
        0xC009,
        "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
        "RFC 8422; IANA",
    ),
    suite(
        0xC00A,
        "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
        "RFC 8422; IANA",
    ),
    suite(0xC011, "TLS_ECDHE_RSA_WITH_RC4_128_SHA", "RFC 8422; IANA"),
    suite(
        0xC012,
        "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
        "RFC 8422; IANA",
    ),
    suite(
        0xC013,
        "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
        "RFC 8422; IANA",
    ),
    suite(
        0xC014,
        "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
        "RFC 8422; IANA",
    ),
    suite(
        0xC023,
        "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
        "RFC 5289; IANA",
    ),
    suite(
        0xC024,
        "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
        "RFC 5289; IANA",
    ),
    suite(
        0xC027,
        "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
        "RFC 5289; IANA",
    ),
    suite(
        0xC028,
        "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
        "RFC 5289; IANA",
    ),
    suite(
        0xC02B,
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        "RFC 5289; IANA",
    ),
    suite(
        0xC02C,
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        "RFC 5289; IANA",
    ),
    suite(
        0xC02F,
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "RFC 5289; IANA",
    ),
    suite(
        0xC030,
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        "RFC 5289; IANA",
    ),
    suite(
        0xCCA8,
        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        "RFC 7905; IANA",
    ),
    suite(
        0xCCA9,
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        "RFC 7905; IANA",
    ),
    suite(
        0xCCAA,
        "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        "RFC 7905; IANA",
    ),
];

/// The cipher suite with code point `id`, if rdp-probe names it.
pub fn cipher_suite(id: u16) -> Option<&'static CipherSuite> {
    CIPHER_SUITES.iter().find(|s| s.id == id)
}

/// The IANA name of cipher suite `id`, or `UNKNOWN_0x....` for a suite without a row.
///
/// ```
/// use rdp_probe_codes::tls_names::cipher_suite_report_name;
/// assert_eq!(cipher_suite_report_name(0x1302), "TLS_AES_256_GCM_SHA384");
/// assert_eq!(cipher_suite_report_name(0xFEFE), "UNKNOWN_0xFEFE");
/// ```
pub fn cipher_suite_report_name(id: u16) -> Cow<'static, str> {
    cipher_suite(id).map_or_else(
        || Cow::Owned(format!("UNKNOWN_0x{id:04X}")),
        |s| Cow::Borrowed(s.name),
    )
}

/// SSL 3.0 on the wire ([RFC 6101]).
///
/// [RFC 6101]: https://www.rfc-editor.org/rfc/rfc6101
pub const SSL_3_0: u16 = 0x0300;
/// TLS 1.0 on the wire ([RFC 2246]).
///
/// [RFC 2246]: https://www.rfc-editor.org/rfc/rfc2246
pub const TLS_1_0: u16 = 0x0301;
/// TLS 1.1 on the wire ([RFC 4346]).
///
/// [RFC 4346]: https://www.rfc-editor.org/rfc/rfc4346
pub const TLS_1_1: u16 = 0x0302;
/// TLS 1.2 on the wire ([RFC 5246]).
///
/// [RFC 5246]: https://www.rfc-editor.org/rfc/rfc5246
pub const TLS_1_2: u16 = 0x0303;
/// TLS 1.3 on the wire ([RFC 8446]).
///
/// [RFC 8446]: https://www.rfc-editor.org/rfc/rfc8446
pub const TLS_1_3: u16 = 0x0304;

/// The protocol versions rdp-probe names, with their conventional names.
pub static VERSIONS: &[(u16, &str)] = &[
    (SSL_3_0, "SSLv3"),
    (TLS_1_0, "TLSv1.0"),
    (TLS_1_1, "TLSv1.1"),
    (TLS_1_2, "TLSv1.2"),
    (TLS_1_3, "TLSv1.3"),
];

/// The conventional name of protocol version `v` (`TLSv1.2`), or `UNKNOWN_0x....`.
///
/// ```
/// use rdp_probe_codes::tls_names::version_report_name;
/// assert_eq!(version_report_name(0x0304), "TLSv1.3");
/// assert_eq!(version_report_name(0x0301), "TLSv1.0");
/// assert_eq!(version_report_name(0x7f1c), "UNKNOWN_0x7F1C");
/// ```
pub fn version_report_name(v: u16) -> Cow<'static, str> {
    VERSIONS.iter().find(|(id, _)| *id == v).map_or_else(
        || Cow::Owned(format!("UNKNOWN_0x{v:04X}")),
        |(_, n)| Cow::Borrowed(*n),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn suites_are_unique_sorted_and_iana_shaped() {
        let mut ids = HashSet::new();
        let mut names = HashSet::new();
        for pair in CIPHER_SUITES.windows(2) {
            assert!(
                pair[0].id < pair[1].id,
                "{:?} before {:?}",
                pair[0],
                pair[1]
            );
        }
        for s in CIPHER_SUITES {
            assert!(ids.insert(s.id) && names.insert(s.name), "{s:?}");
            assert!(s.name.starts_with("TLS_"), "{s:?}");
            assert!(
                s.name
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'),
                "{s:?}"
            );
            assert!(
                s.source.contains("RFC") && s.source.contains("IANA"),
                "{s:?}"
            );
            // TLS 1.3 suites name no key exchange; every other names one.
            let tls13 = (0x1301..=0x1305).contains(&s.id);
            assert_eq!(
                s.name.contains("_WITH_"),
                !tls13 && !s.name.ends_with("_SCSV"),
                "{s:?}"
            );
        }
    }

    #[test]
    fn versions_are_named_as_admin_tools_write_them() {
        for (v, name) in VERSIONS {
            assert_eq!(version_report_name(*v), *name);
        }
        assert_eq!(version_report_name(TLS_1_2), "TLSv1.2");
    }
}
