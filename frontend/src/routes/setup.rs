//! Setting up a lab (Labbet): its profile, meeting places, partners,
//! goals and questions, for the lab's coordinators (and administrators who coordinate it).
//! Everything is saved on the device first and synced as records, so a lab
//! can be set up offline; the server checks again that the user coordinates
//! the lab (`server/src/policy.rs`).

mod goals;
mod lab;
mod partners;
mod places;
mod questions;

use crate::components::read_error::{ReadError, Reading};
use crate::context::SessionCtx;
use crate::i18n::*;
use crate::records;
use crate::store::StoreError;
use labblogg_shared::{Lab, RecordKind};
use leptos::prelude::*;
use uuid::Uuid;

/// Kept here too for the callers that name it so (it belongs to the session, not to a screen).
pub use crate::session::coordinated_labs;

/// The part of the set-up on show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetupTab {
    Lab,
    Places,
    Partners,
    Goals,
    Questions,
}

#[component]
pub fn Setup() -> impl IntoView {
    let SessionCtx(session) = expect_context::<SessionCtx>();
    let engine = expect_context::<crate::sync::SyncEngine>();
    let i18n = use_i18n();
    let labs = move || coordinated_labs(session);
    let lab = RwSignal::new(labs().first().copied());
    let tab = RwSignal::new(SetupTab::Places);
    // Lab names from the local copy; a lab not synced yet shows as such.
    let names = LocalResource::new(move || {
        let _ = engine.data_version.get();
        let ids = labs();
        async move {
            // Only the tab's label: each tab says itself when it cannot read the lab's records.
            // A failed read is said as such, never shown as labs not synced yet.
            let known = records::list::<Lab>(RecordKind::Lab, &ids).await?;
            Ok::<_, StoreError>(
                ids.iter()
                    .map(|id| (*id, known.iter().find(|l| l.id == *id).map(|l| l.data.name.clone())))
                    .collect::<Vec<_>>(),
            )
        }
    });

    view! {
        <section class="card setup" data-testid="setup-screen">
            <h1>{t!(i18n, setup_title)}</h1>
            <Show when=move || !labs().is_empty() fallback=move || view! { <p class="muted">{t!(i18n, setup_no_labs)}</p> }>
                <p class="muted">{t!(i18n, setup_hint)}</p>
                <Show when=move || { labs().len() > 1 }>
                    <div class="field setup-lab">
                        <label for="setup-lab">{t!(i18n, lab)}</label>
                        <select id="setup-lab" data-testid="setup-lab"
                            prop:value=move || lab.get().map(|l| l.to_string()).unwrap_or_default()
                            on:change=move |ev| lab.set(Uuid::parse_str(&event_target_value(&ev)).ok())>
                            {move || names.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|(id, name)| view! {
                                <option value=id.to_string() selected=move || lab.get() == Some(id)>
                                    {name.unwrap_or_else(|| t_string!(i18n, setup_lab_not_synced).to_string())}
                                </option>
                            }).collect_view()}
                        </select>
                        {move || names.get().and_then(Result::err).map(|error| view! { <ReadError what=Reading::Records error=error/> })}
                    </div>
                </Show>
                <div class="tabs" role="group" aria-label=move || t_string!(i18n, setup_title).to_string()>
                    {[
                        (SetupTab::Lab, "setup-tab-lab"),
                        (SetupTab::Places, "setup-tab-places"),
                        (SetupTab::Partners, "setup-tab-partners"),
                        (SetupTab::Goals, "setup-tab-goals"),
                        (SetupTab::Questions, "setup-tab-questions"),
                    ].into_iter().map(|(t, testid)| view! {
                        <button type="button" class="tab" data-testid=testid aria-pressed=move || (tab.get() == t).to_string()
                            on:click=move |_| tab.set(t)>
                            {move || match t {
                                SetupTab::Lab => t_string!(i18n, setup_tab_lab),
                                SetupTab::Places => t_string!(i18n, setup_tab_places),
                                SetupTab::Partners => t_string!(i18n, setup_tab_partners),
                                SetupTab::Goals => t_string!(i18n, setup_tab_goals),
                                SetupTab::Questions => t_string!(i18n, setup_tab_questions),
                            }}
                        </button>
                    }).collect_view()}
                </div>
                {move || lab.get().map(|l| match tab.get() {
                    SetupTab::Lab => view! { <lab::LabProfile lab=l/> }.into_any(),
                    SetupTab::Places => view! { <places::PlacesSetup lab=l/> }.into_any(),
                    SetupTab::Partners => view! { <partners::PartnersSetup lab=l/> }.into_any(),
                    SetupTab::Goals => view! { <goals::GoalsSetup lab=l/> }.into_any(),
                    SetupTab::Questions => view! { <questions::QuestionsSetup lab=l/> }.into_any(),
                })}
            </Show>
        </section>
    }
}
