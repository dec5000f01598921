//! The app's screens, one per file.

pub mod activities;
pub mod admin;
pub mod approval;
pub mod counter;
pub mod evening;
pub mod goals;
pub mod knowledge;
pub mod login;
pub mod research;
pub mod settings;
pub mod setup;
pub mod setup_goals;
pub mod setup_lab;
pub mod setup_partners;
pub mod setup_places;
pub mod setup_questions;
pub mod summaries;
pub mod trash;
pub mod year_report;
