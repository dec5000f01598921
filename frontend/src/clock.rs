//! Wall time and the local calendar date, from the browser — corrected by the server's time
//! when the tablet's own clock is off by more than a minute (`labblogg_shared::skew`), so stamps,
//! visit times and dates follow the server even before staff set the tablet's clock right.

use std::cell::Cell;

thread_local! {
    /// Added to the browser's clock: zero while it agrees with the server's.
    static OFFSET_MS: Cell<i64> = const { Cell::new(0) };
}

/// Now, in ms since the epoch, as the app uses it: the browser's clock corrected by the offset.
pub fn now_ms() -> u64 {
    labblogg_shared::skew::corrected(device_now_ms(), OFFSET_MS.with(Cell::get))
}

/// The browser's own clock, uncorrected (to tell how far off it is).
pub fn device_now_ms() -> u64 {
    js_sys::Date::now() as u64
}

/// Follow the server's clock by this much from now on (see `labblogg_shared::skew::offset_ms`).
pub fn set_offset_ms(offset_ms: i64) {
    OFFSET_MS.with(|o| o.set(offset_ms));
}

fn date_now() -> js_sys::Date {
    js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(now_ms() as f64))
}

/// Today's local date as "YYYY-MM-DD".
pub fn today() -> String {
    let d = date_now();
    format!("{:04}-{:02}-{:02}", d.get_full_year(), d.get_month() + 1, d.get_date())
}

/// The current local time rounded down to the hour, "HH:00" (a form's default start).
pub fn hour_now() -> String {
    format!("{:02}:00", date_now().get_hours())
}

/// The current local time, "HH:MM".
pub fn time_now() -> String {
    let d = date_now();
    format!("{:02}:{:02}", d.get_hours(), d.get_minutes())
}

/// A moment (ms since the epoch) in local time: ("YYYY-MM-DD", "HH:MM").
pub fn local(ms: u64) -> (String, String) {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
    (
        format!("{:04}-{:02}-{:02}", d.get_full_year(), d.get_month() + 1, d.get_date()),
        format!("{:02}:{:02}", d.get_hours(), d.get_minutes()),
    )
}
