//! `kerberos::as_rep_for_sspi` against a real MIT KDC's AS-REP.
//!
//! `data/mit-as-rep-labuser.bin` is what MIT Kerberos 1.20 (Debian 12's krb5-kdc, the lab's
//! `real::KdcServer`) answered an sspi AS-REQ for `labuser@RDP-PROBE.TEST`, password `LabPass1!`
//! (TCP length prefix included). Its encrypted part is tagged EncTGSRepPart, as MIT always does
//! (RFC 4120 5.4.2's compatibility note).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use ironrdp_connector::sspi::kerberos::client::extractors::extract_encryption_params_from_as_rep;
use picky_krb::constants::key_usages::AS_REP_ENC;
use picky_krb::crypto::CipherSuite;
use picky_krb::messages::AsRep;
use rdp_probe_core::kerberos::as_rep_for_sspi;

const MIT_AS_REP: &[u8] = include_bytes!("data/mit-as-rep-labuser.bin");
const PASSWORD: &str = "LabPass1!";

/// The decrypted enc-part of a length-prefixed AS-REP.
fn enc_part(tcp: &[u8], password: &str) -> Vec<u8> {
    let as_rep: AsRep = picky_asn1_der::from_bytes(&tcp[4..]).unwrap();
    let (etype, salt) = extract_encryption_params_from_as_rep(&as_rep).unwrap();
    let cipher = CipherSuite::try_from(usize::from(etype)).unwrap().cipher();
    let key = cipher
        .generate_key_from_password(password.as_bytes(), salt.as_bytes())
        .unwrap();
    cipher
        .decrypt(&key, AS_REP_ENC, &as_rep.0.enc_part.0.cipher.0.0)
        .unwrap()
}

#[test]
fn mit_encodes_the_as_rep_part_as_enc_tgs_rep_part() {
    // [APPLICATION 26]: the reason for the retag.
    assert_eq!(enc_part(MIT_AS_REP, PASSWORD)[0], 0x7a);
}

#[test]
fn the_retag_keeps_the_contents_and_changes_only_the_tag() {
    let retagged = as_rep_for_sspi(MIT_AS_REP, PASSWORD).expect("an MIT AS-REP is retagged");
    let before = enc_part(MIT_AS_REP, PASSWORD);
    let after = enc_part(&retagged, PASSWORD);
    assert_eq!(after[0], 0x79, "EncASRepPart, [APPLICATION 25]");
    assert_eq!(before[1..], after[1..]);
    // The length prefix says the length.
    let len = u32::from_be_bytes(retagged[..4].try_into().unwrap()) as usize;
    assert_eq!(len, retagged.len() - 4);
    // Everything outside the enc-part is as the KDC sent it: the ticket, the names, the padata.
    let a: AsRep = picky_asn1_der::from_bytes(&MIT_AS_REP[4..]).unwrap();
    let b: AsRep = picky_asn1_der::from_bytes(&retagged[4..]).unwrap();
    assert_eq!(a.0.ticket, b.0.ticket);
    assert_eq!(a.0.cname, b.0.cname);
    assert_eq!(a.0.padata, b.0.padata);
    // A reply already in the RFC's form passes through.
    assert!(as_rep_for_sspi(&retagged, PASSWORD).is_none());
}

#[test]
fn a_wrong_password_or_another_message_passes_through() {
    assert!(as_rep_for_sspi(MIT_AS_REP, "not-the-password").is_none());
    assert!(as_rep_for_sspi(&MIT_AS_REP[..MIT_AS_REP.len() - 1], PASSWORD).is_none());
    assert!(as_rep_for_sspi(&[], PASSWORD).is_none());
    let mut not_as_rep = MIT_AS_REP.to_vec();
    not_as_rep[4] = 0x6d; // TGS-REP
    assert!(as_rep_for_sspi(&not_as_rep, PASSWORD).is_none());
}
