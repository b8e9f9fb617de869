//! Why a probe stopped without a failure (`stop.reason` in a report, with the verdicts
//! `needs_credentials` and `inconclusive`). rdp-probe's own names.

use std::fmt;

/// The reason a probe stopped without a failure. Serialized as the snake_case string of
/// [`StopReason::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum StopReason {
    /// The server requires NLA and the probe has no credentials (verdict `needs_credentials`).
    NlaRequiresCredentials,
    /// The probe has credentials but withheld them: nothing vouches for the server's identity (verdict
    /// `credentials_withheld`).
    CredentialsWithheld,
    /// The server selected a security protocol the probe does not implement (RDSTLS, RDSAAD).
    ProtocolNotImplemented,
    /// The probe ended before reaching a verdict.
    ProbeLimit,
    /// An impossible state was reached inside rdp-probe: a bug in rdp-probe, not a server fault.
    InternalError,
}

impl StopReason {
    /// Every stop reason.
    pub const ALL: [StopReason; 5] = [
        StopReason::NlaRequiresCredentials,
        StopReason::CredentialsWithheld,
        StopReason::ProtocolNotImplemented,
        StopReason::ProbeLimit,
        StopReason::InternalError,
    ];

    /// The stable snake_case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            StopReason::NlaRequiresCredentials => "nla_requires_credentials",
            StopReason::CredentialsWithheld => "credentials_withheld",
            StopReason::ProtocolNotImplemented => "protocol_not_implemented",
            StopReason::ProbeLimit => "probe_limit",
            StopReason::InternalError => "internal_error",
        }
    }

    /// The reason named `s` (a name returned by [`StopReason::as_str`]), or `None`.
    pub fn parse(s: &str) -> Option<StopReason> {
        StopReason::ALL.iter().copied().find(|r| r.as_str() == s)
    }

    /// What the reason means.
    pub fn meaning(self) -> &'static str {
        match self {
            StopReason::NlaRequiresCredentials => {
                "the server requires Network Level Authentication (CredSSP) and the probe has no credentials: it stopped after the NTLM NEGOTIATE/CHALLENGE, before any logon attempt"
            }
            StopReason::CredentialsWithheld => {
                "the probe has credentials but sent nothing derived from the password: neither a valid certificate chain, a pinned fingerprint nor the user vouched for the server's identity (Standard RDP Security can prove none)"
            }
            StopReason::ProtocolNotImplemented => {
                "the server selected a security protocol rdp-probe does not implement (RDSTLS or RDSAAD)"
            }
            StopReason::ProbeLimit => "the probe ended before reaching a verdict",
            StopReason::InternalError => {
                "an internal error in rdp-probe: an impossible state was reached; this is a bug in rdp-probe, not a server fault"
            }
        }
    }

    /// What to do (the report's hint may add details such as the host name).
    pub fn hint(self) -> &'static str {
        match self {
            StopReason::NlaRequiresCredentials => {
                "probe again with credentials to test a logon (rdp-probe: -u USER, the password on stdin or in RDP_PROBE_PASSWORD)"
            }
            StopReason::CredentialsWithheld => {
                "if this is the server you mean, pin its certificate (rdp-probe: --trust-cert sha256:FINGERPRINT, the fingerprint in the report), trust its CA (--ca-file PEM), or send to any server (--trust-cert any)"
            }
            StopReason::ProtocolNotImplemented => {
                "request other protocols with --protocols (e.g. ssl,hybrid,hybrid_ex)"
            }
            StopReason::ProbeLimit | StopReason::InternalError => {
                "this is a bug in rdp-probe; please report it with the -v log"
            }
        }
    }
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_serde() {
        let names = [
            "nla_requires_credentials",
            "credentials_withheld",
            "protocol_not_implemented",
            "probe_limit",
            "internal_error",
        ];
        for (r, name) in StopReason::ALL.into_iter().zip(names) {
            assert_eq!(r.as_str(), name);
            assert_eq!(r.to_string(), name);
            assert_eq!(StopReason::parse(name), Some(r));
            let json = serde_json::to_string(&r).expect("serialize");
            assert_eq!(json, format!("\"{name}\""));
            assert_eq!(
                serde_json::from_str::<StopReason>(&json).expect("deserialize"),
                r
            );
            assert!(!r.meaning().is_empty() && !r.hint().is_empty());
        }
        assert_eq!(StopReason::parse("nope"), None);
        assert!(
            StopReason::InternalError
                .meaning()
                .contains("bug in rdp-probe")
        );
    }
}
