//! The formatter's end-to-end tests, in one test binary (one link
//! instead of three; Nickel's pattern): the language example, snapshots
//! of messy inputs, and property tests on generated policies. Run one
//! suite with `cargo test -p remit-fmt --test formatter -- snapshots::`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod language_example;
mod properties;
mod snapshots;
