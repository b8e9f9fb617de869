//! The one error type of the lab.

use std::fmt;
use std::io;

/// Why a lab server or a lab certificate could not be made.
#[derive(Debug)]
#[non_exhaustive]
pub enum LabError {
    /// Binaries or files the lab needs are not installed.
    MissingTools(Vec<String>),
    /// A configuration the lab cannot start.
    InvalidConfig(String),
    /// An I/O operation failed.
    Io {
        /// What was being done.
        context: String,
        /// The underlying error.
        source: io::Error,
    },
    /// A helper command (openssl, winpr-hash, ...) failed.
    CommandFailed {
        /// The command line.
        command: String,
        /// How it ended.
        status: String,
        /// Its stderr and stdout.
        output: String,
    },
    /// A server did not become ready; it has been stopped.
    NotReady {
        /// Which server, e.g. `xrdp on 127.0.0.1:24001`.
        server: String,
        /// Why: timeout, or the process exited.
        reason: String,
        /// The tail of the server's logs.
        log_tail: String,
    },
}

impl LabError {
    pub(crate) fn io(context: impl Into<String>, source: io::Error) -> Self {
        LabError::Io {
            context: context.into(),
            source,
        }
    }
}

impl fmt::Display for LabError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LabError::MissingTools(missing) => write!(
                f,
                "missing test dependencies: {}; run scripts/install-test-deps.sh (as root)",
                missing.join(", ")
            ),
            LabError::InvalidConfig(why) => write!(f, "invalid lab configuration: {why}"),
            LabError::Io { context, source } => write!(f, "{context}: {source}"),
            LabError::CommandFailed {
                command,
                status,
                output,
            } => {
                write!(f, "`{command}` failed ({status}):\n{output}")
            }
            LabError::NotReady {
                server,
                reason,
                log_tail,
            } => {
                write!(
                    f,
                    "{server} did not become ready: {reason}\n--- log tail ---\n{log_tail}"
                )
            }
        }
    }
}

impl std::error::Error for LabError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LabError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
