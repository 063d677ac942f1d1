// The dashboard of `callflow serve`, in Debian's headless Chromium driven by Playwright
// (playwright-core: no browser download; the system /usr/bin/chromium is launched).
//
// Real parts only: `callflow serve` as a process on an ephemeral loopback port (the
// functions, the emulator and its twilsock socket), `callflow call --watch` as a process,
// presence beats over HTTP, and the page running the vendored twilio-sync.js. The test
// asserts what a person would see:
// - each stage a call enters shows on the page within 1 s of the webhook's answer;
// - a reload mid-call shows the call as it is now;
// - a late answer is listed as stale, in words;
// - three agents appear; the one who stops beating disappears when its TTL runs out,
//   the others stay; one who beats `offline` disappears within 1 s;
// - axe-core (WCAG 2.1 A/AA and best practices) finds nothing, mid-call and at the end;
// - with access tokens that live 3 s, the page fetches fresh ones and keeps following
//   changes long after its first token has expired.
// Screenshots go to target/screenshots/.
//
// Env: CALLFLOW_BIN (default target/debug/callflow), CHROMIUM (default /usr/bin/chromium).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = process.env.CALLFLOW_BIN || join(ROOT, 'target/debug/callflow');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SHOTS = join(ROOT, 'target/screenshots');
const PRESENCE_TTL = 2; // seconds
const PAUSE_MS = 2500; // the simulated caller's think time between answers

// axe-core, the accessibility engine browsers' own audits use, injected into the page.
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const T0 = performance.now();
const log = (...what) => process.env.DEBUG_DASHBOARD && console.error(`[${Math.round(performance.now() - T0)} ms]`, ...what);

/** Starts `callflow serve` (with extra flags) and reads its banner. */
async function startServe(extra = []) {
  const dir = mkdtempSync(join(tmpdir(), 'callflow-dashboard-'));
  const env = { ...process.env };
  for (const name of ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_SYNC_URL', 'PUBLIC_BASE_URL',
    'CALLFLOW_API_TOKEN', 'TWILIO_API_KEY', 'TWILIO_API_SECRET', 'PRESENCE_TTL', 'CALL_INDEX_MAP',
    'SYNC_TOKEN_TTL']) {
    delete env[name];
  }
  const child = spawn(BIN, ['serve', '--port', '0', '--data', ':memory:', '--presence-ttl', String(PRESENCE_TTL), ...extra], {
    cwd: dir, env, stdio: ['ignore', 'pipe', 'inherit'],
  });
  const found = {};
  const lines = createInterface({ input: child.stdout });
  for await (const line of lines) {
    const t = line.trim();
    for (const name of ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'CALLFLOW_API_TOKEN']) {
      if (t.startsWith(`${name}=`)) found[name] = t.slice(name.length + 1).split(/\s/)[0];
    }
    if (t.startsWith('READY ')) {
      found.base = t.slice('READY '.length);
      break;
    }
  }
  assert.ok(found.base && found.TWILIO_AUTH_TOKEN && found.CALLFLOW_API_TOKEN, 'serve printed its banner');
  return { ...found, child, dir };
}

async function beat(serve, identity, device) {
  const response = await fetch(`${serve.base}/presence-heartbeat`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${serve.CALLFLOW_API_TOKEN}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ identity, status: 'online', device }).toString(),
  });
  assert.equal(response.status, 200, await response.text());
}

/** A webhook signed as Twilio signs it: HMAC-SHA1 over the URL and the sorted params. */
async function signedPost(serve, path, params) {
  const url = `${serve.base}${path}`;
  const data = Object.keys(params).sort().map((k) => k + params[k]).join('');
  const signature = createHmac('sha1', serve.TWILIO_AUTH_TOKEN).update(url + data).digest('base64');
  return fetch(url, {
    method: 'POST',
    headers: { 'x-twilio-signature': signature, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params).toString(),
  });
}

/** Waits until the page shows the call in `stage` with `retries` and `status`; returns ms. */
async function pageShows(page, sid, { stage, retries, status }, timeout) {
  const started = performance.now();
  const shown = page.waitForFunction(
    ([sid, stage, retries, status]) => {
      const row = document.querySelector(`#calls tr[data-call-sid="${sid}"]`);
      return row && row.dataset.stage === stage && row.dataset.status === status
        && row.querySelector('.stage').textContent === stage
        && row.querySelector('.retries').textContent === retries;
    },
    [sid, stage, retries, status],
    { timeout, polling: 'raf' },
  );
  try {
    await shown;
  } catch (error) {
    const rows = await page.$$eval('#calls tbody tr', (trs) => trs.map((tr) => tr.innerText));
    throw new Error(`the page did not show ${sid} in ${JSON.stringify({ stage, retries, status })} within ${timeout} ms; it shows ${JSON.stringify(rows)} (connection: ${await page.textContent('#connection')})`);
  }
  return performance.now() - started;
}

/** What axe-core finds against WCAG 2.1 A/AA and its best practices, as `id (impact): help`. */
async function accessibilityProblems(page) {
  await page.addScriptTag({ content: AXE });
  return page.evaluate(async () => {
    const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];
    const result = await window.axe.run(document, { runOnly: { type: 'tag', values: tags } });
    return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ${JSON.stringify(v.nodes.map((n) => n.target))}`);
  });
}

async function presentIdentities(page) {
  return page.$$eval('#agents li', (items) => items.map((li) => li.dataset.identity));
}

/** Headless Chromium with a fresh profile (removed by the caller). */
async function launchBrowser() {
  const profile = mkdtempSync(join(tmpdir(), 'callflow-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 1100 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return { browser, profile };
}

test('the dashboard follows calls and presence live, in headless Chromium', { timeout: 90_000 }, async (t) => {
  mkdirSync(SHOTS, { recursive: true });
  const serve = await startServe();
  const { browser, profile } = await launchBrowser();
  const keepBeating = [];
  const inFlight = {};
  t.after(async () => {
    keepBeating.forEach(clearInterval);
    await browser.close();
    serve.child.kill();
    rmSync(profile, { recursive: true, force: true });
    rmSync(serve.dir, { recursive: true, force: true });
  });
  const page = browser.pages()[0] || await browser.newPage();
  log('browser up');
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));

  await page.goto(`${serve.base}/`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 15_000 });
  assert.equal(await page.textContent('#connection'), 'connected');
  log('page ready');
  for (const stage of ['welcome', 'technical', 'outage', 'billing', 'agent', 'goodbye']) {
    assert.equal(await page.locator(`#flow svg g[data-stage="${stage}"]`).count(), 1, `the diagram shows stage ${stage}`);
  }
  assert.equal(await page.locator('h1').count(), 1);
  assert.equal(await page.locator('h2').count(), 3);

  // ---- presence: three agents, one stops beating ----
  const beforeBeats = performance.now();
  await Promise.all([beat(serve, 'alice', 'web'), beat(serve, 'bob', 'desk-phone'), beat(serve, 'carol', 'mobile')]);
  const carolLastBeat = performance.now();
  log('beats sent');
  await page.waitForFunction(() => document.querySelectorAll('#agents li').length === 3, null, { timeout: 1000 });
  // Carol's beat was her last: the page must drop her when her TTL runs out (not before,
  // and within 1 s after; 20 ms of slack for the two processes' clocks). Her TTL ends before the reload below, so this wait is not cut.
  const carolGone = page.waitForFunction(() => !document.querySelector('#agents li[data-identity="carol"]'),
    null, { timeout: (PRESENCE_TTL + 5) * 1000, polling: 'raf' }).then(() => performance.now(), (error) => error);
  assert.deepEqual(await presentIdentities(page), ['alice', 'bob', 'carol']);
  assert.match(await page.textContent('#agents li[data-identity="bob"]'), /bob — online on desk-phone/);
  for (const [who, device] of [['alice', 'web'], ['bob', 'desk-phone']]) {
    keepBeating.push(setInterval(() => { inFlight[who] = beat(serve, who, device).catch(() => {}); }, 500));
  }

  // ---- a call through several stages, watched from the terminal ----
  const call = spawn(BIN, ['call', '--watch', '--pause-ms', String(PAUSE_MS),
    '--to', `${serve.base}/store-call-state`, '--digits', '9,2', '--speech', 'there is an outage'], {
    env: { ...process.env, TWILIO_ACCOUNT_SID: serve.TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN: serve.TWILIO_AUTH_TOKEN },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((done) => call.on('exit', done));
  log('call started');
  const expected = [
    { stage: 'welcome', retries: '0', status: 'ringing' },
    // Answers carry CallStatus=in-progress, which the state follows from then on.
    { stage: 'welcome', retries: '1', status: 'in-progress' }, // 9 is not an option
    { stage: 'technical', retries: '0', status: 'in-progress' },
    { stage: 'outage', retries: '0', status: 'in-progress' },
    { stage: 'outage', retries: '0', status: 'completed' },
  ];
  const latencies = [];
  let sid = null;
  let step = 0;
  for await (const line of createInterface({ input: call.stdout })) {
    if (line.startsWith('call ')) sid = line.slice(5).trim();
    const m = line.trim().match(/^stage (\S+)\s+retries (\d+)\s+status (\S+)/);
    log('call:', line);
    if (!m) continue;
    // The webhook has answered and Sync holds this state: the page must show it within 1 s.
    const want = expected[step];
    assert.deepEqual({ stage: m[1], retries: m[2], status: m[3] }, want, `terminal step ${step}`);
    const ms = await pageShows(page, sid, want, 1000);
    latencies.push(Math.round(ms));
    await page.screenshot({ path: join(SHOTS, `dashboard-step-${step}-${want.stage}.png`), fullPage: true });
    if (want.stage === 'technical') {
      // The diagram marks the stage, with a badge (not by colour alone).
      assert.equal(await page.locator('#flow g.current[data-stage="technical"]').count(), 1);
      assert.match(await page.textContent('#flow-summary'), /technical: 1 call/);
      // Reload mid-call: the page rebuilds from Sync and shows the call as it is now.
      await page.reload();
      await page.waitForSelector('body[data-ready="true"]', { timeout: 10_000 });
      await pageShows(page, sid, want, 1000);
      const selections = await page.$$eval(`#calls tr[data-call-sid="${sid}"] .selections li`,
        (items) => items.map((li) => li.textContent));
      assert.deepEqual(selections, ['pressed 9 at welcome (not an option)', 'pressed 2 at welcome']);
      assert.equal(await page.locator('#flow g.current[data-stage="technical"]').count(), 1);
      // Mid-call, with a stage marked in the diagram and selections listed.
      assert.deepEqual(await accessibilityProblems(page), [], 'axe-core finds nothing mid-call');
    }
    step += 1;
  }
  const code = await exited;
  log('call output ended');
  assert.equal(code, 0, 'callflow call succeeded');
  assert.equal(step, expected.length, 'every step was printed and seen on the page');

  // Carol has left, the others (still beating) stay.
  const carolGoneAt = await carolGone;
  assert.equal(typeof carolGoneAt, 'number', `carol never left the page: ${carolGoneAt}`);
  assert.deepEqual(await presentIdentities(page), ['alice', 'bob']);
  const carolGoneAfter = carolGoneAt - carolLastBeat;
  assert.ok(carolGoneAt - beforeBeats >= PRESENCE_TTL * 1000 - 20 && carolGoneAfter <= PRESENCE_TTL * 1000 + 1000,
    `carol must leave the page when her ${PRESENCE_TTL} s TTL runs out, within 1 s: she left after ${carolGoneAfter} ms`);

  // An agent who says they are going offline leaves at once.
  clearInterval(keepBeating.pop());
  await inFlight.bob; // its last beat lands before the offline one
  const offline = await fetch(`${serve.base}/presence-heartbeat`, {
    method: 'POST',
    headers: { authorization: `Bearer ${serve.CALLFLOW_API_TOKEN}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'identity=bob&status=offline',
  });
  assert.equal(offline.status, 200);
  await page.waitForFunction(() => !document.querySelector('#agents li[data-identity="bob"]'), null, { timeout: 1000 });
  assert.deepEqual(await presentIdentities(page), ['alice']);

  // A late answer for a stage the call has left is listed as stale, in words.
  const late = await signedPost(serve, '/store-call-state?stage=welcome', {
    AccountSid: serve.TWILIO_ACCOUNT_SID, CallSid: sid, CallStatus: 'in-progress',
    Digits: '1', From: '+15005550006', To: '+15005550001',
  });
  assert.ok(late.ok, `late answer accepted: ${late.status}`);
  await page.waitForFunction((sid) => [...document.querySelectorAll(`#calls tr[data-call-sid="${sid}"] .selections li`)]
    .some((li) => li.textContent.includes('pressed 1 at welcome') && li.textContent.includes('stale')), sid, { timeout: 1000 });
  assert.match(await page.textContent(`#calls tr[data-call-sid="${sid}"] .status`), /completed \(ended\)/);
  assert.equal(await page.locator('#flow g.current').count(), 0, 'no active call left in the diagram');
  await page.screenshot({ path: join(SHOTS, 'dashboard.png'), fullPage: true });
  assert.deepEqual(await accessibilityProblems(page), [], 'axe-core finds nothing with an ended call, a stale answer and an agent');

  assert.deepEqual(errors, [], 'no script errors on the page');
  console.log(`page caught up with each webhook in (ms): ${latencies.join(', ')}`);
  console.log(`carol left the page ${Math.round(carolGoneAfter)} ms after her last beat (TTL ${PRESENCE_TTL} s)`);
});

test('the dashboard renews its access token and keeps following after the first one expires', { timeout: 60_000 }, async (t) => {
  const TOKEN_TTL = 3; // seconds: serve's emulator closes a socket whose token has expired
  const serve = await startServe(['--sync-token-ttl', String(TOKEN_TTL)]);
  const { browser, profile } = await launchBrowser();
  t.after(async () => {
    await browser.close();
    serve.child.kill();
    rmSync(profile, { recursive: true, force: true });
    rmSync(serve.dir, { recursive: true, force: true });
  });
  const page = browser.pages()[0] || await browser.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  let tokens = 0;
  page.on('requestfinished', (request) => { if (request.url().endsWith('/dashboard/token')) tokens += 1; });
  const connections = [];
  const logs = [];
  page.on('console', (message) => logs.push(`${Math.round(performance.now() - T0)} ${message.text()}`));
  await page.exposeFunction('recordConnection', (state) => connections.push(state));

  await page.goto(`${serve.base}/`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 15_000 });
  // Every state the connection line shows from here on, to prove it never went dark.
  await page.evaluate(() => new MutationObserver(() => window.recordConnection(document.querySelector('#connection').textContent))
    .observe(document.querySelector('#connection'), { childList: true, characterData: true, subtree: true }));
  const opened = performance.now();

  // Three token lifetimes later, the first token is long dead.
  await new Promise((done) => setTimeout(done, 3 * TOKEN_TTL * 1000));
  const beatAt = performance.now();
  await beat(serve, 'dave', 'web');
  await page.waitForFunction(() => document.querySelector('#agents li[data-identity="dave"]'), null, { timeout: 1000 })
    .catch((error) => {
      throw new Error(`dave's beat did not show within 1 s (${error.message}); ${tokens} tokens fetched; connection states: ${JSON.stringify(connections)}; page now says ${JSON.stringify(logs.slice(-20))}; beat at ${Math.round(beatAt - opened)} ms`);
    });
  assert.equal(await page.textContent('#connection'), 'connected');
  assert.ok(tokens >= 3, `the page fetched ${tokens} tokens in ${Math.round(performance.now() - opened)} ms of ${TOKEN_TTL} s tokens`);
  assert.ok(connections.every((state) => state === 'connected' || state === 'connecting'),
    `the connection stayed up: ${JSON.stringify(connections)}`);
  assert.deepEqual(errors, [], 'no script errors on the page');
  console.log(`token renewals: ${tokens} fetches over ${Math.round(performance.now() - opened)} ms; connection states seen: ${JSON.stringify([...new Set(connections)])}`);
});

test('a Studio flow: the diagram at its canvas positions, live counts per widget, and a call\'s step log', { timeout: 60_000 }, async (t) => {
  mkdirSync(SHOTS, { recursive: true });
  // The order API the flow calls, as a stand-in on loopback.
  const { createServer } = await import('node:http');
  const seen = [];
  const api = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ order: { status: 'shipped', items: ['kettle', 'mug'] } }));
  });
  await new Promise((done) => api.listen(0, '127.0.0.1', done));
  const apiBase = `http://127.0.0.1:${api.address().port}`;
  const flow = join(ROOT, 'flows/order-line.json');
  const serve = await startServe(['--flow', flow, '--http-rewrite', `https://api.acme.test=${apiBase}`]);
  const { browser, profile } = await launchBrowser();
  t.after(async () => {
    await browser.close();
    serve.child.kill();
    api.close();
    rmSync(profile, { recursive: true, force: true });
    rmSync(serve.dir, { recursive: true, force: true });
  });
  const page = browser.pages()[0] || await browser.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${serve.base}/`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 15_000 });
  for (const widget of ['Trigger', 'greet', 'menu', 'lookup', 'status_split', 'bye']) {
    assert.equal(await page.locator(`#flow svg g[data-stage="${widget}"]`).count(), 1, `the diagram shows widget ${widget}`);
  }

  const call = spawn(BIN, ['call', '--pause-ms', '1500', '--to', `${serve.base}/store-call-state`,
    '--digits', '1,123456'], {
    env: { ...process.env, TWILIO_ACCOUNT_SID: serve.TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN: serve.TWILIO_AUTH_TOKEN },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const output = [];
  createInterface({ input: call.stdout }).on('line', (line) => output.push(line));
  const exited = new Promise((done) => call.on('exit', done));
  // While the caller is asked for the order number, that widget holds one active call.
  await page.waitForFunction(() => document.querySelector('#flow g.current[data-stage="ask_order"] .badge')?.textContent === '● 1',
    null, { timeout: 10_000, polling: 'raf' });
  assert.match(await page.textContent('#flow-summary'), /ask_order: 1 call/);
  await page.screenshot({ path: join(SHOTS, 'dashboard-studio-mid-call.png'), fullPage: true });
  assert.equal(await exited, 0, `callflow call succeeded:\n${output.join('\n')}`);
  const sid = output.find((line) => line.startsWith('call '))?.slice(5).trim();
  assert.ok(sid, output.join('\n'));
  const row = `#calls tr[data-call-sid="${sid}"]`;
  await page.waitForFunction((row) => /ended: flow ended at `bye`/.test(document.querySelector(`${row} .steps summary`)?.textContent || ''),
    row, { timeout: 2000 });
  // The step log opens on demand, and stays open as the table updates.
  await page.click(`${row} .steps summary`);
  const steps = await page.$$eval(`${row} .steps li`, (items) => items.map((li) => li.textContent));
  const lookup = steps.find((s) => s.includes('lookup → success'));
  assert.match(lookup || '', /lookup → success \(HTTP 200, \d+ ms\)/, JSON.stringify(steps));
  assert.ok(steps.some((s) => s.includes('route → match: If value equal_to 1')), JSON.stringify(steps));
  assert.deepEqual(seen, ['GET /orders?order=123456&caller=%2B15005550006']);
  const late = await signedPost(serve, '/store-call-state', {
    AccountSid: serve.TWILIO_ACCOUNT_SID, CallSid: sid, CallStatus: 'completed', CallDuration: '9',
    From: '+15005550006', To: '+15005550001',
  });
  assert.equal(late.status, 204);
  await page.waitForFunction((row) => /completed/.test(document.querySelector(`${row} .status`).textContent), row, { timeout: 1000 });
  assert.equal(await page.locator(`${row} .steps details[open]`).count(), 1, 'the step log stayed open');
  assert.equal(await page.locator('#flow g.current').count(), 0);
  await page.screenshot({ path: join(SHOTS, 'dashboard-studio-steps.png'), fullPage: true });
  assert.deepEqual(await accessibilityProblems(page), [], 'axe-core finds nothing on a Studio flow with a step log open');
  assert.deepEqual(errors, [], 'no script errors on the page');
});
