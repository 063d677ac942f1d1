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
// - a call's selections and step log open on demand, in its detail;
// - axe-core (WCAG 2.1 A/AA and best practices) finds nothing, mid-call and at the end;
// - with access tokens that live 3 s, the page fetches fresh ones and keeps following
//   changes long after its first token has expired;
// - at scale (hundreds of calls placed at once): the aggregates are exact, the DOM holds
//   only the rows on screen, the index keeps active calls plus a bounded recent list,
//   a stage in the diagram filters the list, search finds a call, a reopened page shows
//   the same picture. load.mjs is the timed version (20 calls/s for 10 minutes).
// Screenshots go to target/screenshots/.
//
// Env: CALLFLOW_BIN (default target/debug/callflow), CHROMIUM (default /usr/bin/chromium).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import {
  BIN, PLANS, ROOT, SHOTS, accessibilityProblems, beat, launchBrowser, pageMetrics, placeCall,
  signedPost, startServe,
} from './lib.mjs';

const PRESENCE_TTL = 2; // seconds
const PAUSE_MS = 2500; // the simulated caller's think time between answers

const T0 = performance.now();
const log = (...what) => process.env.DEBUG_DASHBOARD && console.error(`[${Math.round(performance.now() - T0)} ms]`, ...what);

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

/** Opens a call's detail from its row and waits for its document to be shown. */
async function openDetail(page, sid) {
  await page.click(`#calls tr[data-call-sid="${sid}"] button.open-detail`);
  await page.waitForFunction((sid) => !document.querySelector('#detail').hidden
    && document.querySelector('#detail-body dd')?.textContent === sid
    && !document.querySelector('#detail-body').textContent.includes('Opening the call'), sid, { timeout: 2000 });
}

async function presentIdentities(page) {
  return page.$$eval('#agents li', (items) => items.map((li) => li.dataset.identity));
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
  assert.equal(await page.locator('h2').count(), 4);
  await page.screenshot({ path: join(SHOTS, 'dashboard-idle.png') });

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
      // The selections are in the call's detail, opened on demand.
      await openDetail(page, sid);
      const selections = await page.$$eval('#detail .selections li', (items) => items.map((li) => li.textContent));
      assert.deepEqual(selections, ['pressed 9 at welcome (not an option)', 'pressed 2 at welcome']);
      assert.equal(await page.locator('#flow g.current[data-stage="technical"]').count(), 1);
      // Mid-call, with a stage marked in the diagram and the call's detail open.
      assert.deepEqual(await accessibilityProblems(page), [], 'axe-core finds nothing mid-call');
      await page.click('#close-detail');
      assert.equal(await page.locator('#detail').isHidden(), true);
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
  await openDetail(page, sid);
  await page.waitForFunction(() => [...document.querySelectorAll('#detail .selections li')]
    .some((li) => li.textContent.includes('pressed 1 at welcome') && li.textContent.includes('stale')), null, { timeout: 1000 });
  assert.match(await page.textContent(`#calls tr[data-call-sid="${sid}"] .status`), /completed \(ended: completed\)/);
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
  await page.waitForSelector(row, { timeout: 2000 });
  // The step log opens on demand, in the call's detail, and follows the call.
  await openDetail(page, sid);
  await page.waitForFunction(() => /ended: flow ended at `bye`/.test(document.querySelector('#detail .steps-summary')?.textContent || ''),
    null, { timeout: 2000 });
  const steps = await page.$$eval('#detail .steps li', (items) => items.map((li) => li.textContent));
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
  assert.equal(await page.locator('#detail .steps li').count(), steps.length, 'the step log stayed open');
  assert.match(await page.textContent(`${row} .status`), /completed \(ended: completed\)/, 'the flow ended itself: completed');
  assert.equal(await page.locator('#flow g.current').count(), 0);
  await page.screenshot({ path: join(SHOTS, 'dashboard-studio-steps.png'), fullPage: true });
  assert.deepEqual(await accessibilityProblems(page), [], 'axe-core finds nothing on a Studio flow with a step log open');
  assert.deepEqual(errors, [], 'no script errors on the page');
});

/** Runs `work(i)` for i in 0..n, `width` at a time. */
async function pool(n, width, work) {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < n) await work(next++);
  }));
}

test('at scale: exact aggregates, a windowed call list, a bounded index, stage filter, search, detail, reopen', { timeout: 180_000 }, async (t) => {
  mkdirSync(SHOTS, { recursive: true });
  const serve = await startServe([], { presenceTtl: 120 });
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
  await page.goto(`${serve.base}/`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 15_000 });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  await Promise.all([beat(serve, 'ann', 'web'), beat(serve, 'ben', 'web', 'away'), beat(serve, 'cat', 'desk-phone')]);

  // 300 calls that end (through every plan), then 50 left active: 30 in technical, 20 ringing.
  const ENDED = 300;
  const outcomes = {};
  const entered = {};
  const enter = (stage) => { entered[stage] = (entered[stage] || 0) + 1; };
  const endedInOrder = [];
  const cycle = ['outage', 'agent', 'menuHangUp', 'busy', 'outage', 'agent'];
  await pool(ENDED, 24, async (i) => {
    const steps = PLANS[cycle[i % cycle.length]];
    let stage = 'welcome';
    enter(stage);
    for (const [, , expected] of steps) {
      if (expected.stage !== stage) enter(expected.stage);
      stage = expected.stage;
    }
    const outcome = steps[steps.length - 1][2].outcome;
    outcomes[outcome] = (outcomes[outcome] || 0) + 1;
    endedInOrder.push(await placeCall(serve, i, steps));
  });
  const technical = [];
  await pool(30, 10, async (i) => {
    technical.push(await placeCall(serve, 1000 + i, [PLANS.outage[0]]));
    enter('welcome');
    enter('technical');
  });
  await pool(20, 10, async (i) => {
    await placeCall(serve, 2000 + i, []);
    enter('welcome');
  });

  // The live counts, and the aggregates (from the stats document serve keeps).
  await page.waitForFunction(() => document.querySelector('#active-now').textContent === '50', null, { timeout: 5000 });
  const outcomeCells = async () => page.$$eval('#outcomes tbody tr', (rows) => Object.fromEntries(rows.map((tr) =>
    [tr.dataset.outcome, [tr.children[1].textContent, tr.children[2].textContent]])));
  const wantOutcomes = Object.fromEntries(['completed', 'hung-up-in-menu', 'voicemail', 'transferred', 'failed']
    .map((key) => [key, [String(outcomes[key] || 0), String(outcomes[key] || 0)]]));
  await page.waitForFunction((want) => [...document.querySelectorAll('#outcomes tbody tr')].every((tr) =>
    tr.children[1].textContent === want[tr.dataset.outcome][0]), wantOutcomes, { timeout: 3000 })
    .catch(() => {});
  assert.deepEqual(await outcomeCells(), wantOutcomes, 'outcomes over 5 and 60 minutes');
  // The stats document follows within a quarter second.
  await page.waitForFunction((n) => document.querySelector('#started-60').textContent === n, String(ENDED + 50), { timeout: 3000 })
    .catch(() => {});
  assert.equal(await page.textContent('#started-5'), String(ENDED + 50));
  assert.equal(await page.textContent('#started-60'), String(ENDED + 50));
  const perMinute = Number(await page.textContent('#per-minute'));
  assert.ok(perMinute > 0 && perMinute <= ENDED + 50, `calls per minute: ${perMinute}`);
  const stageCells = await page.$$eval('#stages tbody tr', (rows) => Object.fromEntries(rows.map((tr) =>
    [tr.dataset.stage, [...tr.children].slice(1).map((td) => td.textContent)])));
  for (const [stage, n] of Object.entries(entered)) {
    const now = { technical: '30', welcome: '20' }[stage] || '0';
    assert.deepEqual(stageCells[stage], [now, String(n), String(n)], `stage ${stage}: now, entered in 5 and 60 min`);
  }
  assert.deepEqual(stageCells.billing, ['0', '0', '0']);
  assert.equal(await page.textContent('#flow g.current[data-stage="technical"] .badge'), '● 30');
  assert.equal(await page.textContent('#agent-counts'), '3 present: 1 away, 2 online');

  // The index holds the active calls plus the newest 200 ended; the DOM only the rows on screen.
  const countText = '250 shown: 50 active, 200 recently ended';
  await page.waitForFunction((text) => document.querySelector('#calls-count').textContent === text, countText, { timeout: 3000 })
    .catch(() => {});
  assert.equal(await page.textContent('#calls-count'), countText);
  const onScreen = async () => page.$$eval('#calls tbody tr', (rows) => rows.map((tr) => ({
    sid: tr.dataset.callSid, status: tr.dataset.status, stage: tr.dataset.stage, index: Number(tr.getAttribute('aria-rowindex')),
  })));
  let rows = await onScreen();
  assert.ok(rows.length > 10 && rows.length <= 30, `rows in the DOM: ${rows.length}`);
  assert.ok(rows.every((row) => !['completed', 'busy'].includes(row.status)), 'active calls first');
  await page.$eval('#calls-scroll', (el) => { el.scrollTop = el.scrollHeight; });
  await page.waitForFunction(() => [...document.querySelectorAll('#calls tbody tr')].some((tr) => tr.getAttribute('aria-rowindex') === '251'),
    null, { timeout: 2000 });
  rows = await onScreen();
  assert.ok(rows.length <= 30, `rows in the DOM at the bottom: ${rows.length}`);
  assert.ok(rows.every((row) => ['completed', 'busy'].includes(row.status)), 'ended calls last');
  const nodes = await page.evaluate(() => document.getElementsByTagName('*').length);
  const metrics = await pageMetrics(cdp);
  assert.ok(nodes < 2000, `elements on the page: ${nodes}`);
  assert.ok(metrics.nodes < 10_000, `DOM nodes (Chromium): ${metrics.nodes}`);
  await page.$eval('#calls-scroll', (el) => { el.scrollTop = 0; });

  // A stage in the diagram filters the list; so does search.
  await page.click('#flow svg g[data-stage="technical"]');
  await page.waitForFunction(() => document.querySelector('#calls-count').textContent.startsWith('30 of 250'), null, { timeout: 2000 });
  rows = await onScreen();
  assert.ok(rows.length > 10 && rows.every((row) => row.stage === 'technical'), JSON.stringify(rows));
  await page.click('#clear-filter');
  await page.waitForFunction((text) => document.querySelector('#calls-count').textContent === text, countText, { timeout: 2000 });
  const lastEnded = endedInOrder[endedInOrder.length - 1];
  await page.fill('#search', lastEnded.slice(4, 20));
  await page.waitForFunction(() => document.querySelector('#calls-count').textContent.startsWith('1 of 250'), null, { timeout: 2000 });
  assert.deepEqual((await onScreen()).map((row) => row.sid), [lastEnded]);
  // Back to every call first, so that the next wait cannot be met by this search's result.
  await page.fill('#search', '');
  await page.waitForFunction((text) => document.querySelector('#calls-count').textContent === text, countText, { timeout: 2000 });
  await page.fill('#search', '5551007');
  await page.waitForFunction(() => document.querySelector('#calls-count').textContent.startsWith('1 of 250'), null, { timeout: 2000 });
  const byNumber = (await onScreen())[0].sid;
  assert.ok(technical.includes(byNumber), 'the caller +15005551007 is in technical');
  await page.screenshot({ path: join(SHOTS, 'dashboard-scale.png') });

  // The call's detail, on demand: its selections from its own document.
  await openDetail(page, byNumber);
  assert.deepEqual(await page.$$eval('#detail .selections li', (items) => items.map((li) => li.textContent)), ['pressed 2 at welcome']);
  await page.screenshot({ path: join(SHOTS, 'dashboard-detail.png') });
  assert.deepEqual(await accessibilityProblems(page), [], 'axe-core finds nothing with hundreds of calls and a detail open');
  await page.click('#close-detail');
  await page.fill('#search', '');

  // A reopened page shows the same picture, from the index and the stats document alone.
  const again = await browser.newPage();
  const opened = performance.now();
  await again.goto(`${serve.base}/`);
  await again.waitForSelector('body[data-ready="true"]', { timeout: 15_000 });
  await again.waitForFunction((text) => document.querySelector('#calls-count').textContent === text
    && document.querySelector('#active-now').textContent === '50', countText, { timeout: 5000 });
  const reopenMs = Math.round(performance.now() - opened);
  assert.deepEqual(await again.$$eval('#outcomes tbody tr', (trs) => Object.fromEntries(trs.map((tr) =>
    [tr.dataset.outcome, [tr.children[1].textContent, tr.children[2].textContent]]))), wantOutcomes);
  assert.deepEqual(errors, [], 'no script errors on the page');
  console.log(`at scale: ${ENDED + 50} calls, ${nodes} elements, ${metrics.nodes} DOM nodes, a reopened page showed them in ${reopenMs} ms`);
});
