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
//!
//! Specification references in the documentation use the usual Microsoft Open
//! Specifications names: \[MS-RDPBCGR\] (RDP basic connectivity), \[MS-CSSP\] (CredSSP),
//! \[MS-NLMP\] (NTLM), \[MS-RDPELE\] (licensing), and the ITU / IETF documents \[T.123\],
//! \[X.224\], \[T.125\], \[T.124\], \[RFC 5246\].

pub mod credssp;
pub mod cursor;
mod error;
pub mod frame;
pub mod fuzz_oracles;
pub mod licensing;
pub mod mcs;
pub mod ntlm;
pub mod share;
pub mod tls;
pub mod x224;

mod ber;

pub use error::{DecodeError, DecodeErrorKind};
