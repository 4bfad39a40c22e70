//! `remit serve`: the decision service that keeps the usage counters, so
//! no budget is ever overspent (SERVICE.md, docs/service.md).
//!
//! It lives above `remit-table`: a table decides, this crate counts. A
//! request names the policy, customer and employee; the service fills
//! every counter from its [ledger](ledger::Ledger) and, for `POST
//! /v1/uses`, decides and holds in one serialisable step per customer and
//! per employee.

pub mod api;
pub mod auth;
pub mod clock;
pub mod decision_log;
pub mod error;
pub mod ledger;
pub mod metrics;
pub mod prune;
pub mod request;
pub mod server;
pub mod tables;

pub use server::{run, shutdown_signal, ServeOptions, Service};
