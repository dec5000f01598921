//! Validation messages next to the field they are about. The shared
//! validation names the field in its message (`ValidationError::field`, in
//! Swedish, e.g. "öppettider"); a form lists which of those names each of
//! its inputs answers for, and a message about none of them shows at the
//! form's end.

use labblogg_shared::validate::ValidationError;
use leptos::prelude::*;

/// A message for the user, and the field it is about (`None`: the form).
#[derive(Debug, Clone, PartialEq)]
pub struct FormError {
    pub field: Option<&'static str>,
    pub message: String,
}

impl FormError {
    /// A message about the whole form (a failed save, a rule of the screen).
    pub fn general(message: impl Into<String>) -> Self {
        FormError { field: None, message: message.into() }
    }

    /// A message shown at one field (named as the shared validation names it).
    pub fn at(field: &'static str, message: impl Into<String>) -> Self {
        FormError { field: Some(field), message: message.into() }
    }
}

impl From<ValidationError> for FormError {
    fn from(e: ValidationError) -> Self {
        // The message already names its field; start it with a capital, as a sentence.
        let message = e.to_string();
        let mut chars = message.chars();
        let message = match chars.next() {
            Some(c) => c.to_uppercase().chain(chars).collect(),
            None => message,
        };
        FormError { field: e.field(), message }
    }
}

/// Does the error belong to one of `fields` (a name, or a name a longer one begins with)?
fn belongs(error: &FormError, fields: &[&'static str]) -> bool {
    error.field.is_some_and(|f| fields.iter().any(|name| f == *name || f.starts_with(&format!("{name} "))))
}

/// The message of `error` if it is about one of `fields`; `id` lets the
/// input point at it (`aria-describedby`).
#[component]
pub fn FieldError(
    error: RwSignal<Option<FormError>>,
    fields: &'static [&'static str],
    #[prop(into)] id: String,
    #[prop(default = "field-error")] testid: &'static str,
) -> impl IntoView {
    view! {
        {move || error.get().filter(|e| belongs(e, fields)).map(|e| view! {
            <p class="error field-error" role="alert" id=id.clone() data-testid=testid data-field=e.field.unwrap_or_default()>{e.message}</p>
        })}
    }
}

/// Whether an input's field has the error (`aria-invalid`).
pub fn invalid(
    error: RwSignal<Option<FormError>>,
    fields: &'static [&'static str],
) -> impl Fn() -> Option<&'static str> + Copy {
    move || error.with(|e| e.as_ref().is_some_and(|e| belongs(e, fields)).then_some("true"))
}

/// The message of `error` when it is about none of the form's `fields`.
#[component]
pub fn FormErrorLine(
    error: RwSignal<Option<FormError>>,
    fields: &'static [&'static str],
    #[prop(default = "form-error")] testid: &'static str,
) -> impl IntoView {
    view! {
        {move || error.get().filter(|e| !belongs(e, fields)).map(|e| view! {
            <p class="error" role="alert" data-testid=testid>{e.message}</p>
        })}
    }
}

/// Move the focus to the first field of `form` marked invalid (`aria-invalid`),
/// once the error is drawn; to the form's own message if no field is.
pub fn focus_first_invalid(form: NodeRef<leptos::html::Form>) {
    request_animation_frame(move || {
        use wasm_bindgen::JsCast;
        let Some(form) = form.get_untracked() else { return };
        let target = form
            .query_selector("[aria-invalid=true]")
            .ok()
            .flatten()
            .or_else(|| form.query_selector(".error[role=alert]").ok().flatten());
        if let Some(el) = target.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
            if !el.has_attribute("tabindex") && el.matches("p, div").unwrap_or(false) {
                let _ = el.set_attribute("tabindex", "-1");
            }
            let _ = el.focus();
        }
    });
}
