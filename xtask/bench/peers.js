'use strict';
// The peer side of `cargo xtask bench sync` (see xtask/src/bench_pouch.rs), in Node:
//
// - PouchDB's own server, express-pouchdb over LevelDB, on a private loopback port;
// - both it and our server seeded with the same visits: the first SMALL in Lina Hage's lab
//   (what the staff account `personal` reads), the rest spread over the other three labs
//   (the coordinator `samordnare` reads all LARGE);
// - one counting proxy in front of both, the only address the browser page talks to:
//   `/api/…` goes to our server, `/pouch/…` to express-pouchdb. It adds CORS headers (the
//   benchmark page has another origin) and counts every request and response body byte as it
//   passes, which `GET /__bench/bytes[?reset=1]` reports.
//
// Prints `READY {json}` once everything answers, and stops by itself after BENCH_MAX_SECONDS.

const http = require('http');
const zlib = require('zlib');
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');

function env(name, fallback) {
  const value = process.env[name] || fallback;
  if (value === undefined) throw new Error(name + ' is not set');
  return value;
}
const OURS = new URL(env('BENCH_OURS'));
const PROXY_PORT = Number(env('BENCH_PROXY_PORT'));
const DATA = env('BENCH_DATA_DIR');
const SMALL = Number(env('BENCH_SMALL', '10000'));
const LARGE = Number(env('BENCH_LARGE', '100000'));
const MAX_SECONDS = Number(env('BENCH_MAX_SECONDS', '5400'));

setTimeout(() => { console.error('peers.js: time limit reached, stopping'); process.exit(2); }, MAX_SECONDS * 1000).unref();

const LINA_HAGE = ['01900000-0000-7000-8000-000000000004', '01900000-0000-7000-8000-000000000104'];
const OTHER_LABS = [
  ['01900000-0000-7000-8000-000000000001', '01900000-0000-7000-8000-000000000101'],
  ['01900000-0000-7000-8000-000000000002', '01900000-0000-7000-8000-000000000102'],
  ['01900000-0000-7000-8000-000000000003', '01900000-0000-7000-8000-000000000103'],
];
const BANDS = ['6-12', '13-15'];

function uuidv7() {
  const b = crypto.randomBytes(16);
  b.writeUIntBE(Date.now(), 0, 6);
  b[6] = (b[6] & 0x0f) | 0x70;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// The same visits for both servers.
function visits() {
  const out = [];
  for (let i = 0; i < LARGE; i++) {
    const [lab, place] = i < SMALL ? LINA_HAGE : OTHER_LABS[i % 3];
    const day = Math.floor(i / 40) % 365;
    const date = `2026-${String(1 + Math.floor(day / 31)).padStart(2, '0')}-${String(1 + (day % 28)).padStart(2, '0')}`;
    out.push({
      id: uuidv7(), lab,
      fields: { meeting_place_id: place, at_ms: Date.now(), date, age_band: BANDS[i % 2], first_visit: i % 7 === 0 },
    });
  }
  return out;
}

async function json(url, body, token) {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = 'Bearer ' + token;
  const resp = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
  const text = await resp.text();
  if (!resp.ok) throw new Error(`${url}: ${resp.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

async function seedOurs(all) {
  for (let i = 0; ; i++) {
    try { if ((await fetch(new URL('/healthz', OURS))).ok) break; } catch (e) { /* not up yet */ }
    if (i > 600) throw new Error('our server did not answer /healthz');
    await new Promise((ok) => setTimeout(ok, 100));
  }
  const device = uuidv7();
  const login = await json(new URL('/api/v1/auth/login', OURS), { username: 'samordnare', password: 'samordnare', device_id: device });
  let counter = 0;
  for (let from = 0; from < all.length; from += 500) {
    const ms = Date.now();
    const changes = all.slice(from, from + 500).map((v) => ({
      change_id: uuidv7(), kind: 'visit', id: v.id, lab_id: v.lab,
      hlc: `${String(ms).padStart(15, '0')}-${String(counter++).padStart(10, '0')}-${'0'.repeat(13)}abc`,
      fields: v.fields,
    }));
    const resp = await json(new URL('/api/v1/sync', OURS),
      { protocol: 1, device_id: device, cursor: Number.MAX_SAFE_INTEGER, changes, pull_limit: 1 }, login.token);
    const refused = resp.results.find((r) => r.rejected);
    if (refused) throw new Error('seeding our server: ' + JSON.stringify(refused));
  }
}

async function seedPouch(PouchDB, name, docs) {
  const db = new PouchDB(name);
  for (let from = 0; from < docs.length; from += 1000) {
    const batch = docs.slice(from, from + 1000).map((v) => ({ _id: v.id, kind: 'visit', lab_id: v.lab, fields: v.fields }));
    const results = await db.bulkDocs(batch);
    const failed = results.find((r) => r.error);
    if (failed) throw new Error('seeding PouchDB: ' + JSON.stringify(failed));
  }
  const info = await db.info();
  if (info.doc_count !== docs.length) throw new Error(`PouchDB ${name} holds ${info.doc_count} docs, not ${docs.length}`);
  return info.doc_count;
}

// ---- the counting proxy ----

function counter() {
  return { requests: 0, request_bytes: 0, response_bytes: 0, bodies: [] };
}
const counts = { ours: counter(), pouchdb: counter() };

function report(c) {
  // Also what the responses weigh uncompressed and gzipped, to compare like with like.
  let identity = 0, gzip = 0;
  const encodings = {};
  for (const { encoding, body } of c.bodies) {
    encodings[encoding || 'identity'] = (encodings[encoding || 'identity'] || 0) + 1;
    const plain = encoding === 'gzip' ? zlib.gunzipSync(body) : encoding === 'br' ? zlib.brotliDecompressSync(body)
      : encoding === 'deflate' ? zlib.inflateSync(body) : body;
    identity += plain.length;
    gzip += encoding === 'gzip' ? body.length : plain.length < 1024 ? plain.length : zlib.gzipSync(plain).length;
  }
  return {
    requests: c.requests, request_bytes: c.request_bytes, response_bytes: c.response_bytes,
    bytes: c.request_bytes + c.response_bytes, response_identity_bytes: identity,
    response_gzip_bytes: gzip, response_encodings: encodings,
  };
}

function cors(req) {
  return {
    'access-control-allow-origin': req.headers.origin || '*',
    'access-control-allow-credentials': 'true',
    'cross-origin-resource-policy': 'cross-origin',
    vary: 'Origin',
  };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function proxy(pouchPort) {
  return http.createServer((req, res) => {
    const url = new URL(req.url, 'http://proxy');
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        ...cors(req),
        'access-control-allow-methods': 'GET, HEAD, POST, PUT, DELETE',
        'access-control-allow-headers': req.headers['access-control-request-headers'] || '',
        'access-control-max-age': '7200',
      });
      return res.end();
    }
    if (url.pathname === '/__bench/bytes') {
      const body = JSON.stringify({ ours: report(counts.ours), pouchdb: report(counts.pouchdb) });
      if (url.searchParams.get('reset')) { counts.ours = counter(); counts.pouchdb = counter(); }
      res.writeHead(200, { ...cors(req), 'content-type': 'application/json', 'cache-control': 'no-store' });
      return res.end(body);
    }
    if (url.pathname === '/__bench/config') {
      res.writeHead(200, { ...cors(req), 'content-type': 'application/json', 'cache-control': 'no-store' });
      return res.end(JSON.stringify({ small: SMALL, large: LARGE }));
    }
    if (url.pathname === '/__bench/pouchdb.min.js') {
      const file = require.resolve('pouchdb/dist/pouchdb.min.js');
      res.writeHead(200, { ...cors(req), 'content-type': 'text/javascript', 'cache-control': 'no-store' });
      return fs.createReadStream(file).pipe(res);
    }
    let which, port, upstreamPath;
    if (url.pathname.startsWith('/api/')) {
      [which, port, upstreamPath] = ['ours', Number(OURS.port), req.url];
    } else if (url.pathname.startsWith('/pouch/')) {
      [which, port, upstreamPath] = ['pouchdb', pouchPort, req.url.slice('/pouch'.length)];
    } else {
      res.writeHead(404, cors(req));
      return res.end();
    }
    const c = counts[which];
    c.requests += 1;
    const headers = { ...req.headers, host: `127.0.0.1:${port}` };
    delete headers.origin;
    const up = http.request({ host: '127.0.0.1', port, method: req.method, path: upstreamPath, headers, agent }, (ur) => {
      const out = { ...ur.headers, ...cors(req) };
      res.writeHead(ur.statusCode, out);
      const chunks = [];
      ur.on('data', (d) => { c.response_bytes += d.length; chunks.push(d); });
      ur.on('end', () => c.bodies.push({ encoding: ur.headers['content-encoding'], body: Buffer.concat(chunks) }));
      ur.pipe(res);
    });
    up.on('error', (e) => { if (!res.headersSent) res.writeHead(502, cors(req)); res.end(String(e)); });
    req.on('data', (d) => { c.request_bytes += d.length; });
    req.pipe(up);
  });
}

async function main() {
  fs.mkdirSync(path.join(DATA, 'pouch'), { recursive: true });
  const PouchDB = require('pouchdb').defaults({ prefix: path.join(DATA, 'pouch') + path.sep });
  const app = require('express-pouchdb')(PouchDB, { mode: 'minimumForPouchDB' });
  const pouchServer = http.createServer(app);
  await new Promise((ok) => pouchServer.listen(0, '127.0.0.1', ok));
  const pouchPort = pouchServer.address().port;

  const all = visits();
  const t0 = Date.now();
  await seedOurs(all);
  const oursSeconds = (Date.now() - t0) / 1000;
  const t1 = Date.now();
  const large = await seedPouch(PouchDB, 'pull100k', all);
  const small = await seedPouch(PouchDB, 'pull10k', all.slice(0, SMALL));
  const pouchSeconds = (Date.now() - t1) / 1000;

  const server = proxy(pouchPort);
  await new Promise((ok, err) => { server.once('error', err); server.listen(PROXY_PORT, '127.0.0.1', ok); });
  console.log('READY ' + JSON.stringify({ proxy: PROXY_PORT, pouch_port: pouchPort, small, large,
    seed_ours_s: oursSeconds, seed_pouch_s: pouchSeconds }));
}

main().catch((e) => { console.error('peers.js:', e); process.exit(1); });
