//! The phases of the RDP connection sequence, by their one set of names.
//!
//! Reports (`phases[].phase`, `failure.phase`, `stop.phase`), the mstsc rules
//! ([`crate::mstsc::Rule::phases`]) and the lab all name phases through this enum.

use std::fmt;
use std::str::FromStr;

/// One step of the connection sequence, in the order the client meets them ([MS-RDPBCGR] 1.3.1.1).
///
/// Ordered (`PartialOrd`/`Ord`) in that order, so `phase <= Phase::Tls` means "TLS or earlier".
/// Serialized as the snake_case names returned by [`Phase::as_str`].
///
/// [MS-RDPBCGR]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-rdpbcgr/
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Phase {
    /// Name resolution.
    Resolve,
    /// TCP connect.
    TcpConnect,
    /// X.224 Connection Request / Confirm with RDP_NEG_REQ / RDP_NEG_RSP / RDP_NEG_FAILURE.
    X224,
    /// TLS upgrade.
    Tls,
    /// CredSSP (Network Level Authentication), including the Early User Authorization Result.
    Credssp,
    /// MCS Connect Initial / Connect Response with the GCC basic settings.
    BasicSettings,
    /// MCS Erect Domain, Attach User, Channel Joins.
    ChannelConnection,
    /// Client Info PDU (and, with Standard RDP Security, the security exchange).
    SecureSettings,
    /// Licensing (and connect-time auto-detection before it).
    Licensing,
    /// Demand Active / Confirm Active (and multitransport bootstrapping before it).
    Capabilities,
    /// Synchronize, Control, Font List / Font Map.
    Finalization,
}

impl Phase {
    /// Every phase, in order.
    pub const ALL: [Phase; 11] = [
        Phase::Resolve,
        Phase::TcpConnect,
        Phase::X224,
        Phase::Tls,
        Phase::Credssp,
        Phase::BasicSettings,
        Phase::ChannelConnection,
        Phase::SecureSettings,
        Phase::Licensing,
        Phase::Capabilities,
        Phase::Finalization,
    ];

    /// The stable snake_case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Resolve => "resolve",
            Phase::TcpConnect => "tcp_connect",
            Phase::X224 => "x224",
            Phase::Tls => "tls",
            Phase::Credssp => "credssp",
            Phase::BasicSettings => "basic_settings",
            Phase::ChannelConnection => "channel_connection",
            Phase::SecureSettings => "secure_settings",
            Phase::Licensing => "licensing",
            Phase::Capabilities => "capabilities",
            Phase::Finalization => "finalization",
        }
    }

    /// The phase named `s` (a name returned by [`Phase::as_str`]), or `None`.
    pub fn parse(s: &str) -> Option<Phase> {
        Phase::ALL.iter().copied().find(|p| p.as_str() == s)
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of [`Phase::from_str`]: the string names no phase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownPhase(pub String);

impl fmt::Display for UnknownPhase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown phase {:?}", self.0)
    }
}

impl std::error::Error for UnknownPhase {}

impl FromStr for Phase {
    type Err = UnknownPhase;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Phase::parse(s).ok_or_else(|| UnknownPhase(s.to_owned()))
    }
}

/// Writes a phase list as `a, b, c` (as the explanation and the mapping table show it).
pub(crate) fn join(phases: &[Phase]) -> String {
    phases
        .iter()
        .map(|p| p.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_order_and_serde() {
        let names = [
            "resolve",
            "tcp_connect",
            "x224",
            "tls",
            "credssp",
            "basic_settings",
            "channel_connection",
            "secure_settings",
            "licensing",
            "capabilities",
            "finalization",
        ];
        assert_eq!(names.len(), Phase::ALL.len());
        for (i, (p, name)) in Phase::ALL.iter().zip(names).enumerate() {
            assert_eq!(p.as_str(), name);
            assert_eq!(p.to_string(), name);
            assert_eq!(Phase::parse(name), Some(*p));
            assert_eq!(name.parse::<Phase>(), Ok(*p));
            let json = serde_json::to_string(p).expect("serialize");
            assert_eq!(json, format!("\"{name}\""));
            assert_eq!(
                serde_json::from_str::<Phase>(&json).expect("deserialize"),
                *p
            );
            if i > 0 {
                assert!(Phase::ALL[i - 1] < *p);
            }
        }
        assert_eq!(Phase::parse("nope"), None);
        assert_eq!(
            "nope".parse::<Phase>(),
            Err(UnknownPhase("nope".to_owned()))
        );
        assert!(Phase::X224 <= Phase::Tls && Phase::Credssp > Phase::Tls);
        assert_eq!(join(&[Phase::X224, Phase::Tls]), "x224, tls");
    }
}
