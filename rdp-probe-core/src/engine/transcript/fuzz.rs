//! The engine fuzz target's input format and oracle (shared by `fuzz/fuzz_targets/engine.rs` and the
//! replay of `fuzz/regressions/engine/` under `cargo test`).
//!
//! The fuzzer's bytes choose, step by step, what the server does:
//!
//! - byte 0 is the configuration: the protocols requested (bits 0-2, [`CONFIG_PROTOCOLS_MASK`]: 0-3 the
//!   Windows client's default with its fallback, 4 PROTOCOL_RDP only, 5 SSL only, 6 HYBRID | HYBRID_EX,
//!   7 all six), credentials ([`CONFIG_CREDENTIALS`]), short time limits ([`CONFIG_SHORT_TIMEOUTS`]), and a
//!   valid prefix (bits 5-7, [`CONFIG_PREFIX_SHIFT`]) built with the wire encoders, so that the hostile
//!   part also reaches the phases after the negotiation, TLS and CredSSP: see [`prefix`];
//! - then operations, one byte each (taken modulo [`OP_COUNT`]) followed by their operands: raw bytes,
//!   bytes wrapped in TPKT, in an MCS Send Data Indication or a Share Data PDU, a valid PDU
//!   ([`OP_BLOCK`]), a valid PDU split in two, a TSRequest with arbitrary token, a close, a reset,
//!   silence, time passing, a TLS outcome, a connect outcome.
//!
//! Missing operand bytes read as zero; at most [`MAX_OPS`] operations are read.
//!
//! The oracle is [`Transcript::check`]: no panic, the probe finishes within the step limit, and
//! [`check_invariants`](super::check_invariants) holds.

use std::time::Duration;

use rdp_probe_wire::x224::{PROTOCOL_HYBRID, PROTOCOL_RDP};

use super::standard::EncryptedServer;
use super::{Event, InvariantViolation, Setup, Transcript, server};
use crate::engine::{IoFailure, TlsHandshakeError};
use crate::failure::NetworkErrorKind;
use crate::standard_security::EncryptionMethod;
use crate::{Credentials, LegacyTls, ProbeOptions, Protocols, Target, Timeouts, Trust};

/// Configuration bits 0-2: which protocols the probe requests.
pub const CONFIG_PROTOCOLS_MASK: u8 = 0x07;
/// Configuration bit 3: probe with credentials.
pub const CONFIG_CREDENTIALS: u8 = 0x08;
/// Configuration bit 4: the short time limits [`SHORT_TIMEOUTS`] instead of the defaults.
pub const CONFIG_SHORT_TIMEOUTS: u8 = 0x10;
/// Configuration bits 5-7: the valid prefix ([`prefix`]).
pub const CONFIG_PREFIX_SHIFT: u8 = 5;

/// Connect 1 s, each phase 2 s, overall 5 s: an overall limit that runs out before a phase limit does.
pub const SHORT_TIMEOUTS: Timeouts = Timeouts {
    connect: Duration::from_secs(1),
    phase: Duration::from_secs(2),
    overall: Duration::from_secs(5),
};

/// The most operations one input is read for.
pub const MAX_OPS: usize = 64;

/// Raw bytes: length byte, bytes.
pub const OP_RAW: u8 = 0;
/// Bytes in a TPKT header: length byte, bytes.
pub const OP_TPKT: u8 = 1;
/// Bytes as the user data of an MCS Send Data Indication on the I/O channel: length byte, bytes.
pub const OP_IO_DATA: u8 = 2;
/// A Share Data PDU: `pduType2` byte, length byte, body.
pub const OP_SHARE_DATA: u8 = 3;
/// The server closes.
pub const OP_CLOSE: u8 = 4;
/// The server resets.
pub const OP_RESET: u8 = 5;
/// The server is silent until the deadline.
pub const OP_SILENCE: u8 = 6;
/// Time passes: milliseconds, u16 big-endian.
pub const OP_ADVANCE: u8 = 7;
/// The TLS handshake succeeds: chain byte (0 the lab certificate, 1 bytes that are no certificate, 2 no
/// certificate at all, 3 two certificates).
pub const OP_TLS_OK: u8 = 8;
/// The TLS handshake fails: byte (below 0x80 an alert with this description; else a version failure or
/// another TLS error).
pub const OP_TLS_FAIL: u8 = 9;
/// A valid PDU: see `block`.
pub const OP_BLOCK: u8 = 10;
/// The connect: byte (0 refused, 1 unanswered, 2 name resolution fails).
pub const OP_CONNECT: u8 = 11;
/// A valid PDU split in two frames: cut byte, then a `block`.
pub const OP_SPLIT: u8 = 12;
/// A TSRequest with an arbitrary negoToken: version byte, length byte, token.
pub const OP_TS_REQUEST: u8 = 13;
/// Bytes sealed as the Standard RDP Security server of the last [`BLOCK_CONNECT_RESPONSE_SECURED`]
/// sends them (encrypted and signed for the harness's client random; plain user data without one):
/// licensing byte (odd: a licensing PDU), length byte, bytes.
pub const OP_SEALED: u8 = 14;
/// Operations are taken modulo this.
pub const OP_COUNT: u8 = 15;

/// Block 0: An X.224 Connection Confirm: selected-protocol byte.
pub const BLOCK_CONFIRM: u8 = 0;
/// Block 1: An RDP_NEG_FAILURE: code byte.
pub const BLOCK_NEG_FAILURE: u8 = 1;
/// Block 2: A Connection Confirm without negotiation data.
pub const BLOCK_LEGACY_CONFIRM: u8 = 2;
/// Block 3: An X.224 Disconnect Request: reason byte.
pub const BLOCK_X224_DISCONNECT: u8 = 3;
/// Block 4: An MCS Connect Response.
pub const BLOCK_CONNECT_RESPONSE: u8 = 4;
/// Block 5: A Connect Response with Standard RDP Security encryption: method and level bytes.
pub const BLOCK_CONNECT_RESPONSE_ENCRYPTED: u8 = 5;
/// Block 6: A Connect Response with a failure result: result byte.
pub const BLOCK_CONNECT_RESPONSE_REJECTED: u8 = 6;
/// Block 7: An MCS Disconnect Provider Ultimatum: reason byte.
pub const BLOCK_DISCONNECT_ULTIMATUM: u8 = 7;
/// Block 8: An MCS Attach User Confirm: result byte.
pub const BLOCK_ATTACH_USER_CONFIRM: u8 = 8;
/// Block 9: An MCS Channel Join Confirm: result byte, channel byte (odd: the user channel).
pub const BLOCK_CHANNEL_JOIN_CONFIRM: u8 = 9;
/// Block 10: A Set Error Info PDU: u32.
pub const BLOCK_ERRINFO: u8 = 10;
/// Block 11: A licensing Error Message: two u32.
pub const BLOCK_LICENSE_ERROR: u8 = 11;
/// Block 12: A licensing STATUS_VALID_CLIENT.
pub const BLOCK_VALID_CLIENT: u8 = 12;
/// Block 13: A Save Session Info logon error: two u32.
pub const BLOCK_LOGON_ERROR: u8 = 13;
/// Block 14: A Demand Active PDU.
pub const BLOCK_DEMAND_ACTIVE: u8 = 14;
/// Block 15: The server's finalization PDUs.
pub const BLOCK_FINALIZATION: u8 = 15;
/// Block 16: A TSRequest with the NTLM CHALLENGE: version byte.
pub const BLOCK_CHALLENGE: u8 = 16;
/// Block 17: A TSRequest with an errorCode: version byte, u32.
pub const BLOCK_CREDSSP_ERROR: u8 = 17;
/// Block 18: an Early User Authorization Result: u32.
pub const BLOCK_EARLY_USER_AUTH: u8 = 18;
/// Block 19: A Connect Response for Standard RDP Security with a server random and the lab's
/// proprietary certificate: method and level bytes. Later [`OP_SEALED`] operations are sealed with the
/// keys this method and level give for the harness's client random.
pub const BLOCK_CONNECT_RESPONSE_SECURED: u8 = 19;
/// Valid PDUs for [`OP_BLOCK`], selected by a byte modulo this.
pub const BLOCK_COUNT: u8 = 20;

/// Reads operands; missing bytes read as zero.
struct Reader<'a> {
    data: &'a [u8],
}

impl Reader<'_> {
    fn u8(&mut self) -> u8 {
        match self.data.split_first() {
            Some((b, rest)) => {
                self.data = rest;
                *b
            }
            None => 0,
        }
    }

    fn u16(&mut self) -> u16 {
        u16::from_be_bytes([self.u8(), self.u8()])
    }

    fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        let n = n.min(self.data.len());
        let (head, rest) = self.data.split_at(n);
        self.data = rest;
        head.to_vec()
    }

    fn sized(&mut self) -> Vec<u8> {
        let n = usize::from(self.u8());
        self.bytes(n)
    }

    fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
}

/// The protocols of configuration byte `config`.
fn protocols(config: u8) -> Option<Protocols> {
    match config & CONFIG_PROTOCOLS_MASK {
        4 => Some(Protocols::RDP),
        5 => Some(Protocols::SSL),
        6 => Some(Protocols::from_bits(
            Protocols::HYBRID.bits() | Protocols::HYBRID_EX.bits(),
        )),
        7 => Some(Protocols::from_bits(0x1f)),
        _ => None,
    }
}

/// The valid prefix `n` (0-7): nothing; the Connection Confirm selecting PROTOCOL_RDP; with the Connect
/// Response; [`server::to_licensing`]; [`server::to_capabilities`]; [`server::to_finalization`];
/// [`server::to_credssp`] with HYBRID; that and the server's NTLM CHALLENGE.
pub fn prefix(n: u8) -> Vec<Event> {
    match n {
        1 => vec![Event::Frame(server::confirm(PROTOCOL_RDP))],
        2 => vec![
            Event::Frame(server::confirm(PROTOCOL_RDP)),
            Event::Frame(server::connect_response()),
        ],
        3 => server::to_licensing(),
        4 => server::to_capabilities(),
        5 => server::to_finalization().unwrap_or_else(|_| server::to_capabilities()),
        6 => server::to_credssp(PROTOCOL_HYBRID),
        7 => {
            let mut events = server::to_credssp(PROTOCOL_HYBRID);
            events.push(Event::Frame(server::ntlm_challenge(
                server::CREDSSP_VERSION,
            )));
            events
        }
        _ => Vec::new(),
    }
}

/// The valid PDU selected by `r`'s next byte (modulo [`BLOCK_COUNT`]: one of the `BLOCK_*` numbers),
/// with its operands.
fn block(r: &mut Reader<'_>, sealer: &mut Option<EncryptedServer>) -> Vec<u8> {
    match r.u8() % BLOCK_COUNT {
        BLOCK_CONNECT_RESPONSE_SECURED => {
            let method = r.u8();
            let level = u32::from(r.u8() % 5);
            let method = match method % 4 {
                0 => EncryptionMethod::Bits40,
                1 => EncryptionMethod::Bits56,
                2 => EncryptionMethod::Bits128,
                _ => EncryptionMethod::Fips,
            };
            let server = EncryptedServer::for_harness(method, level);
            let frame = server.connect_response();
            *sealer = Some(server);
            frame
        }
        BLOCK_CONFIRM => server::confirm(u32::from(r.u8())),
        BLOCK_NEG_FAILURE => server::neg_failure(u32::from(r.u8())),
        BLOCK_LEGACY_CONFIRM => server::legacy_confirm(),
        BLOCK_X224_DISCONNECT => server::x224_disconnect(r.u8()),
        BLOCK_CONNECT_RESPONSE => server::connect_response(),
        BLOCK_CONNECT_RESPONSE_ENCRYPTED => {
            let method = u32::from(r.u8());
            let level = u32::from(r.u8());
            server::connect_response_encrypted(method, level)
        }
        BLOCK_CONNECT_RESPONSE_REJECTED => server::connect_response_rejected(r.u8()),
        BLOCK_DISCONNECT_ULTIMATUM => server::disconnect_ultimatum(r.u8()),
        BLOCK_ATTACH_USER_CONFIRM => server::attach_user_confirm(r.u8()),
        BLOCK_CHANNEL_JOIN_CONFIRM => {
            let result = r.u8();
            let channel = if r.u8() % 2 == 1 {
                server::USER_CHANNEL
            } else {
                server::IO_CHANNEL
            };
            server::channel_join_confirm(result, channel)
        }
        BLOCK_ERRINFO => server::errinfo(r.u32()),
        BLOCK_LICENSE_ERROR => {
            let code = r.u32();
            let state_transition = r.u32();
            server::license_error(code, state_transition)
        }
        BLOCK_VALID_CLIENT => server::license_valid_client(),
        BLOCK_LOGON_ERROR => {
            let kind = r.u32();
            let data = r.u32();
            server::logon_error(kind, data)
        }
        BLOCK_DEMAND_ACTIVE => server::demand_active().unwrap_or_default(),
        BLOCK_FINALIZATION => server::finalization()
            .map(|frames| frames.concat())
            .unwrap_or_default(),
        BLOCK_CHALLENGE => server::ntlm_challenge(u32::from(r.u8())),
        BLOCK_CREDSSP_ERROR => {
            let version = u32::from(r.u8());
            server::credssp_error(version, r.u32())
        }
        _ => server::early_user_auth(r.u32()),
    }
}

/// The chain of [`OP_TLS_OK`] byte `b`.
fn chain(b: u8) -> Vec<Vec<u8>> {
    let cert = server::LOCALHOST_CERT.to_vec();
    match b % 4 {
        1 => vec![b"not a certificate".to_vec()],
        2 => Vec::new(),
        3 => vec![cert.clone(), cert],
        _ => vec![cert],
    }
}

/// The handshake failure of [`OP_TLS_FAIL`] byte `b`: an alert, rustls' refusal of an old
/// version, the connection closing or resetting, or another rustls error.
fn tls_failure(b: u8) -> TlsHandshakeError {
    match b {
        0..0x80 => TlsHandshakeError::Rustls(rustls::Error::AlertReceived(
            rustls::AlertDescription::from(b),
        )),
        0x80..0xa0 => TlsHandshakeError::Rustls(rustls::Error::PeerIncompatible(
            rustls::PeerIncompatible::ServerDoesNotSupportTls12Or13,
        )),
        0xa0..0xb0 => TlsHandshakeError::Io(IoFailure::Closed),
        0xb0..0xc0 => TlsHandshakeError::Io(IoFailure::Os {
            kind: NetworkErrorKind::Reset,
            os_error: Some(super::ECONNRESET),
            message: "Connection reset by peer".into(),
        }),
        _ => TlsHandshakeError::Rustls(rustls::Error::InvalidMessage(
            rustls::InvalidMessage::InvalidContentType,
        )),
    }
}

/// The setup and server events `data` stands for; `None` only if the fixed target cannot be built.
pub fn case(data: &[u8]) -> Option<(Setup, Vec<Event>)> {
    let mut r = Reader { data };
    let config = r.u8();
    let options = ProbeOptions {
        protocols: protocols(config),
        credentials: (config & CONFIG_CREDENTIALS != 0)
            .then(|| Credentials::new("labuser", Some("RDPLAB".into()), "fuzzed password")),
        timeouts: if config & CONFIG_SHORT_TIMEOUTS != 0 {
            SHORT_TIMEOUTS
        } else {
            Timeouts::default()
        },
        // Pinned, so a case means the same with and without the `legacy-tls` feature.
        legacy_tls: LegacyTls::Follow,
        // With credentials, the logon is what is fuzzed: they go to any server (the harness trusts no
        // chain). Withholding them is covered by the scenario tests.
        trust: Trust {
            any: true,
            ..Trust::default()
        },
        ..ProbeOptions::default()
    };
    let setup =
        Setup::new(Target::new("localhost", crate::DEFAULT_PORT).ok()?).with_options(options);
    let mut events = prefix(config >> CONFIG_PREFIX_SHIFT);
    let mut sealer = None;
    for _ in 0..MAX_OPS {
        if r.is_empty() {
            break;
        }
        let event = match r.u8() % OP_COUNT {
            OP_RAW => Event::Frame(r.sized()),
            OP_TPKT => {
                let body = r.sized();
                let len = u16::try_from(body.len() + 4).unwrap_or(u16::MAX);
                let mut frame = vec![3, 0];
                frame.extend_from_slice(&len.to_be_bytes());
                frame.extend_from_slice(&body);
                Event::Frame(frame)
            }
            OP_IO_DATA => Event::Frame(server::io_data(&r.sized())),
            OP_SHARE_DATA => {
                let pdu_type2 = r.u8();
                Event::Frame(server::share_data(pdu_type2, &r.sized()))
            }
            OP_CLOSE => Event::Close,
            OP_RESET => Event::Reset,
            OP_SILENCE => Event::Silence,
            OP_ADVANCE => Event::Advance(Duration::from_millis(u64::from(r.u16()))),
            OP_TLS_OK => Event::tls_ok_with(chain(r.u8())),
            OP_TLS_FAIL => Event::TlsFail(tls_failure(r.u8())),
            OP_BLOCK => Event::Frame(block(&mut r, &mut sealer)),
            OP_SEALED => {
                let licensing = r.u8() % 2 == 1;
                let body = r.sized();
                Event::Frame(match sealer.as_mut() {
                    Some(server) => server.seal(&body, licensing),
                    None => server::io_data(&body),
                })
            }
            OP_CONNECT => match r.u8() % 3 {
                0 => Event::ConnectRefused,
                1 => Event::ConnectUnanswered,
                _ => Event::ResolveFails("fuzzed resolver failure".into()),
            },
            OP_SPLIT => {
                let cut = usize::from(r.u8());
                let mut first = block(&mut r, &mut sealer);
                let second = first.split_off(cut.min(first.len()));
                events.push(Event::Frame(first));
                Event::Frame(second)
            }
            _ => {
                let version = u32::from(r.u8());
                let token = r.sized();
                Event::Frame(rdp_probe_wire::credssp::encode_ts_request_negotiate(
                    version, &token,
                ))
            }
        };
        events.push(event);
    }
    Some((setup, events))
}

/// Runs the probe `data` stands for.
pub fn run(data: &[u8]) -> Option<(Setup, Transcript)> {
    let (setup, events) = case(data)?;
    let transcript = setup.run(events);
    Some((setup, transcript))
}

/// The oracle: runs the probe `data` stands for and checks [`Transcript::check`].
pub fn check(data: &[u8]) -> Result<(), InvariantViolation> {
    match run(data) {
        Some((setup, transcript)) => transcript.check(&setup.options),
        None => Ok(()),
    }
}
