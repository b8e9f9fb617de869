//! Tests of the whole module: the byte-exact vectors of MS-RDPBCGR and of the project reference
//! (`standard-rdp-security.md` section 12), round trips between the two roles, every certificate
//! error, and properties.

mod certificates;
mod properties;
mod round_trips;
mod vectors;

use super::RANDOM_LEN;

/// Bytes from hex, ignoring whitespace.
pub(super) fn hex(text: &str) -> Vec<u8> {
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    assert!(digits.len().is_multiple_of(2), "odd number of hex digits");
    digits
        .chunks(2)
        .map(|pair| {
            let pair = std::str::from_utf8(pair).expect("ascii");
            u8::from_str_radix(pair, 16).expect("hex digit")
        })
        .collect()
}

/// Bytes from a hex dump whose lines start with an offset (`0000  03 00 ...`).
pub(super) fn dump(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (offset, bytes) = line.split_once(char::is_whitespace).expect("offset");
        assert_eq!(
            usize::from_str_radix(offset, 16).expect("offset"),
            out.len(),
            "dump offset"
        );
        out.extend(hex(bytes));
    }
    out
}

pub(super) fn array<const N: usize>(text: &str) -> [u8; N] {
    hex(text).try_into().expect("length")
}

pub(super) fn sha1_hex(bytes: &[u8]) -> String {
    use sha1::Digest;
    sha1::Sha1::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The client random of the worked example (reference 12.3).
pub(super) fn client_random() -> [u8; RANDOM_LEN] {
    array(
        "f1 0b 35 78 df 9e cc 37 9c 4e 65 68 f2 32 87 5e 23 97 87 b6 91 65 21 bb c6 b0 86 81 1d 78 f3 c5",
    )
}

/// The server random of the worked example (reference 12.3).
pub(super) fn server_random() -> [u8; RANDOM_LEN] {
    array(
        "7a fb 29 5b 7e 19 74 67 ae 88 a1 ad 80 bf 8c 6c e0 16 4b 03 82 16 10 bd a2 8c 85 5f 48 74 85 7e",
    )
}

/// The decrypted TS_INFO_PACKET of the spec's 4.1.10 Client Info PDU (reference 12.2.3), 400 bytes.
pub(super) fn spec_client_info() -> Vec<u8> {
    dump(
        "
0000  09 04 09 04 b3 43 00 00 0a 00 0c 00 00 00 00 00
0010  00 00 4e 00 54 00 44 00 45 00 56 00 00 00 65 00
0020  6c 00 74 00 6f 00 6e 00 73 00 00 00 00 00 00 00
0030  00 00 02 00 1e 00 31 00 35 00 37 00 2e 00 35 00
0040  39 00 2e 00 32 00 34 00 32 00 2e 00 31 00 35 00
0050  36 00 00 00 84 00 43 00 3a 00 5c 00 64 00 65 00
0060  70 00 6f 00 74 00 73 00 5c 00 77 00 32 00 6b 00
0070  33 00 5f 00 31 00 5c 00 74 00 65 00 72 00 6d 00
0080  73 00 72 00 76 00 5c 00 6e 00 65 00 77 00 63 00
0090  6c 00 69 00 65 00 6e 00 74 00 5c 00 6c 00 69 00
00a0  62 00 5c 00 77 00 69 00 6e 00 33 00 32 00 5c 00
00b0  6f 00 62 00 6a 00 5c 00 69 00 33 00 38 00 36 00
00c0  5c 00 6d 00 73 00 74 00 73 00 63 00 61 00 78 00
00d0  2e 00 64 00 6c 00 6c 00 00 00 e0 01 00 00 50 00
00e0  61 00 63 00 69 00 66 00 69 00 63 00 20 00 53 00
00f0  74 00 61 00 6e 00 64 00 61 00 72 00 64 00 20 00
0100  54 00 69 00 6d 00 65 00 00 00 00 00 00 00 00 00
0110  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
0120  0a 00 00 00 05 00 02 00 00 00 00 00 00 00 00 00
0130  00 00 50 00 61 00 63 00 69 00 66 00 69 00 63 00
0140  20 00 44 00 61 00 79 00 6c 00 69 00 67 00 68 00
0150  74 00 20 00 54 00 69 00 6d 00 65 00 00 00 00 00
0160  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
0170  00 00 00 00 04 00 00 00 01 00 02 00 00 00 00 00
0180  00 00 c4 ff ff ff 00 00 00 00 01 00 00 00 00 00
",
    )
}

/// The spec's 4.1.4 Server MCS Connect Response (reference 12.2.1), 337 bytes.
pub(super) fn spec_connect_response() -> Vec<u8> {
    dump(
        "
0000  03 00 01 51 02 f0 80 7f 66 82 01 45 0a 01 00 02
0010  01 00 30 1a 02 01 22 02 01 03 02 01 00 02 01 01
0020  02 01 00 02 01 01 02 03 00 ff f8 02 01 02 04 82
0030  01 1f 00 05 00 14 7c 00 01 2a 14 76 0a 01 01 00
0040  01 c0 00 4d 63 44 6e 81 08 01 0c 0c 00 04 00 08
0050  00 00 00 00 00 03 0c 10 00 eb 03 03 00 ec 03 ed
0060  03 ee 03 00 00 02 0c ec 00 02 00 00 00 02 00 00
0070  00 20 00 00 00 b8 00 00 00 10 11 77 20 30 61 0a
0080  12 e4 34 a1 1e f2 c3 9f 31 7d a4 5f 01 89 34 96
0090  e0 ff 11 08 69 7f 1a c3 d2 01 00 00 00 01 00 00
00a0  00 01 00 00 00 06 00 5c 00 52 53 41 31 48 00 00
00b0  00 00 02 00 00 3f 00 00 00 01 00 01 00 cb 81 fe
00c0  ba 6d 61 c3 55 05 d5 5f 2e 87 f8 71 94 d6 f1 a5
00d0  cb f1 5f 0c 3d f8 70 02 96 c4 fb 9b c8 3c 2d 55
00e0  ae e8 ff 32 75 ea 68 79 e5 a2 01 fd 31 a0 b1 1f
00f0  55 a6 1f c1 f6 d1 83 88 63 26 56 12 bc 00 00 00
0100  00 00 00 00 00 08 00 48 00 e9 e1 d6 28 46 8b 4e
0110  f5 0a df fd ee 21 99 ac b4 e1 8f 5f 81 57 82 ef
0120  9d 96 52 63 27 18 29 db b3 4a fd 9a da 42 ad b5
0130  69 21 89 0e 1d c0 4c 1a a8 aa 71 3e 0f 54 b9 9a
0140  e4 99 68 3f 6c d6 76 84 61 00 00 00 00 00 00 00
0150  00
",
    )
}

/// Where the server certificate starts in [`spec_connect_response`], and its length
/// (`serverCertLen` 0xb8).
pub(super) const SPEC_CERTIFICATE_OFFSET: usize = 0x99;
pub(super) const SPEC_CERTIFICATE_LEN: usize = 0xb8;

/// The 4.1.4 server certificate, 184 bytes.
pub(super) fn spec_certificate() -> Vec<u8> {
    spec_connect_response()[SPEC_CERTIFICATE_OFFSET..][..SPEC_CERTIFICATE_LEN].to_vec()
}
