// The `lighthouse` bench section's browser side (run by xtask/src/bench_lighthouse.rs, which
// copies this file next to the node_modules it installed: Lighthouse from npm, pinned, with the
// puppeteer-core it depends on).
//
// Headless Chromium, Lighthouse's default (mobile) profile: a Moto G Power sized screen, 4× CPU
// slowdown and slow 4G, simulated. Prints `BENCH {json}` lines on stdout:
// - lighthouse.signin: the sign-in page, cold (storage, caches and service worker cleared);
// - lighthouse.counter: the staff counter, signed in as `personal` (localStorage and IndexedDB
//   kept, as on the staff's tablet) but with the HTTP cache, Cache Storage and the service worker
//   cleared, so the app comes over the network as after an update;
//   each is the median (by performance score) of LH_RUNS runs;
// - lighthouse.cls.<screen>: layout shift while a coordinator (`samordnare`) opens each main
//   screen (a Lighthouse timespan from the click to LH_SETTLE_MS later; the click is a synthetic
//   `element.click()`, so no shift is excused as following user input), and
//   lighthouse.cls.coordinator_load: layout shift of the coordinator's signed-in load;
// - lighthouse.first_screen: the wasm and JS files the counter fetched before its first
//   `visit-button` appeared (xtask sizes them from dist).
//
// Env: LH_BASE (http://127.0.0.1:PORT/), CHROMIUM, LH_RUNS (default 3), LH_SETTLE_MS (3000).
import puppeteer from 'puppeteer-core';
import lighthouse, { startFlow } from 'lighthouse';

const base = process.env.LH_BASE;
const runs = Number(process.env.LH_RUNS || 3);
const settle = Number(process.env.LH_SETTLE_MS || 3000);
if (!base) throw new Error('LH_BASE is not set');

const bench = (value) => console.log('BENCH ' + JSON.stringify(value));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function launch() {
  return puppeteer.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--no-first-run', '--disable-extensions'],
    env: { ...process.env, TZ: 'Europe/Stockholm' },
  });
}

const perfConfig = {
  extends: 'lighthouse:default',
  settings: { onlyCategories: ['performance'] },
};

function figures(lhr) {
  const a = lhr.audits;
  const moved = (a['layout-shifts']?.details?.items ?? a['layout-shift-elements']?.details?.items ?? [])
    .slice(0, 3)
    .map((i) => ({ score: i.score, node: i.node?.selector ?? i.node?.snippet ?? null }));
  return {
    moved,
    score: Math.round((lhr.categories.performance?.score ?? 0) * 100),
    lcp_ms: a['largest-contentful-paint']?.numericValue ?? null,
    tbt_ms: a['total-blocking-time']?.numericValue ?? null,
    cls: a['cumulative-layout-shift']?.numericValue ?? null,
    fcp_ms: a['first-contentful-paint']?.numericValue ?? null,
    si_ms: a['speed-index']?.numericValue ?? null,
    tti_ms: a['interactive']?.numericValue ?? null,
    warnings: lhr.runWarnings ?? [],
  };
}

function median(name, samples, extra) {
  const sorted = [...samples].sort((x, y) => x.score - y.score);
  const mid = sorted[Math.floor(sorted.length / 2)];
  bench({ name, ...mid, runs: samples.map(({ warnings, moved, ...s }) => s), ...extra });
}

/// Empties what makes a load warm, keeping (or not) the signed-in state.
async function clearNetworkState(page, keepStorage) {
  const cdp = await page.createCDPSession();
  const origin = new URL(base).origin;
  const types = keepStorage ? 'service_workers,cache_storage' : 'all';
  await cdp.send('Storage.clearDataForOrigin', { origin, storageTypes: types });
  await cdp.send('Network.clearBrowserCache');
  await cdp.detach();
}

async function signIn(page, username, password, waitFor) {
  await page.goto(base, { waitUntil: 'load' });
  await page.waitForSelector('input[name=username]', { timeout: 120000 });
  await page.type('input[name=username]', username);
  await page.type('input[name=password]', password);
  await page.click('form button[type=submit]');
  await page.waitForSelector(waitFor, { timeout: 120000 });
  // The first sync fills IndexedDB; wait until it has settled.
  await page
    .waitForSelector('[data-testid=sync-status][data-state=synced]', { timeout: 120000 })
    .catch(() => console.error('sync status never said synced; measuring anyway'));
  await sleep(1000);
}

async function signInPage() {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const browser = await launch();
    const page = await browser.newPage();
    // Default flags: Lighthouse resets storage itself before the navigation.
    const result = await lighthouse(base, { output: 'json', logLevel: 'error' }, perfConfig, page);
    samples.push(figures(result.lhr));
    console.error(`sign-in run ${i + 1}: ${JSON.stringify(samples.at(-1))}`);
    await browser.close();
  }
  median('lighthouse.signin', samples, { url: base });
}

async function counter() {
  const samples = [];
  let firstScreen = null;
  for (let i = 0; i < runs; i++) {
    const browser = await launch();
    const page = await browser.newPage();
    await signIn(page, 'personal', 'personal', '[data-testid=visit-button]');
    await clearNetworkState(page, true);
    if (!firstScreen) {
      firstScreen = await filesBeforeCounter(browser);
      await clearNetworkState(page, true);
    }
    const result = await lighthouse(
      base,
      { output: 'json', logLevel: 'error', disableStorageReset: true },
      perfConfig,
      page,
    );
    const lhr = result.lhr;
    const shown = lhr.finalDisplayedUrl;
    samples.push(figures(lhr));
    console.error(`counter run ${i + 1} (${shown}): ${JSON.stringify(samples.at(-1))}`);
    await browser.close();
  }
  median('lighthouse.counter', samples, { user: 'personal' });
  bench({ name: 'lighthouse.first_screen', ...firstScreen });
}

/// Loads the app signed in (a fresh tab, nothing cached) and lists the wasm and JS it requested
/// before the first visit button appeared.
async function filesBeforeCounter(browser) {
  const page = await browser.newPage();
  const requested = [];
  page.on('request', (r) => {
    const path = new URL(r.url()).pathname;
    if (/\.(wasm|js)$/.test(path)) requested.push(path);
  });
  const start = Date.now();
  await page.goto(base, { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('[data-testid=visit-button]', { timeout: 120000 });
  const atButton = [...new Set(requested)];
  await sleep(settle);
  const later = [...new Set(requested)].filter((p) => !atButton.includes(p));
  await page.close();
  return { files: atButton, later, ms_to_button_unthrottled: Date.now() - start };
}

const SCREENS = [
  ['counter', 'nav-counter'],
  ['activities', 'nav-activities'],
  ['goals', 'nav-goals'],
  ['overview', 'nav-overview'],
  ['compare', 'nav-compare'],
  ['year_report', 'nav-year-report'],
  ['knowledge', 'nav-knowledge'],
  ['settings', 'nav-settings'],
  ['setup', 'nav-setup'],
];

async function coordinatorScreens() {
  const browser = await launch();
  const page = await browser.newPage();
  await signIn(page, 'samordnare', 'samordnare', '[data-testid=nav-overview]');
  const flow = await startFlow(page, {
    config: { extends: 'lighthouse:default', settings: { onlyCategories: ['performance'] } },
    flags: { logLevel: 'error', disableStorageReset: true },
  });
  // The signed-in load: the overview's lab cards fill in.
  await flow.navigate(base, { name: 'coordinator_load' });
  await page.waitForSelector('[data-testid=nav-overview]', { timeout: 120000 });
  for (const [name, testid] of SCREENS) {
    // Start from another screen, so opening this one is a real change.
    const from = name === 'counter' ? 'nav-settings' : 'nav-counter';
    await page.evaluate((id) => document.querySelector(`[data-testid=${id}]`)?.click(), from);
    await sleep(settle);
    await flow.startTimespan({ name });
    const found = await page.evaluate((id) => {
      const el = document.querySelector(`[data-testid=${id}]`);
      el?.click();
      return Boolean(el);
    }, testid);
    await sleep(settle);
    await flow.endTimespan();
    if (!found) console.error(`no [data-testid=${testid}] for ${name}`);
  }
  const result = await flow.createFlowResult();
  for (const step of result.steps) {
    const lhr = step.lhr;
    const cls = lhr.audits['cumulative-layout-shift']?.numericValue ?? null;
    const items = lhr.audits['layout-shifts']?.details?.items ?? lhr.audits['layout-shift-elements']?.details?.items ?? [];
    // What moved, for whoever fixes it: the element and its share of the shift.
    const moved = items.slice(0, 5).map((i) => ({ score: i.score, node: i.node?.selector ?? i.node?.snippet ?? null }));
    bench({ name: `lighthouse.cls.${step.name}`, cls, shifts: items.length, moved, mode: lhr.gatherMode, user: 'samordnare' });
  }
  await browser.close();
}

const only = (process.env.LH_ONLY || 'signin,counter,screens').split(',');
if (only.includes('signin')) await signInPage();
if (only.includes('counter')) await counter();
if (only.includes('screens')) await coordinatorScreens();
