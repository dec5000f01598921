//! Editing a meeting place's opening hours: spans per weekday (several a
//! day, e.g. closed for lunch) and exceptions (dates closed, or open other
//! hours: holidays, a summer break, an extra evening).

use crate::i18n::*;
use labblogg_shared::model::{OpeningException, OpeningHours, TimeSpan};
use leptos::prelude::*;

/// One span of the weekly hours being edited.
#[derive(Debug, Clone, Copy)]
pub struct SpanRow {
    key: u32,
    weekday: u8,
    opens: RwSignal<String>,
    closes: RwSignal<String>,
}

/// The weekly hours being edited.
#[derive(Debug, Clone, Copy)]
pub struct WeeklyHours {
    rows: RwSignal<Vec<SpanRow>>,
    next: StoredValue<u32>,
}

impl WeeklyHours {
    pub fn new(hours: &[OpeningHours]) -> Self {
        let rows = hours
            .iter()
            .enumerate()
            .map(|(i, h)| SpanRow {
                key: i as u32,
                weekday: h.weekday,
                opens: RwSignal::new(h.opens.clone()),
                closes: RwSignal::new(h.closes.clone()),
            })
            .collect::<Vec<_>>();
        let next = rows.len() as u32;
        WeeklyHours { rows: RwSignal::new(rows), next: StoredValue::new(next) }
    }

    fn add(&self, weekday: u8) {
        let key = self.next.get_value();
        self.next.set_value(key + 1);
        // A new span starts where the day's last one ends (or at 17:00, an evening).
        let (opens, closes) = self.rows.with_untracked(|rows| {
            match rows.iter().filter(|r| r.weekday == weekday).map(|r| r.closes.get_untracked()).max() {
                Some(end) if end.as_str() < "22:00" => {
                    let h: u32 = end[..2].parse().unwrap_or(17);
                    (format!("{:02}:00", h + 1), format!("{:02}:00", (h + 3).min(24)))
                }
                _ => ("17:00".to_owned(), "21:00".to_owned()),
            }
        });
        self.rows
            .update(|r| r.push(SpanRow { key, weekday, opens: RwSignal::new(opens), closes: RwSignal::new(closes) }));
    }

    fn remove(&self, key: u32) {
        self.rows.update(|r| r.retain(|row| row.key != key));
    }

    /// The hours as a place stores them: by weekday, then opening time.
    pub fn value(&self) -> Vec<OpeningHours> {
        let mut out: Vec<OpeningHours> = self.rows.with_untracked(|rows| {
            rows.iter()
                .map(|r| OpeningHours {
                    weekday: r.weekday,
                    opens: r.opens.get_untracked(),
                    closes: r.closes.get_untracked(),
                })
                .collect()
        });
        out.sort_by(|a, b| (a.weekday, &a.opens).cmp(&(b.weekday, &b.opens)));
        out
    }
}

/// The weekly hours, one line per weekday with its spans.
#[component]
pub fn WeeklyHoursEditor(hours: WeeklyHours) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="hours-editor" data-testid="hours-editor">
            {(1..=7u8).map(|weekday| {
                let day = move || crate::labels::weekday_name(u32::from(weekday), i18n.get_locale() == Locale::en);
                let spans = move || hours.rows.get().into_iter().filter(|r| r.weekday == weekday).collect::<Vec<_>>();
                view! {
                    <div class="hours-day" role="group" data-testid="hours-day" data-weekday=weekday.to_string()
                        aria-label=day>
                        <span class="hours-day-name">{day}</span>
                        <div class="hours-spans">
                            <Show when=move || spans().is_empty()>
                                <span class="muted">{t!(i18n, hours_closed)}</span>
                            </Show>
                            <For each=spans key=|r| r.key children=move |r| {
                                let opens_label = move || format!("{} {}", day(), t_string!(i18n, hours_opens));
                                let closes_label = move || format!("{} {}", day(), t_string!(i18n, hours_closes));
                                view! {
                                    <span class="hours-span">
                                        <input type="time" data-testid="hours-opens" aria-label=opens_label bind:value=r.opens/>
                                        "–"
                                        <input type="time" data-testid="hours-closes" aria-label=closes_label bind:value=r.closes/>
                                        <button type="button" class="secondary small" data-testid="hours-remove"
                                            aria-label=move || format!("{} {}–{}", t_string!(i18n, hours_remove), r.opens.get(), r.closes.get())
                                            on:click=move |_| hours.remove(r.key)>"×"</button>
                                    </span>
                                }
                            }/>
                        </div>
                        <button type="button" class="secondary small" data-testid="hours-add"
                            aria-label=move || format!("{} ({})", t_string!(i18n, hours_add), day())
                            on:click=move |_| hours.add(weekday)>{t!(i18n, hours_add)}</button>
                    </div>
                }
            }).collect_view()}
        </div>
    }
}

/// One exception being edited; the first of its spans is edited here, any
/// further ones (entered elsewhere) are kept as they are.
#[derive(Debug, Clone, Copy)]
pub struct ExceptionRow {
    key: u32,
    from: RwSignal<String>,
    to: RwSignal<String>,
    closed: RwSignal<bool>,
    opens: RwSignal<String>,
    closes: RwSignal<String>,
    note: RwSignal<String>,
    extra: StoredValue<Vec<TimeSpan>>,
}

/// The exceptions being edited.
#[derive(Debug, Clone, Copy)]
pub struct Exceptions {
    rows: RwSignal<Vec<ExceptionRow>>,
    next: StoredValue<u32>,
}

impl Exceptions {
    pub fn new(list: &[OpeningException]) -> Self {
        let rows = list
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let first = e.spans.first();
                ExceptionRow {
                    key: i as u32,
                    from: RwSignal::new(e.from.clone()),
                    to: RwSignal::new(e.to.clone()),
                    closed: RwSignal::new(e.spans.is_empty()),
                    opens: RwSignal::new(first.map_or_else(|| "12:00".to_owned(), |s| s.opens.clone())),
                    closes: RwSignal::new(first.map_or_else(|| "16:00".to_owned(), |s| s.closes.clone())),
                    note: RwSignal::new(e.note.clone()),
                    extra: StoredValue::new(e.spans.iter().skip(1).cloned().collect()),
                }
            })
            .collect::<Vec<_>>();
        let next = rows.len() as u32;
        Exceptions { rows: RwSignal::new(rows), next: StoredValue::new(next) }
    }

    fn add(&self) {
        let key = self.next.get_value();
        self.next.set_value(key + 1);
        let today = crate::clock::today();
        self.rows.update(|r| {
            r.push(ExceptionRow {
                key,
                from: RwSignal::new(today.clone()),
                to: RwSignal::new(today),
                closed: RwSignal::new(true),
                opens: RwSignal::new("12:00".into()),
                closes: RwSignal::new("16:00".into()),
                note: RwSignal::new(String::new()),
                extra: StoredValue::new(Vec::new()),
            })
        });
    }

    fn remove(&self, key: u32) {
        self.rows.update(|r| r.retain(|row| row.key != key));
    }

    pub fn value(&self) -> Vec<OpeningException> {
        self.rows.with_untracked(|rows| {
            rows.iter()
                .map(|r| OpeningException {
                    from: r.from.get_untracked(),
                    // A single day needs only its first date.
                    to: Some(r.to.get_untracked()).filter(|t| !t.is_empty()).unwrap_or_else(|| r.from.get_untracked()),
                    spans: if r.closed.get_untracked() {
                        Vec::new()
                    } else {
                        std::iter::once(TimeSpan { opens: r.opens.get_untracked(), closes: r.closes.get_untracked() })
                            .chain(r.extra.get_value())
                            .collect()
                    },
                    note: r.note.get_untracked().trim().to_owned(),
                })
                .collect()
        })
    }
}

/// Dates with other hours than the weekly ones.
#[component]
pub fn ExceptionsEditor(exceptions: Exceptions) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="exceptions-editor" data-testid="exceptions-editor">
            <For each=move || exceptions.rows.get() key=|r| r.key children=move |r| {
                let id = format!("exception-{}", r.key);
                view! {
                    <div class="exception" data-testid="exception-item">
                        <div class="row">
                            <div class="field"><label for=format!("{id}-from")>{t!(i18n, exception_from)}</label>
                                <input id=format!("{id}-from") type="date" data-testid="exception-from" bind:value=r.from/></div>
                            <div class="field"><label for=format!("{id}-to")>{t!(i18n, exception_to)}</label>
                                <input id=format!("{id}-to") type="date" data-testid="exception-to" bind:value=r.to/></div>
                            <div class="field"><label for=format!("{id}-note")>{t!(i18n, exception_note)}</label>
                                <input id=format!("{id}-note") data-testid="exception-note" maxlength="200"
                                    placeholder=move || t_string!(i18n, exception_note_hint).to_string() bind:value=r.note/></div>
                        </div>
                        <div class="row">
                            <label class="toggle"><input type="checkbox" data-testid="exception-closed" bind:checked=r.closed/>
                                <span>{t!(i18n, exception_closed)}</span></label>
                            <Show when=move || !r.closed.get()>
                                <span class="hours-span">
                                    <input type="time" data-testid="exception-opens" aria-label=move || t_string!(i18n, hours_opens).to_string() bind:value=r.opens/>
                                    "–"
                                    <input type="time" data-testid="exception-closes" aria-label=move || t_string!(i18n, hours_closes).to_string() bind:value=r.closes/>
                                </span>
                            </Show>
                            <button type="button" class="secondary small danger" data-testid="exception-remove"
                                on:click=move |_| exceptions.remove(r.key)>{t!(i18n, remove)}</button>
                        </div>
                    </div>
                }
            }/>
            <button type="button" class="secondary" data-testid="exception-add" on:click=move |_| exceptions.add()>
                {t!(i18n, exception_add)}
            </button>
        </div>
    }
}
