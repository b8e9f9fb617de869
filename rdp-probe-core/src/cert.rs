//! A summary of the server's TLS certificate and the findings an administrator cares about.

use serde::Serialize;
use sha2::{Digest, Sha256};
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::public_key::PublicKey;

/// What the report says about a certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CertificateSummary {
    /// Subject distinguished name.
    pub subject: String,
    /// Issuer distinguished name.
    pub issuer: String,
    /// DNS names and IP addresses from the subjectAltName extension.
    pub subject_alt_names: Vec<String>,
    /// Start of validity, RFC 3339 UTC.
    pub not_before: String,
    /// End of validity, RFC 3339 UTC.
    pub not_after: String,
    /// Whether subject equals issuer.
    pub self_signed: bool,
    /// `RSA`, `EC`, `DSA`, `Ed25519` or the algorithm OID.
    pub key_type: String,
    /// Key size in bits (0 when unknown).
    pub key_bits: usize,
    /// Signature algorithm OID name (e.g. `sha256WithRSAEncryption`) or dotted OID.
    pub signature_algorithm: String,
    /// SHA-256 of the DER certificate, lowercase hex.
    pub sha256: String,
    /// Certificates in the chain the server sent (leaf included).
    pub chain_len: usize,
    /// Findings: `expired`, `not_yet_valid`, `self_signed`, `name_mismatch`, `weak_key`, `unparsable`.
    pub findings: Vec<&'static str>,
}

/// The `subjectPublicKey` bit string contents of a DER certificate: what CredSSP binds to ([MS-CSSP] 3.1.5).
pub fn subject_public_key(der: &[u8]) -> Option<Vec<u8>> {
    let (_, cert) = X509Certificate::from_der(der).ok()?;
    Some(cert.public_key().subject_public_key.data.to_vec())
}

/// The SHA-256 of `der`: the certificate's fingerprint, what [`crate::Trust::pins`] holds.
pub fn sha256(der: &[u8]) -> [u8; 32] {
    Sha256::digest(der).into()
}

/// The SHA-256 of `der`, lowercase hex: the certificate's fingerprint, as reports show it and
/// `--trust-cert sha256:` takes it.
pub fn sha256_hex(der: &[u8]) -> String {
    hex(&sha256(der))
}

/// Bytes as lowercase hex, no separators.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Summarizes the leaf certificate `der` for `host`, judged at `now_unix` (seconds since the epoch).
pub fn summarize(der: &[u8], chain_len: usize, host: &str, now_unix: i64) -> CertificateSummary {
    let sha256 = sha256_hex(der);
    let Ok((_, cert)) = X509Certificate::from_der(der) else {
        return CertificateSummary {
            subject: String::new(),
            issuer: String::new(),
            subject_alt_names: Vec::new(),
            not_before: String::new(),
            not_after: String::new(),
            self_signed: false,
            key_type: String::new(),
            key_bits: 0,
            signature_algorithm: String::new(),
            sha256,
            chain_len,
            findings: vec!["unparsable"],
        };
    };
    let mut sans = Vec::new();
    if let Ok(Some(ext)) = cert.subject_alternative_name() {
        for name in &ext.value.general_names {
            match name {
                GeneralName::DNSName(d) => sans.push((*d).to_owned()),
                GeneralName::IPAddress(ip) => {
                    if let Ok(v4) = <[u8; 4]>::try_from(*ip) {
                        sans.push(std::net::Ipv4Addr::from(v4).to_string());
                    } else if let Ok(v6) = <[u8; 16]>::try_from(*ip) {
                        sans.push(std::net::Ipv6Addr::from(v6).to_string());
                    }
                }
                _ => {}
            }
        }
    }
    let spki = cert.public_key();
    let (key_type, key_bits) = match spki.parsed() {
        Ok(PublicKey::RSA(k)) => ("RSA".to_owned(), k.key_size()),
        Ok(PublicKey::EC(k)) => ("EC".to_owned(), k.key_size()),
        Ok(PublicKey::DSA(_)) => ("DSA".to_owned(), 0),
        _ => {
            let oid = spki.algorithm.algorithm.to_id_string();
            if oid == "1.3.101.112" {
                ("Ed25519".to_owned(), 256)
            } else {
                (oid, 0)
            }
        }
    };
    let sig_oid = &cert.signature_algorithm.algorithm;
    let signature_algorithm =
        x509_parser::objects::oid2sn(sig_oid, x509_parser::objects::oid_registry())
            .map_or_else(|_| sig_oid.to_id_string(), ToOwned::to_owned);
    let not_before = cert.validity().not_before.timestamp();
    let not_after = cert.validity().not_after.timestamp();
    let self_signed = cert.subject().as_raw() == cert.issuer().as_raw();
    let common_names: Vec<String> = cert
        .subject()
        .iter_common_name()
        .filter_map(|cn| cn.as_str().ok())
        .map(ToOwned::to_owned)
        .collect();

    let mut findings = Vec::new();
    if now_unix > not_after {
        findings.push("expired");
    }
    if now_unix < not_before {
        findings.push("not_yet_valid");
    }
    if self_signed {
        findings.push("self_signed");
    }
    let names = if sans.is_empty() {
        &common_names
    } else {
        &sans
    };
    if !names.iter().any(|n| name_matches(n, host)) {
        findings.push("name_mismatch");
    }
    if (key_type == "RSA" && key_bits < 2048) || (key_type == "EC" && key_bits < 256) {
        findings.push("weak_key");
    }
    CertificateSummary {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        subject_alt_names: sans,
        not_before: rfc3339(not_before),
        not_after: rfc3339(not_after),
        self_signed,
        key_type,
        key_bits,
        signature_algorithm,
        sha256,
        chain_len,
        findings,
    }
}

/// Whether certificate name `pattern` (possibly `*.example.com`) names `host` (case-insensitive; IP literals
/// compare as addresses).
pub fn name_matches(pattern: &str, host: &str) -> bool {
    if let (Ok(a), Ok(b)) = (
        pattern.parse::<std::net::IpAddr>(),
        host.parse::<std::net::IpAddr>(),
    ) {
        return a == b;
    }
    let (p, h) = (
        pattern.to_ascii_lowercase(),
        host.trim_end_matches('.').to_ascii_lowercase(),
    );
    match p.strip_prefix("*.") {
        Some(suffix) => h
            .split_once('.')
            .is_some_and(|(label, rest)| !label.is_empty() && rest == suffix),
        None => p == h,
    }
}

/// Seconds since the epoch as RFC 3339 UTC (`1970-01-01T00:00:00Z`).
pub fn rfc3339(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    // Civil-from-days (proleptic Gregorian), after H. Hinnant's public-domain algorithm description.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// Whether a DER certificate names itself as its issuer (false when it does not parse).
pub(crate) fn is_self_signed(der: &[u8]) -> bool {
    x509_parser::parse_x509_certificate(der)
        .is_ok_and(|(_, cert)| cert.subject().as_raw() == cert.issuer().as_raw())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_known_points() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_580_515_200), "2020-02-01T00:00:00Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn wildcard_and_ip_names() {
        assert!(name_matches("*.example.com", "rdp.example.com"));
        assert!(!name_matches("*.example.com", "a.b.example.com"));
        assert!(!name_matches("*.example.com", "example.com"));
        assert!(name_matches("Host.Example.com", "host.example.com."));
        assert!(name_matches("::1", "0:0:0:0:0:0:0:1"));
        assert!(!name_matches("127.0.0.1", "127.0.0.2"));
    }

    #[test]
    fn garbage_is_unparsable_not_a_panic() {
        let s = summarize(b"not a certificate", 1, "h", 0);
        assert_eq!(s.findings, ["unparsable"]);
        assert_eq!(s.sha256.len(), 64);
    }
}
