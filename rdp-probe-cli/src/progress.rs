//! The scan's progress bar on stderr (indicatif): done/total, rate, ETA and the counts by verdict.
//! Hidden when stderr is not a terminal.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The bar and the counts it shows.
pub struct Progress {
    bar: ProgressBar,
    counts: Mutex<BTreeMap<String, u64>>,
}

impl Progress {
    /// A bar for `total` hosts; plain characters unless `styled`.
    pub fn new(total: u64, styled: bool) -> Self {
        let bar = if std::io::stderr().is_terminal() {
            ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr())
        } else {
            ProgressBar::hidden()
        };
        let template = if styled {
            "{bar:30.green} {pos}/{len} hosts, {per_sec}, ETA {eta}  {msg}"
        } else {
            "{bar:30} {pos}/{len} hosts, {per_sec}, ETA {eta}  {msg}"
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        Progress {
            bar,
            counts: Mutex::new(BTreeMap::new()),
        }
    }

    /// One more host, with its verdict.
    pub fn finished(&self, verdict: &str) {
        if let Ok(mut counts) = self.counts.lock() {
            *counts.entry(verdict.to_owned()).or_default() += 1;
            let msg: Vec<String> = counts.iter().map(|(v, n)| format!("{v} {n}")).collect();
            self.bar.set_message(msg.join(", "));
        }
        self.bar.inc(1);
    }

    /// Removes the bar.
    pub fn done(&self) {
        self.bar.finish_and_clear();
    }
}
