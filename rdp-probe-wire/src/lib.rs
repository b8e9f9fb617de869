//! Tolerant, zero-dependency decoders for the RDP PDUs that carry failures and facts.
//!
//! Design rules, applied by every module:
//!
//! * **Raw number first, classification second.** Every wire value that a server can
//!   choose (failure codes, error info, disconnect reasons, protocol selections, ...) is
//!   returned as the raw integer; unknown values are kept, never rejected.
//! * **Never panic, never index out of bounds.** All reads go through the bounds-checked
//!   [`cursor::Cursor`].
//! * **Never allocate in proportion to a length claimed by the peer.** Decoders borrow
//!   slices of the input; the few owned collections are capped.
//! * **Errors say what was short or wrong**, and where ([`DecodeError`]).
//! * **No clock, no randomness, no I/O.** What must be fresh (the TLS ClientHello random)
//!   is the caller's argument.
//!
//! # Why a hand-written cursor, and no `nom`
//!
//! Every decoder reads through the labelled, hand-written [`cursor::Cursor`] by design,
//! as rustls and IronRDP hand-write their readers. Each read names its field
//! (`c.u32_le("redirection session id")`), so a failure says which field, at which
//! offset, and why; a short input is an error, never a panic.
//!
//! `nom` is used nowhere in the project. The PDUs here are fixed layouts with length
//! prefixes and flag-driven optional fields; a combinator parser would not read better
//! than the cursor code, and `nom`'s `context()` would only reproduce the field labels
//! the cursor already carries, behind a second error type.
//!
//! `bytes` is not a dependency of this crate either: the crate owns no receive buffer.
//! It answers how long the next frame is ([`frame::rdp_frame_len`],
//! [`credssp::ts_request_len`], [`tls::record_len`]) and decodes borrowed slices. The
//! framing and receive buffers live in the driver (`rdp-probe-core`), which is where a
//! `bytes::BytesMut` belongs.
//!
//! # Kerberos: only what the diagnosis needs
//!
//! [`kerberos`] reads the replies the probe relays from a KDC during a Kerberos logon: which
//! message a reply is, and the fields of a KRB-ERROR (`error-code`, times, realms, names,
//! `e-text`). That is all. Decoding and encoding Kerberos proper (requests, tickets, encrypted
//! parts, checksums, the AP-REQ inside SPNEGO) stays with sspi and picky-krb, which run the
//! logon; picky-krb serves this crate's tests as the oracle for its KRB-ERROR decoder.
//!
//! # DNS: finding the KDC
//!
//! [`dns`] writes the SRV query for a realm's KDCs (`_kerberos._tcp.<REALM>`, as the Windows DC
//! locator asks) and decodes a resolver's reply into the SRV records, in the order to try them.
//! Like the rest of the crate it is hand-written over the cursor; no DNS library is used.
//!
//! Specification references in the documentation use the usual Microsoft Open
//! Specifications names: \[MS-RDPBCGR\] (RDP basic connectivity), \[MS-CSSP\] (CredSSP),
//! \[MS-NLMP\] (NTLM), \[MS-RDPELE\] (licensing), \[MS-KILE\] (Kerberos extensions), \[MS-ADTS\]
//! (Active Directory: the DC locator), and the
//! ITU / IETF documents \[T.123\], \[X.224\], \[T.125\], \[T.124\], \[RFC 5246\] (TLS 1.2),
//! \[RFC 8446\] (TLS 1.3), \[RFC 6520\] (TLS heartbeat), \[RFC 4120\] (Kerberos), \[RFC 1035\] (DNS),
//! \[RFC 2782\] (DNS SRV).

pub mod credssp;
pub mod cursor;
pub mod dns;
mod error;
pub mod frame;
pub mod fuzz_oracles;
pub mod kerberos;
pub mod licensing;
pub mod mcs;
pub mod ntlm;
pub mod redirection;
pub mod security;
pub mod share;
pub mod tls;
pub mod tls_scan;
pub mod x224;

mod ber;
mod utf16;

pub use error::{DecodeError, DecodeErrorKind};
