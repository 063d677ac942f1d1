// What the dashboard test and the load benchmark share: `callflow serve` as a process,
// headless Chromium, signed webhooks, axe-core, and calls placed by webhooks alone.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = process.env.CALLFLOW_BIN || join(ROOT, 'target/debug/callflow');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const SHOTS = join(ROOT, 'target/screenshots');

// axe-core, the accessibility engine browsers' own audits use, injected into the page.
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Starts `callflow serve` (with extra flags) and reads its banner. */
export async function startServe(extra = [], { presenceTtl = 2 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'callflow-dashboard-'));
  const env = { ...process.env };
  for (const name of ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_SYNC_URL', 'PUBLIC_BASE_URL',
    'CALLFLOW_API_TOKEN', 'TWILIO_API_KEY', 'TWILIO_API_SECRET', 'PRESENCE_TTL', 'CALL_INDEX_MAP',
    'SYNC_TOKEN_TTL']) {
    delete env[name];
  }
  const child = spawn(BIN, ['serve', '--port', '0', '--data', ':memory:', '--presence-ttl', String(presenceTtl), ...extra], {
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
  // Keep draining stdout (serve logs there): a full pipe would stall it.
  lines.on('line', () => {});
  return { ...found, child, dir };
}

/** A presence heartbeat. */
export async function beat(serve, identity, device, status = 'online') {
  const response = await fetch(`${serve.base}/presence-heartbeat`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${serve.CALLFLOW_API_TOKEN}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ identity, status, device }).toString(),
  });
  assert.equal(response.status, 200, await response.text());
}

/** A webhook signed as Twilio signs it: HMAC-SHA1 over the URL and the sorted params. */
export async function signedPost(serve, path, params) {
  const url = `${serve.base}${path}`;
  const data = Object.keys(params).sort().map((k) => k + params[k]).join('');
  const signature = createHmac('sha1', serve.TWILIO_AUTH_TOKEN).update(url + data).digest('base64');
  return fetch(url, {
    method: 'POST',
    headers: { 'x-twilio-signature': signature, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params).toString(),
  });
}

/** What axe-core finds against WCAG 2.1 A/AA and its best practices, as `id (impact): help`. */
export async function accessibilityProblems(page) {
  await page.addScriptTag({ content: AXE });
  return page.evaluate(async () => {
    const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];
    const result = await window.axe.run(document, { runOnly: { type: 'tag', values: tags } });
    return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ${JSON.stringify(v.nodes.map((n) => n.target))}`);
  });
}

/** Headless Chromium with a fresh profile (removed by the caller), at an operator's screen size. */
export async function launchBrowser() {
  const profile = mkdtempSync(join(tmpdir(), 'callflow-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 1000 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return { browser, profile };
}

/** A fresh CallSid. */
export function newCallSid() {
  return `CA${randomBytes(16).toString('hex')}`;
}

/**
 * The ways the load's calls go through the bundled example flow, each a list of webhooks
 * after the first (ringing) one: `[path, extra params, the index summary it leads to]`.
 * Weighted: most calls reach an end, some hang up in the menu, some fail.
 */
export const PLANS = {
  outage: [
    ['/store-call-state?stage=welcome', { CallStatus: 'in-progress', Digits: '2' }, { stage: 'technical', status: 'in-progress' }],
    ['/store-call-state?stage=technical', { CallStatus: 'in-progress', Digits: '1' }, { stage: 'outage', status: 'in-progress' }],
    ['/store-call-state', { CallStatus: 'completed', CallDuration: '20' }, { stage: 'outage', status: 'completed', outcome: 'completed' }],
  ],
  agent: [
    ['/store-call-state?stage=welcome', { CallStatus: 'in-progress', Digits: '3' }, { stage: 'agent', status: 'in-progress' }],
    ['/store-call-state', { CallStatus: 'completed', CallDuration: '40' }, { stage: 'agent', status: 'completed', outcome: 'transferred' }],
  ],
  menuHangUp: [
    ['/store-call-state?stage=welcome', { CallStatus: 'in-progress', Digits: '9' }, { stage: 'welcome', status: 'in-progress', retries: 1 }],
    ['/store-call-state', { CallStatus: 'completed', CallDuration: '8' }, { stage: 'welcome', status: 'completed', retries: 1, outcome: 'hung-up-in-menu' }],
  ],
  busy: [
    ['/store-call-state', { CallStatus: 'busy' }, { stage: 'welcome', status: 'busy', outcome: 'failed' }],
  ],
};
export const PLAN_CYCLE = ['outage', 'agent', 'outage', 'menuHangUp', 'agent', 'outage', 'menuHangUp', 'busy', 'agent', 'outage'];

/**
 * Places one call by webhooks: the first (ringing), then `steps` of a plan with `thinkMs`
 * between them. `onAnswer(sid, expected, answeredAt, sentAt)` is told of each webhook's
 * answer and the index summary it leads to. Returns the CallSid.
 */
export async function placeCall(serve, n, steps, { thinkMs = 0, onAnswer = () => {}, sid = newCallSid() } = {}) {
  const base = {
    AccountSid: serve.TWILIO_ACCOUNT_SID, CallSid: sid, From: `+1500555${String(n % 10000).padStart(4, '0')}`,
    To: '+15005550001', Direction: 'inbound',
  };
  const now = () => performance.timeOrigin + performance.now();
  let sentAt = now();
  const first = await signedPost(serve, '/store-call-state', { ...base, CallStatus: 'ringing' });
  assert.equal(first.status, 200, `first webhook of ${sid}: ${first.status}`);
  await first.arrayBuffer();
  onAnswer(sid, { stage: 'welcome', status: 'ringing', retries: 0 }, now(), sentAt);
  for (const [path, params, expected] of steps) {
    if (thinkMs) await new Promise((done) => setTimeout(done, thinkMs));
    sentAt = now();
    const response = await signedPost(serve, path, { ...base, ...params });
    assert.ok(response.ok, `${path} for ${sid}: ${response.status}`);
    await response.arrayBuffer();
    onAnswer(sid, { retries: 0, ...expected }, now(), sentAt);
  }
  return sid;
}

/** Chromium's own counters for the page: task time, DOM nodes, JS heap. */
export async function pageMetrics(cdp) {
  const { metrics } = await cdp.send('Performance.getMetrics');
  const m = Object.fromEntries(metrics.map(({ name, value }) => [name, value]));
  return { taskSeconds: m.TaskDuration, nodes: m.Nodes, heapBytes: m.JSHeapUsedSize, at: performance.now() };
}
