//! The decision log (`--log PATH|-`): one JSON line per decision, commit,
//! release and outcome ([`line`], docs/service.md "The decision log").
//!
//! A decision never waits for the log. Handlers hand each line to a
//! bounded channel ([`LogOptions::buffer`] lines) and go on; one writer
//! thread writes them, flushing whenever the channel is empty. When the
//! channel is full (the disk or the pipe is slower than the decisions), the
//! line is dropped and counted (`remit_log_lines_dropped_total{reason="full"}`
//! in `/metrics`, `log.dropped` in `/v1/status`); a line that cannot be
//! written (disk full) is dropped and counted with `reason="write_error"`.

pub mod line;
mod writer;

use crate::metrics::Metrics;
use line::{LogLine, REDACTED};
use prometheus::IntCounter;
use serde_json::{json, Map, Value};
use std::path::PathBuf;
use std::sync::mpsc::{self, SyncSender, TrySendError};
use std::sync::Mutex;
use std::time::Duration;
use writer::{FileSink, Sink};

/// How many lines wait for the writer before new ones are dropped.
pub const DEFAULT_BUFFER: usize = 65_536;
/// How many rotated files are kept.
pub const DEFAULT_KEEP: usize = 5;
/// How long stopping the service waits for the writer to finish.
const CLOSE_WAIT: Duration = Duration::from_secs(5);

/// Where and how to log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogOptions {
    /// A file path, or `-` for standard output.
    pub target: String,
    /// Rotate the file before it would exceed this many bytes.
    pub max_bytes: Option<u64>,
    /// How many rotated files to keep (`PATH.1` newest … `PATH.N`).
    pub keep: usize,
    /// Attributes whose values are replaced by `"[redacted]"`, as the table
    /// names them (`customer.email`, `context.note`, `param.reason`).
    pub redact: Vec<String>,
    /// Lines waiting for the writer before new ones are dropped.
    pub buffer: usize,
}

impl Default for LogOptions {
    fn default() -> Self {
        LogOptions {
            target: "-".into(),
            max_bytes: None,
            keep: DEFAULT_KEEP,
            redact: Vec::new(),
            buffer: DEFAULT_BUFFER,
        }
    }
}

/// One attribute to redact: its section of the request and its name.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Redaction {
    /// As given: `customer.email`.
    name: String,
    /// `customer`, `context` or `params`.
    section: &'static str,
    /// `email`.
    attribute: String,
}

fn parse_redaction(name: &str) -> Result<Redaction, String> {
    let (prefix, attribute) = name.split_once('.').unwrap_or(("", ""));
    let section = match prefix {
        "customer" => "customer",
        "context" => "context",
        "param" | "params" => "params",
        _ => "",
    };
    if section.is_empty() || attribute.is_empty() || attribute.contains('.') {
        return Err(format!(
            "`--redact {name}` does not name an attribute\n  help: name it as the table does: `customer.email`, `context.note` or `param.reason`"
        ));
    }
    Ok(Redaction {
        name: if section == "params" {
            format!("param.{attribute}")
        } else {
            name.to_string()
        },
        section,
        attribute: attribute.to_string(),
    })
}

enum Message {
    Line(String),
    /// Finish: write what is queued, flush, answer.
    Close(mpsc::Sender<()>),
}

/// The log's counters, shared with `/metrics` and `/v1/status`.
#[derive(Clone)]
struct Counters {
    written: IntCounter,
    dropped_full: IntCounter,
    dropped_error: IntCounter,
    rotations: IntCounter,
}

/// The open decision log.
pub struct DecisionLog {
    target: String,
    redact: Vec<Redaction>,
    lines: SyncSender<Message>,
    counters: Counters,
    closed: Mutex<bool>,
}

impl DecisionLog {
    /// Opens the log (creating the file) and starts its writer thread.
    pub fn open(options: &LogOptions, metrics: &Metrics) -> Result<DecisionLog, String> {
        let redact = options
            .redact
            .iter()
            .map(|r| parse_redaction(r))
            .collect::<Result<Vec<_>, _>>()?;
        let sink = if options.target == "-" {
            if options.max_bytes.is_some() {
                return Err("`--log-max-bytes` rotates a log file, and `--log -` writes to standard output\n  help: give `--log PATH`, or rotate standard output with the tool that reads it".into());
            }
            Sink::Stdout(std::io::BufWriter::with_capacity(
                64 * 1024,
                std::io::stdout(),
            ))
        } else {
            if options.max_bytes == Some(0) {
                return Err("`--log-max-bytes 0` would rotate before every line\n  help: give a size such as `--log-max-bytes 104857600` (100 MiB)".into());
            }
            let path = PathBuf::from(&options.target);
            Sink::File(
                FileSink::open(&path, options.max_bytes, options.keep).map_err(|e| {
                    format!(
                        "cannot open the decision log `{}`: {e}\n  help: give `--log` a writable file path, or `-` for standard output",
                        path.display()
                    )
                })?,
            )
        };
        let counters = Counters {
            written: metrics.log_lines.clone(),
            dropped_full: metrics.log_dropped.with_label_values(&["full"]),
            dropped_error: metrics.log_dropped.with_label_values(&["write_error"]),
            rotations: metrics.log_rotations.clone(),
        };
        let (lines, queue) = mpsc::sync_channel::<Message>(options.buffer.max(1));
        let thread_counters = counters.clone();
        let target = options.target.clone();
        std::thread::Builder::new()
            .name("remit-log".into())
            .spawn(move || write_lines(sink, &queue, &thread_counters, &target))
            .map_err(|e| format!("cannot start the decision log's writer: {e}"))?;
        Ok(DecisionLog {
            target: options.target.clone(),
            redact,
            lines,
            counters,
            closed: Mutex::new(false),
        })
    }

    /// The table part of a request with the redacted attributes replaced,
    /// and the names of those it replaced.
    pub fn redact(&self, request: &mut Map<String, Value>) -> Vec<String> {
        let mut redacted = Vec::new();
        for r in &self.redact {
            if let Some(v) = request
                .get_mut(r.section)
                .and_then(Value::as_object_mut)
                .and_then(|s| s.get_mut(&r.attribute))
            {
                *v = Value::String(REDACTED.into());
                redacted.push(r.name.clone());
            }
        }
        redacted
    }

    /// Hands a line to the writer, never waiting: when the writer is
    /// behind, the line is dropped and counted.
    pub fn record(&self, line: &LogLine) {
        let text = match serde_json::to_string(line) {
            Ok(t) => t,
            Err(_) => {
                self.counters.dropped_error.inc();
                return;
            }
        };
        match self.lines.try_send(Message::Line(text)) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => self.counters.dropped_full.inc(),
            Err(TrySendError::Disconnected(_)) => self.counters.dropped_error.inc(),
        }
    }

    /// Counts a line that could not be made (dropped with `write_error`).
    pub fn count_unwritable(&self) {
        self.counters.dropped_error.inc();
    }

    /// The log's state for `/v1/status`.
    pub fn status(&self) -> Value {
        json!({
            "target": self.target,
            "written": self.counters.written.get(),
            "dropped": self.counters.dropped_full.get() + self.counters.dropped_error.get(),
            "dropped_full": self.counters.dropped_full.get(),
            "dropped_write_error": self.counters.dropped_error.get(),
            "rotations": self.counters.rotations.get(),
        })
    }

    /// Writes what is queued and flushes, waiting at most 5 seconds (a
    /// reader that never reads cannot hold the service's exit).
    pub fn close(&self) {
        let Ok(mut closed) = self.closed.lock() else {
            return;
        };
        if *closed {
            return;
        }
        *closed = true;
        let (done, finished) = mpsc::channel();
        let lines = self.lines.clone();
        // Sending may wait for room in the channel: on another thread, so
        // the wait below bounds it.
        std::thread::spawn(move || {
            let _ = lines.send(Message::Close(done));
        });
        if finished.recv_timeout(CLOSE_WAIT).is_err() {
            eprintln!(
                "warning: the decision log `{}` did not finish writing within {} s; queued lines may be lost",
                self.target,
                CLOSE_WAIT.as_secs()
            );
        }
    }
}

fn write_lines(mut sink: Sink, queue: &mpsc::Receiver<Message>, counters: &Counters, target: &str) {
    // Warn once per run of failures, not once per line.
    let mut failing = false;
    let mut write = |sink: &mut Sink, text: &str| match sink.write_line(text) {
        Ok(rotated) => {
            if rotated {
                counters.rotations.inc();
            }
            counters.written.inc();
            failing = false;
        }
        Err(e) => {
            counters.dropped_error.inc();
            if !failing {
                eprintln!("warning: cannot write to the decision log `{target}`: {e}; lines are dropped and counted until it can");
            }
            failing = true;
        }
    };
    while let Ok(first) = queue.recv() {
        let mut next = Some(first);
        while let Some(message) = next.take() {
            match message {
                Message::Line(text) => write(&mut sink, &text),
                Message::Close(done) => {
                    let _ = sink.flush();
                    let _ = done.send(());
                    return;
                }
            }
            next = queue.try_recv().ok();
        }
        if let Err(e) = sink.flush() {
            counters.dropped_error.inc();
            eprintln!("warning: cannot flush the decision log `{target}`: {e}");
        }
    }
    let _ = sink.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redactions_name_attributes_as_the_table_does() {
        let r = parse_redaction("customer.email").unwrap();
        assert_eq!((r.section, r.attribute.as_str()), ("customer", "email"));
        assert_eq!(parse_redaction("params.note").unwrap().name, "param.note");
        for bad in ["email", "customer.", "usage.x", "customer.a.b"] {
            let e = parse_redaction(bad).unwrap_err();
            assert!(e.contains("help: "), "{e}");
        }
    }

    #[test]
    fn redaction_replaces_only_the_named_values() {
        let metrics = Metrics::new().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let log = DecisionLog::open(
            &LogOptions {
                target: dir.path().join("l").display().to_string(),
                redact: vec!["customer.email".into(), "param.note".into()],
                ..LogOptions::default()
            },
            &metrics,
        )
        .unwrap();
        let mut req = json!({"role": "clerk", "customer": {"email": "a@b", "tier": "gold"}, "params": {"amount": 5}})
            .as_object()
            .cloned()
            .unwrap();
        assert_eq!(log.redact(&mut req), vec!["customer.email"]);
        assert_eq!(req["customer"]["email"], REDACTED);
        assert_eq!(req["customer"]["tier"], "gold");
        assert_eq!(req["params"]["amount"], 5);
        log.close();
    }
}
