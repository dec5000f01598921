//! The summary of 1,000,000 visits in the browser, run by `cargo xtask bench summary` (never by
//! `cargo xtask test`: the test is `#[ignore]`d). A test binary of its own, apart from
//! `bench.rs`, so a change in `shared::summary` cannot stop the other browser benchmarks.
//!
//! A schema v2 database (before visit tallies) is filled with one lab's year of visits straight
//! through IndexedDB (rows exactly as `store.rs` writes them), then opened by the app: the v3
//! upgrade counts the stored visits into tallies once, and that is timed. Then the app's own
//! summary path is timed: `store::summary_input` (the lab's records other than visits, and its
//! visit tallies), `Dataset::from_states_and_tallies`, `summary::lab_report`. Prints `BENCH
//! {json}` lines.

use js_sys::{Function, Promise, Reflect};
use labblogg_frontend::store;
use labblogg_shared::summary::{self, Dataset, Period};
use labblogg_shared::{Hlc, RecordKind, RecordState};
use serde_json::json;
use uuid::Uuid;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const VISITS: usize = 1_000_000;
const DB: &str = "bench-summary";
const LAB: Uuid = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0004);
const PLACE: Uuid = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0104);

/// Makes database `name` as schema v2 made it (v1's stores and indexes and the outbox's `waiting`
/// index), puts the rows `extra` in it, then writes `n` visit rows of Lina Hage's place over 2026,
/// 10,000 per transaction; resolves to the milliseconds the visits took.
const FILL: &str = r#"
const [name, n, extra] = arguments;
const req = (r) => new Promise((ok, err) => { r.onsuccess = () => ok(r.result); r.onerror = () => err(r.error); });
const done = (tx) => new Promise((ok, err) => { tx.oncomplete = ok; tx.onerror = () => err(tx.error); tx.onabort = () => err(tx.error); });
const pad = (x, w) => String(x).padStart(w, '0');
const LAB = '01900000-0000-7000-8000-000000000004', PLACE = '01900000-0000-7000-8000-000000000104';
const BANDS = ['6-12', '13-15'], START = Date.UTC(2026, 0, 1, 16);
return (async () => {
  const open = indexedDB.open(name, 2);
  open.onupgradeneeded = () => {
    const db = open.result;
    const records = db.createObjectStore('records', { keyPath: 'id' });
    records.createIndex('kind_lab', ['kind', 'lab']);
    records.createIndex('kind_place_date_live', ['kind', 'place', 'date', 'live']);
    db.createObjectStore('outbox', { keyPath: 'seq', autoIncrement: true }).createIndex('waiting', 'waiting');
    db.createObjectStore('meta');
  };
  const db = await req(open);
  const first = db.transaction(['records'], 'readwrite');
  for (const row of extra) first.objectStore('records').put(row);
  await done(first);
  const t0 = performance.now();
  for (let from = 0; from < n; from += 10000) {
    const tx = db.transaction(['records'], 'readwrite');
    const records = tx.objectStore('records');
    for (let i = from; i < Math.min(n, from + 10000); i++) {
      const day = i % 365, at = START + day * 86400000 + (i % 240) * 60000;
      const d = new Date(at), date = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
      const fields = { meeting_place_id: PLACE, at_ms: at, date, age_band: BANDS[i % 2], first_visit: i % 7 === 0 };
      const stamp = pad(at, 15) + '-' + pad(i % 1000, 10) + '-' + pad('abc', 16);
      const clocks = {};
      for (const k of Object.keys(fields).sort()) clocks[k] = stamp;
      const id = crypto.randomUUID();
      records.put({ id, kind: 'visit', lab: LAB, place: PLACE, date, live: 1,
                    body: JSON.stringify({ kind: 'visit', id, lab_id: LAB, fields, clocks }) });
    }
    await done(tx);
  }
  db.close();
  return performance.now() - t0;
})();
"#;

fn now() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or_else(js_sys::Date::now)
}

fn report(value: serde_json::Value) {
    console_log!("BENCH {value}");
}

/// The wasm instance's memory and the page's JS heap (Chrome's `performance.memory`), in bytes.
fn memory() -> serde_json::Value {
    let wasm = wasm_bindgen::memory()
        .dyn_into::<js_sys::WebAssembly::Memory>()
        .ok()
        .and_then(|m| Reflect::get(&m.buffer(), &"byteLength".into()).ok())
        .and_then(|v| v.as_f64());
    let js = web_sys::window()
        .and_then(|w| w.performance())
        .and_then(|p| Reflect::get(&p, &"memory".into()).ok())
        .and_then(|m| Reflect::get(&m, &"usedJSHeapSize".into()).ok())
        .and_then(|v| v.as_f64());
    json!({"wasm_memory_bytes": wasm, "js_heap_bytes": js})
}

/// The lab and its meeting place, as a pull would bring them.
fn lab_and_place() -> Vec<RecordState> {
    let record = |kind: RecordKind, id: Uuid, fields: serde_json::Value| {
        let serde_json::Value::Object(fields) = fields else { unreachable!("fields are an object") };
        let change = labblogg_shared::Change {
            change_id: Uuid::now_v7(),
            kind,
            id,
            lab_id: LAB,
            hlc: Hlc { ms: 1_704_067_200_000, counter: 0, node: 0 },
            fields,
            deleted: false,
            restore: false,
        };
        labblogg_shared::apply_change(None, &change).expect("valid").expect("new")
    };
    vec![
        record(
            RecordKind::Lab,
            LAB,
            json!({"name": "Lina Hage", "city": "Södertälje", "organisation": "Telge Bostäder",
                   "focus_areas": ["crime", "school_results"], "question": "Hur?", "description": ""}),
        ),
        record(
            RecordKind::MeetingPlace,
            PLACE,
            json!({"name": "Lina Hage mötesplats", "opening_hours": [], "target_group": "Ungdomar under 16 år",
                   "age_bands": ["6-12", "13-15"]}),
        ),
    ]
}

#[wasm_bindgen_test]
#[ignore = "benchmark: run by `cargo xtask bench`"]
async fn summary_of_a_million_visits() {
    store::delete_database(DB).await.expect("delete");
    let extra: js_sys::Array = lab_and_place().iter().map(|s| store::record_to_js(s).expect("row")).collect();
    let fill: Function = Function::new_no_args(FILL);
    let promise: Promise =
        fill.call3(&JsValue::NULL, &DB.into(), &(VISITS as f64).into(), &extra).expect("fill").unchecked_into();
    let fill_ms = JsFuture::from(promise).await.expect("filling IndexedDB").as_f64().unwrap_or(f64::NAN);
    report(json!({"name": "summary.browser.fill", "visits": VISITS, "ms": fill_ms}));

    // Opening the v2 database runs the v3 upgrade: every stored visit counted into tallies, once.
    let t = now();
    store::use_database(DB).await.expect("open and upgrade");
    let count_ms = now() - t;

    let t0 = now();
    let (states, tallies) = store::summary_input(&[LAB]).await.expect("read");
    let read_ms = now() - t0;
    let after_read = memory();
    let tally_rows = tallies.len();
    let t1 = now();
    let ds = Dataset::from_states_and_tallies(&states, tallies);
    let dataset_ms = now() - t1;
    let t2 = now();
    let report_of = summary::lab_report(&ds, LAB, &Period::new("2026-01-01", "2026-12-31"), "2026-12-31");
    let summary_ms = now() - t2;
    let total = now() - t0;
    assert_eq!(states.len(), 2, "the lab and its place");
    assert_eq!(ds.visits.iter().map(|t| t.n).sum::<u64>(), VISITS as u64, "every visit counted once");
    let found = report_of.is_some();
    let text = report_of.map(|r| serde_json::to_string(&r).map(|s| s.len()).unwrap_or(0));
    let mut v = json!({
        "name": "summary.browser", "unit": "ms", "visits": VISITS, "ms": total,
        "read_ms": read_ms, "dataset_ms": dataset_ms, "summary_ms": summary_ms,
        "count_ms": count_ms, "tallies": tally_rows,
        "report_json_bytes": text, "memory_after_read": after_read, "memory_at_end": memory(),
        "how": "store::summary_input + Dataset::from_states_and_tallies + summary::lab_report for one lab's year; count_ms: the one-time v3 upgrade counting the stored visits into tallies",
    });
    if !found {
        v = json!({"name": "summary.browser", "not_measured": "lab_report found no lab in the data (the record shapes changed?)"});
    }
    report(v);
    drop(ds);
    store::delete_database(DB).await.expect("delete");
}
