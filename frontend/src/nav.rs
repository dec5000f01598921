//! The app's URLs: one path per screen (Swedish, like the app), who may
//! open which, what the header offers each role, and where a sign-in or a
//! sign-out leads. The routes themselves are in `app.rs`; everything here
//! but the few `open_*` helpers is plain data, so it is tested without a
//! browser.
//!
//! | path | screen |
//! | --- | --- |
//! | `/besok` | the visit counter |
//! | `/aktiviteter` | activities |
//! | `/aktiviteter/ny`, `/aktiviteter/<id>` | a new activity's form, an activity's |
//! | `/mal` | goals and measurements |
//! | `/oversikt` | the overview of one's labs |
//! | `/labb/<lab id>/rapport` | a lab's report |
//! | `/jamfor` | comparison of labs (and the research export) |
//! | `/arsrapport` (`?labb=<lab id>`) | the year's report, of one lab or of one's labs together |
//! | `/kunskap` | the knowledge base |
//! | `/installningar` | settings |
//! | `/labbet` | setting up a lab (its coordinators) |
//! | `/papperskorg` | the bin (coordinators and administrators) |
//! | `/admin` | administration (administrators) |
//! | `/logga-in` (`?till=<path>`) | signing in; then on to `till` |
//!
//! `/` leads to the user's first screen; any other path shows "Sidan finns inte".

use crate::context::{KnowledgePrefill, Prefill};
use labblogg_shared::auth::{LabRole, Role, UserInfo};
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;
use uuid::Uuid;

/// Where signing in happens (any path shows the sign-in form while nobody is signed in).
pub const SIGN_IN: &str = "/logga-in";

/// A screen with its own place in the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    Counter,
    Activities,
    Goals,
    Overview,
    Compare,
    YearReport,
    Knowledge,
    Settings,
    /// Setting up a lab (profile, places, partners, goals, questions): its coordinators.
    Setup,
    /// Deleted records of the labs one coordinates.
    Trash,
    /// Accounts, devices, labs and the audit log: administrators only.
    Admin,
}

impl Page {
    pub const ALL: [Page; 11] = [
        Page::Counter,
        Page::Activities,
        Page::Goals,
        Page::Overview,
        Page::Compare,
        Page::YearReport,
        Page::Knowledge,
        Page::Settings,
        Page::Setup,
        Page::Trash,
        Page::Admin,
    ];

    /// The screen's URL path.
    pub fn path(self) -> &'static str {
        match self {
            Page::Counter => "/besok",
            Page::Activities => "/aktiviteter",
            Page::Goals => "/mal",
            Page::Overview => "/oversikt",
            Page::Compare => "/jamfor",
            Page::YearReport => "/arsrapport",
            Page::Knowledge => "/kunskap",
            Page::Settings => "/installningar",
            Page::Setup => "/labbet",
            Page::Trash => "/papperskorg",
            Page::Admin => "/admin",
        }
    }

    /// The header link's `data-testid` (the automation contract: never renamed).
    pub fn testid(self) -> &'static str {
        match self {
            Page::Counter => "nav-counter",
            Page::Activities => "nav-activities",
            Page::Goals => "nav-goals",
            Page::Overview => "nav-overview",
            Page::Compare => "nav-compare",
            Page::YearReport => "nav-year-report",
            Page::Knowledge => "nav-knowledge",
            Page::Settings => "nav-settings",
            Page::Setup => "nav-setup",
            Page::Trash => "nav-trash",
            Page::Admin => "nav-admin",
        }
    }

    /// The header entry a path belongs to: a lab's report is part of the
    /// overview, sub-paths part of their screen.
    pub fn of_path(path: &str) -> Option<Page> {
        let path = path.trim_end_matches('/');
        if path.starts_with("/labb/") {
            return Some(Page::Overview);
        }
        Page::ALL
            .into_iter()
            .find(|p| path == p.path() || path.strip_prefix(p.path()).is_some_and(|r| r.starts_with('/')))
    }
}

/// Does `user` coordinate at least one lab?
fn coordinates(user: &UserInfo) -> bool {
    user.memberships.iter().any(|m| m.role == LabRole::Coordinator)
}

/// May `user` open `page`? (The server decides what they may read and
/// change; this only keeps screens of no use to them out of their way.)
pub fn may_open(page: Page, user: &UserInfo) -> bool {
    match page {
        Page::Setup => coordinates(user),
        Page::Trash => matches!(user.role, Role::Admin | Role::Coordinator),
        Page::Admin => user.role == Role::Admin,
        _ => true,
    }
}

/// The header's entries for `user`: first what their role uses day to day,
/// then the rest they may open (one row, scrolled sideways on a narrow screen).
pub fn menu(user: &UserInfo) -> (Vec<Page>, Vec<Page>) {
    use Page::*;
    let (daily, rest): (&[Page], &[Page]) = match user.role {
        Role::Staff => (&[Counter, Activities, Goals], &[Knowledge, Overview, Compare, YearReport, Setup, Settings]),
        Role::Coordinator => {
            (&[Overview, Activities, Goals, Setup], &[Counter, Compare, YearReport, Knowledge, Trash, Settings])
        }
        Role::Researcher => (&[Overview, Compare, YearReport, Knowledge], &[Counter, Activities, Goals, Settings]),
        Role::Admin => {
            (&[Overview, Admin, Setup], &[Counter, Activities, Goals, Compare, YearReport, Knowledge, Trash, Settings])
        }
    };
    let keep = |pages: &[Page]| pages.iter().copied().filter(|p| may_open(*p, user)).collect::<Vec<_>>();
    (keep(daily), keep(rest))
}

/// The screen `user` starts on: staff the visit counter, everyone else the overview.
pub fn start(user: &UserInfo) -> Page {
    match user.role {
        Role::Staff => Page::Counter,
        _ => Page::Overview,
    }
}

/// A lab's report.
pub fn lab_report(lab: Uuid) -> String {
    format!("/labb/{lab}/rapport")
}

/// The year's report of `lab`, or of one's labs together.
pub fn year_report(lab: Option<Uuid>) -> String {
    match lab {
        Some(lab) => format!("{}?labb={lab}", Page::YearReport.path()),
        None => Page::YearReport.path().to_owned(),
    }
}

/// A path of this app to return to after signing in: absolute, on this
/// origin (not `//host` or `/\host`), and not the sign-in itself.
pub fn safe_return(till: &str) -> Option<&str> {
    let ok = till.starts_with('/')
        && !till.starts_with("//")
        && !till.starts_with("/\\")
        && !till.chars().any(char::is_control)
        && till.split(['?', '#']).next() != Some(SIGN_IN);
    ok.then_some(till)
}

/// Percent-encode `s` for a query value (unreserved characters and `/` kept).
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The sign-in URL that comes back to `path` (with its query) afterwards.
pub fn sign_in_returning_to(path: &str, search: &str) -> String {
    if path == "/" || path.is_empty() || path == SIGN_IN {
        return SIGN_IN.to_owned();
    }
    let search = search.trim_start_matches('?');
    let full = if search.is_empty() { path.to_owned() } else { format!("{path}?{search}") };
    format!("{SIGN_IN}?till={}", encode(&full))
}

/// Where the app must go now, if anywhere (replacing the current history
/// entry): `user` is who is signed in (`None`: nobody, or their session
/// ended), `left` that someone signed out or stepped aside just now, `path`
/// and `search` the current URL and `till` its decoded `till` parameter.
///
/// - Nobody signed in: the sign-in, remembering the path unless someone just
///   left (the next person starts on their own first screen).
/// - Signed in on `/` or the sign-in: `till` if that screen is theirs, else their first screen.
pub fn redirect(user: Option<&UserInfo>, left: bool, path: &str, search: &str, till: Option<&str>) -> Option<String> {
    match user {
        None if left => (path != SIGN_IN || !search.is_empty()).then(|| SIGN_IN.to_owned()),
        None if path == SIGN_IN => None,
        None => Some(sign_in_returning_to(path, search)),
        Some(user) if path == "/" || path.is_empty() || path == SIGN_IN => {
            let back = till.and_then(safe_return).filter(|t| {
                let p = t.split(['?', '#']).next().unwrap_or_default();
                p != "/" && Page::of_path(p).is_none_or(|page| may_open(page, user))
            });
            Some(back.map(str::to_owned).unwrap_or_else(|| start(user).path().to_owned()))
        }
        Some(_) => None,
    }
}

fn navigate_to(path: &str) {
    use_navigate()(path, NavigateOptions::default());
}

/// Open the knowledge screen with a prefilled proposal.
pub fn open_prefilled(prefill: Prefill) {
    if let Some(KnowledgePrefill(slot)) = use_context::<KnowledgePrefill>() {
        slot.set(Some(prefill));
    }
    navigate_to(Page::Knowledge.path());
}

/// Open the year's report of `lab` (`None`: all one's labs together).
pub fn open_year_report(lab: Option<Uuid>) {
    navigate_to(&year_report(lab));
}

/// Open a lab's report.
pub fn open_lab_report(lab: Uuid) {
    navigate_to(&lab_report(lab));
}

/// Go to one of the screens.
pub fn open(page: Page) {
    navigate_to(page.path());
}

#[cfg(test)]
mod tests {
    use super::*;
    use labblogg_shared::auth::Membership;
    use wasm_bindgen_test::*;

    fn user(role: Role, coordinator: bool) -> UserInfo {
        let lab = Uuid::now_v7();
        UserInfo {
            username: "u".into(),
            display_name: "U".into(),
            role,
            labs: vec![lab],
            home_meeting_place: None,
            memberships: vec![Membership {
                lab_id: lab,
                role: if coordinator { LabRole::Coordinator } else { LabRole::Staff },
            }],
            user_id: None,
        }
    }

    #[wasm_bindgen_test]
    fn every_page_has_its_own_path_and_finds_it_again() {
        for p in Page::ALL {
            assert_eq!(Page::of_path(p.path()), Some(p));
            assert_eq!(Page::of_path(&format!("{}/", p.path())), Some(p));
            assert_eq!(Page::ALL.iter().filter(|q| q.path() == p.path()).count(), 1);
        }
        assert_eq!(Page::of_path("/labb/0195/rapport"), Some(Page::Overview));
        assert_eq!(Page::of_path("/besokare"), None);
        assert_eq!(Page::of_path("/"), None);
    }

    #[wasm_bindgen_test]
    fn each_role_gets_what_it_may_open_once() {
        for (role, coord) in
            [(Role::Staff, false), (Role::Coordinator, true), (Role::Researcher, false), (Role::Admin, true)]
        {
            let u = user(role, coord);
            let (daily, rest) = menu(&u);
            let all: Vec<Page> = daily.iter().chain(&rest).copied().collect();
            for p in Page::ALL {
                let n = all.iter().filter(|q| **q == p).count();
                assert_eq!(n, usize::from(may_open(p, &u)), "{role:?} {p:?}");
            }
            if role != Role::Admin {
                assert_eq!(daily.first().copied(), Some(start(&u)), "{role:?} starts on its first entry");
            }
        }
        let staff = user(Role::Staff, false);
        assert!(!may_open(Page::Admin, &staff) && !may_open(Page::Trash, &staff) && !may_open(Page::Setup, &staff));
    }

    #[wasm_bindgen_test]
    fn a_deep_link_survives_signing_in() {
        let to = redirect(None, false, "/labb/abc/rapport", "", None).unwrap();
        assert_eq!(to, "/logga-in?till=/labb/abc/rapport");
        assert_eq!(
            redirect(None, false, "/arsrapport", "?labb=x&y=1", None).unwrap(),
            "/logga-in?till=/arsrapport%3Flabb%3Dx%26y%3D1"
        );
        assert_eq!(redirect(None, false, "/", "", None).unwrap(), SIGN_IN);
        assert_eq!(redirect(None, false, SIGN_IN, "?till=/mal", Some("/mal")), None);
        let staff = user(Role::Staff, false);
        assert_eq!(redirect(Some(&staff), false, SIGN_IN, "", Some("/labb/abc/rapport")).unwrap(), "/labb/abc/rapport");
        assert_eq!(redirect(Some(&staff), false, SIGN_IN, "", None).unwrap(), "/besok");
        assert_eq!(redirect(Some(&staff), false, "/", "", None).unwrap(), "/besok");
        // A screen not theirs, or somewhere else entirely: their first screen.
        assert_eq!(redirect(Some(&staff), false, SIGN_IN, "", Some("/admin")).unwrap(), "/besok");
        assert_eq!(redirect(Some(&staff), false, SIGN_IN, "", Some("//evil.example")).unwrap(), "/besok");
        assert_eq!(redirect(Some(&staff), false, SIGN_IN, "", Some("https://evil.example")).unwrap(), "/besok");
        let coordinator = user(Role::Coordinator, true);
        assert_eq!(redirect(Some(&coordinator), false, SIGN_IN, "", None).unwrap(), "/oversikt");
        assert_eq!(redirect(Some(&coordinator), false, "/mal", "", None), None);
        // Whoever signs in after someone left starts on their own first screen.
        assert_eq!(redirect(None, true, "/admin", "", None).unwrap(), SIGN_IN);
        assert_eq!(redirect(None, true, SIGN_IN, "", None), None);
    }
}
