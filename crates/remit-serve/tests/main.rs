//! The service's tests, one binary: end to end over HTTP, bad input,
//! concurrency (SQLite, and PostgreSQL with two replicas), hot reload,
//! crashes (`kill -9` of the real `remit serve`) and the README's curl.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod bad_input;
mod concurrency;
mod crash;
mod curl;
mod e2e;
mod keyed;
mod log;
mod metrics;
mod outcomes;
mod prune;
mod reload;
mod replay;
mod support;
