//! Checkbox chips: pick any number of values from a list (partners, goals, focus areas …).

use leptos::prelude::*;

/// Adds `v` to `list` or takes it out.
pub fn toggle_set<T: Copy + PartialEq + Send + Sync + 'static>(
    list: RwSignal<Vec<T>>,
    v: T,
) -> impl Fn(leptos::ev::Event) {
    move |_| {
        list.update(|l| {
            if let Some(i) = l.iter().position(|x| *x == v) {
                l.remove(i);
            } else {
                l.push(v);
            }
        })
    }
}

/// One checkbox chip that adds `v` to `chosen` or takes it out.
pub fn check_chip<T: Copy + PartialEq + Send + Sync + 'static>(
    testid: &'static str,
    value: String,
    chosen: RwSignal<Vec<T>>,
    v: T,
    label: impl IntoView + 'static,
) -> impl IntoView {
    view! {
        <label class="chip"><input type="checkbox" data-testid=testid value=value
            prop:checked=move || chosen.get().contains(&v) on:change=toggle_set(chosen, v)/>
            <span>{label}</span></label>
    }
}
