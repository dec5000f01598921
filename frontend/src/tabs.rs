//! Coordination between tabs of the app in one browser: one sync at a time
//! (Web Locks API) and news (BroadcastChannel) of changed data, of the quick
//! lock and of who is signed in, so a second tab neither syncs the same
//! outbox twice at once, nor shows stale counts, nor stays open when the
//! app is locked, nor shows the previous person's data after a switch.

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

thread_local! {
    /// The page's one channel, used both to announce and to listen: a
    /// BroadcastChannel never receives its own messages, but does receive
    /// those of any other channel object of the same name, in this page too.
    /// Announcing on a second object made every local write reach this
    /// page's own listener, which re-read the whole outbox once per tap: a
    /// burst of 2,000 taps queued 2,000 full outbox reads in IndexedDB,
    /// and the sync engine's reads waited behind them for a minute.
    static CHANNEL_OBJ: Option<web_sys::BroadcastChannel> = web_sys::BroadcastChannel::new(CHANNEL).ok();
}

/// What one tab tells the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Message {
    /// Local data changed.
    Changed,
    /// The quick lock changed (locked, unlocked, code set or removed).
    Lock,
    /// Someone signed in, switched or signed out.
    Session,
}

impl Message {
    fn as_str(self) -> &'static str {
        match self {
            Message::Changed => "changed",
            Message::Lock => "lock",
            Message::Session => "session",
        }
    }
}

/// Tell the other tabs (never this one).
pub fn announce(message: Message) {
    announce_with(message, "");
}

/// Tell the other tabs, with what they need to know. The payload travels in
/// the message because a tab may hear it before another tab's localStorage
/// write has reached it (Chromium brings those over separately).
pub fn announce_with(message: Message, payload: &str) {
    let text = if payload.is_empty() { message.as_str().to_owned() } else { format!("{}:{payload}", message.as_str()) };
    CHANNEL_OBJ.with(|ch| {
        if let Some(ch) = ch {
            let _ = ch.post_message(&text.into());
        }
    });
}

/// Tell the other tabs that local data changed (never this one).
pub fn announce_change() {
    announce(Message::Changed);
}

/// Call `f` whenever another tab announces `message`. Lives as long as the page.
pub fn listen(message: Message, f: impl Fn() + 'static) {
    listen_with(message, move |_| f());
}

/// Call `f` with the payload (empty without one) whenever another tab announces `message`.
pub fn listen_with(message: Message, f: impl Fn(&str) + 'static) {
    CHANNEL_OBJ.with(|ch| {
        let Some(ch) = ch else { return };
        let handler = Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
            let Some(text) = e.data().as_string() else { return };
            let (kind, payload) = text.split_once(':').unwrap_or((&text, ""));
            if kind == message.as_str() {
                f(payload);
            }
        });
        let _ = ch.add_event_listener_with_callback("message", handler.as_ref().unchecked_ref());
        // The channel lives in this thread-local for the page's life; so does its handler.
        handler.forget();
    });
}

/// Call `on_change` whenever another tab announces a change. Lives as long as the page.
pub fn listen_for_changes(on_change: impl Fn() + 'static) {
    listen(Message::Changed, on_change);
}
