//! The app's screens, one per file (the set-up's tabs in `setup/`). A screen imports no other
//! screen: what two screens share is in `components/`, `labels.rs`, `goal_text.rs` or `data.rs`.

pub mod activities;
pub mod admin;
pub mod counter;
pub mod goals;
pub mod knowledge;
pub mod login;
pub mod settings;
pub mod setup;
pub mod summaries;
pub mod trash;
pub mod year_report;
