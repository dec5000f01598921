//! The screens that are not the first screen, each loaded when first opened.
//!
//! Each function here is a Leptos `#[lazy]` split point: `cargo xtask dist` cuts the wasm at
//! them (wasm-split, as cargo-leptos does), so a screen's own code is a chunk of its own,
//! fetched the first time the screen opens, and code several screens share is a shared chunk.
//! The first screen a user needs, sign-in and then the counter for staff, and everything the
//! app runs at start (sync, store, session, lock, sync status) stay in the main module.
//! Offline the service worker serves the chunks like every other file of the build (it caches
//! every file once the app has started). A chunk that cannot be fetched (offline before the
//! worker has cached the build) is an error the screen shows, not a panic: the split points are
//! wasm_split's `fallible` ones (Leptos's own `#[lazy]` would panic, and a panic stops the app).
//!
//! The split points exist only with the crate's `split` feature, which `cargo xtask dist`
//! turns on: a wasm with split points must go through wasm-split (it imports the chunks'
//! loader from a placeholder module until then), and the crate's browser tests, `cargo check`
//! and the benchmarks build it plainly, where these are ordinary async functions.

use crate::i18n::*;
use leptos::prelude::*;

/// A screen's code could not be fetched.
#[derive(Debug, Clone, Copy)]
pub struct NotLoaded;

impl From<leptos::wasm_split::SplitLoaderError> for NotLoaded {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        NotLoaded
    }
}

/// A lazily loaded screen, with a loading line until its chunk has arrived (only then).
///
/// No `Suspense` or `Transition` here: the screen's own resources (the summaries' dataset,
/// lists) would register with it, so the whole screen, heading and errors included, would
/// wait behind "Laddar…" for its data, and for good if a read failed. Each screen shows its
/// own loading and read errors; this only waits for the code.
#[component]
pub fn LazyScreen<F>(load: fn() -> F) -> impl IntoView
where
    F: std::future::Future<Output = Result<ViewFn, NotLoaded>> + 'static,
{
    let i18n = use_i18n();
    let screen = LocalResource::new(load);
    move || match screen.get() {
        None => view! { <p class="card muted screen-loading" data-testid="screen-loading">{t!(i18n, loading)}</p> }
            .into_any(),
        Some(Ok(view)) => view.run(),
        Some(Err(NotLoaded)) => view! {
            <p class="card error" role="alert" data-testid="screen-not-loaded">{t!(i18n, screen_not_loaded)}</p>
        }
        .into_any(),
    }
}

/// `lazy_screens! { name => Component, … }`: for each screen an async function returning how to
/// build it, a split point (its own wasm chunk) with the `split` feature; and `load_all`, which
/// fetches every one of them (true when all came).
macro_rules! lazy_screens {
    ($($name:ident => $($screen:ident)::+),+ $(,)?) => {
        $(
            #[cfg(feature = "split")]
            #[leptos::wasm_split::wasm_split($name, wasm_split_path = ::leptos::wasm_split, fallible)]
            pub fn $name() -> Result<ViewFn, NotLoaded> {
                Ok(ViewFn::from(|| view! { <$($screen)::+/> }))
            }

            #[cfg(not(feature = "split"))]
            pub async fn $name() -> Result<ViewFn, NotLoaded> {
                Ok(ViewFn::from(|| view! { <$($screen)::+/> }))
            }
        )+

        /// Fetch every screen's code, one after another; a chunk that cannot be fetched now is
        /// fetched again when its screen opens.
        async fn load_all() -> bool {
            let mut all = true;
            $(all &= $name().await.is_ok();)+
            all
        }
    };
}

/// How long the first screen has the device to itself before the rest of the app's code is
/// fetched in the background.
const PREFETCH_AFTER_MS: u32 = 4_000;

/// A few seconds after someone has signed in, fetch every other screen's code, one after
/// another, in the background: each opens at once when first chosen, and opens offline too
/// (a tablet that loses the network minutes after its first sign-in, before the service
/// worker has cached the build, keeps every screen). Once per page load; nothing to do when
/// the app is built without split points (the screens are in the main module already).
pub fn prefetch_later() {
    thread_local! {
        static STARTED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }
    if STARTED.with(|s| s.replace(true)) {
        return;
    }
    if !cfg!(feature = "split") {
        return mark_screens_loaded();
    }
    gloo_timers::callback::Timeout::new(PREFETCH_AFTER_MS, || {
        leptos::task::spawn_local(async {
            if load_all().await {
                mark_screens_loaded();
            }
        });
    })
    .forget();
}

/// `<html data-screens-loaded>`: every screen's code is in memory (for tests and whoever helps).
fn mark_screens_loaded() {
    if let Some(html) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
        let _ = html.set_attribute("data-screens-loaded", "");
    }
}

lazy_screens! {
    activities => crate::routes::activities::Activities,
    goals => crate::routes::goals::Goals,
    overview => crate::routes::summaries::Overview,
    lab_report => crate::routes::summaries::LabReport,
    compare => crate::routes::summaries::Compare,
    settings => crate::routes::settings::Settings,
    knowledge => crate::routes::knowledge::Knowledge,
    admin => crate::routes::admin::Admin,
    trash => crate::routes::trash::Trash,
    setup => crate::routes::setup::Setup,
    year_report => crate::routes::year_report::YearReport,
}
