//! The conventional names of TLS protocol versions (`TLSv1.2`, as OpenSSL, Wireshark and most admin
//! tools write them) and the IANA names of TLS cipher suites (`TLS_AES_256_GCM_SHA384`), by their
//! numbers on the wire. Not a code space: these name what was negotiated, not what went wrong.
//!
//! The suites listed are those a Remote Desktop server may negotiate: every suite of TLS 1.3, and the
//! ECDHE, DHE and RSA key-exchange suites with AES (CBC, GCM, CCM), ChaCha20-Poly1305, Camellia, ARIA,
//! 3DES, DES, RC4 and NULL encryption that Windows (SChannel), OpenSSL and rustls implement. A suite
//! without a row is named `UNKNOWN_0x....` with its number ([`cipher_suite_report_name`]). Every
//! number and name is the IANA TLS Cipher Suites registry's (tls-parameters-4); each row names the RFC
//! that defines the suite.
//!
//! For findings and client compatibility each suite is classified ([`suite_traits`]): key exchange,
//! bulk cipher, AEAD or not, forward secrecy, and the oldest protocol version that can negotiate it.
//! The classification is read from the IANA name, not tagged by hand. [`candidate_suites`] lists what
//! a scanner offers for one protocol version.

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
    suite(0x0001, "TLS_RSA_WITH_NULL_MD5", "RFC 5246; IANA"),
    suite(0x0002, "TLS_RSA_WITH_NULL_SHA", "RFC 5246; IANA"),
    suite(0x0003, "TLS_RSA_EXPORT_WITH_RC4_40_MD5", "RFC 4346; IANA"),
    suite(0x0004, "TLS_RSA_WITH_RC4_128_MD5", "RFC 5246; IANA"),
    suite(0x0005, "TLS_RSA_WITH_RC4_128_SHA", "RFC 5246; IANA"),
    suite(
        0x0008,
        "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA",
        "RFC 4346; IANA",
    ),
    suite(0x0009, "TLS_RSA_WITH_DES_CBC_SHA", "RFC 5469; IANA"),
    suite(0x000A, "TLS_RSA_WITH_3DES_EDE_CBC_SHA", "RFC 5246; IANA"),
    suite(
        0x0011,
        "TLS_DHE_DSS_EXPORT_WITH_DES40_CBC_SHA",
        "RFC 4346; IANA",
    ),
    suite(
        0x0013,
        "TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA",
        "RFC 5246; IANA",
    ),
    suite(
        0x0014,
        "TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA",
        "RFC 4346; IANA",
    ),
    suite(
        0x0016,
        "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA",
        "RFC 5246; IANA",
    ),
    suite(0x002F, "TLS_RSA_WITH_AES_128_CBC_SHA", "RFC 5246; IANA"),
    suite(0x0032, "TLS_DHE_DSS_WITH_AES_128_CBC_SHA", "RFC 5246; IANA"),
    suite(0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA", "RFC 5246; IANA"),
    suite(0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA", "RFC 5246; IANA"),
    suite(0x0038, "TLS_DHE_DSS_WITH_AES_256_CBC_SHA", "RFC 5246; IANA"),
    suite(0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA", "RFC 5246; IANA"),
    suite(0x003B, "TLS_RSA_WITH_NULL_SHA256", "RFC 5246; IANA"),
    suite(0x003C, "TLS_RSA_WITH_AES_128_CBC_SHA256", "RFC 5246; IANA"),
    suite(0x003D, "TLS_RSA_WITH_AES_256_CBC_SHA256", "RFC 5246; IANA"),
    suite(
        0x0040,
        "TLS_DHE_DSS_WITH_AES_128_CBC_SHA256",
        "RFC 5246; IANA",
    ),
    suite(
        0x0041,
        "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA",
        "RFC 5932; IANA",
    ),
    suite(
        0x0045,
        "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA",
        "RFC 5932; IANA",
    ),
    suite(
        0x0067,
        "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256",
        "RFC 5246; IANA",
    ),
    suite(
        0x006A,
        "TLS_DHE_DSS_WITH_AES_256_CBC_SHA256",
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
    suite(
        0x0088,
        "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA",
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
        0x00A2,
        "TLS_DHE_DSS_WITH_AES_128_GCM_SHA256",
        "RFC 5288; IANA",
    ),
    suite(
        0x00A3,
        "TLS_DHE_DSS_WITH_AES_256_GCM_SHA384",
        "RFC 5288; IANA",
    ),
    suite(
        0x00BA,
        "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA256",
        "RFC 5932; IANA",
    ),
    suite(
        0x00BE,
        "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA256",
        "RFC 5932; IANA",
    ),
    suite(
        0x00C0,
        "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA256",
        "RFC 5932; IANA",
    ),
    suite(
        0x00C4,
        "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA256",
        "RFC 5932; IANA",
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
    suite(0xC006, "TLS_ECDHE_ECDSA_WITH_NULL_SHA", "RFC 8422; IANA"),
    suite(0xC007, "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA", "RFC 8422; IANA"),
    suite(
        0xC008,
        "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA",
        "RFC 8422; IANA",
    ),
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
    suite(0xC010, "TLS_ECDHE_RSA_WITH_NULL_SHA", "RFC 8422; IANA"),
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
    suite(0xC050, "TLS_RSA_WITH_ARIA_128_GCM_SHA256", "RFC 6209; IANA"),
    suite(0xC051, "TLS_RSA_WITH_ARIA_256_GCM_SHA384", "RFC 6209; IANA"),
    suite(
        0xC052,
        "TLS_DHE_RSA_WITH_ARIA_128_GCM_SHA256",
        "RFC 6209; IANA",
    ),
    suite(
        0xC053,
        "TLS_DHE_RSA_WITH_ARIA_256_GCM_SHA384",
        "RFC 6209; IANA",
    ),
    suite(
        0xC05C,
        "TLS_ECDHE_ECDSA_WITH_ARIA_128_GCM_SHA256",
        "RFC 6209; IANA",
    ),
    suite(
        0xC05D,
        "TLS_ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384",
        "RFC 6209; IANA",
    ),
    suite(
        0xC060,
        "TLS_ECDHE_RSA_WITH_ARIA_128_GCM_SHA256",
        "RFC 6209; IANA",
    ),
    suite(
        0xC061,
        "TLS_ECDHE_RSA_WITH_ARIA_256_GCM_SHA384",
        "RFC 6209; IANA",
    ),
    suite(
        0xC072,
        "TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_CBC_SHA256",
        "RFC 6367; IANA",
    ),
    suite(
        0xC073,
        "TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_CBC_SHA384",
        "RFC 6367; IANA",
    ),
    suite(
        0xC076,
        "TLS_ECDHE_RSA_WITH_CAMELLIA_128_CBC_SHA256",
        "RFC 6367; IANA",
    ),
    suite(
        0xC077,
        "TLS_ECDHE_RSA_WITH_CAMELLIA_256_CBC_SHA384",
        "RFC 6367; IANA",
    ),
    suite(0xC09C, "TLS_RSA_WITH_AES_128_CCM", "RFC 6655; IANA"),
    suite(0xC09D, "TLS_RSA_WITH_AES_256_CCM", "RFC 6655; IANA"),
    suite(0xC09E, "TLS_DHE_RSA_WITH_AES_128_CCM", "RFC 6655; IANA"),
    suite(0xC09F, "TLS_DHE_RSA_WITH_AES_256_CCM", "RFC 6655; IANA"),
    suite(0xC0A0, "TLS_RSA_WITH_AES_128_CCM_8", "RFC 6655; IANA"),
    suite(0xC0A1, "TLS_RSA_WITH_AES_256_CCM_8", "RFC 6655; IANA"),
    suite(0xC0A2, "TLS_DHE_RSA_WITH_AES_128_CCM_8", "RFC 6655; IANA"),
    suite(0xC0A3, "TLS_DHE_RSA_WITH_AES_256_CCM_8", "RFC 6655; IANA"),
    suite(0xC0AC, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM", "RFC 7251; IANA"),
    suite(0xC0AD, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM", "RFC 7251; IANA"),
    suite(
        0xC0AE,
        "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8",
        "RFC 7251; IANA",
    ),
    suite(
        0xC0AF,
        "TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8",
        "RFC 7251; IANA",
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

/// How a suite agrees on keys, read from the part of its IANA name before `_WITH_`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum KeyExchange {
    /// RSA key transport (`TLS_RSA_WITH_...`): no forward secrecy.
    Rsa,
    /// Finite-field ephemeral Diffie-Hellman (`TLS_DHE_RSA_...`, `TLS_DHE_DSS_...`).
    Dhe,
    /// Elliptic-curve ephemeral Diffie-Hellman (`TLS_ECDHE_RSA_...`, `TLS_ECDHE_ECDSA_...`).
    Ecdhe,
    /// A TLS 1.3 suite, which names no key exchange: it is always (EC)DHE ([RFC 8446] 4.2.8), or a
    /// pre-shared key.
    ///
    /// [RFC 8446]: https://www.rfc-editor.org/rfc/rfc8446
    Tls13,
    /// Anything else (static DH or ECDH, anonymous, PSK, SRP).
    Other,
}

/// The bulk (record protection) cipher of a suite, read from the part of its IANA name after
/// `_WITH_` (after `TLS_` for TLS 1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum BulkCipher {
    /// AES-128 in GCM ([RFC 5288], [RFC 8446]).
    ///
    /// [RFC 5288]: https://www.rfc-editor.org/rfc/rfc5288
    /// [RFC 8446]: https://www.rfc-editor.org/rfc/rfc8446
    Aes128Gcm,
    /// AES-256 in GCM ([RFC 5288], [RFC 8446]).
    ///
    /// [RFC 5288]: https://www.rfc-editor.org/rfc/rfc5288
    /// [RFC 8446]: https://www.rfc-editor.org/rfc/rfc8446
    Aes256Gcm,
    /// AES-128 in CCM, with a 16- or an 8-byte tag ([RFC 6655], [RFC 7251], [RFC 8446]).
    ///
    /// [RFC 6655]: https://www.rfc-editor.org/rfc/rfc6655
    /// [RFC 7251]: https://www.rfc-editor.org/rfc/rfc7251
    /// [RFC 8446]: https://www.rfc-editor.org/rfc/rfc8446
    Aes128Ccm,
    /// AES-256 in CCM, with a 16- or an 8-byte tag ([RFC 6655], [RFC 7251]).
    ///
    /// [RFC 6655]: https://www.rfc-editor.org/rfc/rfc6655
    /// [RFC 7251]: https://www.rfc-editor.org/rfc/rfc7251
    Aes256Ccm,
    /// ChaCha20-Poly1305 ([RFC 7905], [RFC 8446]).
    ///
    /// [RFC 7905]: https://www.rfc-editor.org/rfc/rfc7905
    /// [RFC 8446]: https://www.rfc-editor.org/rfc/rfc8446
    ChaCha20Poly1305,
    /// AES-128 in CBC mode, MAC-then-encrypt.
    Aes128Cbc,
    /// AES-256 in CBC mode, MAC-then-encrypt.
    Aes256Cbc,
    /// Camellia (128 or 256) in CBC mode ([RFC 5932], [RFC 6367]).
    ///
    /// [RFC 5932]: https://www.rfc-editor.org/rfc/rfc5932
    /// [RFC 6367]: https://www.rfc-editor.org/rfc/rfc6367
    Camellia,
    /// ARIA (128 or 256), in GCM in the suites listed ([RFC 6209]).
    ///
    /// [RFC 6209]: https://www.rfc-editor.org/rfc/rfc6209
    Aria,
    /// Triple DES (EDE) in CBC mode.
    TripleDes,
    /// Single DES in CBC mode ([RFC 5469]: deprecated).
    ///
    /// [RFC 5469]: https://www.rfc-editor.org/rfc/rfc5469
    Des,
    /// RC4 ([RFC 7465]: prohibited).
    ///
    /// [RFC 7465]: https://www.rfc-editor.org/rfc/rfc7465
    Rc4,
    /// No encryption at all (integrity only).
    Null,
    /// Anything else.
    Other,
}

/// What a suite means for findings and client compatibility ([`suite_traits`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SuiteTraits {
    /// How keys are agreed.
    pub key_exchange: KeyExchange,
    /// How records are protected.
    pub cipher: BulkCipher,
    /// An AEAD cipher (GCM, CCM, ChaCha20-Poly1305), rather than MAC-then-encrypt or no encryption.
    pub aead: bool,
    /// The key exchange is ephemeral: recorded traffic stays secret if the server's key leaks later.
    pub forward_secrecy: bool,
    /// An export-grade suite (`_EXPORT` in the key exchange: 40-bit keys, 512-bit RSA or DH),
    /// which TLS 1.1 forbids negotiating ([RFC 4346] A.5).
    ///
    /// [RFC 4346]: https://www.rfc-editor.org/rfc/rfc4346
    pub export: bool,
    /// The oldest protocol version that can negotiate the suite, on the wire ([`SSL_3_0`] ..
    /// [`TLS_1_3`]): TLS 1.3 for TLS 1.3 suites; TLS 1.2 for AEAD suites and SHA-256 / SHA-384 MACs
    /// ([RFC 5246] 1.2, [RFC 5288] 4, [RFC 5289] 3.2, [RFC 6655] 3, [RFC 7905] 2); SSL 3.0 for the
    /// RSA and DHE suites with NULL, RC4, DES or 3DES and an MD5 or SHA-1 MAC, which SSL 3.0 defines
    /// ([RFC 6101] A.6); TLS 1.0 for the others.
    ///
    /// [RFC 5246]: https://www.rfc-editor.org/rfc/rfc5246
    /// [RFC 5288]: https://www.rfc-editor.org/rfc/rfc5288
    /// [RFC 5289]: https://www.rfc-editor.org/rfc/rfc5289
    /// [RFC 6655]: https://www.rfc-editor.org/rfc/rfc6655
    /// [RFC 7905]: https://www.rfc-editor.org/rfc/rfc7905
    /// [RFC 6101]: https://www.rfc-editor.org/rfc/rfc6101
    pub min_version: u16,
}

/// The separator between key exchange and cipher in an IANA suite name before TLS 1.3.
const WITH: &str = "_WITH_";
/// The suffix of the key exchange of an export-grade suite (`TLS_RSA_EXPORT_WITH_...`,
/// [RFC 2246] A.5).
///
/// [RFC 2246]: https://www.rfc-editor.org/rfc/rfc2246
const EXPORT_SUFFIX: &str = "_EXPORT";
/// The suffix of the signalling values that share the suite code space ([RFC 5746] 3.3,
/// [RFC 7507] 2): not suites.
///
/// [RFC 5746]: https://www.rfc-editor.org/rfc/rfc5746
/// [RFC 7507]: https://www.rfc-editor.org/rfc/rfc7507
const SCSV_SUFFIX: &str = "_SCSV";

/// The traits of cipher suite `id` ([`SuiteTraits`]), read from its IANA name; `None` for a suite
/// without a row and for the two signalling values (`TLS_EMPTY_RENEGOTIATION_INFO_SCSV`,
/// `TLS_FALLBACK_SCSV`), which are not suites.
///
/// ```
/// use rdp_probe_codes::tls_names::{suite_traits, BulkCipher, KeyExchange, TLS_1_2};
/// let t = suite_traits(0xC030).expect("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");
/// assert_eq!((t.key_exchange, t.cipher), (KeyExchange::Ecdhe, BulkCipher::Aes256Gcm));
/// assert!(t.aead && t.forward_secrecy);
/// assert_eq!(t.min_version, TLS_1_2);
/// assert_eq!(suite_traits(0x00FF), None);
/// ```
pub fn suite_traits(id: u16) -> Option<SuiteTraits> {
    cipher_suite(id).and_then(|s| traits_of_name(s.name))
}

/// Classify an IANA suite name (`TLS_<kx>_WITH_<cipher>_<mac>` before TLS 1.3,
/// `TLS_<aead>_<hash>` in TLS 1.3).
fn traits_of_name(name: &str) -> Option<SuiteTraits> {
    let rest = name.strip_prefix("TLS_")?;
    if rest.ends_with(SCSV_SUFFIX) {
        return None;
    }
    let (kx_name, cipher_name) = match rest.split_once(WITH) {
        Some((kx, cipher)) => (Some(kx), cipher),
        None => (None, rest),
    };
    let export = kx_name.is_some_and(|k| k.ends_with(EXPORT_SUFFIX));
    let key_exchange = match kx_name.map(|k| k.strip_suffix(EXPORT_SUFFIX).unwrap_or(k)) {
        None => KeyExchange::Tls13,
        Some("RSA") => KeyExchange::Rsa,
        Some("DHE_RSA" | "DHE_DSS") => KeyExchange::Dhe,
        Some("ECDHE_RSA" | "ECDHE_ECDSA") => KeyExchange::Ecdhe,
        Some(_) => KeyExchange::Other,
    };
    let forward_secrecy = match key_exchange {
        KeyExchange::Dhe | KeyExchange::Ecdhe | KeyExchange::Tls13 => true,
        KeyExchange::Rsa => false,
        KeyExchange::Other => {
            kx_name.is_some_and(|k| k.starts_with("DHE_") || k.starts_with("ECDHE_"))
        }
    };
    // Longest prefixes first: `3DES_EDE_CBC` before `DES_CBC`, `AES_128_CCM` covers `_CCM_8`.
    const CIPHERS: &[(&str, BulkCipher)] = &[
        ("AES_128_GCM", BulkCipher::Aes128Gcm),
        ("AES_256_GCM", BulkCipher::Aes256Gcm),
        ("AES_128_CCM", BulkCipher::Aes128Ccm),
        ("AES_256_CCM", BulkCipher::Aes256Ccm),
        ("CHACHA20_POLY1305", BulkCipher::ChaCha20Poly1305),
        ("AES_128_CBC", BulkCipher::Aes128Cbc),
        ("AES_256_CBC", BulkCipher::Aes256Cbc),
        ("CAMELLIA_", BulkCipher::Camellia),
        ("ARIA_", BulkCipher::Aria),
        ("3DES_EDE_CBC", BulkCipher::TripleDes),
        ("DES_CBC", BulkCipher::Des),
        ("DES40_CBC", BulkCipher::Des),
        ("RC4_", BulkCipher::Rc4),
        ("NULL_", BulkCipher::Null),
    ];
    let cipher = CIPHERS
        .iter()
        .find(|(prefix, _)| cipher_name.starts_with(prefix))
        .map_or(BulkCipher::Other, |(_, c)| *c);
    let aead = ["_GCM", "_CCM", "CHACHA20_POLY1305"]
        .iter()
        .any(|m| cipher_name.contains(m));
    let sha2_mac = cipher_name.ends_with("_SHA256") || cipher_name.ends_with("_SHA384");
    let ssl3_cipher = matches!(
        cipher,
        BulkCipher::Null | BulkCipher::Rc4 | BulkCipher::Des | BulkCipher::TripleDes
    );
    let min_version = if key_exchange == KeyExchange::Tls13 {
        TLS_1_3
    } else if aead || sha2_mac {
        TLS_1_2
    } else if ssl3_cipher && matches!(key_exchange, KeyExchange::Rsa | KeyExchange::Dhe) {
        SSL_3_0
    } else {
        TLS_1_0
    };
    Some(SuiteTraits {
        key_exchange,
        cipher,
        aead,
        forward_secrecy,
        export,
        min_version,
    })
}

/// The suites a scanner offers to learn whether a server speaks protocol `version` at all (one
/// ClientHello with every candidate), in table (code point) order: for TLS 1.3 (or above) the
/// TLS 1.3 suites; below it every other suite of [`CIPHER_SUITES`] that `version` can negotiate
/// ([`SuiteTraits::min_version`] at most `version`). The signalling values are never candidates.
///
/// ```
/// use rdp_probe_codes::tls_names::{candidate_suites, TLS_1_0, TLS_1_2, TLS_1_3};
/// assert_eq!(candidate_suites(TLS_1_3), [0x1301, 0x1302, 0x1303, 0x1304, 0x1305]);
/// assert!(candidate_suites(TLS_1_2).contains(&0xC02F));
/// assert!(!candidate_suites(TLS_1_0).contains(&0xC02F)); // GCM needs TLS 1.2
/// assert!(candidate_suites(TLS_1_0).contains(&0xC013));
/// ```
pub fn candidate_suites(version: u16) -> Vec<u16> {
    CIPHER_SUITES
        .iter()
        .filter_map(|s| Some((s.id, traits_of_name(s.name)?)))
        .filter(|(_, t)| {
            if version >= TLS_1_3 {
                t.key_exchange == KeyExchange::Tls13
            } else {
                t.key_exchange != KeyExchange::Tls13 && t.min_version <= version
            }
        })
        .map(|(id, _)| id)
        .collect()
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

    #[test]
    fn every_suite_has_traits_and_no_signalling_value_has() {
        for s in CIPHER_SUITES {
            let t = suite_traits(s.id);
            assert_eq!(t.is_none(), s.name.ends_with("_SCSV"), "{s:?}");
            let Some(t) = t else { continue };
            assert_ne!(t.cipher, BulkCipher::Other, "{s:?}");
            assert_ne!(t.key_exchange, KeyExchange::Other, "{s:?}");
            assert!((SSL_3_0..=TLS_1_3).contains(&t.min_version), "{s:?}");
            // TLS 1.3 suites are exactly the five of RFC 8446 B.4.
            assert_eq!(
                t.key_exchange == KeyExchange::Tls13,
                (0x1301..=0x1305).contains(&s.id),
                "{s:?}"
            );
            if t.aead {
                assert!(t.min_version >= TLS_1_2, "{s:?}");
            }
            if t.key_exchange == KeyExchange::Rsa {
                assert!(!t.forward_secrecy, "{s:?}");
            }
        }
    }

    #[test]
    fn spot_checks() {
        use BulkCipher as C;
        use KeyExchange as K;
        let cases: &[(u16, K, C, bool, bool, u16)] = &[
            (0x0004, K::Rsa, C::Rc4, false, false, SSL_3_0),
            (0x000A, K::Rsa, C::TripleDes, false, false, SSL_3_0),
            (0x0009, K::Rsa, C::Des, false, false, SSL_3_0),
            (0x0002, K::Rsa, C::Null, false, false, SSL_3_0),
            (0x003B, K::Rsa, C::Null, false, false, TLS_1_2),
            (0x002F, K::Rsa, C::Aes128Cbc, false, false, TLS_1_0),
            (0x0039, K::Dhe, C::Aes256Cbc, false, true, TLS_1_0),
            (0x0016, K::Dhe, C::TripleDes, false, true, SSL_3_0),
            (0x0088, K::Dhe, C::Camellia, false, true, TLS_1_0),
            (0x009D, K::Rsa, C::Aes256Gcm, true, false, TLS_1_2),
            (0x009E, K::Dhe, C::Aes128Gcm, true, true, TLS_1_2),
            (0xC012, K::Ecdhe, C::TripleDes, false, true, TLS_1_0),
            (0xC011, K::Ecdhe, C::Rc4, false, true, TLS_1_0),
            (0xC014, K::Ecdhe, C::Aes256Cbc, false, true, TLS_1_0),
            (0xC027, K::Ecdhe, C::Aes128Cbc, false, true, TLS_1_2),
            (0xC02B, K::Ecdhe, C::Aes128Gcm, true, true, TLS_1_2),
            (0xC061, K::Ecdhe, C::Aria, true, true, TLS_1_2),
            (0xC0A1, K::Rsa, C::Aes256Ccm, true, false, TLS_1_2),
            (0xC0AE, K::Ecdhe, C::Aes128Ccm, true, true, TLS_1_2),
            (0xCCA8, K::Ecdhe, C::ChaCha20Poly1305, true, true, TLS_1_2),
            (0x1301, K::Tls13, C::Aes128Gcm, true, true, TLS_1_3),
            (0x1302, K::Tls13, C::Aes256Gcm, true, true, TLS_1_3),
            (0x1303, K::Tls13, C::ChaCha20Poly1305, true, true, TLS_1_3),
            (0x1305, K::Tls13, C::Aes128Ccm, true, true, TLS_1_3),
        ];
        for &(id, key_exchange, cipher, aead, forward_secrecy, min_version) in cases {
            assert_eq!(
                suite_traits(id),
                Some(SuiteTraits {
                    key_exchange,
                    cipher,
                    aead,
                    forward_secrecy,
                    export: false,
                    min_version
                }),
                "{}",
                cipher_suite_report_name(id)
            );
        }
        let export = suite_traits(0x0014).expect("TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA");
        assert_eq!(
            export,
            SuiteTraits {
                key_exchange: KeyExchange::Dhe,
                cipher: BulkCipher::Des,
                aead: false,
                forward_secrecy: true,
                export: true,
                min_version: SSL_3_0,
            }
        );
        let export = suite_traits(0x0003).expect("TLS_RSA_EXPORT_WITH_RC4_40_MD5");
        assert_eq!(
            (export.key_exchange, export.cipher, export.export),
            (KeyExchange::Rsa, BulkCipher::Rc4, true)
        );
        assert_eq!(
            CIPHER_SUITES
                .iter()
                .filter(|s| suite_traits(s.id).is_some_and(|t| t.export))
                .count(),
            4
        );
        assert_eq!(suite_traits(0x5600), None);
        assert_eq!(suite_traits(0xFEFE), None);
        // Names outside the table classify too.
        let anon = traits_of_name("TLS_DH_anon_WITH_AES_128_CBC_SHA").expect("anon");
        assert_eq!(anon.key_exchange, KeyExchange::Other);
        assert!(!anon.forward_secrecy);
        let psk = traits_of_name("TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256").expect("psk");
        assert_eq!(
            (psk.key_exchange, psk.forward_secrecy),
            (KeyExchange::Other, true)
        );
        assert_eq!(traits_of_name("SSL_CK_RC4_128_WITH_MD5"), None);
    }

    #[test]
    fn candidates_per_version() {
        let v13 = candidate_suites(TLS_1_3);
        assert_eq!(v13, [0x1301, 0x1302, 0x1303, 0x1304, 0x1305]);
        let v12 = candidate_suites(TLS_1_2);
        let v11 = candidate_suites(TLS_1_1);
        let v10 = candidate_suites(TLS_1_0);
        let ssl3 = candidate_suites(SSL_3_0);
        assert_eq!(v11, v10);
        assert!(ssl3.iter().all(|id| v10.contains(id)));
        assert!(v10.iter().all(|id| v12.contains(id)));
        assert!(ssl3.contains(&0x000A) && !ssl3.contains(&0x002F));
        for id in &v12 {
            assert!(!v13.contains(id));
            assert_ne!(*id, 0x00FF);
            assert_ne!(*id, 0x5600);
        }
        for id in &v10 {
            let t = suite_traits(*id).expect("traits");
            assert!(!t.aead && t.min_version <= TLS_1_0, "{id:#06x}");
        }
        // Every non-1.3 suite is a 1.2 candidate.
        let suites = CIPHER_SUITES
            .iter()
            .filter(|s| suite_traits(s.id).is_some());
        assert_eq!(v12.len() + v13.len(), suites.count());
        assert!(candidate_suites(0x0200).is_empty());
    }
}
