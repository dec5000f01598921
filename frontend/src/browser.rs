//! Browser facilities besides IndexedDB and HTTP: persistent storage and
//! quota, and saving a file to the tablet.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

fn storage_manager() -> Option<web_sys::StorageManager> {
    let nav = web_sys::window()?.navigator();
    // Absent on insecure origins and some older browsers.
    js_sys::Reflect::get(&nav, &"storage".into()).ok().filter(|s| !s.is_undefined())?;
    Some(nav.storage())
}

/// Ask the browser not to evict the local copy under storage pressure.
/// Returns whether storage is now persistent.
pub async fn request_persistence() -> bool {
    let Some(sm) = storage_manager() else { return false };
    let Ok(promise) = sm.persist() else { return false };
    JsFuture::from(promise).await.ok().and_then(|v| v.as_bool()).unwrap_or(false)
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StorageState {
    pub persisted: bool,
    pub usage_bytes: Option<f64>,
    pub quota_bytes: Option<f64>,
}

impl StorageState {
    /// Share of the quota in use, 0.0–1.0, when the browser tells.
    pub fn used_share(&self) -> Option<f64> {
        match (self.usage_bytes, self.quota_bytes) {
            (Some(u), Some(q)) if q > 0.0 => Some(u / q),
            _ => None,
        }
    }
}

pub async fn storage_state() -> Option<StorageState> {
    let sm = storage_manager()?;
    let persisted = JsFuture::from(sm.persisted().ok()?).await.ok().and_then(|v| v.as_bool()).unwrap_or(false);
    let estimate: web_sys::StorageEstimate = JsFuture::from(sm.estimate().ok()?).await.ok()?.unchecked_into();
    Some(StorageState { persisted, usage_bytes: estimate.get_usage(), quota_bytes: estimate.get_quota() })
}

/// Offer `contents` as a file download named `name`.
pub fn download(name: &str, mime: &str, contents: &str) -> Result<(), String> {
    let err = |e: wasm_bindgen::JsValue| format!("{e:?}");
    let parts = js_sys::Array::of1(&contents.into());
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts).map_err(err)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(err)?;
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let a: web_sys::HtmlAnchorElement = document.create_element("a").map_err(err)?.unchecked_into();
    a.set_href(&url);
    a.set_download(name);
    a.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

/// Offer `bytes` as a file download named `name` (a workbook).
pub fn download_bytes(name: &str, mime: &str, bytes: &[u8]) -> Result<(), String> {
    let err = |e: wasm_bindgen::JsValue| format!("{e:?}");
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes).into());
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &opts).map_err(err)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(err)?;
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let a: web_sys::HtmlAnchorElement = document.create_element("a").map_err(err)?.unchecked_into();
    a.set_href(&url);
    a.set_download(name);
    a.click();
    // Revoked a moment later: some browsers read the blob after the click returns.
    let later = url.clone();
    gloo_timers::callback::Timeout::new(10_000, move || {
        let _ = web_sys::Url::revoke_object_url(&later);
    })
    .forget();
    Ok(())
}

/// Read the text of the first file chosen in a file input.
pub async fn read_chosen_file(input: &web_sys::HtmlInputElement) -> Result<Option<String>, String> {
    let Some(file) = input.files().and_then(|f| f.get(0)) else { return Ok(None) };
    let text = JsFuture::from(file.text()).await.map_err(|e| format!("{e:?}"))?;
    Ok(text.as_string())
}

/// Put `text` at the top of every printed page (`None`: take it away), as an
/// `@page` margin box added to the app's style sheet through the CSSOM (the
/// content security policy allows no inline styles; the CSSOM is not one).
/// A margin box never covers the page's content, unlike a fixed header.
pub fn set_print_header(text: Option<&str>) {
    use js_sys::{Function, Reflect};
    use wasm_bindgen::JsValue;
    let run = || -> Result<(), JsValue> {
        let document = web_sys::window().and_then(|w| w.document()).ok_or(JsValue::NULL)?;
        let sheets = Reflect::get(&document, &"styleSheets".into())?;
        let sheet = Reflect::get_u32(&sheets, 0)?;
        if sheet.is_undefined() {
            return Ok(());
        }
        let rules = Reflect::get(&sheet, &"cssRules".into())?;
        let count = Reflect::get(&rules, &"length".into())?.as_f64().unwrap_or(0.0) as u32;
        // Ours is the page rule with a top margin box; the sheet's own has none.
        for i in (0..count).rev() {
            let rule = Reflect::get_u32(&rules, i)?;
            let css = Reflect::get(&rule, &"cssText".into())?.as_string().unwrap_or_default();
            if css.starts_with("@page") && css.contains("top-left") {
                Function::from(Reflect::get(&sheet, &"deleteRule".into())?).call1(&sheet, &JsValue::from(i))?;
            }
        }
        if let Some(text) = text {
            let escaped: String = text
                .chars()
                .flat_map(|c| match c {
                    '"' => vec!['\\', '"'],
                    '\\' => vec!['\\', '\\'],
                    '\n' | '\r' => vec![' '],
                    c => vec![c],
                })
                .collect();
            let rule = format!(
                "@page {{ @top-left {{ content: \"{escaped}\"; font-family: system-ui, sans-serif; font-size: 8.5pt; color: #333; vertical-align: bottom; padding-bottom: 3mm; }} @bottom-right {{ content: counter(page) \" / \" counter(pages); font-family: system-ui, sans-serif; font-size: 8.5pt; color: #333; }} }}"
            );
            let count = Reflect::get(&Reflect::get(&sheet, &"cssRules".into())?, &"length".into())?;
            Function::from(Reflect::get(&sheet, &"insertRule".into())?).call2(&sheet, &rule.into(), &count)?;
        }
        Ok(())
    };
    // Without it the report prints without the header; nothing else breaks.
    let _ = run();
}
