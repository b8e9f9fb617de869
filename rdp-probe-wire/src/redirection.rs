//! Server Redirection Packet ([MS-RDPBCGR] 2.2.13.1, `RDP_SERVER_REDIRECTION_PACKET`): the
//! server (a connection broker or a load balancer) tells the client to reconnect elsewhere.
//!
//! It arrives in one of two PDUs, both classified by [`crate::share`]:
//!
//! * Enhanced Security Server Redirection PDU ([MS-RDPBCGR] 2.2.13.3.1): a Share Control
//!   header with `pduType` `PDUTYPE_SERVER_REDIR_PKT`, 2 pad bytes, the packet, 1 optional
//!   pad byte;
//! * Standard Security Server Redirection PDU ([MS-RDPBCGR] 2.2.13.2.1): a basic security
//!   header whose flags carry `SEC_REDIRECTION_PKT`, then the packet.
//!
//! The decoded [`ServerRedirection`] never holds the password or the load-balancing cookie:
//! only their presence and length.

use crate::DecodeError;
use crate::cursor::Cursor;
use crate::mcs;
use crate::share::{self, SEC_REDIRECTION_PKT};
use crate::utf16;

/// `LB_TARGET_NET_ADDRESS`: `TargetNetAddress` is present ([MS-RDPBCGR] 2.2.13.1).
pub const LB_TARGET_NET_ADDRESS: u32 = 0x0000_0001;
/// `LB_LOAD_BALANCE_INFO`: `LoadBalanceInfo` is present.
pub const LB_LOAD_BALANCE_INFO: u32 = 0x0000_0002;
/// `LB_USERNAME`: `UserName` is present.
pub const LB_USERNAME: u32 = 0x0000_0004;
/// `LB_DOMAIN`: `Domain` is present.
pub const LB_DOMAIN: u32 = 0x0000_0008;
/// `LB_PASSWORD`: `Password` is present.
pub const LB_PASSWORD: u32 = 0x0000_0010;
/// `LB_DONTSTOREUSERNAME`: the client must not store the user name.
pub const LB_DONTSTOREUSERNAME: u32 = 0x0000_0020;
/// `LB_SMARTCARD_LOGON`: the user logged on with a smart card.
pub const LB_SMARTCARD_LOGON: u32 = 0x0000_0040;
/// `LB_NOREDIRECT`: informational only; the client must not reconnect.
pub const LB_NOREDIRECT: u32 = 0x0000_0080;
/// `LB_TARGET_FQDN`: `TargetFQDN` is present.
pub const LB_TARGET_FQDN: u32 = 0x0000_0100;
/// `LB_TARGET_NETBIOS_NAME`: `TargetNetBiosName` is present.
pub const LB_TARGET_NETBIOS_NAME: u32 = 0x0000_0200;
/// `LB_TARGET_NET_ADDRESSES`: `TargetNetAddresses` is present.
pub const LB_TARGET_NET_ADDRESSES: u32 = 0x0000_0800;
/// `LB_CLIENT_TSV_URL`: `TsvUrl` is present.
pub const LB_CLIENT_TSV_URL: u32 = 0x0000_1000;
/// `LB_SERVER_TSV_CAPABLE`: the server supports redirection based on `TsvUrl`.
pub const LB_SERVER_TSV_CAPABLE: u32 = 0x0000_2000;
/// `LB_PASSWORD_IS_PK_ENCRYPTED`: `Password` is encrypted with the target's public key.
pub const LB_PASSWORD_IS_PK_ENCRYPTED: u32 = 0x0000_4000;
/// `LB_REDIRECTION_GUID`: `RedirectionGuid` is present.
pub const LB_REDIRECTION_GUID: u32 = 0x0000_8000;
/// `LB_TARGET_CERTIFICATE`: `TargetCertificate` is present.
pub const LB_TARGET_CERTIFICATE: u32 = 0x0001_0000;

/// `Flags`, `Length`, `SessionID` and `RedirFlags`: the fixed part of the packet.
pub const REDIRECTION_FIXED_LEN: usize = 12;
/// The strings kept from a packet are cut at this many UTF-16 code units (FreeRDP's
/// largest limit, for `UserName` and `TargetFQDN`, is 256 units).
pub const MAX_REDIRECTION_STRING_UNITS: usize = 256;
/// At most this many entries of `TargetNetAddresses` are kept (all are read).
pub const MAX_TARGET_NET_ADDRESSES: usize = 16;
/// `pad2Octets` between the Share Control header and the packet ([MS-RDPBCGR] 2.2.13.3.1).
pub const ENHANCED_REDIRECTION_PAD_LEN: usize = 2;
/// The optional `Pad` at the end of the packet, as Windows sends it ([MS-RDPBCGR] 2.2.13.1).
pub const REDIRECTION_PAD_LEN: usize = 8;

/// A decoded Server Redirection Packet ([MS-RDPBCGR] 2.2.13.1).
///
/// Each optional field is `Some` (or non-empty) exactly when its `LB_*` flag is set in
/// [`redir_flags`](Self::redir_flags). Strings are decoded from UTF-16LE lossily, end at
/// the first null, and are cut at [`MAX_REDIRECTION_STRING_UNITS`] code units.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerRedirection {
    /// Raw `Flags` (the spec requires `SEC_REDIRECTION_PKT`, 0x0400; any value is kept).
    pub flags: u16,
    /// `SessionID`: the session to reconnect to.
    pub session_id: u32,
    /// Raw `RedirFlags` (`LB_*`), unknown bits included.
    pub redir_flags: u32,
    /// `TargetNetAddress` (`LB_TARGET_NET_ADDRESS`).
    pub target_net_address: Option<String>,
    /// Length in bytes of `LoadBalanceInfo` (`LB_LOAD_BALANCE_INFO`); the routing token
    /// or cookie itself is not kept.
    pub load_balance_info_len: Option<usize>,
    /// `UserName` (`LB_USERNAME`).
    pub user_name: Option<String>,
    /// `Domain` (`LB_DOMAIN`).
    pub domain: Option<String>,
    /// `LB_PASSWORD`: a password (or password cookie) was sent. Its bytes, and its
    /// length, are never kept.
    pub password_present: bool,
    /// `TargetFQDN` (`LB_TARGET_FQDN`).
    pub target_fqdn: Option<String>,
    /// `TargetNetBiosName` (`LB_TARGET_NETBIOS_NAME`).
    pub target_netbios_name: Option<String>,
    /// `TsvUrl` (`LB_CLIENT_TSV_URL`).
    pub tsv_url: Option<String>,
    /// Length in bytes of `RedirectionGuid` (`LB_REDIRECTION_GUID`).
    pub redirection_guid_len: Option<usize>,
    /// Length in bytes of `TargetCertificate` (`LB_TARGET_CERTIFICATE`).
    pub target_certificate_len: Option<usize>,
    /// The addresses of `TargetNetAddresses` (`LB_TARGET_NET_ADDRESSES`,
    /// [MS-RDPBCGR] 2.2.13.1.1), at most [`MAX_TARGET_NET_ADDRESSES`].
    pub target_net_addresses: Vec<String>,
}

impl ServerRedirection {
    /// True when `flag` (an `LB_*` constant) is set in `RedirFlags`.
    pub fn has(&self, flag: u32) -> bool {
        self.redir_flags & flag != 0
    }
}

/// Decode an `RDP_SERVER_REDIRECTION_PACKET` ([MS-RDPBCGR] 2.2.13.1) at the start of
/// `buf`. Bytes after the packet (the optional `Pad`, `pad1Octet`) are ignored.
///
/// `Length` bounds the fields when it is at least [`REDIRECTION_FIXED_LEN`] and within
/// `buf`; otherwise (FreeRDP ignores it altogether) the fields are read from all of `buf`.
pub fn parse_server_redirection_packet(buf: &[u8]) -> Result<ServerRedirection, DecodeError> {
    read_packet(&mut Cursor::new(buf))
}

/// [`parse_server_redirection_packet`] on a cursor, so that errors keep the offsets of
/// the caller's buffer.
pub(crate) fn read_packet(c: &mut Cursor<'_>) -> Result<ServerRedirection, DecodeError> {
    // `Flags` and `Length`, which `Length` counts.
    const FLAGS_AND_LENGTH: usize = 4;
    let flags = c.u16_le("redirection flags")?;
    let length = usize::from(c.u16_le("redirection length")?);
    let at_hand = c.remaining();
    let body_len = length
        .checked_sub(FLAGS_AND_LENGTH)
        .filter(|n| (REDIRECTION_FIXED_LEN - FLAGS_AND_LENGTH..=at_hand).contains(n))
        .unwrap_or(at_hand);
    let mut p = c.sub(body_len, "server redirection packet")?;
    let session_id = p.u32_le("redirection session id")?;
    let redir_flags = p.u32_le("redirection redir flags")?;
    let mut r = ServerRedirection {
        flags,
        session_id,
        redir_flags,
        ..ServerRedirection::default()
    };
    // The optional fields follow in this order, each as a 4-byte length and its bytes.
    if r.has(LB_TARGET_NET_ADDRESS) {
        r.target_net_address = Some(read_string(
            &mut p,
            "redirection target net address length",
            "redirection target net address",
        )?);
    }
    if r.has(LB_LOAD_BALANCE_INFO) {
        let info = read_field(
            &mut p,
            "redirection load balance info length",
            "redirection load balance info",
        )?;
        r.load_balance_info_len = Some(info.len());
    }
    if r.has(LB_USERNAME) {
        r.user_name = Some(read_string(
            &mut p,
            "redirection user name length",
            "redirection user name",
        )?);
    }
    if r.has(LB_DOMAIN) {
        r.domain = Some(read_string(
            &mut p,
            "redirection domain length",
            "redirection domain",
        )?);
    }
    if r.has(LB_PASSWORD) {
        read_field(
            &mut p,
            "redirection password length",
            "redirection password",
        )?;
        r.password_present = true;
    }
    if r.has(LB_TARGET_FQDN) {
        r.target_fqdn = Some(read_string(
            &mut p,
            "redirection target fqdn length",
            "redirection target fqdn",
        )?);
    }
    if r.has(LB_TARGET_NETBIOS_NAME) {
        r.target_netbios_name = Some(read_string(
            &mut p,
            "redirection target netbios name length",
            "redirection target netbios name",
        )?);
    }
    if r.has(LB_CLIENT_TSV_URL) {
        r.tsv_url = Some(read_string(
            &mut p,
            "redirection tsv url length",
            "redirection tsv url",
        )?);
    }
    if r.has(LB_REDIRECTION_GUID) {
        let guid = read_field(&mut p, "redirection guid length", "redirection guid")?;
        r.redirection_guid_len = Some(guid.len());
    }
    if r.has(LB_TARGET_CERTIFICATE) {
        let cert = read_field(
            &mut p,
            "redirection target certificate length",
            "redirection target certificate",
        )?;
        r.target_certificate_len = Some(cert.len());
    }
    if r.has(LB_TARGET_NET_ADDRESSES) {
        r.target_net_addresses = read_target_net_addresses(&mut p)?;
    }
    Ok(r)
}

fn read_field<'a>(
    c: &mut Cursor<'a>,
    length_label: &'static str,
    value_label: &'static str,
) -> Result<&'a [u8], DecodeError> {
    let len = c.u32_le(length_label)?;
    // A length beyond usize is longer than any buffer: the take reports it as truncated.
    c.take(usize::try_from(len).unwrap_or(usize::MAX), value_label)
}

fn read_string(
    c: &mut Cursor<'_>,
    length_label: &'static str,
    value_label: &'static str,
) -> Result<String, DecodeError> {
    let bytes = read_field(c, length_label, value_label)?;
    Ok(utf16::decode_nul_terminated(
        bytes,
        MAX_REDIRECTION_STRING_UNITS,
    ))
}

/// `TARGET_NET_ADDRESSES` ([MS-RDPBCGR] 2.2.13.1.1): `addressCount`, then that many
/// `TARGET_NET_ADDRESS` ([MS-RDPBCGR] 2.2.13.1.1.1): `addressLength` and the address.
fn read_target_net_addresses(c: &mut Cursor<'_>) -> Result<Vec<String>, DecodeError> {
    let bytes = read_field(
        c,
        "redirection target net addresses length",
        "redirection target net addresses",
    )?;
    let mut t = Cursor::with_base(bytes, c.offset().saturating_sub(bytes.len()));
    let count = t.u32_le("target net addresses count")?;
    let mut out = Vec::new();
    // INVARIANT: each address consumes at least its 4-byte length or ends the loop with
    // an error, so the loop runs at most `bytes.len() / 4` times whatever `count` says.
    for _ in 0..count {
        let address = read_string(&mut t, "target net address length", "target net address")?;
        if out.len() < MAX_TARGET_NET_ADDRESSES {
            out.push(address);
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------
// Encoders (for tests and the scripted lab servers)
// ---------------------------------------------------------------------------------

/// Encode an `RDP_SERVER_REDIRECTION_PACKET` ([MS-RDPBCGR] 2.2.13.1) that
/// [`parse_server_redirection_packet`] decodes back to `r`.
///
/// The `LB_*` flags of `r.redir_flags` decide which fields are written; a flagged field
/// whose value is `None` is written empty. Strings are written null-terminated. What
/// `ServerRedirection` does not keep is made up: `load_balance_info_len` zero bytes for
/// `LoadBalanceInfo` (likewise `RedirectionGuid` and `TargetCertificate`), and an empty
/// null-terminated password. The 8-byte `Pad` follows, counted in `Length`; a packet
/// longer than 65535 bytes cannot state its length and gets `Length` 0.
pub fn server_redirection_packet(r: &ServerRedirection) -> Vec<u8> {
    server_redirection_packet_with(r, RedirectionSecrets::default())
}

/// What [`ServerRedirection`] never keeps, for an encoder that must send it: a lab server sends
/// real-looking secrets so that a test can check a probe never reports them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RedirectionSecrets<'a> {
    /// The `Password` field's bytes (empty: an empty null-terminated string).
    pub password: &'a [u8],
    /// The `LoadBalanceInfo` bytes (empty: `load_balance_info_len` zero bytes).
    pub load_balance_info: &'a [u8],
}

/// As [`server_redirection_packet`], with these secrets in the `Password` and
/// `LoadBalanceInfo` fields (when their flags are set).
pub fn server_redirection_packet_with(
    r: &ServerRedirection,
    secrets: RedirectionSecrets<'_>,
) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&r.session_id.to_le_bytes());
    body.extend_from_slice(&r.redir_flags.to_le_bytes());
    let put = |body: &mut Vec<u8>, value: &[u8]| {
        body.extend_from_slice(&u32::try_from(value.len()).unwrap_or(u32::MAX).to_le_bytes());
        body.extend_from_slice(value);
    };
    let text = |s: &Option<String>| utf16::encode_nul_terminated(s.as_deref().unwrap_or(""));
    let zeros = |n: Option<usize>| vec![0u8; n.unwrap_or(0)];
    if r.has(LB_TARGET_NET_ADDRESS) {
        put(&mut body, &text(&r.target_net_address));
    }
    if r.has(LB_LOAD_BALANCE_INFO) {
        if secrets.load_balance_info.is_empty() {
            put(&mut body, &zeros(r.load_balance_info_len));
        } else {
            put(&mut body, secrets.load_balance_info);
        }
    }
    if r.has(LB_USERNAME) {
        put(&mut body, &text(&r.user_name));
    }
    if r.has(LB_DOMAIN) {
        put(&mut body, &text(&r.domain));
    }
    if r.has(LB_PASSWORD) {
        if secrets.password.is_empty() {
            put(&mut body, &utf16::encode_nul_terminated(""));
        } else {
            put(&mut body, secrets.password);
        }
    }
    if r.has(LB_TARGET_FQDN) {
        put(&mut body, &text(&r.target_fqdn));
    }
    if r.has(LB_TARGET_NETBIOS_NAME) {
        put(&mut body, &text(&r.target_netbios_name));
    }
    if r.has(LB_CLIENT_TSV_URL) {
        put(&mut body, &text(&r.tsv_url));
    }
    if r.has(LB_REDIRECTION_GUID) {
        put(&mut body, &zeros(r.redirection_guid_len));
    }
    if r.has(LB_TARGET_CERTIFICATE) {
        put(&mut body, &zeros(r.target_certificate_len));
    }
    if r.has(LB_TARGET_NET_ADDRESSES) {
        let mut addresses = Vec::new();
        let count = u32::try_from(r.target_net_addresses.len()).unwrap_or(u32::MAX);
        addresses.extend_from_slice(&count.to_le_bytes());
        for a in &r.target_net_addresses {
            put(&mut addresses, &utf16::encode_nul_terminated(a));
        }
        put(&mut body, &addresses);
    }
    body.extend_from_slice(&[0; REDIRECTION_PAD_LEN]);
    let length = u16::try_from(body.len() + 4).unwrap_or(0);
    let mut out = Vec::with_capacity(body.len() + 4);
    out.extend_from_slice(&r.flags.to_le_bytes());
    out.extend_from_slice(&length.to_le_bytes());
    out.extend_from_slice(&body);
    out
}

/// A complete Enhanced Security Server Redirection PDU frame ([MS-RDPBCGR] 2.2.13.3.1):
/// TPKT + X.224 Data + MCS Send Data Indication from `user_channel` on `io_channel` +
/// Share Control header (`pduType` = `pdu_type`, raw, so a test can send Windows'
/// 0x000A as well as the spec's 0x001A; `pduSource` = `user_channel`) + `pad2Octets` +
/// the packet + `pad1Octet`.
pub fn enhanced_redirection_frame(
    user_channel: u16,
    io_channel: u16,
    pdu_type: u16,
    r: &ServerRedirection,
) -> Vec<u8> {
    enhanced_redirection_frame_of(
        user_channel,
        io_channel,
        pdu_type,
        &server_redirection_packet(r),
    )
}

/// As [`enhanced_redirection_frame`], around an encoded `packet` (e.g. from
/// [`server_redirection_packet_with`]).
pub fn enhanced_redirection_frame_of(
    user_channel: u16,
    io_channel: u16,
    pdu_type: u16,
    packet: &[u8],
) -> Vec<u8> {
    let total = share::SHARE_CONTROL_HEADER_LEN + ENHANCED_REDIRECTION_PAD_LEN + packet.len() + 1;
    let mut pdu = Vec::with_capacity(total);
    pdu.extend_from_slice(&u16::try_from(total).unwrap_or(u16::MAX).to_le_bytes());
    pdu.extend_from_slice(&pdu_type.to_le_bytes());
    pdu.extend_from_slice(&user_channel.to_le_bytes());
    pdu.extend_from_slice(&[0; ENHANCED_REDIRECTION_PAD_LEN]);
    pdu.extend_from_slice(packet);
    pdu.push(0); // pad1Octet
    mcs::send_data_indication_frame(user_channel, io_channel, &pdu)
}

/// A complete Standard Security Server Redirection PDU frame ([MS-RDPBCGR] 2.2.13.2.1):
/// TPKT + X.224 Data + MCS Send Data Indication + basic security header (`flags` =
/// `SEC_REDIRECTION_PKT`, `flagsHi` 0) + the packet. Not encrypted, although the spec
/// requires it: the lab has no session keys, and the probe cannot read an encrypted one.
pub fn standard_redirection_frame(
    user_channel: u16,
    io_channel: u16,
    r: &ServerRedirection,
) -> Vec<u8> {
    let packet = server_redirection_packet(r);
    let mut pdu = Vec::with_capacity(packet.len() + share::BASIC_SECURITY_HEADER_LEN);
    pdu.extend_from_slice(&SEC_REDIRECTION_PKT.to_le_bytes());
    pdu.extend_from_slice(&0u16.to_le_bytes());
    pdu.extend_from_slice(&packet);
    mcs::send_data_indication_frame(user_channel, io_channel, &pdu)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DecodeErrorKind;

    fn utf16z(s: &str) -> Vec<u8> {
        let mut v: Vec<u8> = s.encode_utf16().flat_map(u16::to_le_bytes).collect();
        v.extend_from_slice(&[0, 0]);
        v
    }

    fn field(out: &mut Vec<u8>, value: &[u8]) {
        out.extend_from_slice(&(value.len() as u32).to_le_bytes());
        out.extend_from_slice(value);
    }

    /// A packet built field by field from the layout of [MS-RDPBCGR] 2.2.13.1, as a
    /// connection broker sends it: target address, routing cookie, user, domain, password
    /// cookie, FQDN, NetBIOS name and two target addresses, then the 8-byte pad.
    fn broker_packet() -> Vec<u8> {
        let redir_flags = LB_TARGET_NET_ADDRESS
            | LB_LOAD_BALANCE_INFO
            | LB_USERNAME
            | LB_DOMAIN
            | LB_PASSWORD
            | LB_DONTSTOREUSERNAME
            | LB_TARGET_FQDN
            | LB_TARGET_NETBIOS_NAME
            | LB_TARGET_NET_ADDRESSES;
        let mut body = Vec::new();
        body.extend_from_slice(&0x0000_0002u32.to_le_bytes()); // SessionID
        body.extend_from_slice(&redir_flags.to_le_bytes());
        field(&mut body, &utf16z("10.0.0.7"));
        field(&mut body, b"Cookie: msts=2134026432.15629.0000\r\n");
        field(&mut body, &utf16z("alice"));
        field(&mut body, &utf16z("CORP"));
        field(
            &mut body,
            &[0x02, 0x00, 0x00, 0x80, b'D', b'S', b'H', b'L', 0, 0],
        );
        field(&mut body, &utf16z("rdsh2.corp.example"));
        field(&mut body, &utf16z("RDSH2"));
        let mut addresses = 2u32.to_le_bytes().to_vec();
        field(&mut addresses, &utf16z("10.0.0.7"));
        field(&mut addresses, &utf16z("fe80::7"));
        field(&mut body, &addresses);
        body.extend_from_slice(&[0; 8]); // Pad
        let mut p = 0x0400u16.to_le_bytes().to_vec();
        p.extend_from_slice(&((body.len() + 4) as u16).to_le_bytes());
        p.extend_from_slice(&body);
        p
    }

    fn broker_expected() -> ServerRedirection {
        ServerRedirection {
            flags: SEC_REDIRECTION_PKT,
            session_id: 2,
            redir_flags: 0x0b3f,
            target_net_address: Some("10.0.0.7".into()),
            load_balance_info_len: Some(36),
            user_name: Some("alice".into()),
            domain: Some("CORP".into()),
            password_present: true,
            target_fqdn: Some("rdsh2.corp.example".into()),
            target_netbios_name: Some("RDSH2".into()),
            target_net_addresses: vec!["10.0.0.7".into(), "fe80::7".into()],
            ..ServerRedirection::default()
        }
    }

    #[test]
    fn decodes_a_broker_packet_without_secrets() {
        let p = broker_packet();
        let r = parse_server_redirection_packet(&p).expect("2.2.13.1");
        assert_eq!(r, broker_expected());
        let shown = format!("{r:?}");
        assert!(!shown.contains("msts"), "{shown}");
        assert!(!shown.contains("DSHL"), "{shown}");
    }

    #[test]
    fn encoder_round_trips_and_matches_the_layout_where_it_can() {
        let r = broker_expected();
        let p = server_redirection_packet(&r);
        assert_eq!(parse_server_redirection_packet(&p), Ok(r.clone()));
        // Same length as the hand-built packet except for the password (2 bytes, not 10).
        assert_eq!(p.len() + 8, broker_packet().len());
        assert_eq!(usize::from(u16::from_le_bytes([p[2], p[3]])), p.len());
        let minimal = ServerRedirection {
            flags: SEC_REDIRECTION_PKT,
            session_id: 9,
            redir_flags: LB_NOREDIRECT | 0x8000_0000,
            ..ServerRedirection::default()
        };
        let p = server_redirection_packet(&minimal);
        assert_eq!(p.len(), REDIRECTION_FIXED_LEN + REDIRECTION_PAD_LEN);
        assert_eq!(parse_server_redirection_packet(&p), Ok(minimal));
    }

    #[test]
    fn every_optional_field_round_trips() {
        let r = ServerRedirection {
            flags: 0x1234,
            session_id: u32::MAX,
            redir_flags: 0x0001_ffff,
            target_net_address: Some("192.0.2.1".into()),
            load_balance_info_len: Some(0),
            user_name: Some(String::new()),
            domain: Some("dömäin".into()),
            password_present: true,
            target_fqdn: Some("host.example".into()),
            target_netbios_name: Some("HOST".into()),
            tsv_url: Some("tsv://MS Terminal Services Plugin.1.Sessions".into()),
            redirection_guid_len: Some(50),
            target_certificate_len: Some(7),
            target_net_addresses: vec![],
        };
        let p = server_redirection_packet(&r);
        assert_eq!(parse_server_redirection_packet(&p), Ok(r));
    }

    #[test]
    fn tolerant_strings_and_lengths() {
        // Not null-terminated, odd length, an unpaired surrogate: decoded, not rejected.
        let mut body = Vec::new();
        body.extend_from_slice(&1u32.to_le_bytes());
        body.extend_from_slice(&LB_USERNAME.to_le_bytes());
        field(&mut body, &[b'b', 0, b'o', 0, 0x00, 0xd8, b'b']);
        // Length 0: not trusted, the fields are read from the bytes at hand.
        let mut p = vec![0x00, 0x04, 0x00, 0x00];
        p.extend_from_slice(&body);
        let r = parse_server_redirection_packet(&p).expect("tolerant");
        assert_eq!(r.user_name.as_deref(), Some("bo\u{fffd}"));
        // A long string is cut, never rejected.
        let long: String = "x".repeat(1000);
        let r = ServerRedirection {
            redir_flags: LB_TARGET_FQDN,
            target_fqdn: Some(long),
            ..ServerRedirection::default()
        };
        let d = parse_server_redirection_packet(&server_redirection_packet(&r)).expect("long");
        assert_eq!(
            d.target_fqdn.map(|s| s.len()),
            Some(MAX_REDIRECTION_STRING_UNITS)
        );
    }

    #[test]
    fn huge_claims_are_errors_with_field_names() {
        let mut p = vec![0x00, 0x04, 16, 0x00];
        p.extend_from_slice(&1u32.to_le_bytes());
        p.extend_from_slice(&LB_LOAD_BALANCE_INFO.to_le_bytes());
        p.extend_from_slice(&u32::MAX.to_le_bytes());
        let e = parse_server_redirection_packet(&p).expect_err("huge");
        assert_eq!(e.what, "redirection load balance info");
        assert_eq!(e.offset, 16);
        // addressCount of 4 billion with no addresses behind it.
        let mut body = Vec::new();
        body.extend_from_slice(&1u32.to_le_bytes());
        body.extend_from_slice(&LB_TARGET_NET_ADDRESSES.to_le_bytes());
        field(&mut body, &u32::MAX.to_le_bytes());
        let mut p = vec![0x00, 0x04, 0x00, 0x00];
        p.extend_from_slice(&body);
        let e = parse_server_redirection_packet(&p).expect_err("count");
        assert_eq!(e.what, "target net address length");
        assert_eq!(e.offset, 20);
        assert!(matches!(e.kind, DecodeErrorKind::Truncated { .. }));
    }

    #[test]
    fn addresses_beyond_the_cap_are_read_not_kept() {
        let r = ServerRedirection {
            redir_flags: LB_TARGET_NET_ADDRESSES,
            target_net_addresses: (0..40).map(|i| format!("10.0.0.{i}")).collect(),
            ..ServerRedirection::default()
        };
        let d = parse_server_redirection_packet(&server_redirection_packet(&r)).expect("40");
        assert_eq!(d.target_net_addresses.len(), MAX_TARGET_NET_ADDRESSES);
        assert_eq!(d.target_net_addresses[15], "10.0.0.15");
    }

    #[test]
    fn every_prefix_is_an_error() {
        let p = broker_packet();
        // The last 8 bytes are the optional pad; every shorter prefix cuts a field.
        for n in 0..p.len() - REDIRECTION_PAD_LEN {
            let e = parse_server_redirection_packet(&p[..n]).expect_err("prefix");
            assert!(e.is_truncated(), "prefix {n}: {e}");
        }
    }
}
