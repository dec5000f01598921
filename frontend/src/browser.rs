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

/// Read the text of the first file chosen in a file input.
pub async fn read_chosen_file(input: &web_sys::HtmlInputElement) -> Result<Option<String>, String> {
    let Some(file) = input.files().and_then(|f| f.get(0)) else { return Ok(None) };
    let text = JsFuture::from(file.text()).await.map_err(|e| format!("{e:?}"))?;
    Ok(text.as_string())
}
