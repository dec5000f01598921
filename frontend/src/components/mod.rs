pub mod sync_status;
pub mod update_banner;
