//! The service's tests, one binary: end to end over HTTP, bad input,
//! concurrency (SQLite, and PostgreSQL with two replicas), hot reload,
//! crashes (`kill -9` of the real `remit serve`) and the README's curl.

mod bad_input;
mod concurrency;
mod e2e;
mod support;
mod reload;
mod crash;
mod curl;
