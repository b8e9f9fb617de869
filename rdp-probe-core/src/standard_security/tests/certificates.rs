//! Server certificates: the spec's proprietary certificate, the lab's own, X.509 chains, and one
//! hand-made broken blob per [`CertificateError`] arm.

use super::super::*;
use super::{hex, spec_certificate};

const ROOT: &[u8] = include_bytes!("../testdata/root.der");
const LEAF_RSA512: &[u8] = include_bytes!("../testdata/leaf-rsa512.der");
const LEAF_EC: &[u8] = include_bytes!("../testdata/leaf-ec.der");
const LEAF_OIW_KEY_ALG: &[u8] = include_bytes!("../testdata/leaf-oiw-key-alg.der");

const ROOT_SHA256: &str = "0a32bd14d9d652508d1cb7b0e91fcd827b64ecf134d2e293f2d372ba09b03ddf";
const LEAF_SHA256: &str = "d6111c6e50896553b4429c2f2f2dbb273bc46070a67dc2afd61807cb741c2d15";

/// Offsets in a proprietary certificate with a 512-bit key.
mod offset {
    pub(super) const SIG_ALG: usize = 4;
    pub(super) const KEY_ALG: usize = 8;
    pub(super) const KEY_BLOB_TYPE: usize = 12;
    pub(super) const MAGIC: usize = 16;
    pub(super) const KEYLEN: usize = 20;
    pub(super) const DATALEN: usize = 28;
    pub(super) const PUB_EXP: usize = 32;
    pub(super) const MODULUS: usize = 36;
    pub(super) const SIGNATURE_BLOB_TYPE: usize = 108;
    pub(super) const SIGNATURE_BLOB_LEN: usize = 110;
    pub(super) const SIGNATURE: usize = 112;
}

fn put_u32(bytes: &mut [u8], at: usize, value: u32) {
    bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
}

fn put_u16(bytes: &mut [u8], at: usize, value: u16) {
    bytes[at..at + 2].copy_from_slice(&value.to_le_bytes());
}

/// Reference 12.2.1: the spec's 4.1.4 certificate unpacks, and its signature verifies.
#[test]
fn spec_proprietary_certificate() {
    let raw = spec_certificate();
    assert_eq!(raw.len(), 184);
    let certificate = unpack_certificate(&raw).expect("4.1.4 certificate");
    assert!(!certificate.temporary);
    assert_eq!(
        certificate.kind,
        CertificateKind::Proprietary {
            signature: SignatureCheck::Valid
        }
    );
    let key = &certificate.public_key;
    assert_eq!(key.bits(), 512);
    assert_eq!(key.modulus_len(), 64);
    assert_eq!(key.exponent(), 65_537);
    assert_eq!(
        key.modulus_le(),
        hex("cb 81 fe ba 6d 61 c3 55 05 d5 5f 2e 87 f8 71 94 d6 f1 a5 cb f1 5f 0c 3d f8 70 02 96 c4 fb 9b c8
             3c 2d 55 ae e8 ff 32 75 ea 68 79 e5 a2 01 fd 31 a0 b1 1f 55 a6 1f c1 f6 d1 83 88 63 26 56 12 bc")
    );

    // Rebuilding it with the same key gives the same bytes: the signature is deterministic.
    assert_eq!(proprietary_certificate(key, false), raw);
}

#[test]
fn a_changed_byte_invalidates_the_signature() {
    let invalid = CertificateKind::Proprietary {
        signature: SignatureCheck::Invalid,
    };
    // A signature byte.
    let mut raw = spec_certificate();
    raw[offset::SIGNATURE] ^= 0x01;
    assert_eq!(
        unpack_certificate(&raw).map(|c| c.kind),
        Ok(invalid.clone())
    );
    // A modulus byte: the key still unpacks, but the hash no longer matches.
    let mut raw = spec_certificate();
    raw[offset::MODULUS] ^= 0x01;
    assert_eq!(
        unpack_certificate(&raw).map(|c| c.kind),
        Ok(invalid.clone())
    );
    // A signature that is not smaller than the signing key's modulus.
    let mut raw = spec_certificate();
    raw[offset::SIGNATURE..offset::SIGNATURE + 64].fill(0xff);
    assert_eq!(unpack_certificate(&raw).map(|c| c.kind), Ok(invalid));
}

/// The signature blob's length is not enforced: without its 8 zero bytes it is the same integer.
#[test]
fn a_short_signature_blob_still_verifies() {
    let mut raw = spec_certificate();
    put_u16(&mut raw, offset::SIGNATURE_BLOB_LEN, 64);
    raw.truncate(raw.len() - 8);
    assert_eq!(
        unpack_certificate(&raw).map(|c| c.kind),
        Ok(CertificateKind::Proprietary {
            signature: SignatureCheck::Valid
        })
    );
}

#[test]
fn lab_proprietary_certificate_unpacks() {
    let key = lab_server_key().public_key();
    for temporary in [false, true] {
        let raw = proprietary_certificate(&key, temporary);
        assert_eq!(raw.len(), 184);
        let expected_version: u32 = if temporary { 0x8000_0001 } else { 1 };
        assert_eq!(raw[..4], expected_version.to_le_bytes());
        let certificate = unpack_certificate(&raw).expect("lab certificate");
        assert_eq!(certificate.public_key, key);
        assert_eq!(certificate.temporary, temporary);
        assert_eq!(
            certificate.kind,
            CertificateKind::Proprietary {
                signature: SignatureCheck::Valid
            }
        );
    }
}

/// A 2048-bit key in a proprietary certificate: keylen 264, bitlen 2048, datalen 255.
#[test]
fn a_2048_bit_proprietary_certificate() {
    let chain = unpack_certificate(&x509_certificate_chain(&[ROOT])).expect("root alone");
    let key = chain.public_key;
    assert_eq!(key.bits(), 2048);
    let raw = proprietary_certificate(&key, false);
    assert_eq!(
        raw[offset::KEYLEN..offset::KEYLEN + 12],
        hex("08 01 00 00 00 08 00 00 ff 00 00 00")[..]
    );
    let certificate = unpack_certificate(&raw).expect("2048-bit certificate");
    assert_eq!(certificate.public_key, key);
    assert_eq!(
        certificate.kind,
        CertificateKind::Proprietary {
            signature: SignatureCheck::Valid
        }
    );
}

#[test]
fn x509_chain_unpacks_to_the_leaf_key() {
    let raw = x509_certificate_chain(&[ROOT, LEAF_RSA512]);
    // dwVersion, NumCertBlobs, two CertBlobs, padding 8 + 4 * 2.
    assert_eq!(
        raw.len(),
        4 + 4 + (4 + ROOT.len()) + (4 + LEAF_RSA512.len()) + 16
    );
    assert_eq!(raw[..8], hex("02 00 00 80 02 00 00 00")[..]);
    let certificate = unpack_certificate(&raw).expect("chain");
    assert!(certificate.temporary);
    assert_eq!(certificate.public_key, lab_server_key().public_key());
    let CertificateKind::X509 { chain } = certificate.kind else {
        panic!("not X.509: {:?}", certificate.kind);
    };
    assert_eq!(
        chain,
        [
            ChainCertificate {
                subject: "O=rdp-probe, CN=rdp-probe test root".to_owned(),
                issuer: "O=rdp-probe, CN=rdp-probe test root".to_owned(),
                sha256: ROOT_SHA256.to_owned(),
            },
            ChainCertificate {
                subject: "O=rdp-probe, CN=rdp-probe test server".to_owned(),
                issuer: "O=rdp-probe, CN=rdp-probe test root".to_owned(),
                sha256: LEAF_SHA256.to_owned(),
            },
        ]
    );
    let json = serde_json::to_value(&chain[1]).expect("json");
    assert_eq!(json["sha256"], LEAF_SHA256);
}

/// Tolerance: one certificate is enough (MS-RDPELE asks for two), the padding may be missing, and
/// a permanent chain has no `t` bit.
#[test]
fn x509_tolerances() {
    let mut raw = x509_certificate_chain(&[LEAF_RSA512]);
    raw.truncate(raw.len() - 12);
    put_u32(&mut raw, 0, 2);
    let certificate = unpack_certificate(&raw).expect("single certificate");
    assert!(!certificate.temporary);
    assert_eq!(certificate.public_key, lab_server_key().public_key());
}

/// A key labelled with OIW sha1WithRSASignature, as Windows license-server certificates have,
/// still yields its RSA key.
#[test]
fn x509_key_labelled_with_a_signature_algorithm() {
    let raw = x509_certificate_chain(&[ROOT, LEAF_OIW_KEY_ALG]);
    let certificate = unpack_certificate(&raw).expect("OIW-labelled key");
    assert_eq!(certificate.public_key, lab_server_key().public_key());
}

#[test]
fn truncated() {
    let truncated = |field| Err(CertificateError::Truncated { field });
    assert_eq!(unpack_certificate(&[]), truncated("dwVersion"));
    assert_eq!(unpack_certificate(&[1, 0, 0]), truncated("dwVersion"));
    let spec = spec_certificate();
    let cases = [
        (4, "dwSigAlgId"),
        (8, "dwKeyAlgId"),
        (12, "wPublicKeyBlobType"),
        (14, "wPublicKeyBlobLen"),
        (16, "PublicKeyBlob"),
        (107, "PublicKeyBlob"),
        (108, "wSignatureBlobType"),
        (110, "wSignatureBlobLen"),
        (112, "SignatureBlob"),
        (183, "SignatureBlob"),
    ];
    for (len, field) in cases {
        assert_eq!(unpack_certificate(&spec[..len]), truncated(field), "{len}");
    }
    // A public key blob too short for its own fields.
    let mut short_blob = spec[..16].to_vec();
    put_u16(&mut short_blob, 14, 8);
    short_blob.extend_from_slice(&spec[16..24]);
    assert_eq!(unpack_certificate(&short_blob), truncated("bitlen"));
    // A blob length that cuts the modulus.
    let mut cut = spec.clone();
    put_u16(&mut cut, 14, 80);
    assert_eq!(unpack_certificate(&cut), truncated("modulus"));

    let chain = x509_certificate_chain(&[ROOT, LEAF_RSA512]);
    assert_eq!(unpack_certificate(&chain[..6]), truncated("NumCertBlobs"));
    assert_eq!(unpack_certificate(&chain[..10]), truncated("cbCert"));
    assert_eq!(unpack_certificate(&chain[..100]), truncated("abCert"));
    assert_eq!(
        unpack_certificate(&chain[..12 + ROOT.len()]),
        truncated("cbCert")
    );
    let mut huge = chain[..8].to_vec();
    huge.extend_from_slice(&u32::MAX.to_le_bytes());
    assert_eq!(unpack_certificate(&huge), truncated("abCert"));
}

#[test]
fn unknown_version() {
    for raw in [0u32, 3, 0x8000_0000, 0x8000_0003, 0x0001_0001] {
        let mut bytes = spec_certificate();
        put_u32(&mut bytes, 0, raw);
        assert_eq!(
            unpack_certificate(&bytes),
            Err(CertificateError::UnknownVersion { raw })
        );
    }
}

#[test]
fn unsupported_algorithm() {
    let mut raw = spec_certificate();
    put_u32(&mut raw, offset::SIG_ALG, 2);
    assert_eq!(
        unpack_certificate(&raw),
        Err(CertificateError::UnsupportedAlgorithm {
            signature_alg: 2,
            key_alg: 1
        })
    );
    let mut raw = spec_certificate();
    put_u32(&mut raw, offset::KEY_ALG, 0x10);
    assert_eq!(
        unpack_certificate(&raw),
        Err(CertificateError::UnsupportedAlgorithm {
            signature_alg: 1,
            key_alg: 0x10
        })
    );
}

#[test]
fn blob_type() {
    let mut raw = spec_certificate();
    put_u16(&mut raw, offset::KEY_BLOB_TYPE, 7);
    assert_eq!(
        unpack_certificate(&raw),
        Err(CertificateError::BlobType {
            expected: 6,
            found: 7
        })
    );
    let mut raw = spec_certificate();
    put_u16(&mut raw, offset::SIGNATURE_BLOB_TYPE, 9);
    assert_eq!(
        unpack_certificate(&raw),
        Err(CertificateError::BlobType {
            expected: 8,
            found: 9
        })
    );
}

#[test]
fn bad_magic() {
    let mut raw = spec_certificate();
    raw[offset::MAGIC..offset::MAGIC + 4].copy_from_slice(b"RSA2");
    assert_eq!(
        unpack_certificate(&raw),
        Err(CertificateError::BadMagic { found: 0x3241_5352 })
    );
}

#[test]
fn key_length() {
    let key_length = |keylen, bitlen, datalen| {
        Err(CertificateError::KeyLength {
            keylen,
            bitlen,
            datalen,
        })
    };
    let mut raw = spec_certificate();
    put_u32(&mut raw, offset::KEYLEN, 64);
    assert_eq!(unpack_certificate(&raw), key_length(64, 512, 63));
    let mut raw = spec_certificate();
    put_u32(&mut raw, offset::DATALEN, 64);
    assert_eq!(unpack_certificate(&raw), key_length(72, 512, 64));
    // keylen 8 with bitlen 0: no room for a modulus at all.
    let mut raw = spec_certificate();
    put_u32(&mut raw, offset::KEYLEN, 8);
    put_u32(&mut raw, offset::KEYLEN + 4, 0);
    put_u32(&mut raw, offset::DATALEN, u32::MAX);
    assert_eq!(unpack_certificate(&raw), key_length(8, 0, u32::MAX));
    // Lengths whose sum would overflow.
    let mut raw = spec_certificate();
    put_u32(&mut raw, offset::KEYLEN, u32::MAX);
    put_u32(&mut raw, offset::KEYLEN + 4, u32::MAX);
    assert_eq!(unpack_certificate(&raw), key_length(u32::MAX, u32::MAX, 63));
}

#[test]
fn chain_length() {
    for count in [0u32, 201, u32::MAX] {
        let mut raw = x509_certificate_chain(&[ROOT, LEAF_RSA512]);
        put_u32(&mut raw, 4, count);
        assert_eq!(
            unpack_certificate(&raw),
            Err(CertificateError::ChainLength { count })
        );
    }
    assert_eq!(MAX_CERT_BLOBS, 200);
}

#[test]
fn x509_parse_error() {
    let garbage = [0x30, 0x03, 0x02, 0x01, 0x00];
    let result = unpack_certificate(&x509_certificate_chain(&[ROOT, &garbage]));
    assert!(
        matches!(&result, Err(CertificateError::X509 { index: 1, message }) if !message.is_empty()),
        "{result:?}"
    );
    let result = unpack_certificate(&x509_certificate_chain(&[b"", LEAF_RSA512]));
    assert!(
        matches!(result, Err(CertificateError::X509 { index: 0, .. })),
        "{result:?}"
    );
}

#[test]
fn not_rsa() {
    assert_eq!(
        unpack_certificate(&x509_certificate_chain(&[ROOT, LEAF_EC])),
        Err(CertificateError::NotRsa { index: 1 })
    );
    // Only the last certificate's key matters.
    assert!(unpack_certificate(&x509_certificate_chain(&[LEAF_EC, LEAF_RSA512])).is_ok());
}

#[test]
fn modulus() {
    // A zero modulus in an otherwise consistent proprietary certificate.
    let mut raw = spec_certificate();
    raw[offset::MODULUS..offset::MODULUS + 64].fill(0);
    assert_eq!(
        unpack_certificate(&raw),
        Err(CertificateError::Modulus { bits: 0 })
    );
    // 256 bits is too small (a 32-byte random might not be below it); 257 is enough.
    assert_eq!(
        RsaPublicKey::from_le(&[0xff; 32], 3),
        Err(CertificateError::Modulus { bits: 256 })
    );
    let mut modulus = [0u8; 33];
    modulus[32] = 1;
    assert_eq!(
        RsaPublicKey::from_le(&modulus, 3).map(|k| k.bits()),
        Ok(257)
    );
    assert_eq!(
        RsaPublicKey::from_le(&modulus, 3).map(|k| k.modulus_len()),
        Ok(33)
    );
    // High zero bytes do not count.
    let mut padded = modulus.to_vec();
    padded.extend_from_slice(&[0; 8]);
    assert_eq!(
        RsaPublicKey::from_le(&padded, 3),
        RsaPublicKey::from_le(&modulus, 3)
    );
    // Above the upper bound.
    assert_eq!(
        RsaPublicKey::from_le(&[0xff; 2049], 3),
        Err(CertificateError::Modulus { bits: 16_392 })
    );
    assert!(RsaPublicKey::from_le(&[0xff; 2048], 3).is_ok());
    assert_eq!(MIN_MODULUS_BITS, 257);
    assert_eq!(MAX_MODULUS_BITS, 16_384);
}

#[test]
fn public_exponent() {
    let mut raw = spec_certificate();
    put_u32(&mut raw, offset::PUB_EXP, 0);
    assert_eq!(
        unpack_certificate(&raw),
        Err(CertificateError::PublicExponent { raw: Vec::new() })
    );
    let modulus = [0xc5; 64];
    assert_eq!(
        RsaPublicKey::from_be(&modulus, &[0, 0, 0]),
        Err(CertificateError::PublicExponent { raw: Vec::new() })
    );
    assert_eq!(
        RsaPublicKey::from_be(&modulus, &[1, 0, 0, 0, 1]),
        Err(CertificateError::PublicExponent {
            raw: vec![1, 0, 0, 0, 1]
        })
    );
    // Leading zeros (as DER adds them) are fine.
    let key = RsaPublicKey::from_be(&modulus, &[0, 0, 0, 0, 1, 0, 1]).expect("key");
    assert_eq!(key.exponent(), 65_537);
    assert_eq!(key.bits(), 512);
}

#[test]
fn error_messages() {
    assert_eq!(
        CertificateError::Truncated { field: "abCert" }.to_string(),
        "the certificate ends inside abCert"
    );
    assert_eq!(
        CertificateError::UnknownVersion { raw: 0x8000_0003 }.to_string(),
        "unknown certificate chain version (dwVersion 0x80000003)"
    );
    assert_eq!(
        CertificateError::BlobType {
            expected: 6,
            found: 7
        }
        .to_string(),
        "blob type 0x0007 where 0x0006 belongs"
    );
    assert_eq!(
        CertificateError::BadMagic { found: 0x3241_5352 }.to_string(),
        "public key magic 0x32415352 is not RSA1"
    );
    assert_eq!(
        CertificateError::ChainLength { count: 0 }.to_string(),
        "0 certificates in the X.509 chain (1 to 200 accepted)"
    );
    assert_eq!(
        CertificateError::Modulus { bits: 256 }.to_string(),
        "unusable RSA modulus of 256 bits"
    );
}
