//! A lab's partners (samverkanspartner): organisations, never people. Add,
//! rename, retire (out of the activity form, still in the reports) and merge
//! a duplicate into the partner to keep: every activity naming the duplicate
//! is changed to name the partner kept, in one local transaction, and the
//! duplicate is retired with `merged_into` set, so an activity logged
//! offline with the old name still counts under the partner kept.

use crate::components::form_error::{FieldError, FormError, FormErrorLine};
use crate::components::read_error::{ReadError, Reading};
use crate::i18n::*;
use crate::labels::from_wire;
use crate::labels::{partner_kind_label, wire};
use crate::records::{self, Typed};
use crate::sync::SyncEngine;
use crate::write::Write;
use crate::{clock, store};
use labblogg_shared::model::{Activity, Partner, PartnerKind};
use labblogg_shared::RecordKind;
use leptos::prelude::*;
use uuid::Uuid;

#[component]
pub fn PartnersSetup(lab: Uuid) -> impl IntoView {
    let engine = expect_context::<SyncEngine>();
    let i18n = use_i18n();
    let english = move || i18n.get_locale() == Locale::en;
    let notice = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<FormError>);
    let name = RwSignal::new(String::new());
    let kind = RwSignal::new(wire(&PartnerKind::Other));
    let data = LocalResource::new(move || {
        let _ = engine.data_version.get();
        async move {
            let mut partners = records::list::<Partner>(RecordKind::Partner, &[lab]).await?;
            partners.sort_by_key(|p| (p.data.retired, p.data.name.to_lowercase()));
            let activities = records::list::<Activity>(RecordKind::Activity, &[lab]).await?;
            let locks = crate::quality::Locks::of(&[lab]).await?;
            Ok::<_, crate::store::StoreError>((partners, activities, locks))
        }
    });

    // Adding is a write through an action; its failure shows where the form's own errors do.
    let add_write = Write::new(move |partner: &Partner| {
        let partner = partner.clone();
        async move {
            records::save_edit(RecordKind::Partner, Uuid::now_v7(), lab, None, &partner)
                .await
                .map_err(|e| format!("{}: {e}", t_string!(i18n, save_failed)))?;
            name.set(String::new());
            notice.set(Some(t_string!(i18n, partner_added, name = partner.name.clone()).to_string()));
            engine.local_write();
            Ok(())
        }
    });
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        notice.set(None);
        add_write.clear();
        let Some(kind) = from_wire::<PartnerKind>(&kind.get_untracked()) else { return };
        let partner = Partner::new(name.get_untracked().trim(), kind);
        if let Err(e) = labblogg_shared::validate::partner(&partner) {
            return error.set(Some(e.into()));
        }
        let taken = data.with_untracked(|d| {
            d.as_ref().is_some_and(|d| {
                d.as_ref().is_ok_and(|(p, _, _)| {
                    p.iter()
                        .any(|q| !q.data.retired && q.data.name.trim().to_lowercase() == partner.name.to_lowercase())
                })
            })
        });
        if taken {
            return error.set(Some(FormError::at("namn", t_string!(i18n, partner_exists).to_string())));
        }
        error.set(None);
        add_write.dispatch(partner);
    };

    view! {
        <div class="partners-setup" data-testid="partners-setup">
            <h2>{t!(i18n, setup_tab_partners)}</h2>
            <p class="muted">{t!(i18n, partners_hint)}</p>
            <form class="row partner-add" data-testid="partner-add-form" on:submit=add>
                <div class="field"><label for="setup-partner-name">{t!(i18n, partner_name)}</label>
                    <input id="setup-partner-name" data-testid="setup-partner-name" required maxlength="120" bind:value=name
                        aria-describedby="setup-partner-error"/></div>
                <div class="field"><label for="setup-partner-kind">{t!(i18n, partner_kind)}</label>
                    <select id="setup-partner-kind" data-testid="setup-partner-kind" bind:value=kind>
                        {PartnerKind::ALL.into_iter().map(|k| view! { <option value=wire(&k)>{move || partner_kind_label(k, english())}</option> }).collect_view()}
                    </select></div>
                <button type="submit" class="primary" data-testid="setup-partner-add">{t!(i18n, add)}</button>
            </form>
            <FieldError error=error fields=&["namn"] id="setup-partner-error" testid="partner-error"/>
            <FormErrorLine error=error fields=&["namn"] testid="partner-error"/>
            {move || add_write.error().map(|e| view! { <p class="error" role="alert" data-testid="partner-error">{e}</p> })}
            <p class="notice" role="status" data-testid="partner-notice" hidden=move || notice.get().is_none()>{move || notice.get().unwrap_or_default()}</p>
            <ul class="setup-list">
                {move || {
                    let (partners, activities, locks) = match data.get() {
                        Some(Ok(d)) => d,
                        Some(Err(error)) => return view! { <li><ReadError what=Reading::Records error=error/></li> }.into_any(),
                        None => Default::default(),
                    };
                    // A merge leaves the activities of approved months as they are (the server would
                    // refuse to change them): they count under the partner kept through `merged_into`.
                    let movable: Vec<Typed<Activity>> =
                        activities.iter().filter(|a| locks.locked(a.lab_id, &a.data.date).is_none()).cloned().collect();
                    if partners.is_empty() {
                        return view! { <li class="muted" data-testid="partner-none">{t!(i18n, partner_none)}</li> }.into_any();
                    }
                    let live: Vec<(Uuid, String)> =
                        partners.iter().filter(|p| !p.data.retired).map(|p| (p.id, p.data.name.clone())).collect();
                    partners.iter().map(|p| {
                        let uses = activities.iter().filter(|a| a.data.partner_ids.contains(&p.id)).count();
                        let merged_name = p.data.merged_into.and_then(|t| partners.iter().find(|q| q.id == t)).map(|q| q.data.name.clone());
                        view! { <PartnerItem partner=p.clone() uses=uses merged_name=merged_name others=live.clone()
                            activities=movable.clone() notice=notice/> }
                    }).collect_view().into_any()
                }}
            </ul>
        </div>
    }
}

#[component]
fn PartnerItem(
    partner: Typed<Partner>,
    uses: usize,
    merged_name: Option<String>,
    others: Vec<(Uuid, String)>,
    activities: Vec<Typed<Activity>>,
    notice: RwSignal<Option<String>>,
) -> impl IntoView {
    let engine = expect_context::<SyncEngine>();
    let i18n = use_i18n();
    let english = move || i18n.get_locale() == Locale::en;
    let (id, lab) = (partner.id, partner.lab_id);
    let editing = RwSignal::new(false);
    let merging = RwSignal::new(false);
    let name = RwSignal::new(partner.data.name.clone());
    let kind = RwSignal::new(wire(&partner.data.kind));
    let target = RwSignal::new(String::new());
    let error = RwSignal::new(None::<FormError>);
    let base = StoredValue::new(partner.data.clone());
    let retired = partner.data.retired;
    let shown_name = partner.data.name.clone();
    let others: Vec<(Uuid, String)> = others.into_iter().filter(|(o, _)| *o != id).collect();
    let has_others = !others.is_empty();
    let activities = StoredValue::new(activities);

    // Retiring or restoring is a write through an action; as before, a failure says nothing.
    let retire_write = Write::new(move |&value: &bool| async move {
        let mut fields = serde_json::Map::new();
        fields.insert("retired".into(), value.into());
        records::set_fields(RecordKind::Partner, id, lab, fields).await.map_err(|e| e.to_string())?;
        engine.local_write();
        Ok(())
    });
    let set_retired = move |value: bool| retire_write.dispatch(value);
    // Renaming and merging are writes through actions; their failures show with the row's errors.
    let rename_write = Write::new(move |edited: &Partner| {
        let edited = edited.clone();
        async move {
            let changed = records::save_edit(RecordKind::Partner, id, lab, Some(&base.get_value()), &edited)
                .await
                .map_err(|e| e.to_string())?;
            if changed {
                engine.local_write();
            }
            editing.set(false);
            Ok(())
        }
    });
    let merge_write = Write::new(move |(edits, moved): &(Vec<store::Edit>, usize)| {
        let (edits, moved) = (edits.clone(), *moved);
        async move {
            store::write_many(edits, clock::now_ms())
                .await
                .map_err(|e| format!("{}: {e}", t_string!(i18n, save_failed)))?;
            merging.set(false);
            notice.set(Some(t_string!(i18n, partner_merged, n = moved).to_string()));
            engine.local_write();
            Ok(())
        }
    });
    let rename = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(kind) = from_wire::<PartnerKind>(&kind.get_untracked()) else { return };
        let edited = Partner { name: name.get_untracked().trim().to_owned(), kind, ..base.get_value() };
        if let Err(e) = labblogg_shared::validate::partner(&edited) {
            return error.set(Some(e.into()));
        }
        error.set(None);
        merge_write.clear();
        rename_write.dispatch(edited);
    };
    // Every activity naming this partner names the one kept instead (each
    // partner once), and this one is retired as merged: one transaction.
    let merge = move |_| {
        let Some(keep) = Uuid::parse_str(&target.get_untracked()).ok() else {
            return error.set(Some(FormError::general(t_string!(i18n, partner_merge_choose).to_string())));
        };
        let mut edits: Vec<store::Edit> = activities
            .get_value()
            .into_iter()
            .filter(|a| a.data.partner_ids.contains(&id))
            .map(|a| {
                let mut ids: Vec<Uuid> = a.data.partner_ids.iter().map(|p| if *p == id { keep } else { *p }).collect();
                let mut seen = std::collections::HashSet::new();
                ids.retain(|p| seen.insert(*p));
                let mut fields = serde_json::Map::new();
                fields.insert("partner_ids".into(), serde_json::json!(ids));
                store::Edit {
                    kind: RecordKind::Activity,
                    id: a.id,
                    lab_id: a.lab_id,
                    fields,
                    deleted: false,
                    restore: false,
                }
            })
            .collect();
        let moved = edits.len();
        let mut fields = serde_json::Map::new();
        fields.insert("retired".into(), true.into());
        fields.insert("merged_into".into(), serde_json::json!(keep));
        edits.push(store::Edit { kind: RecordKind::Partner, id, lab_id: lab, fields, deleted: false, restore: false });
        rename_write.clear();
        merge_write.dispatch((edits, moved));
    };

    view! {
        <li class="setup-item" class:retired=retired data-testid="partner-item" data-partner-id=id.to_string() data-retired=retired.to_string()>
            <Show when=move || editing.get() fallback=move || {
                let shown_name = shown_name.clone();
                let merged_name = merged_name.clone();
                view! {
                    <div>
                        <strong>{shown_name}</strong>
                        {retired.then(|| view! { " " <span class="badge off">{t!(i18n, retired_badge)}</span> })}
                        <div class="muted">{move || format!("{} · {}", partner_kind_label(base.get_value().kind, english()),
                            t_string!(i18n, partner_activities_n, n = uses))}</div>
                        {merged_name.map(|m| view! { <div class="muted" data-testid="partner-merged-into">{t!(i18n, partner_merged_into, name = m)}</div> })}
                    </div>
                }
            }>
                <form class="row" on:submit=rename>
                    <label class="sr-only" for=format!("partner-name-{id}")>{t!(i18n, partner_name)}</label>
                    <input id=format!("partner-name-{id}") data-testid="partner-edit-name" required maxlength="120" bind:value=name/>
                    <label class="sr-only" for=format!("partner-kind-{id}")>{t!(i18n, partner_kind)}</label>
                    <select id=format!("partner-kind-{id}") data-testid="partner-edit-kind" bind:value=kind>
                        {PartnerKind::ALL.into_iter().map(|k| view! { <option value=wire(&k)>{move || partner_kind_label(k, english())}</option> }).collect_view()}
                    </select>
                    <button type="submit" class="primary" data-testid="partner-save">{t!(i18n, save)}</button>
                    <button type="button" class="secondary" on:click=move |_| editing.set(false)>{t!(i18n, cancel)}</button>
                </form>
            </Show>
            <div class="row">
                <Show when=move || !editing.get() && !merging.get()>
                    <button type="button" class="secondary" data-testid="partner-edit" on:click=move |_| editing.set(true)>{t!(i18n, edit)}</button>
                    {if retired {
                        view! { <button type="button" class="secondary" data-testid="partner-restore" on:click=move |_| set_retired(false)>{t!(i18n, restore_retired)}</button> }.into_any()
                    } else {
                        view! {
                            <button type="button" class="secondary" data-testid="partner-retire" on:click=move |_| set_retired(true)>{t!(i18n, retire)}</button>
                            {has_others.then(|| view! {
                                <button type="button" class="secondary" data-testid="partner-merge" on:click=move |_| merging.set(true)>{t!(i18n, partner_merge)}</button>
                            })}
                        }.into_any()
                    }}
                </Show>
                <Show when=move || merging.get()>
                    {
                        let others = others.clone();
                        view! {
                            <label for=format!("merge-{id}")>{t!(i18n, partner_merge_into)}</label>
                            <select id=format!("merge-{id}") data-testid="partner-merge-target" bind:value=target>
                                <option value="">{t!(i18n, choose)}</option>
                                {others.into_iter().map(|(o, n)| view! { <option value=o.to_string()>{n}</option> }).collect_view()}
                            </select>
                            <button type="button" class="primary" data-testid="partner-merge-confirm" on:click=merge>{t!(i18n, partner_merge_confirm)}</button>
                            <button type="button" class="secondary" on:click=move |_| merging.set(false)>{t!(i18n, cancel)}</button>
                            <p class="muted">{t!(i18n, partner_merge_hint, n = uses)}</p>
                        }
                    }
                </Show>
            </div>
            <FormErrorLine error=error fields=&[] testid="partner-error"/>
            {move || rename_write.error().or_else(|| merge_write.error()).map(|e| view! { <p class="error" role="alert" data-testid="partner-error">{e}</p> })}
        </li>
    }
}
