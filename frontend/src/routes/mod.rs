//! The app's screens, one per file.

pub mod counter;
pub mod login;
pub mod settings;
