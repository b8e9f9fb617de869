//! Both roles against each other: long runs across the key update, tampering, FIPS framing errors
//! and the RSA round trip.

use super::super::*;

const METHODS: [EncryptionMethod; 4] = [
    EncryptionMethod::Bits40,
    EncryptionMethod::Bits56,
    EncryptionMethod::Bits128,
    EncryptionMethod::Fips,
];

/// More than one key update's worth of PDUs.
const RUN_LEN: u32 = 5000;

fn randoms(seed: u8) -> ([u8; RANDOM_LEN], [u8; RANDOM_LEN]) {
    let client = std::array::from_fn(|i| seed.wrapping_mul(31).wrapping_add(i as u8));
    let server = std::array::from_fn(|i| seed.wrapping_add(0x80).wrapping_sub(i as u8 * 7));
    (client, server)
}

/// Both ends of a connection: `(client sealer, client opener, server sealer, server opener)`.
fn connection(method: EncryptionMethod, seed: u8) -> (Sealer, Opener, Sealer, Opener) {
    let (client_random, server_random) = randoms(seed);
    let (client_out, client_in) =
        SessionKeys::derive(method, Role::Client, &client_random, &server_random).into_layer();
    let (server_out, server_in) =
        SessionKeys::derive(method, Role::Server, &client_random, &server_random).into_layer();
    (client_out, client_in, server_out, server_in)
}

/// A payload of varied length (0 to 299 bytes) and content.
fn payload(i: u32) -> Vec<u8> {
    let len = (i * 37 % 300) as usize;
    (0..len).map(|j| (i as usize * 13 + j) as u8).collect()
}

fn run(sealer: &mut Sealer, opener: &mut Opener, form: MacForm, label: &str) {
    for i in 0..RUN_LEN {
        let plaintext = payload(i);
        let sealed = sealer.seal(&plaintext, form);
        if sealer.method().is_fips() {
            assert_eq!(sealed.ciphertext.len() % 8, 0);
        } else {
            assert_eq!(sealed.pad_len, 0);
            assert_eq!(sealed.ciphertext.len(), plaintext.len());
        }
        let opened = opener.open(&sealed.signature, &sealed.ciphertext, form, sealed.pad_len);
        assert_eq!(opened, Ok(plaintext), "{label}: PDU {i}");
    }
    assert_eq!(sealer.sealed_count(), RUN_LEN, "{label}");
    assert_eq!(opener.opened_count(), RUN_LEN, "{label}");
    let updates = if sealer.method().is_fips() { 0 } else { 1 };
    assert_eq!(sealer.key_updates(), updates, "{label}");
    assert_eq!(opener.key_updates(), updates, "{label}");
}

#[test]
fn both_directions_for_every_method_and_form() {
    for (seed, method) in METHODS.into_iter().enumerate() {
        for form in [MacForm::Plain, MacForm::Salted] {
            let (mut client_out, mut client_in, mut server_out, mut server_in) =
                connection(method, seed as u8);
            assert_eq!(client_out.method(), method);
            assert_eq!(server_in.method(), method);
            run(
                &mut client_out,
                &mut server_in,
                form,
                &format!("{method:?} {form:?} c->s"),
            );
            run(
                &mut server_out,
                &mut client_in,
                form,
                &format!("{method:?} {form:?} s->c"),
            );
        }
    }
}

/// The two directions are independent: interleaving them changes nothing.
#[test]
fn directions_do_not_share_state() {
    for method in METHODS {
        let (mut client_out, mut client_in, mut server_out, mut server_in) = connection(method, 9);
        for i in 0..50 {
            let up = client_out.seal(&payload(i), MacForm::Salted);
            let down = server_out.seal(&payload(i + 1), MacForm::Salted);
            assert_eq!(
                client_in.open(
                    &down.signature,
                    &down.ciphertext,
                    MacForm::Salted,
                    down.pad_len
                ),
                Ok(payload(i + 1))
            );
            assert_eq!(
                server_in.open(&up.signature, &up.ciphertext, MacForm::Salted, up.pad_len),
                Ok(payload(i))
            );
        }
    }
}

#[test]
fn a_flipped_ciphertext_byte_fails_the_mac() {
    for method in METHODS {
        for form in [MacForm::Plain, MacForm::Salted] {
            let (mut client_out, _, _, mut server_in) = connection(method, 3);
            let sealed = client_out.seal(&payload(5), form);
            let mut ciphertext = sealed.ciphertext.clone();
            ciphertext[0] ^= 0x01;
            let result = server_in.open(&sealed.signature, &ciphertext, form, sealed.pad_len);
            assert!(
                matches!(result, Err(OpenError::MacMismatch { received, form: f, .. })
                    if received == sealed.signature && f == form),
                "{method:?} {form:?}: {result:?}"
            );
        }
    }
}

/// A bad signature fails, and the opener stays in step with the sealer: the PDU was decrypted and
/// counted, so the next one opens.
#[test]
fn a_flipped_signature_byte_fails_the_mac_and_the_next_pdu_still_opens() {
    for method in METHODS {
        let (mut client_out, _, _, mut server_in) = connection(method, 4);
        let sealed = client_out.seal(&payload(7), MacForm::Salted);
        let mut signature = sealed.signature;
        signature[7] ^= 0x40;
        let result = server_in.open(
            &signature,
            &sealed.ciphertext,
            MacForm::Salted,
            sealed.pad_len,
        );
        let Err(OpenError::MacMismatch {
            expected,
            received,
            form,
        }) = result
        else {
            panic!("{method:?}: {result:?}");
        };
        assert_eq!(expected, sealed.signature);
        assert_eq!(received, signature);
        assert_eq!(form, MacForm::Salted);
        assert_eq!(server_in.opened_count(), 1);

        let next = client_out.seal(&payload(8), MacForm::Salted);
        assert_eq!(
            server_in.open(
                &next.signature,
                &next.ciphertext,
                MacForm::Salted,
                next.pad_len
            ),
            Ok(payload(8)),
            "{method:?}"
        );
    }
}

/// A PDU sealed with one MAC form does not verify in the other (RC4 methods only: FIPS has one).
#[test]
fn the_mac_form_matters_for_rc4_only() {
    for method in METHODS {
        let (mut client_out, _, _, mut server_in) = connection(method, 5);
        let sealed = client_out.seal(&payload(9), MacForm::Salted);
        let result = server_in.open(
            &sealed.signature,
            &sealed.ciphertext,
            MacForm::Plain,
            sealed.pad_len,
        );
        if method.is_fips() {
            assert_eq!(result, Ok(payload(9)));
        } else {
            assert!(matches!(
                result,
                Err(OpenError::MacMismatch {
                    form: MacForm::Plain,
                    ..
                })
            ));
        }
    }
}

#[test]
fn fips_framing_errors_leave_the_state_alone() {
    let (mut client_out, _, _, mut server_in) = connection(EncryptionMethod::Fips, 6);
    let signature = [0; 8];
    assert_eq!(
        server_in.open(&signature, &[0; 13], MacForm::Plain, 3),
        Err(OpenError::NotBlockAligned { len: 13 })
    );
    assert_eq!(
        server_in.open(&signature, &[0; 16], MacForm::Plain, 8),
        Err(OpenError::BadPadding {
            pad_len: 8,
            len: 16
        })
    );
    assert_eq!(
        server_in.open(&signature, &[], MacForm::Plain, 5),
        Err(OpenError::BadPadding { pad_len: 5, len: 0 })
    );
    assert_eq!(
        server_in.open(&signature, &[0; 8], MacForm::Plain, 255),
        Err(OpenError::BadPadding {
            pad_len: 255,
            len: 8
        })
    );
    assert_eq!(server_in.opened_count(), 0);

    // Nothing was decrypted, so the chain still starts at the IV.
    let sealed = client_out.seal(&payload(10), MacForm::Plain);
    assert_eq!(
        server_in.open(
            &sealed.signature,
            &sealed.ciphertext,
            MacForm::Plain,
            sealed.pad_len
        ),
        Ok(payload(10))
    );
}

/// A FIPS PDU whose `padlen` claims more padding than was sent strips plaintext and fails the MAC.
#[test]
fn fips_wrong_pad_len_fails_the_mac() {
    let (mut client_out, _, _, mut server_in) = connection(EncryptionMethod::Fips, 7);
    let sealed = client_out.seal(&[0xab; 16], MacForm::Plain);
    assert_eq!(sealed.pad_len, 0);
    let result = server_in.open(&sealed.signature, &sealed.ciphertext, MacForm::Plain, 2);
    assert!(
        matches!(result, Err(OpenError::MacMismatch { .. })),
        "{result:?}"
    );
}

#[test]
fn error_messages() {
    let mismatch = OpenError::MacMismatch {
        expected: [1; 8],
        received: [2; 8],
        form: MacForm::Salted,
    };
    assert_eq!(
        mismatch.to_string(),
        "the salted MAC does not verify: expected [01, 01, 01, 01, 01, 01, 01, 01], \
         received [02, 02, 02, 02, 02, 02, 02, 02]"
    );
    assert_eq!(
        OpenError::NotBlockAligned { len: 13 }.to_string(),
        "the FIPS payload of 13 bytes is not a multiple of 8"
    );
    assert_eq!(
        OpenError::BadPadding { pad_len: 9, len: 8 }.to_string(),
        "the FIPS padding length 9 does not fit a payload of 8 bytes"
    );
}

#[test]
fn lab_key_decrypts_what_its_public_half_encrypts() {
    let key = lab_server_key();
    let public = key.public_key();
    for seed in 0..=255u8 {
        let random: [u8; RANDOM_LEN] = std::array::from_fn(|i| seed ^ (i as u8).wrapping_mul(73));
        let encrypted = public.encrypt_client_random(&random);
        assert_eq!(encrypted.len(), public.modulus_len() + 8);
        assert_eq!(encrypted[64..], [0; 8]);
        assert_eq!(
            key.decrypt_client_random(&encrypted),
            Some(random),
            "seed {seed}"
        );
        // Without the 8 zero bytes too.
        assert_eq!(key.decrypt_client_random(&encrypted[..64]), Some(random));
    }
    for random in [[0; RANDOM_LEN], [0xff; RANDOM_LEN]] {
        let encrypted = public.encrypt_client_random(&random);
        assert_eq!(key.decrypt_client_random(&encrypted), Some(random));
    }
}

#[test]
fn decrypting_out_of_range_values_gives_none() {
    use num_bigint::BigUint;
    let key = lab_server_key();
    let public = key.public_key();
    let modulus = public.modulus_le();
    // The modulus itself and anything longer are not valid ciphertexts.
    assert_eq!(key.decrypt_client_random(&modulus), None);
    assert_eq!(key.decrypt_client_random(&[0xff; 65]), None);
    // A valid ciphertext whose plaintext is longer than 32 bytes (n - 1, 512 bits).
    let big = BigUint::from_bytes_le(&modulus) - 1u32;
    let encrypted = public.raw(&big).to_bytes_le();
    assert_eq!(key.decrypt_client_random(&encrypted), None);
    // Empty input is the integer 0, which decrypts to a zero random.
    assert_eq!(key.decrypt_client_random(&[]), Some([0; RANDOM_LEN]));
}

#[test]
fn terminal_services_key_is_consistent() {
    let key = terminal_services_signing_key();
    let public = key.public_key();
    assert_eq!(public.bits(), 512);
    assert_eq!(public.exponent(), 0xc088_7b5b);
    let random = [0x42; RANDOM_LEN];
    assert_eq!(
        key.decrypt_client_random(&public.encrypt_client_random(&random)),
        Some(random)
    );
    // The checked constructor accepts the same constants.
    assert!(
        RsaPublicKey::from_le(&public.modulus_le(), public.exponent()).is_ok_and(|k| k == public)
    );
}

#[test]
fn debug_output_hides_secrets() {
    let key = lab_server_key();
    let text = format!("{key:?}");
    assert!(
        text.starts_with("RsaPrivateKey { public: RsaPublicKey {"),
        "{text}"
    );
    assert!(text.ends_with(", .. }"), "{text}");
    assert!(!text.contains("private"), "{text}");
    let (sealer, opener) = SessionKeys::derive(
        EncryptionMethod::Fips,
        Role::Server,
        &[1; RANDOM_LEN],
        &[2; RANDOM_LEN],
    )
    .into_layer();
    assert_eq!(
        format!("{sealer:?} {opener:?}"),
        "Sealer { method: Fips, sealed_count: 0, key_updates: 0, .. } \
         Opener { method: Fips, opened_count: 0, key_updates: 0, .. }"
    );
}
