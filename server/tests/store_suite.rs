//! One storage test suite for every backend: each test runs against SQLite
//! always, and against PostgreSQL when `LABBLOGG_TEST_POSTGRES_URL` is set
//! (each test in its own fresh database; `cargo xtask test` starts a server).
//! Without the variable the PostgreSQL variants pass without running and say so.

mod common;

use common::{fresh_postgres_database, many_visits, new_visit, now_ms, visit_fields};
use labblogg_server::config::{Command, MigrateDataArgs};
use labblogg_server::db::{self, AuditEvent, Store, StoreError, UserRow};
use labblogg_server::demo;
use labblogg_shared::auth::{AuditAction, LabRole, Membership, Role};
use labblogg_shared::model::AgeBand;
use labblogg_shared::summary::VisitTally;
use labblogg_shared::sync::RejectCode;
use labblogg_shared::{Hlc, RecordKind};
use serde_json::Map;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
use tempfile::TempDir;
use uuid::Uuid;

/// Hands out fresh, empty stores of one backend (and keeps SQLite's files alive).
struct Backend {
    postgres: bool,
    dir: TempDir,
    made: usize,
}

impl Backend {
    async fn new(postgres: bool) -> Option<Self> {
        if postgres && common::postgres_url().is_none() {
            eprintln!("skipped: LABBLOGG_TEST_POSTGRES_URL is not set");
            return None;
        }
        Some(Backend { postgres, dir: tempfile::tempdir().expect("tempdir"), made: 0 })
    }

    /// The URL of a new, empty database.
    async fn url(&mut self) -> String {
        self.made += 1;
        if self.postgres {
            fresh_postgres_database().await.expect("a PostgreSQL test server")
        } else {
            format!("sqlite://{}", self.dir.path().join(format!("s{}.db", self.made)).display())
        }
    }

    async fn store(&mut self) -> Arc<dyn Store> {
        let url = self.url().await;
        db::open(&url).await.expect("open the store")
    }
}

/// `store_tests!(a, b)` makes `sqlite::a`, `postgres::a`, … from `async fn a(&mut Backend)`.
macro_rules! store_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let mut backend = super::Backend::new(false).await.expect("sqlite");
                    super::$name(&mut backend).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(mut backend) = super::Backend::new(true).await {
                        super::$name(&mut backend).await;
                    }
                }
            )*
        }
    };
}

store_tests!(
    push_and_pull_in_sequence_order_with_cursors,
    resends_tombstones_conflicts_and_validation,
    users_memberships_and_tokens,
    audit_log_pages_newest_first,
    ping_answers,
    migrate_data_copies_an_installation_and_verifies_it,
    concurrent_pushes_never_let_a_cursor_skip_a_change,
    published_knowledge_reaches_every_lab_drafts_only_their_own,
    visit_tallies_follow_every_push,
    upgrading_counts_the_visits_already_stored,
    pull_pages_stop_at_the_byte_budget,
    a_refused_decoy_is_never_a_reference,
    history_keeps_every_accepted_change_and_finds_deletions,
    backlog_counts_what_a_pull_brings,
);

const LAB_A: Uuid = demo::LINA_HAGE;
const PLACE_A: Uuid = demo::PLACE_LINA_HAGE;
const LAB_B: Uuid = demo::PORTALEN;
const PLACE_B: Uuid = demo::PLACE_PORTALEN;

fn all_ok(outcomes: &[Result<(), labblogg_shared::sync::Rejection>]) {
    for o in outcomes {
        assert!(o.is_ok(), "refused: {o:?}");
    }
}

async fn push_and_pull_in_sequence_order_with_cursors(backend: &mut Backend) {
    let store = backend.store().await;
    assert_eq!(store.top_seq().await.unwrap(), 0);
    let a = many_visits(LAB_A, PLACE_A, 1, 30);
    let b = many_visits(LAB_B, PLACE_B, 2, 10);
    all_ok(&store.push(a.clone()).await.unwrap());
    all_ok(&store.push(b.clone()).await.unwrap());
    assert_eq!(store.top_seq().await.unwrap(), 40);

    // Lab A in pages of 7: every record once, in sequence order; the last
    // page moves the cursor past lab B's changes too.
    let (mut cursor, mut seen, mut pages) = (0, Vec::new(), 0);
    loop {
        let page = store.pull(vec![LAB_A], cursor, 7).await.unwrap();
        pages += 1;
        for r in &page.records {
            assert!(r.seq > cursor, "seq {} not after cursor {cursor}", r.seq);
            assert_eq!(r.state.lab_id, LAB_A);
            cursor = r.seq;
            seen.push(r.state.id);
        }
        cursor = cursor.max(page.cursor);
        if !page.more {
            break;
        }
    }
    assert_eq!(pages, 5);
    assert_eq!(cursor, 40);
    assert_eq!(seen, a.iter().map(|c| c.id).collect::<Vec<_>>());
    let b_page = store.pull(vec![LAB_B], 0, 1000).await.unwrap();
    assert_eq!(b_page.records.len(), 10);
    assert!(!b_page.more);
    assert_eq!(store.pull(vec![LAB_A, LAB_B], 40, 1000).await.unwrap().records.len(), 0);
    assert!(store.pull(vec![], 0, 10).await.unwrap().records.is_empty());

    let stored = store.record(a[3].id).await.unwrap().expect("stored");
    assert_eq!(stored.kind, RecordKind::Visit);
    assert_eq!(stored.fields, a[3].fields);
    assert!(store.record(Uuid::now_v7()).await.unwrap().is_none());
}

async fn pull_pages_stop_at_the_byte_budget(backend: &mut Backend) {
    use labblogg_shared::sync::MAX_PULL_BYTES;
    use labblogg_shared::validate::json_size;
    let store = backend.store().await;
    // 64 activities of about 32 kB each (notes and lessons of 4,000 four-byte characters, the
    // most a valid activity holds): 2 MB, so at least two pages of at most 1 MiB.
    let ms = now_ms();
    let text = "😀".repeat(4000);
    let changes: Vec<_> = (0..64u32)
        .map(|i| labblogg_shared::sync::Change {
            change_id: Uuid::now_v7(),
            kind: RecordKind::Activity,
            id: Uuid::now_v7(),
            lab_id: LAB_A,
            hlc: Hlc { ms, counter: i, node: 7 },
            fields: serde_json::from_value(serde_json::json!({
                "meeting_place_id": PLACE_A, "kind": "workshop", "title": "Workshop", "date": "2024-11-19",
                "notes": text, "lessons_learned": text,
            }))
            .unwrap(),
            deleted: false,
            restore: false,
        })
        .collect();
    for batch in changes.chunks(5) {
        all_ok(&store.push(batch.to_vec()).await.unwrap());
    }
    let (mut cursor, mut seen, mut pages) = (0, Vec::new(), 0);
    loop {
        let page = store.pull(vec![LAB_A], cursor, 1000).await.unwrap();
        pages += 1;
        assert!(!page.records.is_empty());
        assert!(json_size(&page.records) <= MAX_PULL_BYTES, "a page of {} bytes", json_size(&page.records));
        seen.extend(page.records.iter().map(|r| r.state.id));
        cursor = page.cursor;
        if !page.more {
            break;
        }
    }
    assert!(pages >= 2, "1.6 MB in {pages} page");
    assert_eq!(seen, changes.iter().map(|c| c.id).collect::<Vec<_>>());
    assert_eq!(cursor, store.top_seq().await.unwrap());
}

async fn resends_tombstones_conflicts_and_validation(backend: &mut Backend) {
    let store = backend.store().await;
    let mut clock = Hlc::new(7);
    let visit = new_visit(LAB_A, PLACE_A, clock.tick(now_ms()));
    all_ok(&store.push(vec![visit.clone()]).await.unwrap());
    // The same change again: accepted, stored once, no new number.
    all_ok(&store.push(vec![visit.clone(), visit.clone()]).await.unwrap());
    assert_eq!(store.top_seq().await.unwrap(), 1);

    let mut edit = visit.clone();
    edit.change_id = Uuid::now_v7();
    edit.hlc = clock.tick(now_ms());
    edit.fields.insert("age_band".into(), "19-25".into());
    let mut tombstone = visit.clone();
    tombstone.change_id = Uuid::now_v7();
    tombstone.hlc = clock.tick(now_ms());
    tombstone.fields = Map::new();
    tombstone.deleted = true;
    let mut invalid = new_visit(LAB_A, PLACE_A, clock.tick(now_ms()));
    invalid.fields.remove("age_band");
    let fine = new_visit(LAB_A, PLACE_A, clock.tick(now_ms()));

    let outcomes = store.push(vec![edit, tombstone, invalid.clone(), fine.clone()]).await.unwrap();
    assert_eq!(outcomes[0].as_ref().unwrap_err().code, RejectCode::Conflict);
    assert!(outcomes[1].is_ok());
    assert_eq!(outcomes[2].as_ref().unwrap_err().code, RejectCode::Validation);
    assert!(outcomes[3].is_ok());
    assert_eq!(store.top_seq().await.unwrap(), 3, "only the tombstone and the new visit took numbers");
    assert!(store.record(visit.id).await.unwrap().unwrap().deleted.is_some());
    assert!(store.record(invalid.id).await.unwrap().is_none());
    let page = store.pull(vec![LAB_A], 1, 10).await.unwrap();
    assert_eq!(page.records.iter().map(|r| (r.seq, r.state.id)).collect::<Vec<_>>(), vec![(2, visit.id), (3, fine.id)]);
}

fn user(name: &str, role: Role, memberships: Vec<Membership>) -> UserRow {
    UserRow {
        id: Uuid::now_v7(),
        username: name.into(),
        display_name: format!("Test {name}"),
        password_hash: format!("hash of {name}"),
        role,
        memberships,
        home_meeting_place: Some(PLACE_A),
        disabled: false,
    }
}

async fn users_memberships_and_tokens(backend: &mut Backend) {
    let store = backend.store().await;
    let (lab1, lab2) = (Uuid::from_u128(1), Uuid::from_u128(2));
    let coordinator = user(
        "bo",
        Role::Coordinator,
        vec![
            Membership { lab_id: lab1, role: LabRole::Staff },
            Membership { lab_id: lab2, role: LabRole::Coordinator },
        ],
    );
    let staff = user("Anna", Role::Staff, vec![Membership { lab_id: lab2, role: LabRole::Staff }]);
    let admin = user("admin", Role::Admin, vec![]);
    for u in [&coordinator, &staff, &admin] {
        store.insert_user(u.clone()).await.unwrap();
    }
    let mut taken = user("bo", Role::Staff, vec![]);
    taken.display_name = "Another Bo".into();
    assert!(matches!(store.insert_user(taken).await, Err(StoreError::UsernameTaken)));

    assert_eq!(store.user_by_name("bo").await.unwrap().as_ref(), Some(&coordinator));
    assert_eq!(store.user_by_id(staff.id).await.unwrap().as_ref(), Some(&staff));
    assert!(store.user_by_name("nobody").await.unwrap().is_none());
    // Byte order, as SQLite sorts: capitals first.
    let names: Vec<String> = store.users().await.unwrap().into_iter().map(|u| u.username).collect();
    assert_eq!(names, ["Anna", "admin", "bo"]);

    let device = Uuid::now_v7();
    let first = store.insert_token("h1".into(), staff.id, Some(device)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(5)).await;
    let second = store.insert_token("h2".into(), staff.id, None).await.unwrap();
    let session = store.session_by_token("h1".into()).await.unwrap().expect("live token");
    assert_eq!(session.user, staff);
    assert_eq!(session.token.id, first);
    assert_eq!(session.token.device_id, Some(device));
    assert!(store.session_by_token("nope".into()).await.unwrap().is_none());

    store.touch_token(first, 1_000_000).await.unwrap();
    store.touch_token(first, 1_030_000).await.unwrap();
    assert_eq!(store.token(first).await.unwrap().unwrap().last_used_ms, Some(1_000_000));
    store.touch_token(first, 1_060_000).await.unwrap();
    assert_eq!(store.token(first).await.unwrap().unwrap().last_used_ms, Some(1_060_000));

    let ids = |v: Vec<db::TokenRow>| v.into_iter().map(|t| t.id).collect::<Vec<_>>();
    assert_eq!(ids(store.tokens_of(staff.id, false).await.unwrap()), [second, first], "newest first");
    assert!(store.revoke_token(second).await.unwrap());
    assert!(!store.revoke_token(second).await.unwrap(), "already revoked");
    assert!(!store.revoke_token(Uuid::now_v7()).await.unwrap());
    assert_eq!(ids(store.tokens_of(staff.id, false).await.unwrap()), [first]);
    assert_eq!(ids(store.tokens_of(staff.id, true).await.unwrap()), [second, first]);
    assert!(store.session_by_token("h2".into()).await.unwrap().is_none());

    store.set_password(staff.id, "new hash".into()).await.unwrap();
    assert!(store.session_by_token("h1".into()).await.unwrap().is_none(), "a new password signs every device out");
    assert_eq!(store.user_by_id(staff.id).await.unwrap().unwrap().password_hash, "new hash");

    store.insert_token("h3".into(), coordinator.id, None).await.unwrap();
    store.disable_user(coordinator.id).await.unwrap();
    assert!(store.user_by_id(coordinator.id).await.unwrap().unwrap().disabled);
    assert!(store.session_by_token("h3".into()).await.unwrap().is_none());
    assert!(matches!(store.disable_user(Uuid::now_v7()).await, Err(StoreError::UnknownUser)));
    assert!(matches!(store.set_password(Uuid::now_v7(), "x".into()).await, Err(StoreError::UnknownUser)));
}

async fn audit_log_pages_newest_first(backend: &mut Backend) {
    let store = backend.store().await;
    for i in 0..5 {
        let event = AuditEvent {
            action: AuditAction::SignIn,
            actor: format!("user{i}"),
            subject: (i % 2 == 0).then(|| format!("s{i}")),
            address: Some("127.0.0.1".into()),
        };
        store.audit(event).await.unwrap();
    }
    let page = store.audit_log(None, 2).await.unwrap();
    assert_eq!(page.iter().map(|e| e.actor.as_str()).collect::<Vec<_>>(), ["user4", "user3"]);
    let rest = store.audit_log(Some(page[1].id), 10).await.unwrap();
    assert_eq!(rest.iter().map(|e| e.actor.as_str()).collect::<Vec<_>>(), ["user2", "user1", "user0"]);
    assert_eq!(rest[0].subject.as_deref(), Some("s2"));
    assert!(rest[0].at_ms > 0);
}

async fn ping_answers(backend: &mut Backend) {
    backend.store().await.ping().await.unwrap();
}

/// A SQLite installation (demo data, visits, a tombstone, users, tokens,
/// audit lines) moved by `labblogg migrate-data` into this backend.
/// The summary's input from the stored tallies, and what a fresh count of the stored records
/// gives; both sorted, so they compare whatever order a backend reads them in.
async fn tallies_and_fresh_count(store: &dyn Store, labs: Vec<Uuid>) -> (db::SummaryInput, db::SummaryInput) {
    let sort = |mut input: db::SummaryInput| {
        input.records.sort_by_key(|r| r.id);
        input.visits.sort_by_key(|t| t.key);
        input
    };
    let stored = store.summary_input(labs.clone()).await.unwrap();
    let all = store.records_of_labs(labs).await.unwrap();
    let fresh = db::SummaryInput {
        visits: db::count_visits(&all),
        records: all.into_iter().filter(|r| r.kind != RecordKind::Visit).collect(),
    };
    (sort(stored), sort(fresh))
}

/// Every push keeps `visit_tallies` equal to a fresh count of the visits: new ones, resent ones,
/// deleted ones (a count that reaches 0 goes), refused ones (not counted), other kinds (ignored).
async fn visit_tallies_follow_every_push(backend: &mut Backend) {
    let store = backend.store().await;
    demo::seed(store.as_ref()).await.unwrap();
    let labs = vec![LAB_A, LAB_B];
    let a = many_visits(LAB_A, PLACE_A, 1, 30);
    let b = many_visits(LAB_B, PLACE_B, 2, 10);
    all_ok(&store.push(a.clone()).await.unwrap());
    all_ok(&store.push(b.clone()).await.unwrap());
    all_ok(&store.push(a[..5].to_vec()).await.unwrap());

    let mut clock = Hlc::new(7);
    let mut other_band = new_visit(LAB_A, PLACE_A, clock.tick(now_ms()));
    other_band.fields = visit_fields(PLACE_A, "2024-11-20", AgeBand::Age65Plus);
    let delete = |c: &labblogg_shared::sync::Change, hlc: Hlc| {
        let mut t = c.clone();
        t.change_id = Uuid::now_v7();
        t.hlc = hlc;
        t.fields = Map::new();
        t.deleted = true;
        t
    };
    let mut invalid = new_visit(LAB_A, PLACE_A, clock.tick(now_ms()));
    invalid.fields.remove("age_band");
    // Created and deleted in one batch, all of lab B's visits deleted, three of lab A's.
    let mut batch = vec![other_band.clone(), invalid, delete(&other_band, clock.tick(now_ms()))];
    batch.extend(b.iter().chain(&a[..3]).map(|c| delete(c, clock.tick(now_ms()))));
    let outcomes = store.push(batch).await.unwrap();
    assert_eq!(outcomes.iter().filter(|o| o.is_err()).count(), 1, "only the invalid visit is refused");

    let (stored, fresh) = tallies_and_fresh_count(store.as_ref(), labs.clone()).await;
    assert_eq!(stored, fresh);
    let counted: Vec<(Uuid, u64)> = stored.visits.iter().map(|t: &VisitTally| (t.key.lab_id, t.n)).collect();
    assert_eq!(counted, vec![(LAB_A, 27)], "lab B's tally went with its last visit");
    assert!(stored.records.iter().any(|r| r.kind == RecordKind::Lab), "the other records come along");
}

/// A database from before the tallies (schema 2) with visits in it: opening it with this version
/// counts them.
async fn upgrading_counts_the_visits_already_stored(backend: &mut Backend) {
    let url = backend.url().await;
    let store = db::open(&url).await.unwrap();
    demo::seed(store.as_ref()).await.unwrap();
    all_ok(&store.push(many_visits(LAB_A, PLACE_A, 1, 12)).await.unwrap());
    all_ok(&store.push(many_visits(LAB_B, PLACE_B, 2, 3)).await.unwrap());
    let (before, fresh) = tallies_and_fresh_count(store.as_ref(), vec![LAB_A, LAB_B]).await;
    assert_eq!(before, fresh);
    drop(store);
    // Undo schema steps 3 and later by hand: a database as schema 2 left it.
    let undo = "DROP TABLE visit_tallies; DROP INDEX records_lab_not_visit; DROP TABLE history;
                ALTER TABLE records DROP COLUMN restored; ALTER TABLE records DROP COLUMN created_by;
                ALTER TABLE records DROP COLUMN created_device; ALTER TABLE tokens DROP COLUMN device_name;";
    if backend.postgres {
        let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await.unwrap();
        let connection = tokio::spawn(connection);
        client.batch_execute(&format!("{undo} DELETE FROM schema_migrations WHERE version >= 3;")).await.unwrap();
        drop(client);
        let _ = connection.await;
    } else {
        let conn = rusqlite::Connection::open(url.trim_start_matches("sqlite://")).unwrap();
        // SQLite's step 6 also keeps where each visit's creation is in the history.
        conn.execute_batch(&format!("{undo} ALTER TABLE records DROP COLUMN created_seq; PRAGMA user_version = 2;"))
            .unwrap();
    }
    let store = db::open(&url).await.unwrap();
    let (after, _) = tallies_and_fresh_count(store.as_ref(), vec![LAB_A, LAB_B]).await;
    assert_eq!(after, before);
    assert_eq!(after.visits.iter().map(|t| t.n).sum::<u64>(), 15);
}

async fn migrate_data_copies_an_installation_and_verifies_it(backend: &mut Backend) {
    let mut sqlite = Backend::new(false).await.expect("sqlite");
    let from_url = sqlite.url().await;
    let source = db::open(&from_url).await.unwrap();
    demo::seed(source.as_ref()).await.unwrap();
    all_ok(&source.push(many_visits(LAB_A, PLACE_A, 3, 25)).await.unwrap());
    let mut clock = Hlc::new(9);
    let visit = new_visit(LAB_B, PLACE_B, clock.tick(now_ms()));
    let mut tombstone = visit.clone();
    tombstone.change_id = Uuid::now_v7();
    tombstone.hlc = clock.tick(now_ms());
    tombstone.fields = Map::new();
    tombstone.deleted = true;
    all_ok(&source.push(vec![visit, tombstone]).await.unwrap());
    let staff = source.user_by_name("personal").await.unwrap().unwrap();
    let t1 = source.insert_token("hash-1".into(), staff.id, Some(Uuid::now_v7())).await.unwrap();
    source.insert_token("hash-2".into(), staff.id, None).await.unwrap();
    source.revoke_token(t1).await.unwrap();
    source.touch_token(t1, 5_000_000).await.unwrap();
    source
        .audit(AuditEvent { action: AuditAction::UserCreated, actor: "cli".into(), subject: None, address: None })
        .await
        .unwrap();
    let expected = source.export_all().await.unwrap();
    assert!(expected.records.len() > 25 && expected.users.len() >= 2 && expected.tokens.len() == 2);
    let (summary_input, fresh) = tallies_and_fresh_count(source.as_ref(), vec![LAB_A, LAB_B]).await;
    assert_eq!(summary_input, fresh);
    drop(source);

    let to_url = backend.url().await;
    let command = |from: &str, to: &str| Command::MigrateData(MigrateDataArgs { from: from.into(), to: to.into() });
    let mut out = Vec::new();
    labblogg_server::cli::run(command(&from_url, &to_url), &mut std::io::empty(), &mut out).await.unwrap();
    let printed = String::from_utf8(out).unwrap();
    let hash = expected.records_hash();
    assert_eq!(printed.matches(&hash).count(), 2, "both sides' hash printed:\n{printed}");
    assert!(printed.contains(&format!("{} poster", expected.records.len())), "{printed}");

    let target = db::open(&to_url).await.unwrap();
    let copied = target.export_all().await.unwrap();
    assert_eq!(copied, expected, "every row, id, number, clock and hash comes along");
    let (copied_input, _) = tallies_and_fresh_count(target.as_ref(), vec![LAB_A, LAB_B]).await;
    assert_eq!(copied_input, summary_input, "the visits are counted on the new side too");
    let session = target.session_by_token("hash-2".into()).await.unwrap().expect("tokens still sign in");
    assert_eq!(session.user, staff);
    // New changes continue after the copied numbers, new audit lines after the copied ones.
    all_ok(&target.push(many_visits(LAB_A, PLACE_A, 4, 1)).await.unwrap());
    assert_eq!(target.top_seq().await.unwrap(), expected.top_seq + 1);
    target
        .audit(AuditEvent { action: AuditAction::SignIn, actor: "x".into(), subject: None, address: None })
        .await
        .unwrap();
    let newest = target.audit_log(None, 1).await.unwrap();
    assert!(newest[0].id > expected.audit.last().unwrap().id);

    // A second run into the now full target refuses and changes nothing.
    let err = labblogg_server::cli::run(command(&from_url, &to_url), &mut std::io::empty(), &mut Vec::new())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("inte tom"), "{err}");
    assert_eq!(target.top_seq().await.unwrap(), expected.top_seq + 1);
}

/// Many tasks push at once while a reader pulls over and over with its cursor:
/// every accepted change must reach the reader. A cursor that moved past a
/// number whose change committed later would lose that visit for good.
async fn concurrent_pushes_never_let_a_cursor_skip_a_change(backend: &mut Backend) {
    const WRITERS: u64 = 8;
    const BATCHES: usize = 12;
    const PER_BATCH: usize = 10;
    let store = backend.store().await;
    let done = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let (store, done) = (store.clone(), done.clone());
        writers.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            for b in 0..BATCHES {
                let batch = many_visits(LAB_A, PLACE_A, 100 + w * 100 + b as u64, PER_BATCH);
                ids.extend(batch.iter().map(|c| c.id));
                all_ok(&store.push(batch).await.unwrap());
            }
            done.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            ids
        }));
    }
    let mut cursor = 0;
    let mut seen = HashSet::new();
    let mut pulls = 0;
    loop {
        let finished = done.load(std::sync::atomic::Ordering::SeqCst) == WRITERS as usize;
        let page = store.pull(vec![LAB_A], cursor, 7).await.unwrap();
        pulls += 1;
        for r in &page.records {
            assert!(r.seq > cursor, "seq {} at or before cursor {cursor}", r.seq);
            cursor = r.seq;
            assert!(seen.insert(r.state.id), "pulled twice");
        }
        assert!(page.cursor >= cursor);
        cursor = page.cursor;
        if finished && !page.more {
            break;
        }
        if !page.more {
            tokio::task::yield_now().await;
        }
    }
    let mut pushed = HashSet::new();
    for w in writers {
        pushed.extend(w.await.unwrap());
    }
    assert_eq!(pushed.len(), WRITERS as usize * BATCHES * PER_BATCH);
    let missing = pushed.difference(&seen).count();
    assert_eq!(missing, 0, "{missing} changes skipped by the cursor after {pulls} pulls");
    assert_eq!(seen.len(), pushed.len());
    assert_eq!(cursor, store.top_seq().await.unwrap());
}

/// A change to a good example of `lab`, setting `fields`.
fn example_change(id: Uuid, lab: Uuid, hlc: Hlc, fields: serde_json::Value) -> labblogg_shared::sync::Change {
    labblogg_shared::sync::Change {
        change_id: Uuid::now_v7(),
        kind: RecordKind::GoodExample,
        id,
        lab_id: lab,
        hlc,
        fields: fields.as_object().cloned().unwrap_or_default(),
        deleted: false,
        restore: false,
    }
}

async fn published_knowledge_reaches_every_lab_drafts_only_their_own(backend: &mut Backend) {
    let store = backend.store().await;
    let mut clock = Hlc::new(9);
    let example = |title: &str, review: &str| {
        serde_json::json!({"title": title, "organisation": "Telge Bostäder", "focus_areas": ["crime"],
            "what_was_done": "Öppet två kvällar i veckan.", "review": review})
    };
    let (published, draft, later) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    all_ok(
        &store
            .push(vec![
                example_change(published, LAB_A, clock.tick(now_ms()), example("Mötesplats för unga", "published")),
                example_change(draft, LAB_A, clock.tick(now_ms()), example("Utkast", "draft")),
                example_change(later, LAB_A, clock.tick(now_ms()), example("Skickas snart", "submitted")),
            ])
            .await
            .unwrap(),
    );
    all_ok(&store.push(many_visits(LAB_A, PLACE_A, 3, 2)).await.unwrap());

    let ids = |page: &db::PullPage| page.records.iter().map(|r| r.state.id).collect::<HashSet<_>>();
    // Lab B's device: the published example only, none of lab A's visits or drafts.
    let b = store.pull_visible(vec![LAB_B], true, 0, 1000).await.unwrap();
    assert_eq!(ids(&b), HashSet::from([published]));
    assert_eq!(b.cursor, 5, "the cursor still skips everything else");
    // Without the shared knowledge (researchers, summaries): nothing.
    assert!(store.pull_visible(vec![LAB_B], false, 0, 1000).await.unwrap().records.is_empty());
    assert!(store.pull(vec![LAB_B], 0, 1000).await.unwrap().records.is_empty());
    // Lab A's device: all of its own.
    assert_eq!(store.pull_visible(vec![LAB_A], true, 0, 1000).await.unwrap().records.len(), 5);

    // Publishing the proposal, withdrawing the example and deleting a
    // published one all reach lab B's device past its cursor.
    let cursor = b.cursor;
    all_ok(
        &store
            .push(vec![
                example_change(later, LAB_A, clock.tick(now_ms()), serde_json::json!({"review": "published"})),
                example_change(published, LAB_A, clock.tick(now_ms()), serde_json::json!({"review": "withdrawn"})),
                example_change(draft, LAB_A, clock.tick(now_ms()), serde_json::json!({"title": "Fortfarande utkast"})),
            ])
            .await
            .unwrap(),
    );
    let b = store.pull_visible(vec![LAB_B], true, cursor, 1000).await.unwrap();
    assert_eq!(ids(&b), HashSet::from([published, later]));
    let withdrawn = b.records.iter().find(|r| r.state.id == published).unwrap();
    assert_eq!(withdrawn.state.fields["review"], "withdrawn");
    let mut tombstone = example_change(later, LAB_A, clock.tick(now_ms()), serde_json::json!({}));
    tombstone.deleted = true;
    all_ok(&store.push(vec![tombstone]).await.unwrap());
    let b = store.pull_visible(vec![LAB_B], true, b.cursor, 1000).await.unwrap();
    assert_eq!(b.records.len(), 1);
    assert!(b.records[0].state.deleted.is_some(), "the deletion of a published example travels");

    // The personal-data guard holds at publish, in the store itself.
    let leaky = Uuid::now_v7();
    let mut fields = example("Ring oss", "published");
    fields["contact_role"] = "Ring 070-123 45 67".into();
    let outcomes = store.push(vec![example_change(leaky, LAB_A, clock.tick(now_ms()), fields)]).await.unwrap();
    let refusal = outcomes[0].as_ref().unwrap_err();
    assert_eq!(refusal.code, RejectCode::Validation);
    assert!(refusal.message.contains("telefonnummer"), "{}", refusal.message);
}

/// The decoy of issue #17: a meeting place sent with another lab's place id is refused, and a
/// visit at that place later in the same batch must be refused too (before, the refused decoy
/// still counted as an existing record for it).
async fn a_refused_decoy_is_never_a_reference(backend: &mut Backend) {
    use labblogg_server::push::Pusher;
    let store = backend.store().await;
    demo::seed(store.as_ref()).await.unwrap();
    let user = store.user_by_name("samordnare").await.unwrap().unwrap();
    let mut clock = Hlc::new(5);
    let decoy = labblogg_shared::sync::Change {
        change_id: Uuid::now_v7(),
        kind: RecordKind::MeetingPlace,
        id: PLACE_B,   // Portalen's place…
        lab_id: LAB_A, // …sent as Lina Hage's
        hlc: clock.tick(now_ms()),
        fields: serde_json::from_value(serde_json::json!({"name": "Lockbete", "age_bands": ["13-15"]})).unwrap(),
        deleted: false,
        restore: false,
    };
    let visit = new_visit(LAB_A, PLACE_B, clock.tick(now_ms()));
    let top = store.top_seq().await.unwrap();
    let outcomes =
        store.push_as(vec![decoy, visit.clone()], Pusher::User { user, device: None }, now_ms()).await.unwrap();
    let codes: Vec<Option<RejectCode>> = outcomes.iter().map(|o| o.as_ref().err().map(|r| r.code)).collect();
    assert_eq!(codes, [Some(RejectCode::Conflict), Some(RejectCode::Validation)]);
    assert!(store.record(visit.id).await.unwrap().is_none());
    assert_eq!(store.top_seq().await.unwrap(), top, "nothing numbered");
    assert_eq!(store.record(PLACE_B).await.unwrap().unwrap().lab_id, LAB_B);
}

async fn history_keeps_every_accepted_change_and_finds_deletions(backend: &mut Backend) {
    use labblogg_server::push::{Operation, Pusher};
    let store = backend.store().await;
    demo::seed(store.as_ref()).await.unwrap();
    let staff = store.user_by_name("personal").await.unwrap().unwrap();
    let device = Uuid::now_v7();
    let by = Pusher::User { user: staff.clone(), device: Some(device) };
    let mut clock = Hlc::new(6);
    let visit = new_visit(LAB_A, PLACE_A, clock.tick(now_ms()));
    let mut again = visit.clone();
    again.change_id = Uuid::now_v7();
    let started = now_ms();
    all_ok(&store.push_as(vec![visit.clone(), again], by.clone(), now_ms()).await.unwrap());
    let mut delete = visit.clone();
    delete.change_id = Uuid::now_v7();
    delete.hlc = clock.tick(now_ms());
    delete.fields = Map::new();
    delete.deleted = true;
    all_ok(&store.push_as(vec![delete], by, now_ms()).await.unwrap());
    let history = store.history(visit.id).await.unwrap();
    // The resent copy added nothing, so it is not in the history.
    assert_eq!(history.iter().map(|h| h.op).collect::<Vec<_>>(), [Operation::Create, Operation::Delete]);
    assert!(history.iter().all(|h| h.user_id == Some(staff.id) && h.device_id == Some(device) && h.lab_id == LAB_A));
    assert_eq!(history[0].fields, visit.fields);
    assert!(history[0].number < history[1].number, "sequence numbers in order");
    let found = store.deleted_since(Some(vec![LAB_A]), Some(device), None, started).await.unwrap();
    assert_eq!(found.iter().map(|r| r.id).collect::<Vec<_>>(), [visit.id]);
    assert!(store.deleted_since(Some(vec![LAB_B]), Some(device), None, started).await.unwrap().is_empty());
    assert!(store.deleted_since(None, Some(Uuid::now_v7()), None, started).await.unwrap().is_empty());
    assert_eq!(store.deleted_since(None, None, Some(staff.id), started).await.unwrap().len(), 1);
    // migrate-data carries the history.
    let snapshot = store.export_all().await.unwrap();
    assert_eq!(snapshot.history.iter().filter(|h| h.record_id == visit.id).count(), 2);
    assert!(snapshot.creators.iter().any(|&(id, by, d)| id == visit.id && by == Some(staff.id) && d == Some(device)));
    // …and a copy on SQLite (where a visit's creation row is found from its record) answers the same.
    let mut copy = Backend::new(false).await.expect("sqlite");
    let copied = copy.store().await;
    copied.import_all(snapshot).await.unwrap();
    assert_eq!(copied.history(visit.id).await.unwrap(), history);
}

/// `count_visible_after` (`GET /api/v1/sync/backlog`) counts exactly the
/// records the pulls from that cursor bring, on both backends.
async fn backlog_counts_what_a_pull_brings(backend: &mut Backend) {
    let store = backend.store().await;
    let mut clock = Hlc::new(11);
    let example = |review: &str| {
        serde_json::json!({"title": "Läxhjälp", "organisation": "Telge Bostäder", "focus_areas": ["crime"],
            "what_was_done": "Varje måndag.", "review": review})
    };
    all_ok(
        &store
            .push(vec![
                example_change(Uuid::now_v7(), LAB_A, clock.tick(now_ms()), example("published")),
                example_change(Uuid::now_v7(), LAB_A, clock.tick(now_ms()), example("draft")),
            ])
            .await
            .unwrap(),
    );
    all_ok(&store.push(many_visits(LAB_A, PLACE_A, 3, 7)).await.unwrap());
    all_ok(&store.push(many_visits(LAB_B, PLACE_B, 5, 4)).await.unwrap());
    let pulled = |labs: Vec<Uuid>, shared: bool, cursor: u64| {
        let store = store.clone();
        async move {
            let (mut cursor, mut n) = (cursor, 0u64);
            loop {
                let page = store.pull_visible(labs.clone(), shared, cursor, 3).await.unwrap();
                n += page.records.len() as u64;
                if !page.more {
                    return n;
                }
                cursor = page.cursor;
            }
        }
    };
    for (labs, shared, cursor) in [
        (vec![LAB_A], true, 0),
        (vec![LAB_B], true, 0),
        (vec![LAB_B], false, 0),
        (vec![LAB_A, LAB_B], true, 0),
        (vec![LAB_A], true, 4),
        (vec![], true, 0),
        (vec![LAB_B], true, 1_000_000),
    ] {
        let counted = store.count_visible_after(labs.clone(), shared, cursor).await.unwrap();
        assert_eq!(counted, pulled(labs.clone(), shared, cursor).await, "{labs:?} shared {shared} from {cursor}");
    }
    assert_eq!(store.count_visible_after(vec![LAB_A], true, 0).await.unwrap(), 9, "two examples, seven visits");
    assert_eq!(store.count_visible_after(vec![LAB_B], true, 0).await.unwrap(), 5, "four visits, one published example");
}
