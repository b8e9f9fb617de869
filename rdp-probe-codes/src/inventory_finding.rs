//! The findings of a server inventory: each weakness or anomaly rdp-probe can report about an RDP
//! server's configuration, with its severity, the name rdp-sec-check gives it (where it has one),
//! and what a Windows or xrdp administrator changes to remove it.
//!
//! Severities follow rdp-sec-check's rationale (Standard RDP Security can be intercepted; NLA not
//! mandated forgoes protection before logon; FIPS matters only where it is required) and common
//! scanner practice; the reasoning for each is in its [`FindingKind::source`]. Ids are
//! `UPPER_SNAKE` and stable; each has a named constant ([`NLA_NOT_SUPPORTED`], ...).

/// How serious a finding is.
///
/// Serialized as the lowercase name (`"info"`, `"low"`, `"medium"`, `"high"`); ordered from
/// [`Severity::Info`] to [`Severity::High`].
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; no direct weakness (interoperability, spec conformance, optional hardening).
    Info,
    /// A weakness that needs another failure or a privileged position to matter.
    Low,
    /// A weakness an attacker on the network path can use, or one that locks out current clients.
    Medium,
    /// Credentials or session contents are exposed to a network attacker, or the server is long
    /// out of support.
    High,
}

impl Severity {
    /// Every severity, lowest first.
    pub const ALL: [Severity; 4] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
    ];

    /// The stable lowercase name (identical to the serde form).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }
}

/// One kind of inventory finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FindingKind {
    /// Stable `UPPER_SNAKE` identifier.
    pub id: &'static str,
    /// How serious it is.
    pub severity: Severity,
    /// The issue name rdp-sec-check prints for the same condition, if it has one.
    pub rdp_sec_check: Option<&'static str>,
    /// One line saying what was found.
    pub title: &'static str,
    /// What to change: on Windows (Group Policy path, registry value) and on xrdp (`xrdp.ini`).
    pub remediation: &'static str,
    /// Where the condition, its severity and its remediation come from.
    pub source: &'static str,
}

/// The issue names rdp-sec-check (v0.9-beta) prints, all of which have a finding here.
pub const RDP_SEC_CHECK_ISSUES: [&str; 7] = [
    "ONLY_RDP_SUPPORTED_MITM",
    "SSL_SUPPORTED_BUT_NOT_MANDATED_MITM",
    "NLA_NOT_SUPPORTED_DOS",
    "NLA_SUPPORTED_BUT_NOT_MANDATED_DOS",
    "WEAK_RDP_ENCRYPTION_SUPPORTED",
    "NULL_RDP_ENCRYPTION_SUPPORTED",
    "FIPS_SUPPORTED_BUT_NOT_MANDATED",
];

/// The server supports only Standard RDP Security.
pub const ONLY_RDP_SUPPORTED: &str = "ONLY_RDP_SUPPORTED";
/// TLS (or CredSSP) is supported but Standard RDP Security is still accepted.
pub const SSL_SUPPORTED_BUT_NOT_MANDATED: &str = "SSL_SUPPORTED_BUT_NOT_MANDATED";
/// CredSSP (NLA) is not supported.
pub const NLA_NOT_SUPPORTED: &str = "NLA_NOT_SUPPORTED";
/// NLA is supported but a logon without it is accepted.
pub const NLA_SUPPORTED_BUT_NOT_MANDATED: &str = "NLA_SUPPORTED_BUT_NOT_MANDATED";
/// Standard RDP Security accepts 40- or 56-bit RC4.
pub const WEAK_RDP_ENCRYPTION_SUPPORTED: &str = "WEAK_RDP_ENCRYPTION_SUPPORTED";
/// Standard RDP Security accepts no encryption.
pub const NULL_RDP_ENCRYPTION_SUPPORTED: &str = "NULL_RDP_ENCRYPTION_SUPPORTED";
/// FIPS encryption is accepted but not required.
pub const FIPS_SUPPORTED_BUT_NOT_MANDATED: &str = "FIPS_SUPPORTED_BUT_NOT_MANDATED";
/// SSL 2.0 is accepted.
pub const SSL_2_0_ENABLED: &str = "SSL_2_0_ENABLED";
/// SSL 3.0 is accepted.
pub const SSL_3_0_ENABLED: &str = "SSL_3_0_ENABLED";
/// TLS 1.0 is accepted.
pub const TLS_1_0_ENABLED: &str = "TLS_1_0_ENABLED";
/// TLS 1.1 is accepted.
pub const TLS_1_1_ENABLED: &str = "TLS_1_1_ENABLED";
/// Neither TLS 1.2 nor TLS 1.3 is accepted.
pub const TLS_NO_1_2_OR_LATER: &str = "TLS_NO_1_2_OR_LATER";
/// CBC-mode suites are accepted.
pub const TLS_CBC_SUITES: &str = "TLS_CBC_SUITES";
/// Suites with RSA key exchange (no forward secrecy) are accepted.
pub const TLS_RSA_KEY_EXCHANGE: &str = "TLS_RSA_KEY_EXCHANGE";
/// 3DES suites are accepted.
pub const TLS_3DES_SUITES: &str = "TLS_3DES_SUITES";
/// RC4 suites are accepted.
pub const TLS_RC4_SUITES: &str = "TLS_RC4_SUITES";
/// NULL, anonymous or EXPORT suites are accepted.
pub const TLS_NULL_OR_EXPORT_SUITES: &str = "TLS_NULL_OR_EXPORT_SUITES";
/// The server does not support secure renegotiation (RFC 5746).
pub const TLS_NO_SECURE_RENEGOTIATION: &str = "TLS_NO_SECURE_RENEGOTIATION";
/// The server accepts TLS-level compression.
pub const TLS_COMPRESSION_ENABLED: &str = "TLS_COMPRESSION_ENABLED";
/// The TLS certificate has expired.
pub const CERT_EXPIRED: &str = "CERT_EXPIRED";
/// The TLS certificate is not valid yet.
pub const CERT_NOT_YET_VALID: &str = "CERT_NOT_YET_VALID";
/// The TLS certificate is self-signed.
pub const CERT_SELF_SIGNED: &str = "CERT_SELF_SIGNED";
/// The TLS certificate's key is weak.
pub const CERT_WEAK_KEY: &str = "CERT_WEAK_KEY";
/// The TLS certificate does not name the host.
pub const CERT_NAME_MISMATCH: &str = "CERT_NAME_MISMATCH";
/// The TLS certificate is signed with MD5 or SHA-1.
pub const CERT_WEAK_SIGNATURE: &str = "CERT_WEAK_SIGNATURE";
/// The Standard RDP Security server key is shorter than 2048 bits.
pub const STANDARD_RDP_WEAK_SERVER_KEY: &str = "STANDARD_RDP_WEAK_SERVER_KEY";
/// The server's CredSSP predates the CVE-2018-0886 fix.
pub const CREDSSP_ORACLE_UNPATCHED: &str = "CREDSSP_ORACLE_UNPATCHED";
/// The server selected a protocol the client did not request.
pub const NEGOTIATION_SELECTED_UNREQUESTED: &str = "NEGOTIATION_SELECTED_UNREQUESTED";
/// The server closes the connection on a valid request bit it does not support.
pub const NEGOTIATION_DROPS_UNKNOWN_REQUEST: &str = "NEGOTIATION_DROPS_UNKNOWN_REQUEST";
/// The server answers a request without RDP_NEG_REQ with negotiation data.
pub const NEGOTIATION_DATA_WITHOUT_REQUEST: &str = "NEGOTIATION_DATA_WITHOUT_REQUEST";
/// The server's clock is more than 5 minutes off.
pub const NTLM_CLOCK_SKEW: &str = "NTLM_CLOCK_SKEW";
/// The server answers with a bare X.224 Connection Confirm (no RDP negotiation at all).
pub const PRE_NEGOTIATION_SERVER: &str = "PRE_NEGOTIATION_SERVER";

/// Source text shared by several rows.
macro_rules! src_rdp_sec_check {
    () => {
        "CiscoCXSecurity/rdp-sec-check d0cc143 rdp-sec-check.pl (issue rules) and README.md (rationale), as summarised in rdp-inventory.md 3.3"
    };
}
/// Source text shared by several rows.
macro_rules! src_security_layer {
    () => {
        "learn.microsoft.com unattend microsoft-windows-terminalservices-rdp-winstationextensions-securitylayer (SecurityLayer 0 = RDP, 1 = Negotiate, 2 = TLS) and win32 Win32_TSGeneralSetting SetSecurityLayer; GP 'Require use of specific security layer for remote (RDP) connections' (ADMX text at uitranslation.com); xrdp.ini(5) (manpages.ubuntu.com, xrdp 0.10.1: security_layer, crypt_level, ssl_protocols, tls_ciphers, certificate, key_file)"
    };
}
/// Source text shared by several rows.
macro_rules! src_nla {
    () => {
        "learn.microsoft.com unattend UserAuthentication (1 = NLA required), as cited in rdp-inventory.md 5; GP path as in help.defense.com's remediation for Tenable plugin 58453 'Terminal Services Doesn't Use Network Level Authentication (NLA) Only' (Medium); xrdp has no NLA (Devolutions/IronRDP#314 citing neutrinolabs/xrdp#256)"
    };
}
/// Source text shared by several rows.
macro_rules! src_encryption_level {
    () => {
        "GP 'Set client connection encryption level' (ADMX text at gp.kapilarya.com: High, Client Compatible, Low; FIPS via the 'System cryptography: Use FIPS compliant algorithms' option); MinEncryptionLevel 1-4 (learn.microsoft.com win32 Win32_TSGeneralSetting); MS-RDPBCGR 5.3.1 encryption levels; xrdp.ini(5) crypt_level"
    };
}
/// Source text shared by several rows.
macro_rules! src_schannel_protocols {
    () => {
        "SChannel protocol keys HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\<version>\\Server (techcommunity.microsoft.com 'TLS 1.0 and TLS 1.1 soon to be disabled in Windows', Aug 2023; pureinfotech.com summary); xrdp.ini(5) ssl_protocols"
    };
}
/// Source text shared by several rows.
macro_rules! src_schannel_suites {
    () => {
        "GP Computer Configuration > Administrative Templates > Network > SSL Configuration Settings > SSL Cipher Suite Order (argonsys.com reprint of Microsoft's 'Speaking in Ciphers' AskDS post); Disable-TlsCipherSuite (learn.microsoft.com/powershell/module/tls); xrdp.ini(5) tls_ciphers (OpenSSL cipher string)"
    };
}
/// Source text shared by several rows.
macro_rules! src_cert {
    () => {
        "inferred: Windows RDP listener certificate settings (GP Remote Desktop Session Host > Security > 'Server authentication certificate template'; Win32_TSGeneralSetting SSLCertificateSHA1Hash) named from Microsoft's Remote Desktop Services documentation, not re-read for this table; xrdp.ini(5) certificate and key_file; neutrinolabs/xrdp wiki 'TLS security layer'"
    };
}

const fn finding(
    id: &'static str,
    severity: Severity,
    rdp_sec_check: Option<&'static str>,
    title: &'static str,
    remediation: &'static str,
    source: &'static str,
) -> FindingKind {
    FindingKind {
        id,
        severity,
        rdp_sec_check,
        title,
        remediation,
        source,
    }
}

/// Every inventory finding.
pub static INVENTORY_FINDINGS: &[FindingKind] = &[
    // --- Security layer and NLA (X.224 negotiation) ---
    finding(
        ONLY_RDP_SUPPORTED,
        Severity::High,
        Some("ONLY_RDP_SUPPORTED_MITM"),
        "Only Standard RDP Security is supported: the server cannot be authenticated and the session can be intercepted",
        "Windows: GP Computer Configuration > Administrative Templates > Windows Components > Remote Desktop Services > Remote Desktop Session Host > Security > 'Require use of specific security layer for remote (RDP) connections' = SSL (registry HKLM\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server\\WinStations\\RDP-Tcp SecurityLayer = 2; 1 = Negotiate keeps RDP as a fallback), and make sure the server has a usable certificate. xrdp: security_layer=tls (or negotiate) in xrdp.ini with readable certificate= and key_file=",
        concat!(
            src_rdp_sec_check!(),
            "; README: Standard RDP Security is open to an active man-in-the-middle; severity High because no client can authenticate such a server; remediation: ",
            src_security_layer!()
        ),
    ),
    finding(
        SSL_SUPPORTED_BUT_NOT_MANDATED,
        Severity::Medium,
        Some("SSL_SUPPORTED_BUT_NOT_MANDATED_MITM"),
        "TLS is supported but Standard RDP Security is still accepted: an attacker on the path can downgrade clients that fall back",
        "Windows: set 'Require use of specific security layer for remote (RDP) connections' to SSL (SecurityLayer = 2) instead of Negotiate or RDP, or require NLA (UserAuthentication = 1), which refuses Standard RDP Security too. xrdp: security_layer=tls in xrdp.ini",
        src_security_layer!(),
    ),
    finding(
        NLA_NOT_SUPPORTED,
        Severity::Medium,
        Some("NLA_NOT_SUPPORTED_DOS"),
        "Network Level Authentication (CredSSP) is not supported: every connection reaches a logon screen before authenticating",
        "Windows: GP Remote Desktop Session Host > Security > 'Require user authentication for remote connections by using Network Level Authentication' = Enabled (registry RDP-Tcp UserAuthentication = 1; System > Remote Desktop > 'Require computers to use NLA'). xrdp: no NLA support; reach it only through a VPN, an SSH tunnel or an RD Gateway, and keep security_layer=tls",
        src_nla!(),
    ),
    finding(
        NLA_SUPPORTED_BUT_NOT_MANDATED,
        Severity::Medium,
        Some("NLA_SUPPORTED_BUT_NOT_MANDATED_DOS"),
        "NLA is supported but not required: a client can still get a logon screen without authenticating",
        "Windows: 'Require user authentication for remote connections by using Network Level Authentication' = Enabled (registry HKLM\\SYSTEM\\CurrentControlSet\\Control\\Terminal Server\\WinStations\\RDP-Tcp UserAuthentication = 1, or HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows NT\\Terminal Services UserAuthentication = 1). xrdp: not applicable (no NLA)",
        src_nla!(),
    ),
    // --- Standard RDP Security encryption ---
    finding(
        WEAK_RDP_ENCRYPTION_SUPPORTED,
        Severity::Medium,
        Some("WEAK_RDP_ENCRYPTION_SUPPORTED"),
        "Standard RDP Security accepts 40-bit or 56-bit RC4",
        "Windows: GP Remote Desktop Session Host > Security > 'Set client connection encryption level' = High (registry RDP-Tcp MinEncryptionLevel = 3), better still require TLS (SecurityLayer = 2). xrdp: crypt_level=high (or fips) in xrdp.ini, better security_layer=tls",
        src_encryption_level!(),
    ),
    finding(
        NULL_RDP_ENCRYPTION_SUPPORTED,
        Severity::High,
        Some("NULL_RDP_ENCRYPTION_SUPPORTED"),
        "Standard RDP Security accepts no encryption: the session, typed passwords included, travels in clear",
        "Windows: 'Set client connection encryption level' = High (MinEncryptionLevel = 3) and require TLS (SecurityLayer = 2). xrdp: crypt_level=high (never none) in xrdp.ini, and security_layer=tls",
        "rdp-sec-check NULL_RDP_ENCRYPTION_SUPPORTED (CiscoCXSecurity/rdp-sec-check d0cc143); severity High: nothing protects the session; remediation as for WEAK_RDP_ENCRYPTION_SUPPORTED (GP 'Set client connection encryption level', MinEncryptionLevel; xrdp.ini(5) crypt_level)",
    ),
    finding(
        FIPS_SUPPORTED_BUT_NOT_MANDATED,
        Severity::Info,
        Some("FIPS_SUPPORTED_BUT_NOT_MANDATED"),
        "Standard RDP Security accepts FIPS encryption but also non-FIPS methods",
        "Only where FIPS 140 is required: Windows: 'Set client connection encryption level' = FIPS Compliant (MinEncryptionLevel = 4) or the 'System cryptography: Use FIPS compliant algorithms' security option. xrdp: crypt_level=fips in xrdp.ini",
        "rdp-sec-check FIPS_SUPPORTED_BUT_NOT_MANDATED (CiscoCXSecurity/rdp-sec-check d0cc143; README: of interest only where FIPS is required, hence Info); remediation: GP 'Set client connection encryption level', MinEncryptionLevel (learn.microsoft.com Win32_TSGeneralSetting); xrdp.ini(5) crypt_level",
    ),
    finding(
        STANDARD_RDP_WEAK_SERVER_KEY,
        Severity::Medium,
        None,
        "Under Standard RDP Security the server's RSA key (proprietary or X.509 certificate) is shorter than 2048 bits",
        "Windows: the proprietary certificate's 512-bit key cannot be changed; require TLS (SecurityLayer = 2) so Standard RDP Security is not used. xrdp: generate a 2048-bit key (xrdp-keygen xrdp auto 2048, writing rsakeys.ini), and set security_layer=tls",
        "MS-RDPBCGR 5.3.3.1 proprietary certificates carry a 512-bit key (standard-rdp-security.md 3; xrdp keygen/keygen.c has 512- and 2048-bit test keys); severity Medium: a 512-bit modulus can be factored, exposing recorded sessions; inferred: the xrdp-keygen arguments are from xrdp's keygen usage, not re-read for this table",
    ),
    // --- TLS versions ---
    finding(
        SSL_2_0_ENABLED,
        Severity::High,
        None,
        "SSL 2.0 is accepted",
        "Windows: HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\SSL 2.0\\Server Enabled = 0 (DWORD), then reboot. xrdp: remove SSLv2 from ssl_protocols in xrdp.ini (ssl_protocols=TLSv1.2, TLSv1.3)",
        concat!(
            "RFC 6176 prohibits SSL 2.0; severity High; remediation: ",
            src_schannel_protocols!()
        ),
    ),
    finding(
        SSL_3_0_ENABLED,
        Severity::High,
        None,
        "SSL 3.0 is accepted (POODLE, CVE-2014-3566)",
        "Windows: SCHANNEL\\Protocols\\SSL 3.0\\Server Enabled = 0, then reboot. xrdp: ssl_protocols=TLSv1.2, TLSv1.3 in xrdp.ini (no SSLv3)",
        concat!(
            "RFC 7568 deprecates SSL 3.0; severity High as common scanner practice for SSL 3.0; remediation: ",
            src_schannel_protocols!()
        ),
    ),
    finding(
        TLS_1_0_ENABLED,
        Severity::Medium,
        None,
        "TLS 1.0 is accepted",
        "Windows: HKLM\\SYSTEM\\CurrentControlSet\\Control\\SecurityProviders\\SCHANNEL\\Protocols\\TLS 1.0\\Server Enabled = 0 and DisabledByDefault = 1, after making sure TLS 1.2 works for RDP (Windows Server 2008 R2 needs KB3080079), then reboot. xrdp: ssl_protocols=TLSv1.2, TLSv1.3 in xrdp.ini",
        concat!(
            "RFC 8996 deprecates TLS 1.0; Windows disables it by default from the September 2023 Insider builds on; severity Medium (deprecated, CBC-only record protection); remediation: ",
            src_schannel_protocols!()
        ),
    ),
    finding(
        TLS_1_1_ENABLED,
        Severity::Low,
        None,
        "TLS 1.1 is accepted",
        "Windows: SCHANNEL\\Protocols\\TLS 1.1\\Server Enabled = 0 and DisabledByDefault = 1, then reboot. xrdp: ssl_protocols=TLSv1.2, TLSv1.3 in xrdp.ini",
        concat!(
            "RFC 8996 deprecates TLS 1.1; severity Low: deprecated, but without TLS 1.0's record-layer weaknesses; remediation: ",
            src_schannel_protocols!()
        ),
    ),
    finding(
        TLS_NO_1_2_OR_LATER,
        Severity::High,
        None,
        "Neither TLS 1.2 nor TLS 1.3 is accepted: current clients (Windows 11 builds after September 2023, FreeRDP 3.27+, IronRDP) cannot connect over TLS",
        "Windows Server 2008 R2 / Windows 7: install KB3080079 (RDS support for TLS 1.1 and 1.2) and enable SCHANNEL\\Protocols\\TLS 1.2\\Server (Enabled = 1, DisabledByDefault = 0); later Windows: remove any Enabled = 0 under SCHANNEL\\Protocols\\TLS 1.2. xrdp: ssl_protocols=TLSv1.2, TLSv1.3 in xrdp.ini with an OpenSSL that supports them",
        "RFC 8996; client facts from client_profile (windows11, freerdp3, ironrdp); KB3080079 named in rdp-probe-codes tls_version hint, not re-read; severity High: the only versions left are deprecated and modern clients are locked out",
    ),
    // --- TLS cipher suites and extensions ---
    finding(
        TLS_CBC_SUITES,
        Severity::Low,
        None,
        "CBC-mode cipher suites are accepted",
        "Windows: GP Computer Configuration > Administrative Templates > Network > SSL Configuration Settings > 'SSL Cipher Suite Order': list only the ECDHE AES-GCM (and TLS 1.3) suites, or Disable-TlsCipherSuite for each CBC suite. xrdp: tls_ciphers=ECDHE+AESGCM:ECDHE+CHACHA20 in xrdp.ini",
        concat!(
            "RFC 7457 (attacks on TLS, CBC padding oracles such as Lucky Thirteen); severity Low as in common scanner practice; remediation: ",
            src_schannel_suites!()
        ),
    ),
    finding(
        TLS_RSA_KEY_EXCHANGE,
        Severity::Low,
        None,
        "Suites with RSA key exchange are accepted: no forward secrecy",
        "Windows: remove the TLS_RSA_WITH_* suites from 'SSL Cipher Suite Order' (or Disable-TlsCipherSuite -Name TLS_RSA_WITH_AES_128_CBC_SHA, ...). xrdp: tls_ciphers=ECDHE+AESGCM:ECDHE+CHACHA20 (no kRSA) in xrdp.ini",
        "RFC 7525 recommends forward-secret suites; severity Low; remediation as for TLS_CBC_SUITES",
    ),
    finding(
        TLS_3DES_SUITES,
        Severity::Medium,
        None,
        "3DES suites are accepted (SWEET32, CVE-2016-2183)",
        "Windows: remove TLS_RSA_WITH_3DES_EDE_CBC_SHA from 'SSL Cipher Suite Order' (or Disable-TlsCipherSuite), or set SCHANNEL\\Ciphers\\Triple DES 168 Enabled = 0. xrdp: tls_ciphers=HIGH:!3DES:!aNULL:!eNULL (or the ECDHE-only string) in xrdp.ini",
        "CVE-2016-2183 (SWEET32); OpenSSL removed 3DES from DEFAULT for it (openssl/openssl commit ef28891); severity Medium; remediation as for TLS_CBC_SUITES; the SCHANNEL\\Ciphers key name is inferred from Microsoft's SChannel registry documentation, not re-read",
    ),
    finding(
        TLS_RC4_SUITES,
        Severity::Medium,
        None,
        "RC4 suites are accepted",
        "Windows: SCHANNEL\\Ciphers\\RC4 128/128, RC4 56/128 and RC4 40/128 Enabled = 0, and no RC4 suite in 'SSL Cipher Suite Order'. xrdp: tls_ciphers=HIGH:!RC4:!aNULL:!eNULL in xrdp.ini",
        "RFC 7465 prohibits RC4 in TLS; severity Medium; remediation as for TLS_CBC_SUITES; the SCHANNEL\\Ciphers key names are inferred from Microsoft's SChannel registry documentation, not re-read",
    ),
    finding(
        TLS_NULL_OR_EXPORT_SUITES,
        Severity::High,
        None,
        "NULL, anonymous or EXPORT suites are accepted: no encryption, no server authentication, or breakable keys",
        "Windows: keep only strong suites in 'SSL Cipher Suite Order' and remove any custom entry enabling TLS_RSA_WITH_NULL_* (Disable-TlsCipherSuite). xrdp: tls_ciphers=HIGH:!aNULL:!eNULL:!EXPORT in xrdp.ini",
        "RFC 7457 (FREAK, Logjam export downgrades); SChannel's default lists leave NULL and EXPORT suites out (learn.microsoft.com tls-cipher-suites-in-windows-11); severity High; remediation as for TLS_CBC_SUITES",
    ),
    finding(
        TLS_NO_SECURE_RENEGOTIATION,
        Severity::Low,
        None,
        "The server does not support secure renegotiation (RFC 5746)",
        "Windows: install current updates (SChannel has supported RFC 5746 since the 2010 renegotiation fix). xrdp: link against a maintained OpenSSL (1.1.1 or later), which supports it",
        "RFC 5746 and CVE-2009-3555; severity Low: exploiting it needs renegotiation, which RDP does not use; inferred: the Windows update history is from memory of MS10-049-era fixes, not re-read",
    ),
    finding(
        TLS_COMPRESSION_ENABLED,
        Severity::Medium,
        None,
        "TLS-level compression is accepted (CRIME, CVE-2012-4929)",
        "Windows: SChannel does not compress; install current updates. xrdp: use an OpenSSL built without zlib compression (OpenSSL 1.1.0 and later disable it by default)",
        "CVE-2012-4929 (CRIME); RFC 7457 2.6; inventory field 18 of rdp-inventory.md 7; severity Medium as common scanner practice; inferred: the Windows and OpenSSL statements are not re-read for this table",
    ),
    // --- TLS certificate ---
    finding(
        CERT_EXPIRED,
        Severity::Medium,
        None,
        "The TLS certificate has expired",
        "Windows: renew it (the self-signed Remote Desktop certificate is recreated when deleted from Certificates (Local Computer) > Remote Desktop and the Remote Desktop Services service restarts), or deploy a CA-issued one via the GP 'Server authentication certificate template'. xrdp: replace the files named by certificate= and key_file= in xrdp.ini and restart xrdp",
        src_cert!(),
    ),
    finding(
        CERT_NOT_YET_VALID,
        Severity::Medium,
        None,
        "The TLS certificate is not valid yet (or the server's or the probe's clock is wrong)",
        "Check both clocks first (w32tm /query /status on Windows; timedatectl on Linux); then reissue the certificate as for CERT_EXPIRED",
        src_cert!(),
    ),
    finding(
        CERT_SELF_SIGNED,
        Severity::Low,
        None,
        "The TLS certificate is self-signed: clients cannot tell the server from an impostor and users learn to click through the warning",
        "Windows: issue a certificate from the enterprise CA (GP Remote Desktop Session Host > Security > 'Server authentication certificate template'), or bind one with Win32_TSGeneralSetting SSLCertificateSHA1Hash. xrdp: point certificate= and key_file= in xrdp.ini at a CA-issued certificate and key",
        concat!(
            "Windows' default RDP certificate is self-signed, hence Low (common scanners rate self-signed certificates Medium); remediation: ",
            src_cert!()
        ),
    ),
    finding(
        CERT_WEAK_KEY,
        Severity::Medium,
        None,
        "The TLS certificate's key is weak (RSA below 2048 bits, or an EC curve below 224 bits)",
        "Windows: reissue the certificate with an RSA 2048+ or ECDSA P-256+ key (the certificate template's minimum key size) and rebind it. xrdp: openssl req -x509 -newkey rsa:3072 ... and update certificate= and key_file= in xrdp.ini. FreeRDP 3.27+ refuses RSA keys below 2048 bits (OpenSSL security level 2)",
        concat!(
            "NIST SP 800-57 / OpenSSL security level 2 (112-bit security: RSA 2048, ECC 224), SSL_CTX_set_security_level(3); FreeRDP/FreeRDP commit c09281f34; severity Medium; remediation: ",
            src_cert!()
        ),
    ),
    finding(
        CERT_NAME_MISMATCH,
        Severity::Low,
        None,
        "The TLS certificate does not name the host that was probed",
        "Connect by the name the certificate carries, or issue a certificate whose subjectAltName lists every DNS name clients use (Windows: certificate template; xrdp: certificate= in xrdp.ini)",
        concat!(
            "RFC 6125 name matching; severity Low: often a probe by IP address; remediation: ",
            src_cert!()
        ),
    ),
    finding(
        CERT_WEAK_SIGNATURE,
        Severity::Medium,
        None,
        "The TLS certificate is signed with MD5 or SHA-1",
        "Reissue it with a SHA-256 (or stronger) signature: Windows: certificate template / CA hash algorithm; xrdp: openssl req -x509 -sha256 ... and update certificate= in xrdp.ini",
        concat!(
            "RFC 6151 (MD5), SHA-1 collisions (SHAttered, 2017); OpenSSL 3 refuses SHA-1 signatures at security level 1 (openssl/openssl commit 4aa163a note); severity Medium; remediation: ",
            src_cert!()
        ),
    ),
    // --- CredSSP / NTLM ---
    finding(
        CREDSSP_ORACLE_UNPATCHED,
        Severity::High,
        None,
        "The server's CredSSP predates the CVE-2018-0886 fix (TSRequest version below 5): patched Windows clients refuse it and the server is missing updates since March 2018",
        "Windows: install the current cumulative update (the CredSSP fix shipped March 13 2018, KB4093492), then set GP Computer Configuration > Administrative Templates > System > Credentials Delegation > 'Encryption Oracle Remediation' = Force Updated Clients once all clients are patched (registry HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System\\CredSSP\\Parameters AllowEncryptionOracle = 0). xrdp: not applicable (no CredSSP)",
        "CVE-2018-0886 (CVEProject cvelistV5); Microsoft KB4093492; MS-CSSP 2.2.1 and 5.1 (version 5 carries the fix); AllowEncryptionOracle values per wazuh/wazuh#17897; severity High: remote code execution class, and a sign of a server unpatched since 2018",
    ),
    finding(
        NTLM_CLOCK_SKEW,
        Severity::Low,
        None,
        "The server's clock (NTLM CHALLENGE MsvAvTimestamp) is more than 5 minutes off: Kerberos logons to it fail",
        "Windows: synchronise the clock with the domain hierarchy or NTP (w32tm /config /syncfromflags:domhier /update, then w32tm /resync); Kerberos' tolerance is the Kerberos Policy 'Maximum tolerance for computer clock synchronization'. xrdp/Linux: enable NTP (timedatectl set-ntp true, chrony)",
        "MS-GPSB 2.2.2 Kerberos Policy MaxClockSkew (the 5-minute default is in the part of the table not shown in the excerpt read); Oracle Solaris Kerberos guide: default clock skew 300 seconds; MsvAvTimestamp per nmap rdp-ntlm-info (rdp-inventory.md 1.4); severity Low",
    ),
    // --- Negotiation conformance and age ---
    finding(
        NEGOTIATION_SELECTED_UNREQUESTED,
        Severity::Low,
        None,
        "The server selected a security protocol the client did not request (e.g. RDP when HYBRID was asked for): a spec violation that strict clients such as IronRDP reject",
        "Windows: not seen. xrdp: upgrade (xrdp selects PROTOCOL_RDP for HYBRID-only requests and, with security_layer=rdp, for SSL requests instead of answering SSL_NOT_ALLOWED_BY_SERVER); set security_layer=tls or negotiate with a certificate so TLS is selected",
        "MS-RDPBCGR 3.3.5.3.1 and 2.2.1.2.1 (the RSP names one of the requested protocols); xrdp libxrdp/xrdp_iso.c and the lab matrix (rdp-inventory.md 2.2, 2.4); Devolutions/IronRDP connection.rs rejects the selection; severity Low: the resulting exposure is reported by the security-layer findings",
    ),
    finding(
        NEGOTIATION_DROPS_UNKNOWN_REQUEST,
        Severity::Info,
        None,
        "The server closes the connection when the request has a valid bit it does not support (e.g. PROTOCOL_RDSAAD, or the Remote Credential Guard flag) instead of answering with a protocol it does support",
        "Windows: not seen. xrdp: upgrade when a release handles the bit; clients that request RDSAAD (FreeRDP with /sec:aad) cannot reach such a server",
        "MS-RDPBCGR 3.3.5.3.1 (the server answers with a RSP or a FAILURE); xrdp libxrdp/xrdp_iso.c drops requestedProtocols above 0x0B and unknown flags (rdp-inventory.md 2.2); severity Info: interoperability",
    ),
    finding(
        NEGOTIATION_DATA_WITHOUT_REQUEST,
        Severity::Info,
        None,
        "The server answered a Connection Request without RDP_NEG_REQ with negotiation data (a FAILURE or a RSP), which old clients do not expect",
        "Windows: not applicable. FreeRDP-based servers: report upstream; clients without negotiation (RDP 5.x) cannot connect",
        "MS-RDPBCGR 3.3.5.3.2 (rdpNegData is left empty when the client sent none); FreeRDP shadow server lab results (rdp-inventory.md 2.3, 2.4); severity Info",
    ),
    finding(
        PRE_NEGOTIATION_SERVER,
        Severity::High,
        None,
        "The server answers with a bare X.224 Connection Confirm: it predates RDP security negotiation (Windows 2000, XP or Server 2003 era) and can do only Standard RDP Security",
        "Replace or upgrade the host: these Windows versions are out of support and have no TLS or NLA for RDP; until then, restrict port 3389 to a management network or VPN",
        "rdp-sec-check 'Negotiation ignored - old Windows 2000/XP/2003 system?' (CiscoCXSecurity/rdp-sec-check d0cc143, README examples 1-2; rdp-inventory.md 3.3 and 7 row 1); severity High: unsupported OS with Standard RDP Security only",
    ),
];

/// The finding with this id, or `None`.
pub fn inventory_finding(id: &str) -> Option<&'static FindingKind> {
    INVENTORY_FINDINGS.iter().find(|f| f.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn upper_snake(s: &str) -> bool {
        !s.is_empty()
            && !s.starts_with('_')
            && !s.ends_with('_')
            && !s.contains("__")
            && s.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
    }

    #[test]
    fn table_is_well_formed() {
        let mut ids = HashSet::new();
        for f in INVENTORY_FINDINGS {
            assert!(ids.insert(f.id), "duplicate id {}", f.id);
            assert!(upper_snake(f.id), "bad id {}", f.id);
            assert!(!f.title.trim().is_empty(), "{}", f.id);
            assert!(!f.remediation.trim().is_empty(), "{}", f.id);
            assert!(!f.source.trim().is_empty(), "{}", f.id);
            if let Some(name) = f.rdp_sec_check {
                assert!(RDP_SEC_CHECK_ISSUES.contains(&name), "{}: {name}", f.id);
            }
        }
        // Every rdp-sec-check issue has exactly one finding.
        for name in RDP_SEC_CHECK_ISSUES {
            let n = INVENTORY_FINDINGS
                .iter()
                .filter(|f| f.rdp_sec_check == Some(name))
                .count();
            assert_eq!(n, 1, "{name}");
        }
    }

    #[test]
    fn required_ids_and_rdp_sec_check_names() {
        let required: &[(&str, Option<&str>)] = &[
            (ONLY_RDP_SUPPORTED, Some("ONLY_RDP_SUPPORTED_MITM")),
            (
                SSL_SUPPORTED_BUT_NOT_MANDATED,
                Some("SSL_SUPPORTED_BUT_NOT_MANDATED_MITM"),
            ),
            (NLA_NOT_SUPPORTED, Some("NLA_NOT_SUPPORTED_DOS")),
            (
                NLA_SUPPORTED_BUT_NOT_MANDATED,
                Some("NLA_SUPPORTED_BUT_NOT_MANDATED_DOS"),
            ),
            (
                WEAK_RDP_ENCRYPTION_SUPPORTED,
                Some("WEAK_RDP_ENCRYPTION_SUPPORTED"),
            ),
            (
                NULL_RDP_ENCRYPTION_SUPPORTED,
                Some("NULL_RDP_ENCRYPTION_SUPPORTED"),
            ),
            (
                FIPS_SUPPORTED_BUT_NOT_MANDATED,
                Some("FIPS_SUPPORTED_BUT_NOT_MANDATED"),
            ),
            (TLS_1_0_ENABLED, None),
            (TLS_1_1_ENABLED, None),
            (TLS_NO_1_2_OR_LATER, None),
            (TLS_CBC_SUITES, None),
            (TLS_RSA_KEY_EXCHANGE, None),
            (TLS_3DES_SUITES, None),
            (TLS_RC4_SUITES, None),
            (TLS_NULL_OR_EXPORT_SUITES, None),
            (TLS_NO_SECURE_RENEGOTIATION, None),
            (CERT_EXPIRED, None),
            (CERT_NOT_YET_VALID, None),
            (CERT_SELF_SIGNED, None),
            (CERT_WEAK_KEY, None),
            (CERT_NAME_MISMATCH, None),
            (CERT_WEAK_SIGNATURE, None),
            (STANDARD_RDP_WEAK_SERVER_KEY, None),
            (CREDSSP_ORACLE_UNPATCHED, None),
            (NEGOTIATION_SELECTED_UNREQUESTED, None),
            (NEGOTIATION_DROPS_UNKNOWN_REQUEST, None),
            (NEGOTIATION_DATA_WITHOUT_REQUEST, None),
            (NTLM_CLOCK_SKEW, None),
            (PRE_NEGOTIATION_SERVER, None),
        ];
        for &(id, rsc) in required {
            let f = inventory_finding(id).unwrap_or_else(|| panic!("missing {id}"));
            assert_eq!(f.id, id);
            assert_eq!(f.rdp_sec_check, rsc, "{id}");
        }
        assert_eq!(inventory_finding("NOPE"), None);
        assert_eq!(inventory_finding("nla_not_supported"), None);
    }

    #[test]
    fn remediations_cover_windows_and_xrdp() {
        for f in INVENTORY_FINDINGS {
            let r = f.remediation;
            // Findings about Windows-only or server-generic conditions may skip xrdp, but every
            // row says something for an administrator of the host.
            assert!(
                r.contains("Windows") || r.contains("Replace") || r.contains("Connect"),
                "{}",
                f.id
            );
        }
        for id in [
            ONLY_RDP_SUPPORTED,
            SSL_SUPPORTED_BUT_NOT_MANDATED,
            WEAK_RDP_ENCRYPTION_SUPPORTED,
            TLS_1_0_ENABLED,
            TLS_CBC_SUITES,
            CERT_SELF_SIGNED,
        ] {
            let r = inventory_finding(id).map(|f| f.remediation).unwrap_or("");
            assert!(r.contains("xrdp.ini"), "{id}");
        }
        let layer = inventory_finding(ONLY_RDP_SUPPORTED).map(|f| f.remediation);
        assert!(layer.is_some_and(|r| r.contains("SecurityLayer = 2")));
        let nla = inventory_finding(NLA_SUPPORTED_BUT_NOT_MANDATED).map(|f| f.remediation);
        assert!(nla.is_some_and(|r| r.contains("UserAuthentication = 1")));
    }

    #[test]
    fn severities() {
        let sev = |id| inventory_finding(id).map(|f| f.severity);
        assert_eq!(sev(ONLY_RDP_SUPPORTED), Some(Severity::High));
        assert_eq!(sev(NULL_RDP_ENCRYPTION_SUPPORTED), Some(Severity::High));
        assert_eq!(sev(FIPS_SUPPORTED_BUT_NOT_MANDATED), Some(Severity::Info));
        assert_eq!(sev(CREDSSP_ORACLE_UNPATCHED), Some(Severity::High));
        // Ordering: the weaker protocol version is at least as severe as the stronger one.
        assert!(sev(SSL_3_0_ENABLED) >= sev(TLS_1_0_ENABLED));
        assert!(sev(TLS_1_0_ENABLED) >= sev(TLS_1_1_ENABLED));
        assert!(sev(ONLY_RDP_SUPPORTED) >= sev(SSL_SUPPORTED_BUT_NOT_MANDATED));
        assert!(sev(NULL_RDP_ENCRYPTION_SUPPORTED) >= sev(WEAK_RDP_ENCRYPTION_SUPPORTED));
        assert!(Severity::Info < Severity::Low && Severity::Medium < Severity::High);
    }

    #[test]
    fn severity_serde_is_lowercase() {
        for (s, name) in Severity::ALL
            .into_iter()
            .zip(["info", "low", "medium", "high"])
        {
            assert_eq!(s.as_str(), name);
            let json = serde_json::to_string(&s).expect("serialize");
            assert_eq!(json, format!("\"{name}\""));
            assert_eq!(
                serde_json::from_str::<Severity>(&json).expect("deserialize"),
                s
            );
        }
        let v =
            serde_json::to_value(inventory_finding(NLA_NOT_SUPPORTED).expect("row")).expect("json");
        assert_eq!(v["severity"], "medium");
        assert_eq!(v["rdp_sec_check"], "NLA_NOT_SUPPORTED_DOS");
        let v =
            serde_json::to_value(inventory_finding(TLS_1_0_ENABLED).expect("row")).expect("json");
        assert!(v["rdp_sec_check"].is_null());
    }
}
