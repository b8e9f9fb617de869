//! Session key derivation from the client and server randoms: the RC4 methods' salted hashes
//! ([MS-RDPBCGR] 5.3.5.1) and the FIPS method's SHA-1 keys with their 3DES bit expansion
//! ([MS-RDPBCGR] 5.3.5.2).

use std::fmt;

use md5::Md5;
use sha1::{Digest, Sha1};
use zeroize::Zeroizing;

use super::RANDOM_LEN;
use super::layer::{Opener, Sealer};
use super::method::{EncryptionMethod, Role};

/// The length of an MD5 output, and so of every 128-bit key ([MS-RDPBCGR] 5.3.5.1).
const MD5_LEN: usize = 16;
/// How many leading bytes of each random the pre-master secret takes (`First192Bits`).
const PRE_MASTER_PART_LEN: usize = 24;
/// The length of a salted 40- or 56-bit RC4 key: `First64Bits` of the 128-bit key.
pub(crate) const SHORT_KEY_LEN: usize = 8;
/// The salt that replaces the first three bytes of a 40-bit key ([MS-RDPBCGR] 5.3.5.1).
pub(crate) const SALT_40BIT: [u8; 3] = [0xd1, 0x26, 0x9e];
/// The salt that replaces the first byte of a 56-bit key ([MS-RDPBCGR] 5.3.5.1).
pub(crate) const SALT_56BIT: [u8; 1] = [0xd1];
/// The inputs of `PreMasterHash` that make the master secret: `'A'`, `'BB'`, `'CCC'`.
const MASTER_SECRET_INPUTS: [&[u8]; 3] = [b"A", b"BB", b"CCC"];
/// The inputs of `MasterHash` that make the session key blob: `'X'`, `'YY'`, `'ZZZ'`.
const SESSION_KEY_BLOB_INPUTS: [&[u8]; 3] = [b"X", b"YY", b"ZZZ"];

/// The length of a SHA-1 output: the FIPS `...KeyT` values and the HMAC key.
pub(crate) const SHA1_LEN: usize = 20;
/// The length of a FIPS key before expansion: `KeyT + First8Bits(KeyT)`, 168 bits.
const FIPS_KEY_168_LEN: usize = 21;
/// The length of a 3DES key: three DES keys of 8 bytes ([MS-RDPBCGR] 5.3.5.2).
pub(crate) const TDES_KEY_LEN: usize = 24;
/// How many bits of key material each 3DES key byte carries; the eighth is parity.
const DES_KEY_BITS_PER_BYTE: usize = 7;

/// The keys of one side of a Standard RDP Security connection ([MS-RDPBCGR] 5.3.5, 5.3.5.2).
///
/// For the RC4 methods these are the MAC key (`MACKey40`/`56`/`128`) and this side's initial
/// encryption and decryption keys (8 bytes for 40 and 56 bits, salted; 16 bytes for 128 bits). For
/// FIPS they are the HMAC key (20 bytes) and the two expanded 3DES keys (24 bytes each). The bytes
/// are wiped when the value is dropped, and [`fmt::Debug`] prints only the method.
///
/// ```
/// use rdp_probe_core::standard_security::{EncryptionMethod, Role, SessionKeys};
///
/// let client_random = [1; 32];
/// let server_random = [2; 32];
/// let client = SessionKeys::derive(EncryptionMethod::Bits40, Role::Client, &client_random, &server_random);
/// let server = SessionKeys::derive(EncryptionMethod::Bits40, Role::Server, &client_random, &server_random);
/// assert_eq!(client.encrypt_key(), server.decrypt_key());
/// assert_eq!(client.mac_key(), server.mac_key());
/// assert_eq!(&client.mac_key()[..3], [0xd1, 0x26, 0x9e]); // the 40-bit salt
/// ```
pub struct SessionKeys {
    method: EncryptionMethod,
    material: KeyMaterial,
}

/// The key bytes, typed by family so that the cipher constructors cannot be handed a key of the
/// wrong length.
enum KeyMaterial {
    Rc4 {
        mac_key: Zeroizing<Vec<u8>>,
        encrypt_key: Zeroizing<Vec<u8>>,
        decrypt_key: Zeroizing<Vec<u8>>,
    },
    Fips {
        hmac_key: Zeroizing<[u8; SHA1_LEN]>,
        encrypt_key: Zeroizing<[u8; TDES_KEY_LEN]>,
        decrypt_key: Zeroizing<[u8; TDES_KEY_LEN]>,
    },
}

impl SessionKeys {
    /// Derives the keys of `role` from the two randoms, in wire order ([MS-RDPBCGR] 5.3.5.1 for the
    /// RC4 methods, 5.3.5.2 for FIPS).
    pub fn derive(
        method: EncryptionMethod,
        role: Role,
        client_random: &[u8; RANDOM_LEN],
        server_random: &[u8; RANDOM_LEN],
    ) -> Self {
        let material = if method.is_fips() {
            let (hmac_key, client_encrypt, client_decrypt) =
                fips_keys(client_random, server_random);
            let (encrypt_key, decrypt_key) = match role {
                Role::Client => (client_encrypt, client_decrypt),
                Role::Server => (client_decrypt, client_encrypt),
            };
            KeyMaterial::Fips {
                hmac_key,
                encrypt_key,
                decrypt_key,
            }
        } else {
            let (mac_key, client_encrypt, client_decrypt) =
                rc4_keys(method, client_random, server_random);
            let (encrypt_key, decrypt_key) = match role {
                Role::Client => (client_encrypt, client_decrypt),
                Role::Server => (client_decrypt, client_encrypt),
            };
            KeyMaterial::Rc4 {
                mac_key,
                encrypt_key,
                decrypt_key,
            }
        };
        Self { method, material }
    }

    /// The encryption method the keys are for.
    pub fn method(&self) -> EncryptionMethod {
        self.method
    }

    /// The MAC key: `MACKeyN` (8 bytes for 40 and 56 bits, 16 for 128 bits), or the FIPS HMAC key
    /// `SHA(ClientDecryptKeyT + ClientEncryptKeyT)` (20 bytes). Both sides use the same one.
    pub fn mac_key(&self) -> &[u8] {
        match &self.material {
            KeyMaterial::Rc4 { mac_key, .. } => mac_key,
            KeyMaterial::Fips { hmac_key, .. } => &**hmac_key,
        }
    }

    /// This side's initial encryption key: 8 or 16 bytes of RC4 key, or 24 bytes of 3DES key.
    pub fn encrypt_key(&self) -> &[u8] {
        match &self.material {
            KeyMaterial::Rc4 { encrypt_key, .. } => encrypt_key,
            KeyMaterial::Fips { encrypt_key, .. } => &**encrypt_key,
        }
    }

    /// This side's initial decryption key (the other side's encryption key).
    pub fn decrypt_key(&self) -> &[u8] {
        match &self.material {
            KeyMaterial::Rc4 { decrypt_key, .. } => decrypt_key,
            KeyMaterial::Fips { decrypt_key, .. } => &**decrypt_key,
        }
    }

    /// Splits the keys into the outgoing half ([`Sealer`]) and the incoming half ([`Opener`]) of
    /// the security layer, each starting at PDU 0.
    pub fn into_layer(self) -> (Sealer, Opener) {
        match self.material {
            KeyMaterial::Rc4 {
                mac_key,
                encrypt_key,
                decrypt_key,
            } => (
                Sealer::rc4(self.method, mac_key.clone(), encrypt_key),
                Opener::rc4(self.method, mac_key, decrypt_key),
            ),
            KeyMaterial::Fips {
                hmac_key,
                encrypt_key,
                decrypt_key,
            } => (
                Sealer::fips(hmac_key.clone(), &encrypt_key),
                Opener::fips(hmac_key, &decrypt_key),
            ),
        }
    }
}

impl fmt::Debug for SessionKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionKeys")
            .field("method", &self.method)
            .finish_non_exhaustive()
    }
}

/// A derivation's `(MAC key, client encryption key, client decryption key)`.
type ClientKeys<M, K> = (Zeroizing<M>, Zeroizing<K>, Zeroizing<K>);

/// `SaltedHash(S, I) = MD5(S + SHA(I + S + ClientRandom + ServerRandom))` ([MS-RDPBCGR] 5.3.5.1).
fn salted_hash(
    secret: &[u8],
    input: &[u8],
    client_random: &[u8; RANDOM_LEN],
    server_random: &[u8; RANDOM_LEN],
) -> [u8; MD5_LEN] {
    let mut sha = Sha1::new();
    sha.update(input);
    sha.update(secret);
    sha.update(client_random);
    sha.update(server_random);
    let mut md5 = Md5::new();
    md5.update(secret);
    md5.update(sha.finalize());
    md5.finalize().into()
}

/// Three `SaltedHash`es of `secret` with the given inputs, concatenated (48 bytes).
fn triple_salted_hash(
    secret: &[u8],
    inputs: [&[u8]; 3],
    client_random: &[u8; RANDOM_LEN],
    server_random: &[u8; RANDOM_LEN],
) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(3 * MD5_LEN));
    for input in inputs {
        out.extend_from_slice(&salted_hash(secret, input, client_random, server_random));
    }
    out
}

/// `FinalHash(K) = MD5(K + ClientRandom + ServerRandom)` ([MS-RDPBCGR] 5.3.5.1).
fn final_hash(
    key: &[u8],
    client_random: &[u8; RANDOM_LEN],
    server_random: &[u8; RANDOM_LEN],
) -> [u8; MD5_LEN] {
    let mut md5 = Md5::new();
    md5.update(key);
    md5.update(client_random);
    md5.update(server_random);
    md5.finalize().into()
}

/// The RC4 methods' `(MACKeyN, InitialClientEncryptKeyN, InitialClientDecryptKeyN)`
/// ([MS-RDPBCGR] 5.3.5.1).
fn rc4_keys(
    method: EncryptionMethod,
    client_random: &[u8; RANDOM_LEN],
    server_random: &[u8; RANDOM_LEN],
) -> ClientKeys<Vec<u8>, Vec<u8>> {
    let mut pre_master_secret = Zeroizing::new([0u8; 2 * PRE_MASTER_PART_LEN]);
    let (first, second) = pre_master_secret.split_at_mut(PRE_MASTER_PART_LEN);
    first.copy_from_slice(&client_random[..PRE_MASTER_PART_LEN]);
    second.copy_from_slice(&server_random[..PRE_MASTER_PART_LEN]);
    let master_secret = triple_salted_hash(
        &*pre_master_secret,
        MASTER_SECRET_INPUTS,
        client_random,
        server_random,
    );
    let blob = triple_salted_hash(
        &master_secret,
        SESSION_KEY_BLOB_INPUTS,
        client_random,
        server_random,
    );
    let mac_key_128 = &blob[..MD5_LEN];
    // ClientDecrypt = FinalHash(Second128Bits), ClientEncrypt = FinalHash(Third128Bits).
    let client_decrypt_128 = Zeroizing::new(final_hash(
        &blob[MD5_LEN..2 * MD5_LEN],
        client_random,
        server_random,
    ));
    let client_encrypt_128 = Zeroizing::new(final_hash(
        &blob[2 * MD5_LEN..],
        client_random,
        server_random,
    ));
    (
        reduce_key(method, mac_key_128),
        reduce_key(method, &*client_encrypt_128),
        reduce_key(method, &*client_decrypt_128),
    )
}

/// A 128-bit key reduced to the method's strength: unchanged for 128 bits; for 40 and 56 bits its
/// first 64 bits with the salt over the leading bytes ([MS-RDPBCGR] 5.3.5.1).
pub(crate) fn reduce_key(method: EncryptionMethod, key: &[u8]) -> Zeroizing<Vec<u8>> {
    let salt: &[u8] = match method {
        EncryptionMethod::Bits40 => &SALT_40BIT,
        EncryptionMethod::Bits56 => &SALT_56BIT,
        EncryptionMethod::Bits128 | EncryptionMethod::Fips => {
            return Zeroizing::new(key.to_vec());
        }
    };
    let mut out = Zeroizing::new(key.iter().copied().take(SHORT_KEY_LEN).collect::<Vec<u8>>());
    for (o, s) in out.iter_mut().zip(salt) {
        *o = *s;
    }
    out
}

/// The FIPS method's `(HMACKey, ClientEncryptKey, ClientDecryptKey)` ([MS-RDPBCGR] 5.3.5.2).
fn fips_keys(
    client_random: &[u8; RANDOM_LEN],
    server_random: &[u8; RANDOM_LEN],
) -> ClientKeys<[u8; SHA1_LEN], [u8; TDES_KEY_LEN]> {
    let half = RANDOM_LEN / 2;
    // ClientEncryptKeyT = SHA(Last128Bits(ClientRandom) + Last128Bits(ServerRandom)).
    let mut sha = Sha1::new();
    sha.update(&client_random[half..]);
    sha.update(&server_random[half..]);
    let encrypt_t = Zeroizing::new(<[u8; SHA1_LEN]>::from(sha.finalize()));
    // ClientDecryptKeyT = SHA(First128Bits(ClientRandom) + First128Bits(ServerRandom)).
    let mut sha = Sha1::new();
    sha.update(&client_random[..half]);
    sha.update(&server_random[..half]);
    let decrypt_t = Zeroizing::new(<[u8; SHA1_LEN]>::from(sha.finalize()));
    // HMACKey = SHA(ClientDecryptKeyT + ClientEncryptKeyT).
    let mut sha = Sha1::new();
    sha.update(*decrypt_t);
    sha.update(*encrypt_t);
    let hmac_key = Zeroizing::new(<[u8; SHA1_LEN]>::from(sha.finalize()));
    (hmac_key, fips_expand(&encrypt_t), fips_expand(&decrypt_t))
}

/// A FIPS 3DES key from a SHA-1 `KeyT` ([MS-RDPBCGR] 5.3.5.2): `KeyT + First8Bits(KeyT)` (168
/// bits) expanded to 192 bits.
fn fips_expand(key_t: &[u8; SHA1_LEN]) -> Zeroizing<[u8; TDES_KEY_LEN]> {
    let mut key_168 = Zeroizing::new([0u8; FIPS_KEY_168_LEN]);
    key_168[..SHA1_LEN].copy_from_slice(key_t);
    key_168[SHA1_LEN] = key_t[0];
    expand_168_to_192(&key_168)
}

/// The spec's key expansion ([MS-RDPBCGR] 5.3.5.2): "reverse every byte, insert a zero bit after
/// every 7 bits, reverse every byte again", then give each byte odd parity in its least
/// significant bit.
///
/// Reading the bytes with their bits reversed and taking 7 bits at a time is the same as reading
/// the input as one bit string least significant bit first: output byte `k` holds input bits
/// `7k .. 7k + 7` in its bits 0 to 6, bit 7 clear, before the parity step overwrites bit 0.
pub(crate) fn expand_168_to_192(key: &[u8; FIPS_KEY_168_LEN]) -> Zeroizing<[u8; TDES_KEY_LEN]> {
    let mut out = Zeroizing::new([0u8; TDES_KEY_LEN]);
    for (k, byte) in out.iter_mut().enumerate() {
        let mut value = 0u8;
        for bit in 0..DES_KEY_BITS_PER_BYTE {
            let position = k * DES_KEY_BITS_PER_BYTE + bit;
            let input_bit = (key[position / 8] >> (position % 8)) & 1;
            value |= input_bit << bit;
        }
        *byte = with_odd_parity(value);
    }
    out
}

/// `byte` with its least significant bit set so that the whole byte has odd parity.
pub(crate) fn with_odd_parity(byte: u8) -> u8 {
    let high = byte & 0xfe;
    if high.count_ones().is_multiple_of(2) {
        high | 1
    } else {
        high
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked example of [MS-RDPBCGR] 5.3.5.2 (reference 12.1.3): the first five bytes of a
    /// 21-byte key, after the 7-bit expansion and after the parity fix.
    #[test]
    fn spec_expansion_example() {
        let mut key = [0u8; FIPS_KEY_168_LEN];
        key[..5].copy_from_slice(&[0xd1, 0x5e, 0xc4, 0x7e, 0xda]);
        let expanded = expand_168_to_192(&key);
        assert_eq!(expanded[..5], [0x51, 0x3d, 0x10, 0x76, 0x26]);
        // Before the parity step the spec shows 51 3d 11 76 27: only bit 0 differs.
        let before = [0x51u8, 0x3d, 0x11, 0x76, 0x27];
        for (after, before) in expanded[..5].iter().zip(before) {
            assert_eq!(after & 0xfe, before & 0xfe);
        }
    }

    #[test]
    fn every_expanded_byte_has_odd_parity() {
        let key: [u8; FIPS_KEY_168_LEN] = std::array::from_fn(|i| (i as u8).wrapping_mul(97));
        for byte in expand_168_to_192(&key).iter() {
            assert_eq!(byte.count_ones() % 2, 1, "{byte:#04x}");
        }
    }

    #[test]
    fn parity() {
        assert_eq!(with_odd_parity(0x11), 0x10);
        assert_eq!(with_odd_parity(0x27), 0x26);
        assert_eq!(with_odd_parity(0x51), 0x51);
        assert_eq!(with_odd_parity(0x00), 0x01);
        assert_eq!(with_odd_parity(0xff), 0xfe);
    }

    #[test]
    fn debug_prints_no_key_bytes() {
        let keys = SessionKeys::derive(
            EncryptionMethod::Bits128,
            Role::Client,
            &[0x11; RANDOM_LEN],
            &[0x22; RANDOM_LEN],
        );
        let text = format!("{keys:?}");
        assert_eq!(text, "SessionKeys { method: Bits128, .. }");
    }
}
