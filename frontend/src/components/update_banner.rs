//! "A new version is available — reload": shown when the service worker has
//! installed a newer build of the app. Reloading is the staff's choice, so
//! nothing is interrupted mid-tap.

use leptos::prelude::*;
use wasm_bindgen::JsValue;

fn update_waiting() -> bool {
    web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w, &"labbloggUpdateWaiting".into()).ok())
        .is_some_and(|v| v.is_truthy())
}

fn apply_update() {
    let Some(w) = web_sys::window() else { return };
    if let Ok(f) = js_sys::Reflect::get(&w, &"labbloggApplyUpdate".into()) {
        if let Some(f) = wasm_bindgen::JsCast::dyn_ref::<js_sys::Function>(&f) {
            let _ = f.call0(&JsValue::NULL);
        }
    }
}

#[component]
pub fn UpdateBanner() -> impl IntoView {
    let waiting = RwSignal::new(update_waiting());
    let handle =
        window_event_listener(leptos::ev::Custom::<web_sys::Event>::new("labblogg-update"), move |_| waiting.set(true));
    let _ = handle;
    view! {
        <Show when=move || waiting.get()>
            <div class="update-banner" role="status" data-testid="update-banner">
                <span>"En ny version av appen finns."</span>
                <button class="secondary" data-testid="update-reload" on:click=move |_| apply_update()>
                    "Ladda om"
                </button>
            </div>
        </Show>
    }
}
