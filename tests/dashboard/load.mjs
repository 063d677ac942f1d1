// The dashboard under contact-centre load: `callflow serve` (pass a release build in
// CALLFLOW_BIN), headless Chromium on the page, and new calls placed by signed webhooks
// at a steady rate, each through the bundled example flow (a few webhooks, `--think-ms`
// apart). It prints what the issue asks of the page:
// - each change on screen: from the webhook's answer (and from its sending) to the
//   animation frame that wrote it (the page records frames when its URL has #measure),
//   p50/p99/max; the index item is written before the webhook answers, so a change is
//   often on screen before the answer is back (counted as 0 ms from the answer);
// - the main thread's busy share (Chromium's TaskDuration over wall time), per 10 s;
// - DOM nodes and JS heap (Chromium's own counters), per 10 s;
// - how long a page opened mid-load takes to show the current picture.
// A screenshot under load goes to target/screenshots/dashboard-load.png.
//
//   cargo build --release -p callflow-cli
//   cd tests/dashboard && CALLFLOW_BIN=$PWD/../../target/release/callflow node load.mjs --rate 20 --seconds 600
//
// Loopback only; the loop stops by itself after --seconds.

import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  PLANS, PLAN_CYCLE, SHOTS, launchBrowser, pageMetrics, placeCall, startServe,
} from './lib.mjs';

const { values: args } = parseArgs({
  options: {
    rate: { type: 'string', default: '20' },
    seconds: { type: 'string', default: '60' },
    'think-ms': { type: 'string', default: '1500' },
  },
});
const RATE = Number(args.rate);
const SECONDS = Number(args.seconds);
const THINK_MS = Number(args['think-ms']);
if (!(RATE > 0 && RATE <= 200 && SECONDS > 0 && SECONDS <= 3600 && THINK_MS >= 0)) {
  console.error('usage: node load.mjs [--rate N (1-200 calls/s)] [--seconds N (1-3600)] [--think-ms N]');
  process.exit(2);
}

const quantile = (sorted, q) => sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN;
const round = (n, d = 0) => Number(n.toFixed(d));

const serve = await startServe([], { presenceTtl: 3600 });
const { browser, profile } = await launchBrowser();
const cleanup = async () => {
  await browser.close().catch(() => {});
  serve.child.kill();
  rmSync(profile, { recursive: true, force: true });
  rmSync(serve.dir, { recursive: true, force: true });
};
try {
  mkdirSync(SHOTS, { recursive: true });
  const page = browser.pages()[0] || await browser.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${serve.base}/#measure`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 15_000 });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');

  // Webhook answers, keyed by the index summary they lead to; matched with the page's frames.
  const answered = new Map();
  const key = (sid, e) => `${sid}|${e.stage}|${e.status}|${e.retries || 0}`;
  const latencies = [];
  const fromSend = [];
  // Changes the page showed before their webhook's answer reached this process (the index
  // item is written before the webhook answers): matched when the answer comes.
  const shownEarly = new Map();
  const onAnswer = (sid, expected, at, sentAt) => {
    const k = key(sid, expected);
    if (shownEarly.has(k)) {
      latencies.push(Math.max(0, shownEarly.get(k) - at));
      fromSend.push(shownEarly.get(k) - sentAt);
      shownEarly.delete(k);
    } else {
      answered.set(k, [at, sentAt]);
    }
  };
  const drain = async () => {
    const shown = await page.evaluate(() => window.__shown.splice(0));
    for (const [sid, stage, status, retries, at] of shown) {
      const k = key(sid, { stage, status, retries });
      const sent = answered.get(k);
      if (sent === undefined) {
        shownEarly.set(k, at);
        continue;
      }
      answered.delete(k);
      latencies.push(Math.max(0, at - sent[0]));
      fromSend.push(at - sent[1]);
    }
  };

  const samples = [];
  const started = performance.now();
  let placed = 0;
  let failed = 0;
  const inFlight = new Set();
  let reopenMs = null;
  let reopening = null;
  let shot = false;
  const tick = setInterval(() => drain().catch(() => {}), 1000);
  let last = await pageMetrics(cdp);
  const sampler = setInterval(async () => {
    const now = await pageMetrics(cdp).catch(() => null);
    if (!now) return;
    const dom = await page.evaluate(() => document.getElementsByTagName('*').length).catch(() => null);
    samples.push({
      t: round((now.at - started) / 1000), busy: (now.taskSeconds - last.taskSeconds) / ((now.at - last.at) / 1000),
      nodes: now.nodes, elements: dom, heapMiB: now.heapBytes / 2 ** 20, active: Number(await page.textContent('#active-now').catch(() => NaN)),
    });
    last = now;
  }, 10_000);

  // Calls start on a steady clock: call n at n / RATE seconds.
  while (performance.now() - started < SECONDS * 1000) {
    const due = Math.floor(((performance.now() - started) / 1000) * RATE);
    while (placed < due) {
      const n = placed++;
      const call = placeCall(serve, n, PLANS[PLAN_CYCLE[n % PLAN_CYCLE.length]], { thinkMs: THINK_MS, onAnswer })
        .catch((error) => { failed += 1; if (failed < 5) console.error(error.message); })
        .finally(() => inFlight.delete(call));
      inFlight.add(call);
    }
    const elapsed = performance.now() - started;
    if (!shot && elapsed > SECONDS * 500) {
      shot = true;
      await page.screenshot({ path: join(SHOTS, 'dashboard-load.png') });
    }
    if (reopenMs === null && elapsed > SECONDS * 1000 - Math.min(30_000, SECONDS * 300)) {
      // A page opened now (while calls go on being placed): how long until it shows the
      // current picture.
      reopenMs = -1;
      reopening = (async () => {
        const again = await browser.newPage();
        const seen = [];
        again.on('console', (message) => seen.push(message.text()));
        again.on('pageerror', (error) => seen.push(error.message));
        const t0 = performance.now();
        try {
          await again.goto(`${serve.base}/`);
          await again.waitForSelector('body[data-ready="true"]', { timeout: 15_000 });
          reopenMs = performance.now() - t0;
          const [a, b] = await Promise.all([page.textContent('#active-now'), again.textContent('#active-now')]);
          console.log(`reopened page: ready in ${Math.round(reopenMs)} ms, active calls ${b} (first page: ${a})`);
        } catch (error) {
          console.log(`reopened page not ready after ${Math.round(performance.now() - t0)} ms: connection ${await again.textContent('#connection').catch(() => '?')}; ${seen.slice(-5).join(' | ')}`);
        }
        await again.close();
      })();
    }
    await new Promise((done) => setTimeout(done, 5));
  }
  const placedAt = (performance.now() - started) / 1000;
  await Promise.all(inFlight);
  await reopening;
  await new Promise((done) => setTimeout(done, 1500));
  clearInterval(tick);
  clearInterval(sampler);
  await drain();
  await drain();

  latencies.sort((a, b) => a - b);
  fromSend.sort((a, b) => a - b);
  const afterFirstMinute = samples.filter((s) => s.t > 60);
  const steady = afterFirstMinute.length ? afterFirstMinute : samples;
  const heaps = steady.map((s) => s.heapMiB);
  console.log(`placed ${placed} calls in ${round(placedAt, 1)} s (${round(placed / placedAt, 2)}/s), ${failed} failed; think time ${THINK_MS} ms`);
  console.log(`change on screen after its webhook's answer (ms), ${latencies.length} changes: p50 ${round(quantile(latencies, 0.5), 1)}, p99 ${round(quantile(latencies, 0.99), 1)}, max ${round(latencies[latencies.length - 1] || NaN, 1)}; not seen: ${answered.size}`);
  console.log(`change on screen after its webhook was sent (ms): p50 ${round(quantile(fromSend, 0.5), 1)}, p99 ${round(quantile(fromSend, 0.99), 1)}, max ${round(fromSend[fromSend.length - 1] || NaN, 1)}`);
  console.log(`main thread busy: mean ${round(100 * steady.reduce((a, s) => a + s.busy, 0) / Math.max(1, steady.length), 1)} %, max ${round(100 * Math.max(...steady.map((s) => s.busy)), 1)} % (10 s samples after the first minute)`);
  console.log(`DOM nodes max ${Math.max(...samples.map((s) => s.nodes))}, elements max ${Math.max(...samples.map((s) => s.elements || 0))}; JS heap after the first minute: min ${round(Math.min(...heaps), 1)} MiB, max ${round(Math.max(...heaps), 1)} MiB, first ${round(heaps[0], 1)}, last ${round(heaps[heaps.length - 1], 1)}`);
  console.log(`samples: ${JSON.stringify(samples.map((s) => [s.t, round(100 * s.busy, 1), s.nodes, round(s.heapMiB, 1), s.active]))}`);
  console.log(`script errors on the page: ${errors.length}${errors.length ? ` (${errors.slice(0, 3).join('; ')})` : ''}`);
} finally {
  await cleanup();
}
