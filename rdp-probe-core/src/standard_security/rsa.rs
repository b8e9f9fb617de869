//! Raw RSA as Standard RDP Security uses it: little-endian integers and no padding scheme
//! ([MS-RDPBCGR] 5.3.4.1), plus the two fixed keys this crate needs (the spec's Terminal Services
//! signing key and the lab servers' key).

use std::fmt;

use num_bigint::BigUint;
use zeroize::Zeroizing;

use super::RANDOM_LEN;
use super::certificate::CertificateError;

/// The smallest modulus accepted, in bits: above 256, so that every 32-byte client random is
/// smaller than the modulus and `r^e mod n` can be inverted ([MS-RDPBCGR] 5.3.4.1). Real servers
/// use 512 bits (proprietary certificates) or 2048 (X.509 chains).
pub const MIN_MODULUS_BITS: u32 = 257;

/// The largest modulus accepted, in bits. The spec sets no bound; this one keeps a hostile
/// server's key from costing the probe more than a few milliseconds of modular exponentiation,
/// and is four times the 4096 bits seen in practice.
pub const MAX_MODULUS_BITS: u32 = 16_384;

/// The zero bytes that follow the modulus in an `RSA_PUBLIC_KEY` and the ciphertext in a
/// Security Exchange PDU ([MS-RDPBCGR] 2.2.1.4.3.1.1.1, 5.3.4.1).
pub(crate) const TRAILING_ZEROS_LEN: usize = 8;

/// An RSA public key as Standard RDP Security uses it: raw RSA on little-endian integers, with no
/// padding scheme ([MS-RDPBCGR] 5.3.4.1).
///
/// ```
/// use rdp_probe_core::standard_security::{lab_server_key, RsaPublicKey};
///
/// let key = lab_server_key().public_key();
/// assert_eq!(key.bits(), 512);
/// assert_eq!(key.modulus_len(), 64);
/// let encrypted = key.encrypt_client_random(&[7; 32]);
/// assert_eq!(encrypted.len(), 64 + 8);
/// assert!(RsaPublicKey::from_le(&[0xff; 32], 65537).is_err()); // 256 bits: too small
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RsaPublicKey {
    modulus: BigUint,
    exponent: u32,
}

impl RsaPublicKey {
    /// A key from a little-endian modulus (as in `RSA_PUBLIC_KEY`, [MS-RDPBCGR] 2.2.1.4.3.1.1.1;
    /// high zero bytes, such as the 8 bytes of padding, are ignored) and the public exponent.
    ///
    /// # Errors
    ///
    /// [`CertificateError::Modulus`] when the modulus has not more than 256 bits
    /// ([`MIN_MODULUS_BITS`]) or more than [`MAX_MODULUS_BITS`]; [`CertificateError::PublicExponent`]
    /// when the exponent is zero.
    pub fn from_le(modulus_le: &[u8], exponent: u32) -> Result<Self, CertificateError> {
        Self::new(BigUint::from_bytes_le(modulus_le), exponent)
    }

    /// A key from a big-endian modulus and exponent, as a DER `RSAPublicKey` holds them (leading
    /// zero bytes allowed).
    ///
    /// # Errors
    ///
    /// As [`Self::from_le`]; [`CertificateError::PublicExponent`] also when the exponent does not
    /// fit the 32 bits of the RDP key format.
    pub fn from_be(modulus_be: &[u8], exponent_be: &[u8]) -> Result<Self, CertificateError> {
        let significant: Vec<u8> = exponent_be
            .iter()
            .copied()
            .skip_while(|b| *b == 0)
            .collect();
        let mut word = [0u8; 4];
        let Some(start) = word.len().checked_sub(significant.len()) else {
            return Err(CertificateError::PublicExponent { raw: significant });
        };
        word[start..].copy_from_slice(&significant);
        Self::new(BigUint::from_bytes_be(modulus_be), u32::from_be_bytes(word))
    }

    fn new(modulus: BigUint, exponent: u32) -> Result<Self, CertificateError> {
        let bits = u32::try_from(modulus.bits()).unwrap_or(u32::MAX);
        if !(MIN_MODULUS_BITS..=MAX_MODULUS_BITS).contains(&bits) {
            return Err(CertificateError::Modulus { bits });
        }
        if exponent == 0 {
            return Err(CertificateError::PublicExponent { raw: Vec::new() });
        }
        Ok(Self { modulus, exponent })
    }

    /// The size of the modulus in bits (its highest set bit).
    pub fn bits(&self) -> u32 {
        // INVARIANT: bits() <= MAX_MODULUS_BITS, checked at construction.
        u32::try_from(self.modulus.bits()).unwrap_or(u32::MAX)
    }

    /// The size of the modulus in bytes: [`Self::bits`] rounded up to a whole byte.
    pub fn modulus_len(&self) -> usize {
        usize::try_from(self.bits().div_ceil(8)).unwrap_or(usize::MAX)
    }

    /// The modulus, little-endian, [`Self::modulus_len`] bytes.
    pub fn modulus_le(&self) -> Vec<u8> {
        to_le_padded(&self.modulus, self.modulus_len())
    }

    /// The public exponent.
    pub fn exponent(&self) -> u32 {
        self.exponent
    }

    /// Encrypts a client random for the Security Exchange PDU ([MS-RDPBCGR] 5.3.4.1): `c = r^e mod n`
    /// with `r` read as a little-endian integer, written little-endian into a zeroed buffer of
    /// [`Self::modulus_len`] + 8 bytes: the `encryptedClientRandom` field, whose length is the
    /// PDU's `length` field ([MS-RDPBCGR] 2.2.1.10.1).
    pub fn encrypt_client_random(&self, random: &[u8; RANDOM_LEN]) -> Vec<u8> {
        let value = BigUint::from_bytes_le(random);
        let mut out = to_le_padded(&self.raw(&value), self.modulus_len());
        out.resize(out.len() + TRAILING_ZEROS_LEN, 0);
        out
    }

    /// `value^e mod n`.
    pub(crate) fn raw(&self, value: &BigUint) -> BigUint {
        value.modpow(&BigUint::from(self.exponent), &self.modulus)
    }

    /// Whether `value` is a valid RSA input or output for this key (smaller than the modulus).
    pub(crate) fn holds(&self, value: &BigUint) -> bool {
        value < &self.modulus
    }
}

/// A raw RSA private key `(n, d)`, for lab servers and tests.
///
/// The private exponent is kept as little-endian bytes that are wiped on drop (the big integers
/// made from it during an operation are not), and [`fmt::Debug`] does not print it.
#[derive(Clone)]
pub struct RsaPrivateKey {
    public: RsaPublicKey,
    private_exponent_le: Zeroizing<Vec<u8>>,
}

impl RsaPrivateKey {
    /// A key from the little-endian modulus and private exponent, and the public exponent. The
    /// exponents are not checked against each other.
    ///
    /// # Errors
    ///
    /// As [`RsaPublicKey::from_le`].
    pub fn from_le(
        modulus_le: &[u8],
        private_exponent_le: &[u8],
        public_exponent: u32,
    ) -> Result<Self, CertificateError> {
        Ok(Self {
            public: RsaPublicKey::from_le(modulus_le, public_exponent)?,
            private_exponent_le: Zeroizing::new(private_exponent_le.to_vec()),
        })
    }

    /// The public half, `(n, e)`.
    pub fn public_key(&self) -> RsaPublicKey {
        self.public.clone()
    }

    /// Recovers the client random from a Security Exchange PDU's `encryptedClientRandom`, with or
    /// without its 8 trailing zero bytes ([MS-RDPBCGR] 5.3.4.1): the inverse of
    /// [`RsaPublicKey::encrypt_client_random`].
    ///
    /// `None` when the value is not smaller than the modulus, or decrypts to more than 32 bytes.
    pub fn decrypt_client_random(&self, encrypted: &[u8]) -> Option<[u8; RANDOM_LEN]> {
        let value = BigUint::from_bytes_le(encrypted);
        if !self.public.holds(&value) {
            return None;
        }
        let plain = self.raw_private(&value).to_bytes_le();
        let mut out = [0u8; RANDOM_LEN];
        out.get_mut(..plain.len())?.copy_from_slice(&plain);
        Some(out)
    }

    /// `value^d mod n`.
    pub(crate) fn raw_private(&self, value: &BigUint) -> BigUint {
        let exponent = BigUint::from_bytes_le(&self.private_exponent_le);
        value.modpow(&exponent, &self.public.modulus)
    }

    /// A key from constants known to be valid.
    fn from_constants(modulus_le: &[u8], private_exponent_le: &[u8], exponent: u32) -> Self {
        Self {
            public: RsaPublicKey {
                modulus: BigUint::from_bytes_le(modulus_le),
                exponent,
            },
            private_exponent_le: Zeroizing::new(private_exponent_le.to_vec()),
        }
    }
}

impl fmt::Debug for RsaPrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RsaPrivateKey")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

/// `value` little-endian, zero-extended to `len` bytes (or longer if it does not fit).
pub(crate) fn to_le_padded(value: &BigUint, len: usize) -> Vec<u8> {
    let mut out = value.to_bytes_le();
    if out.len() < len {
        out.resize(len, 0);
    }
    out
}

/// The Terminal Services signing key's modulus `n`, little-endian ([MS-RDPBCGR] 5.3.3.1.1).
const TS_SIGNING_MODULUS: [u8; 64] = [
    0x3d, 0x3a, 0x5e, 0xbd, 0x72, 0x43, 0x3e, 0xc9, 0x4d, 0xbb, 0xc1, 0x1e, 0x4a, 0xba, 0x5f, 0xcb,
    0x3e, 0x88, 0x20, 0x87, 0xef, 0xf5, 0xc1, 0xe2, 0xd7, 0xb7, 0x6b, 0x9a, 0xf2, 0x52, 0x45, 0x95,
    0xce, 0x63, 0x65, 0x6b, 0x58, 0x3a, 0xfe, 0xef, 0x7c, 0xe7, 0xbf, 0xfe, 0x3d, 0xf6, 0x5c, 0x7d,
    0x6c, 0x5e, 0x06, 0x09, 0x1a, 0xf5, 0x61, 0xbb, 0x20, 0x93, 0x09, 0x5f, 0x05, 0x6d, 0xea, 0x87,
];
/// The Terminal Services signing key's private exponent `d`, little-endian ([MS-RDPBCGR] 5.3.3.1.1).
const TS_SIGNING_PRIVATE_EXPONENT: [u8; 64] = [
    0x87, 0xa7, 0x19, 0x32, 0xda, 0x11, 0x87, 0x55, 0x58, 0x00, 0x16, 0x16, 0x25, 0x65, 0x68, 0xf8,
    0x24, 0x3e, 0xe6, 0xfa, 0xe9, 0x67, 0x49, 0x94, 0xcf, 0x92, 0xcc, 0x33, 0x99, 0xe8, 0x08, 0x60,
    0x17, 0x9a, 0x12, 0x9f, 0x24, 0xdd, 0xb1, 0x24, 0x99, 0xc7, 0x3a, 0xb8, 0x0a, 0x7b, 0x0d, 0xdd,
    0x35, 0x07, 0x79, 0x17, 0x0b, 0x51, 0x9b, 0xb3, 0xc7, 0x10, 0x01, 0x13, 0xe7, 0x3f, 0xf3, 0x5f,
];
/// The Terminal Services signing key's public exponent `e` (`5b 7b 88 c0` little-endian,
/// [MS-RDPBCGR] 5.3.3.1.1).
const TS_SIGNING_PUBLIC_EXPONENT: u32 = 0xc088_7b5b;

/// The Terminal Services signing key published in [MS-RDPBCGR] 5.3.3.1.1: the 512-bit key that
/// signs and verifies proprietary server certificates (5.3.3.1.2, 5.3.3.1.3).
///
/// Its private exponent is public knowledge, so a signature made with it proves nothing about who
/// made it.
pub fn terminal_services_signing_key() -> RsaPrivateKey {
    RsaPrivateKey::from_constants(
        &TS_SIGNING_MODULUS,
        &TS_SIGNING_PRIVATE_EXPONENT,
        TS_SIGNING_PUBLIC_EXPONENT,
    )
}

/// The lab server key's modulus `n`, little-endian (512 bits).
const LAB_MODULUS: [u8; 64] = [
    0x57, 0x39, 0x2b, 0x35, 0x72, 0xae, 0x50, 0xb4, 0xfc, 0x12, 0x91, 0xdb, 0xdc, 0x41, 0xa3, 0xbc,
    0x76, 0x15, 0xb8, 0x31, 0x74, 0x8e, 0xda, 0x30, 0x0f, 0x8a, 0x89, 0x95, 0xbd, 0xa4, 0x76, 0x54,
    0x69, 0xb4, 0x00, 0xbd, 0x85, 0x50, 0xb1, 0xce, 0xd1, 0x0e, 0x8f, 0x05, 0xf3, 0x23, 0x54, 0x77,
    0x94, 0x94, 0xad, 0x7a, 0x6c, 0x2c, 0x2d, 0x6e, 0x3a, 0xd0, 0x2d, 0xd4, 0xf0, 0xb6, 0x5c, 0xbc,
];
/// The lab server key's private exponent `d`, little-endian.
const LAB_PRIVATE_EXPONENT: [u8; 64] = [
    0x99, 0x46, 0x8f, 0x22, 0x8e, 0x85, 0x7f, 0x95, 0x56, 0x2f, 0x1c, 0x7c, 0x80, 0x23, 0x3f, 0xe2,
    0x6e, 0x53, 0x42, 0x31, 0x1f, 0xab, 0xf2, 0x7a, 0xfe, 0xfe, 0x80, 0x1e, 0x57, 0x4a, 0x32, 0x5b,
    0x35, 0x9d, 0x43, 0x12, 0xef, 0xd4, 0xf5, 0x8c, 0x94, 0x81, 0xfb, 0xc1, 0xd3, 0xa4, 0xd4, 0xfd,
    0xb6, 0xbb, 0xab, 0x25, 0xd5, 0x5f, 0x52, 0x56, 0xfd, 0x3b, 0x95, 0x76, 0x4e, 0x60, 0x2a, 0xb6,
];
/// The lab server key's public exponent.
const LAB_PUBLIC_EXPONENT: u32 = 65_537;

/// A fixed 512-bit RSA key pair (`e` = 65537) for the scripted lab servers' proprietary
/// certificates and for tests.
///
/// **This is a public test key**: it was generated once with `openssl genrsa 512` for this
/// project and its private exponent is in the source. It protects nothing; 512-bit RSA is the size
/// Windows uses in proprietary certificates ([MS-RDPBCGR] 4.1.4), which is why it is this small.
pub fn lab_server_key() -> RsaPrivateKey {
    RsaPrivateKey::from_constants(&LAB_MODULUS, &LAB_PRIVATE_EXPONENT, LAB_PUBLIC_EXPONENT)
}
