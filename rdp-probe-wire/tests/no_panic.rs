//! Property tests: arbitrary bytes into every decoder never panic, and the encoders
//! round-trip through the decoders for arbitrary field values.

use proptest::prelude::*;
use rdp_probe_wire::redirection::{self, ServerRedirection};
use rdp_probe_wire::{credssp, frame, fuzz_oracles, mcs, share, tls, x224};

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..600)
}

/// Bytes that start like the structure under test, so decoding gets past the first tag.
fn prefixed(prefix: &'static [u8]) -> impl Strategy<Value = Vec<u8>> {
    bytes().prop_map(move |mut v| {
        let mut out = prefix.to_vec();
        out.append(&mut v);
        out
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn all_oracles_survive_arbitrary_bytes(data in bytes()) {
        fuzz_oracles::frame_sniff(&data);
        fuzz_oracles::x224(&data);
        fuzz_oracles::mcs_domain(&data);
        fuzz_oracles::connect_response(&data);
        fuzz_oracles::io_pdu(&data);
        fuzz_oracles::ts_request(&data);
        fuzz_oracles::ntlm_challenge(&data);
        fuzz_oracles::tls_records(&data);
        fuzz_oracles::license_request(&data);
        fuzz_oracles::server_redirection(&data);
        fuzz_oracles::security_header(&data);
        fuzz_oracles::tls_flight(&data);
    }

    #[test]
    fn structured_prefixes_survive(
        tpkt in prefixed(&[3, 0]),
        data_tpdu in prefixed(&[3, 0, 0x02, 0x00, 0x02, 0xf0, 0x80]),
        sdi in prefixed(&[0x68, 0x00, 0x01, 0x03, 0xeb, 0x70]),
        connect in prefixed(&[0x7f, 0x66]),
        ts in prefixed(&[0x30]),
        ntlm in prefixed(b"NTLMSSP\0\x02\0\0\0"),
        tls in prefixed(&[0x16, 0x03, 0x03]),
        redir in prefixed(&[0x00, 0x04, 0x00, 0x00]),
        enhanced in prefixed(&[0x03, 0x00, 0x00, 0x00, 0x02, 0xf0, 0x80, 0x68, 0x00, 0x01, 0x03, 0xeb, 0x70, 0x00, 0x00, 0x0a, 0x00, 0xea, 0x03, 0x00, 0x00]),
        license in prefixed(&[0x64, 0x00, 0x06, 0x03, 0xeb, 0x70, 0x81, 0x00, 0x80, 0x00, 0x00, 0x00, 0x13, 0x03]),
    ) {
        fuzz_oracles::x224(&tpkt);
        fuzz_oracles::frame_sniff(&tpkt);
        fuzz_oracles::io_pdu(&data_tpdu);
        fuzz_oracles::mcs_domain(&sdi);
        fuzz_oracles::io_pdu(&sdi[6.min(sdi.len())..]);
        fuzz_oracles::connect_response(&connect);
        fuzz_oracles::ts_request(&ts);
        fuzz_oracles::ntlm_challenge(&ntlm);
        fuzz_oracles::tls_records(&tls);
        fuzz_oracles::server_redirection(&redir);
        fuzz_oracles::io_pdu(&enhanced);
        let mut frame = vec![3, 0, 0, 0, 0x02, 0xf0, 0x80];
        frame.extend_from_slice(&license);
        if let Ok(len) = u16::try_from(frame.len()) {
            frame[2..4].copy_from_slice(&len.to_be_bytes());
        }
        fuzz_oracles::license_request(&frame);
    }

    #[test]
    fn connection_confirm_round_trips(t in any::<u8>(), flags in any::<u8>(), v in any::<u32>()) {
        let cc = match t % 4 {
            0 => x224::ConnectionConfirm::Response { flags, selected_protocol: v },
            1 => x224::ConnectionConfirm::Failure { flags, code: v },
            2 => x224::ConnectionConfirm::NoNegotiationData,
            _ => x224::ConnectionConfirm::UnknownNegotiation { neg_type: t | 0x10, flags, value: v },
        };
        let bytes = x224::connection_confirm(&cc);
        prop_assert_eq!(frame::rdp_frame_len(&bytes), frame::FrameLen::Complete(bytes.len()));
        prop_assert_eq!(x224::parse_x224(&bytes), Ok(x224::X224Pdu::ConnectionConfirm(cc)));
    }

    #[test]
    fn set_error_info_round_trips(user in 1001u16.., io in any::<u16>(), code in any::<u32>()) {
        let f = share::set_error_info_frame(user, io, code);
        prop_assert_eq!(frame::rdp_frame_len(&f), frame::FrameLen::Complete(f.len()));
        prop_assert_eq!(
            share::classify_slow_path_frame(&f, false),
            Ok(share::SlowPath::Io { channel_id: io, pdu: share::IoPdu::SetErrorInfo { error_info: code } })
        );
    }

    #[test]
    fn license_error_round_trips(code in any::<u32>(), st in any::<u32>(), has_sec in any::<bool>()) {
        let f = share::license_error_alert_frame(1002, 1003, code, st);
        prop_assert_eq!(
            share::classify_slow_path_frame(&f, has_sec),
            Ok(share::SlowPath::Io {
                channel_id: 1003,
                pdu: share::IoPdu::LicenseErrorAlert { error_code: code, state_transition: st }
            })
        );
    }

    #[test]
    fn sdi_round_trips(init in 1001u16.., ch in any::<u16>(), data in prop::collection::vec(any::<u8>(), 0..1000)) {
        let f = mcs::send_data_indication_frame(init, ch, &data);
        let x224::X224Pdu::Data(p) = x224::parse_x224(&f).map_err(|e| TestCaseError::fail(e.to_string()))? else {
            return Err(TestCaseError::fail("not data"));
        };
        prop_assert_eq!(
            mcs::parse_domain_pdu(p),
            Ok(mcs::McsPdu::SendDataIndication { initiator: init, channel_id: ch, user_data: &data })
        );
    }

    #[test]
    fn ts_request_round_trips(version in any::<u32>(), token in prop::collection::vec(any::<u8>(), 0..3000)) {
        let req = credssp::encode_ts_request_negotiate(version, &token);
        prop_assert_eq!(credssp::ts_request_len(&req), frame::FrameLen::Complete(req.len()));
        let info = credssp::parse_ts_request(&req).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(info.version, version);
        prop_assert_eq!(info.nego_token, Some(&token[..]));
    }

    #[test]
    fn ts_request_error_code_round_trips(version in any::<u32>(), code in any::<u32>()) {
        let req = credssp::encode_ts_request_error(version, code);
        let info = credssp::parse_ts_request(&req).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(info.error_code, Some(code));
        prop_assert_eq!(info.version, version);
    }

    #[test]
    fn server_redirection_round_trips(
        session_id in any::<u32>(),
        redir_flags in any::<u32>(),
        strings in prop::collection::vec("\\PC{0,40}", 6),
        lens in prop::collection::vec(0usize..300, 3),
        addresses in prop::collection::vec("[0-9a-f:.]{0,39}", 0..20),
    ) {
        let text = |i: usize, flag: u32| (redir_flags & flag != 0).then(|| strings[i].clone());
        let len = |i: usize, flag: u32| (redir_flags & flag != 0).then_some(lens[i]);
        let r = ServerRedirection {
            flags: share::SEC_REDIRECTION_PKT,
            session_id,
            redir_flags,
            target_net_address: text(0, redirection::LB_TARGET_NET_ADDRESS),
            load_balance_info_len: len(0, redirection::LB_LOAD_BALANCE_INFO),
            user_name: text(1, redirection::LB_USERNAME),
            domain: text(2, redirection::LB_DOMAIN),
            password_present: redir_flags & redirection::LB_PASSWORD != 0,
            target_fqdn: text(3, redirection::LB_TARGET_FQDN),
            target_netbios_name: text(4, redirection::LB_TARGET_NETBIOS_NAME),
            tsv_url: text(5, redirection::LB_CLIENT_TSV_URL),
            redirection_guid_len: len(1, redirection::LB_REDIRECTION_GUID),
            target_certificate_len: len(2, redirection::LB_TARGET_CERTIFICATE),
            target_net_addresses: if redir_flags & redirection::LB_TARGET_NET_ADDRESSES != 0 {
                addresses.into_iter().take(redirection::MAX_TARGET_NET_ADDRESSES).collect()
            } else {
                Vec::new()
            },
        };
        let packet = redirection::server_redirection_packet(&r);
        prop_assert_eq!(redirection::parse_server_redirection_packet(&packet), Ok(r.clone()));
        let f = redirection::enhanced_redirection_frame(1002, 1003, share::PDUTYPE_SERVER_REDIR_PKT, &r);
        prop_assert_eq!(frame::rdp_frame_len(&f), frame::FrameLen::Complete(f.len()));
        prop_assert_eq!(
            share::classify_slow_path_frame(&f, false),
            Ok(share::SlowPath::Io {
                channel_id: 1003,
                pdu: share::IoPdu::Redirection {
                    form: share::RedirectionForm::Enhanced { pdu_type: share::PDUTYPE_SERVER_REDIR_PKT },
                    packet: Ok(Box::new(r)),
                },
            })
        );
    }

    #[test]
    fn server_hello_round_trips(
        legacy_version in any::<u16>(),
        cipher_suite in any::<u16>(),
        compression_method in any::<u8>(),
        supported_version in any::<Option<u16>>(),
    ) {
        let h = tls::ServerHello { legacy_version, cipher_suite, compression_method, supported_version };
        let rec = tls::encode_server_hello_record(&h);
        prop_assert_eq!(tls::record_len(&rec), frame::FrameLen::Complete(rec.len()));
        prop_assert_eq!(tls::parse_server_hello_record(&rec), Ok(h));
    }
}
