use super::*;
use crate::test_util::check_table;
use std::collections::HashSet;

/// One representative trigger per rule (every rule must appear).
fn samples() -> Vec<(Trigger, &'static str)> {
    vec![
        (Trigger::DnsLookupFailed, "dns_lookup_failed"),
        (Trigger::ConnectRefused, "tcp_connect_refused"),
        (Trigger::ConnectFailed, "tcp_connect_failed"),
        (Trigger::ConnectTimedOut, "tcp_connect_timed_out"),
        (Trigger::SendFailed, "send_failed"),
        (Trigger::ConnectionReset, "connection_reset"),
        (Trigger::PeerClosed, "peer_closed"),
        (Trigger::X224Disconnect(0), "peer_closed"),
        (Trigger::X224Disconnect(0x88), "peer_closed"),
        (Trigger::ReadTimedOut, "read_timed_out"),
        (Trigger::NotRdp, "not_rdp"),
        (
            Trigger::NegotiationFailure(5),
            "negotiation_hybrid_required",
        ),
        (Trigger::NegotiationFailure(1), "negotiation_failure"),
        (Trigger::NegotiationFailure(2), "negotiation_failure"),
        (Trigger::NegotiationFailure(3), "negotiation_failure"),
        (Trigger::NegotiationFailure(0xDEAD), "negotiation_failure"),
        (Trigger::TlsHandshakeFailed, "tls_handshake_failed"),
        (Trigger::CertificateExpired, "certificate_expired"),
        (Trigger::CertificateRejected, "certificate_rejected"),
        (Trigger::Ntstatus(0xC000_006D), "ntstatus_logon_failure"),
        (Trigger::Ntstatus(0xC000_006A), "ntstatus_logon_failure"),
        (Trigger::Ntstatus(0xC000_0064), "ntstatus_no_such_user"),
        (Trigger::Ntstatus(0xC000_0072), "ntstatus_account_disabled"),
        (
            Trigger::Ntstatus(0xC000_006E),
            "ntstatus_account_restriction",
        ),
        (
            Trigger::Ntstatus(0xC000_006F),
            "ntstatus_account_restriction",
        ),
        (
            Trigger::Ntstatus(0xC000_0070),
            "ntstatus_account_restriction",
        ),
        (
            Trigger::Ntstatus(0xC000_0234),
            "ntstatus_account_locked_out",
        ),
        (Trigger::Ntstatus(0xC000_0193), "ntstatus_account_expired"),
        (Trigger::Ntstatus(0xC000_0071), "ntstatus_password_expired"),
        (
            Trigger::Ntstatus(0xC000_0224),
            "ntstatus_password_must_change",
        ),
        (Trigger::Ntstatus(0xC000_005E), "ntstatus_no_logon_servers"),
        (Trigger::Ntstatus(0xC000_015B), "ntstatus_other"),
        (Trigger::Ntstatus(0x1234_5678), "ntstatus_other"),
        (Trigger::CredsspFailed, "credssp_failed"),
        (Trigger::KerberosError(24), "kerberos_preauth_failed"),
        (Trigger::KerberosError(6), "kerberos_client_unknown"),
        (Trigger::KerberosError(18), "kerberos_client_revoked"),
        (Trigger::KerberosError(23), "kerberos_password_expired"),
        (Trigger::KerberosError(37), "kerberos_clock_skew"),
        (Trigger::KerberosError(7), "kerberos_service_unknown"),
        (Trigger::KerberosError(0), "kerberos_other"),
        (Trigger::KerberosError(14), "kerberos_other"),
        (Trigger::KerberosError(25), "kerberos_other"),
        (Trigger::KerberosError(41), "kerberos_other"),
        (Trigger::KerberosError(60), "kerberos_other"),
        (Trigger::KerberosError(0xFFFF_FFFF), "kerberos_other"),
        (Trigger::KdcUnreachable, "kdc_unreachable"),
        (Trigger::EarlyUserAuthDenied, "early_user_auth_denied"),
        (Trigger::LicenseError(0x0C), "license_error"),
        (Trigger::LicensingTimedOut, "licensing_timed_out"),
        (Trigger::McsDisconnect(1), "mcs_disconnect"),
        (
            Trigger::ServerSecurityDataInvalid,
            "server_security_data_invalid",
        ),
        (
            Trigger::EncryptionMethodInvalid,
            "encryption_method_invalid",
        ),
        (
            Trigger::ServerCertificateUnpackFailed,
            "server_certificate_unpack_failed",
        ),
        (Trigger::EncryptionFailed, "encryption_error"),
        (Trigger::DecryptionFailed, "decryption_error"),
        (Trigger::ProtocolError, "protocol_error"),
    ]
}

/// The default extended reason a rule gives when no errinfo was received.
fn default_ext(trigger: Trigger) -> u32 {
    match trigger {
        Trigger::EarlyUserAuthDenied => 9,
        Trigger::LicenseError(c) => license::related_errinfo(c).unwrap_or(0),
        _ => 0,
    }
}

#[test]
fn disconnect_reasons_table() {
    assert_eq!(DISCONNECT_REASONS.len(), 47);
    check_table(DISCONNECT_REASONS, |n| {
        n.starts_with("disconnectReason") || n.starts_with("SSL_ERR_")
    });
    for e in DISCONNECT_REASONS {
        assert_eq!(e.source, SRC_DISC);
        assert!(!e.derived);
        // SSL_ERR_* codes are exactly the class-0x07 ones.
        assert_eq!(
            e.name.starts_with("SSL_ERR_"),
            e.value & 0xFF == 0x07,
            "{}",
            e.name
        );
    }
}

#[test]
fn extended_reasons_table() {
    check_table(EXTENDED_REASONS, |n| n.starts_with("exDiscReason"));
    for v in (0..=12).chain(0x100..=0x10B).chain([0x300, 0x1000, 0x7FFF]) {
        assert!(lookup_extended(v).is_some(), "{v:#x}");
    }
    let derived: Vec<u32> = EXTENDED_REASONS
        .iter()
        .filter(|e| e.derived)
        .map(|e| e.value)
        .collect();
    assert_eq!(derived, vec![25, 26]);
    // Values 1..=12 and 0x100..=0x10A coincide with ERRINFO (0 is NONE in both; 8 has no ERRINFO row).
    for v in (1..=12).chain(0x100..=0x10A) {
        if v == 8 {
            continue;
        }
        assert!(crate::find(errinfo::TABLE, v).is_some(), "{v:#x}");
    }
}

#[test]
fn user_reported_table() {
    check_table(USER_REPORTED, |n| n.starts_with("UNDOCUMENTED_0x"));
    for e in USER_REPORTED {
        assert!(e.derived);
        assert!(e.source.starts_with("derived: "));
        assert!(
            lookup_disconnect(e.value).is_none(),
            "{:#x} is documented",
            e.value
        );
        assert!(e.name.ends_with(&format!("{:X}", e.value)));
    }
}

#[test]
fn rules_are_well_formed() {
    let mut ids = HashSet::new();
    for r in RULES {
        assert!(ids.insert(r.id), "duplicate rule {}", r.id);
        assert!(!r.trigger.is_empty());
        assert!(!r.source.is_empty() && !r.why.is_empty() && !r.check.is_empty());
        assert!(!r.phases.is_empty());
        assert!(r.phases.is_sorted(), "{}: phases out of order", r.id);
        assert!(!r.documented, "{} claims documentation", r.id);
        assert_eq!(
            r.code_documented,
            lookup_disconnect(r.disconnect_reason).is_some(),
            "{}",
            r.id
        );
        if !r.code_documented {
            assert!(
                crate::find(USER_REPORTED, r.disconnect_reason).is_some(),
                "{}",
                r.id
            );
        }
        assert_eq!(rule(r.id), Some(r));
    }
}

#[test]
fn every_rule_has_a_sample_and_derive_matches_it() {
    let samples = samples();
    let covered: HashSet<&str> = samples.iter().map(|(_, id)| *id).collect();
    for r in RULES {
        assert!(
            covered.contains(r.id),
            "rule {} has no sample trigger",
            r.id
        );
    }
    for (trigger, id) in samples {
        let r = rule(id).expect("rule exists");
        assert_eq!(rule_for(trigger).id, id, "{trigger:?}");
        let pair = derive(trigger, None);
        assert_eq!(pair.rule, id);
        assert_eq!(pair.disconnect_reason, r.disconnect_reason, "{id}");
        assert_eq!(pair.extended_reason, default_ext(trigger), "{id}");
        assert!(pair.derived, "{id}");
        assert_eq!(
            pair.text,
            mstsc_text(pair.disconnect_reason, pair.extended_reason)
        );
        // Rules whose extended reason is "last errinfo" pass a received value through.
        let with = derive(trigger, Some(0x10C9));
        if r.extended.uses_last_errinfo() {
            assert_eq!(with.extended_reason, 0x10C9, "{id}");
        } else {
            assert_eq!(with.extended_reason, pair.extended_reason, "{id}");
        }
    }
}

#[test]
fn peer_closed_is_904_plus_last_errinfo() {
    let p = derive(Trigger::PeerClosed, Some(7));
    assert_eq!((p.disconnect_reason, p.extended_reason), (0x904, 0x7));
    assert_eq!(
        p.text,
        "Socket closed (0x904); The server denied the connection (0x7)"
    );
    assert!(p.derived);
    let p = derive(Trigger::PeerClosed, None);
    assert_eq!((p.disconnect_reason, p.extended_reason), (0x904, 0));
    assert_eq!(
        p.text,
        "Socket closed (0x904); No additional information (0x0)"
    );
}

#[test]
fn ntstatus_to_ssl_err() {
    let table = [
        (0xC000_006D, 0x807),
        (0xC000_006A, 0x807),
        (0xC000_0064, 0xA07),
        (0xC000_0072, 0xB07),
        (0xC000_006E, 0xC07),
        (0xC000_0234, 0xD07),
        (0xC000_0193, 0xE07),
        (0xC000_0071, 0xF07),
        (0xC000_0224, 0x1207),
        (0xC000_005E, 0x1807),
        (0xC000_0022, 0x807),
    ];
    for (status, disc) in table {
        assert_eq!(ssl_err_for_ntstatus(status), disc, "{status:#x}");
        let p = derive(Trigger::Ntstatus(status), Some(7));
        assert_eq!((p.disconnect_reason, p.extended_reason), (disc, 0));
        assert!(lookup_disconnect(disc).is_some_and(|e| e.name.starts_with("SSL_ERR_")));
    }
}

#[test]
fn kerberos_to_ssl_err() {
    let pair = |t| {
        let p = derive(t, Some(7));
        (p.disconnect_reason, p.extended_reason)
    };
    let table = [
        (24, 0x807),
        (6, 0xA07),
        (18, 0xB07),
        (23, 0xF07),
        (37, 0x807),
        (7, 0x1807),
        (8, 0x807),
        (12, 0x807),
        (14, 0x807),
        (25, 0x807),
    ];
    for (code, disc) in table {
        assert_eq!(pair(Trigger::KerberosError(code)), (disc, 0), "{code}");
        assert!(lookup_disconnect(disc).is_some_and(|e| e.name.starts_with("SSL_ERR_")));
    }
    assert_eq!(pair(Trigger::KdcUnreachable), (0x1807, 0));
    // An unreachable KDC gives the pair of a server that cannot reach a domain controller.
    assert_eq!(
        pair(Trigger::KdcUnreachable),
        pair(Trigger::Ntstatus(0xC000_005E))
    );
    // Wherever a KRB error has a corresponding NTSTATUS, the Kerberos rule gives that NTSTATUS's
    // pair: the chain KRB error -> NTSTATUS -> SSL_ERR_* holds for every code.
    for code in (0..=128).chain([0xFFFF_FFFF]) {
        if let Some(status) = crate::kerberos::related_ntstatus(code) {
            assert_eq!(
                rule_for(Trigger::KerberosError(code)).disconnect_reason,
                ssl_err_for_ntstatus(status),
                "{code}"
            );
        }
    }
    for r in RULES
        .iter()
        .filter(|r| r.id.starts_with("kerberos_") || r.id.starts_with("kdc_"))
    {
        assert_eq!(r.phases, &[crate::Phase::Credssp], "{}", r.id);
        assert_eq!(r.extended, Extended::Fixed(0), "{}", r.id);
        assert!(
            r.why.contains("derived") || r.id == "kerberos_other",
            "{}",
            r.id
        );
    }
}

#[test]
fn license_pairs() {
    let p = derive(Trigger::LicenseError(6), None);
    assert_eq!((p.disconnect_reason, p.extended_reason), (0x808, 0x101));
    let p = derive(Trigger::LicenseError(6), Some(0x102));
    assert_eq!(p.extended_reason, 0x102);
    let p = derive(Trigger::LicenseError(7), None);
    assert_eq!(p.extended_reason, 0);
    let p = derive(Trigger::LicensingTimedOut, None);
    assert_eq!((p.disconnect_reason, p.extended_reason), (0x908, 0));
}

#[test]
fn specific_pairs() {
    let pair = |t, e| {
        let p = derive(t, e);
        (p.disconnect_reason, p.extended_reason)
    };
    assert_eq!(pair(Trigger::EarlyUserAuthDenied, None), (0x904, 9));
    assert_eq!(pair(Trigger::McsDisconnect(1), Some(0xC)), (0x3, 0xC));
    assert_eq!(pair(Trigger::CertificateExpired, None), (0x1B07, 0));
    assert_eq!(pair(Trigger::NegotiationFailure(5), None), (0xB09, 0));
    assert_eq!(pair(Trigger::ServerSecurityDataInvalid, None), (0x606, 0));
    assert_eq!(pair(Trigger::EncryptionMethodInvalid, None), (0x506, 0));
    assert_eq!(pair(Trigger::EncryptionFailed, None), (0xB06, 0));
    assert_eq!(pair(Trigger::DecryptionFailed, None), (0xC06, 0));
    assert_eq!(pair(Trigger::ConnectRefused, None), (0x204, 0));
    assert_eq!(pair(Trigger::ConnectTimedOut, None), (0x108, 0));
    assert_eq!(pair(Trigger::ReadTimedOut, None), (0x704, 0));
    assert_eq!(pair(Trigger::ConnectionReset, None), (0x404, 0));
    assert_eq!(pair(Trigger::DnsLookupFailed, None), (0x104, 0));
}

#[test]
fn pair_serializes() {
    let v = serde_json::to_value(derive(Trigger::PeerClosed, Some(7))).expect("json");
    assert_eq!(v["disconnect_reason"], 0x904);
    assert_eq!(v["extended_reason"], 7);
    assert_eq!(v["derived"], true);
    assert_eq!(v["rule"], "peer_closed");
}

#[test]
fn extended_text() {
    assert_eq!(
        extended_reason_text(7).as_deref(),
        Some("The server denied the connection")
    );
    assert!(
        extended_reason_text(0x10C9).is_some_and(|t| t.contains("ERRINFO_UNKNOWN_DATA_PDU_TYPE"))
    );
    assert!(
        extended_reason_text(0x400).is_some_and(|t| t.contains("ERRINFO_CB_DESTINATION_NOT_FOUND"))
    );
    assert!(extended_reason_text(0x2000).is_some_and(|t| t.contains("0x1000-0x7FFF")));
    assert_eq!(extended_reason_text(0x9000), None);
    assert_eq!(extended_reason_text(0xBEEF), None);
}

#[test]
fn explain_904_7() {
    let e = explain(0x904, 0x7);
    assert_eq!(
        e.disconnect.map(|d| d.name),
        Some("disconnectReasonAtClientWinsockFDCLOSE")
    );
    assert_eq!(
        e.extended_errinfo.map(|d| d.name),
        Some("ERRINFO_SERVER_DENIED_CONNECTION")
    );
    assert_eq!(e.class, 0x04);
    assert!(e.rules.iter().any(|r| r.id == "peer_closed"));
    let text = e.to_string();
    let lower = text.to_lowercase();
    assert!(lower.contains("socket closed"), "{text}");
    assert!(lower.contains("server denied"), "{text}");
    assert!(text.contains("ERRINFO_SERVER_DENIED_CONNECTION"), "{text}");
    for phase in [
        "x224",
        "tls",
        "credssp",
        "secure_settings",
        "licensing",
        "finalization",
    ] {
        assert!(text.contains(phase), "missing phase {phase}: {text}");
    }
    assert!(lower.contains("event log"), "{text}");
}

#[test]
fn explain_unknown_class_07() {
    let e = explain(0x2407, 0);
    assert!(e.disconnect.is_none());
    assert_eq!(e.class, 0x07);
    assert!(e.rules.is_empty());
    let text = e.to_string();
    assert!(text.contains("undocumented"), "{text}");
    assert!(
        text.contains("class 07") || text.contains("class 0x07"),
        "{text}"
    );
    assert!(text.contains("SSL_ERR"), "{text}");
}

#[test]
fn explain_user_reported_and_unknowns() {
    let e = explain(0x1104, 0);
    assert!(e.disconnect.is_some_and(|d| d.derived));
    assert!(e.rules.iter().any(|r| r.id == "not_rdp"));
    let text = e.to_string();
    assert!(
        text.contains("undocumented") && text.contains("rdpwrap#363"),
        "{text}"
    );

    let text = explain(0xB09, 0).to_string();
    assert!(text.contains("Network Level Authentication"), "{text}");

    let e = explain(0x807, 0xBEEF);
    assert!(e.extended_text.is_none());
    assert!(e.to_string().contains("undocumented extended reason"));

    let e = explain(0x3, 0xC);
    assert!(e.to_string().contains("ERRINFO_LOGOFF_BY_USER"));

    let e = explain(0x904, 0x300);
    assert!(
        e.notes
            .iter()
            .any(|n| n.contains("generated by the client"))
    );

    let e = explain(0x904, 0x2222);
    assert!(
        e.notes
            .iter()
            .any(|n| n.contains("internal protocol error range"))
    );

    let e = explain(0x55, 0);
    assert!(e.to_string().contains("not a documented class"));
}

#[test]
fn explanation_serializes() {
    let v = serde_json::to_value(explain(0x904, 7)).expect("json");
    assert_eq!(v["disconnect_reason"], 0x904);
    assert_eq!(
        v["disconnect"]["name"],
        "disconnectReasonAtClientWinsockFDCLOSE"
    );
}

#[test]
fn markdown() {
    let md = markdown_table();
    let lines: Vec<&str> = md.lines().collect();
    assert_eq!(lines.len(), RULES.len() + 2);
    assert!(lines[0].starts_with(
        "| rule | trigger | phases | disconnect | extended | documented/derived | source |"
    ));
    assert!(md.contains("| peer_closed |"));
    assert!(md.contains("0x904 disconnectReasonAtClientWinsockFDCLOSE"));
    assert!(md.contains("0x1104 (undocumented, user-reported)"));
    let cols = lines[0].matches('|').count();
    for l in &lines[2..] {
        assert_eq!(
            l.matches('|').count() - l.matches("\\|").count(),
            cols,
            "{l}"
        );
    }
}

#[test]
fn explain_narrows_rules_by_extended_reason() {
    let ids = |d, e| explain(d, e).rules.iter().map(|r| r.id).collect::<Vec<_>>();
    assert_eq!(ids(0x904, 7), vec!["peer_closed"]);
    assert_eq!(ids(0x904, 9), vec!["peer_closed", "early_user_auth_denied"]);
    // No rule gives 0x807 with an extended reason: fall back to all producers.
    assert_eq!(
        ids(0x807, 5),
        vec![
            "ntstatus_logon_failure",
            "ntstatus_other",
            "kerberos_preauth_failed",
            "kerberos_clock_skew",
            "kerberos_other",
            "credssp_failed"
        ]
    );
    assert_eq!(
        ids(0x1807, 0),
        vec![
            "ntstatus_no_logon_servers",
            "kerberos_service_unknown",
            "kdc_unreachable"
        ]
    );
    assert!(
        explain(0x3, 0xC)
            .notes
            .iter()
            .any(|n| n.contains("not a connection failure"))
    );
    assert!(explain(0x904, 0).extended_errinfo.is_none());
}

#[test]
fn extended_prose_is_the_mapping_table_column() {
    assert_eq!(Extended::Fixed(0).to_string(), "0");
    assert_eq!(Extended::Fixed(9).to_string(), "9");
    assert_eq!(
        Extended::LastErrinfoElse(0).to_string(),
        "last errinfo, else 0"
    );
    assert!(
        Extended::LastErrinfoElseLicensing
            .to_string()
            .starts_with("last errinfo, else the licensing ERRINFO")
    );
    let v = serde_json::to_value(rule("peer_closed").expect("rule")).expect("json");
    assert_eq!(v["extended"], "last errinfo, else 0");
    assert_eq!(v["phases"][0], "x224");
    assert!(Extended::Fixed(9).can_give(9) && !Extended::Fixed(9).can_give(7));
    assert!(Extended::LastErrinfoElse(0).can_give(0x10C9));
}

#[test]
fn x224_disconnect_is_a_peer_close() {
    for last in [None, Some(7)] {
        let dr = derive(Trigger::X224Disconnect(2), last);
        assert_eq!(dr, derive(Trigger::PeerClosed, last));
        assert!(dr.derived);
    }
}
