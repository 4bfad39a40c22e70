//! Standard output and standard error that end quietly when the reader
//! goes away.
//!
//! Rust ignores `SIGPIPE`, so `println!` into a closed pipe panics (`remit
//! schema | head -20` used to exit 101 with "failed printing to stdout").
//! Every command writes through [`out!`], [`outln!`], [`err!`] and
//! [`errln!`] instead (`clippy::print_stdout` and `print_stderr` are denied
//! in this crate). When the reader has closed the pipe the process exits
//! at once with status 0 and no message, as ripgrep does: the reader asked
//! for no more. Any other write error (a full disk behind a redirection)
//! is reported on standard error and exits 2.

use std::io::Write;

/// Writes to standard output (see the module documentation).
pub(crate) fn write_out(args: std::fmt::Arguments<'_>) {
    if let Err(e) = std::io::stdout().lock().write_fmt(args) {
        fail(&e, "standard output");
    }
}

/// Writes to standard error (see the module documentation).
pub(crate) fn write_err(args: std::fmt::Arguments<'_>) {
    if let Err(e) = std::io::stderr().lock().write_fmt(args) {
        fail(&e, "standard error");
    }
}

/// Flushes standard output before the process ends, so that a failing
/// last write is handled here rather than ignored.
pub(crate) fn flush() {
    if let Err(e) = std::io::stdout().lock().flush() {
        fail(&e, "standard output");
    }
}

fn fail(e: &std::io::Error, stream: &str) -> ! {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    if stream != "standard error" {
        let _ = writeln!(std::io::stderr(), "error: cannot write to {stream}: {e}");
    }
    std::process::exit(2);
}

/// `print!` that ends quietly on a closed pipe.
macro_rules! out {
    ($($arg:tt)*) => { $crate::stdio::write_out(format_args!($($arg)*)) };
}

/// `println!` that ends quietly on a closed pipe.
macro_rules! outln {
    () => { $crate::stdio::write_out(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::stdio::write_out(format_args!("{}\n", format_args!($($arg)*))) };
}

/// `eprint!` that ends quietly on a closed pipe.
macro_rules! err {
    ($($arg:tt)*) => { $crate::stdio::write_err(format_args!($($arg)*)) };
}

/// `eprintln!` that ends quietly on a closed pipe.
macro_rules! errln {
    ($($arg:tt)*) => { $crate::stdio::write_err(format_args!("{}\n", format_args!($($arg)*))) };
}

pub(crate) use {err, errln, out, outln};
