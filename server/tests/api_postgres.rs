//! Every HTTP integration test of api.rs (and knowledge.rs) again, with the servers on
//! PostgreSQL (a fresh database per test) when `LABBLOGG_TEST_POSTGRES_URL`
//! is set; without it they run on SQLite once more. The switch is the crate
//! name, read in `common::servers_on_postgres`.

// Each file included below declares `mod common;` so that it also runs on its own; here the
// helpers load once per file, which is what running them again on PostgreSQL takes.
#![allow(clippy::duplicate_mod)]

#[path = "api.rs"]
mod api;

/// The knowledge base's review and visibility over HTTP, on PostgreSQL too.
#[path = "knowledge.rs"]
mod knowledge;

/// Deleting, restoring and the history over HTTP, on PostgreSQL too.
#[path = "history.rs"]
mod history;

/// Approved and locked months over HTTP, on PostgreSQL too.
#[path = "approval.rs"]
mod approval;
