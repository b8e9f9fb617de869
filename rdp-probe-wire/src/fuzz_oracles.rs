//! Oracle functions shared by the `fuzz/` targets, the proptest suite and the
//! regression replay test: each feeds arbitrary bytes to one decoder family and checks
//! invariants that must hold for every input. They panic only if a decoder breaks one
//! of those invariants (which is the bug a fuzzer should report).
//!
//! Where an encoder exists the oracle checks a round trip, as IronRDP's oracles do:
//! whatever decodes is encoded again and must decode to the same value. Invariants that
//! hold by construction (a 3-bit field below 8, a borrowed sub-slice no longer than its
//! source, a capped list within its cap) are not checked: they cannot fail.

use crate::frame::{self, FrameLen};
use crate::share::{IoContext, IoPhase};
use crate::{credssp, licensing, mcs, ntlm, redirection, security, share, tls, x224};

fn check_frame_len(buf: &[u8], r: FrameLen) {
    match r {
        FrameLen::Complete(n) => {
            assert!(n <= buf.len(), "complete frame longer than buffer");
            assert!(n > 0, "empty complete frame");
            assert!(n <= frame::MAX_PDU_LEN.max(credssp::MAX_TS_REQUEST_LEN));
        }
        FrameLen::Incomplete { needed_at_least } => {
            assert!(needed_at_least > buf.len(), "incomplete but enough bytes");
        }
        FrameLen::Invalid(_) => {}
        FrameLen::TooLarge { claimed, max } => {
            assert!(claimed > max, "too large but within the cap")
        }
    }
}

/// Framing and sniffing ([`frame::rdp_frame_len`], [`frame::sniff`]).
pub fn frame_sniff(data: &[u8]) {
    let s = frame::sniff(data);
    let r = frame::rdp_frame_len(data);
    check_frame_len(data, r);
    if let FrameLen::Complete(n) = r {
        assert_eq!(
            frame::rdp_frame_len(data.get(..n).unwrap_or(data)),
            FrameLen::Complete(n)
        );
    }
    if data.is_empty() {
        assert_eq!(s, frame::Sniff::Empty);
    }
}

/// X.224 / TPKT decoding ([`x224::parse_x224`]), plus the Connection Confirm encoder
/// round trip.
pub fn x224(data: &[u8]) {
    if let Ok(x224::X224Pdu::ConnectionConfirm(cc)) = x224::parse_x224(data) {
        let again = x224::connection_confirm(&cc);
        assert_eq!(
            x224::parse_x224(&again),
            Ok(x224::X224Pdu::ConnectionConfirm(cc))
        );
    }
}

/// MCS domain PDUs ([`mcs::parse_domain_pdu`]): every PDU with an encoder
/// (Disconnect Provider Ultimatum, Attach User Confirm, Channel Join Confirm, Send Data
/// Request and Indication) round-trips through it.
pub fn mcs_domain(data: &[u8]) {
    let Ok(pdu) = mcs::parse_domain_pdu(data) else {
        return;
    };
    let frame = match pdu {
        mcs::McsPdu::DisconnectProviderUltimatum { reason } => {
            mcs::disconnect_provider_ultimatum(reason)
        }
        mcs::McsPdu::AttachUserConfirm { result, initiator } => {
            mcs::attach_user_confirm(result, initiator)
        }
        mcs::McsPdu::ChannelJoinConfirm {
            result,
            initiator,
            requested,
            channel_id,
        } => mcs::channel_join_confirm(result, initiator, requested, channel_id),
        mcs::McsPdu::SendDataIndication {
            initiator,
            channel_id,
            user_data,
        } => mcs::send_data_indication_frame(initiator, channel_id, user_data),
        mcs::McsPdu::SendDataRequest {
            initiator,
            channel_id,
            user_data,
        } => mcs::send_data_request_frame(initiator, channel_id, user_data),
        mcs::McsPdu::Other { .. } => return,
    };
    let Ok(x224::X224Pdu::Data(payload)) = x224::parse_x224(&frame) else {
        panic!("the MCS encoder's frame is not an X.224 Data TPDU");
    };
    assert_eq!(mcs::parse_domain_pdu(payload), Ok(pdu), "MCS round trip");
}

/// MCS Connect Response ([`mcs::parse_connect_response`]), as an X.224 payload and
/// inside a whole frame. No round trip: [`mcs::connect_response_frame`] writes only the
/// blocks a lab server needs, so most decodable responses have no encoding.
pub fn connect_response(data: &[u8]) {
    let _ = mcs::parse_connect_response(data);
    if let Ok(x224::X224Pdu::Data(p)) = x224::parse_x224(data) {
        let _ = mcs::parse_connect_response(p);
    }
}

/// I/O channel classification ([`share::classify_io_payload_in`],
/// [`share::classify_slow_path_frame_in`]) in every context; the two older entry points
/// agree with [`IoPhase::Unknown`].
pub fn io_pdu(data: &[u8]) {
    for security_header in [false, true] {
        for phase in [
            IoPhase::Licensing,
            IoPhase::AfterLicensing,
            IoPhase::Unknown,
        ] {
            let ctx = IoContext {
                security_header,
                phase,
            };
            let _ = share::classify_io_payload_in(data, ctx);
            let _ = share::classify_slow_path_frame_in(data, ctx);
        }
        let unknown = IoContext {
            security_header,
            phase: IoPhase::Unknown,
        };
        assert_eq!(
            share::classify_io_payload(data, security_header),
            share::classify_io_payload_in(data, unknown)
        );
        assert_eq!(
            share::classify_slow_path_frame(data, security_header),
            share::classify_slow_path_frame_in(data, unknown)
        );
    }
}

/// Server Redirection Packet ([`redirection::parse_server_redirection_packet`]): what
/// decodes round-trips through [`redirection::server_redirection_packet`], and through
/// both frame encoders and the classifier.
pub fn server_redirection(data: &[u8]) {
    let Ok(r) = redirection::parse_server_redirection_packet(data) else {
        return;
    };
    let packet = redirection::server_redirection_packet(&r);
    assert_eq!(
        redirection::parse_server_redirection_packet(&packet).as_ref(),
        Ok(&r),
        "packet round trip"
    );
    // The frame encoders cap the user data at 16383 bytes (a PER length).
    const MAX_FRAMED_PACKET: usize = 0x3fff - 16;
    if packet.len() > MAX_FRAMED_PACKET {
        return;
    }
    let enhanced =
        redirection::enhanced_redirection_frame(1002, 1003, share::PDUTYPE_SERVER_REDIR_PKT, &r);
    let standard = redirection::standard_redirection_frame(1002, 1003, &r);
    for (frame, ctx) in [
        (enhanced, IoContext::default()),
        (
            standard,
            IoContext {
                security_header: true,
                phase: IoPhase::AfterLicensing,
            },
        ),
    ] {
        match share::classify_slow_path_frame_in(&frame, ctx) {
            Ok(share::SlowPath::Io {
                pdu: share::IoPdu::Redirection { packet, .. },
                ..
            }) => assert_eq!(packet.as_deref(), Ok(&r), "frame round trip"),
            other => panic!("a redirection frame classified as {other:?}"),
        }
    }
}

/// CredSSP ([`credssp::ts_request_len`], [`credssp::parse_ts_request`],
/// [`credssp::parse_early_user_auth_result`]).
pub fn ts_request(data: &[u8]) {
    let r = credssp::ts_request_len(data);
    check_frame_len(data, r);
    let _ = credssp::parse_early_user_auth_result(data);
    let Ok(info) = credssp::parse_ts_request(data) else {
        return;
    };
    // Round trips through the two encoders: version and negoToken; version and errorCode.
    if let Some(token) = info.nego_token {
        let again = credssp::encode_ts_request_negotiate(info.version, token);
        assert_eq!(
            credssp::ts_request_len(&again),
            FrameLen::Complete(again.len())
        );
        let decoded = credssp::parse_ts_request(&again).map(|i| (i.version, i.nego_token));
        assert_eq!(
            decoded,
            Ok((info.version, Some(token))),
            "negotiate round trip"
        );
    }
    if let Some(code) = info.error_code {
        let again = credssp::encode_ts_request_error(info.version, code);
        let decoded = credssp::parse_ts_request(&again).map(|i| (i.version, i.error_code));
        assert_eq!(decoded, Ok((info.version, Some(code))), "error round trip");
    }
}

/// NTLM CHALLENGE ([`ntlm::parse_challenge`], [`ntlm::find_ntlmssp`]).
pub fn ntlm_challenge(data: &[u8]) {
    if let Ok(c) = ntlm::parse_challenge(data) {
        for s in [
            &c.target_name,
            &c.nb_computer,
            &c.nb_domain,
            &c.dns_computer,
            &c.dns_domain,
            &c.dns_tree,
        ]
        .into_iter()
        .flatten()
        {
            assert!(s.chars().count() <= ntlm::MAX_NAME_CHARS);
        }
    }
    if let Some(inner) = ntlm::find_ntlmssp(data) {
        let _ = ntlm::parse_challenge(inner);
    }
}

/// TLS records ([`tls::record_len`], [`tls::parse_alert_record`],
/// [`tls::parse_server_hello_record`], [`tls::parse_server_hello`]): framing invariants,
/// the two ServerHello decoders agree, and alerts and hellos round-trip through their
/// encoders.
pub fn tls_records(data: &[u8]) {
    let r = tls::record_len(data);
    check_frame_len(data, r);
    if let Some((level, description)) = tls::parse_alert_record(data) {
        assert_eq!(
            tls::parse_alert_record(&tls::alert_record(tls::TLS1_2, level, description)),
            Some((level, description)),
            "alert round trip"
        );
    }
    let hello = tls::parse_server_hello_record(data);
    assert_eq!(
        tls::parse_server_hello(data),
        hello
            .as_ref()
            .ok()
            .map(|h| (h.legacy_version, h.cipher_suite))
    );
    if let Ok(h) = hello {
        assert!(
            !matches!(r, FrameLen::Incomplete { .. } | FrameLen::Invalid(_)),
            "a hello decoded from an incomplete or invalid record"
        );
        let again = tls::encode_server_hello_record(&h);
        assert_eq!(
            tls::parse_server_hello_record(&again),
            Ok(h),
            "hello round trip"
        );
    }
}

/// Client New License Request repair ([`licensing::restore_premaster_length`]): a repaired request is a
/// whole TPKT frame of the length it claims, one to eight bytes longer (one to seven zero bytes, plus
/// one when the PER length outgrows its single byte), and needs no second repair.
pub fn license_request(data: &[u8]) {
    if let Some(fixed) = licensing::restore_premaster_length(data) {
        assert!(
            fixed.len() > data.len() && fixed.len() <= data.len() + 8,
            "grew by 1..=8"
        );
        assert_eq!(
            frame::rdp_frame_len(&fixed),
            FrameLen::Complete(fixed.len()),
            "a whole frame"
        );
        assert_eq!(
            licensing::restore_premaster_length(&fixed),
            None,
            "idempotent"
        );
    }
}

/// Standard RDP Security headers ([`security::parse_secured`], both header forms) and the
/// Security Exchange ([`security::parse_security_exchange`]): what decodes round-trips through
/// the encoders (`flagsHi` aside, which the encoder writes as 0).
pub fn security_header(data: &[u8]) {
    for fips in [false, true] {
        let Ok(s) = security::parse_secured(data, fips) else {
            continue;
        };
        let again = security::secured(s.flags, s.protection.as_ref(), s.body);
        let back = security::parse_secured(&again, fips).expect("the encoder's header decodes");
        assert_eq!(
            (back.flags, back.protection, back.body),
            (s.flags, s.protection, s.body),
            "security header round trip"
        );
    }
    if let Ok(x) = security::parse_security_exchange(data) {
        let again = security::security_exchange(x.flags, x.encrypted_random);
        assert_eq!(
            security::parse_security_exchange(&again),
            Ok(x),
            "security exchange round trip"
        );
    }
}

/// Kerberos replies from a KDC ([`kerberos::strip_tcp_length`](crate::kerberos::strip_tcp_length),
/// [`kerberos::kdc_message_kind`](crate::kerberos::kdc_message_kind),
/// [`kerberos::parse_kdc_reply`](crate::kerberos::parse_kdc_reply),
/// [`kerberos::parse_kdc_message`](crate::kerberos::parse_kdc_message),
/// [`kerberos::parse_krb_error`](crate::kerberos::parse_krb_error)), with the input taken as a
/// TCP record and as a bare message: the decoders agree with each other, a message decodes the
/// same with and without its TCP length (error offsets shifted by the 4 bytes of the length), and
/// what a KRB-ERROR keeps stays within the caps. No round trip: this crate encodes no Kerberos
/// (picky-krb is the encoding oracle of the unit tests).
pub fn kdc_reply(data: &[u8]) {
    use crate::kerberos::{self, KdcMessage, KdcReply};

    fn check(r: &KdcReply, msg: &[u8]) {
        assert!(
            !matches!(
                r,
                KdcReply::Other(KdcMessage::AsRep | KdcMessage::TgsRep | KdcMessage::KrbError)
            ),
            "a reply kind reported as other"
        );
        let KdcReply::Error(e) = r else {
            return;
        };
        assert_eq!(kerberos::parse_krb_error(msg).as_ref(), Ok(&**e));
        for s in e.crealm.iter().chain([&e.realm]) {
            assert!(s.chars().count() <= kerberos::MAX_STRING_CHARS);
        }
        if let Some(t) = &e.e_text {
            assert!(t.chars().count() <= kerberos::MAX_E_TEXT_CHARS);
        }
        assert_eq!(e.cname.is_some(), e.cname_type.is_some());
        for n in e.cname.iter().chain([&e.sname]) {
            assert!(n.len() <= kerberos::MAX_NAME_COMPONENTS);
            assert!(
                n.iter()
                    .all(|c| c.chars().count() <= kerberos::MAX_STRING_CHARS)
            );
        }
        // Years 0000 to 9999.
        for t in [e.ctime, e.stime].into_iter().flatten() {
            assert!((-62_167_219_200..=253_402_300_800).contains(&t), "time {t}");
        }
        if let Some(n) = e.e_data_len {
            assert!(n < msg.len(), "e-data longer than the message");
        }
    }

    // As a TCP record.
    let stripped = kerberos::strip_tcp_length(data);
    if let Ok(msg) = stripped {
        assert_eq!(msg.len() + kerberos::TCP_LENGTH_LEN, data.len());
    }
    if let Ok(r) = kerberos::parse_kdc_reply(data) {
        let Ok(msg) = stripped else {
            panic!("a reply decoded from a record whose length is invalid");
        };
        assert_eq!(kerberos::parse_kdc_message(msg).as_ref(), Ok(&r));
        assert_eq!(kerberos::kdc_message_kind(data), Some(r.message()));
        check(&r, msg);
    }

    // As a bare message (a UDP datagram, or what strip_tcp_length returned).
    let bare = kerberos::parse_kdc_message(data);
    let krb_error = kerberos::parse_krb_error(data);
    match &bare {
        Ok(KdcReply::Error(e)) => assert_eq!(krb_error.as_ref(), Ok(&**e)),
        _ => assert!(krb_error.is_err(), "a KRB-ERROR the reply decoder rejects"),
    }
    let starts_like_a_message = data
        .first()
        .is_some_and(|t| t & 0xe0 == 0x60 && t & 0x1f != 0x1f);
    let kind = kerberos::kdc_message_kind(data);
    if let Ok(r) = &bare {
        assert_eq!(kind, Some(r.message()));
        check(r, data);
    }
    if starts_like_a_message
        && let Some(k) = kind
        && k != KdcMessage::KrbError
    {
        assert_eq!(
            bare.as_ref().map(KdcReply::message),
            Ok(k),
            "a named message that does not decode"
        );
    }

    // The same bytes behind a TCP length.
    let Ok(len) = u32::try_from(data.len()) else {
        return;
    };
    if len & 0x8000_0000 != 0 {
        return;
    }
    let mut tcp = Vec::with_capacity(data.len() + kerberos::TCP_LENGTH_LEN);
    tcp.extend_from_slice(&len.to_be_bytes());
    tcp.extend_from_slice(data);
    assert_eq!(kerberos::strip_tcp_length(&tcp), Ok(data));
    let framed_kind = kerberos::kdc_message_kind(&tcp);
    if starts_like_a_message {
        assert_eq!(framed_kind, kind, "kind differs with the TCP length");
    } else {
        assert_eq!(
            framed_kind, None,
            "a message kind for bytes without a message tag"
        );
    }
    match (kerberos::parse_kdc_reply(&tcp), &bare) {
        (Ok(a), Ok(b)) => assert_eq!(&a, b, "reply differs with the TCP length"),
        (Err(a), Err(b)) => assert_eq!(
            (a.what, a.offset, a.kind),
            (b.what, b.offset + kerberos::TCP_LENGTH_LEN, b.kind),
            "error differs with the TCP length"
        ),
        (a, b) => panic!("with the TCP length {a:?}, without {b:?}"),
    }
}

/// DNS SRV replies ([`dns::parse_srv_response`](crate::dns::parse_srv_response),
/// [`dns::order_srv`](crate::dns::order_srv)) and the query encoder
/// ([`dns::srv_query`](crate::dns::srv_query)):
///
/// * what decodes stays within the caps: at most [`dns::MAX_SRV_RECORDS`](crate::dns::MAX_SRV_RECORDS)
///   records, kept and skipped answers no more than the answer count, targets of printable ASCII
///   in non-empty labels of at most 63 characters, at most 253 characters, without a trailing dot;
/// * a reply decodes the same with bytes appended (unless it has the TC bit, where more bytes may
///   complete a record);
/// * [`dns::order_srv`](crate::dns::order_srv) keeps the non-empty targets, sorted, and is
///   idempotent;
/// * round trip: when the input is a name [`dns::srv_query`](crate::dns::srv_query) accepts, its
///   query with the QR bit set decodes as an empty reply, and with an SRV answer whose owner and
///   target point at the question name, to that name without its trailing dot.
pub fn dns_srv(data: &[u8]) {
    use crate::dns;

    if let Ok(r) = dns::parse_srv_response(data) {
        let answers = data
            .get(6..8)
            .map_or(0, |b| usize::from(u16::from_be_bytes([b[0], b[1]])));
        assert!(r.records.len() <= dns::MAX_SRV_RECORDS);
        assert!(
            r.records.len() + r.other_answers <= answers,
            "more answers than counted"
        );
        if !r.truncated {
            assert_eq!(r.records.len() + r.other_answers, answers, "answers lost");
        }
        for rec in &r.records {
            let t = &rec.target;
            assert!(
                t.len() <= dns::MAX_NAME_LEN - 2,
                "target too long: {}",
                t.len()
            );
            assert!(!t.ends_with('.') && !t.starts_with('.'), "target {t:?}");
            assert!(
                t.is_empty()
                    || t.split('.')
                        .all(|l| !l.is_empty() && l.len() <= dns::MAX_LABEL_LEN),
                "target labels {t:?}"
            );
            assert!(t.bytes().all(|b| b.is_ascii_graphic()), "target {t:?}");
        }
        if !r.truncated {
            let mut longer = data.to_vec();
            longer.extend_from_slice(&[0xc0, 0x0c, 0, 0, 0, 0]);
            assert_eq!(
                dns::parse_srv_response(&longer).as_ref(),
                Ok(&r),
                "trailing bytes"
            );
        }
        let mut ordered = r.records.clone();
        dns::order_srv(&mut ordered);
        assert_eq!(
            ordered.len(),
            r.records.iter().filter(|x| !x.target.is_empty()).count()
        );
        assert!(
            ordered
                .windows(2)
                .all(|w| (w[0].priority, u16::MAX - w[0].weight)
                    <= (w[1].priority, u16::MAX - w[1].weight)),
            "not in order"
        );
        let mut again = ordered.clone();
        dns::order_srv(&mut again);
        assert_eq!(again, ordered, "order_srv is not idempotent");
    }

    let Ok(name) = std::str::from_utf8(data) else {
        return;
    };
    let id = u16::try_from(data.len()).unwrap_or(u16::MAX);
    let Ok(query) = dns::srv_query(id, name) else {
        return;
    };
    let mut reply = query;
    reply[2] |= (dns::FLAG_QR >> 8) as u8;
    let empty = dns::parse_srv_response(&reply).expect("the query as a reply");
    assert_eq!(
        (empty.id, empty.rcode, empty.truncated, empty.records.len()),
        (id, dns::RCODE_NOERROR, false, 0)
    );
    // One SRV answer: owner and target are pointers to the question name at offset 12.
    let header_len = u8::try_from(dns::HEADER_LEN).unwrap_or(u8::MAX);
    let pointer = [0xc0, header_len];
    reply[7] = 1;
    reply.extend_from_slice(&pointer);
    reply.extend_from_slice(&dns::TYPE_SRV.to_be_bytes());
    reply.extend_from_slice(&dns::CLASS_IN.to_be_bytes());
    reply.extend_from_slice(&[0, 0, 0, 60, 0, 8, 0, 1, 0, 2, 0, 3]);
    reply.extend_from_slice(&pointer);
    let decoded = dns::parse_srv_response(&reply).expect("a reply around the query");
    let expected = name.strip_suffix('.').unwrap_or(name);
    assert_eq!(
        decoded.records,
        [dns::SrvRecord {
            priority: 1,
            weight: 2,
            port: 3,
            target: expected.to_owned()
        }],
        "name round trip"
    );
}

/// The server's first flight ([`tls_scan::read_server_flight`](crate::tls_scan::read_server_flight),
/// [`tls_scan::read_server_flight_at_close`](crate::tls_scan::read_server_flight_at_close)):
///
/// * a decision is final: the same bytes with more appended decide the same;
/// * the reading at close agrees with every decision, and otherwise either waits or keeps a
///   ServerHello read whole;
/// * a decoded flight is consistent: the renegotiation and EMS flags follow the extension list,
///   the downgrade sentinel follows the random, TLS 1.3 carries no certificates, at most
///   [`tls_scan::MAX_CERTIFICATES`](crate::tls_scan::MAX_CERTIFICATES) are kept;
/// * round trip: a decoded flight encoded again
///   ([`tls_scan::encode_server_flight`](crate::tls_scan::encode_server_flight)) in records of
///   2^14 bytes, and of 5 bytes when short, reads back the same (when its encoding fits the
///   flight bound).
pub fn tls_flight(data: &[u8]) {
    use crate::tls_scan::{self, Downgrade, FlightProgress};

    let r = tls_scan::read_server_flight(data);
    let closed = tls_scan::read_server_flight_at_close(data);
    if r == FlightProgress::NeedMore {
        assert!(
            matches!(
                closed,
                FlightProgress::NeedMore | FlightProgress::ServerHello(_)
            ),
            "at close: {closed:?}"
        );
    } else {
        assert_eq!(closed, r, "at close");
        let mut longer = data.to_vec();
        longer.extend_from_slice(&tls::alert_record(tls::TLS1_2, 2, 40));
        longer.extend_from_slice(&[22, 3, 3, 0, 4, 14, 0, 0, 0]);
        assert_eq!(tls_scan::read_server_flight(&longer), r, "decision changed");
    }
    let FlightProgress::ServerHello(f) = closed else {
        return;
    };
    assert_eq!(
        f.secure_renegotiation,
        f.extensions.contains(&tls_scan::EXT_RENEGOTIATION_INFO)
    );
    assert_eq!(
        f.extended_master_secret,
        f.extensions.contains(&tls_scan::EXT_EXTENDED_MASTER_SECRET)
    );
    assert_eq!(
        f.selected_version.is_some(),
        f.extensions.contains(&tls_scan::EXT_SUPPORTED_VERSIONS)
    );
    assert_eq!(f.downgrade_sentinel, Downgrade::from_random(&f.random));
    assert!(f.certificates.len() <= tls_scan::MAX_CERTIFICATES);
    if f.negotiated_version() >= tls::TLS1_3 {
        assert!(f.certificates.is_empty(), "certificates in TLS 1.3");
    }
    // Few enough extensions that re-encoding cannot outgrow the extensions block.
    const ROUND_TRIP_MAX_EXTENSIONS: usize = 1024;
    const SHORT: usize = 4096;
    if f.extensions.len() > ROUND_TRIP_MAX_EXTENSIONS {
        return;
    }
    let want = FlightProgress::ServerHello(f.clone());
    let again = tls_scan::encode_server_flight(&f, tls_scan::MAX_PLAINTEXT_FRAGMENT_LEN);
    if again.len() > tls_scan::MAX_FLIGHT_LEN {
        return;
    }
    assert_eq!(tls_scan::read_server_flight(&again), want, "round trip");
    if again.len() <= SHORT {
        let small = tls_scan::encode_server_flight(&f, 5);
        assert_eq!(
            tls_scan::read_server_flight(&small),
            want,
            "round trip in 5-byte records"
        );
    }
}
