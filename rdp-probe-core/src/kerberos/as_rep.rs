//! An MIT KDC's AS-REP, made readable for sspi.
//!
//! [RFC 4120] 5.4.2 tags the encrypted part of an AS-REP `EncASRepPart` ([APPLICATION 25]) and adds:
//! "Some implementations unconditionally send an encrypted EncTGSRepPart (application tag number 26)
//! in this field regardless of whether the reply is a AS-REP or a TGS-REP. In the interest of
//! compatibility, implementors MAY relax the check on the tag number of the decrypted ENC-PART." MIT
//! Kerberos is such an implementation; sspi 0.23 does not relax the check, so its AS exchange fails
//! against every MIT KDC ("Expected Application number tag 25 but got: 26").
//!
//! [`as_rep_for_sspi`] relaxes it for sspi: with the password it already holds, it decrypts the
//! enc-part (picky-krb's ciphers, the ones sspi uses), retags `EncTGSRepPart` as `EncASRepPart`
//! (the two have the same contents) and encrypts it again under the same key. Any other reply passes
//! through untouched.
//!
//! [RFC 4120]: https://www.rfc-editor.org/rfc/rfc4120

use ironrdp_connector::sspi::kerberos::client::extractors::extract_encryption_params_from_as_rep;
use picky_asn1::wrapper::{ExplicitContextTag2, OctetStringAsn1};
use picky_krb::constants::key_usages::AS_REP_ENC;
use picky_krb::crypto::CipherSuite;
use picky_krb::messages::AsRep;

/// The first byte of an AS-REP: [APPLICATION 11], constructed ([RFC 4120] 5.4.2).
///
/// [RFC 4120]: https://www.rfc-editor.org/rfc/rfc4120
const AS_REP_TAG: u8 = 0x6b;

/// The first byte of `EncASRepPart`: [APPLICATION 25], constructed.
const ENC_AS_REP_PART_TAG: u8 = 0x79;

/// The first byte of `EncTGSRepPart`: [APPLICATION 26], constructed.
const ENC_TGS_REP_PART_TAG: u8 = 0x7a;

/// The TCP length prefix ([RFC 4120] 7.2.2).
///
/// [RFC 4120]: https://www.rfc-editor.org/rfc/rfc4120
const LENGTH_PREFIX: usize = 4;

/// `tcp_reply` (a KDC reply with its TCP length prefix) as sspi can read it: an AS-REP whose
/// enc-part, decrypted with the key `password` gives, is an `EncTGSRepPart` comes back with it
/// retagged `EncASRepPart` and encrypted again; `None` means "pass the reply on as it is" (not an
/// AS-REP, already an `EncASRepPart`, or not decryptable with this password).
///
/// ```
/// // Anything that is not an AS-REP passes through.
/// assert!(rdp_probe_core::kerberos::as_rep_for_sspi(&[0, 0, 0, 2, 0x7e, 0], "pw").is_none());
/// ```
pub fn as_rep_for_sspi(tcp_reply: &[u8], password: &str) -> Option<Vec<u8>> {
    let message = rdp_probe_wire::kerberos::strip_tcp_length(tcp_reply).ok()?;
    if message.first() != Some(&AS_REP_TAG) {
        return None;
    }
    let mut as_rep: AsRep = picky_asn1_der::from_bytes(message).ok()?;
    let (etype, salt) = extract_encryption_params_from_as_rep(&as_rep).ok()?;
    let cipher = CipherSuite::try_from(usize::from(etype)).ok()?.cipher();
    let key = cipher
        .generate_key_from_password(password.as_bytes(), salt.as_bytes())
        .ok()?;
    let sealed = &as_rep.0.enc_part.0.cipher.0.0;
    let mut plain = cipher.decrypt(&key, AS_REP_ENC, sealed).ok()?;
    if plain.first() != Some(&ENC_TGS_REP_PART_TAG) {
        return None;
    }
    plain[0] = ENC_AS_REP_PART_TAG;
    let resealed = cipher.encrypt(&key, AS_REP_ENC, &plain).ok()?;
    as_rep.0.enc_part.0.cipher = ExplicitContextTag2::from(OctetStringAsn1::from(resealed));
    let der = picky_asn1_der::to_vec(&as_rep).ok()?;
    let len = u32::try_from(der.len()).ok()?;
    let mut out = Vec::with_capacity(LENGTH_PREFIX + der.len());
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&der);
    Some(out)
}
