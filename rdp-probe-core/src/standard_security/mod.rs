//! The cryptography of Standard RDP Security ([MS-RDPBCGR] 5.3), for both ends of a connection.
//!
//! Standard RDP Security is the legacy security layer of `PROTOCOL_RDP` (no TLS): the server sends a
//! 32-byte random and an RSA key in its Server Security Data, the client answers with its own random
//! encrypted under that key (the Security Exchange PDU), and both sides derive from the two randoms
//! three symmetric keys per connection: one per direction for RC4 (40, 56 or 128 bits) or 3DES-CBC
//! (FIPS), and one for the MAC. This module holds only the cryptography; framing (security headers,
//! flags) is the caller's business.
//!
//! | Piece | Items | [MS-RDPBCGR] |
//! |---|---|---|
//! | negotiated method | [`EncryptionMethod`], [`Role`] | 2.2.1.4.3, 5.3.2 |
//! | key derivation | [`SessionKeys`] | 5.3.5, 5.3.5.1, 5.3.5.2 |
//! | per-PDU protection | [`Sealer`], [`Opener`], [`MacForm`], [`Sealed`], [`OpenError`] | 5.3.6, 5.3.7 |
//! | raw RSA | [`RsaPublicKey`], [`RsaPrivateKey`], [`terminal_services_signing_key`], [`lab_server_key`] | 5.3.3.1.1, 5.3.4.1 |
//! | server certificate | [`unpack_certificate`], [`ServerCertificate`], [`proprietary_certificate`], [`x509_certificate_chain`] | 2.2.1.4.3.1, 5.3.3 |
//!
//! A whole client-side exchange, with the lab server's key standing in for a real server:
//!
//! ```
//! use rdp_probe_core::standard_security::{
//!     lab_server_key, proprietary_certificate, unpack_certificate, EncryptionMethod, MacForm, Role,
//!     SessionKeys, RANDOM_LEN,
//! };
//!
//! // The server's side of TS_UD_SC_SEC1: a random and a certificate.
//! let server_key = lab_server_key();
//! let certificate = proprietary_certificate(&server_key.public_key(), false);
//! let server_random = [0x5a; RANDOM_LEN];
//!
//! // The client unpacks the certificate and encrypts its random for the Security Exchange PDU.
//! let client_random = [0xc3; RANDOM_LEN];
//! let unpacked = unpack_certificate(&certificate)?;
//! let encrypted = unpacked.public_key.encrypt_client_random(&client_random);
//! assert_eq!(encrypted.len(), 72);
//!
//! // The server recovers the random; both sides derive their keys.
//! assert_eq!(server_key.decrypt_client_random(&encrypted), Some(client_random));
//! let method = EncryptionMethod::Bits128;
//! let (mut client_out, _client_in) =
//!     SessionKeys::derive(method, Role::Client, &client_random, &server_random).into_layer();
//! let (_server_out, mut server_in) =
//!     SessionKeys::derive(method, Role::Server, &client_random, &server_random).into_layer();
//!
//! // A Client Info PDU's payload, sealed by the client and opened by the server.
//! let sealed = client_out.seal(b"TS_INFO_PACKET", MacForm::Plain);
//! let opened = server_in.open(&sealed.signature, &sealed.ciphertext, MacForm::Plain, sealed.pad_len)?;
//! assert_eq!(opened, b"TS_INFO_PACKET");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Nothing here implements a cipher or a hash: RC4, MD5, SHA-1, HMAC, 3DES and CBC come from the
//! RustCrypto crates and the modular exponentiation from `num-bigint`. What is written here is the
//! key formatting the spec defines around them (salting, the FIPS key bit expansion, byte order).
//! None of this is secure by today's standards, and the spec's signing key is public: the layer
//! protects against nothing but passive eavesdroppers of 2001.

mod certificate;
mod keys;
mod layer;
mod mac;
mod method;
mod rsa;

#[cfg(test)]
mod tests;

pub use certificate::{
    CERT_CHAIN_VERSION_1, CERT_CHAIN_VERSION_2, CERT_TEMPORARILY_ISSUED, CertificateError,
    CertificateKind, ChainCertificate, MAX_CERT_BLOBS, ServerCertificate, SignatureCheck,
    proprietary_certificate, unpack_certificate, x509_certificate_chain,
};
pub use keys::SessionKeys;
pub use layer::{KEY_UPDATE_INTERVAL, OpenError, Opener, Sealed, Sealer};
pub use mac::MacForm;
pub use method::{
    ENCRYPTION_METHOD_40BIT, ENCRYPTION_METHOD_56BIT, ENCRYPTION_METHOD_128BIT,
    ENCRYPTION_METHOD_FIPS, EncryptionMethod, Role,
};
pub use rsa::{
    MAX_MODULUS_BITS, MIN_MODULUS_BITS, RsaPrivateKey, RsaPublicKey, lab_server_key,
    terminal_services_signing_key,
};

/// The length of the client random and of the server random, in bytes ([MS-RDPBCGR] 5.3.4).
pub const RANDOM_LEN: usize = 32;
