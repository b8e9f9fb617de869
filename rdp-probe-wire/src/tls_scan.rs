//! Hand-built TLS ClientHellos and a tolerant reader of the server's first plaintext flight,
//! for a server inventory: which protocol versions and cipher suites a server accepts,
//! learned without a TLS library ([RFC 5246] 7.4.1, 7.4.2; [RFC 8446] 4.1, 4.2).
//!
//! One ClientHello goes out per TCP connection ([`client_hello`]), after the X.224 exchange
//! selected a TLS-based protocol; what comes back decides ([`read_server_flight`]): a
//! ServerHello names the version and suite the server picked, an alert (or a close) says it
//! accepted none. Up to TLS 1.2 the server's Certificate message follows the ServerHello in
//! clear, so the reader keeps it; a TLS 1.3 server encrypts everything after its ServerHello,
//! so the reader stops there. Nobody finishes the handshake: the caller closes the connection.
//!
//! A TLS 1.2 server may answer a ClientHello that offers TLS 1.3 alone with a TLS 1.2
//! ServerHello (Windows Server 2019 does); the reader shows it as it is
//! ([`ServerFlight::selected_version`] `None`, `legacy_version` 0x0303), and the caller
//! decides that TLS 1.3 was not accepted.
//!
//! Like the rest of the crate this module does no I/O, reads no clock and draws no random
//! numbers: the ClientHello random, the session id and the key share are the caller's.
//!
//! [RFC 5246]: https://www.rfc-editor.org/rfc/rfc5246
//! [RFC 8446]: https://www.rfc-editor.org/rfc/rfc8446

use crate::DecodeError;
use crate::cursor::Cursor;
use crate::tls::{
    CONTENT_TYPE_ALERT, CONTENT_TYPE_CHANGE_CIPHER_SPEC, CONTENT_TYPE_HANDSHAKE,
    CONTENT_TYPE_HEARTBEAT, EXTENSION_SUPPORTED_VERSIONS, HANDSHAKE_CLIENT_HELLO,
    HANDSHAKE_SERVER_HELLO, MAX_RECORD_FRAGMENT_LEN, RANDOM_LEN, RECORD_HEADER_LEN,
    TLS_MAJOR_VERSION, TLS1_0, TLS1_2, TLS1_3,
};

// ---------------------------------------------------------------------------------------
// Wire constants
// ---------------------------------------------------------------------------------------

/// SSL 3.0 protocol version ([RFC 6101] 5.2.1), the lowest a record header carries.
///
/// [RFC 6101]: https://www.rfc-editor.org/rfc/rfc6101
pub const SSL3_0: u16 = 0x0300;

/// Extension `server_name` ([RFC 6066] 3).
///
/// [RFC 6066]: https://www.rfc-editor.org/rfc/rfc6066
pub const EXT_SERVER_NAME: u16 = 0;
/// Extension `supported_groups`, formerly `elliptic_curves` ([RFC 8422] 5.1.1, [RFC 7919] 2,
/// [RFC 8446] 4.2.7).
///
/// [RFC 8422]: https://www.rfc-editor.org/rfc/rfc8422
/// [RFC 7919]: https://www.rfc-editor.org/rfc/rfc7919
/// [RFC 8446]: https://www.rfc-editor.org/rfc/rfc8446
pub const EXT_SUPPORTED_GROUPS: u16 = 10;
/// Extension `ec_point_formats` ([RFC 8422] 5.1.2).
///
/// [RFC 8422]: https://www.rfc-editor.org/rfc/rfc8422
pub const EXT_EC_POINT_FORMATS: u16 = 11;
/// Extension `signature_algorithms` ([RFC 5246] 7.4.1.4.1, [RFC 8446] 4.2.3).
///
/// [RFC 5246]: https://www.rfc-editor.org/rfc/rfc5246
/// [RFC 8446]: https://www.rfc-editor.org/rfc/rfc8446
pub const EXT_SIGNATURE_ALGORITHMS: u16 = 13;
/// Extension `extended_master_secret` ([RFC 7627] 5.1).
///
/// [RFC 7627]: https://www.rfc-editor.org/rfc/rfc7627
pub const EXT_EXTENDED_MASTER_SECRET: u16 = 23;
/// Extension `supported_versions` ([RFC 8446] 4.2.1).
///
/// [RFC 8446]: https://www.rfc-editor.org/rfc/rfc8446
pub const EXT_SUPPORTED_VERSIONS: u16 = EXTENSION_SUPPORTED_VERSIONS;
/// Extension `key_share` ([RFC 8446] 4.2.8).
///
/// [RFC 8446]: https://www.rfc-editor.org/rfc/rfc8446
pub const EXT_KEY_SHARE: u16 = 51;
/// Extension `renegotiation_info` ([RFC 5746] 3.2).
///
/// [RFC 5746]: https://www.rfc-editor.org/rfc/rfc5746
pub const EXT_RENEGOTIATION_INFO: u16 = 0xff01;

/// Named group `secp256r1` ([RFC 8422] 5.1.1, [RFC 8446] 4.2.7).
///
/// [RFC 8422]: https://www.rfc-editor.org/rfc/rfc8422
/// [RFC 8446]: https://www.rfc-editor.org/rfc/rfc8446
pub const GROUP_SECP256R1: u16 = 0x0017;
/// Named group `secp384r1` ([RFC 8422] 5.1.1, [RFC 8446] 4.2.7).
///
/// [RFC 8422]: https://www.rfc-editor.org/rfc/rfc8422
/// [RFC 8446]: https://www.rfc-editor.org/rfc/rfc8446
pub const GROUP_SECP384R1: u16 = 0x0018;
/// Named group `secp521r1` ([RFC 8422] 5.1.1, [RFC 8446] 4.2.7).
///
/// [RFC 8422]: https://www.rfc-editor.org/rfc/rfc8422
/// [RFC 8446]: https://www.rfc-editor.org/rfc/rfc8446
pub const GROUP_SECP521R1: u16 = 0x0019;
/// Named group `x25519` ([RFC 8422] 5.1.1, [RFC 8446] 4.2.7).
///
/// [RFC 8422]: https://www.rfc-editor.org/rfc/rfc8422
/// [RFC 8446]: https://www.rfc-editor.org/rfc/rfc8446
pub const GROUP_X25519: u16 = 0x001d;
/// Named group `ffdhe2048` ([RFC 7919] 2).
///
/// [RFC 7919]: https://www.rfc-editor.org/rfc/rfc7919
pub const GROUP_FFDHE2048: u16 = 0x0100;
/// Named group `ffdhe3072` ([RFC 7919] 2).
///
/// [RFC 7919]: https://www.rfc-editor.org/rfc/rfc7919
pub const GROUP_FFDHE3072: u16 = 0x0101;

/// The groups every ClientHello offers (`supported_groups`), in preference order.
pub const OFFERED_GROUPS: [u16; 6] = [
    GROUP_X25519,
    GROUP_SECP256R1,
    GROUP_SECP384R1,
    GROUP_SECP521R1,
    GROUP_FFDHE2048,
    GROUP_FFDHE3072,
];

/// Length of an x25519 public key, the only key share offered ([RFC 7748] 6.1,
/// [RFC 8446] 4.2.8.2).
///
/// [RFC 7748]: https://www.rfc-editor.org/rfc/rfc7748
/// [RFC 8446]: https://www.rfc-editor.org/rfc/rfc8446
pub const X25519_KEY_LEN: usize = 32;

/// EC point format `uncompressed` ([RFC 8422] 5.1.2).
///
/// [RFC 8422]: https://www.rfc-editor.org/rfc/rfc8422
const EC_POINT_FORMAT_UNCOMPRESSED: u8 = 0;

// Signature schemes ([RFC 8446] 4.2.3); the `dsa_*` values are TLS 1.2's
// SignatureAndHashAlgorithm pairs (hash, signature) ([RFC 5246] 7.4.1.4.1).
/// `rsa_pkcs1_sha1` ([RFC 8446] 4.2.3).
const SIG_RSA_PKCS1_SHA1: u16 = 0x0201;
/// `dsa_sha1`: hash sha1 (2), signature dsa (2) ([RFC 5246] 7.4.1.4.1).
const SIG_DSA_SHA1: u16 = 0x0202;
/// `ecdsa_sha1` ([RFC 8446] 4.2.3).
const SIG_ECDSA_SHA1: u16 = 0x0203;
/// `rsa_pkcs1_sha256` ([RFC 8446] 4.2.3).
const SIG_RSA_PKCS1_SHA256: u16 = 0x0401;
/// `dsa_sha256`: hash sha256 (4), signature dsa (2) ([RFC 5246] 7.4.1.4.1).
const SIG_DSA_SHA256: u16 = 0x0402;
/// `ecdsa_secp256r1_sha256` ([RFC 8446] 4.2.3).
const SIG_ECDSA_SECP256R1_SHA256: u16 = 0x0403;
/// `rsa_pkcs1_sha384` ([RFC 8446] 4.2.3).
const SIG_RSA_PKCS1_SHA384: u16 = 0x0501;
/// `ecdsa_secp384r1_sha384` ([RFC 8446] 4.2.3).
const SIG_ECDSA_SECP384R1_SHA384: u16 = 0x0503;
/// `rsa_pkcs1_sha512` ([RFC 8446] 4.2.3).
const SIG_RSA_PKCS1_SHA512: u16 = 0x0601;
/// `ecdsa_secp521r1_sha512` ([RFC 8446] 4.2.3).
const SIG_ECDSA_SECP521R1_SHA512: u16 = 0x0603;
/// `rsa_pss_rsae_sha256` ([RFC 8446] 4.2.3).
const SIG_RSA_PSS_RSAE_SHA256: u16 = 0x0804;
/// `rsa_pss_rsae_sha384` ([RFC 8446] 4.2.3).
const SIG_RSA_PSS_RSAE_SHA384: u16 = 0x0805;
/// `rsa_pss_rsae_sha512` ([RFC 8446] 4.2.3).
const SIG_RSA_PSS_RSAE_SHA512: u16 = 0x0806;
/// `ed25519` ([RFC 8446] 4.2.3).
const SIG_ED25519: u16 = 0x0807;
/// `ed448` ([RFC 8446] 4.2.3).
const SIG_ED448: u16 = 0x0808;
/// `rsa_pss_pss_sha256` ([RFC 8446] 4.2.3).
const SIG_RSA_PSS_PSS_SHA256: u16 = 0x0809;
/// `rsa_pss_pss_sha384` ([RFC 8446] 4.2.3).
const SIG_RSA_PSS_PSS_SHA384: u16 = 0x080a;
/// `rsa_pss_pss_sha512` ([RFC 8446] 4.2.3).
const SIG_RSA_PSS_PSS_SHA512: u16 = 0x080b;

/// The signature algorithms a ClientHello for TLS 1.2 or 1.3 offers
/// (`signature_algorithms`): everything a Windows or OpenSSL server may sign with, strongest
/// first, SHA-1 and DSA last so that old servers still find one.
pub const OFFERED_SIGNATURE_SCHEMES: [u16; 18] = [
    SIG_ECDSA_SECP256R1_SHA256,
    SIG_ECDSA_SECP384R1_SHA384,
    SIG_ECDSA_SECP521R1_SHA512,
    SIG_ED25519,
    SIG_ED448,
    SIG_RSA_PSS_RSAE_SHA256,
    SIG_RSA_PSS_RSAE_SHA384,
    SIG_RSA_PSS_RSAE_SHA512,
    SIG_RSA_PSS_PSS_SHA256,
    SIG_RSA_PSS_PSS_SHA384,
    SIG_RSA_PSS_PSS_SHA512,
    SIG_RSA_PKCS1_SHA256,
    SIG_RSA_PKCS1_SHA384,
    SIG_RSA_PKCS1_SHA512,
    SIG_ECDSA_SHA1,
    SIG_RSA_PKCS1_SHA1,
    SIG_DSA_SHA256,
    SIG_DSA_SHA1,
];

/// `TLS_AES_128_GCM_SHA256` ([RFC 8446] B.4).
///
/// [RFC 8446]: https://www.rfc-editor.org/rfc/rfc8446
pub const TLS_AES_128_GCM_SHA256: u16 = 0x1301;
/// `TLS_AES_256_GCM_SHA384` ([RFC 8446] B.4).
///
/// [RFC 8446]: https://www.rfc-editor.org/rfc/rfc8446
pub const TLS_AES_256_GCM_SHA384: u16 = 0x1302;
/// `TLS_CHACHA20_POLY1305_SHA256` ([RFC 8446] B.4).
///
/// [RFC 8446]: https://www.rfc-editor.org/rfc/rfc8446
pub const TLS_CHACHA20_POLY1305_SHA256: u16 = 0x1303;
/// `TLS_AES_128_CCM_SHA256` ([RFC 8446] B.4).
///
/// [RFC 8446]: https://www.rfc-editor.org/rfc/rfc8446
pub const TLS_AES_128_CCM_SHA256: u16 = 0x1304;
/// `TLS_AES_128_CCM_8_SHA256` ([RFC 8446] B.4).
///
/// [RFC 8446]: https://www.rfc-editor.org/rfc/rfc8446
pub const TLS_AES_128_CCM_8_SHA256: u16 = 0x1305;

static TLS13_SUITES: [u16; 5] = [
    TLS_AES_128_GCM_SHA256,
    TLS_AES_256_GCM_SHA384,
    TLS_CHACHA20_POLY1305_SHA256,
    TLS_AES_128_CCM_SHA256,
    TLS_AES_128_CCM_8_SHA256,
];

/// Handshake type `hello_request` ([RFC 5246] 7.4): may arrive at any time, and is ignored.
///
/// [RFC 5246]: https://www.rfc-editor.org/rfc/rfc5246
pub const HANDSHAKE_HELLO_REQUEST: u8 = 0;
/// Handshake type `certificate` ([RFC 5246] 7.4).
///
/// [RFC 5246]: https://www.rfc-editor.org/rfc/rfc5246
pub const HANDSHAKE_CERTIFICATE: u8 = 11;
/// Handshake type `server_hello_done` ([RFC 5246] 7.4).
///
/// [RFC 5246]: https://www.rfc-editor.org/rfc/rfc5246
pub const HANDSHAKE_SERVER_HELLO_DONE: u8 = 14;

/// Alert level `warning` ([RFC 5246] 7.2).
///
/// [RFC 5246]: https://www.rfc-editor.org/rfc/rfc5246
pub const ALERT_LEVEL_WARNING: u8 = 1;
/// Alert level `fatal` ([RFC 5246] 7.2).
///
/// [RFC 5246]: https://www.rfc-editor.org/rfc/rfc5246
pub const ALERT_LEVEL_FATAL: u8 = 2;
/// Alert description `close_notify` ([RFC 5246] 7.2.1), sent at warning level.
///
/// [RFC 5246]: https://www.rfc-editor.org/rfc/rfc5246
pub const ALERT_CLOSE_NOTIFY: u8 = 0;

/// The last eight bytes of a TLS 1.3-capable server's ServerHello random when it negotiates
/// TLS 1.2 ([RFC 8446] 4.1.3): `DOWNGRD` and 0x01.
///
/// [RFC 8446]: https://www.rfc-editor.org/rfc/rfc8446
pub const DOWNGRADE_SENTINEL_TLS12: [u8; 8] = *b"DOWNGRD\x01";
/// The last eight bytes of a TLS 1.3- or 1.2-capable server's ServerHello random when it
/// negotiates TLS 1.1 or below ([RFC 8446] 4.1.3): `DOWNGRD` and 0x00.
///
/// [RFC 8446]: https://www.rfc-editor.org/rfc/rfc8446
pub const DOWNGRADE_SENTINEL_TLS11: [u8; 8] = *b"DOWNGRD\x00";
/// The random of a HelloRetryRequest, SHA-256 of `HelloRetryRequest` ([RFC 8446] 4.1.3).
///
/// [RFC 8446]: https://www.rfc-editor.org/rfc/rfc8446
pub const HELLO_RETRY_REQUEST_RANDOM: [u8; RANDOM_LEN] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// The most session id bytes a hello carries ([RFC 5246] 7.4.1.2, [RFC 8446] 4.1.2).
///
/// [RFC 5246]: https://www.rfc-editor.org/rfc/rfc5246
/// [RFC 8446]: https://www.rfc-editor.org/rfc/rfc8446
pub const MAX_SESSION_ID_LEN: usize = 32;
/// The most cipher suites a ClientHello carries: `CipherSuite cipher_suites<2..2^16-2>`
/// ([RFC 5246] 7.4.1.2).
///
/// [RFC 5246]: https://www.rfc-editor.org/rfc/rfc5246
pub const MAX_CIPHER_SUITES: usize = 0x7fff;
/// The longest plaintext record fragment a sender may write, 2^14 bytes ([RFC 5246] 6.2.1).
///
/// [RFC 5246]: https://www.rfc-editor.org/rfc/rfc5246
pub const MAX_PLAINTEXT_FRAGMENT_LEN: usize = 1 << 14;
/// The longest server flight [`read_server_flight`] reads, from its first byte to the end of
/// the record that decides: a certificate chain fits many times over.
pub const MAX_FLIGHT_LEN: usize = 64 * 1024;
/// The most certificates of a Certificate message kept in [`ServerFlight::certificates`]
/// (the rest are checked for framing, then dropped).
pub const MAX_CERTIFICATES: usize = 32;
/// The longest host name sent in `server_name`: a DNS name's 255 octets ([RFC 1035] 2.3.4);
/// a longer one is not sent.
///
/// [RFC 1035]: https://www.rfc-editor.org/rfc/rfc1035
pub const MAX_SERVER_NAME_LEN: usize = 255;

/// Compression method `null` ([RFC 5246] 7.4.1.2).
const COMPRESSION_NULL: u8 = 0;
/// Server name type `host_name` ([RFC 6066] 3).
const SERVER_NAME_TYPE_HOST_NAME: u8 = 0;
/// The largest value of a 24-bit length ([RFC 5246] 4.4, `uint24`).
const MAX_U24: usize = 0x00ff_ffff;
/// The byte [`encode_server_flight`] fills a ServerHello session id with.
const SESSION_ID_FILL: u8 = 0x5a;

/// The five TLS 1.3 cipher suites ([RFC 8446] B.4), in the order a ClientHello offers them.
///
/// [RFC 8446]: https://www.rfc-editor.org/rfc/rfc8446
pub fn tls13_suites() -> &'static [u16] {
    &TLS13_SUITES
}

// ---------------------------------------------------------------------------------------
// ClientHello
// ---------------------------------------------------------------------------------------

/// What one probing ClientHello offers ([`client_hello`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientHelloSpec<'a> {
    /// The protocol version under test, 0x0301 (TLS 1.0) ..= 0x0304 (TLS 1.3). Up to TLS 1.2
    /// it is the hello's `client_version`; TLS 1.3 (or anything above) is offered in
    /// `supported_versions` alone, with `client_version` 0x0303 ([RFC 8446] 4.1.2, 4.2.1).
    /// 0x0300 makes an SSL 3.0 hello.
    ///
    /// [RFC 8446]: https://www.rfc-editor.org/rfc/rfc8446
    pub version: u16,
    /// The cipher suites offered, in preference order (at most [`MAX_CIPHER_SUITES`]; more
    /// are left out).
    pub cipher_suites: &'a [u16],
    /// The client random, drawn by the caller from a secure source.
    pub random: &'a [u8; RANDOM_LEN],
    /// The legacy session id (at most [`MAX_SESSION_ID_LEN`] bytes; more are left out). For
    /// TLS 1.3, 32 fresh bytes: middlebox compatibility mode ([RFC 8446] D.4).
    ///
    /// [RFC 8446]: https://www.rfc-editor.org/rfc/rfc8446
    pub session_id: &'a [u8],
    /// The host name for `server_name` ([RFC 6066] 3). Not sent when it is an IP address
    /// literal (which RFC 6066 forbids), empty, not ASCII or longer than
    /// [`MAX_SERVER_NAME_LEN`]; a trailing dot is dropped.
    ///
    /// [RFC 6066]: https://www.rfc-editor.org/rfc/rfc6066
    pub server_name: Option<&'a str>,
    /// The client's x25519 public key for `key_share` (TLS 1.3 only). Without one a TLS 1.3
    /// server answers with a HelloRetryRequest ([`ServerFlight::is_hello_retry_request`]),
    /// which still names the version and suite it picked.
    pub key_share_x25519: Option<&'a [u8; X25519_KEY_LEN]>,
}

/// One ClientHello as a single handshake message in plaintext records ([RFC 5246] 6.2.1,
/// 7.4.1.2; [RFC 8446] 4.1.2, 5.1), ready to send after the X.224 exchange.
///
/// * Record version 0x0301, which [RFC 8446] 5.1 allows in an initial ClientHello for
///   compatibility; a hello over 2^14 bytes spans several records.
/// * `client_version` = min(`version`, 0x0303); the caller's random and session id; the
///   cipher suites as given; null compression only.
/// * Extensions, in this order: `server_name` (see [`ClientHelloSpec::server_name`]),
///   `supported_groups` ([`OFFERED_GROUPS`]), `ec_point_formats` (uncompressed);
///   `signature_algorithms` ([`OFFERED_SIGNATURE_SCHEMES`]) from TLS 1.2 on;
///   `extended_master_secret` and an empty `renegotiation_info` up to TLS 1.2; for TLS 1.3,
///   `supported_versions` = \[0x0304\] only and a `key_share` with the caller's x25519 key.
///
/// [RFC 5246]: https://www.rfc-editor.org/rfc/rfc5246
/// [RFC 8446]: https://www.rfc-editor.org/rfc/rfc8446
pub fn client_hello(spec: &ClientHelloSpec<'_>) -> Vec<u8> {
    let tls13 = spec.version >= TLS1_3;
    let suites = spec
        .cipher_suites
        .get(..MAX_CIPHER_SUITES)
        .unwrap_or(spec.cipher_suites);
    let session_id = spec
        .session_id
        .get(..MAX_SESSION_ID_LEN)
        .unwrap_or(spec.session_id);

    let mut body = Vec::with_capacity(128 + suites.len() * 2);
    body.extend_from_slice(&spec.version.min(TLS1_2).to_be_bytes());
    body.extend_from_slice(spec.random);
    put_u8_prefixed(&mut body, session_id);
    let mut suite_bytes = Vec::with_capacity(suites.len() * 2);
    for s in suites {
        suite_bytes.extend_from_slice(&s.to_be_bytes());
    }
    put_u16_prefixed(&mut body, &suite_bytes);
    put_u8_prefixed(&mut body, &[COMPRESSION_NULL]);
    put_u16_prefixed(&mut body, &client_extensions(spec, tls13));

    let message = handshake_message(HANDSHAKE_CLIENT_HELLO, &body);
    records(
        CONTENT_TYPE_HANDSHAKE,
        TLS1_0,
        &message,
        MAX_PLAINTEXT_FRAGMENT_LEN,
    )
}

fn client_extensions(spec: &ClientHelloSpec<'_>, tls13: bool) -> Vec<u8> {
    let mut exts = Vec::with_capacity(160);
    if let Some(name) = spec.server_name.and_then(sni_host_name) {
        let mut entry = vec![SERVER_NAME_TYPE_HOST_NAME];
        put_u16_prefixed(&mut entry, name.as_bytes());
        let mut list = Vec::with_capacity(entry.len() + 2);
        put_u16_prefixed(&mut list, &entry);
        put_extension(&mut exts, EXT_SERVER_NAME, &list);
    }
    let groups: Vec<u8> = OFFERED_GROUPS
        .iter()
        .flat_map(|g| g.to_be_bytes())
        .collect();
    let mut data = Vec::with_capacity(groups.len() + 2);
    put_u16_prefixed(&mut data, &groups);
    put_extension(&mut exts, EXT_SUPPORTED_GROUPS, &data);
    put_extension(
        &mut exts,
        EXT_EC_POINT_FORMATS,
        &[1, EC_POINT_FORMAT_UNCOMPRESSED],
    );
    if spec.version >= TLS1_2 {
        let schemes: Vec<u8> = OFFERED_SIGNATURE_SCHEMES
            .iter()
            .flat_map(|s| s.to_be_bytes())
            .collect();
        let mut data = Vec::with_capacity(schemes.len() + 2);
        put_u16_prefixed(&mut data, &schemes);
        put_extension(&mut exts, EXT_SIGNATURE_ALGORITHMS, &data);
    }
    if tls13 {
        let mut data = Vec::with_capacity(3);
        put_u8_prefixed(&mut data, &TLS1_3.to_be_bytes());
        put_extension(&mut exts, EXT_SUPPORTED_VERSIONS, &data);
        if let Some(key) = spec.key_share_x25519 {
            let mut entry = Vec::with_capacity(X25519_KEY_LEN + 4);
            entry.extend_from_slice(&GROUP_X25519.to_be_bytes());
            put_u16_prefixed(&mut entry, key);
            let mut data = Vec::with_capacity(entry.len() + 2);
            put_u16_prefixed(&mut data, &entry);
            put_extension(&mut exts, EXT_KEY_SHARE, &data);
        }
    } else {
        put_extension(&mut exts, EXT_EXTENDED_MASTER_SECRET, &[]);
        // An empty renegotiated_connection: the initial handshake ([RFC 5746] 3.4).
        put_extension(&mut exts, EXT_RENEGOTIATION_INFO, &[0]);
    }
    exts
}

/// The host name to put in `server_name`, if `name` may go there ([RFC 6066] 3: a DNS host
/// name, ASCII, no trailing dot, never an IP address literal).
fn sni_host_name(name: &str) -> Option<&str> {
    let name = name.strip_suffix('.').unwrap_or(name);
    let bracketed = name
        .strip_prefix('[')
        .and_then(|n| n.strip_suffix(']'))
        .unwrap_or(name);
    let ip = bracketed.parse::<std::net::IpAddr>().is_ok();
    let ok = !ip && !name.is_empty() && name.len() <= MAX_SERVER_NAME_LEN && name.is_ascii();
    ok.then_some(name)
}

// ---------------------------------------------------------------------------------------
// The server's first flight
// ---------------------------------------------------------------------------------------

/// Where [`read_server_flight`] stands after the bytes received so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlightProgress {
    /// Not decided yet: read more and call again with everything received.
    NeedMore,
    /// The server picked a version and suite.
    ServerHello(ServerFlight),
    /// The server refused with an alert before any ServerHello ([RFC 5246] 7.2), e.g.
    /// `(2, 40)` handshake_failure, `(2, 70)` protocol_version, `(2, 71)`
    /// insufficient_security. Warning alerts other than close_notify do not decide and are
    /// skipped.
    ///
    /// [RFC 5246]: https://www.rfc-editor.org/rfc/rfc5246
    Alert {
        /// `AlertLevel`: 1 warning, 2 fatal.
        level: u8,
        /// `AlertDescription`, raw.
        description: u8,
    },
    /// The first bytes are not a TLS record (an X.224 PDU, HTTP, SSH, ...): the first byte is
    /// not a TLS content type (20..=24) or the second not 3.
    NotTls,
    /// TLS records, but not a readable first flight: a malformed or oversized record or
    /// message, or a message out of place. Offsets are into the buffer passed in.
    Invalid(DecodeError),
}

/// The downgrade sentinel a TLS 1.3-capable server writes into its ServerHello random when
/// it negotiates an older version ([RFC 8446] 4.1.3).
///
/// [RFC 8446]: https://www.rfc-editor.org/rfc/rfc8446
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Downgrade {
    /// `DOWNGRD\x01`: the server negotiated TLS 1.2 but speaks TLS 1.3.
    Tls12,
    /// `DOWNGRD\x00`: the server negotiated TLS 1.1 or below but speaks TLS 1.2 or later.
    Tls11OrBelow,
}

impl Downgrade {
    /// The sentinel at the end of `random`, if it ends with one.
    pub fn from_random(random: &[u8; RANDOM_LEN]) -> Option<Self> {
        let tail = random.get(RANDOM_LEN - DOWNGRADE_SENTINEL_TLS12.len()..)?;
        if tail == DOWNGRADE_SENTINEL_TLS12 {
            Some(Self::Tls12)
        } else if tail == DOWNGRADE_SENTINEL_TLS11 {
            Some(Self::Tls11OrBelow)
        } else {
            None
        }
    }
}

/// The server's first flight as far as an inventory reads it: the ServerHello
/// ([RFC 5246] 7.4.1.3, [RFC 8446] 4.1.3) and, up to TLS 1.2, the certificate chain
/// ([RFC 5246] 7.4.2).
///
/// [RFC 5246]: https://www.rfc-editor.org/rfc/rfc5246
/// [RFC 8446]: https://www.rfc-editor.org/rfc/rfc8446
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerFlight {
    /// `server_version` / `legacy_version`: the negotiated version up to TLS 1.2, 0x0303 in a
    /// TLS 1.3 ServerHello.
    pub legacy_version: u16,
    /// `selected_version` of the `supported_versions` extension, if the hello has one (the
    /// first, if it has several) ([RFC 8446] 4.2.1). `None` means the server did not
    /// negotiate TLS 1.3, whatever the ClientHello offered.
    ///
    /// [RFC 8446]: https://www.rfc-editor.org/rfc/rfc8446
    pub selected_version: Option<u16>,
    /// The server random.
    pub random: [u8; RANDOM_LEN],
    /// The length of the session id the server sent (up to 32; a TLS 1.3 server echoes the
    /// client's).
    pub session_id_len: u8,
    /// The cipher suite the server picked, raw.
    pub cipher_suite: u16,
    /// The compression method the server picked, raw (0 = null).
    pub compression: u8,
    /// The ServerHello's extension types, in the order sent.
    pub extensions: Vec<u16>,
    /// The hello has `renegotiation_info`: the server supports secure renegotiation
    /// ([RFC 5746] 3.6).
    ///
    /// [RFC 5746]: https://www.rfc-editor.org/rfc/rfc5746
    pub secure_renegotiation: bool,
    /// The hello has `extended_master_secret` ([RFC 7627] 5.1).
    ///
    /// [RFC 7627]: https://www.rfc-editor.org/rfc/rfc7627
    pub extended_master_secret: bool,
    /// The downgrade sentinel at the end of the random, if any ([`Downgrade`]); meaningful when
    /// the negotiated version is TLS 1.2 or below.
    pub downgrade_sentinel: Option<Downgrade>,
    /// The certificate chain in DER, leaf first, as the server sent it (up to
    /// [`MAX_CERTIFICATES`]). Empty for TLS 1.3 (encrypted), and when no Certificate message
    /// followed the ServerHello (anonymous suites, or a close right after the hello).
    pub certificates: Vec<Vec<u8>>,
}

impl ServerFlight {
    /// The version the server chose: `selected_version` if present, else `legacy_version`.
    pub fn negotiated_version(&self) -> u16 {
        self.selected_version.unwrap_or(self.legacy_version)
    }

    /// The hello is a HelloRetryRequest ([RFC 8446] 4.1.3, 4.1.4): the server accepts
    /// TLS 1.3 and the suite, but wants a key share for another group.
    ///
    /// [RFC 8446]: https://www.rfc-editor.org/rfc/rfc8446
    pub fn is_hello_retry_request(&self) -> bool {
        self.random == HELLO_RETRY_REQUEST_RANDOM
    }
}

/// Read the server's first flight from everything received so far on a connection that sent
/// one [`client_hello`] ([RFC 5246] 6.2.1, 7.2, 7.4; [RFC 8446] 4.1.3, 5.1). Call it again with
/// the accumulated bytes after every read: it keeps no state, and never panics.
///
/// * [`FlightProgress::NeedMore`] until the flight decides. Handshake messages may span
///   records, and a record may hold several.
/// * A ServerHello that negotiates TLS 1.3 decides at once: what follows is encrypted.
/// * Up to TLS 1.2 the message after the ServerHello decides: a Certificate message is read
///   whole (and the reading stops there); anything else (ServerKeyExchange, ServerHelloDone,
///   a ChangeCipherSpec or an alert) ends the flight without certificates.
/// * An alert before the ServerHello decides as [`FlightProgress::Alert`] (warning alerts
///   other than close_notify are skipped).
/// * Bytes after the deciding message are not looked at.
///
/// Bounds: a record fragment of at most 2^14 + 2048 bytes ([`MAX_RECORD_FRAGMENT_LEN`]), a
/// flight of at most [`MAX_FLIGHT_LEN`] bytes up to the end of the deciding record; beyond
/// either, [`FlightProgress::Invalid`] with [`crate::DecodeErrorKind::TooLarge`].
///
/// When the peer closes the connection, [`read_server_flight_at_close`] makes the last call.
pub fn read_server_flight(buf: &[u8]) -> FlightProgress {
    read_flight(buf, false)
}

/// [`read_server_flight`] for the bytes received before the peer closed the connection:
/// a ServerHello (TLS 1.2 or below) read whole but not yet followed by anything decides as
/// [`FlightProgress::ServerHello`] without certificates. [`FlightProgress::NeedMore`] here
/// means the server closed before deciding (Schannel often closes without an alert).
pub fn read_server_flight_at_close(buf: &[u8]) -> FlightProgress {
    read_flight(buf, true)
}

/// Where one record's handshake fragment sits in the reassembled handshake stream and in
/// the input, to report errors at input offsets.
#[derive(Debug, Clone, Copy)]
struct Segment {
    stream_start: usize,
    input_start: usize,
}

/// The handshake messages reassembled from the records read so far.
#[derive(Debug, Default)]
struct HandshakeStream {
    bytes: Vec<u8>,
    segments: Vec<Segment>,
    /// Bytes of `bytes` already consumed as whole messages.
    pos: usize,
}

impl HandshakeStream {
    fn push(&mut self, fragment: &[u8], input_start: usize) {
        self.segments.push(Segment {
            stream_start: self.bytes.len(),
            input_start,
        });
        self.bytes.extend_from_slice(fragment);
    }

    /// The input offset of stream offset `at`.
    fn input_offset(&self, at: usize) -> usize {
        self.segments
            .iter()
            .rev()
            .find(|s| s.stream_start <= at)
            .map_or(at, |s| s.input_start.saturating_add(at - s.stream_start))
    }

    /// `e` with its offset moved from the stream to the input.
    fn at_input(&self, e: DecodeError) -> DecodeError {
        DecodeError {
            offset: self.input_offset(e.offset),
            ..e
        }
    }

    /// The next whole handshake message; `Ok(None)` if it is not complete yet. `Err` (at a
    /// stream offset) if its length is over the flight bound.
    fn next_message(&self) -> Result<Option<Message<'_>>, DecodeError> {
        let avail = self.bytes.get(self.pos..).unwrap_or_default();
        let [msg_type, l0, l1, l2, ..] = *avail else {
            return Ok(None);
        };
        let len = usize::try_from(u32::from_be_bytes([0, l0, l1, l2])).unwrap_or(usize::MAX);
        if len > MAX_FLIGHT_LEN {
            return Err(DecodeError::too_large(
                "tls handshake message",
                self.pos,
                len,
                MAX_FLIGHT_LEN,
            ));
        }
        let body_at = self.pos + 4;
        Ok(self.bytes.get(body_at..body_at + len).map(|body| Message {
            msg_type,
            body,
            at: body_at,
        }))
    }

    /// The type of the next message, once its first byte has arrived.
    fn next_type(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }
}

/// One whole handshake message of a [`HandshakeStream`] ([RFC 5246] 7.4).
struct Message<'a> {
    msg_type: u8,
    body: &'a [u8],
    /// The stream offset of `body`.
    at: usize,
}

/// What the handshake messages read so far decide.
enum Decision {
    Undecided,
    Done(FlightProgress),
}

fn read_flight(buf: &[u8], closed: bool) -> FlightProgress {
    let mut stream = HandshakeStream::default();
    let mut hello: Option<ServerFlight> = None;
    let mut pos = 0usize;
    loop {
        match decide(&mut stream, &mut hello) {
            Ok(Decision::Done(p)) => return p,
            Ok(Decision::Undecided) => {}
            Err(e) => return FlightProgress::Invalid(stream.at_input(e)),
        }
        let rest = buf.get(pos..).unwrap_or_default();
        let Some(&content_type) = rest.first() else {
            return at_end(hello, closed);
        };
        let tls_type =
            (CONTENT_TYPE_CHANGE_CIPHER_SPEC..=CONTENT_TYPE_HEARTBEAT).contains(&content_type);
        let major = rest.get(1).copied();
        if pos == 0 && (!tls_type || major.is_some_and(|m| u16::from(m) != TLS_MAJOR_VERSION)) {
            return FlightProgress::NotTls;
        }
        let Some(header) = rest.get(..RECORD_HEADER_LEN) else {
            return at_end(hello, closed);
        };
        let mut c = Cursor::with_base(header, pos);
        let record = match read_record_header(&mut c) {
            Ok(r) => r,
            Err(e) => return FlightProgress::Invalid(e),
        };
        let end = pos
            .saturating_add(RECORD_HEADER_LEN)
            .saturating_add(record.len);
        if end > MAX_FLIGHT_LEN {
            return FlightProgress::Invalid(DecodeError::too_large(
                "tls server flight",
                pos,
                end,
                MAX_FLIGHT_LEN,
            ));
        }
        let Some(fragment) = buf.get(pos + RECORD_HEADER_LEN..end) else {
            return at_end(hello, closed);
        };
        let fragment_at = pos + RECORD_HEADER_LEN;
        match record.content_type {
            CONTENT_TYPE_HANDSHAKE => stream.push(fragment, fragment_at),
            CONTENT_TYPE_ALERT => {
                if let Some(f) = hello {
                    // An alert after a TLS 1.2 ServerHello ends the flight; the hello decided.
                    return FlightProgress::ServerHello(f);
                }
                let [level, description, ..] = *fragment else {
                    return FlightProgress::Invalid(DecodeError::truncated(
                        "tls alert",
                        fragment_at,
                        2,
                        fragment.len(),
                    ));
                };
                if level != ALERT_LEVEL_WARNING || description == ALERT_CLOSE_NOTIFY {
                    return FlightProgress::Alert { level, description };
                }
            }
            other => {
                // ChangeCipherSpec, application data, heartbeat: the plaintext flight is over.
                if let Some(f) = hello {
                    return FlightProgress::ServerHello(f);
                }
                return FlightProgress::Invalid(DecodeError::unexpected(
                    "tls record content type",
                    pos,
                    u32::from(other),
                ));
            }
        }
        pos = end;
    }
}

/// The outcome when the input ends before the flight decided.
fn at_end(hello: Option<ServerFlight>, closed: bool) -> FlightProgress {
    match hello {
        Some(f) if closed => FlightProgress::ServerHello(f),
        _ => FlightProgress::NeedMore,
    }
}

struct RecordHeader {
    content_type: u8,
    len: usize,
}

/// A record header after the first: a TLS content type, major version 3, a fragment within
/// [`MAX_RECORD_FRAGMENT_LEN`] ([RFC 5246] 6.2.1, 6.2.3).
fn read_record_header(c: &mut Cursor<'_>) -> Result<RecordHeader, DecodeError> {
    let at = c.offset();
    let content_type = c.u8("tls record content type")?;
    if !(CONTENT_TYPE_CHANGE_CIPHER_SPEC..=CONTENT_TYPE_HEARTBEAT).contains(&content_type) {
        return Err(DecodeError::unexpected(
            "tls record content type",
            at,
            u32::from(content_type),
        ));
    }
    let at = c.offset();
    let version = c.u16_be("tls record version")?;
    if version >> 8 != TLS_MAJOR_VERSION {
        return Err(DecodeError::unexpected(
            "tls record version",
            at,
            u32::from(version),
        ));
    }
    let at = c.offset();
    let len = usize::from(c.u16_be("tls record length")?);
    if len > MAX_RECORD_FRAGMENT_LEN {
        return Err(DecodeError::too_large(
            "tls record fragment",
            at,
            len,
            MAX_RECORD_FRAGMENT_LEN,
        ));
    }
    Ok(RecordHeader { content_type, len })
}

/// Consume the whole handshake messages in `stream` and say whether they decide the flight.
fn decide(
    stream: &mut HandshakeStream,
    hello: &mut Option<ServerFlight>,
) -> Result<Decision, DecodeError> {
    loop {
        if let Some(f) = hello.as_mut() {
            // TLS 1.2 or below: the message after the ServerHello decides.
            match stream.next_type() {
                None => return Ok(Decision::Undecided),
                Some(HANDSHAKE_CERTIFICATE) => {}
                Some(_) => return Ok(Decision::Done(FlightProgress::ServerHello(f.clone()))),
            }
            let Some(m) = stream.next_message()? else {
                return Ok(Decision::Undecided);
            };
            f.certificates = parse_certificate_list(m.body, m.at)?;
            return Ok(Decision::Done(FlightProgress::ServerHello(f.clone())));
        }
        let Some(msg_type) = stream.next_type() else {
            return Ok(Decision::Undecided);
        };
        if msg_type != HANDSHAKE_SERVER_HELLO && msg_type != HANDSHAKE_HELLO_REQUEST {
            return Err(DecodeError::unexpected(
                "tls handshake type",
                stream.pos,
                u32::from(msg_type),
            ));
        }
        let Some(m) = stream.next_message()? else {
            return Ok(Decision::Undecided);
        };
        let consumed = m.at + m.body.len();
        if m.msg_type == HANDSHAKE_SERVER_HELLO {
            let f = parse_server_hello(m.body, m.at)?;
            if f.negotiated_version() >= TLS1_3 {
                return Ok(Decision::Done(FlightProgress::ServerHello(f)));
            }
            *hello = Some(f);
        }
        stream.pos = consumed;
    }
}

/// A ServerHello body ([RFC 5246] 7.4.1.3, [RFC 8446] 4.1.3) at stream offset `at`. Bytes
/// after the extensions block are ignored.
fn parse_server_hello(body: &[u8], at: usize) -> Result<ServerFlight, DecodeError> {
    let mut c = Cursor::with_base(body, at);
    let legacy_version = c.u16_be("server hello version")?;
    let random: [u8; RANDOM_LEN] = c.array("server hello random")?;
    let session_id_len = c.u8("server hello session id length")?;
    c.skip(usize::from(session_id_len), "server hello session id")?;
    let cipher_suite = c.u16_be("server hello cipher suite")?;
    let compression = c.u8("server hello compression method")?;
    let mut f = ServerFlight {
        legacy_version,
        selected_version: None,
        random,
        session_id_len,
        cipher_suite,
        compression,
        extensions: Vec::new(),
        secure_renegotiation: false,
        extended_master_secret: false,
        downgrade_sentinel: Downgrade::from_random(&random),
        certificates: Vec::new(),
    };
    if c.is_empty() {
        return Ok(f);
    }
    let ext_len = usize::from(c.u16_be("server hello extensions length")?);
    let mut exts = c.sub(ext_len, "server hello extensions")?;
    while !exts.is_empty() {
        let ext_type = exts.u16_be("server hello extension type")?;
        let len = usize::from(exts.u16_be("server hello extension length")?);
        let mut data = exts.sub(len, "server hello extension data")?;
        f.extensions.push(ext_type);
        match ext_type {
            EXT_SUPPORTED_VERSIONS => {
                let v = data.u16_be("server hello selected version")?;
                f.selected_version.get_or_insert(v);
            }
            EXT_RENEGOTIATION_INFO => f.secure_renegotiation = true,
            EXT_EXTENDED_MASTER_SECRET => f.extended_master_secret = true,
            _ => {}
        }
    }
    Ok(f)
}

/// A Certificate message body ([RFC 5246] 7.4.2: `ASN.1Cert certificate_list<0..2^24-1>`)
/// at stream offset `at`: the certificates, up to [`MAX_CERTIFICATES`].
fn parse_certificate_list(body: &[u8], at: usize) -> Result<Vec<Vec<u8>>, DecodeError> {
    let mut c = Cursor::with_base(body, at);
    let list_len = read_u24(&mut c, "certificate list length")?;
    let mut list = c.sub(list_len, "certificate list")?;
    let mut certs = Vec::new();
    while !list.is_empty() {
        let len = read_u24(&mut list, "certificate length")?;
        let der = list.take(len, "certificate")?;
        if certs.len() < MAX_CERTIFICATES {
            certs.push(der.to_vec());
        }
    }
    Ok(certs)
}

fn read_u24(c: &mut Cursor<'_>, what: &'static str) -> Result<usize, DecodeError> {
    let [a, b, d] = c.array(what)?;
    Ok(usize::try_from(u32::from_be_bytes([0, a, b, d])).unwrap_or(usize::MAX))
}

// ---------------------------------------------------------------------------------------
// Encoding a server flight (tests, fuzz oracles, the lab)
// ---------------------------------------------------------------------------------------

/// Encode `flight` as a server would send it (for tests, the fuzz oracles and the lab):
/// the ServerHello; then, when it negotiates TLS 1.2 or below, a Certificate message with
/// [`ServerFlight::certificates`] (when there are any) and a ServerHelloDone. The messages
/// are cut into handshake records of at most `max_fragment_len` bytes (clamped to
/// 1..=2^14), so that tests can split messages across records.
///
/// The ServerHello carries a session id of `session_id_len` filler bytes (0x5a) and one
/// extension per entry of [`ServerFlight::extensions`], in order: `supported_versions` with
/// `selected_version` (left out when that is `None`), `renegotiation_info` with an empty
/// `renegotiated_connection`, the others empty. `supported_versions`, `renegotiation_info`
/// and `extended_master_secret` are appended when `selected_version`,
/// `secure_renegotiation` or `extended_master_secret` ask for them and the list lacks them.
/// So [`read_server_flight`] reads back any flight it produced itself (with at most a few
/// thousand extensions and a chain that fits [`MAX_FLIGHT_LEN`]).
///
/// The record version is `legacy_version` clamped to SSL 3.0 ..= TLS 1.2.
pub fn encode_server_flight(flight: &ServerFlight, max_fragment_len: usize) -> Vec<u8> {
    let mut hello = Vec::with_capacity(128);
    hello.extend_from_slice(&flight.legacy_version.to_be_bytes());
    hello.extend_from_slice(&flight.random);
    put_u8_prefixed(
        &mut hello,
        &vec![SESSION_ID_FILL; usize::from(flight.session_id_len)],
    );
    hello.extend_from_slice(&flight.cipher_suite.to_be_bytes());
    hello.push(flight.compression);
    let mut types = flight.extensions.clone();
    for (wanted, ext) in [
        (flight.selected_version.is_some(), EXT_SUPPORTED_VERSIONS),
        (flight.secure_renegotiation, EXT_RENEGOTIATION_INFO),
        (flight.extended_master_secret, EXT_EXTENDED_MASTER_SECRET),
    ] {
        if wanted && !types.contains(&ext) {
            types.push(ext);
        }
    }
    let selected = flight.selected_version.map(u16::to_be_bytes);
    let mut exts = Vec::new();
    for ext in types {
        let data: &[u8] = match ext {
            EXT_SUPPORTED_VERSIONS => match &selected {
                Some(v) => v,
                None => continue,
            },
            // An empty renegotiated_connection ([RFC 5746] 3.6).
            EXT_RENEGOTIATION_INFO => &[0],
            _ => &[],
        };
        if exts.len() + 4 + data.len() > usize::from(u16::MAX) {
            break;
        }
        put_extension(&mut exts, ext, data);
    }
    if !exts.is_empty() {
        put_u16_prefixed(&mut hello, &exts);
    }

    let mut messages = handshake_message(HANDSHAKE_SERVER_HELLO, &hello);
    if flight.negotiated_version() < TLS1_3 {
        if !flight.certificates.is_empty() {
            let mut list = Vec::new();
            for der in &flight.certificates {
                if list.len() + 3 + der.len() > MAX_U24 {
                    break;
                }
                put_u24_prefixed(&mut list, der);
            }
            let mut body = Vec::with_capacity(list.len() + 3);
            put_u24_prefixed(&mut body, &list);
            messages.extend_from_slice(&handshake_message(HANDSHAKE_CERTIFICATE, &body));
        }
        messages.extend_from_slice(&handshake_message(HANDSHAKE_SERVER_HELLO_DONE, &[]));
    }
    let record_version = flight.legacy_version.clamp(SSL3_0, TLS1_2);
    records(
        CONTENT_TYPE_HANDSHAKE,
        record_version,
        &messages,
        max_fragment_len,
    )
}

// ---------------------------------------------------------------------------------------
// Writing helpers. Every length written is bounded by the caller (the caps above), so the
// saturating conversions below never change a value.
// ---------------------------------------------------------------------------------------

fn put_u8_prefixed(out: &mut Vec<u8>, data: &[u8]) {
    out.push(u8::try_from(data.len()).unwrap_or(u8::MAX));
    out.extend_from_slice(data);
}

fn put_u16_prefixed(out: &mut Vec<u8>, data: &[u8]) {
    out.extend_from_slice(&u16::try_from(data.len()).unwrap_or(u16::MAX).to_be_bytes());
    out.extend_from_slice(data);
}

fn put_u24_prefixed(out: &mut Vec<u8>, data: &[u8]) {
    let len = u32::try_from(data.len().min(MAX_U24)).unwrap_or(0);
    out.extend_from_slice(len.to_be_bytes().get(1..).unwrap_or_default());
    out.extend_from_slice(data);
}

fn put_extension(out: &mut Vec<u8>, ext_type: u16, data: &[u8]) {
    out.extend_from_slice(&ext_type.to_be_bytes());
    put_u16_prefixed(out, data);
}

/// A handshake message: type, 24-bit length, body ([RFC 5246] 7.4).
fn handshake_message(msg_type: u8, body: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(body.len() + 4);
    m.push(msg_type);
    put_u24_prefixed(&mut m, body);
    m
}

/// `payload` in records of `content_type` and `version`, at most `max_fragment` (clamped to
/// 1..=2^14) bytes each ([RFC 5246] 6.2.1).
fn records(content_type: u8, version: u16, payload: &[u8], max_fragment: usize) -> Vec<u8> {
    let size = max_fragment.clamp(1, MAX_PLAINTEXT_FRAGMENT_LEN);
    let mut out =
        Vec::with_capacity(payload.len() + RECORD_HEADER_LEN * payload.len().div_ceil(size));
    for chunk in payload.chunks(size) {
        out.push(content_type);
        out.extend_from_slice(&version.to_be_bytes());
        put_u16_prefixed(&mut out, chunk);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DecodeErrorKind;
    use crate::tls::alert_record;
    use proptest::prelude::*;

    const RANDOM: [u8; RANDOM_LEN] = [0x42; RANDOM_LEN];
    const SUITES_12: [u16; 7] = [0xc02f, 0xc030, 0x009c, 0x002f, 0x0035, 0xc013, 0xc014];

    fn spec(version: u16) -> ClientHelloSpec<'static> {
        ClientHelloSpec {
            version,
            cipher_suites: if version >= TLS1_3 {
                tls13_suites()
            } else {
                &SUITES_12
            },
            random: &RANDOM,
            session_id: if version >= TLS1_3 { &[7; 32] } else { &[] },
            server_name: Some("rdp.example.com"),
            key_share_x25519: Some(&[9; X25519_KEY_LEN]),
        }
    }

    /// A ClientHello taken apart: every length field must match what it covers.
    #[derive(Debug)]
    struct ParsedHello {
        records: usize,
        client_version: u16,
        random: [u8; RANDOM_LEN],
        session_id: Vec<u8>,
        suites: Vec<u16>,
        extensions: Vec<(u16, Vec<u8>)>,
    }

    impl ParsedHello {
        fn ext(&self, t: u16) -> Option<&[u8]> {
            self.extensions
                .iter()
                .find(|(e, _)| *e == t)
                .map(|(_, d)| d.as_slice())
        }
        fn types(&self) -> Vec<u16> {
            self.extensions.iter().map(|(t, _)| *t).collect()
        }
    }

    fn parse_client_hello(bytes: &[u8]) -> ParsedHello {
        let mut c = Cursor::new(bytes);
        let mut hs = Vec::new();
        let mut records = 0;
        while !c.is_empty() {
            assert_eq!(c.u8("type").expect("type"), CONTENT_TYPE_HANDSHAKE);
            assert_eq!(c.u16_be("version").expect("version"), TLS1_0);
            let len = usize::from(c.u16_be("len").expect("len"));
            assert!((1..=MAX_PLAINTEXT_FRAGMENT_LEN).contains(&len));
            hs.extend_from_slice(c.take(len, "fragment").expect("fragment"));
            records += 1;
        }
        let mut h = Cursor::new(&hs);
        assert_eq!(h.u8("msg").expect("msg"), HANDSHAKE_CLIENT_HELLO);
        let len = read_u24(&mut h, "len").expect("len");
        assert_eq!(len, h.remaining(), "handshake length");
        let client_version = h.u16_be("cv").expect("cv");
        let random = h.array("random").expect("random");
        let sid_len = usize::from(h.u8("sid len").expect("sid len"));
        let session_id = h.take(sid_len, "sid").expect("sid").to_vec();
        let suites_len = usize::from(h.u16_be("suites len").expect("suites len"));
        assert_eq!(suites_len % 2, 0);
        let mut sc = h.sub(suites_len, "suites").expect("suites");
        let mut suites = Vec::new();
        while !sc.is_empty() {
            suites.push(sc.u16_be("suite").expect("suite"));
        }
        assert_eq!(h.take(2, "compression").expect("compression"), [1, 0]);
        let ext_len = usize::from(h.u16_be("ext len").expect("ext len"));
        assert_eq!(ext_len, h.remaining(), "extensions length");
        let mut extensions = Vec::new();
        while !h.is_empty() {
            let t = h.u16_be("ext").expect("ext");
            let l = usize::from(h.u16_be("ext len").expect("ext len"));
            extensions.push((t, h.take(l, "ext data").expect("ext data").to_vec()));
        }
        ParsedHello {
            records,
            client_version,
            random,
            session_id,
            suites,
            extensions,
        }
    }

    #[test]
    fn client_hellos_are_well_formed_records() {
        for version in [SSL3_0, TLS1_0, 0x0302, TLS1_2, TLS1_3] {
            let bytes = client_hello(&spec(version));
            assert_eq!(
                crate::tls::record_len(&bytes),
                crate::frame::FrameLen::Complete(bytes.len())
            );
            let h = parse_client_hello(&bytes);
            assert_eq!(h.records, 1);
            assert_eq!(h.client_version, version.min(TLS1_2));
            assert_eq!(h.random, RANDOM);
            assert_eq!(h.suites, spec(version).cipher_suites);
            let sni = h.ext(EXT_SERVER_NAME).expect("sni");
            assert_eq!(&sni[..5], &[0, 18, SERVER_NAME_TYPE_HOST_NAME, 0, 15]);
            assert_eq!(&sni[5..], b"rdp.example.com");
            let groups = h.ext(EXT_SUPPORTED_GROUPS).expect("groups");
            assert_eq!(&groups[..2], &[0, 12]);
            assert_eq!(&groups[2..4], &GROUP_X25519.to_be_bytes());
            assert_eq!(h.ext(EXT_EC_POINT_FORMATS), Some(&[1, 0][..]));
            let sigs = h.ext(EXT_SIGNATURE_ALGORITHMS);
            assert_eq!(sigs.is_some(), version >= TLS1_2, "{version:#06x}");
            if let Some(sigs) = sigs {
                let listed: Vec<u16> = sigs[2..]
                    .chunks(2)
                    .map(|p| u16::from_be_bytes([p[0], p[1]]))
                    .collect();
                assert_eq!(listed, OFFERED_SIGNATURE_SCHEMES);
                for must in [SIG_RSA_PKCS1_SHA1, SIG_RSA_PSS_PSS_SHA512, SIG_ED25519] {
                    assert!(listed.contains(&must));
                }
            }
            if version >= TLS1_3 {
                assert_eq!(h.session_id, [7; 32]);
                assert_eq!(
                    h.types(),
                    [
                        EXT_SERVER_NAME,
                        EXT_SUPPORTED_GROUPS,
                        EXT_EC_POINT_FORMATS,
                        EXT_SIGNATURE_ALGORITHMS,
                        EXT_SUPPORTED_VERSIONS,
                        EXT_KEY_SHARE
                    ]
                );
                assert_eq!(h.ext(EXT_SUPPORTED_VERSIONS), Some(&[2, 3, 4][..]));
                let ks = h.ext(EXT_KEY_SHARE).expect("key share");
                assert_eq!(&ks[..6], &[0, 36, 0, 0x1d, 0, 32]);
                assert_eq!(&ks[6..], &[9; 32]);
            } else {
                assert!(h.session_id.is_empty());
                assert_eq!(h.ext(EXT_EXTENDED_MASTER_SECRET), Some(&[][..]));
                assert_eq!(h.ext(EXT_RENEGOTIATION_INFO), Some(&[0][..]));
                assert_eq!(h.ext(EXT_SUPPORTED_VERSIONS), None);
                assert_eq!(h.ext(EXT_KEY_SHARE), None);
            }
        }
    }

    #[test]
    fn client_hello_edges() {
        // IP literals, empty and non-ASCII names get no server_name; a trailing dot goes.
        for name in ["192.0.2.7", "::1", "[2001:db8::1]", "", ".", "hôte.example"] {
            let s = ClientHelloSpec {
                server_name: Some(name),
                ..spec(TLS1_2)
            };
            let h = parse_client_hello(&client_hello(&s));
            assert_eq!(h.ext(EXT_SERVER_NAME), None, "{name:?}");
        }
        let s = ClientHelloSpec {
            server_name: Some("host.example."),
            ..spec(TLS1_2)
        };
        let h = parse_client_hello(&client_hello(&s));
        assert!(
            h.ext(EXT_SERVER_NAME)
                .expect("sni")
                .ends_with(b"host.example")
        );
        // No key share: a TLS 1.3 hello without key_share (the server asks for one).
        let s = ClientHelloSpec {
            key_share_x25519: None,
            ..spec(TLS1_3)
        };
        let h = parse_client_hello(&client_hello(&s));
        assert_eq!(h.ext(EXT_KEY_SHARE), None);
        // Over-long inputs are capped, and a hello over 2^14 bytes spans several records.
        let many: Vec<u16> = (0..=u16::MAX).collect();
        let s = ClientHelloSpec {
            cipher_suites: &many,
            session_id: &[1; 40],
            ..spec(TLS1_2)
        };
        let h = parse_client_hello(&client_hello(&s));
        assert_eq!(h.suites.len(), MAX_CIPHER_SUITES);
        assert_eq!(h.session_id.len(), MAX_SESSION_ID_LEN);
        assert_eq!(h.records, 5); // 2 * 0x7fff bytes of suites and the rest, in 2^14-byte records
    }

    #[test]
    fn tls13_suites_are_the_five_of_rfc_8446() {
        assert_eq!(tls13_suites(), [0x1301, 0x1302, 0x1303, 0x1304, 0x1305]);
    }

    fn flight12() -> ServerFlight {
        let mut random = [0x33; RANDOM_LEN];
        random[24..].copy_from_slice(&DOWNGRADE_SENTINEL_TLS12);
        ServerFlight {
            legacy_version: TLS1_2,
            selected_version: None,
            random,
            session_id_len: 32,
            cipher_suite: 0xc030,
            compression: 0,
            extensions: vec![
                EXT_RENEGOTIATION_INFO,
                EXT_EC_POINT_FORMATS,
                EXT_EXTENDED_MASTER_SECRET,
            ],
            secure_renegotiation: true,
            extended_master_secret: true,
            downgrade_sentinel: Some(Downgrade::Tls12),
            certificates: vec![vec![0x30; 700], vec![0x30, 0x82, 1, 2]],
        }
    }

    fn flight13() -> ServerFlight {
        ServerFlight {
            legacy_version: TLS1_2,
            selected_version: Some(TLS1_3),
            random: [0x44; RANDOM_LEN],
            session_id_len: 32,
            cipher_suite: TLS_AES_256_GCM_SHA384,
            compression: 0,
            extensions: vec![EXT_KEY_SHARE, EXT_SUPPORTED_VERSIONS],
            secure_renegotiation: false,
            extended_master_secret: false,
            downgrade_sentinel: None,
            certificates: Vec::new(),
        }
    }

    fn flight10() -> ServerFlight {
        let mut random = [0x55; RANDOM_LEN];
        random[24..].copy_from_slice(&DOWNGRADE_SENTINEL_TLS11);
        ServerFlight {
            legacy_version: TLS1_0,
            selected_version: None,
            random,
            session_id_len: 0,
            cipher_suite: 0x0035,
            compression: 0,
            extensions: Vec::new(),
            secure_renegotiation: false,
            extended_master_secret: false,
            downgrade_sentinel: Some(Downgrade::Tls11OrBelow),
            certificates: vec![vec![0x30, 3, 1, 2, 3]],
        }
    }

    /// Windows Server 2019 answering a TLS 1.3-only ClientHello: a TLS 1.2 hello.
    fn flight12_for_13_hello() -> ServerFlight {
        ServerFlight {
            random: [0x66; RANDOM_LEN],
            downgrade_sentinel: None,
            certificates: vec![vec![0x30; 40]],
            ..flight12()
        }
    }

    fn hello_retry_request() -> ServerFlight {
        ServerFlight {
            random: HELLO_RETRY_REQUEST_RANDOM,
            cipher_suite: TLS_AES_128_GCM_SHA256,
            ..flight13()
        }
    }

    fn all_flights() -> Vec<ServerFlight> {
        vec![
            flight12(),
            flight13(),
            flight10(),
            flight12_for_13_hello(),
            hello_retry_request(),
            ServerFlight {
                certificates: Vec::new(),
                ..flight12()
            },
        ]
    }

    /// Every prefix of `bytes` reads as NeedMore until the flight decides, then as `want`;
    /// feeding it in chunks of any sizes therefore gives NeedMore, then `want`.
    fn assert_every_prefix(bytes: &[u8], want: &FlightProgress) {
        let mut decided = false;
        for n in 0..=bytes.len() {
            let got = read_server_flight(&bytes[..n]);
            if decided {
                assert_eq!(&got, want, "prefix {n} after the decision");
            } else if got != FlightProgress::NeedMore {
                assert_eq!(&got, want, "prefix {n}");
                decided = true;
            }
        }
        assert!(decided, "never decided");
    }

    #[test]
    fn round_trips_in_any_record_cut() {
        for f in all_flights() {
            let want = FlightProgress::ServerHello(f.clone());
            for fragment in [1, 2, 3, 7, 64, 700, MAX_PLAINTEXT_FRAGMENT_LEN] {
                let mut bytes = encode_server_flight(&f, fragment);
                assert_eq!(read_server_flight(&bytes), want, "fragment {fragment}");
                // What follows the deciding message is not read.
                bytes.extend_from_slice(&[CONTENT_TYPE_CHANGE_CIPHER_SPEC, 3, 3, 0, 1, 1]);
                bytes.extend_from_slice(b"\xff\xff garbage");
                assert_every_prefix(&bytes, &want);
            }
        }
    }

    #[test]
    fn what_the_flights_say() {
        let FlightProgress::ServerHello(f) = read_server_flight(&encode_server_flight(
            &flight12_for_13_hello(),
            MAX_PLAINTEXT_FRAGMENT_LEN,
        )) else {
            panic!("no hello");
        };
        assert_eq!((f.selected_version, f.negotiated_version()), (None, TLS1_2));
        assert_eq!(f.certificates.len(), 1);
        let FlightProgress::ServerHello(f) = read_server_flight(&encode_server_flight(
            &flight13(),
            MAX_PLAINTEXT_FRAGMENT_LEN,
        )) else {
            panic!("no hello");
        };
        assert_eq!(f.negotiated_version(), TLS1_3);
        assert!(!f.is_hello_retry_request());
        assert!(hello_retry_request().is_hello_retry_request());
        assert_eq!(
            Downgrade::from_random(&flight10().random),
            Some(Downgrade::Tls11OrBelow)
        );
        assert_eq!(Downgrade::from_random(&[0; RANDOM_LEN]), None);
    }

    #[test]
    fn the_tls13_hello_of_tls_rs_stops_the_reading() {
        // The same hello as tls.rs's RFC 8446 test, followed by encrypted records.
        let mut rec = crate::tls::tests::rfc8446_server_hello_record();
        rec.extend_from_slice(&[20, 3, 3, 0, 1, 1, 23, 3, 3, 0, 3, 1, 2, 3]);
        let FlightProgress::ServerHello(f) = read_server_flight(&rec) else {
            panic!("no hello");
        };
        assert_eq!(f.extensions, [EXT_KEY_SHARE, EXT_SUPPORTED_VERSIONS]);
        assert_eq!(
            (f.selected_version, f.cipher_suite, f.session_id_len),
            (Some(TLS1_3), 0x1301, 32)
        );
        assert!(f.certificates.is_empty());
    }

    #[test]
    fn alerts_decide_before_a_hello() {
        let fatal = alert_record(TLS1_2, ALERT_LEVEL_FATAL, 40);
        assert_every_prefix(
            &fatal,
            &FlightProgress::Alert {
                level: 2,
                description: 40,
            },
        );
        // A warning (unrecognized_name) is skipped; the hello after it decides.
        let mut bytes = alert_record(TLS1_2, ALERT_LEVEL_WARNING, 112);
        bytes.extend_from_slice(&encode_server_flight(&flight12(), 100));
        assert_every_prefix(&bytes, &FlightProgress::ServerHello(flight12()));
        let mut bytes = alert_record(TLS1_0, ALERT_LEVEL_WARNING, 112);
        bytes.extend_from_slice(&alert_record(TLS1_0, ALERT_LEVEL_FATAL, 70));
        assert_eq!(
            read_server_flight(&bytes),
            FlightProgress::Alert {
                level: 2,
                description: 70
            }
        );
        // close_notify decides.
        assert_eq!(
            read_server_flight(&alert_record(
                TLS1_2,
                ALERT_LEVEL_WARNING,
                ALERT_CLOSE_NOTIFY
            )),
            FlightProgress::Alert {
                level: 1,
                description: 0
            }
        );
        // An alert in the middle of a hello split across records decides too.
        let hello = encode_server_flight(&flight12(), 10);
        let mut bytes = hello[..15].to_vec();
        bytes.extend_from_slice(&fatal);
        assert_eq!(
            read_server_flight(&bytes),
            FlightProgress::Alert {
                level: 2,
                description: 40
            }
        );
        // After a TLS 1.2 hello, an alert ends the flight: the hello decided.
        let f = ServerFlight {
            certificates: Vec::new(),
            ..flight12()
        };
        let mut bytes = encode_server_flight(&f, MAX_PLAINTEXT_FRAGMENT_LEN);
        bytes.truncate(bytes.len() - 4); // no ServerHelloDone
        let n = bytes.len() - RECORD_HEADER_LEN;
        bytes[3..5].copy_from_slice(&u16::try_from(n).expect("short").to_be_bytes());
        assert_eq!(read_server_flight(&bytes), FlightProgress::NeedMore);
        assert_eq!(
            read_server_flight_at_close(&bytes),
            FlightProgress::ServerHello(f.clone())
        );
        bytes.extend_from_slice(&fatal);
        assert_eq!(read_server_flight(&bytes), FlightProgress::ServerHello(f));
        // An empty alert record is malformed.
        assert!(matches!(
            read_server_flight(&[21, 3, 3, 0, 1, 2]),
            FlightProgress::Invalid(DecodeError {
                what: "tls alert",
                offset: 5,
                ..
            })
        ));
    }

    /// `f` (TLS 1.2 or below) as one record holding only the ServerHello.
    fn hello_only(f: &ServerFlight) -> Vec<u8> {
        let mut bytes = encode_server_flight(f, MAX_PLAINTEXT_FRAGMENT_LEN);
        bytes.truncate(bytes.len() - 4);
        let n = bytes.len() - RECORD_HEADER_LEN;
        bytes[3..5].copy_from_slice(&u16::try_from(n).expect("short").to_be_bytes());
        bytes
    }

    #[test]
    fn not_tls_and_invalid() {
        for bytes in [
            &b"HTTP/1.1 400 Bad Request\r\n\r\n"[..],
            b"SSH-2.0-OpenSSH_9.2\r\n",
            &[3, 0, 0, 19, 14, 0xd0, 0, 0, 0x12, 0x34, 0],
            &[22, 2, 0],
            &[0x80, 0x2e, 0x04],
            &[0],
        ] {
            assert_eq!(
                read_server_flight(bytes),
                FlightProgress::NotTls,
                "{bytes:?}"
            );
        }
        assert_eq!(read_server_flight(&[]), FlightProgress::NeedMore);
        assert_eq!(read_server_flight(&[22]), FlightProgress::NeedMore);
        assert_eq!(
            read_server_flight_at_close(&[22, 3]),
            FlightProgress::NeedMore
        );
        // Application data first.
        assert_eq!(
            read_server_flight(&[23, 3, 3, 0, 1, 0]),
            FlightProgress::Invalid(DecodeError::unexpected("tls record content type", 0, 23))
        );
        // A ClientHello echoed back is no ServerHello.
        let echo = client_hello(&spec(TLS1_2));
        assert_eq!(
            read_server_flight(&echo),
            FlightProgress::Invalid(DecodeError::unexpected("tls handshake type", 5, 1))
        );
        // A second record that is not TLS.
        let mut bytes = encode_server_flight(&flight12(), 20)[..25].to_vec();
        bytes.extend_from_slice(b"GET / HTTP/1.1");
        assert_eq!(
            read_server_flight(&bytes),
            FlightProgress::Invalid(DecodeError::unexpected("tls record content type", 25, 0x47))
        );
        // A record over 2^14 + 2048 bytes.
        assert_eq!(
            read_server_flight(&[22, 3, 3, 0x48, 0x01]),
            FlightProgress::Invalid(DecodeError::too_large(
                "tls record fragment",
                3,
                0x4801,
                MAX_RECORD_FRAGMENT_LEN
            ))
        );
        // A Certificate message claiming more than the flight bound.
        let f = ServerFlight {
            certificates: Vec::new(),
            ..flight12()
        };
        let mut bytes = hello_only(&f);
        let n = bytes.len();
        bytes.extend_from_slice(&[22, 3, 3, 0, 4, HANDSHAKE_CERTIFICATE, 0x01, 0x00, 0x01]);
        assert_eq!(
            read_server_flight(&bytes),
            FlightProgress::Invalid(DecodeError::too_large(
                "tls handshake message",
                n + 5,
                0x010001,
                MAX_FLIGHT_LEN
            ))
        );
        // A chain that does not fit in the flight bound, in a message that would.
        let big = ServerFlight {
            certificates: vec![vec![0x30; 32_720], vec![0x30; 32_720]],
            ..flight12()
        };
        let bytes = encode_server_flight(&big, MAX_PLAINTEXT_FRAGMENT_LEN);
        let FlightProgress::Invalid(e) = read_server_flight(&bytes) else {
            panic!("read a flight over the bound");
        };
        assert_eq!(e.what, "tls server flight");
        assert!(matches!(
            e.kind,
            DecodeErrorKind::TooLarge {
                max: MAX_FLIGHT_LEN,
                ..
            }
        ));
        // A certificate running past its list.
        let mut bytes = hello_only(&f);
        bytes.extend_from_slice(&[
            22,
            3,
            3,
            0,
            10,
            HANDSHAKE_CERTIFICATE,
            0,
            0,
            6,
            0,
            0,
            3,
            0,
            0,
            9,
        ]);
        let FlightProgress::Invalid(e) = read_server_flight(&bytes) else {
            panic!("read a broken certificate list");
        };
        assert_eq!((e.what, e.offset), ("certificate", bytes.len()));
    }

    /// An error inside a message that spans records is reported at its offset in the input.
    #[test]
    fn errors_point_into_the_input() {
        const FRAGMENT: usize = 10;
        let mut bytes = encode_server_flight(&flight12(), FRAGMENT);
        // The hello's extensions length is at handshake offset 4 + 2 + 32 + 1 + 32 + 3 = 74.
        let at = |hs: usize| {
            (hs / FRAGMENT) * (FRAGMENT + RECORD_HEADER_LEN) + RECORD_HEADER_LEN + hs % FRAGMENT
        };
        bytes[at(74)] = 0x01;
        bytes[at(75)] = 0x00;
        let FlightProgress::Invalid(e) = read_server_flight(&bytes) else {
            panic!("read a broken hello");
        };
        assert_eq!(e.what, "server hello extensions");
        assert_eq!(e.offset, at(76));
        assert!(e.is_truncated());
    }

    #[test]
    fn hello_requests_and_oddities_are_tolerated() {
        // A HelloRequest before the hello is skipped.
        let mut bytes = vec![22, 3, 3, 0, 4, HANDSHAKE_HELLO_REQUEST, 0, 0, 0];
        bytes.extend_from_slice(&encode_server_flight(&flight13(), 50));
        assert_every_prefix(&bytes, &FlightProgress::ServerHello(flight13()));
        // An empty handshake record, and a hello without an extensions block.
        let bare = ServerFlight {
            extensions: Vec::new(),
            secure_renegotiation: false,
            extended_master_secret: false,
            ..flight10()
        };
        let mut bytes = vec![22, 3, 1, 0, 0];
        bytes.extend_from_slice(&encode_server_flight(&bare, MAX_PLAINTEXT_FRAGMENT_LEN));
        assert_every_prefix(&bytes, &FlightProgress::ServerHello(bare));
        // A ServerKeyExchange right after the hello (an anonymous suite): no certificates.
        let f = ServerFlight {
            certificates: Vec::new(),
            ..flight12()
        };
        let mut bytes = hello_only(&f);
        bytes.extend_from_slice(&[22, 3, 3, 0, 1, 12]);
        assert_eq!(read_server_flight(&bytes), FlightProgress::ServerHello(f));
        // More than MAX_CERTIFICATES certificates: the first ones are kept.
        let long = ServerFlight {
            certificates: (0..40u8).map(|i| vec![i; 3]).collect(),
            ..flight12()
        };
        let FlightProgress::ServerHello(got) =
            read_server_flight(&encode_server_flight(&long, MAX_PLAINTEXT_FRAGMENT_LEN))
        else {
            panic!("no hello");
        };
        assert_eq!(got.certificates, long.certificates[..MAX_CERTIFICATES]);
    }

    fn arb_flight() -> impl Strategy<Value = ServerFlight> {
        let ext = prop::sample::select(vec![
            EXT_SERVER_NAME,
            EXT_EC_POINT_FORMATS,
            EXT_EXTENDED_MASTER_SECRET,
            EXT_KEY_SHARE,
            EXT_RENEGOTIATION_INFO,
            16,
            35,
            0x1234,
        ]);
        (
            prop::sample::select(vec![SSL3_0, TLS1_0, 0x0302, TLS1_2, TLS1_3, 0x7f1c]),
            prop::option::of(prop::sample::select(vec![TLS1_2, TLS1_3, 0x7f1c])),
            any::<[u8; RANDOM_LEN]>(),
            prop::option::of(any::<bool>()),
            0u8..=32,
            any::<u16>(),
            any::<u8>(),
            prop::collection::vec(ext, 0..6),
            0usize..7,
            prop::collection::vec(prop::collection::vec(any::<u8>(), 0..300), 0..4),
        )
            .prop_map(
                |(
                    legacy,
                    selected,
                    mut random,
                    sentinel,
                    sid,
                    suite,
                    comp,
                    mut exts,
                    at,
                    certs,
                )| {
                    if selected.is_some() {
                        exts.insert(at.min(exts.len()), EXT_SUPPORTED_VERSIONS);
                    }
                    match sentinel {
                        Some(true) => random[24..].copy_from_slice(&DOWNGRADE_SENTINEL_TLS12),
                        Some(false) => random[24..].copy_from_slice(&DOWNGRADE_SENTINEL_TLS11),
                        None => {}
                    }
                    let mut f = ServerFlight {
                        legacy_version: legacy,
                        selected_version: selected,
                        random,
                        session_id_len: sid,
                        cipher_suite: suite,
                        compression: comp,
                        secure_renegotiation: exts.contains(&EXT_RENEGOTIATION_INFO),
                        extended_master_secret: exts.contains(&EXT_EXTENDED_MASTER_SECRET),
                        extensions: exts,
                        downgrade_sentinel: Downgrade::from_random(&random),
                        certificates: certs,
                    };
                    if f.negotiated_version() >= TLS1_3 {
                        f.certificates.clear();
                    }
                    f
                },
            )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn any_flight_round_trips_in_any_chunks(
            f in arb_flight(),
            fragment in 1usize..400,
            cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..8),
        ) {
            let want = FlightProgress::ServerHello(f.clone());
            let bytes = encode_server_flight(&f, fragment);
            prop_assert_eq!(&read_server_flight(&bytes), &want);
            prop_assert_eq!(&read_server_flight_at_close(&bytes), &want);
            // Delivered in chunks: NeedMore until the decision, then the same decision.
            let mut ends: Vec<usize> = cuts.iter().map(|i| i.index(bytes.len() + 1)).collect();
            ends.push(bytes.len());
            ends.sort_unstable();
            let mut decided = false;
            for end in ends {
                let got = read_server_flight(&bytes[..end]);
                if decided || got != FlightProgress::NeedMore {
                    prop_assert_eq!(&got, &want);
                    decided = true;
                }
            }
            crate::fuzz_oracles::tls_flight(&bytes);
        }

        #[test]
        fn arbitrary_bytes_never_panic(
            data in prop::collection::vec(any::<u8>(), 0..700),
            prefix in prop::sample::select(vec![
                &[][..],
                &[22, 3, 3][..],
                &[22, 3, 1, 0][..],
                &[21, 3, 3, 0, 2][..],
            ]),
        ) {
            let mut bytes = prefix.to_vec();
            bytes.extend_from_slice(&data);
            crate::fuzz_oracles::tls_flight(&bytes);
        }

        #[test]
        fn mutated_flights_never_panic(
            f in arb_flight(),
            flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        ) {
            let mut bytes = encode_server_flight(&f, 64);
            for (i, b) in flips {
                let at = i.index(bytes.len());
                bytes[at] = b;
            }
            crate::fuzz_oracles::tls_flight(&bytes);
        }
    }

    /// Against a real peer: `openssl s_server` on loopback, one connection per ClientHello.
    /// Skipped (with the reason on stderr) when the `openssl` command is missing.
    #[test]
    fn openssl_s_server_answers_the_hellos() {
        use std::io::{BufRead, BufReader, Read, Write};
        use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
        use std::process::{Child, Command, Stdio};
        use std::time::{Duration, SystemTime, UNIX_EPOCH};

        /// Kills the server this test started and removes its directory, also on panic.
        struct Cleanup {
            child: Option<Child>,
            dir: std::path::PathBuf,
        }
        impl Drop for Cleanup {
            fn drop(&mut self) {
                if let Some(child) = self.child.as_mut() {
                    let _ = child.kill();
                    let _ = child.wait();
                }
                let _ = std::fs::remove_dir_all(&self.dir);
            }
        }

        if Command::new("openssl")
            .arg("version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map_or(true, |s| !s.success())
        {
            eprintln!("skipped: the `openssl` command is not installed");
            return;
        }
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir =
            std::env::temp_dir().join(format!("rdp-probe-tls-scan-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let mut cleanup = Cleanup {
            child: None,
            dir: dir.clone(),
        };
        let openssl = |args: &[&str]| {
            let ok = Command::new("openssl")
                .args(args)
                .current_dir(&dir)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            assert!(ok, "openssl {args:?} failed");
        };
        openssl(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=localhost",
            "-days",
            "1",
            "-keyout",
            "key.pem",
            "-out",
            "cert.pem",
        ]);
        openssl(&[
            "x509", "-in", "cert.pem", "-outform", "DER", "-out", "cert.der",
        ]);
        let der = std::fs::read(dir.join("cert.der")).expect("cert.der");

        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut child = Command::new("openssl")
            .args(["s_server", "-accept", &format!("127.0.0.1:{port}")])
            .args(["-cert", "cert.pem", "-key", "key.pem"])
            .current_dir(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("openssl s_server");
        let stdout = child.stdout.take().expect("stdout");
        cleanup.child = Some(child);
        // s_server prints ACCEPT once it listens; its output is drained until it exits.
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if line.trim() == "ACCEPT" {
                    let _ = ready_tx.send(());
                }
            }
        });
        ready_rx
            .recv_timeout(Duration::from_secs(20))
            .expect("s_server did not start");

        let exchange = |hello: &[u8]| -> std::io::Result<FlightProgress> {
            let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
            let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
            s.set_read_timeout(Some(Duration::from_secs(10)))?;
            s.write_all(hello)?;
            let mut buf = Vec::new();
            let mut chunk = [0u8; 1024];
            loop {
                let n = s.read(&mut chunk)?;
                if n == 0 {
                    return Ok(read_server_flight_at_close(&buf));
                }
                buf.extend_from_slice(&chunk[..n]);
                match read_server_flight(&buf) {
                    FlightProgress::NeedMore => {}
                    decided => return Ok(decided),
                }
            }
        };

        let random: [u8; RANDOM_LEN] = core::array::from_fn(|i| i as u8);
        // The x25519 base point (u = 9) is a valid public key.
        let mut key = [0u8; X25519_KEY_LEN];
        key[0] = 9;
        let session_id = [0xab; 32];

        let tls12 = ClientHelloSpec {
            version: TLS1_2,
            cipher_suites: &SUITES_12,
            random: &random,
            session_id: &[],
            server_name: Some("localhost"),
            key_share_x25519: None,
        };
        let FlightProgress::ServerHello(f) = exchange(&client_hello(&tls12)).expect("tls 1.2")
        else {
            panic!("no TLS 1.2 ServerHello");
        };
        assert_eq!(f.negotiated_version(), TLS1_2, "{f:?}");
        assert_eq!(f.selected_version, None);
        assert!(SUITES_12.contains(&f.cipher_suite), "{f:?}");
        assert_eq!(f.compression, COMPRESSION_NULL);
        assert!(f.secure_renegotiation && f.extended_master_secret, "{f:?}");
        // OpenSSL speaks TLS 1.3, so it marks the downgrade.
        assert_eq!(f.downgrade_sentinel, Some(Downgrade::Tls12));
        assert_eq!(f.certificates, [der]);

        let tls13 = ClientHelloSpec {
            version: TLS1_3,
            cipher_suites: tls13_suites(),
            random: &random,
            session_id: &session_id,
            server_name: Some("localhost"),
            key_share_x25519: Some(&key),
        };
        let FlightProgress::ServerHello(f) = exchange(&client_hello(&tls13)).expect("tls 1.3")
        else {
            panic!("no TLS 1.3 ServerHello");
        };
        assert_eq!(
            (f.legacy_version, f.selected_version),
            (TLS1_2, Some(TLS1_3)),
            "{f:?}"
        );
        assert!(tls13_suites().contains(&f.cipher_suite), "{f:?}");
        assert!(!f.is_hello_retry_request());
        assert_eq!(f.session_id_len, 32);
        assert!(f.extensions.contains(&EXT_KEY_SHARE));
        assert!(f.certificates.is_empty());

        // TLS 1.0: refused by an OpenSSL 3 default configuration, or accepted; either way a
        // decision (or a close), never garbage.
        let tls10 = ClientHelloSpec {
            version: TLS1_0,
            cipher_suites: &[0xc013, 0xc014, 0x002f, 0x0035],
            ..tls12
        };
        match exchange(&client_hello(&tls10)) {
            Ok(FlightProgress::Alert { level, description }) => {
                assert_eq!(level, ALERT_LEVEL_FATAL);
                eprintln!("TLS 1.0 refused with alert {description}");
            }
            Ok(FlightProgress::ServerHello(f)) => assert_eq!(f.negotiated_version(), TLS1_0),
            Ok(FlightProgress::NeedMore) | Err(_) => eprintln!("TLS 1.0: connection closed"),
            Ok(other) => panic!("TLS 1.0: {other:?}"),
        }
        drop(cleanup);
    }
}
