//! The sync engine: pushes the outbox and pulls the server's changes, in the
//! background, whenever there is reason to (start, the browser coming online,
//! shortly after a local write, periodically), retrying with exponential
//! backoff and jitter. The UI never waits for it.

use crate::{api, clock, device_users, session, store, tabs};
use gloo_timers::callback::Timeout;
use indexed_db_futures::database::Database;
use labblogg_shared::sync::{SyncRequest, SyncResponse, MAX_PULL_RECORDS, MAX_PUSH_CHANGES};
use labblogg_shared::PROTOCOL_VERSION;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;

/// What the sync status shows (the values of `data-state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncState {
    Synced,
    Pending,
    Offline,
    Error,
}

impl SyncState {
    pub fn as_str(self) -> &'static str {
        match self {
            SyncState::Synced => "synced",
            SyncState::Pending => "pending",
            SyncState::Offline => "offline",
            SyncState::Error => "error",
        }
    }
}

/// Where the device is with its first sync: until it has pulled everything
/// once, summaries and goals would show half the data (zeros, false
/// verdicts), so they say they are loading instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirstSync {
    /// The local flag is being read.
    Unknown,
    /// Pulling for the first time: records saved so far in this run, and how
    /// many the server said there were when it began (if it said).
    Loading {
        pulled: u64,
        total: Option<u64>,
    },
    Done,
}

/// Reactive sync state, shared through context.
#[derive(Clone, Copy)]
pub struct SyncEngine {
    pub state: RwSignal<SyncState>,
    /// Changes saved on this device and not yet accepted by the server.
    pub pending: RwSignal<u32>,
    /// Of those, how many the server refused.
    pub rejected: RwSignal<u32>,
    /// Bumped whenever local data changed (a write or a sync): reads reload.
    pub data_version: RwSignal<u64>,
    /// A message for staff when something needs them (sign in again, reload).
    pub message: RwSignal<Option<String>>,
    /// Set when the token was refused: the app asks to sign in again.
    pub signed_out: RwSignal<bool>,
    /// How far this device's clock is from the server's (ms, positive: ahead),
    /// when that is enough to matter; the app then asks staff to set the time.
    pub clock_skew_ms: RwSignal<Option<i64>>,
    /// The first sync's progress (see [`FirstSync`]).
    pub first_sync: RwSignal<FirstSync>,
    /// Other people who used this device and still have changes waiting
    /// (each syncs under their own token, from their own database).
    pub others: RwSignal<Vec<OtherUser>>,
    /// When the signed-in user's last sync round succeeded (ms, this device's
    /// clock), kept across reloads: "Senast synkad 18:42".
    pub last_synced: RwSignal<Option<u64>>,
}

/// Where the time of a user's last successful sync is kept on the device.
fn last_synced_key(username: &str) -> String {
    format!("labblogg.last-synced.{}", device_users::normalise(username))
}

/// The signed-in user's last successful sync, as kept on the device.
fn stored_last_synced() -> Option<u64> {
    use gloo_storage::{LocalStorage, Storage};
    LocalStorage::get(last_synced_key(&session::load()?.user.username)).ok()
}

/// Someone else's changes waiting on this device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtherUser {
    pub display_name: String,
    pub pending: u32,
    /// The server refused their token: they wait until that person signs in online.
    pub refused: bool,
}

/// A device clock this far off is worth a warning: the server refuses changes
/// stamped 5 minutes ahead, and dates of visits come from this clock.
pub const CLOCK_WARNING_MS: i64 = 2 * 60 * 1000;

thread_local! {
    static RUNNING: Cell<bool> = const { Cell::new(false) };
    static AGAIN: Cell<bool> = const { Cell::new(false) };
    static FAILURES: Cell<u32> = const { Cell::new(0) };
    static RETRY: RefCell<Option<Timeout>> = const { RefCell::new(None) };
    static DEBOUNCE: RefCell<Option<Timeout>> = const { RefCell::new(None) };
    static REFRESH_SCHEDULED: Cell<bool> = const { Cell::new(false) };
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static COUNT_AGAIN: Cell<bool> = const { Cell::new(false) };
}

/// Screens re-read at most once a frame: a burst of taps (or of pulled pages)
/// must not make every open screen re-read the local copy once per record.
const REFRESH_MS: u32 = 16;

/// Pause between periodic syncs while all is well.
const PERIODIC_MS: u32 = 15_000;
/// Wait after a local write, so a burst of taps goes in one request.
const DEBOUNCE_MS: u32 = 300;
const BACKOFF_BASE_MS: f64 = 500.0;
const BACKOFF_MAX_MS: f64 = 8_000.0;

impl SyncEngine {
    pub fn new() -> Self {
        SyncEngine {
            state: RwSignal::new(SyncState::Pending),
            pending: RwSignal::new(0),
            rejected: RwSignal::new(0),
            data_version: RwSignal::new(0),
            message: RwSignal::new(None),
            signed_out: RwSignal::new(false),
            clock_skew_ms: RwSignal::new(None),
            first_sync: RwSignal::new(FirstSync::Unknown),
            others: RwSignal::new(Vec::new()),
            last_synced: RwSignal::new(stored_last_synced()),
        }
    }

    /// Another user is signed in now (or nobody): forget the previous one's
    /// state, read the new one's, and sync.
    pub fn switched(self) {
        self.first_sync.set(FirstSync::Unknown);
        self.signed_out.set(false);
        self.message.set(None);
        self.pending.set(0);
        self.rejected.set(0);
        self.clock_skew_ms.set(None);
        self.last_synced.set(stored_last_synced());
        self.state.set(SyncState::Pending);
        spawn_local(self.load_first_sync());
        self.refresh_counts();
        self.data_changed();
        FAILURES.with(|f| f.set(0));
        self.kick();
    }

    /// Is the local copy whole (the first sync done)? Screens with figures
    /// show [`FirstSync`]'s progress until it is.
    pub fn data_complete(self) -> bool {
        self.first_sync.get() == FirstSync::Done
    }

    async fn load_first_sync(self) {
        if self.first_sync.get_untracked() != FirstSync::Unknown || session::load().is_none() {
            return;
        }
        // A local database that cannot say is treated as loading: no figures rather than false ones.
        let done = store::first_sync_done().await.unwrap_or(false);
        if self.first_sync.get_untracked() == FirstSync::Unknown {
            self.first_sync.set(if done { FirstSync::Done } else { FirstSync::Loading { pulled: 0, total: None } });
        }
    }

    /// Start background syncing: now, when the browser comes online, and periodically.
    pub fn start(self) {
        spawn_local(self.load_first_sync());
        self.refresh_counts();
        tabs::listen_for_changes(move || {
            self.data_changed();
            self.refresh_counts();
        });
        self.kick();
        let on_online = window_event_listener(leptos::ev::online, move |_| {
            FAILURES.with(|f| f.set(0));
            self.kick();
        });
        let on_offline = window_event_listener(leptos::ev::offline, move |_| self.state.set(SyncState::Offline));
        let periodic = gloo_timers::callback::Interval::new(PERIODIC_MS, move || {
            if RETRY.with(|r| r.borrow().is_none()) {
                self.kick();
            }
        });
        // The engine lives as long as the page: its listeners and timer too.
        let _ = (on_online, on_offline);
        periodic.forget();
    }

    /// Tell the screens that local data changed (coalesced to one re-read per frame).
    pub fn data_changed(self) {
        if REFRESH_SCHEDULED.with(|s| s.replace(true)) {
            return;
        }
        Timeout::new(REFRESH_MS, move || {
            REFRESH_SCHEDULED.with(|s| s.set(false));
            self.data_version.update(|v| *v += 1);
        })
        .forget();
    }

    /// A local write happened: show it, and sync shortly.
    pub fn local_write(self) {
        self.data_changed();
        tabs::announce_change();
        self.pending.update(|p| *p += 1);
        if self.state.get_untracked() == SyncState::Synced {
            self.state.set(SyncState::Pending);
        }
        let t = Timeout::new(DEBOUNCE_MS, move || self.kick());
        DEBOUNCE.with(|d| *d.borrow_mut() = Some(t));
    }

    /// Sync now (or right after the sync already running).
    pub fn kick(self) {
        if RUNNING.with(Cell::get) {
            AGAIN.with(|a| a.set(true));
            return;
        }
        RETRY.with(|r| r.borrow_mut().take());
        RUNNING.with(|r| r.set(true));
        spawn_local(async move {
            // One tab syncs at a time; the others wait their turn and then
            // find little or nothing left to push.
            tabs::with_sync_lock(async move {
                loop {
                    AGAIN.with(|a| a.set(false));
                    let result = self.run().await;
                    self.finish(result).await;
                    if !AGAIN.with(Cell::get) || self.retry_scheduled() {
                        break;
                    }
                }
            })
            .await;
            RUNNING.with(|r| r.set(false));
        });
    }

    /// One sync round now, waited for, under the cross-tab lock: push the
    /// outbox and pull until the server has nothing more, then update the
    /// status as the background rounds do. The browser tests drive the
    /// engine with it.
    pub async fn sync_once(self) -> Result<(), api::ApiError> {
        let outcome = std::rc::Rc::new(RefCell::new(None));
        let slot = outcome.clone();
        tabs::with_sync_lock(async move {
            let result = self.run().await;
            self.finish(result.clone()).await;
            *slot.borrow_mut() = Some(result);
        })
        .await;
        let result = outcome.borrow_mut().take();
        result.unwrap_or_else(|| Err(api::ApiError::Server { status: 0, message: "the sync lock was refused".into() }))
    }

    fn retry_scheduled(self) -> bool {
        RETRY.with(|r| r.borrow().is_some())
    }

    /// Re-count the outbox for the status. At most one count is in flight;
    /// calls meanwhile make it count once more afterwards, so a burst of news
    /// from other tabs costs two counts, not one per message.
    fn refresh_counts(self) {
        if COUNTING.with(|c| c.replace(true)) {
            COUNT_AGAIN.with(|a| a.set(true));
            return;
        }
        spawn_local(async move {
            loop {
                COUNT_AGAIN.with(|a| a.set(false));
                self.count_outbox().await;
                if !COUNT_AGAIN.with(Cell::get) {
                    break;
                }
            }
            COUNTING.with(|c| c.set(false));
        });
    }

    async fn count_outbox(self) {
        if session::load().is_none() {
            return;
        }
        if let Ok(counts) = store::outbox_counts().await {
            let n = counts.pending + counts.rejected;
            self.pending.set(n);
            self.rejected.set(counts.rejected);
            // What the sign-in form and the other users' syncs read of this user.
            if let Some(s) = session::load() {
                if device_users::find(&s.user.username).is_some_and(|u| u.pending != n) {
                    device_users::update(&s.user.username, |u| u.pending = n);
                }
            }
        }
    }

    /// Sync the signed-in user's database, then those of the others who
    /// still have changes waiting on this device.
    async fn run(self) -> Result<(), api::ApiError> {
        let result = match session::load() {
            Some(session) => {
                let local = api::ApiError::from;
                let result = match store::open().await.map_err(local) {
                    // The database is held for the whole round: were another user to sign in
                    // meanwhile, this round still ends on this user's database, with this token.
                    Ok(db) => self.run_on(&db, &session.token, true).await,
                    Err(e) => Err(e),
                };
                let still = session::load().is_some_and(|s| s.user.username == session.user.username);
                match result {
                    Err(api::ApiError::Unauthorized(_)) => {
                        device_users::update(&session.user.username, |u| u.token_refused = true);
                        // Someone else signed in meanwhile: the refusal is not theirs to see.
                        if still {
                            result
                        } else {
                            Ok(())
                        }
                    }
                    r if still => r,
                    _ => Ok(()),
                }
            }
            None => Ok(()),
        };
        self.sync_others().await;
        result
    }

    /// Push the outboxes of the other users of this device, each from their
    /// own database with their own token (never the signed-in user's), and
    /// remove the copy of one who signed out keeping changes once they are synced.
    async fn sync_others(self) {
        let current = session::load().map(|s| device_users::normalise(&s.user.username));
        let mut waiting = Vec::new();
        for user in device_users::users() {
            if Some(device_users::normalise(&user.username)) == current {
                continue;
            }
            let other = |pending, refused| OtherUser { display_name: user.display_name.clone(), pending, refused };
            if user.token_refused {
                if user.pending > 0 {
                    waiting.push(other(user.pending, true));
                }
                continue;
            }
            if user.pending == 0 && !user.signed_out {
                continue;
            }
            let Ok((db, own)) = store::open_for(&user.database).await else { continue };
            let result = self.run_on(&db, &user.session.token, false).await;
            let counts = store::outbox_counts_in(&db).await.ok();
            if own {
                db.close();
            }
            if device_users::find(&user.username).is_none() {
                // Signed out (everything synced) while this ran: the copy goes, as it was meant to.
                let _ = store::delete_database(&user.database).await;
                continue;
            }
            let pending = counts.map_or(user.pending, |c| c.pending + c.rejected);
            let refused = matches!(result, Err(api::ApiError::Unauthorized(_)));
            device_users::update(&user.username, |u| {
                u.pending = pending;
                u.token_refused = refused;
            });
            if pending == 0 && user.signed_out && result.is_ok() {
                let _ = device_users::forget(&user.username).await;
                continue;
            }
            if pending > 0 {
                waiting.push(other(pending, refused));
            }
        }
        self.others.set(waiting);
    }

    /// Push database `db`'s whole outbox with `token` and pull until the
    /// server has nothing more. `ui`: the signed-in user's, whose progress
    /// and status the screens show.
    async fn run_on(self, db: &Database, token: &str, ui: bool) -> Result<(), api::ApiError> {
        let name = db.name();
        let mine = move || ui && store::current_database() == name;
        let local = api::ApiError::from;
        let device_id = store::device_id_in(db).await.map_err(local)?;
        if mine() {
            self.load_first_sync().await;
        }
        if let (true, FirstSync::Loading { pulled, total: None }) = (mine(), self.first_sync.get_untracked()) {
            // How much there is to pull, for the progress; without an answer it says only how far it got.
            let cursor = store::cursor_in(db).await.map_err(local)?;
            if let Ok(backlog) = api::sync_backlog(token, cursor).await {
                self.first_sync.set(FirstSync::Loading { pulled, total: Some(pulled + backlog.records) });
            }
        }
        let mut repairs = 0;
        // The next page of a pull, fetched while the page before it was being saved.
        let mut fetched: Option<SyncResponse> = None;
        loop {
            let (batch, response) = match fetched.take() {
                Some(response) => (Vec::new(), response),
                None => {
                    let batch = store::next_batch_in(db, MAX_PUSH_CHANGES).await.map_err(local)?;
                    let cursor = store::cursor_in(db).await.map_err(local)?;
                    let request = SyncRequest {
                        protocol: PROTOCOL_VERSION,
                        device_id,
                        cursor,
                        changes: batch.iter().map(|p| p.change.clone()).collect(),
                        pull_limit: Some(MAX_PULL_RECORDS),
                    };
                    let response = api::sync(token, &request).await?;
                    (batch, response)
                }
            };
            let seq_of: HashMap<_, _> = batch.iter().map(|p| (p.change.change_id, p.seq)).collect();
            let (mut accepted, mut rejected) = (Vec::new(), Vec::new());
            for r in response.results {
                let Some(&seq) = seq_of.get(&r.change_id) else { continue };
                match r.rejected {
                    None => accepted.push(seq),
                    Some(reason) => rejected.push((seq, reason)),
                }
            }
            // Half the round trip is unknown either way; this is the useful precision.
            let device_now = clock::device_now_ms();
            let skew = device_now as i64 - response.server_time_ms as i64;
            if mine() {
                self.clock_skew_ms.set(Some(skew).filter(|s| s.abs() > CLOCK_WARNING_MS));
            }
            let pulled = !response.records.is_empty();
            let page_records = response.records.len() as u64;
            let more = response.more;
            // Once the outbox is sent, the next page needs nothing from this one but its cursor: it
            // is fetched while this one is saved. Should the saving fail, the page is dropped and
            // the next sync starts again from the saved cursor.
            let next_page = (more && batch.len() < MAX_PUSH_CHANGES).then(|| SyncRequest {
                protocol: PROTOCOL_VERSION,
                device_id,
                cursor: response.cursor,
                changes: Vec::new(),
                pull_limit: Some(MAX_PULL_RECORDS),
            });
            let save = store::apply_sync_in(
                db,
                store::SyncOutcome {
                    accepted,
                    rejected,
                    records: response.records,
                    cursor: response.cursor,
                    server_time_ms: response.server_time_ms,
                    clock_offset_ms: labblogg_shared::skew::offset_ms(device_now, response.server_time_ms),
                },
                clock::now_ms(),
            );
            let fetch = async {
                match &next_page {
                    Some(request) => Some(api::sync(token, request).await),
                    None => None,
                }
            };
            let (saved, next) = futures::future::join(save, fetch).await;
            let restamped = saved.map_err(local)?;
            if let (true, FirstSync::Loading { pulled, total }) = (mine(), self.first_sync.get_untracked()) {
                let pulled = pulled + page_records;
                self.first_sync.set(FirstSync::Loading { pulled, total: total.map(|t| t.max(pulled)) });
            }
            if mine() && (pulled || !batch.is_empty() || restamped > 0) {
                self.data_changed();
                tabs::announce_change();
            }
            if restamped > 0 && repairs < 3 {
                // Changes refused for the tablet's clock carry the server's time now: send them
                // (a page fetched meanwhile is dropped; the next request pulls from the saved cursor).
                repairs += 1;
                continue;
            }
            if let Some(next) = next {
                fetched = Some(next?);
                continue;
            }
            if !more && batch.len() < MAX_PUSH_CHANGES {
                if !ui {
                    return Ok(());
                }
                let first = store::first_sync_done_in(db).await.map_err(local)?;
                if !first {
                    store::mark_first_sync_done_in(db).await.map_err(local)?;
                }
                if mine() && matches!(self.first_sync.get_untracked(), FirstSync::Loading { .. }) {
                    self.first_sync.set(FirstSync::Done);
                    self.data_changed();
                }
                return Ok(());
            }
        }
    }

    async fn finish(self, result: Result<(), api::ApiError>) {
        self.count_outbox().await;
        match result {
            Ok(()) => {
                FAILURES.with(|f| f.set(0));
                self.message.set(None);
                if let Some(s) = session::load() {
                    use gloo_storage::{LocalStorage, Storage};
                    let now = clock::device_now_ms();
                    let _ = LocalStorage::set(last_synced_key(&s.user.username), now);
                    self.last_synced.set(Some(now));
                }
                let state = if self.rejected.get_untracked() > 0 {
                    SyncState::Error
                } else if self.pending.get_untracked() > 0 {
                    SyncState::Pending
                } else {
                    SyncState::Synced
                };
                self.state.set(state);
            }
            Err(api::ApiError::Unauthorized(message)) => self.token_refused(message),
            Err(api::ApiError::ReloadNeeded(message)) => {
                self.state.set(SyncState::Error);
                self.message.set(Some(message));
            }
            Err(e) => {
                self.state.set(if matches!(e, api::ApiError::Offline) { SyncState::Offline } else { SyncState::Error });
                if e.is_retryable() {
                    self.message.set(None);
                    self.schedule_retry();
                } else {
                    self.message.set(Some(e.to_string()));
                }
            }
        }
    }

    /// The server refused the token (revoked, expired, account disabled):
    /// the app asks to sign in again and keeps the local copy and outbox.
    pub fn token_refused(self, message: String) {
        self.state.set(SyncState::Error);
        self.message.set(Some(message));
        self.signed_out.set(true);
    }

    fn schedule_retry(self) {
        let failures = FAILURES.with(|f| {
            f.set(f.get().saturating_add(1));
            f.get()
        });
        let ceiling = (BACKOFF_BASE_MS * 2f64.powi(failures.min(16) as i32)).min(BACKOFF_MAX_MS);
        // Full jitter in the upper half: tablets that lost the server together do not return together.
        let delay = ceiling * (0.5 + js_sys::Math::random() * 0.5);
        let t = Timeout::new(delay as u32, move || {
            // Forget rather than drop: this closure is the one running now.
            if let Some(me) = RETRY.with(|r| r.borrow_mut().take()) {
                me.forget();
            }
            self.kick();
        });
        RETRY.with(|r| *r.borrow_mut() = Some(t));
    }
}

impl Default for SyncEngine {
    fn default() -> Self {
        Self::new()
    }
}
