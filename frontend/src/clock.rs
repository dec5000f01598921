//! Wall time and the local calendar date, from the browser.

pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

/// Today's local date as "YYYY-MM-DD".
pub fn today() -> String {
    let d = js_sys::Date::new_0();
    format!("{:04}-{:02}-{:02}", d.get_full_year(), d.get_month() + 1, d.get_date())
}

/// The current local time rounded down to the hour, "HH:00" (a form's default start).
pub fn hour_now() -> String {
    format!("{:02}:00", js_sys::Date::new_0().get_hours())
}

/// The current local time, "HH:MM".
pub fn time_now() -> String {
    let d = js_sys::Date::new_0();
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
