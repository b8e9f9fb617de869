//! Standard RDP Security with encryption through the transcript harness: every method and level to
//! `connected`, what the probe sends (checked by decrypting it as the server would), and each failure of
//! the security layer with its code and the Windows client's pair.

#![allow(clippy::unwrap_used, reason = "a test that cannot set up should panic")]

use rdp_probe_core::engine::transcript::standard::{
    self, ClientPdu, EncryptedServer, LEVEL_CLIENT_COMPATIBLE, LEVEL_FIPS, LEVEL_HIGH, LEVEL_LOW,
    SERVER_RANDOM,
};
use rdp_probe_core::engine::transcript::{Event, Setup, Transcript, server};
use rdp_probe_core::report::Report;
use rdp_probe_core::standard_security::{
    EncryptionMethod, MacForm, SignatureCheck, lab_server_key, proprietary_certificate,
};
use rdp_probe_core::{CodeSpace, Phase, Target, VerdictKind};
use rdp_probe_wire::security::{SEC_ENCRYPT, SEC_EXCHANGE_PKT, SEC_INFO_PKT, SEC_LICENSE_ENCRYPT};
use rdp_probe_wire::x224::PROTOCOL_RDP;

/// Every method with the levels a server may pair it with ([MS-RDPBCGR] 5.3.2).
const CASES: [(EncryptionMethod, u32); 6] = [
    (EncryptionMethod::Bits40, LEVEL_LOW),
    (EncryptionMethod::Bits40, LEVEL_CLIENT_COMPATIBLE),
    (EncryptionMethod::Bits56, LEVEL_CLIENT_COMPATIBLE),
    (EncryptionMethod::Bits128, LEVEL_HIGH),
    (EncryptionMethod::Fips, LEVEL_FIPS),
    (EncryptionMethod::Fips, LEVEL_HIGH),
];

fn setup() -> Setup {
    Setup::new(Target::new("localhost", 3389).unwrap())
}

fn run(events: Vec<Event>) -> Transcript {
    let setup = setup();
    let t = setup.run(events);
    t.check(&setup.options).unwrap();
    t
}

fn failure_of(report: &Report) -> (Phase, CodeSpace, u32, &'static str, (u32, u32)) {
    assert_eq!(report.verdict_kind(), VerdictKind::Failed, "{report:#?}");
    let f = report.failure().unwrap();
    let m = report.mstsc().unwrap();
    (
        f.phase,
        f.code.space,
        f.code.value,
        m.rule,
        (m.disconnect_reason, m.extended_reason),
    )
}

/// The frames the probe sent after the Channel Join Requests, in order.
fn after_channel_joins(t: &Transcript) -> Vec<&[u8]> {
    t.sent
        .iter()
        .filter(|s| s.phase >= Phase::SecureSettings || standard::is_encrypted(&s.bytes))
        .map(|s| s.bytes.as_slice())
        .collect()
}

#[test]
fn every_method_and_level_connects() {
    for (method, level) in CASES {
        let mut server = EncryptedServer::for_harness(method, level);
        let t = run(server.healthy().unwrap());
        let r = &t.report;
        assert_eq!(
            r.verdict_kind(),
            VerdictKind::Connected,
            "{method:?} level {level}: {r:#?}"
        );
        let sec = r.server.standard_security.as_ref().unwrap();
        assert_eq!(
            (sec.encryption_method, sec.encryption_level),
            (method.wire(), level)
        );
        assert_eq!(sec.certificate_type.as_deref(), Some("proprietary"));
        assert_eq!(sec.certificate_signature, Some(SignatureCheck::Valid));
        assert_eq!(sec.rsa_key_bits, Some(lab_server_key().public_key().bits()));
        let traffic = sec.traffic.unwrap();
        assert_eq!(traffic.mac_sent, MacForm::Plain);
        // Client Info, Confirm Active, Synchronize, two Controls, Font List.
        assert_eq!(traffic.sealed, 6, "{method:?} level {level}");
        // Below client compatible the server encrypts nothing ([MS-RDPBCGR] 5.3.1).
        let opened = if level == LEVEL_LOW { 0 } else { 6 };
        assert_eq!(traffic.opened, opened, "{method:?} level {level}");
        assert_eq!(traffic.key_updates_sent + traffic.key_updates_received, 0);
    }
}

#[test]
fn the_server_can_read_everything_the_probe_sends() {
    for (method, level) in CASES {
        let mut server = EncryptedServer::for_harness(method, level);
        let t = run(server.healthy().unwrap());
        let frames = after_channel_joins(&t);
        // The Security Exchange comes first, unencrypted, with the client random for the server's key.
        let (exchange, rest) = frames.split_first().unwrap();
        assert_eq!(
            standard::client_random_from_exchange(exchange),
            Some(standard::harness_client_random()),
            "{method:?}"
        );
        assert!(!standard::is_encrypted(exchange));
        // Then the Client Info, encrypted with the plain MAC, and four finalization PDUs and the Confirm
        // Active: all decrypt with the server's keys and verify.
        let mut reader = EncryptedServer::for_harness(method, level);
        let opened: Vec<ClientPdu> = rest
            .iter()
            .map(|f| {
                reader
                    .open_client(f)
                    .unwrap_or_else(|| panic!("{method:?}: {f:02x?}"))
            })
            .collect();
        assert_eq!(opened.len(), 6, "{method:?}");
        assert_eq!(opened[0].flags, SEC_INFO_PKT | SEC_ENCRYPT);
        // TS_INFO_PACKET starts with CodePage, then flags with INFO_UNICODE (0x10).
        assert_ne!(
            u32::from_le_bytes(opened[0].plaintext[4..8].try_into().unwrap()) & 0x10,
            0
        );
        assert!(opened[1..].iter().all(|p| p.flags == SEC_ENCRYPT));
        // Confirm Active: TS_SHARECONTROLHEADER pduType 0x13 (PDUTYPE_CONFIRMACTIVEPDU | version).
        assert_eq!(opened[1].plaintext[2], 0x13);
    }
}

#[test]
fn the_security_exchange_has_the_spec_layout() {
    let mut server = EncryptedServer::for_harness(EncryptionMethod::Bits128, LEVEL_HIGH);
    let t = run(server.healthy().unwrap());
    let frames = after_channel_joins(&t);
    let exchange = frames[0];
    // [MS-RDPBCGR] 4.1.9: flags SEC_EXCHANGE_PKT | SEC_LICENSE_ENCRYPT_SC, length = modulus + 8.
    let user_data = &exchange[exchange.len() - (4 + 4 + 64 + 8)..];
    let flags = u16::from_le_bytes([user_data[0], user_data[1]]);
    assert_eq!(flags, SEC_EXCHANGE_PKT | SEC_LICENSE_ENCRYPT);
    assert_eq!(u32::from_le_bytes(user_data[4..8].try_into().unwrap()), 72);
    assert_eq!(&user_data[user_data.len() - 8..], &[0; 8]);
}

#[test]
fn salted_macs_from_the_server_are_verified() {
    let mut server = EncryptedServer::for_harness(EncryptionMethod::Bits128, LEVEL_HIGH);
    server.mac = MacForm::Salted;
    let t = run(server.healthy().unwrap());
    assert_eq!(t.report.verdict_kind(), VerdictKind::Connected);
    let traffic = t
        .report
        .server
        .standard_security
        .as_ref()
        .unwrap()
        .traffic
        .unwrap();
    assert_eq!(traffic.salted_macs_received, 6);
    // The probe still sends the plain MAC, as the Windows client does.
    assert_eq!(traffic.mac_sent, MacForm::Plain);
}

/// The healthy script up to licensing, then these server PDUs (licensing or not) sealed in order.
fn then_sealed(server: &mut EncryptedServer, plain: &[(Vec<u8>, bool)]) -> Vec<Event> {
    let mut events = server.to_licensing();
    events.extend(
        plain
            .iter()
            .map(|(f, licensing)| Event::Frame(server.seal_frame(f, *licensing))),
    );
    events
}

#[test]
fn a_bad_server_mac_is_a_decryption_error() {
    for (method, level) in [
        (EncryptionMethod::Bits128, LEVEL_HIGH),
        (EncryptionMethod::Fips, LEVEL_FIPS),
    ] {
        let mut server = EncryptedServer::for_harness(method, level);
        let mut events = then_sealed(&mut server, &[(server::license_valid_client(), true)]);
        // Flip one bit of the license PDU's dataSignature (after the security header's flags, and the
        // FIPS information under FIPS).
        let Some(Event::Frame(license)) = events.last_mut() else {
            unreachable!()
        };
        let mac_at = license.len() - 16 - 8;
        license[mac_at] ^= 0x01;
        let t = run(events);
        assert_eq!(
            failure_of(&t.report),
            (
                Phase::Licensing,
                CodeSpace::StandardSecurity,
                6,
                "decryption_error",
                (0xC06, 0)
            ),
            "{method:?}"
        );
        assert_eq!(t.report.failure().unwrap().kind, "standard_security");
        let detail = serde_json::to_value(&t.report).unwrap()["failure"]["detail"].clone();
        assert_eq!(detail["type"], "mac", "{detail:#}");
        assert_eq!(detail["form"], "plain");
    }
}

#[test]
fn a_garbled_fips_pdu_cannot_be_decrypted() {
    let mut server = EncryptedServer::for_harness(EncryptionMethod::Fips, LEVEL_FIPS);
    let mut events = then_sealed(&mut server, &[(server::license_valid_client(), true)]);
    let Some(Event::Frame(license)) = events.last_mut() else {
        unreachable!()
    };
    // Cut three bytes of ciphertext: no longer whole 3DES blocks. Fix the TPKT and PER lengths.
    license.truncate(license.len() - 3);
    let len = u16::try_from(license.len()).unwrap();
    license[2..4].copy_from_slice(&len.to_be_bytes());
    let per_at = 13; // TPKT 4, X.224 3, MCS choice/initiator/channel/priority 6
    license[per_at] -= 3;
    let t = run(events);
    assert_eq!(
        failure_of(&t.report),
        (
            Phase::Licensing,
            CodeSpace::StandardSecurity,
            7,
            "decryption_error",
            (0xC06, 0)
        )
    );
}

#[test]
fn an_unencrypted_pdu_at_high_level_is_refused() {
    let mut server = EncryptedServer::for_harness(EncryptionMethod::Bits128, LEVEL_HIGH);
    let mut events = then_sealed(&mut server, &[(server::license_valid_client(), true)]);
    // The Demand Active with only a basic security header.
    let demand = server::demand_active().unwrap();
    let user_data = &demand[demand.len() - (demand.len() - 15)..];
    events.push(Event::Frame(
        rdp_probe_wire::mcs::send_data_indication_frame(
            server::USER_CHANNEL,
            server::IO_CHANNEL,
            &rdp_probe_wire::security::secured(0, None, user_data),
        ),
    ));
    let t = run(events);
    assert_eq!(
        failure_of(&t.report),
        (
            Phase::Capabilities,
            CodeSpace::StandardSecurity,
            8,
            "decryption_error",
            (0xC06, 0)
        )
    );
}

#[test]
fn an_encrypted_errinfo_in_licensing_is_read() {
    // ERRINFO_SERVER_DENIED_CONNECTION (7) and a close: the "0x904 / 0x7" admins see. At client
    // compatible level the Set Error Info is encrypted; the probe must decrypt it to report it.
    let mut server =
        EncryptedServer::for_harness(EncryptionMethod::Bits128, LEVEL_CLIENT_COMPATIBLE);
    let mut events = then_sealed(&mut server, &[(server::errinfo(7), false)]);
    events.push(Event::Close);
    let t = run(events);
    let (phase, space, value, _, pair) = failure_of(&t.report);
    assert_eq!(
        (phase, space, value),
        (Phase::Licensing, CodeSpace::Errinfo, 7)
    );
    assert_eq!(pair, (0x904, 7));
    assert_eq!(t.report.server.errinfo_received.len(), 1);
}

fn server_data_failure(
    connect_response: Vec<u8>,
) -> (Phase, CodeSpace, u32, &'static str, (u32, u32)) {
    let t = run(vec![
        Event::Frame(server::confirm(PROTOCOL_RDP)),
        Event::Frame(connect_response),
    ]);
    let f = failure_of(&t.report);
    // Nothing derived from the client random left the probe.
    assert!(after_channel_joins(&t).is_empty());
    f
}

fn lab_certificate() -> Vec<u8> {
    proprietary_certificate(&lab_server_key().public_key(), false)
}

#[test]
fn broken_server_security_data_is_refused_before_the_exchange() {
    let random = SERVER_RANDOM.to_vec();
    let cases = [
        // FIPS level with an RC4 method: 0x606.
        (
            standard::connect_response_with(0x02, LEVEL_FIPS, random.clone(), lab_certificate()),
            (1, "server_security_data_invalid", 0x606),
        ),
        // A server random of 16 bytes: 0x606.
        (
            standard::connect_response_with(0x02, LEVEL_HIGH, vec![7; 16], lab_certificate()),
            (1, "server_security_data_invalid", 0x606),
        ),
        // An unknown method (0x04): 0x506.
        (
            standard::connect_response_with(0x04, LEVEL_HIGH, random.clone(), lab_certificate()),
            (2, "encryption_method_invalid", 0x506),
        ),
        // A certificate that is not one: 0x706.
        (
            standard::connect_response_with(0x02, LEVEL_HIGH, random.clone(), vec![9, 0, 0, 0, 1]),
            (3, "server_certificate_unpack_failed", 0x706),
        ),
    ];
    for (response, (value, rule, reason)) in cases {
        assert_eq!(
            server_data_failure(response),
            (
                Phase::BasicSettings,
                CodeSpace::StandardSecurity,
                value,
                rule,
                (reason, 0)
            )
        );
    }
}

#[test]
fn a_certificate_with_a_bad_signature_is_refused() {
    let mut cert = lab_certificate();
    let last = cert.len() - 9; // the signature's last byte before its 8 zero bytes
    cert[last] ^= 0x40;
    let t = run(vec![
        Event::Frame(server::confirm(PROTOCOL_RDP)),
        Event::Frame(standard::connect_response_with(
            0x02,
            LEVEL_HIGH,
            SERVER_RANDOM.to_vec(),
            cert,
        )),
    ]);
    assert_eq!(
        failure_of(&t.report),
        (
            Phase::BasicSettings,
            CodeSpace::StandardSecurity,
            4,
            "server_certificate_unpack_failed",
            (0x706, 0)
        )
    );
    let sec = t.report.server.standard_security.as_ref().unwrap();
    assert_eq!(sec.certificate_signature, Some(SignatureCheck::Invalid));
}
