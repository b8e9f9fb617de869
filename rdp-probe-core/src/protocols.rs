//! The security protocols of X.224 negotiation ([MS-RDPBCGR] 2.2.1.1.1 RDP_NEG_REQ `requestedProtocols`).
//!
//! [MS-RDPBCGR]: https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-rdpbcgr/

use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

/// A set of security protocols, as the raw `requestedProtocols` / `selectedProtocol` bits.
///
/// `PROTOCOL_RDP` (Standard RDP Security) is the empty set, so [`Protocols::RDP`] is `0`.
///
/// ```
/// use rdp_probe_core::Protocols;
/// let p: Protocols = "ssl,hybrid,hybrid_ex".parse().unwrap();
/// assert_eq!(p, Protocols::MSTSC_DEFAULT);
/// assert_eq!(p.bits(), 0x0b);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Protocols(u32);

impl Protocols {
    /// Standard RDP Security (no bit set).
    pub const RDP: Self = Self(0);
    /// TLS 1.0, 1.1 or 1.2 (PROTOCOL_SSL, 0x1).
    pub const SSL: Self = Self(0x1);
    /// CredSSP, i.e. Network Level Authentication (PROTOCOL_HYBRID, 0x2).
    pub const HYBRID: Self = Self(0x2);
    /// RDSTLS (PROTOCOL_RDSTLS, 0x4).
    pub const RDSTLS: Self = Self(0x4);
    /// CredSSP with the Early User Authorization Result PDU (PROTOCOL_HYBRID_EX, 0x8).
    pub const HYBRID_EX: Self = Self(0x8);
    /// RDS AAD authentication (PROTOCOL_RDSAAD, 0x10).
    pub const RDSAAD: Self = Self(0x10);
    /// What the Windows client requests by default: SSL | HYBRID | HYBRID_EX.
    pub const MSTSC_DEFAULT: Self = Self(0x1 | 0x2 | 0x8);

    const NAMES: [(u32, &'static str); 5] = [
        (0x1, "ssl"),
        (0x2, "hybrid"),
        (0x4, "rdstls"),
        (0x8, "hybrid_ex"),
        (0x10, "rdsaad"),
    ];

    /// From raw wire bits; unknown bits are kept.
    pub const fn from_bits(bits: u32) -> Self {
        Self(bits)
    }

    /// The raw wire bits.
    pub const fn bits(self) -> u32 {
        self.0
    }

    /// Whether every bit of `other` is in `self` (always true for [`Protocols::RDP`]).
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether this is Standard RDP Security (the empty set).
    pub const fn is_rdp(self) -> bool {
        self.0 == 0
    }

    /// Whether a CredSSP protocol (HYBRID or HYBRID_EX) is in the set.
    pub const fn has_nla(self) -> bool {
        self.0 & (Self::HYBRID.0 | Self::HYBRID_EX.0) != 0
    }

    /// The members of `self` that are not in `other`.
    pub const fn without(self, other: Self) -> Self {
        Self(self.0 & !other.0)
    }

    /// Names of the set members (`["rdp"]` for the empty set; unknown bits as `0x..`).
    pub fn names(self) -> Vec<String> {
        if self.0 == 0 {
            return vec!["rdp".to_owned()];
        }
        let mut out = Vec::new();
        let mut rest = self.0;
        for (bit, name) in Self::NAMES {
            if self.0 & bit != 0 {
                out.push(name.to_owned());
                rest &= !bit;
            }
        }
        if rest != 0 {
            out.push(format!("0x{rest:x}"));
        }
        out
    }

    /// The name of a selected protocol (a single value): `rdp`, `ssl`, `hybrid`, `hybrid_ex`, `rdstls`,
    /// `rdsaad`, or `unknown_0x..` for anything else.
    pub fn selected_name(self) -> String {
        match self.0 {
            0 => "rdp".to_owned(),
            bits => Self::NAMES
                .iter()
                .find(|(b, _)| *b == bits)
                .map_or_else(|| format!("unknown_0x{bits:x}"), |(_, n)| (*n).to_owned()),
        }
    }
}

impl fmt::Display for Protocols {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.names().join("|"))
    }
}

impl Serialize for Protocols {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.names().serialize(s)
    }
}

/// In JSON: the list of [`Protocols::names`] (known names, or `0x..` for bits no name covers).
#[cfg(feature = "schema")]
impl schemars::JsonSchema for Protocols {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Protocols".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "array",
            "items": {
                "type": "string",
                "pattern": "^(rdp|ssl|hybrid|hybrid_ex|rdstls|rdsaad|0x[0-9a-f]+)$"
            }
        })
    }
}

/// A protocol list that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown security protocol {0:?} (expected rdp, ssl, tls, hybrid, nla, hybrid_ex, rdstls, rdsaad)"
)]
pub struct ProtocolsError(pub String);

impl FromStr for Protocols {
    type Err = ProtocolsError;

    /// Comma- or `|`-separated names; `rdp` alone means Standard RDP Security; `tls` = `ssl`, `nla` = `hybrid`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut bits = 0;
        for part in s
            .split([',', '|', '+'])
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            bits |= match part.to_ascii_lowercase().as_str() {
                "rdp" | "standard" => 0,
                "ssl" | "tls" => 0x1,
                "hybrid" | "nla" | "credssp" => 0x2,
                "rdstls" => 0x4,
                "hybrid_ex" | "hybridex" => 0x8,
                "rdsaad" | "aad" => 0x10,
                _ => return Err(ProtocolsError(part.to_owned())),
            };
        }
        Ok(Self(bits))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_parse() {
        assert_eq!(Protocols::RDP.names(), ["rdp"]);
        assert_eq!(
            Protocols::from_bits(0x0b).to_string(),
            "ssl|hybrid|hybrid_ex"
        );
        assert_eq!(Protocols::from_bits(0x40).names(), ["0x40"]);
        assert_eq!(Protocols::from_bits(0x8).selected_name(), "hybrid_ex");
        assert_eq!(Protocols::from_bits(0x3).selected_name(), "unknown_0x3");
        assert_eq!("rdp".parse::<Protocols>().unwrap(), Protocols::RDP);
        assert_eq!("tls,nla".parse::<Protocols>().unwrap().bits(), 3);
        assert!("bogus".parse::<Protocols>().is_err());
    }
}
