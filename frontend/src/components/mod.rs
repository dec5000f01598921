pub mod privacy_guard;
pub mod stepper;
pub mod sync_status;
pub mod update_banner;
