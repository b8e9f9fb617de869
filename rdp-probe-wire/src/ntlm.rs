//! NTLM messages, for host facts only (no credentials): the NEGOTIATE message a probe
//! sends and the CHALLENGE message that reveals the server's names, time and OS build
//! ([MS-NLMP] 2.2.1.1, 2.2.1.2, 2.2.2.1, 2.2.2.10).

use crate::DecodeError;
use crate::cursor::Cursor;
use crate::utf16;

/// `NTLMSSP\0` signature ([MS-NLMP] 2.2.1).
pub const NTLMSSP_SIGNATURE: [u8; 8] = *b"NTLMSSP\0";
/// `NTLMSSP_NEGOTIATE_UNICODE` ([MS-NLMP] 2.2.2.5).
pub const NEGOTIATE_UNICODE: u32 = 0x0000_0001;
/// `NTLMSSP_NEGOTIATE_OEM`.
pub const NEGOTIATE_OEM: u32 = 0x0000_0002;
/// `NTLMSSP_REQUEST_TARGET`.
pub const REQUEST_TARGET: u32 = 0x0000_0004;
/// `NTLMSSP_NEGOTIATE_NTLM`.
pub const NEGOTIATE_NTLM: u32 = 0x0000_0200;
/// `NTLMSSP_NEGOTIATE_ALWAYS_SIGN`.
pub const NEGOTIATE_ALWAYS_SIGN: u32 = 0x0000_8000;
/// `NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY`.
pub const NEGOTIATE_EXTENDED_SESSIONSECURITY: u32 = 0x0008_0000;
/// `NTLMSSP_NEGOTIATE_TARGET_INFO`.
pub const NEGOTIATE_TARGET_INFO: u32 = 0x0080_0000;
/// `NTLMSSP_NEGOTIATE_VERSION`.
pub const NEGOTIATE_VERSION: u32 = 0x0200_0000;
/// `NTLMSSP_NEGOTIATE_128`.
pub const NEGOTIATE_128: u32 = 0x2000_0000;
/// `NTLMSSP_NEGOTIATE_KEY_EXCH`.
pub const NEGOTIATE_KEY_EXCH: u32 = 0x4000_0000;
/// `NTLMSSP_NEGOTIATE_56`.
pub const NEGOTIATE_56: u32 = 0x8000_0000;

/// Flags sent by [`negotiate_message`].
pub const PROBE_NEGOTIATE_FLAGS: u32 = NEGOTIATE_UNICODE
    | REQUEST_TARGET
    | NEGOTIATE_NTLM
    | NEGOTIATE_ALWAYS_SIGN
    | NEGOTIATE_EXTENDED_SESSIONSECURITY
    | NEGOTIATE_VERSION
    | NEGOTIATE_128
    | NEGOTIATE_KEY_EXCH
    | NEGOTIATE_56;

/// Cap on the characters kept from one name (AV_PAIR values are at most 65535 bytes anyway).
pub const MAX_NAME_CHARS: usize = 256;

/// NEGOTIATE_MESSAGE ([MS-NLMP] 2.2.1.1) with [`PROBE_NEGOTIATE_FLAGS`], empty domain and
/// workstation, and a VERSION ([MS-NLMP] 2.2.2.10) of Windows 10 (10.0 build 19041,
/// NTLM revision 15).
pub fn negotiate_message() -> Vec<u8> {
    let mut m = Vec::with_capacity(40);
    m.extend_from_slice(&NTLMSSP_SIGNATURE);
    m.extend_from_slice(&1u32.to_le_bytes());
    m.extend_from_slice(&PROBE_NEGOTIATE_FLAGS.to_le_bytes());
    for _ in 0..2 {
        // DomainNameFields / WorkstationFields: empty, offset = end of message.
        m.extend_from_slice(&0u16.to_le_bytes());
        m.extend_from_slice(&0u16.to_le_bytes());
        m.extend_from_slice(&40u32.to_le_bytes());
    }
    m.extend_from_slice(&[10, 0]);
    m.extend_from_slice(&19041u16.to_le_bytes());
    m.extend_from_slice(&[0, 0, 0, 0x0f]);
    m
}

/// Facts from a CHALLENGE_MESSAGE ([MS-NLMP] 2.2.1.2) and its AV_PAIRs ([MS-NLMP] 2.2.2.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NtlmChallenge {
    /// Raw `NegotiateFlags`.
    pub flags: u32,
    /// `TargetName` (UTF-16LE if `NEGOTIATE_UNICODE`, else OEM read as Latin-1), lossy.
    pub target_name: Option<String>,
    /// `MsvAvNbComputerName` (1).
    pub nb_computer: Option<String>,
    /// `MsvAvNbDomainName` (2).
    pub nb_domain: Option<String>,
    /// `MsvAvDnsComputerName` (3).
    pub dns_computer: Option<String>,
    /// `MsvAvDnsDomainName` (4).
    pub dns_domain: Option<String>,
    /// `MsvAvDnsTreeName` (5).
    pub dns_tree: Option<String>,
    /// `MsvAvTimestamp` (7): a FILETIME (100 ns ticks since 1601-01-01 UTC).
    pub timestamp: Option<u64>,
    /// `Version` ([MS-NLMP] 2.2.2.10), when `NEGOTIATE_VERSION` is set and present.
    pub os_version: Option<OsVersion>,
}

/// NTLM `VERSION` structure ([MS-NLMP] 2.2.2.10).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OsVersion {
    /// `ProductMajorVersion`.
    pub major: u8,
    /// `ProductMinorVersion`.
    pub minor: u8,
    /// `ProductBuild`.
    pub build: u16,
    /// `NTLMRevisionCurrent` (15 = NTLMSSP_REVISION_W2K3).
    pub ntlm_revision: u8,
}

fn latin1(bytes: &[u8]) -> String {
    bytes
        .iter()
        .take(MAX_NAME_CHARS)
        .map(|b| char::from(*b))
        .collect()
}

/// Read a `len, maxlen, offset` field triple and return a cursor over the payload it
/// points at (keeping absolute offsets).
fn payload_field<'a>(
    c: &mut Cursor<'a>,
    msg: &'a [u8],
    what: &'static str,
) -> Result<Cursor<'a>, DecodeError> {
    let len = usize::from(c.u16_le(what)?);
    c.skip(2, what)?;
    let off = c.u32_le(what)? as usize;
    if len == 0 {
        return Ok(Cursor::new(&[]));
    }
    let mut m = Cursor::new(msg);
    m.skip(off, what)?;
    m.sub(len, what)
}

/// Decode a CHALLENGE_MESSAGE ([MS-NLMP] 2.2.1.2) and its target info AV_PAIRs
/// ([MS-NLMP] 2.2.2.1). `token` must start with `NTLMSSP\0` (unwrap SPNEGO first, or use
/// [`find_ntlmssp`]). Strings are decoded lossily and capped at [`MAX_NAME_CHARS`].
pub fn parse_challenge(token: &[u8]) -> Result<NtlmChallenge, DecodeError> {
    let mut c = Cursor::new(token);
    let sig = c.array::<8>("ntlm signature")?;
    if sig != NTLMSSP_SIGNATURE {
        return Err(DecodeError::unexpected(
            "ntlm signature",
            0,
            u32::from_be_bytes([sig[0], sig[1], sig[2], sig[3]]),
        ));
    }
    let at = c.offset();
    let msg_type = c.u32_le("ntlm message type")?;
    if msg_type != 2 {
        return Err(DecodeError::unexpected("ntlm message type", at, msg_type));
    }
    let target_raw = payload_field(&mut c, token, "ntlm target name")?.rest();
    let flags = c.u32_le("ntlm negotiate flags")?;
    c.skip(8, "ntlm server challenge")?;
    let decode = |b: &[u8]| {
        if flags & NEGOTIATE_UNICODE != 0 {
            utf16::decode_lossy(b, MAX_NAME_CHARS)
        } else {
            latin1(b)
        }
    };
    let mut out = NtlmChallenge {
        flags,
        target_name: (!target_raw.is_empty()).then(|| decode(target_raw)),
        nb_computer: None,
        nb_domain: None,
        dns_computer: None,
        dns_domain: None,
        dns_tree: None,
        timestamp: None,
        os_version: None,
    };
    // Reserved + TargetInfoFields: absent in very old (32-byte header) challenges.
    if c.remaining() < 16 {
        return Ok(out);
    }
    c.skip(8, "ntlm reserved")?;
    let mut av = payload_field(&mut c, token, "ntlm target info")?;
    if flags & NEGOTIATE_VERSION != 0 && c.remaining() >= 8 {
        let major = c.u8("ntlm version")?;
        let minor = c.u8("ntlm version")?;
        let build = c.u16_le("ntlm version")?;
        c.skip(3, "ntlm version")?;
        let ntlm_revision = c.u8("ntlm version")?;
        out.os_version = Some(OsVersion {
            major,
            minor,
            build,
            ntlm_revision,
        });
    }
    while !av.is_empty() {
        let id = av.u16_le("ntlm av pair id")?;
        let len = usize::from(av.u16_le("ntlm av pair length")?);
        let value = av.take(len, "ntlm av pair value")?;
        match id {
            0 => break,
            1 => out.nb_computer = Some(utf16::decode_lossy(value, MAX_NAME_CHARS)),
            2 => out.nb_domain = Some(utf16::decode_lossy(value, MAX_NAME_CHARS)),
            3 => out.dns_computer = Some(utf16::decode_lossy(value, MAX_NAME_CHARS)),
            4 => out.dns_domain = Some(utf16::decode_lossy(value, MAX_NAME_CHARS)),
            5 => out.dns_tree = Some(utf16::decode_lossy(value, MAX_NAME_CHARS)),
            7 => out.timestamp = Cursor::new(value).u64_le("ntlm av pair timestamp").ok(),
            _ => {}
        }
    }
    Ok(out)
}

/// One AV_PAIR of a CHALLENGE_MESSAGE's target info ([MS-NLMP] 2.2.2.1), for [`challenge_message`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AvPair<'a> {
    /// A name pair (1 `MsvAvNbComputerName`, 2 `MsvAvNbDomainName`, 3 `MsvAvDnsComputerName`,
    /// 4 `MsvAvDnsDomainName`, 5 `MsvAvDnsTreeName`), encoded UTF-16LE.
    Name(u16, &'a str),
    /// `MsvAvTimestamp` (7): a FILETIME.
    Timestamp(u64),
}

/// What [`challenge_message`] encodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChallengeSpec<'a> {
    /// `NegotiateFlags` (must include [`NEGOTIATE_UNICODE`]: names are encoded UTF-16LE).
    pub flags: u32,
    /// `ServerChallenge`.
    pub server_challenge: [u8; 8],
    /// `TargetName`.
    pub target_name: &'a str,
    /// The target info AV_PAIRs, in order; `MsvAvEOL` is appended.
    pub av_pairs: &'a [AvPair<'a>],
    /// `Version`, written when `flags` has [`NEGOTIATE_VERSION`] (else 8 zero bytes).
    pub version: OsVersion,
}

/// CHALLENGE_MESSAGE ([MS-NLMP] 2.2.1.2): the 56-byte header, then the target name, then the
/// target info. For the lab's CredSSP servers; [`parse_challenge`] reads it back.
///
/// Lengths beyond `u16::MAX` are truncated: callers pass short names.
pub fn challenge_message(spec: &ChallengeSpec<'_>) -> Vec<u8> {
    const HEADER: usize = 56;
    let target = utf16::encode(spec.target_name);
    let mut info = Vec::new();
    for pair in spec.av_pairs {
        let (id, value) = match *pair {
            AvPair::Name(id, name) => (id, utf16::encode(name)),
            AvPair::Timestamp(t) => (7, t.to_le_bytes().to_vec()),
        };
        info.extend_from_slice(&id.to_le_bytes());
        info.extend_from_slice(&(value.len() as u16).to_le_bytes());
        info.extend_from_slice(&value);
    }
    info.extend_from_slice(&[0, 0, 0, 0]); // MsvAvEOL
    let field = |m: &mut Vec<u8>, len: usize, offset: usize| {
        m.extend_from_slice(&(len as u16).to_le_bytes());
        m.extend_from_slice(&(len as u16).to_le_bytes());
        m.extend_from_slice(&(offset as u32).to_le_bytes());
    };
    let mut m = Vec::with_capacity(HEADER + target.len() + info.len());
    m.extend_from_slice(&NTLMSSP_SIGNATURE);
    m.extend_from_slice(&2u32.to_le_bytes());
    field(&mut m, target.len(), HEADER);
    m.extend_from_slice(&spec.flags.to_le_bytes());
    m.extend_from_slice(&spec.server_challenge);
    m.extend_from_slice(&[0; 8]); // Reserved
    field(&mut m, info.len(), HEADER + target.len());
    if spec.flags & NEGOTIATE_VERSION != 0 {
        let v = spec.version;
        m.extend_from_slice(&[v.major, v.minor]);
        m.extend_from_slice(&v.build.to_le_bytes());
        m.extend_from_slice(&[0, 0, 0, v.ntlm_revision]);
    } else {
        m.extend_from_slice(&[0; 8]);
    }
    m.extend_from_slice(&target);
    m.extend_from_slice(&info);
    m
}

/// Locate an NTLMSSP message inside a (SPNEGO-wrapped) token: the slice from the first
/// `NTLMSSP\0` signature to the end, if any.
pub fn find_ntlmssp(token: &[u8]) -> Option<&[u8]> {
    let pos = token.windows(8).position(|w| w == NTLMSSP_SIGNATURE)?;
    token.get(pos..)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [MS-NLMP] 4.2.4.3 (NTLMv2 messages) CHALLENGE_MESSAGE: target "Server", AV_PAIRs
    /// NbDomainName "Domain", NbComputerName "Server", version 6.0.6000 rev 15.
    const SPEC_CHALLENGE: [u8; 104] = [
        0x4e, 0x54, 0x4c, 0x4d, 0x53, 0x53, 0x50, 0x00, 0x02, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x0c,
        0x00, 0x38, 0x00, 0x00, 0x00, 0x33, 0x82, 0x8a, 0xe2, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab,
        0xcd, 0xef, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x24, 0x00, 0x24, 0x00, 0x44,
        0x00, 0x00, 0x00, 0x06, 0x00, 0x70, 0x17, 0x00, 0x00, 0x00, 0x0f, 0x53, 0x00, 0x65, 0x00,
        0x72, 0x00, 0x76, 0x00, 0x65, 0x00, 0x72, 0x00, 0x02, 0x00, 0x0c, 0x00, 0x44, 0x00, 0x6f,
        0x00, 0x6d, 0x00, 0x61, 0x00, 0x69, 0x00, 0x6e, 0x00, 0x01, 0x00, 0x0c, 0x00, 0x53, 0x00,
        0x65, 0x00, 0x72, 0x00, 0x76, 0x00, 0x65, 0x00, 0x72, 0x00, 0x00, 0x00, 0x00, 0x00,
    ];

    #[test]
    fn challenge_encoder_reproduces_the_spec_vector() {
        let spec = ChallengeSpec {
            flags: 0xe28a_8233,
            server_challenge: [0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef],
            target_name: "Server",
            av_pairs: &[AvPair::Name(2, "Domain"), AvPair::Name(1, "Server")],
            version: OsVersion {
                major: 6,
                minor: 0,
                build: 6000,
                ntlm_revision: 15,
            },
        };
        assert_eq!(challenge_message(&spec), SPEC_CHALLENGE.to_vec());
        let with_time = ChallengeSpec {
            av_pairs: &[
                AvPair::Name(3, "lab.example"),
                AvPair::Timestamp(0x01d0_0000_0000_0000),
            ],
            ..spec
        };
        let parsed = parse_challenge(&challenge_message(&with_time)).expect("decodes");
        assert_eq!(parsed.dns_computer.as_deref(), Some("lab.example"));
        assert_eq!(parsed.timestamp, Some(0x01d0_0000_0000_0000));
    }

    #[test]
    fn spec_challenge() {
        let c = parse_challenge(&SPEC_CHALLENGE).expect("decodes");
        assert_eq!(c.flags, 0xe28a_8233);
        assert_eq!(c.target_name.as_deref(), Some("Server"));
        assert_eq!(c.nb_domain.as_deref(), Some("Domain"));
        assert_eq!(c.nb_computer.as_deref(), Some("Server"));
        assert_eq!(c.dns_computer, None);
        assert_eq!(c.timestamp, None);
        assert_eq!(
            c.os_version,
            Some(OsVersion {
                major: 6,
                minor: 0,
                build: 6000,
                ntlm_revision: 15
            })
        );
    }

    #[test]
    fn challenge_inside_spnego_and_every_prefix() {
        let mut wrapped = vec![0xa1, 0x81, 0x86, 0x30, 0x81, 0x83, 0xa2, 0x6a, 0x04, 0x68];
        wrapped.extend_from_slice(&SPEC_CHALLENGE);
        let inner = find_ntlmssp(&wrapped).expect("found");
        assert_eq!(inner, SPEC_CHALLENGE);
        for n in 0..SPEC_CHALLENGE.len() {
            let r = parse_challenge(&SPEC_CHALLENGE[..n]);
            assert!(r.is_err(), "prefix {n}: {r:?}");
        }
    }

    fn build_challenge(target: &[u8], info: &[u8], flags: u32) -> Vec<u8> {
        let mut m = Vec::new();
        m.extend_from_slice(&NTLMSSP_SIGNATURE);
        m.extend_from_slice(&2u32.to_le_bytes());
        let t_off = 56u32;
        m.extend_from_slice(&(target.len() as u16).to_le_bytes());
        m.extend_from_slice(&(target.len() as u16).to_le_bytes());
        m.extend_from_slice(&t_off.to_le_bytes());
        m.extend_from_slice(&flags.to_le_bytes());
        m.extend_from_slice(&[0x11; 8]);
        m.extend_from_slice(&[0; 8]);
        m.extend_from_slice(&(info.len() as u16).to_le_bytes());
        m.extend_from_slice(&(info.len() as u16).to_le_bytes());
        m.extend_from_slice(&(t_off + target.len() as u32).to_le_bytes());
        m.extend_from_slice(&[10, 0, 0x65, 0x4a, 0, 0, 0, 15]);
        m.extend_from_slice(target);
        m.extend_from_slice(info);
        m
    }

    fn av(id: u16, v: &[u8]) -> Vec<u8> {
        let mut o = id.to_le_bytes().to_vec();
        o.extend_from_slice(&(v.len() as u16).to_le_bytes());
        o.extend_from_slice(v);
        o
    }

    fn utf16(s: &str) -> Vec<u8> {
        s.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    #[test]
    fn all_av_pairs_and_timestamp() {
        let mut info = Vec::new();
        info.extend(av(2, &utf16("CORP")));
        info.extend(av(1, &utf16("RDS01")));
        info.extend(av(4, &utf16("corp.example")));
        info.extend(av(3, &utf16("rds01.corp.example")));
        info.extend(av(5, &utf16("example")));
        info.extend(av(0x99, &[1, 2, 3]));
        info.extend(av(7, &0x01da_0000_1234_5678u64.to_le_bytes()));
        info.extend(av(0, &[]));
        info.extend(av(1, &utf16("AFTER-EOL")));
        let m = build_challenge(
            &utf16("CORP"),
            &info,
            PROBE_NEGOTIATE_FLAGS | NEGOTIATE_TARGET_INFO,
        );
        let c = parse_challenge(&m).expect("decodes");
        assert_eq!(c.target_name.as_deref(), Some("CORP"));
        assert_eq!(c.nb_domain.as_deref(), Some("CORP"));
        assert_eq!(c.nb_computer.as_deref(), Some("RDS01"));
        assert_eq!(c.dns_domain.as_deref(), Some("corp.example"));
        assert_eq!(c.dns_computer.as_deref(), Some("rds01.corp.example"));
        assert_eq!(c.dns_tree.as_deref(), Some("example"));
        assert_eq!(c.timestamp, Some(0x01da_0000_1234_5678));
        assert_eq!(c.os_version.map(|v| v.build), Some(19045));
    }

    #[test]
    fn oem_target_lossy_utf16_and_bad_pointers() {
        let m = build_challenge(b"WORKGROUP", &[], NEGOTIATE_OEM);
        let c = parse_challenge(&m).expect("decodes");
        assert_eq!(c.target_name.as_deref(), Some("WORKGROUP"));
        assert_eq!(c.os_version, None);
        // Lone surrogate and odd length: lossy, no error.
        let m = build_challenge(&[0x00, 0xd8, 0x41, 0x00, 0x42], &[], NEGOTIATE_UNICODE);
        let c = parse_challenge(&m).expect("decodes");
        assert_eq!(c.target_name.as_deref(), Some("\u{fffd}A"));
        // Target info pointing past the end.
        let mut m = build_challenge(&[], &[], NEGOTIATE_UNICODE);
        m[40] = 0xff;
        m[44] = 0xff;
        m[45] = 0xff;
        let e = parse_challenge(&m).expect_err("bad pointer");
        assert_eq!(e.what, "ntlm target info");
        // AV pair overrunning the target info.
        let info = [1, 0, 0x40, 0, 0x41, 0];
        let e = parse_challenge(&build_challenge(&[], &info, 1)).expect_err("overrun");
        assert_eq!(e.what, "ntlm av pair value");
        // Wrong message type / signature.
        let mut m = build_challenge(&[], &[], 1);
        m[8] = 3;
        assert_eq!(
            parse_challenge(&m).expect_err("type").what,
            "ntlm message type"
        );
        assert_eq!(
            parse_challenge(b"NTLMSSQ\0\x02\0\0\0")
                .expect_err("sig")
                .what,
            "ntlm signature"
        );
    }

    #[test]
    fn negotiate_message_layout() {
        let m = negotiate_message();
        assert_eq!(m.len(), 40);
        assert_eq!(&m[..8], b"NTLMSSP\0");
        assert_eq!(&m[8..12], &[1, 0, 0, 0]);
        assert_eq!(
            u32::from_le_bytes([m[12], m[13], m[14], m[15]]),
            0xe208_8205
        );
        assert_eq!(&m[32..], &[10, 0, 0x61, 0x4a, 0, 0, 0, 15]);
    }
}
