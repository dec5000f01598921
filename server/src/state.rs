use crate::db::Store;
use crate::throttle::Throttle;
use std::sync::Arc;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    /// Failed sign-ins per account and address (in memory).
    pub throttle: Arc<Throttle>,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>) -> Self {
        AppState { store, throttle: Arc::new(Throttle::default()) }
    }
}
