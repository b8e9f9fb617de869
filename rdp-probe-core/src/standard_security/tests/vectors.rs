//! Known-answer tests: reference sections 12.1–12.4.

use super::super::layer::update_key;
use super::super::mac::rc4_signature;
use super::super::*;
use super::{array, client_random, hex, server_random, sha1_hex, spec_client_info};

const RC4_METHODS: [EncryptionMethod; 3] = [
    EncryptionMethod::Bits40,
    EncryptionMethod::Bits56,
    EncryptionMethod::Bits128,
];

fn keys(method: EncryptionMethod, role: Role) -> SessionKeys {
    SessionKeys::derive(method, role, &client_random(), &server_random())
}

/// The 16-byte plaintext of reference 12.4.2: `00 01 .. 0f`.
fn counting(len: u8) -> Vec<u8> {
    (0..len).collect()
}

/// Reference 12.3: the worked 128-bit derivation.
#[test]
fn worked_128_bit_derivation() {
    let client = keys(EncryptionMethod::Bits128, Role::Client);
    assert_eq!(client.method(), EncryptionMethod::Bits128);
    assert_eq!(
        client.mac_key(),
        hex("15 0e 4f 19 89 ae be 30 5f 08 ab 26 4a 2d 66 26")
    );
    assert_eq!(
        client.encrypt_key(),
        hex("cd 8c 18 db d4 34 bd 2f 9e 9a 3d b4 ee 11 af 92")
    );
    assert_eq!(
        client.decrypt_key(),
        hex("59 8d b3 6b 64 bd 07 75 85 8a f6 28 5f ba 94 30")
    );

    // The server encrypts with the client's decryption key and the other way round.
    let server = keys(EncryptionMethod::Bits128, Role::Server);
    assert_eq!(server.mac_key(), client.mac_key());
    assert_eq!(server.encrypt_key(), client.decrypt_key());
    assert_eq!(server.decrypt_key(), client.encrypt_key());
}

/// Reference 12.4.1: the salted 40- and 56-bit keys.
#[test]
fn salted_short_keys() {
    let k40 = keys(EncryptionMethod::Bits40, Role::Client);
    assert_eq!(k40.mac_key(), hex("d1 26 9e 19 89 ae be 30"));
    assert_eq!(k40.encrypt_key(), hex("d1 26 9e db d4 34 bd 2f"));
    assert_eq!(k40.decrypt_key(), hex("d1 26 9e 6b 64 bd 07 75"));
    let k56 = keys(EncryptionMethod::Bits56, Role::Client);
    assert_eq!(k56.mac_key(), hex("d1 0e 4f 19 89 ae be 30"));
    assert_eq!(k56.encrypt_key(), hex("d1 8c 18 db d4 34 bd 2f"));
    assert_eq!(k56.decrypt_key(), hex("d1 8d b3 6b 64 bd 07 75"));
}

/// One row of the reference 12.4.2 table.
struct Row {
    method: EncryptionMethod,
    plain: &'static str,
    salted0: &'static str,
    salted1: &'static str,
    ciphertext: &'static str,
    update1: &'static str,
    update2: &'static str,
}

const TABLE_12_4_2: [Row; 3] = [
    Row {
        method: EncryptionMethod::Bits40,
        plain: "01 42 32 7e 13 07 67 ec",
        salted0: "80 af c7 35 26 ad 61 37",
        salted1: "5e 8c 1d a3 25 5d 31 2a",
        ciphertext: "e6 0e c1 6c 37 4e 5a 4e ac d0 e4 7b 8e 18 21 26",
        update1: "d1 26 9e dc 8c 44 03 a1",
        update2: "d1 26 9e 04 38 9f 26 11",
    },
    Row {
        method: EncryptionMethod::Bits56,
        plain: "8d a5 77 17 da 76 77 f7",
        salted0: "e2 e1 11 98 ac fb 72 c9",
        salted1: "cf 15 e8 6a 8e 2b e0 2a",
        ciphertext: "09 1c 9c cf 2f 90 ed c0 b3 79 80 d5 8c 64 9e d5",
        update1: "d1 1a f2 25 7b 57 b0 ca",
        update2: "d1 b2 c5 32 70 f9 6a f6",
    },
    Row {
        method: EncryptionMethod::Bits128,
        plain: "3f 16 b4 e6 1f a3 0d 66",
        salted0: "26 07 3d 64 02 16 c6 e7",
        salted1: "bd 4e c4 df a6 65 03 a7",
        ciphertext: "9a 6a 30 e0 20 9a b4 9d ac d9 be fe 0d 44 cf cb",
        update1: "d8 42 f6 d6 a6 8d 4a 1b 42 3d 85 08 f9 95 78 11",
        update2: "09 c3 7f 9d a0 38 83 39 8f 30 f4 cd 8d 10 22 3c",
    },
];

/// Reference 12.4.2: MACs, RC4 ciphertext and the key updates on `00 01 .. 0f`.
#[test]
fn table_12_4_2() {
    let plaintext = counting(16);
    for row in &TABLE_12_4_2 {
        let method = row.method;
        let client = keys(method, Role::Client);
        let mac_key = client.mac_key().to_vec();
        let initial = client.encrypt_key().to_vec();

        assert_eq!(
            rc4_signature(&mac_key, &plaintext, None).to_vec(),
            hex(row.plain),
            "{method:?}"
        );
        assert_eq!(
            rc4_signature(&mac_key, &plaintext, Some(1)).to_vec(),
            hex(row.salted1),
            "{method:?}"
        );

        let (mut sealer, _) = client.into_layer();
        let plain = sealer.seal(&plaintext, MacForm::Plain);
        assert_eq!(plain.signature.to_vec(), hex(row.plain), "{method:?}");
        assert_eq!(plain.ciphertext, hex(row.ciphertext), "{method:?}");
        assert_eq!(plain.pad_len, 0);
        // The second PDU's salted MAC carries count 1.
        let second = sealer.seal(&plaintext, MacForm::Salted);
        assert_eq!(second.signature.to_vec(), hex(row.salted1), "{method:?}");
        // Salted at count 0: a fresh sealer, since the first PDU has count 0.
        let (mut sealer, _) = keys(method, Role::Client).into_layer();
        let salted = sealer.seal(&plaintext, MacForm::Salted);
        assert_eq!(salted.signature.to_vec(), hex(row.salted0), "{method:?}");
        assert_eq!(salted.ciphertext, hex(row.ciphertext), "{method:?}");

        let first = update_key(method, &initial, &initial);
        assert_eq!(first.to_vec(), hex(row.update1), "{method:?}");
        let second = update_key(method, &initial, &first);
        assert_eq!(second.to_vec(), hex(row.update2), "{method:?}");
    }
}

/// Reference 12.4.2 through the [`Sealer`]: PDU 4097 uses the first updated key, PDU 8193 the
/// second, and the salted count goes on counting across the updates.
#[test]
fn key_update_through_the_sealer() {
    let plaintext = counting(16);
    for row in &TABLE_12_4_2 {
        let method = row.method;
        let client = keys(method, Role::Client);
        let mac_key = client.mac_key().to_vec();
        let (mut sealer, _) = client.into_layer();
        for _ in 0..KEY_UPDATE_INTERVAL {
            sealer.seal(&plaintext, MacForm::Plain);
        }
        assert_eq!(sealer.key_updates(), 0, "{method:?}");
        assert_eq!(sealer.sealed_count(), 4096, "{method:?}");

        // PDU 4097: a fresh RC4 state from the updated key, so its ciphertext is the plaintext
        // XOR the first keystream bytes of that key.
        let sealed = sealer.seal(&plaintext, MacForm::Salted);
        assert_eq!(sealer.key_updates(), 1, "{method:?}");
        assert_eq!(sealer.sealed_count(), 4097, "{method:?}");
        assert_eq!(
            sealed.ciphertext,
            rc4(&hex(row.update1), &plaintext),
            "{method:?}"
        );
        assert_eq!(
            sealed.signature,
            rc4_signature(&mac_key, &plaintext, Some(4096)),
            "{method:?}: the salted count is not reset by the update"
        );

        for _ in 1..KEY_UPDATE_INTERVAL {
            sealer.seal(&plaintext, MacForm::Plain);
        }
        assert_eq!(sealer.key_updates(), 1, "{method:?}");
        let sealed = sealer.seal(&plaintext, MacForm::Salted);
        assert_eq!(sealer.key_updates(), 2, "{method:?}");
        assert_eq!(
            sealed.ciphertext,
            rc4(&hex(row.update2), &plaintext),
            "{method:?}"
        );
        assert_eq!(
            sealed.signature,
            rc4_signature(&mac_key, &plaintext, Some(8192))
        );
        assert_eq!(sealer.sealed_count(), 8193);
    }
}

/// RC4 with a fresh key, through the RustCrypto crate.
fn rc4(key: &[u8], data: &[u8]) -> Vec<u8> {
    use rc4::{KeyInit, StreamCipher};
    let mut out = data.to_vec();
    rc4::Rc4::new_from_slice(key)
        .expect("key length")
        .apply_keystream(&mut out);
    out
}

/// Reference 12.4.3: the spec's 400-byte Client Info plaintext sealed with the 12.3 keys.
#[test]
fn spec_client_info_sealed() {
    let plaintext = spec_client_info();
    assert_eq!(plaintext.len(), 400);
    assert_eq!(
        sha1_hex(&plaintext),
        "e4aafab241be502262dd457afef4432bba432dd0"
    );
    let rows = [
        (
            EncryptionMethod::Bits40,
            "07 90 21 df 43 66 ab 1b",
            "b8 22 f0 ef 59 75 67 18",
            "ef0bca6b80085c49aed9e27082152f29",
            "b2fdba74d7257689",
            "fe594447e3e24c2f1184d98fc67df7afa88cce6e",
        ),
        (
            EncryptionMethod::Bits56,
            "51 14 1f f6 27 c2 fa 89",
            "5e b4 0b 5e 30 6e 7e 41",
            "001997c898d6ebc7b17086de806990da",
            "7d5389c9a28e39b7",
            "bb86ad6a508a6922da7d1a856b183770c28c01a6",
        ),
        (
            EncryptionMethod::Bits128,
            "ac 05 c2 3f 83 8d 2f 91",
            "f0 9b 1c 20 59 fc 20 44",
            "936f3be797dcb29aaed0b8f50149c1c4",
            "0c39a5952c507a55",
            "da10678128f14fc87e96972ec1e30a382d3cafa5",
        ),
    ];
    for (method, plain, salted, head, tail, digest) in rows {
        let (mut sealer, _) = keys(method, Role::Client).into_layer();
        let sealed = sealer.seal(&plaintext, MacForm::Plain);
        assert_eq!(sealed.signature.to_vec(), hex(plain), "{method:?}");
        assert_eq!(sealed.ciphertext[..16], hex(head)[..], "{method:?}");
        assert_eq!(sealed.ciphertext[400 - 8..], hex(tail)[..], "{method:?}");
        assert_eq!(sha1_hex(&sealed.ciphertext), digest, "{method:?}");

        let (mut sealer, _) = keys(method, Role::Client).into_layer();
        let sealed = sealer.seal(&plaintext, MacForm::Salted);
        assert_eq!(sealed.signature.to_vec(), hex(salted), "{method:?}");

        // The server opens it.
        let (_, mut opener) = keys(method, Role::Server).into_layer();
        let opened = opener.open(&sealed.signature, &sealed.ciphertext, MacForm::Salted, 0);
        assert_eq!(opened.as_deref(), Ok(&plaintext[..]), "{method:?}");
    }
}

/// Reference 12.4.4: FIPS keys, HMAC, two chained PDUs and the Client Info PDU.
#[test]
fn fips_vectors() {
    let client = keys(EncryptionMethod::Fips, Role::Client);
    assert_eq!(
        client.mac_key(),
        hex("53 7d fb a1 df c8 44 da a3 27 eb e5 9f e9 68 77 5a 4e 8e d8")
    );
    let encrypt = "51 7f 43 54 68 3e 25 01 64 61 07 73 6d 31 67 67 0b 7f 5b 54 3d 19 13 29";
    let decrypt = "58 7c 6d 0d 04 31 04 57 46 73 45 25 3b 37 46 3b 20 5e 68 57 54 76 15 6d";
    assert_eq!(client.encrypt_key(), hex(encrypt));
    assert_eq!(client.decrypt_key(), hex(decrypt));
    let server = keys(EncryptionMethod::Fips, Role::Server);
    assert_eq!(server.mac_key(), client.mac_key());
    assert_eq!(server.encrypt_key(), hex(decrypt));
    assert_eq!(server.decrypt_key(), hex(encrypt));

    let (mut sealer, _) = client.into_layer();
    assert_eq!(sealer.method(), EncryptionMethod::Fips);
    let pdu0 = sealer.seal(&counting(13), MacForm::Plain);
    assert_eq!(pdu0.pad_len, 3);
    assert_eq!(pdu0.signature, array("28 81 4a de 94 b3 fd 96"));
    assert_eq!(
        pdu0.ciphertext,
        hex("f6 53 b8 17 cd 8e a4 e6 8a 0d b0 91 8e 34 c9 60")
    );
    // The MAC form does not matter for FIPS: the count is always included.
    let pdu1 = sealer.seal(&counting(16), MacForm::Salted);
    assert_eq!(pdu1.pad_len, 0);
    assert_eq!(pdu1.signature, array("d4 93 76 b3 ed 15 db d4"));
    assert_eq!(
        pdu1.ciphertext,
        hex("15 76 a1 31 ce 39 f3 61 84 4a 40 67 f4 82 85 68")
    );
    assert_eq!(sealer.sealed_count(), 2);

    // Had the IV been reset for PDU 1, its ciphertext would be this: the chain must continue.
    let reset = hex("f6 53 b8 17 cd 8e a4 e6 0f 24 0b ea af 7c b5 49");
    let (mut fresh, _) = keys(EncryptionMethod::Fips, Role::Client).into_layer();
    assert_eq!(fresh.seal(&counting(16), MacForm::Plain).ciphertext, reset);
    assert_ne!(pdu1.ciphertext, reset);

    // The server opens both, in order.
    let (_, mut opener) = keys(EncryptionMethod::Fips, Role::Server).into_layer();
    let opened0 = opener.open(
        &pdu0.signature,
        &pdu0.ciphertext,
        MacForm::Plain,
        pdu0.pad_len,
    );
    assert_eq!(opened0, Ok(counting(13)));
    let opened1 = opener.open(
        &pdu1.signature,
        &pdu1.ciphertext,
        MacForm::Plain,
        pdu1.pad_len,
    );
    assert_eq!(opened1, Ok(counting(16)));
    assert_eq!(opener.opened_count(), 2);

    let info = spec_client_info();
    let (mut sealer, _) = keys(EncryptionMethod::Fips, Role::Client).into_layer();
    let sealed = sealer.seal(&info, MacForm::Plain);
    assert_eq!(sealed.pad_len, 0);
    assert_eq!(sealed.signature, array("3e 4c b5 e7 b8 b0 a1 ce"));
    assert_eq!(
        sealed.ciphertext[..16],
        hex("bf d8 93 9a 3b f1 44 fe df 62 c1 b8 ba 31 67 47")[..]
    );
    assert_eq!(
        sha1_hex(&sealed.ciphertext),
        "ced8c7808552cf768d8633aee6d3ddaad40b5be9"
    );
}

/// Reference 12.4.5 and 12.2.2: the 12.3 client random encrypted with the spec's 4.1.4 server key,
/// and the Security Exchange PDU body around it.
#[test]
fn security_exchange_with_the_spec_key() {
    let certificate = unpack_certificate(&super::spec_certificate()).expect("4.1.4 certificate");
    let encrypted = certificate
        .public_key
        .encrypt_client_random(&client_random());
    assert_eq!(encrypted.len(), 72);
    let expected = hex(
        "7e 5c e4 1c f0 df d1 29 77 38 c0 1f 8b 30 e9 18 3d e3 13 2b 3a 43 e7 c3 cf ac 29 9c 79 6a 27 fa
         e3 07 16 8f ba 46 f1 db 71 f8 d5 0d a8 4a 43 b6 a7 27 9e 42 0b b7 63 10 c9 a6 71 96 15 de 66 50
         00 00 00 00 00 00 00 00",
    );
    assert_eq!(encrypted, expected);

    // TS_SECURITY_PACKET (2.2.1.10.1): flags SEC_EXCHANGE_PKT | SEC_LICENSE_ENCRYPT_SC, flagsHi 0,
    // length = the encrypted random's length, padding included, as in the spec's 4.1.9 dump.
    let length = u32::try_from(encrypted.len()).expect("length");
    let mut body = hex("01 02 00 00");
    body.extend_from_slice(&length.to_le_bytes());
    body.extend_from_slice(&encrypted);
    assert_eq!(body[..8], hex("01 02 00 00 48 00 00 00")[..]);
    assert_eq!(body.len(), 8 + 72);

    // The spec's own 4.1.9 PDU has the same shape: length 0x48, 64 bytes and 8 zero bytes.
    let spec_pdu = super::dump(
        "
0000  03 00 00 5e 02 f0 80 64 00 06 03 eb 70 50 01 02
0010  00 00 48 00 00 00 91 ac 0c 8f 64 8c 39 f4 e7 ff
0020  0a 3b 79 11 5c 13 51 2a cb 72 8f 9d b7 42 2e f7
0030  08 4c 8e ae 55 99 62 d2 81 81 e4 66 c8 05 ea d4
0040  73 06 3f c8 5f af 2a fd fc f1 64 b3 3f 0a 15 1d
0050  db 2c 10 9d 30 11 00 00 00 00 00 00 00 00
",
    );
    let spec_body = &spec_pdu[14..];
    assert_eq!(spec_body.len(), body.len());
    assert_eq!(spec_body[..8], body[..8]);
    assert_eq!(spec_body[8 + 64..], [0; 8]);
}

/// The reference's other MAC vector (12.4.6, from Metasploit's comment) is in `mac.rs`; this one
/// checks the plain MAC of the table row through a server-side opener instead.
#[test]
fn server_opens_what_the_client_sealed_in_the_table() {
    for method in RC4_METHODS {
        let (mut sealer, _) = keys(method, Role::Client).into_layer();
        let (_, mut opener) = keys(method, Role::Server).into_layer();
        let sealed = sealer.seal(&counting(16), MacForm::Plain);
        assert_eq!(
            opener.open(&sealed.signature, &sealed.ciphertext, MacForm::Plain, 0),
            Ok(counting(16))
        );
    }
}

/// The lab key's outputs, computed independently with Python (`pow` and `hashlib`).
#[test]
fn lab_key_known_answers() {
    let key = lab_server_key();
    let public = key.public_key();
    assert_eq!(public.bits(), 512);
    assert_eq!(public.exponent(), 65_537);
    assert_eq!(
        public.encrypt_client_random(&client_random())[..64],
        hex(
            "af9159154ce5ddcb8d2aec6d8933d55b0db181ba33d1bb5c3178f21b43c91500
             f95532f75504df5247f48bc480417be4bdeefee899469e8bb005dd4d79ef4456"
        )[..]
    );
    let sha256 = |bytes: &[u8]| -> String {
        <sha2::Sha256 as sha2::Digest>::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    let permanent = proprietary_certificate(&public, false);
    assert_eq!(permanent.len(), 184);
    assert_eq!(
        sha256(&permanent),
        "e02bdcf5cd2da148fce19e4e3124af55aa3aee2c30776f2aba1379846e0a9b75"
    );
    assert_eq!(
        sha256(&proprietary_certificate(&public, true)),
        "a3694c79b8caabfb6cd5eeff0a14c0a77832ba0f9914d2a0cf5bbdc30726e587"
    );
}
