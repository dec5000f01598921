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
pub mod summaries;
pub mod trash;
