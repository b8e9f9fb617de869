//! The phases of the RDP connection sequence and what each one cost.

use std::time::Duration;

use serde::{Serialize, Serializer};

pub use rdp_probe_codes::Phase;

/// How a phase ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum PhaseStatus {
    /// Completed.
    Ok,
    /// The probe stopped here with a failure.
    Failed,
    /// The probe stopped here on purpose (e.g. the NLA wall without credentials) or met something it does
    /// not implement.
    Stopped,
}

/// What one phase took: time, bytes and round trips. A phase may appear more than once when the probe
/// reconnects (e.g. after SSL_NOT_ALLOWED_BY_SERVER); `attempt` tells them apart.
///
/// Bytes are TCP payload (TLS records included). Sent bytes count in the phase that sent them. Received
/// bytes count in the phase that needed them: over plain TCP, each frame when the probe takes it
/// (and, when a read ends in a failure, the partial or invalid frame it holds); under TLS, each record
/// when the probe reads it, records being read one at a time and only while no plaintext is waiting (so
/// TLS 1.3 session tickets count in the phase after `tls`, with the first record that carries data).
/// Bytes the server sent after the frame that ended the probe are not counted. So the counts do not
/// depend on how the kernel delivered the segments: two probes of one server give the same numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PhaseRecord {
    /// The phase.
    pub phase: Phase,
    /// How it ended.
    pub status: PhaseStatus,
    /// Wall time spent in the phase, in milliseconds.
    #[serde(serialize_with = "ser_ms")]
    #[cfg_attr(feature = "schema", schemars(with = "f64"))]
    pub elapsed_ms: Duration,
    /// Bytes the probe sent in this phase (TCP payload, TLS records included).
    pub bytes_sent: u64,
    /// Bytes the probe received in this phase.
    pub bytes_received: u64,
    /// Request/response exchanges in this phase.
    pub round_trips: u32,
    /// Connection attempt this phase belongs to (1 for the first TCP connection).
    pub attempt: u32,
}

fn ser_ms<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    // Whole microseconds, as fractional milliseconds.
    let micros = d.as_micros().min(u128::from(u64::MAX));
    #[expect(clippy::cast_precision_loss, reason = "a duration in ms for display")]
    let ms = micros as f64 / 1000.0;
    s.serialize_f64(ms)
}

/// Tracks the phase in progress. Sans-IO: the caller passes the time.
#[derive(Debug, Default)]
pub struct PhaseLog {
    records: Vec<PhaseRecord>,
    current: Option<Open>,
    attempt: u32,
}

#[derive(Debug)]
struct Open {
    phase: Phase,
    started: Duration,
    sent: u64,
    received: u64,
    round_trips: u32,
    awaiting_reply: bool,
}

impl PhaseLog {
    /// Starts a new connection attempt (numbering from 1).
    pub fn new_attempt(&mut self) {
        self.attempt += 1;
    }

    /// The number of the attempt in progress (1 before the first).
    pub fn attempt(&self) -> u32 {
        self.attempt.max(1)
    }

    /// The phase in progress.
    pub fn current(&self) -> Option<Phase> {
        self.current.as_ref().map(|o| o.phase)
    }

    /// When the phase in progress started.
    pub fn current_started(&self) -> Option<Duration> {
        self.current.as_ref().map(|o| o.started)
    }

    /// Enters `phase` at `now`, closing the previous phase as Ok. Entering the phase already open does nothing.
    pub fn enter(&mut self, phase: Phase, now: Duration) {
        if self.current() == Some(phase) {
            return;
        }
        self.close(PhaseStatus::Ok, now);
        self.current = Some(Open {
            phase,
            started: now,
            sent: 0,
            received: 0,
            round_trips: 0,
            awaiting_reply: false,
        });
    }

    /// Counts bytes sent in the open phase.
    pub fn sent(&mut self, n: usize) {
        if let Some(o) = &mut self.current {
            o.sent += n as u64;
            o.awaiting_reply = true;
        }
    }

    /// Counts bytes received in the open phase; the first reply after a send completes a round trip.
    pub fn received(&mut self, n: usize) {
        if let Some(o) = &mut self.current {
            o.received += n as u64;
            if o.awaiting_reply {
                o.round_trips += 1;
                o.awaiting_reply = false;
            }
        }
    }

    /// Closes the open phase with `status`.
    pub fn close(&mut self, status: PhaseStatus, now: Duration) {
        if let Some(o) = self.current.take() {
            self.records.push(PhaseRecord {
                phase: o.phase,
                status,
                elapsed_ms: now.saturating_sub(o.started),
                bytes_sent: o.sent,
                bytes_received: o.received,
                round_trips: o.round_trips,
                attempt: self.attempt.max(1),
            });
        }
    }

    /// The closed records.
    pub fn records(&self) -> &[PhaseRecord] {
        &self.records
    }

    /// Takes the closed records.
    pub fn into_records(self) -> Vec<PhaseRecord> {
        self.records
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_round_trips_and_bytes() {
        let mut log = PhaseLog::default();
        log.new_attempt();
        log.enter(Phase::X224, Duration::from_millis(1));
        log.sent(19);
        log.received(10);
        log.received(9);
        log.enter(Phase::Tls, Duration::from_millis(5));
        log.sent(300);
        log.received(1500);
        log.sent(80);
        log.close(PhaseStatus::Failed, Duration::from_millis(9));
        let r = log.records();
        assert_eq!(r.len(), 2);
        assert_eq!(
            (r[0].bytes_sent, r[0].bytes_received, r[0].round_trips),
            (19, 19, 1)
        );
        assert_eq!(r[0].elapsed_ms, Duration::from_millis(4));
        assert_eq!((r[1].round_trips, r[1].status), (1, PhaseStatus::Failed));
    }
}
