pub mod charts;
pub mod device_list;
pub mod place_settings;
pub mod privacy_guard;
pub mod quick_lock;
pub mod stepper;
pub mod sync_status;
pub mod update_banner;
