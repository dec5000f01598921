//! Benchmarks in headless Chromium, run by `cargo xtask bench` (never by `cargo xtask test`:
//! every test here is `#[ignore]`d). Each prints its measurements as lines
//! `BENCH {"name": …}` that the xtask collects; the goals and the table live in the xtask.
//!
//! The raw-JavaScript baselines run in the same page, with the same IndexedDB schema, rows
//! and transaction scope, through `js_sys::Function`. Ours and theirs alternate, so a busy
//! machine slows both alike. Every run uses databases of its own, deleted first.

use js_sys::{Array, Function, Object, Promise, Reflect};
use labblogg_frontend::store;
use labblogg_shared::sync::ServerRecord;
use labblogg_shared::{AgeBand, Change, Hlc, RecordKind, RecordState, Visit};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use uuid::Uuid;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Records already stored when the taps are timed (issue 4: a tablet after a few years).
const STORED: usize = 50_000;
const TAPS: usize = 500;
const WARMUP_TAPS: usize = 20;
const BULK: usize = 10_000;
const BULK_RUNS: usize = 3;
/// Records encoded and decoded per codec variant.
const CODEC_RECORDS: usize = 10_000;

const LAB: Uuid = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0004);
const PLACES: [Uuid; 4] = [
    Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0101),
    Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0102),
    Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0103),
    Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0104),
];
const BASE_MS: u64 = 1_700_000_000_000;

// ---------------------------------------------------------------------------------------------
// Reporting

fn now() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or_else(js_sys::Date::now)
}

fn report(value: Value) {
    console_log!("BENCH {value}");
}

/// Nearest-rank percentile of sorted samples.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn stats(name: &str, mut samples: Vec<f64>, extra: Value) -> Value {
    samples.sort_by(f64::total_cmp);
    let mean = samples.iter().sum::<f64>() / samples.len() as f64;
    let mut v = json!({
        "name": name, "unit": "ms", "n": samples.len(),
        "p50": percentile(&samples, 50.0), "p95": percentile(&samples, 95.0),
        "p99": percentile(&samples, 99.0), "mean": mean,
        "min": samples.first(), "max": samples.last(),
    });
    if let (Value::Object(v), Value::Object(extra)) = (&mut v, extra) {
        v.extend(extra);
    }
    v
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

// ---------------------------------------------------------------------------------------------
// Data: visits as the counter makes them, spread over places, dates and age bands.

fn visit_fields(i: usize) -> Map<String, Value> {
    let day = (i / 40) % 730;
    let v = Visit {
        meeting_place_id: PLACES[i % PLACES.len()],
        at_ms: (BASE_MS + (day as u64) * 86_400_000 + (i as u64 % 40) * 60_000) as i64,
        date: format!("{:04}-{:02}-{:02}", 2024 + day / 365, 1 + (day % 365) / 31, 1 + (day % 365) % 28),
        age_band: AgeBand::ALL[i % AgeBand::ALL.len()],
        gender: None,
        first_visit: i.is_multiple_of(7),
    };
    match serde_json::to_value(v) {
        Ok(Value::Object(m)) => m,
        _ => unreachable!("a visit serialises to an object"),
    }
}

fn visit_state(i: usize) -> RecordState {
    let change = Change {
        change_id: Uuid::now_v7(),
        kind: RecordKind::Visit,
        id: Uuid::now_v7(),
        lab_id: LAB,
        hlc: Hlc { ms: BASE_MS + i as u64, counter: 0, node: 0xabc },
        fields: visit_fields(i),
        deleted: false,
        restore: false,
    };
    labblogg_shared::apply_change(None, &change).expect("valid visit").expect("new record")
}

/// Fill the store in use with `n` records as a pull from the server would.
async fn prefill_ours(n: usize) {
    let mut done = 0;
    while done < n {
        let chunk = (n - done).min(5_000);
        let records = (done..done + chunk).map(|i| ServerRecord { seq: i as u64 + 1, state: visit_state(i) }).collect();
        store::apply_sync(
            store::SyncOutcome {
                accepted: vec![],
                rejected: vec![],
                records,
                cursor: (done + chunk) as u64,
                server_time_ms: BASE_MS,
                clock_offset_ms: 0,
            },
            BASE_MS,
        )
        .await
        .expect("prefill");
        done += chunk;
    }
}

// ---------------------------------------------------------------------------------------------
// The JavaScript side: a harness object whose methods return promises.

/// Raw IndexedDB in plain JavaScript: the same stores, indexes (schema v2) and row shapes as `store.rs`
/// (a record row is its indexed columns plus the record as one JSON string), default
/// durability, no library.
const JS_HARNESS: &str = r#"
const req = (r) => new Promise((ok, err) => { r.onsuccess = () => ok(r.result); r.onerror = () => err(r.error); });
const done = (tx) => new Promise((ok, err) => {
  tx.oncomplete = () => ok(); tx.onerror = () => err(tx.error); tx.onabort = () => err(tx.error || new Error('aborted'));
});
const pad = (n, w) => String(n).padStart(w, '0');
const LAB = '01900000-0000-7000-8000-000000000004';
const PLACES = ['01900000-0000-7000-8000-000000000101', '01900000-0000-7000-8000-000000000102',
                '01900000-0000-7000-8000-000000000103', '01900000-0000-7000-8000-000000000104'];
const BANDS = ['0-5', '6-12', '13-15', '16-19', '20-25', '26-64', '65+'];
const BASE_MS = 1700000000000;
let counter = 0;
const hlc = (ms) => pad(ms, 15) + '-' + pad(counter++, 10) + '-' + pad('abc', 16);
function visit(i) {
  const day = Math.floor(i / 40) % 730;
  const date = pad(2024 + Math.floor(day / 365), 4) + '-' + pad(1 + Math.floor((day % 365) / 31), 2) + '-' + pad(1 + (day % 365) % 28, 2);
  const fields = { meeting_place_id: PLACES[i % 4], at_ms: BASE_MS + day * 86400000 + (i % 40) * 60000, date,
                   age_band: BANDS[i % 7], first_visit: i % 7 === 0 };
  const stamp = hlc(BASE_MS + i);
  const clocks = {};
  for (const k of Object.keys(fields).sort()) clocks[k] = stamp;
  const id = crypto.randomUUID();
  const state = { kind: 'visit', id, lab_id: LAB, fields, clocks };
  const record = { id, kind: 'visit', lab: LAB, place: fields.meeting_place_id, date, live: 1, body: JSON.stringify(state) };
  const change = { change_id: crypto.randomUUID(), kind: 'visit', id, lab_id: LAB, hlc: stamp, fields };
  return { record, outbox: { record_id: id, body: JSON.stringify(change), waiting: 1 }, clock: JSON.stringify(stamp) };
}
async function fresh(name) {
  await req(indexedDB.deleteDatabase(name));
  const open = indexedDB.open(name, 1);
  open.onupgradeneeded = () => {
    const db = open.result;
    const records = db.createObjectStore('records', { keyPath: 'id' });
    records.createIndex('kind_lab', ['kind', 'lab']);
    records.createIndex('kind_place_date_live', ['kind', 'place', 'date', 'live']);
    db.createObjectStore('outbox', { keyPath: 'seq', autoIncrement: true }).createIndex('waiting', 'waiting');
    db.createObjectStore('meta');
  };
  return await req(open);
}
let db = null;
return {
  async open(name, stored) {
    if (db) db.close();
    db = await fresh(name);
    for (let from = 0; from < stored; from += 5000) {
      const tx = db.transaction(['records'], 'readwrite');
      const records = tx.objectStore('records');
      for (let i = from; i < Math.min(stored, from + 5000); i++) records.put(visit(i).record);
      await done(tx);
    }
    return true;
  },
  // One tap: the record, its outbox entry and the clock, in one transaction.
  async tap(i) {
    const t0 = performance.now();
    const v = visit(i);
    const tx = db.transaction(['records', 'outbox', 'meta'], 'readwrite');
    tx.objectStore('records').put(v.record);
    tx.objectStore('outbox').put(v.outbox);
    tx.objectStore('meta').put(v.clock, 'hlc');
    await done(tx);
    return performance.now() - t0;
  },
  // `n` records and their outbox entries in one transaction.
  async bulk(n, from) {
    const t0 = performance.now();
    const tx = db.transaction(['records', 'outbox', 'meta'], 'readwrite');
    const records = tx.objectStore('records'), outbox = tx.objectStore('outbox');
    let last = null;
    for (let i = from; i < from + n; i++) {
      const v = visit(i);
      records.put(v.record);
      outbox.put(v.outbox);
      last = v.clock;
    }
    tx.objectStore('meta').put(last, 'hlc');
    await done(tx);
    return performance.now() - t0;
  },
  // Store prepared rows in a scratch store and read them all back: the storage half of a codec.
  async roundTrip(name, rows) {
    await req(indexedDB.deleteDatabase(name));
    const open = indexedDB.open(name, 1);
    open.onupgradeneeded = () => open.result.createObjectStore('rows', { keyPath: 'id' });
    const scratch = await req(open);
    const t0 = performance.now();
    const tx = scratch.transaction(['rows'], 'readwrite');
    const store = tx.objectStore('rows');
    for (const row of rows) store.put(row);
    await done(tx);
    const t1 = performance.now();
    const all = await req(scratch.transaction(['rows']).objectStore('rows').getAll());
    const t2 = performance.now();
    scratch.close();
    await req(indexedDB.deleteDatabase(name));
    return { put_ms: t1 - t0, get_ms: t2 - t1, rows: all };
  },
  async close(name) {
    if (db) { db.close(); db = null; }
    await req(indexedDB.deleteDatabase(name));
    return true;
  },
};
"#;

struct Js(Object);

impl Js {
    fn new() -> Js {
        let make = Function::new_no_args(JS_HARNESS);
        Js(make.call0(&JsValue::NULL).expect("harness builds").unchecked_into())
    }

    async fn try_call(&self, method: &str, args: &[JsValue]) -> Result<JsValue, JsValue> {
        let f: Function = Reflect::get(&self.0, &method.into())?.dyn_into()?;
        let promise: Promise = f.apply(&self.0, &args.iter().collect::<Array>())?.dyn_into()?;
        JsFuture::from(promise).await
    }

    async fn call(&self, method: &str, args: &[JsValue]) -> JsValue {
        self.try_call(method, args).await.unwrap_or_else(|e| panic!("{method}: {e:?}"))
    }

    async fn ms(&self, method: &str, args: &[JsValue]) -> f64 {
        self.call(method, args).await.as_f64().expect("a duration")
    }
}

// ---------------------------------------------------------------------------------------------
// 1. Local writes (issue 4's figure and issue 8)

#[wasm_bindgen_test]
#[ignore = "benchmark: run by `cargo xtask bench`"]
async fn local_write() {
    let window = web_sys::window().expect("window");
    report(json!({
        "name": "browser",
        "user_agent": window.navigator().user_agent().unwrap_or_default(),
        "cross_origin_isolated": Reflect::get(&window, &"crossOriginIsolated".into()).ok().and_then(|v| v.as_bool()),
        // The library's `#[wasm_bindgen(start)]` must not have mounted the app (its sync
        // engine would run beside the benchmark).
        "app_mounted": window.document().and_then(|d| d.query_selector("main, .topbar").ok().flatten()).is_some(),
    }));
    let js = Js::new();

    // --- taps on a store that holds 50,000 records ---
    let (ours_db, js_db) = ("bench-tap-ours", "bench-tap-js");
    store::delete_database(ours_db).await.expect("delete");
    store::use_database(ours_db).await.expect("open");
    let t0 = now();
    prefill_ours(STORED).await;
    let prefill_ours_ms = now() - t0;
    let t0 = now();
    js.call("open", &[js_db.into(), (STORED as f64).into()]).await;
    let prefill_js_ms = now() - t0;
    report(json!({"name": "write.prefill", "records": STORED, "ours_ms": prefill_ours_ms, "js_ms": prefill_js_ms}));

    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for i in 0..WARMUP_TAPS + TAPS {
        let n = STORED + i;
        let t0 = now();
        let fields = visit_fields(n);
        store::write(RecordKind::Visit, Uuid::now_v7(), LAB, fields, false, js_sys::Date::now() as u64)
            .await
            .expect("write");
        let ours_ms = now() - t0;
        let js_ms = js.ms("tap", &[(n as f64).into()]).await;
        if i >= WARMUP_TAPS {
            ours.push(ours_ms);
            theirs.push(js_ms);
        }
    }
    let outbox = store::outbox_len().await.expect("outbox");
    assert_eq!(outbox as usize, WARMUP_TAPS + TAPS, "every tap queued once");
    report(stats("write.tap.ours", ours, json!({"stored": STORED})));
    report(stats("write.tap.js", theirs, json!({"stored": STORED})));

    // --- where a tap's time goes: Rust↔JS conversion of what it stores ---
    let state = visit_state(1);
    let change = Change {
        change_id: Uuid::now_v7(),
        kind: RecordKind::Visit,
        id: state.id,
        lab_id: LAB,
        hlc: Hlc { ms: BASE_MS, counter: 1, node: 0xabc },
        fields: state.fields.clone(),
        deleted: false,
        restore: false,
    };
    let reps = 2_000;
    let t0 = now();
    for _ in 0..reps {
        std::hint::black_box(store::record_to_js(std::hint::black_box(&state)).expect("encode"));
    }
    let record_us = (now() - t0) * 1000.0 / reps as f64;
    let t0 = now();
    for _ in 0..reps {
        std::hint::black_box(store::outbox_to_js(std::hint::black_box(&change)).expect("encode"));
    }
    let outbox_us = (now() - t0) * 1000.0 / reps as f64;
    let t0 = now();
    for _ in 0..reps {
        std::hint::black_box(serde_json::to_string(std::hint::black_box(&state)).expect("json"));
    }
    let body_json_us = (now() - t0) * 1000.0 / reps as f64;
    report(json!({
        "name": "write.tap.conversion", "unit": "us",
        "record_row_us": record_us, "outbox_row_us": outbox_us, "of_which_body_json_us": body_json_us,
        "per_tap_us": record_us + outbox_us,
    }));
    js.call("close", &[js_db.into()]).await;
    store::delete_database(ours_db).await.expect("delete");

    // --- 10,000 records in one transaction ---
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for run in 0..BULK_RUNS {
        let (ours_db, js_db) = (format!("bench-bulk-ours-{run}"), format!("bench-bulk-js-{run}"));
        store::delete_database(&ours_db).await.expect("delete");
        store::use_database(&ours_db).await.expect("open");
        store::device_id().await.expect("device id");
        let t0 = now();
        let edits = (0..BULK)
            .map(|i| store::Edit {
                kind: RecordKind::Visit,
                id: Uuid::now_v7(),
                lab_id: LAB,
                fields: visit_fields(i),
                deleted: false,
                restore: false,
            })
            .collect();
        let changes = store::write_many(edits, js_sys::Date::now() as u64).await.expect("bulk write");
        ours.push(now() - t0);
        assert_eq!(changes.len(), BULK);
        assert_eq!(store::outbox_len().await.expect("outbox") as usize, BULK);
        store::delete_database(&ours_db).await.expect("delete");

        js.call("open", &[js_db.as_str().into(), 0.into()]).await;
        theirs.push(js.ms("bulk", &[(BULK as f64).into(), 0.into()]).await);
        js.call("close", &[js_db.as_str().into()]).await;
    }
    report(
        json!({"name": "write.bulk.ours", "unit": "ms", "records": BULK, "runs": ours, "median": median(ours.clone())}),
    );
    report(
        json!({"name": "write.bulk.js", "unit": "ms", "records": BULK, "runs": theirs, "median": median(theirs.clone())}),
    );

    codecs(&js).await;
}

// ---------------------------------------------------------------------------------------------
// Which row encoding suits our records: the whole round trip of 10,000 visits through
// IndexedDB (encode in Rust, store, read back, decode in Rust) for three shapes.

/// The whole record as nested JS objects, indexed columns beside it.
#[derive(Serialize, Deserialize)]
struct NestedRow {
    id: String,
    kind: String,
    lab: String,
    place: Option<String>,
    date: Option<String>,
    live: u8,
    state: RecordState,
}

impl NestedRow {
    fn of(s: &RecordState) -> NestedRow {
        let text = |k: &str| s.fields.get(k).and_then(|v| v.as_str()).map(str::to_owned);
        NestedRow {
            id: s.id.to_string(),
            kind: s.kind.as_str().into(),
            lab: s.lab_id.to_string(),
            place: text("meeting_place_id"),
            date: text("date"),
            live: u8::from(s.deleted.is_none()),
            state: s.clone(),
        }
    }
}

async fn codec_round(js: &Js, variant: &str, states: &[RecordState]) -> Value {
    let swb = serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true);
    let t0 = now();
    let rows: Array = states
        .iter()
        .map(|s| match variant {
            // What store.rs does today: an envelope through serde-wasm-bindgen, the record a JSON string.
            "envelope_json_body" => store::record_to_js(s).expect("encode"),
            // Everything through serde-wasm-bindgen, field by field.
            "swb_nested" => NestedRow::of(s).serialize(&swb).expect("encode"),
            // Everything as one JSON text, parsed into objects by the browser's JSON.parse.
            "json_parse" => {
                js_sys::JSON::parse(&serde_json::to_string(&NestedRow::of(s)).expect("json")).expect("parse")
            }
            other => unreachable!("{other}"),
        })
        .collect();
    let encode_ms = now() - t0;
    let stored = js.call("roundTrip", &[format!("bench-codec-{variant}").into(), rows.into()]).await;
    let get = |k: &str| Reflect::get(&stored, &k.into()).expect(k);
    let back: Array = get("rows").unchecked_into();
    let t0 = now();
    let mut n = 0;
    for v in back.iter() {
        let state = match variant {
            "envelope_json_body" => store::record_from_js(v).expect("decode"),
            "swb_nested" => serde_wasm_bindgen::from_value::<NestedRow>(v).expect("decode").state,
            "json_parse" => {
                let text = js_sys::JSON::stringify(&v).expect("stringify").as_string().expect("text");
                serde_json::from_str::<NestedRow>(&text).expect("decode").state
            }
            other => unreachable!("{other}"),
        };
        std::hint::black_box(state);
        n += 1;
    }
    let decode_ms = now() - t0;
    assert_eq!(n, states.len());
    let (put_ms, get_ms) = (get("put_ms").as_f64().unwrap_or(f64::NAN), get("get_ms").as_f64().unwrap_or(f64::NAN));
    json!({
        "name": format!("codec.{variant}"), "unit": "ms", "records": states.len(),
        "encode_ms": encode_ms, "put_ms": put_ms, "get_ms": get_ms, "decode_ms": decode_ms,
        "write_ms": encode_ms + put_ms, "read_ms": get_ms + decode_ms,
    })
}

async fn codecs(js: &Js) {
    let states: Vec<RecordState> = (0..CODEC_RECORDS).map(visit_state).collect();
    for variant in ["envelope_json_body", "swb_nested", "json_parse"] {
        // Twice: the first round warms the code paths up.
        codec_round(js, variant, &states[..1_000]).await;
        report(codec_round(js, variant, &states).await);
    }
}

// ---------------------------------------------------------------------------------------------
// 3. Sync against PouchDB: a fresh device pulling and pushing through the real sync engine,
// against PouchDB replicating the same records with express-pouchdb. Both talk to one counting
// proxy in Node (`xtask/bench/peers.js`, started by `cargo xtask bench sync`) at this address,
// fixed at build time.

const PEERS: Option<&str> = option_env!("LABBLOGG_BENCH_PROXY");
/// Longest a single replication may take before it is stopped and reported as such.
const SYNC_LIMIT_MS: f64 = 900_000.0;

const PEERS_HARNESS: &str = r#"
const LINA_HAGE = '01900000-0000-7000-8000-000000000004', PLACE = '01900000-0000-7000-8000-000000000104';
function uuidv7() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  let ms = Date.now();
  for (let i = 5; i >= 0; i--) { b[i] = ms % 256; ms = Math.floor(ms / 256); }
  b[6] = (b[6] & 0x0f) | 0x70; b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
async function within(work, limitMs, onTimeout) {
  let timer;
  const limit = new Promise((ok) => { timer = setTimeout(() => ok('timeout'), limitMs); });
  const result = await Promise.race([work, limit]);
  clearTimeout(timer);
  if (result === 'timeout') onTimeout();
  return result;
}
return {
  // Relative URLs (the app's `/api/v1/...`) resolve against the document's base URL.
  async setBase(href) {
    let b = document.getElementById('bench-base');
    if (!href) { if (b) b.remove(); return true; }
    if (!b) { b = document.createElement('base'); b.id = 'bench-base'; document.head.prepend(b); }
    b.href = href;
    return true;
  },
  async config(proxy) {
    const r = await fetch(proxy + '/__bench/config', { cache: 'no-store' });
    if (!r.ok) throw new Error('peers proxy: ' + r.status);
    return await r.json();
  },
  async load(src) {
    if (window.PouchDB) return true;
    await new Promise((ok, err) => {
      const s = document.createElement('script');
      s.src = src; s.crossOrigin = 'anonymous';
      s.onload = ok; s.onerror = () => err(new Error('loading ' + src));
      document.head.appendChild(s);
    });
    return true;
  },
  async bytes(proxy, reset) {
    const r = await fetch(proxy + '/__bench/bytes' + (reset ? '?reset=1' : ''), { cache: 'no-store' });
    return await r.json();
  },
  async pull(remote, name, limitMs) {
    await new PouchDB(name).destroy();
    const local = new PouchDB(name);
    const t0 = performance.now();
    const rep = local.replicate.from(remote);
    const result = await within(rep, limitMs, () => rep.cancel());
    const ms = performance.now() - t0;
    const info = await local.info();
    await local.destroy();
    if (result === 'timeout') return { timeout: true, ms, docs: info.doc_count };
    return { ms, docs: info.doc_count, adapter: info.adapter };
  },
  async push(remote, name, n, limitMs) {
    await new PouchDB(name).destroy();
    const local = new PouchDB(name);
    for (let from = 0; from < n; from += 1000) {
      const docs = [];
      for (let i = from; i < Math.min(n, from + 1000); i++) {
        docs.push({ _id: uuidv7(), kind: 'visit', lab_id: LINA_HAGE, fields: {
          meeting_place_id: PLACE, at_ms: Date.now(), date: '2026-11-23', age_band: i % 2 ? '6-12' : '13-15', first_visit: i % 7 === 0 } });
      }
      await local.bulkDocs(docs);
    }
    const t0 = performance.now();
    const rep = local.replicate.to(remote);
    const result = await within(rep, limitMs, () => rep.cancel());
    const ms = performance.now() - t0;
    await local.destroy();
    if (result === 'timeout') return { timeout: true, ms };
    return { ms, docs_written: result.docs_written };
  },
};
"#;

struct Peers {
    js: Js,
    proxy: String,
}

impl Peers {
    async fn bytes(&self, reset: bool) -> Value {
        let v = self.js.call("bytes", &[self.proxy.as_str().into(), reset.into()]).await;
        serde_wasm_bindgen::from_value(v).unwrap_or(Value::Null)
    }
}

fn not_measured(names: &[&str], why: &str) {
    for name in names {
        report(json!({"name": name, "not_measured": why}));
    }
}

async fn sleep_ms(ms: u32) {
    gloo_timers::future::TimeoutFuture::new(ms).await;
}

/// Signs a fresh device in as `user` (password = user name) on its own new local database.
async fn fresh_device(db: &str, user: &str) {
    use labblogg_frontend::{api, session};
    store::delete_database(db).await.expect("delete");
    store::use_database(db).await.expect("open");
    let device = store::device_id().await.expect("device id");
    let login = api::login(&labblogg_shared::auth::LoginRequest {
        username: user.into(),
        password: user.into(),
        device_id: Some(device),
        device_name: None,
    })
    .await
    .unwrap_or_else(|e| panic!("sign in as {user}: {e}"));
    session::save(&session::Session { token: login.token, user: login.user });
}

/// One run of the app's sync engine until it has nothing left to do; its duration in ms.
async fn run_engine() -> f64 {
    use labblogg_frontend::sync::{SyncEngine, SyncState};
    use leptos::prelude::GetUntracked;
    let engine = SyncEngine::new();
    let t0 = now();
    engine.kick();
    loop {
        sleep_ms(2).await;
        match engine.state.get_untracked() {
            SyncState::Pending if now() - t0 < SYNC_LIMIT_MS => {}
            SyncState::Synced => return now() - t0,
            other => panic!("sync ended {other:?} after {:.0} ms: {:?}", now() - t0, engine.message.get_untracked()),
        }
    }
}

async fn live_visits(labs: &[Uuid]) -> usize {
    let mut n = 0;
    for lab in labs {
        n += store::live_in_lab(RecordKind::Visit, *lab).await.expect("read").len();
    }
    n
}

fn with_bytes(mut v: Value, bytes: &Value, side: &str) -> Value {
    if let (Value::Object(o), Some(Value::Object(b))) = (&mut v, bytes.get(side)) {
        o.extend(b.clone());
    }
    v
}

fn pouch_result(name: &str, v: &JsValue, bytes: &Value, expect_docs: Option<usize>) {
    let v: Value = serde_wasm_bindgen::from_value(v.clone()).unwrap_or(Value::Null);
    let ms = v.get("ms").and_then(Value::as_f64).unwrap_or(f64::NAN);
    if v.get("timeout").and_then(Value::as_bool) == Some(true) {
        let docs = v.get("docs").and_then(Value::as_u64).map(|d| format!(", {d} docs by then")).unwrap_or_default();
        report(
            json!({"name": name, "not_measured": format!("PouchDB did not finish within {:.0} s{docs}", ms / 1000.0)}),
        );
        return;
    }
    if let (Some(expected), Some(docs)) = (expect_docs, v.get("docs").and_then(Value::as_u64)) {
        assert_eq!(docs as usize, expected, "{name}: PouchDB replicated {docs} docs");
    }
    report(with_bytes(json!({"name": name, "ms": ms, "result": v}), bytes, "pouchdb"));
}

#[wasm_bindgen_test]
#[ignore = "benchmark: run by `cargo xtask bench`"]
async fn sync_vs_pouchdb() {
    let all = [
        "sync.pull10k.ours",
        "sync.pull10k.pouchdb",
        "sync.pull100k.ours",
        "sync.pull100k.pouchdb",
        "sync.push10k.ours",
        "sync.push10k.pouchdb",
    ];
    let Some(proxy) = PEERS else {
        return not_measured(&all, "built without LABBLOGG_BENCH_PROXY: run through `cargo xtask bench sync`");
    };
    // The sync engine spawns its work as the mounted app would.
    let _ = any_spawner::Executor::init_wasm_bindgen();
    let js = Js(Function::new_no_args(PEERS_HARNESS).call0(&JsValue::NULL).expect("harness").unchecked_into());
    let config = match js.try_call("config", &[proxy.into()]).await {
        Ok(c) => serde_wasm_bindgen::from_value::<Value>(c).unwrap_or(Value::Null),
        Err(e) => return not_measured(&all, &format!("the peers proxy at {proxy} does not answer ({e:?})")),
    };
    let small = config.get("small").and_then(Value::as_u64).unwrap_or(10_000) as usize;
    let large = config.get("large").and_then(Value::as_u64).unwrap_or(100_000) as usize;
    js.call("load", &[format!("{proxy}/__bench/pouchdb.min.js").into()]).await;
    js.call("setBase", &[format!("{proxy}/").into()]).await;
    let peers = Peers { js, proxy: proxy.to_owned() };
    let lina_hage = PLACES_LAB_LINA_HAGE;
    let all_labs = ALL_LABS;

    // A fresh device pulls what staff at Lina Hage read, then what a coordinator reads.
    for (key, user, labs, expected) in
        [("pull10k", "personal", &[lina_hage][..], small), ("pull100k", "samordnare", &all_labs[..], large)]
    {
        let db = format!("bench-sync-{key}");
        fresh_device(&db, user).await;
        peers.bytes(true).await;
        let ms = run_engine().await;
        let bytes = peers.bytes(true).await;
        let records = live_visits(labs).await;
        assert_eq!(records, expected, "{key}: our device holds {records} visits");
        report(with_bytes(json!({"name": format!("sync.{key}.ours"), "ms": ms, "records": records}), &bytes, "ours"));
        store::delete_database(&db).await.expect("delete");

        let remote = format!("{proxy}/pouch/{key}");
        let result =
            peers.js.call("pull", &[remote.into(), format!("bench-pouch-{key}").into(), SYNC_LIMIT_MS.into()]).await;
        let bytes = peers.bytes(true).await;
        pouch_result(&format!("sync.{key}.pouchdb"), &result, &bytes, Some(expected));
    }

    // A device with 10,000 new visits pushes them.
    let db = "bench-sync-push10k";
    fresh_device(db, "personal").await;
    run_engine().await; // catch up first: only the push is timed
    let edits = (0..small)
        .map(|i| {
            let mut fields = visit_fields(i);
            fields.insert("meeting_place_id".into(), json!(PLACE_LINA_HAGE.to_string()));
            store::Edit {
                kind: RecordKind::Visit,
                id: Uuid::now_v7(),
                lab_id: lina_hage,
                fields,
                deleted: false,
                restore: false,
            }
        })
        .collect();
    store::write_many(edits, js_sys::Date::now() as u64).await.expect("write");
    peers.bytes(true).await;
    let ms = run_engine().await;
    let bytes = peers.bytes(true).await;
    assert_eq!(store::outbox_len().await.expect("outbox"), 0, "every change accepted");
    report(with_bytes(json!({"name": "sync.push10k.ours", "ms": ms, "records": small}), &bytes, "ours"));
    store::delete_database(db).await.expect("delete");

    let remote = format!("{proxy}/pouch/push10k-{}", Uuid::new_v4().simple());
    let result = peers
        .js
        .call("push", &[remote.into(), "bench-pouch-push10k".into(), (small as f64).into(), SYNC_LIMIT_MS.into()])
        .await;
    let bytes = peers.bytes(true).await;
    pouch_result("sync.push10k.pouchdb", &result, &bytes, None);

    peers.js.call("setBase", &[JsValue::NULL]).await;
}

const PLACES_LAB_LINA_HAGE: Uuid = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0004);
const PLACE_LINA_HAGE: Uuid = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0104);
const ALL_LABS: [Uuid; 4] = [
    Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0001),
    Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0002),
    Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0003),
    Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0004),
];
