//! HTTP routes, one module per resource.

pub mod auth;
pub mod health;
pub mod sync;
