//! The server certificate of the Server Security Data ([MS-RDPBCGR] 2.2.1.4.3.1): a proprietary
//! certificate signed with the Terminal Services signing key ([MS-RDPBCGR] 2.2.1.4.3.1.1,
//! 5.3.3.1), or an X.509 chain ([MS-RDPBCGR] 5.3.3.2, [MS-RDPELE] 2.2.1.4.2).

use md5::Md5;
use num_bigint::BigUint;
use serde::Serialize;
use sha1::Digest;
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::public_key::RSAPublicKey;

use super::rsa::{RsaPublicKey, TRAILING_ZEROS_LEN, terminal_services_signing_key, to_le_padded};

/// `CERT_CHAIN_VERSION_1`: a proprietary certificate ([MS-RDPBCGR] 2.2.1.4.3.1).
pub const CERT_CHAIN_VERSION_1: u32 = 0x0000_0001;
/// `CERT_CHAIN_VERSION_2`: an X.509 certificate chain ([MS-RDPBCGR] 2.2.1.4.3.1).
pub const CERT_CHAIN_VERSION_2: u32 = 0x0000_0002;
/// The `t` bit of `dwVersion`: the certificate was issued temporarily ([MS-RDPBCGR] 2.2.1.4.3.1).
pub const CERT_TEMPORARILY_ISSUED: u32 = 0x8000_0000;
/// The most certificates an X.509 chain may hold ([MS-RDPELE] 2.2.1.4.2).
pub const MAX_CERT_BLOBS: u32 = 200;

/// The low 31 bits of `dwVersion`: the certificate chain version.
const CERT_CHAIN_VERSION_MASK: u32 = !CERT_TEMPORARILY_ISSUED;
/// `SIGNATURE_ALG_RSA`, the only `dwSigAlgId` ([MS-RDPBCGR] 2.2.1.4.3.1.1).
const SIGNATURE_ALG_RSA: u32 = 0x0000_0001;
/// `KEY_EXCHANGE_ALG_RSA`, the only `dwKeyAlgId` ([MS-RDPBCGR] 2.2.1.4.3.1.1).
const KEY_EXCHANGE_ALG_RSA: u32 = 0x0000_0001;
/// `BB_RSA_KEY_BLOB`, the `wPublicKeyBlobType` ([MS-RDPBCGR] 2.2.1.4.3.1.1).
const BB_RSA_KEY_BLOB: u16 = 0x0006;
/// `BB_RSA_SIGNATURE_BLOB`, the `wSignatureBlobType` ([MS-RDPBCGR] 2.2.1.4.3.1.1).
const BB_RSA_SIGNATURE_BLOB: u16 = 0x0008;
/// The `magic` of an `RSA_PUBLIC_KEY`: `"RSA1"` read as a little-endian u32
/// ([MS-RDPBCGR] 2.2.1.4.3.1.1.1).
const RSA1_MAGIC: u32 = 0x3141_5352;
/// The length of the fixed fields of an `RSA_PUBLIC_KEY` before the modulus: magic, keylen,
/// bitlen, datalen, pubExp.
const RSA_PUBLIC_KEY_HEADER_LEN: usize = 5 * 4;
/// The length of the proprietary certificate's fields before the public key blob: dwVersion,
/// dwSigAlgId, dwKeyAlgId (u32 each), wPublicKeyBlobType, wPublicKeyBlobLen (u16 each).
const PROPRIETARY_HEADER_LEN: usize = 3 * 4 + 2 * 2;
/// The length of the `wSignatureBlobType` and `wSignatureBlobLen` fields together.
const SIGNATURE_BLOB_HEADER_LEN: usize = 2 * 2;
/// The fixed part of an X.509 chain's trailing padding ([MS-RDPELE] 2.2.1.4.2: 8 + 4 × count).
const X509_PADDING_BASE_LEN: usize = 8;
/// The per-certificate part of an X.509 chain's trailing padding.
const X509_PADDING_PER_CERT_LEN: usize = 4;
/// The length of an MD5 hash, the signed part of the signature block.
const MD5_LEN: usize = 16;
/// The length of the block the Terminal Services key signs ([MS-RDPBCGR] 5.3.3.1.2).
const SIGNED_BLOCK_LEN: usize = 63;
/// The byte after the hash in the signed block.
const SIGNED_BLOCK_SEPARATOR: u8 = 0x00;
/// The filler between the separator and the last byte of the signed block.
const SIGNED_BLOCK_FILLER: u8 = 0xff;
/// The last byte of the signed block ("0x01"; older spec text shows 0x10 in one place, but the
/// spec's own 4.1.4 certificate verifies with 0x01).
const SIGNED_BLOCK_END: u8 = 0x01;
/// The OID of `rsaEncryption`'s family: PKCS #1 (1.2.840.113549.1.1.x).
const PKCS1_OID_PREFIX: &str = "1.2.840.113549.1.1.";
/// `sha1WithRSASignature` (OIW), found as the key algorithm of Windows license-server certificates.
const OIW_SHA1_WITH_RSA_OID: &str = "1.3.14.3.2.29";

/// A server certificate from TS_UD_SC_SEC1, unpacked ([MS-RDPBCGR] 2.2.1.4.3.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerCertificate {
    /// The key the client encrypts its random with: the proprietary certificate's key, or the
    /// last certificate's key in an X.509 chain.
    pub public_key: RsaPublicKey,
    /// The `t` bit of `dwVersion`: the certificate was issued temporarily.
    pub temporary: bool,
    /// Which kind of certificate it was, with what was learnt about it.
    pub kind: CertificateKind,
}

/// The two kinds of server certificate ([MS-RDPBCGR] 2.2.1.4.3.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertificateKind {
    /// A proprietary certificate ([MS-RDPBCGR] 2.2.1.4.3.1.1), whose signature was checked with
    /// the Terminal Services signing key ([MS-RDPBCGR] 5.3.3.1.3).
    ///
    /// A valid signature proves nothing about the server's identity: the signing key's private
    /// exponent is published in the spec ([MS-RDPBCGR] 5.3.3.1.1), so anyone can sign any key. An
    /// invalid one only says the server (or something on the path) did not bother.
    Proprietary {
        /// The outcome of the signature check.
        signature: SignatureCheck,
    },
    /// An X.509 certificate chain ([MS-RDPBCGR] 5.3.3.2), root first; the key is the last
    /// certificate's.
    ///
    /// The chain is **not** validated: neither its signatures, nor its dates, nor its names are
    /// checked. It is described, not trusted.
    X509 {
        /// The certificates in the order the server sent them (root first, server last).
        chain: Vec<ChainCertificate>,
    },
}

/// The outcome of checking a proprietary certificate's signature ([MS-RDPBCGR] 5.3.3.1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum SignatureCheck {
    /// The signature decrypts to the MD5 hash of the signed fields in the expected block.
    Valid,
    /// It does not (or is not smaller than the signing key's modulus).
    Invalid,
}

/// One certificate of an X.509 chain, described.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ChainCertificate {
    /// The subject distinguished name, as x509-parser writes it (RFC 4514-like, e.g.
    /// `O=Example, CN=host`).
    pub subject: String,
    /// The issuer distinguished name, written the same way.
    pub issuer: String,
    /// SHA-256 of the DER certificate, lowercase hex.
    pub sha256: String,
}

/// Why a server certificate could not be unpacked. Each arm keeps the raw values read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CertificateError {
    /// The certificate ends before the named field does.
    #[error("the certificate ends inside {field}")]
    Truncated {
        /// The field (the spec's name) that does not fit.
        field: &'static str,
    },
    /// The low 31 bits of `dwVersion` are neither 1 (proprietary) nor 2 (X.509).
    #[error("unknown certificate chain version (dwVersion {raw:#010x})")]
    UnknownVersion {
        /// The whole `dwVersion` field, `t` bit included.
        raw: u32,
    },
    /// A proprietary certificate whose `dwSigAlgId` or `dwKeyAlgId` is not RSA (1).
    #[error("unsupported algorithms: signature {signature_alg:#x}, key exchange {key_alg:#x}")]
    UnsupportedAlgorithm {
        /// `dwSigAlgId`.
        signature_alg: u32,
        /// `dwKeyAlgId`.
        key_alg: u32,
    },
    /// A proprietary certificate's `wPublicKeyBlobType` is not `BB_RSA_KEY_BLOB` (6) or its
    /// `wSignatureBlobType` is not `BB_RSA_SIGNATURE_BLOB` (8).
    #[error("blob type {found:#06x} where {expected:#06x} belongs")]
    BlobType {
        /// The type the field must have.
        expected: u16,
        /// The type it has.
        found: u16,
    },
    /// The public key's `magic` is not `"RSA1"` (0x31415352).
    #[error("public key magic {found:#010x} is not RSA1")]
    BadMagic {
        /// The `magic` field.
        found: u32,
    },
    /// The public key's lengths disagree: `keylen` must be `bitlen / 8 + 8` (and above 8) and
    /// `datalen` must be `bitlen / 8 - 1` ([MS-RDPBCGR] 2.2.1.4.3.1.1.1).
    #[error("inconsistent RSA key lengths: keylen {keylen}, bitlen {bitlen}, datalen {datalen}")]
    KeyLength {
        /// The `keylen` field.
        keylen: u32,
        /// The `bitlen` field.
        bitlen: u32,
        /// The `datalen` field.
        datalen: u32,
    },
    /// An X.509 chain's `NumCertBlobs` is 0 or above [`MAX_CERT_BLOBS`].
    ///
    /// [MS-RDPELE] 2.2.1.4.2 requires at least 2 certificates; a single one is accepted here,
    /// because it still carries the server's key and the probe describes rather than judges.
    #[error("{count} certificates in the X.509 chain (1 to 200 accepted)")]
    ChainLength {
        /// The `NumCertBlobs` field.
        count: u32,
    },
    /// A certificate of an X.509 chain that x509-parser rejects.
    #[error("X.509 certificate {index} does not parse: {message}")]
    X509 {
        /// Its position in the chain, from 0.
        index: usize,
        /// x509-parser's message.
        message: String,
    },
    /// The last certificate of an X.509 chain does not hold an RSA key.
    #[error("the key of X.509 certificate {index} is not an RSA key")]
    NotRsa {
        /// Its position in the chain, from 0.
        index: usize,
    },
    /// An RSA modulus that is zero, not above 256 bits, or above
    /// [`MAX_MODULUS_BITS`](super::MAX_MODULUS_BITS) bits.
    #[error("unusable RSA modulus of {bits} bits")]
    Modulus {
        /// Its size in bits (0 for a zero modulus).
        bits: u32,
    },
    /// An RSA public exponent that is zero or does not fit 32 bits (the RDP key format's
    /// `pubExp`).
    #[error("unusable RSA public exponent {raw:02x?}")]
    PublicExponent {
        /// Its big-endian bytes without leading zeros (empty for zero).
        raw: Vec<u8>,
    },
}

/// Unpacks a `SERVER_CERTIFICATE` ([MS-RDPBCGR] 2.2.1.4.3.1), the `serverCertificate` field of
/// TS_UD_SC_SEC1.
///
/// A proprietary certificate's signature is checked and reported, not enforced (see
/// [`CertificateKind::Proprietary`]). An X.509 chain is described, not validated; its trailing
/// padding is not required. Bytes after the certificate are ignored.
///
/// ```
/// use rdp_probe_core::standard_security::{
///     lab_server_key, proprietary_certificate, unpack_certificate, CertificateKind, SignatureCheck,
/// };
///
/// let key = lab_server_key().public_key();
/// let unpacked = unpack_certificate(&proprietary_certificate(&key, true))?;
/// assert_eq!(unpacked.public_key, key);
/// assert!(unpacked.temporary);
/// assert_eq!(unpacked.kind, CertificateKind::Proprietary { signature: SignatureCheck::Valid });
/// # Ok::<(), rdp_probe_core::standard_security::CertificateError>(())
/// ```
///
/// # Errors
///
/// A [`CertificateError`] naming the first field that is missing or unusable.
pub fn unpack_certificate(raw: &[u8]) -> Result<ServerCertificate, CertificateError> {
    let mut reader = Reader::new(raw);
    let version = reader.u32("dwVersion")?;
    let temporary = version & CERT_TEMPORARILY_ISSUED != 0;
    match version & CERT_CHAIN_VERSION_MASK {
        CERT_CHAIN_VERSION_1 => unpack_proprietary(raw, reader, temporary),
        CERT_CHAIN_VERSION_2 => unpack_x509_chain(reader, temporary),
        _ => Err(CertificateError::UnknownVersion { raw: version }),
    }
}

/// The rest of a proprietary certificate, after `dwVersion` ([MS-RDPBCGR] 2.2.1.4.3.1.1).
fn unpack_proprietary(
    raw: &[u8],
    mut reader: Reader<'_>,
    temporary: bool,
) -> Result<ServerCertificate, CertificateError> {
    let signature_alg = reader.u32("dwSigAlgId")?;
    let key_alg = reader.u32("dwKeyAlgId")?;
    if signature_alg != SIGNATURE_ALG_RSA || key_alg != KEY_EXCHANGE_ALG_RSA {
        return Err(CertificateError::UnsupportedAlgorithm {
            signature_alg,
            key_alg,
        });
    }
    let blob_type = reader.u16("wPublicKeyBlobType")?;
    if blob_type != BB_RSA_KEY_BLOB {
        return Err(CertificateError::BlobType {
            expected: BB_RSA_KEY_BLOB,
            found: blob_type,
        });
    }
    let blob_len = reader.u16("wPublicKeyBlobLen")?;
    let blob = reader.take(usize::from(blob_len), "PublicKeyBlob")?;
    // The signature covers dwVersion through the end of the public key blob. INVARIANT: the
    // reader has consumed exactly these bytes of `raw`, so the range is in bounds.
    let signed = &raw[..PROPRIETARY_HEADER_LEN + blob.len()];
    let public_key = unpack_rsa_public_key(blob)?;

    let signature_type = reader.u16("wSignatureBlobType")?;
    if signature_type != BB_RSA_SIGNATURE_BLOB {
        return Err(CertificateError::BlobType {
            expected: BB_RSA_SIGNATURE_BLOB,
            found: signature_type,
        });
    }
    let signature_len = reader.u16("wSignatureBlobLen")?;
    let signature = reader.take(usize::from(signature_len), "SignatureBlob")?;
    Ok(ServerCertificate {
        public_key,
        temporary,
        kind: CertificateKind::Proprietary {
            signature: check_signature(signed, signature),
        },
    })
}

/// An `RSA_PUBLIC_KEY` ([MS-RDPBCGR] 2.2.1.4.3.1.1.1).
fn unpack_rsa_public_key(blob: &[u8]) -> Result<RsaPublicKey, CertificateError> {
    let mut reader = Reader::new(blob);
    let magic = reader.u32("magic")?;
    if magic != RSA1_MAGIC {
        return Err(CertificateError::BadMagic { found: magic });
    }
    let keylen = reader.u32("keylen")?;
    let bitlen = reader.u32("bitlen")?;
    let datalen = reader.u32("datalen")?;
    let exponent = reader.u32("pubExp")?;
    let modulus_len = bitlen / u8::BITS;
    let padding_len = u32::try_from(TRAILING_ZEROS_LEN).unwrap_or(u32::MAX);
    let consistent = padding_len < keylen
        && modulus_len.checked_add(padding_len) == Some(keylen)
        && modulus_len.checked_sub(1) == Some(datalen);
    if !consistent {
        return Err(CertificateError::KeyLength {
            keylen,
            bitlen,
            datalen,
        });
    }
    let modulus = reader.take(usize::try_from(keylen).unwrap_or(usize::MAX), "modulus")?;
    // The modulus is followed by 8 zero bytes; as high-order bytes of a little-endian integer
    // they change nothing, so they are not checked.
    RsaPublicKey::from_le(modulus, exponent)
}

/// Checks a proprietary certificate's signature with the Terminal Services signing key
/// ([MS-RDPBCGR] 5.3.3.1.3): `signature^e mod n`, little-endian, must be the MD5 hash of `signed`
/// followed by `00`, 45 × `FF` and `01` (and a zero high byte).
fn check_signature(signed: &[u8], signature: &[u8]) -> SignatureCheck {
    let signing_key = terminal_services_signing_key().public_key();
    let value = BigUint::from_bytes_le(signature);
    if !signing_key.holds(&value) {
        return SignatureCheck::Invalid;
    }
    let recovered = to_le_padded(&signing_key.raw(&value), signing_key.modulus_len());
    let mut expected = signed_block(signed).to_vec();
    expected.resize(signing_key.modulus_len(), 0);
    if recovered == expected {
        SignatureCheck::Valid
    } else {
        SignatureCheck::Invalid
    }
}

/// The 63-byte block the Terminal Services key signs ([MS-RDPBCGR] 5.3.3.1.2): the MD5 hash of
/// `signed`, `00`, 45 × `FF`, `01`.
fn signed_block(signed: &[u8]) -> [u8; SIGNED_BLOCK_LEN] {
    let mut block = [SIGNED_BLOCK_FILLER; SIGNED_BLOCK_LEN];
    block[..MD5_LEN].copy_from_slice(&Md5::digest(signed));
    block[MD5_LEN] = SIGNED_BLOCK_SEPARATOR;
    block[SIGNED_BLOCK_LEN - 1] = SIGNED_BLOCK_END;
    block
}

/// The rest of an X.509 certificate chain, after `dwVersion` ([MS-RDPELE] 2.2.1.4.2).
fn unpack_x509_chain(
    mut reader: Reader<'_>,
    temporary: bool,
) -> Result<ServerCertificate, CertificateError> {
    let count = reader.u32("NumCertBlobs")?;
    if count == 0 || MAX_CERT_BLOBS < count {
        return Err(CertificateError::ChainLength { count });
    }
    let mut chain = Vec::new();
    let mut leaf_key = None;
    // INVARIANT: count <= MAX_CERT_BLOBS, so the index fits any usize.
    let last = usize::try_from(count - 1).unwrap_or(usize::MAX);
    for index in 0..=last {
        let len = reader.u32("cbCert")?;
        let der = reader.take(usize::try_from(len).unwrap_or(usize::MAX), "abCert")?;
        let (_, cert) = X509Certificate::from_der(der).map_err(|e| CertificateError::X509 {
            index,
            message: e.to_string(),
        })?;
        chain.push(ChainCertificate {
            subject: cert.subject().to_string(),
            issuer: cert.issuer().to_string(),
            sha256: sha256_hex(der),
        });
        if index == last {
            leaf_key = Some(rsa_key_of(&cert, index)?);
        }
    }
    let public_key = leaf_key.ok_or(CertificateError::ChainLength { count })?;
    Ok(ServerCertificate {
        public_key,
        temporary,
        kind: CertificateKind::X509 { chain },
    })
}

/// The RSA key of a certificate.
///
/// Besides `rsaEncryption`, the key algorithm may be another PKCS #1 OID or OIW
/// `sha1WithRSASignature` (1.3.14.3.2.29): Windows license-server certificates are known to label
/// their keys with a signature algorithm, which x509-parser then does not recognise as RSA. The key
/// itself is a DER `RSAPublicKey` in every case.
fn rsa_key_of(cert: &X509Certificate<'_>, index: usize) -> Result<RsaPublicKey, CertificateError> {
    let spki = cert.public_key();
    let oid = spki.algorithm.algorithm.to_id_string();
    if !(oid.starts_with(PKCS1_OID_PREFIX) || oid == OIW_SHA1_WITH_RSA_OID) {
        return Err(CertificateError::NotRsa { index });
    }
    let (_, key) = RSAPublicKey::from_der(&spki.subject_public_key.data).map_err(|e| {
        CertificateError::X509 {
            index,
            message: format!("RSA public key: {e}"),
        }
    })?;
    RsaPublicKey::from_be(key.modulus, key.exponent)
}

fn sha256_hex(der: &[u8]) -> String {
    <sha2::Sha256 as sha2::Digest>::digest(der)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A proprietary certificate carrying `key`, signed with the Terminal Services signing key as
/// [MS-RDPBCGR] 5.3.3.1.2 describes, for lab servers and tests.
///
/// `dwVersion` is `CERT_CHAIN_VERSION_1`, with the `t` bit when `temporary` (0x80000001, as
/// Windows and FreeRDP servers send). The key blob has `bitlen` = 8 × the modulus length, `keylen`
/// = modulus length + 8 and `datalen` = modulus length − 1; the signature blob is the 64-byte
/// little-endian signature plus 8 zero bytes.
pub fn proprietary_certificate(key: &RsaPublicKey, temporary: bool) -> Vec<u8> {
    let modulus = key.modulus_le();
    let modulus_len = u32::try_from(modulus.len()).unwrap_or(u32::MAX);
    let padding_len = u32::try_from(TRAILING_ZEROS_LEN).unwrap_or(u32::MAX);
    let blob_len = RSA_PUBLIC_KEY_HEADER_LEN + modulus.len() + TRAILING_ZEROS_LEN;
    let signing_key = terminal_services_signing_key();
    let signature_len = signing_key.public_key().modulus_len() + TRAILING_ZEROS_LEN;
    let version = if temporary {
        CERT_CHAIN_VERSION_1 | CERT_TEMPORARILY_ISSUED
    } else {
        CERT_CHAIN_VERSION_1
    };

    let mut out = Vec::with_capacity(
        PROPRIETARY_HEADER_LEN + blob_len + SIGNATURE_BLOB_HEADER_LEN + signature_len,
    );
    out.extend_from_slice(&version.to_le_bytes());
    out.extend_from_slice(&SIGNATURE_ALG_RSA.to_le_bytes());
    out.extend_from_slice(&KEY_EXCHANGE_ALG_RSA.to_le_bytes());
    out.extend_from_slice(&BB_RSA_KEY_BLOB.to_le_bytes());
    // INVARIANT: the modulus has at most MAX_MODULUS_BITS = 16384 bits, so the blob is at most
    // 2076 bytes.
    out.extend_from_slice(&u16::try_from(blob_len).unwrap_or(u16::MAX).to_le_bytes());
    out.extend_from_slice(&RSA1_MAGIC.to_le_bytes());
    out.extend_from_slice(&modulus_len.saturating_add(padding_len).to_le_bytes()); // keylen
    out.extend_from_slice(&modulus_len.saturating_mul(u8::BITS).to_le_bytes()); // bitlen
    out.extend_from_slice(&modulus_len.saturating_sub(1).to_le_bytes()); // datalen
    out.extend_from_slice(&key.exponent().to_le_bytes());
    out.extend_from_slice(&modulus);
    out.resize(out.len() + TRAILING_ZEROS_LEN, 0);

    let block = BigUint::from_bytes_le(&signed_block(&out));
    // The little-endian signature, zero-extended: modulus length plus the 8 zero bytes.
    let signature = to_le_padded(&signing_key.raw_private(&block), signature_len);
    out.extend_from_slice(&BB_RSA_SIGNATURE_BLOB.to_le_bytes());
    out.extend_from_slice(
        &u16::try_from(signature.len())
            .unwrap_or(u16::MAX)
            .to_le_bytes(),
    );
    out.extend_from_slice(&signature);
    out
}

/// An X.509 certificate chain as a `SERVER_CERTIFICATE`, for tests: `dwVersion` 0x80000002,
/// `NumCertBlobs`, one `CertBlob` (`cbCert`, `abCert`) per DER certificate in the order given
/// (root first), and the 8 + 4 × `NumCertBlobs` zero bytes of padding ([MS-RDPELE] 2.2.1.4.2).
pub fn x509_certificate_chain(ders: &[&[u8]]) -> Vec<u8> {
    let count = u32::try_from(ders.len()).unwrap_or(u32::MAX);
    let mut out = Vec::new();
    out.extend_from_slice(&(CERT_CHAIN_VERSION_2 | CERT_TEMPORARILY_ISSUED).to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    for der in ders {
        out.extend_from_slice(&u32::try_from(der.len()).unwrap_or(u32::MAX).to_le_bytes());
        out.extend_from_slice(der);
    }
    out.resize(
        out.len() + X509_PADDING_BASE_LEN + X509_PADDING_PER_CERT_LEN * ders.len(),
        0,
    );
    out
}

/// Little-endian reads that fail with [`CertificateError::Truncated`].
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self { rest: bytes }
    }

    fn take(&mut self, len: usize, field: &'static str) -> Result<&'a [u8], CertificateError> {
        if self.rest.len() < len {
            return Err(CertificateError::Truncated { field });
        }
        let (head, rest) = self.rest.split_at(len);
        self.rest = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self, field: &'static str) -> Result<[u8; N], CertificateError> {
        let mut out = [0; N];
        out.copy_from_slice(self.take(N, field)?);
        Ok(out)
    }

    fn u16(&mut self, field: &'static str) -> Result<u16, CertificateError> {
        self.array(field).map(u16::from_le_bytes)
    }

    fn u32(&mut self, field: &'static str) -> Result<u32, CertificateError> {
        self.array(field).map(u32::from_le_bytes)
    }
}
