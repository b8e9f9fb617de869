//! What to probe: a host name or address and a TCP port.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use serde::Serialize;

/// The default RDP port.
pub const DEFAULT_PORT: u16 = 3389;

/// A probe target: `HOST`, `HOST:PORT`, `[IPv6]:PORT` or a bare IPv6 address.
///
/// ```
/// use rdp_probe_core::Target;
/// let t: Target = "[::1]:3390".parse().unwrap();
/// assert_eq!(t.host(), "::1");
/// assert_eq!(t.port(), 3390);
/// let t: Target = "rdp.example.com".parse().unwrap();
/// assert_eq!(t.port(), 3389);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Target {
    host: String,
    port: u16,
}

impl Target {
    /// A target from a host name or address literal and a port.
    pub fn new(host: impl Into<String>, port: u16) -> Result<Self, TargetError> {
        let host = host.into();
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        if host.is_empty() {
            return Err(TargetError::EmptyHost);
        }
        if host
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '/')
        {
            return Err(TargetError::InvalidHost(host));
        }
        if port == 0 {
            return Err(TargetError::InvalidPort("0".to_owned()));
        }
        Ok(Self { host, port })
    }

    /// The host name or address literal (IPv6 without brackets).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The TCP port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The host as an IP address, when it is a literal.
    pub fn ip(&self) -> Option<IpAddr> {
        self.host.parse().ok()
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

/// Why a target string could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TargetError {
    /// No host was given.
    #[error("empty host")]
    EmptyHost,
    /// The host contains characters no host name or address can contain.
    #[error("invalid host {0:?}")]
    InvalidHost(String),
    /// The port is not a number from 1 to 65535.
    #[error("invalid port {0:?}")]
    InvalidPort(String),
}

impl FromStr for Target {
    type Err = TargetError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse_with_port(s, DEFAULT_PORT)
    }
}

impl Target {
    /// Parses `HOST`, `HOST:PORT`, `[IPv6]:PORT` or a bare IPv6 address, with `default_port` where
    /// none is given.
    pub fn parse_with_port(s: &str, default_port: u16) -> Result<Self, TargetError> {
        let s = s.trim();
        let parse_port = |p: &str| -> Result<u16, TargetError> {
            match p.parse::<u16>() {
                Ok(port) if port != 0 => Ok(port),
                _ => Err(TargetError::InvalidPort(p.to_owned())),
            }
        };
        if let Some(rest) = s.strip_prefix('[') {
            let (host, after) = rest
                .split_once(']')
                .ok_or_else(|| TargetError::InvalidHost(s.to_owned()))?;
            let port = match after {
                "" => default_port,
                p => parse_port(
                    p.strip_prefix(':')
                        .ok_or_else(|| TargetError::InvalidHost(s.to_owned()))?,
                )?,
            };
            return Self::new(host, port);
        }
        // A bare IPv6 address has several colons and no port.
        if s.matches(':').count() > 1 {
            return Self::new(s, default_port);
        }
        match s.rsplit_once(':') {
            Some((host, port)) => Self::new(host, parse_port(port)?),
            None => Self::new(s, default_port),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_forms() {
        let t: Target = "10.0.0.1".parse().unwrap();
        assert_eq!((t.host(), t.port()), ("10.0.0.1", 3389));
        let t: Target = "host.example:3390".parse().unwrap();
        assert_eq!((t.host(), t.port()), ("host.example", 3390));
        let t: Target = "::1".parse().unwrap();
        assert_eq!((t.host(), t.port()), ("::1", 3389));
        let t: Target = "[fe80::1]:1".parse().unwrap();
        assert_eq!((t.host(), t.port()), ("fe80::1", 1));
        assert_eq!(t.to_string(), "[fe80::1]:1");
        assert_eq!("[::1]".parse::<Target>().unwrap().port(), 3389);
    }

    #[test]
    fn rejects_bad_input() {
        assert_eq!("".parse::<Target>(), Err(TargetError::EmptyHost));
        assert!(matches!(
            "h:0".parse::<Target>(),
            Err(TargetError::InvalidPort(_))
        ));
        assert!(matches!(
            "h:99999".parse::<Target>(),
            Err(TargetError::InvalidPort(_))
        ));
        assert!(matches!(
            "h:x".parse::<Target>(),
            Err(TargetError::InvalidPort(_))
        ));
        assert!(matches!(
            "a b".parse::<Target>(),
            Err(TargetError::InvalidHost(_))
        ));
        assert!(matches!(
            "[::1".parse::<Target>(),
            Err(TargetError::InvalidHost(_))
        ));
    }
}
