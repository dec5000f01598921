//! HTTP routes, one module per resource.

pub mod admin;
pub mod auth;
pub mod backlog;
pub mod devices;
pub mod health;
pub mod history;
pub mod openapi;
pub mod report;
pub mod summary;
pub mod sync;
