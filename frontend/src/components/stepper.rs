//! A number picked with big − / + buttons: nothing to type during a busy evening.

use leptos::prelude::*;

#[component]
pub fn Stepper(
    #[prop(into)] label: Signal<String>,
    value: RwSignal<u32>,
    #[prop(into)] testid: String,
    #[prop(default = 10_000)] max: u32,
) -> impl IntoView {
    let minus_label = move || format!("− {}", label.get());
    let plus_label = move || format!("+ {}", label.get());
    view! {
        <div class="stepper" data-testid=testid.clone()>
            <span class="stepper-label">{move || label.get()}</span>
            <button type="button" class="stepper-btn" aria-label=minus_label data-testid=format!("{testid}-minus")
                on:click=move |_| value.update(|v| *v = v.saturating_sub(1))>"−"</button>
            <output class="stepper-value" aria-live="polite">{move || value.get().to_string()}</output>
            <button type="button" class="stepper-btn" aria-label=plus_label data-testid=format!("{testid}-plus")
                on:click=move |_| value.update(|v| *v = (*v + 1).min(max))>"+"</button>
        </div>
    }
}
