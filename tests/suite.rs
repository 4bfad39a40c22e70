//! The end-to-end suites over the whole toolchain, in one test binary
//! (one link instead of one per suite: the fresh-clone test time is
//! dominated by linking). Each module is one suite; run one with
//! `cargo test -p remit-tests --test suite -- lints::`.

mod check;
mod conformance;
mod diff;
mod doc;
mod examples;
mod format;
mod grammars;
mod language_1_1;
mod lints;
mod oracle;
mod properties;
