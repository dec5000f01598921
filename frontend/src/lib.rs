//! The labblogg app: Leptos in WebAssembly, reading and writing a local
//! IndexedDB copy and syncing it with the server in the background.

pub mod api;
pub mod app;
pub mod backup;
pub mod browser;
pub mod clock;
pub mod components;
pub mod context;
pub mod data;
pub mod device_users;
pub mod format;
pub mod goal_text;
pub mod i18n;
pub mod labels;
pub mod lazy;
pub mod lock;
pub mod nav;
pub mod prefill;
pub mod quality;
pub mod records;
pub mod routes;
pub mod session;
pub mod signin;
pub mod store;
pub mod sync;
pub mod tabs;
pub mod write;

use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook_install();
    // The static shell of index.html goes in the same task as the app comes, so no frame shows
    // both (and nothing of it can shift).
    if let Some(shell) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id("boot-shell")) {
        shell.remove();
    }
    leptos::mount::mount_to_body(app::App);
}

fn console_error_panic_hook_install() {
    std::panic::set_hook(Box::new(|info| {
        web_sys::console::error_1(&info.to_string().into());
    }));
}
