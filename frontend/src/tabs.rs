//! Coordination between tabs of the app in one browser: one sync at a time
//! (Web Locks API) and news of changed data (BroadcastChannel), so a second
//! tab neither syncs the same outbox twice at once nor shows stale counts.

use js_sys::{Function, Promise, Reflect};
use std::future::Future;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

const SYNC_LOCK: &str = "labblogg-sync";
const CHANNEL: &str = "labblogg-data";

#[wasm_bindgen]
extern "C" {
    // navigator.locks.request(name, callback): callback runs while the lock is held,
    // the lock is released when the promise it returns settles.
    #[wasm_bindgen(js_namespace = ["navigator", "locks"], js_name = request, catch)]
    fn locks_request(name: &str, callback: &Function) -> Result<Promise, JsValue>;
}

fn has_web_locks() -> bool {
    let navigator = web_sys::window().map(|w| w.navigator());
    navigator.is_some_and(|n| Reflect::get(&n, &"locks".into()).is_ok_and(|l| !l.is_undefined()))
}

/// Run `work` while holding the cross-tab sync lock (directly where the
/// browser has no Web Locks).
pub async fn with_sync_lock<F>(work: F)
where
    F: Future<Output = ()> + 'static,
{
    if !has_web_locks() {
        work.await;
        return;
    }
    let mut work = Some(work);
    let callback = Closure::once_into_js(move |_lock: JsValue| -> Promise {
        let work = work.take();
        future_to_promise(async move {
            if let Some(w) = work {
                w.await;
            }
            Ok(JsValue::UNDEFINED)
        })
    });
    match locks_request(SYNC_LOCK, callback.unchecked_ref()) {
        Ok(promise) => {
            let _ = JsFuture::from(promise).await;
        }
        Err(e) => web_sys::console::warn_2(&"web locks:".into(), &e),
    }
}

/// Tell the other tabs that local data changed.
pub fn announce_change() {
    if let Ok(ch) = web_sys::BroadcastChannel::new(CHANNEL) {
        let _ = ch.post_message(&"changed".into());
        ch.close();
    }
}

/// Call `on_change` whenever another tab announces a change. Lives as long as the page.
pub fn listen_for_changes(on_change: impl Fn() + 'static) {
    let Ok(ch) = web_sys::BroadcastChannel::new(CHANNEL) else { return };
    let handler = Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |_| on_change());
    ch.set_onmessage(Some(handler.as_ref().unchecked_ref()));
    handler.forget();
    // The channel must outlive this function to keep receiving.
    std::mem::forget(ch);
}
