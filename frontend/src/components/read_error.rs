//! A read of the local copy failed: the screen says so, and what to do, where the figures or
//! the list would be — never a zero or an empty list that looks like data.

use crate::i18n::*;
use crate::store::StoreError;
use leptos::prelude::*;
use leptos_i18n::I18nContext;

/// What could not be read, in the words of the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    Visits,
    Places,
    Figures,
    Activities,
    Knowledge,
    Records,
}

impl Reading {
    fn as_str(self) -> &'static str {
        match self {
            Reading::Visits => "visits",
            Reading::Places => "places",
            Reading::Figures => "figures",
            Reading::Activities => "activities",
            Reading::Knowledge => "knowledge",
            Reading::Records => "records",
        }
    }
}

/// The message of [`ReadError`] as text, for a form that could not read what it checks against.
pub fn read_failed_text(i18n: I18nContext<Locale>, what: Reading) -> String {
    let what = match what {
        Reading::Visits => t_string!(i18n, read_what_visits),
        Reading::Places => t_string!(i18n, read_what_places),
        Reading::Figures => t_string!(i18n, read_what_figures),
        Reading::Activities => t_string!(i18n, read_what_activities),
        Reading::Knowledge => t_string!(i18n, read_what_knowledge),
        Reading::Records => t_string!(i18n, read_what_records),
    };
    t_string!(i18n, read_failed, what = what).to_string()
}

/// "Kunde inte läsa … på enheten. Ladda om sidan; det du sparat finns kvar." The store's own
/// words (`error`) are kept in the element's title, for whoever helps.
#[component]
pub fn ReadError(what: Reading, error: StoreError) -> impl IntoView {
    let i18n = use_i18n();
    let text = move || read_failed_text(i18n, what);
    view! {
        <p class="error read-error" role="alert" data-testid="read-error" data-what=what.as_str() title=error.to_string()>{text}</p>
    }
}
