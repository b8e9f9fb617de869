//! The per-PDU security layer: MAC and encryption going out ([`Sealer`]), decryption and MAC check
//! coming in ([`Opener`]) ([MS-RDPBCGR] 5.3.6), with the RC4 key update ([MS-RDPBCGR] 5.3.7.1).

use std::fmt;

use cbc::cipher::{Array, BlockModeDecrypt, BlockModeEncrypt, Key, KeyInit, KeyIvInit};
use des::TdesEde3;
use md5::Md5;
use rc4::{Rc4, StreamCipher};
use sha1::{Digest, Sha1};
use zeroize::Zeroizing;

use super::keys::{SHA1_LEN, SHORT_KEY_LEN, TDES_KEY_LEN, reduce_key};
use super::mac::{
    MacForm, PAD1, PAD2, SIGNATURE_LEN, fips_signature, rc4_signature, signatures_match,
};
use super::method::EncryptionMethod;

/// How many PDUs an RC4 key encrypts or decrypts before it is updated: the update happens before
/// the 4097th PDU with a key ([MS-RDPBCGR] 5.3.7.1: "after 4,096 packets have been sent or
/// received").
pub const KEY_UPDATE_INTERVAL: u32 = 4096;

/// The 3DES block length, and so the FIPS padding unit ([MS-RDPBCGR] 5.3.6.2).
const TDES_BLOCK_LEN: usize = 8;

/// The initialization vector of the FIPS 3DES-CBC streams ([MS-RDPBCGR] 5.3.6.2). It starts each
/// direction's chain once; every later PDU continues the chain where the previous one ended.
const FIPS_IV: [u8; TDES_BLOCK_LEN] = [0x12, 0x34, 0x56, 0x78, 0x90, 0xab, 0xcd, 0xef];

/// The 128-bit RC4 key length.
const LONG_KEY_LEN: usize = 16;

/// One PDU's payload, protected: what goes after the security header's flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    /// The `dataSignature` field (TS_SECURITY_HEADER1 or 2, [MS-RDPBCGR] 2.2.8.1.1.2.2, 2.2.8.1.1.2.3).
    pub signature: [u8; 8],
    /// The FIPS header's `padlen`: how many zero bytes were appended to reach a multiple of 8
    /// (0 to 7); always 0 for the RC4 methods.
    pub pad_len: u8,
    /// The encrypted payload (for FIPS, including the padding).
    pub ciphertext: Vec<u8>,
}

/// Why an incoming PDU could not be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    /// The payload was decrypted but its MAC does not verify in the form asked for.
    ///
    /// The PDU still counts: the decryption state (the RC4 stream or the CBC chain) has advanced
    /// past it and [`Opener::opened_count`] includes it, as they would have had the MAC verified,
    /// so the next PDU can still be opened (a caller that tolerates bad MACs, as some clients do,
    /// stays in step with the peer).
    #[error("the {form} MAC does not verify: expected {expected:02x?}, received {received:02x?}")]
    MacMismatch {
        /// The signature computed over the decrypted payload.
        expected: [u8; 8],
        /// The signature the PDU carried.
        received: [u8; 8],
        /// The form checked (for FIPS, the form the caller passed; FIPS has one form).
        form: MacForm,
    },
    /// A FIPS payload whose length is not a multiple of the 3DES block (8 bytes). Nothing was
    /// decrypted and the state is unchanged.
    #[error("the FIPS payload of {len} bytes is not a multiple of 8")]
    NotBlockAligned {
        /// The payload length.
        len: usize,
    },
    /// A FIPS `padlen` above 7 or above the payload length. Nothing was decrypted and the state
    /// is unchanged.
    #[error("the FIPS padding length {pad_len} does not fit a payload of {len} bytes")]
    BadPadding {
        /// The `padlen` field.
        pad_len: u8,
        /// The payload length.
        len: usize,
    },
}

/// The outgoing half of the security layer: computes the MAC over the plaintext, then encrypts
/// ([MS-RDPBCGR] 5.3.6).
///
/// For the RC4 methods the keystream runs on across PDUs and the key is updated every
/// [`KEY_UPDATE_INTERVAL`] PDUs ([MS-RDPBCGR] 5.3.7.1), counting this direction only. For FIPS the
/// 3DES-CBC chain starts from the IV `12 34 56 78 90 AB CD EF` once and continues across PDUs; each
/// plaintext is padded with zero bytes to a multiple of 8 ([MS-RDPBCGR] 5.3.6.2).
pub struct Sealer {
    state: Direction<cbc::Encryptor<TdesEde3>>,
}

/// One direction of the layer: the RC4 stream, or the FIPS HMAC key and 3DES-CBC chain `C` (an
/// encryptor for the [`Sealer`], a decryptor for the [`Opener`]) with the count of PDUs so far.
enum Direction<C> {
    Rc4(Box<Rc4Stream>),
    Fips {
        hmac_key: Zeroizing<[u8; SHA1_LEN]>,
        cipher: C,
        count: u32,
    },
}

/// The 3DES key as the cipher takes it, zeroized on drop.
fn tdes_key(key: &[u8; TDES_KEY_LEN]) -> Zeroizing<Key<TdesEde3>> {
    Zeroizing::new(Key::<TdesEde3>::from(*key))
}

impl<C> Direction<C> {
    fn rc4(method: EncryptionMethod, mac_key: Zeroizing<Vec<u8>>, key: Zeroizing<Vec<u8>>) -> Self {
        Direction::Rc4(Box::new(Rc4Stream::new(method, mac_key, key)))
    }

    fn fips(hmac_key: Zeroizing<[u8; SHA1_LEN]>, cipher: C) -> Self {
        Direction::Fips {
            hmac_key,
            cipher,
            count: 0,
        }
    }

    fn method(&self) -> EncryptionMethod {
        match self {
            Direction::Rc4(stream) => stream.method,
            Direction::Fips { .. } => EncryptionMethod::Fips,
        }
    }

    /// PDUs processed in this direction, cumulative (the salted and FIPS MACs' `EncryptionCount`).
    fn count(&self) -> u32 {
        match self {
            Direction::Rc4(stream) => stream.total,
            Direction::Fips { count, .. } => *count,
        }
    }

    /// RC4 key updates made (FIPS keys are never updated, [MS-RDPBCGR] 5.3.7.2).
    fn key_updates(&self) -> u32 {
        match self {
            Direction::Rc4(stream) => stream.updates,
            Direction::Fips { .. } => 0,
        }
    }
}

impl Sealer {
    pub(crate) fn rc4(
        method: EncryptionMethod,
        mac_key: Zeroizing<Vec<u8>>,
        key: Zeroizing<Vec<u8>>,
    ) -> Self {
        Self {
            state: Direction::rc4(method, mac_key, key),
        }
    }

    pub(crate) fn fips(hmac_key: Zeroizing<[u8; SHA1_LEN]>, key: &[u8; TDES_KEY_LEN]) -> Self {
        let cipher = cbc::Encryptor::<TdesEde3>::new(&tdes_key(key), &Array::from(FIPS_IV));
        Self {
            state: Direction::fips(hmac_key, cipher),
        }
    }

    /// The encryption method.
    pub fn method(&self) -> EncryptionMethod {
        self.state.method()
    }

    /// Protects one PDU's payload: the MAC of `plaintext` in `form` (ignored for FIPS), then the
    /// encryption.
    ///
    /// The salted MAC and the FIPS MAC include [`Self::sealed_count`] as it was before this call.
    pub fn seal(&mut self, plaintext: &[u8], form: MacForm) -> Sealed {
        match &mut self.state {
            Direction::Rc4(stream) => {
                let signature = stream.signature(plaintext, form);
                let mut ciphertext = plaintext.to_vec();
                stream.apply(&mut ciphertext);
                Sealed {
                    signature,
                    pad_len: 0,
                    ciphertext,
                }
            }
            Direction::Fips {
                hmac_key,
                cipher,
                count,
            } => {
                let signature = fips_signature(&**hmac_key, plaintext, *count);
                let pad = (TDES_BLOCK_LEN - plaintext.len() % TDES_BLOCK_LEN) % TDES_BLOCK_LEN;
                let mut ciphertext = Vec::with_capacity(plaintext.len() + pad);
                ciphertext.extend_from_slice(plaintext);
                ciphertext.resize(plaintext.len() + pad, 0);
                for chunk in ciphertext.chunks_exact_mut(TDES_BLOCK_LEN) {
                    let mut block = Array::<u8, _>::default();
                    block.copy_from_slice(chunk);
                    cipher.encrypt_block(&mut block);
                    chunk.copy_from_slice(&block);
                }
                *count = count.wrapping_add(1);
                Sealed {
                    signature,
                    // INVARIANT: pad < TDES_BLOCK_LEN = 8.
                    pad_len: u8::try_from(pad).unwrap_or(0),
                    ciphertext,
                }
            }
        }
    }

    /// How many PDUs this half has sealed: the `EncryptionCount` the next salted or FIPS MAC will
    /// carry ([MS-RDPBCGR] 5.3.6.1.1). It is cumulative (not reset by a key update) and wraps at
    /// 2^32 as the 32-bit field does.
    pub fn sealed_count(&self) -> u32 {
        self.state.count()
    }

    /// How many RC4 key updates this half has done (always 0 for FIPS, whose keys are never
    /// updated, [MS-RDPBCGR] 5.3.7.2).
    pub fn key_updates(&self) -> u32 {
        self.state.key_updates()
    }
}

impl fmt::Debug for Sealer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sealer")
            .field("method", &self.method())
            .field("sealed_count", &self.sealed_count())
            .field("key_updates", &self.key_updates())
            .finish_non_exhaustive()
    }
}

/// The incoming half of the security layer: decrypts, then verifies the MAC in the form the PDU's
/// flags announce ([MS-RDPBCGR] 5.3.6).
///
/// It mirrors the peer's [`Sealer`]: the RC4 key update every [`KEY_UPDATE_INTERVAL`] PDUs, or the
/// continuing 3DES-CBC chain.
pub struct Opener {
    state: Direction<cbc::Decryptor<TdesEde3>>,
}

impl Opener {
    pub(crate) fn rc4(
        method: EncryptionMethod,
        mac_key: Zeroizing<Vec<u8>>,
        key: Zeroizing<Vec<u8>>,
    ) -> Self {
        Self {
            state: Direction::rc4(method, mac_key, key),
        }
    }

    pub(crate) fn fips(hmac_key: Zeroizing<[u8; SHA1_LEN]>, key: &[u8; TDES_KEY_LEN]) -> Self {
        let cipher = cbc::Decryptor::<TdesEde3>::new(&tdes_key(key), &Array::from(FIPS_IV));
        Self {
            state: Direction::fips(hmac_key, cipher),
        }
    }

    /// The encryption method.
    pub fn method(&self) -> EncryptionMethod {
        self.state.method()
    }

    /// Opens one PDU's payload: decrypts `ciphertext`, strips `pad_len` bytes of FIPS padding
    /// (`pad_len` is ignored for the RC4 methods), and checks `signature` in `form` (ignored for
    /// FIPS) with [`Self::opened_count`] as it was before this call.
    ///
    /// # Errors
    ///
    /// [`OpenError::MacMismatch`] when the MAC does not verify — the PDU was decrypted and counted
    /// all the same (see there); for FIPS, [`OpenError::NotBlockAligned`] and
    /// [`OpenError::BadPadding`] before anything is decrypted.
    pub fn open(
        &mut self,
        signature: &[u8; 8],
        ciphertext: &[u8],
        form: MacForm,
        pad_len: u8,
    ) -> Result<Vec<u8>, OpenError> {
        let (expected, plaintext) = match &mut self.state {
            Direction::Rc4(stream) => {
                let mut plaintext = ciphertext.to_vec();
                // The MAC uses the count of PDUs opened before this one.
                let salt = stream.salt(form);
                stream.apply(&mut plaintext);
                (rc4_signature(&stream.mac_key, &plaintext, salt), plaintext)
            }
            Direction::Fips {
                hmac_key,
                cipher,
                count,
            } => {
                let len = ciphertext.len();
                if !len.is_multiple_of(TDES_BLOCK_LEN) {
                    return Err(OpenError::NotBlockAligned { len });
                }
                let pad = usize::from(pad_len);
                if TDES_BLOCK_LEN <= pad || len < pad {
                    return Err(OpenError::BadPadding { pad_len, len });
                }
                let mut plaintext = ciphertext.to_vec();
                for chunk in plaintext.chunks_exact_mut(TDES_BLOCK_LEN) {
                    let mut block = Array::<u8, _>::default();
                    block.copy_from_slice(chunk);
                    cipher.decrypt_block(&mut block);
                    chunk.copy_from_slice(&block);
                }
                plaintext.truncate(len - pad);
                let expected = fips_signature(&**hmac_key, &plaintext, *count);
                *count = count.wrapping_add(1);
                (expected, plaintext)
            }
        };
        if signatures_match(&expected, signature) {
            Ok(plaintext)
        } else {
            Err(OpenError::MacMismatch {
                expected,
                received: *signature,
                form,
            })
        }
    }

    /// How many PDUs this half has opened (with or without a verifying MAC): the
    /// `EncryptionCount` the next salted or FIPS MAC is checked with. Cumulative, wrapping at 2^32.
    pub fn opened_count(&self) -> u32 {
        self.state.count()
    }

    /// How many RC4 key updates this half has done (always 0 for FIPS).
    pub fn key_updates(&self) -> u32 {
        self.state.key_updates()
    }
}

impl fmt::Debug for Opener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Opener")
            .field("method", &self.method())
            .field("opened_count", &self.opened_count())
            .field("key_updates", &self.key_updates())
            .finish_non_exhaustive()
    }
}

/// One direction of an RC4 connection: the keystream, its key and the counters.
struct Rc4Stream {
    method: EncryptionMethod,
    mac_key: Zeroizing<Vec<u8>>,
    /// The (salted) initial key of this direction, the fixed input of every key update.
    initial_key: Zeroizing<Vec<u8>>,
    /// The key the keystream was last started from.
    current_key: Zeroizing<Vec<u8>>,
    cipher: Rc4,
    /// PDUs processed with `current_key`.
    uses: u32,
    /// PDUs processed in all: the salted MAC's `EncryptionCount`.
    total: u32,
    updates: u32,
}

impl Rc4Stream {
    fn new(method: EncryptionMethod, mac_key: Zeroizing<Vec<u8>>, key: Zeroizing<Vec<u8>>) -> Self {
        Self {
            method,
            mac_key,
            cipher: rc4_from(&key),
            initial_key: key.clone(),
            current_key: key,
            uses: 0,
            total: 0,
            updates: 0,
        }
    }

    /// The count the next MAC includes in `form`, if any.
    fn salt(&self, form: MacForm) -> Option<u32> {
        match form {
            MacForm::Plain => None,
            MacForm::Salted => Some(self.total),
        }
    }

    /// The MAC of the next PDU's plaintext.
    fn signature(&self, plaintext: &[u8], form: MacForm) -> [u8; SIGNATURE_LEN] {
        rc4_signature(&self.mac_key, plaintext, self.salt(form))
    }

    /// Encrypts or decrypts one PDU in place, updating the key first when it has been used
    /// [`KEY_UPDATE_INTERVAL`] times.
    fn apply(&mut self, data: &mut [u8]) {
        if KEY_UPDATE_INTERVAL <= self.uses {
            self.current_key = update_key(self.method, &self.initial_key, &self.current_key);
            self.cipher = rc4_from(&self.current_key);
            self.uses = 0;
            self.updates = self.updates.wrapping_add(1);
        }
        self.cipher.apply_keystream(data);
        self.uses += 1;
        self.total = self.total.wrapping_add(1);
    }
}

/// A fresh RC4 state from `key` ("InitRC4").
fn rc4_from(key: &[u8]) -> Rc4 {
    // INVARIANT: the keys of this module are 8 or 16 bytes, and RC4 takes 1 to 256, so the
    // fallback (an all-zero 32-byte key) is never used.
    Rc4::new_from_slice(key).unwrap_or_else(|_| Rc4::new(&Key::<Rc4>::default()))
}

/// The RC4 key update of [MS-RDPBCGR] 5.3.7.1: the new key from this direction's initial key and
/// its current key.
///
/// ```text
/// SHAComponent = SHA(InitialKey + Pad1 + CurrentKey)
/// TempKey128   = MD5(InitialKey + Pad2 + SHAComponent)
/// 128-bit:   NewKey = RC4(TempKey128) applied to TempKey128
/// 40/56-bit: NewKey = salt + RC4(TempKey64) applied to TempKey64, TempKey64 = First64Bits(TempKey128)
/// ```
pub(crate) fn update_key(
    method: EncryptionMethod,
    initial_key: &[u8],
    current_key: &[u8],
) -> Zeroizing<Vec<u8>> {
    let len = match method {
        EncryptionMethod::Bits128 => LONG_KEY_LEN,
        EncryptionMethod::Bits40 | EncryptionMethod::Bits56 | EncryptionMethod::Fips => {
            SHORT_KEY_LEN
        }
    };
    let initial = &initial_key[..len.min(initial_key.len())];
    let current = &current_key[..len.min(current_key.len())];
    let mut sha = Sha1::new();
    sha.update(initial);
    sha.update(PAD1);
    sha.update(current);
    let sha_component = sha.finalize();
    let mut md5 = Md5::new();
    md5.update(initial);
    md5.update(PAD2);
    md5.update(sha_component);
    let temp_key_128 = Zeroizing::new(<[u8; LONG_KEY_LEN]>::from(md5.finalize()));
    let temp_key = &temp_key_128[..len];
    let mut new_key = Zeroizing::new(temp_key.to_vec());
    rc4_from(temp_key).apply_keystream(&mut new_key);
    reduce_key(method, &new_key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fips_pad_lengths() {
        let hmac = Zeroizing::new([7u8; SHA1_LEN]);
        let mut sealer = Sealer::fips(hmac, &[0x5a; TDES_KEY_LEN]);
        for (len, pad) in [(0, 0), (1, 7), (7, 1), (8, 0), (9, 7), (13, 3), (16, 0)] {
            let sealed = sealer.seal(&vec![0xaa; len], MacForm::Plain);
            assert_eq!(sealed.pad_len, pad, "len {len}");
            assert_eq!(sealed.ciphertext.len(), len + usize::from(pad));
        }
        assert_eq!(sealer.sealed_count(), 7);
        assert_eq!(sealer.key_updates(), 0);
    }

    #[test]
    fn debug_prints_counts_only() {
        let sealer = Sealer::rc4(
            EncryptionMethod::Bits128,
            Zeroizing::new(vec![0xee; 16]),
            Zeroizing::new(vec![0xee; 16]),
        );
        let text = format!("{sealer:?}");
        assert_eq!(
            text,
            "Sealer { method: Bits128, sealed_count: 0, key_updates: 0, .. }"
        );
    }
}
