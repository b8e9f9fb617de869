//! The inventory's driver: it opens the connections the plan calls for, concurrently within the
//! pool's cap, and hands every answer to the pure readers of [`super::negotiation`],
//! [`super::standard`] and [`super::tls_scan`].

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::SystemTime;

use futures_util::future::join_all;
use tokio::time::Instant;

use super::link::{Pool, ReadError};
use super::negotiation::{
    self, Answer, PROTOCOLS_ALONE, ProtocolResult, Request, SSL_HYBRID, Silence,
};
use super::standard::{self, ALL_METHODS, METHODS_ALONE, McsAnswer, ServerSecurity};
use super::tls_scan::{self, HelloOutcome};
use super::{
    CredsspInventory, INVENTORY_SCHEMA, Inventory, InventoryError, InventoryOptions, ProtocolTable,
    RdpVersion, StandardRdpInventory, TlsInventory, clients, findings,
};
use crate::report::{Report, TargetReport};
use crate::{Phase, ProbeOptions, Protocols, Target, VerdictKind};

/// The shares a suite enumeration is split into when the server takes the client's first acceptable
/// suite (each share runs its own remove-and-repeat; the pool's caps still hold).
const SUITE_SHARES: usize = 4;
/// Most bytes of a server's first TLS flight read before giving up on it.
const MAX_FLIGHT_BYTES: usize = 64 * 1024;
/// The CredSSP version that carries the CVE-2018-0886 fix ([MS-CSSP] 2.2.1; `rdp-codes-and-peers.md`
/// §1.7).
const CREDSSP_FIXED_VERSION: u32 = 5;

/// Takes the inventory of `target`. Never panics on server input; returns within about
/// `options.timeouts.overall` plus one connect and read limit.
///
/// ```no_run
/// # async fn demo() {
/// use rdp_probe_core::inventory::{inventory, InventoryOptions};
/// let inv = inventory(&"127.0.0.1:3389".parse().unwrap(), &InventoryOptions::default()).await;
/// assert_eq!(inv.schema, "rdp-probe-inventory/1");
/// # }
/// ```
pub async fn inventory(target: &Target, options: &InventoryOptions) -> Inventory {
    let start = Instant::now();
    let now_unix = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
    let mut inv = empty(target);
    let addr = match resolve(target, options).await {
        Ok(addr) => addr,
        Err(message) => {
            inv.error = Some(InventoryError {
                phase: "resolve",
                message,
            });
            return finish(inv, start, None);
        }
    };
    inv.target.address = Some(addr.to_string());
    let pool = Pool::new(addr, options.timeouts, options.max_connections);

    // 1. X.224: the first request alone, so a closed port gives one answer; then the rest at once.
    let first = Request::of(Protocols::MSTSC_DEFAULT);
    let first_answer = negotiate_only(&pool, first).await;
    if first_answer == Answer::Silent(Silence::ConnectFailed) {
        inv.error = Some(InventoryError {
            phase: "tcp_connect",
            message: format!("the TCP connection to {addr} was refused or failed"),
        });
        return finish(inv, start, Some(&pool));
    }
    let mut plan: std::collections::BTreeSet<Request> = PROTOCOLS_ALONE
        .iter()
        .map(|(_, p)| Request::of(*p))
        .collect();
    plan.insert(Request::Legacy);
    plan.insert(Request::of(SSL_HYBRID));
    plan.extend(clients::profile_requests());
    plan.remove(&first);
    let requests: Vec<Request> = plan.into_iter().collect();
    let rest = join_all(requests.iter().map(|r| negotiate_only(&pool, *r))).await;
    let mut answers: BTreeMap<Request, Answer> = requests.into_iter().zip(rest).collect();
    answers.insert(first, first_answer);

    inv.protocols = protocol_table(&answers);
    inv.requests = answers
        .iter()
        .map(|(r, a)| ProtocolResult::new(*r, wanted(*r), a))
        .collect();
    let verdict = negotiation::nla_verdict(&answers);
    inv.nla = verdict.nla;
    inv.nla_reason = verdict.reason;
    inv.early_user_authorization = early_user_authorization(&answers);

    if options.negotiate_only {
        inv.findings = findings::derive(&inv);
        inv.clients = clients::evaluate(&inv, &answers);
        return finish(inv, start, Some(&pool));
    }

    // 2–4: the continuations, concurrently.
    let standard_via = standard_request(&answers);
    let tls_via = negotiation::tls_request(&answers);
    let credssp_via = credssp_request(&answers);
    let standard_fut = async {
        match standard_via {
            Some(via) => Some(standard_inventory(&pool, via).await),
            None => None,
        }
    };
    let tls_fut = async {
        match tls_via {
            Some((via, selected)) => {
                Some(tls_inventory(&pool, via, selected, options, target, now_unix).await)
            }
            None => None,
        }
    };
    let credssp_fut = async {
        match credssp_via {
            Some(protocols) => diagnose(&pool, target, protocols, options).await,
            None => None,
        }
    };
    // Boxed: the continuations are large futures, and a fleet scan holds one inventory future per
    // host in flight; only the hosts that get this far pay for them.
    let (standard_found, tls_found, credssp_report) =
        Box::pin(async { tokio::join!(standard_fut, tls_fut, credssp_fut) }).await;

    if let Some((std_inv, facts)) = standard_found {
        if std_inv.via == "legacy"
            && let Some(e) = &std_inv.error
        {
            // Confirmed without negotiation data, then the Connect Initial was refused: the
            // request was not accepted after all.
            inv.protocols.legacy.accepted = false;
            inv.protocols.legacy.detail =
                Some(format!("confirmed without negotiation data, then: {e}"));
        }
        if let Some(v) = facts.as_ref().and_then(|f| f.rdp_version) {
            inv.rdp_version = Some(rdp_version(v, "standard_rdp"));
        }
        inv.standard_rdp = Some(std_inv);
    }
    if let Some(tls) = tls_found {
        inv.tls = Some(tls);
    }
    if let Some(report) = &credssp_report {
        absorb_credssp(&mut inv, report, credssp_via);
    }
    // The RDP version behind TLS, when Standard RDP Security did not give it.
    if inv.rdp_version.is_none()
        && answers
            .get(&Request::of(Protocols::SSL))
            .and_then(Answer::selected)
            == Some(Protocols::SSL.bits())
        && let Some(report) = Box::pin(diagnose(&pool, target, Protocols::SSL, options)).await
    {
        if let Some(v) = report.server.rdp_version {
            inv.rdp_version = Some(rdp_version(v, "tls"));
        }
        if let Some(tls) = inv.tls.as_mut()
            && tls.certificate.is_none()
        {
            tls.certificate = report.server.certificate.clone();
        }
    }

    inv.findings = findings::derive(&inv);
    inv.clients = clients::evaluate(&inv, &answers);
    finish(inv, start, Some(&pool))
}

/// An inventory with nothing found yet.
fn empty(target: &Target) -> Inventory {
    let untested =
        |r: Request| ProtocolResult::new(r, wanted(r), &Answer::Silent(Silence::ConnectFailed));
    Inventory {
        schema: INVENTORY_SCHEMA,
        target: TargetReport {
            host: target.host().to_owned(),
            port: target.port(),
            address: None,
        },
        error: None,
        protocols: ProtocolTable {
            rdp: untested(Request::of(Protocols::RDP)),
            ssl: untested(Request::of(Protocols::SSL)),
            hybrid: untested(Request::of(Protocols::HYBRID)),
            hybrid_ex: untested(Request::of(Protocols::HYBRID_EX)),
            rdstls: untested(Request::of(Protocols::RDSTLS)),
            rdsaad: untested(Request::of(Protocols::RDSAAD)),
            legacy: untested(Request::Legacy),
        },
        requests: Vec::new(),
        nla: negotiation::Nla::Unknown,
        nla_reason: "the server was not reached".to_owned(),
        early_user_authorization: None,
        tls: None,
        standard_rdp: None,
        rdp_version: None,
        credssp: None,
        ntlm: None,
        findings: Vec::new(),
        clients: Vec::new(),
        connections: 0,
        max_concurrent_connections: 0,
        elapsed_ms: 0.0,
    }
}

fn finish(mut inv: Inventory, start: Instant, pool: Option<&Pool>) -> Inventory {
    if let Some(pool) = pool {
        let (opened, peak) = pool.counters.totals();
        inv.connections = opened;
        inv.max_concurrent_connections = peak;
    }
    inv.elapsed_ms = start.elapsed().as_secs_f64() * 1000.0;
    inv
}

/// The first address of `target`, bounded by the connect limit.
async fn resolve(target: &Target, options: &InventoryOptions) -> Result<SocketAddr, String> {
    if let Some(ip) = target.ip() {
        return Ok(SocketAddr::new(ip, target.port()));
    }
    let lookup = tokio::net::lookup_host((target.host(), target.port()));
    match tokio::time::timeout(options.timeouts.connect, lookup).await {
        Ok(Ok(mut addrs)) => addrs
            .next()
            .ok_or_else(|| format!("{} has no address", target.host())),
        Ok(Err(e)) => Err(format!("{} could not be resolved: {e}", target.host())),
        Err(_) => Err(format!(
            "resolving {} took longer than the connect limit",
            target.host()
        )),
    }
}

/// The protocol "accepted" means for `request`: the one requested alone, or for a combination the
/// strongest one in it (what a client sending it hopes for).
fn wanted(request: Request) -> Option<u32> {
    let bits = request.bits()?;
    if bits == 0 || bits.count_ones() == 1 {
        return Some(bits);
    }
    [
        Protocols::HYBRID_EX,
        Protocols::HYBRID,
        Protocols::RDSTLS,
        Protocols::SSL,
    ]
    .into_iter()
    .map(Protocols::bits)
    .find(|b| bits & b != 0)
}

/// One Connection Request on a fresh connection, and the answer.
async fn negotiate_only(pool: &Pool, request: Request) -> Answer {
    match pool.connect().await {
        Ok(mut link) => negotiate(&mut link, request).await,
        Err(silence) => Answer::Silent(silence),
    }
}

async fn negotiate(link: &mut super::link::Link, request: Request) -> Answer {
    if let Err(s) = link.send(&request.encode()).await {
        return Answer::Silent(s);
    }
    match link.read_tpkt().await {
        Ok(frame) => Answer::from_frame(&frame),
        Err(ReadError::Silent(s)) => Answer::Silent(s),
        Err(ReadError::Invalid(what)) => Answer::NotRdp(what),
    }
}

fn protocol_table(answers: &BTreeMap<Request, Answer>) -> ProtocolTable {
    let result = |r: Request| {
        let a = answers
            .get(&r)
            .cloned()
            .unwrap_or(Answer::Silent(Silence::Timeout));
        ProtocolResult::new(r, wanted(r), &a)
    };
    ProtocolTable {
        rdp: result(Request::of(Protocols::RDP)),
        ssl: result(Request::of(Protocols::SSL)),
        hybrid: result(Request::of(Protocols::HYBRID)),
        hybrid_ex: result(Request::of(Protocols::HYBRID_EX)),
        rdstls: result(Request::of(Protocols::RDSTLS)),
        rdsaad: result(Request::of(Protocols::RDSAAD)),
        legacy: result(Request::Legacy),
    }
}

fn early_user_authorization(answers: &BTreeMap<Request, Answer>) -> Option<bool> {
    let ex = Protocols::HYBRID_EX.bits();
    let with_ex: Vec<&Answer> = answers
        .iter()
        .filter(|(r, _)| r.bits().is_some_and(|b| b & ex != 0))
        .map(|(_, a)| a)
        .collect();
    if with_ex.iter().any(|a| a.selected() == Some(ex)) {
        Some(true)
    } else if with_ex.iter().any(|a| a.is_decision()) {
        Some(false)
    } else {
        None
    }
}

/// The request the Standard RDP Security probes follow: requestedProtocols 0 when the server selected
/// it, else the legacy request when the server confirmed it without negotiation data.
fn standard_request(answers: &BTreeMap<Request, Answer>) -> Option<Request> {
    let rdp = Request::of(Protocols::RDP);
    if answers.get(&rdp).and_then(Answer::selected) == Some(0) {
        return Some(rdp);
    }
    answers
        .get(&Request::Legacy)
        .is_some_and(Answer::is_bare_confirm)
        .then_some(Request::Legacy)
}

/// The protocols the CredSSP step requests: a request the server answered with HYBRID or HYBRID_EX.
fn credssp_request(answers: &BTreeMap<Request, Answer>) -> Option<Protocols> {
    let nla = Protocols::HYBRID.bits() | Protocols::HYBRID_EX.bits();
    [
        SSL_HYBRID,
        Protocols::MSTSC_DEFAULT,
        Protocols::HYBRID,
        Protocols::HYBRID_EX,
    ]
    .into_iter()
    .find(|p| {
        answers
            .get(&Request::of(*p))
            .and_then(Answer::selected)
            .is_some_and(|s| s & nla != 0 && s.count_ones() == 1 && p.bits() & s == s)
    })
}

/// A Connection Request and, if the server selected Standard RDP Security, a Connect Initial offering
/// `methods`.
async fn standard_probe(pool: &Pool, via: Request, methods: u32) -> Result<ServerSecurity, String> {
    let mut link = pool
        .connect()
        .await
        .map_err(|s| format!("connection: {s:?}"))?;
    let answer = negotiate(&mut link, via).await;
    let selected = match (via, &answer) {
        (Request::Legacy, a) if a.is_bare_confirm() => None,
        (Request::Negotiate(_), a) if a.selected() == Some(0) => Some(0),
        (_, a) => return Err(format!("the server answered {} this time", a.kind())),
    };
    let initial = standard::connect_initial(methods, selected)
        .ok_or_else(|| "the Connect Initial could not be encoded".to_owned())?;
    link.send(&initial)
        .await
        .map_err(|s| format!("sending the Connect Initial: {s:?}"))?;
    match link.read_tpkt().await {
        Ok(frame) => match standard::read_answer(&frame) {
            McsAnswer::Response(facts) => Ok(facts),
            McsAnswer::Refused(why) | McsAnswer::Invalid(why) => Err(why),
        },
        Err(ReadError::Silent(s)) => Err(format!("no Connect Response: {s:?}")),
        Err(ReadError::Invalid(what)) => Err(format!("not an MCS answer: {what}")),
    }
}

/// Standard RDP Security: every method offered, then each alone (and none).
async fn standard_inventory(
    pool: &Pool,
    via: Request,
) -> (StandardRdpInventory, Option<ServerSecurity>) {
    let all = standard_probe(pool, via, ALL_METHODS);
    let none = standard_probe(pool, via, 0);
    let singles = join_all(
        METHODS_ALONE
            .iter()
            .map(|(m, _)| standard_probe(pool, via, *m)),
    );
    let (all, none, singles) = tokio::join!(all, none, singles);
    let mut inv = StandardRdpInventory {
        via: via.label(),
        encryption_methods: Vec::new(),
        methods_refused: Vec::new(),
        encryption_level: None,
        preferred_method: None,
        certificate: None,
        error: None,
    };
    match &all {
        Ok(facts) => {
            inv.encryption_level = facts.level.map(|l| standard::level_name(l).into_owned());
            inv.preferred_method = facts.method;
            inv.certificate = facts.certificate.clone();
        }
        Err(e) => inv.error = Some(e.clone()),
    }
    if none.as_ref().is_ok_and(|f| f.method == Some(0)) {
        inv.encryption_methods.push("none");
    }
    for ((method, name), result) in METHODS_ALONE.iter().zip(&singles) {
        if result.as_ref().is_ok_and(|f| f.method == Some(*method)) {
            inv.encryption_methods.push(name);
        } else {
            inv.methods_refused.push(name);
        }
    }
    (inv, all.ok())
}

/// TLS: each version, then its suites.
async fn tls_inventory(
    pool: &Pool,
    via: Request,
    selected: u32,
    options: &InventoryOptions,
    target: &Target,
    now_unix: i64,
) -> TlsInventory {
    let scans = join_all(
        tls_scan::VERSIONS
            .iter()
            .map(|(v, _)| scan_version(pool, via, selected, *v, options.cipher_suites)),
    )
    .await;
    let mut out = TlsInventory {
        via: via.label(),
        versions: BTreeMap::new(),
        certificate: None,
        secure_renegotiation: None,
    };
    for ((_, name), scan) in tls_scan::VERSIONS.iter().zip(scans) {
        if out.certificate.is_none()
            && let Some(chain) = scan.chain.as_ref().filter(|c| !c.is_empty())
        {
            out.certificate = Some(crate::cert::summarize(
                &chain[0],
                chain.len(),
                target.host(),
                now_unix,
            ));
        }
        if let Some(r) = scan.secure_renegotiation {
            out.secure_renegotiation = Some(out.secure_renegotiation.unwrap_or(true) && r);
        }
        out.versions.insert((*name).to_owned(), scan.result);
    }
    out
}

/// One ClientHello after the Connection Request `via`, on a fresh connection.
async fn hello(
    pool: &Pool,
    via: Request,
    selected: u32,
    version: u16,
    suites: &[u16],
) -> HelloOutcome {
    let mut link = match pool.connect().await {
        Ok(l) => l,
        Err(s) => return HelloOutcome::Silent(s),
    };
    let answer = negotiate(&mut link, via).await;
    if answer.selected() != Some(selected) {
        return HelloOutcome::Negotiation(answer.kind().to_owned());
    }
    let Some(bytes) = tls_scan::client_hello_for(version, suites) else {
        return HelloOutcome::Negotiation("no secure random for the ClientHello".to_owned());
    };
    if let Err(s) = link.send(&bytes).await {
        return HelloOutcome::Silent(s);
    }
    match link
        .read_until(MAX_FLIGHT_BYTES, tls_scan::judge_flight)
        .await
    {
        Ok(outcome) => outcome,
        Err(ReadError::Silent(s)) => HelloOutcome::Silent(s),
        Err(ReadError::Invalid(what)) => HelloOutcome::NotTls(what),
    }
}

async fn scan_version(
    pool: &Pool,
    via: Request,
    selected: u32,
    version: u16,
    enumerate: bool,
) -> tls_scan::VersionScan {
    let mut scan = tls_scan::VersionScan::new(version);
    let candidates = scan.remaining().to_vec();
    let first = hello(pool, via, selected, version, &candidates).await;
    if !scan.record(first) || !enumerate {
        scan.finish(enumerate);
        return scan;
    }
    // Every candidate in reverse: a server with its own order picks the same suite again, and its
    // order can only be read one pick at a time; one that takes the client's first acceptable suite
    // picks another, and its suites can be found in parallel shares.
    let reversed: Vec<u16> = candidates.iter().rev().copied().collect();
    let check = hello(pool, via, selected, version, &reversed).await;
    if scan.record_order_check(&check) == Some(false) {
        let shares = scan.split(SUITE_SHARES);
        let found = join_all(
            shares
                .into_iter()
                .map(|share| enumerate_share(pool, via, selected, share)),
        )
        .await;
        for share in found {
            scan.merge(share);
        }
        scan.sort_by(&candidates);
    } else {
        loop {
            let offered = scan.remaining().to_vec();
            if offered.is_empty() {
                break;
            }
            let outcome = hello(pool, via, selected, version, &offered).await;
            if !scan.record(outcome) {
                break;
            }
        }
    }
    scan.finish(enumerate);
    scan
}

/// Remove-and-repeat within one share of the candidates.
async fn enumerate_share(
    pool: &Pool,
    via: Request,
    selected: u32,
    mut share: tls_scan::VersionScan,
) -> tls_scan::VersionScan {
    loop {
        let offered = share.remaining().to_vec();
        if offered.is_empty() {
            break;
        }
        let outcome = hello(pool, via, selected, share.version(), &offered).await;
        if !share.record(outcome) {
            break;
        }
    }
    share
}

/// The diagnosis without credentials, requesting exactly `protocols`, on one permit of the pool.
async fn diagnose(
    pool: &Pool,
    target: &Target,
    protocols: Protocols,
    options: &InventoryOptions,
) -> Option<Report> {
    let probe_options = ProbeOptions {
        protocols: Some(protocols),
        timeouts: options.timeouts,
        legacy_tls: options.legacy_tls,
        ..ProbeOptions::default()
    };
    let target = Target::new(target.host(), target.port()).ok()?;
    let report = pool
        .with_permit(crate::probe(&target, &probe_options))
        .await?;
    let connects = report
        .phases
        .iter()
        .filter(|p| p.phase == Phase::TcpConnect)
        .count();
    pool.count_opened(u32::try_from(connects).unwrap_or(u32::MAX));
    Some(report)
}

fn absorb_credssp(inv: &mut Inventory, report: &Report, via: Option<Protocols>) {
    if let Some(version) = report.server.credssp_version {
        inv.credssp = Some(CredsspInventory {
            version,
            predates_cve_2018_0886_fix: version < CREDSSP_FIXED_VERSION,
            via: via.map(|p| p.names().join("|")).unwrap_or_default(),
            outcome: match report.verdict_kind() {
                VerdictKind::NeedsCredentials => "nla_requires_credentials".to_owned(),
                other => other.as_str().to_owned(),
            },
        });
    }
    inv.ntlm = report.server.ntlm.clone();
    if let Some(tls) = inv.tls.as_mut()
        && tls.certificate.is_none()
    {
        tls.certificate = report.server.certificate.clone();
    }
    if inv.rdp_version.is_none()
        && let Some(v) = report.server.rdp_version
    {
        inv.rdp_version = Some(rdp_version(v, "tls"));
    }
}

fn rdp_version(raw: u32, source: &'static str) -> RdpVersion {
    RdpVersion {
        raw,
        name: rdp_probe_codes::rdp::rdp_version_name(raw)
            .map_or_else(|| format!("unknown 0x{raw:08x}"), str::to_owned),
        source,
    }
}
