//! The summary of 1,000,000 visits in the browser, run by `cargo xtask bench summary` (never by
//! `cargo xtask test`: the test is `#[ignore]`d). A test binary of its own, apart from
//! `bench.rs`, so a change in `shared::summary` cannot stop the other browser benchmarks.
//!
//! The local database is filled with one lab's year of visits straight through IndexedDB (rows
//! exactly as `store.rs` writes them), then the app's own path is timed: `store::records_in_labs`,
//! `Dataset::from_states`, `summary::lab_report`. Prints `BENCH {json}` lines.

use js_sys::{Function, Promise, Reflect};
use labblogg_frontend::store;
use labblogg_shared::summary::{self, Dataset, Period};
use labblogg_shared::sync::ServerRecord;
use labblogg_shared::{Hlc, RecordKind};
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

/// Writes `n` visit rows of Lina Hage's place over 2026 into the store's schema, 10,000 per
/// transaction; resolves to the milliseconds it took.
const FILL: &str = r#"
const [name, n] = arguments;
const req = (r) => new Promise((ok, err) => { r.onsuccess = () => ok(r.result); r.onerror = () => err(r.error); });
const done = (tx) => new Promise((ok, err) => { tx.oncomplete = ok; tx.onerror = () => err(tx.error); tx.onabort = () => err(tx.error); });
const pad = (x, w) => String(x).padStart(w, '0');
const LAB = '01900000-0000-7000-8000-000000000004', PLACE = '01900000-0000-7000-8000-000000000104';
const BANDS = ['6-12', '13-15'], START = Date.UTC(2026, 0, 1, 16);
return (async () => {
  const open = indexedDB.open(name);
  const db = await req(open);
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
fn lab_and_place() -> Vec<ServerRecord> {
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
        };
        let state = labblogg_shared::apply_change(None, &change).expect("valid").expect("new");
        ServerRecord { seq: 1, state }
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
    store::use_database(DB).await.expect("open");
    store::apply_sync(
        store::SyncOutcome { accepted: vec![], rejected: vec![], records: lab_and_place(), cursor: 1, server_time_ms: 0, clock_offset_ms: 0 },
        0,
    )
    .await
    .expect("lab and place");
    let fill: Function = Function::new_no_args(FILL);
    let promise: Promise = fill.call2(&JsValue::NULL, &DB.into(), &(VISITS as f64).into()).expect("fill").unchecked_into();
    let fill_ms = JsFuture::from(promise).await.expect("filling IndexedDB").as_f64().unwrap_or(f64::NAN);
    report(json!({"name": "summary.browser.fill", "visits": VISITS, "ms": fill_ms}));

    let t0 = now();
    let states = store::records_in_labs(&[LAB]).await.expect("read");
    let read_ms = now() - t0;
    let after_read = memory();
    let t1 = now();
    let ds = Dataset::from_states(&states);
    let dataset_ms = now() - t1;
    let t2 = now();
    let report_of = summary::lab_report(&ds, LAB, &Period::new("2026-01-01", "2026-12-31"), "2026-12-31");
    let summary_ms = now() - t2;
    let total = now() - t0;
    assert_eq!(states.len(), VISITS + 2, "records read");
    let found = report_of.is_some();
    let text = report_of.map(|r| serde_json::to_string(&r).map(|s| s.len()).unwrap_or(0));
    let mut v = json!({
        "name": "summary.browser", "unit": "ms", "visits": VISITS, "ms": total,
        "read_ms": read_ms, "dataset_ms": dataset_ms, "summary_ms": summary_ms,
        "report_json_bytes": text, "memory_after_read": after_read, "memory_at_end": memory(),
        "how": "store::records_in_labs + Dataset::from_states + summary::lab_report for one lab's year",
    });
    if !found {
        v = json!({"name": "summary.browser", "not_measured": "lab_report found no lab in the data (the record shapes changed?)"});
    }
    report(v);
    drop(states);
    store::delete_database(DB).await.expect("delete");
}
