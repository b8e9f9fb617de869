//! Properties: no input panics the certificate parser or the opener.

use proptest::prelude::*;

use super::super::*;
use super::spec_certificate;

const METHODS: [EncryptionMethod; 4] = [
    EncryptionMethod::Bits40,
    EncryptionMethod::Bits56,
    EncryptionMethod::Bits128,
    EncryptionMethod::Fips,
];

/// Arbitrary bytes, or bytes behind a valid `dwVersion` (and for X.509 a small count), so that the
/// deeper parsers see them too.
fn certificate_bytes() -> impl Strategy<Value = Vec<u8>> {
    let tail = proptest::collection::vec(any::<u8>(), 0..600);
    prop_oneof![
        tail.clone(),
        (any::<bool>(), tail.clone()).prop_map(|(temporary, tail)| {
            let version: u32 = if temporary { 0x8000_0001 } else { 1 };
            let mut out = version.to_le_bytes().to_vec();
            out.extend(tail);
            out
        }),
        (0u32..4, tail).prop_map(|(count, tail)| {
            let mut out = 0x8000_0002u32.to_le_bytes().to_vec();
            out.extend_from_slice(&count.to_le_bytes());
            out.extend(tail);
            out
        }),
    ]
}

proptest! {
    #[test]
    fn unpack_certificate_never_panics(raw in certificate_bytes()) {
        let _ = unpack_certificate(&raw);
    }

    /// Mutations of the spec's valid certificate: a parse error, or a key with some signature
    /// verdict, never a panic.
    #[test]
    fn mutated_spec_certificate_never_panics(
        edits in proptest::collection::vec((0usize..184, any::<u8>()), 1..6),
        cut in 0usize..=184,
    ) {
        let mut raw = spec_certificate();
        for (at, value) in edits {
            raw[at] = value;
        }
        raw.truncate(cut);
        let _ = unpack_certificate(&raw);
    }

    #[test]
    fn open_never_panics(
        method in 0usize..4,
        pdus in proptest::collection::vec(
            (any::<[u8; 8]>(), proptest::collection::vec(any::<u8>(), 0..80), any::<bool>(), any::<u8>()),
            1..8,
        ),
    ) {
        let keys = SessionKeys::derive(METHODS[method], Role::Server, &[3; RANDOM_LEN], &[4; RANDOM_LEN]);
        let (_, mut opener) = keys.into_layer();
        for (signature, ciphertext, salted, pad_len) in pdus {
            let form = if salted { MacForm::Salted } else { MacForm::Plain };
            let before = opener.opened_count();
            match opener.open(&signature, &ciphertext, form, pad_len) {
                Ok(_) | Err(OpenError::MacMismatch { .. }) => {
                    prop_assert_eq!(opener.opened_count(), before + 1);
                }
                Err(OpenError::NotBlockAligned { .. } | OpenError::BadPadding { .. }) => {
                    prop_assert!(METHODS[method].is_fips());
                    prop_assert_eq!(opener.opened_count(), before);
                }
            }
        }
    }

    /// Whatever the payload, what one role seals the other opens.
    #[test]
    fn seal_then_open(
        method in 0usize..4,
        salted in any::<bool>(),
        payloads in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..100), 1..6),
    ) {
        let method = METHODS[method];
        let form = if salted { MacForm::Salted } else { MacForm::Plain };
        let (client_random, server_random) = ([9; RANDOM_LEN], [10; RANDOM_LEN]);
        let (mut sealer, _) = SessionKeys::derive(method, Role::Server, &client_random, &server_random).into_layer();
        let (_, mut opener) = SessionKeys::derive(method, Role::Client, &client_random, &server_random).into_layer();
        for payload in payloads {
            let sealed = sealer.seal(&payload, form);
            prop_assert_eq!(opener.open(&sealed.signature, &sealed.ciphertext, form, sealed.pad_len), Ok(payload));
        }
    }

    #[test]
    fn decrypt_client_random_never_panics(encrypted in proptest::collection::vec(any::<u8>(), 0..100)) {
        let _ = lab_server_key().decrypt_client_random(&encrypted);
    }
}
