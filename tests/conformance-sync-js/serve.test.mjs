// `callflow serve`'s functions write to the embedded emulator; the unmodified twilio-sync.js
// client, with a token from serve's own `sync-token`, sees every change live: a simulated
// call (`callflow call`) moving `call-{CallSid}` through its stages, and a presence beat
// appearing in `user-presence` and disappearing when its (short) TTL runs out.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import { SyncClient } from "twilio-sync";
import { eventually, nextEvent, reachState, record, shutdown } from "./support.mjs";

const CALLFLOW = process.env.CALLFLOW_BIN;
/** Each webhook waits this long on its way to serve, as over a network, so the client
 * has time to open the call's document before the call is over. */
const WEBHOOK_DELAY_MS = 400;
const PRESENCE_TTL_S = 2;

let dir;
let serve;
let proxy;
let proxyUrl;
let vars = {};
let sync;

/** Forwards every request to `target()` after WEBHOOK_DELAY_MS, unchanged. */
function delayingProxy(target) {
  return createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    await new Promise((r) => setTimeout(r, WEBHOOK_DELAY_MS));
    const headers = { ...req.headers };
    delete headers.host;
    delete headers["content-length"];
    const answer = await fetch(target() + req.url, {
      method: req.method,
      headers,
      body: ["GET", "HEAD"].includes(req.method) ? undefined : Buffer.concat(chunks),
    });
    const back = Object.fromEntries(answer.headers);
    delete back["content-length"];
    delete back["transfer-encoding"];
    res.writeHead(answer.status, back);
    res.end(Buffer.from(await answer.arrayBuffer()));
  });
}

before(async () => {
  assert.ok(CALLFLOW, "CALLFLOW_BIN must name the callflow binary");
  dir = mkdtempSync(join(tmpdir(), "sync-js-serve-"));
  // The proxy's URL is the public base URL Twilio (here `callflow call`) signs for.
  proxy = delayingProxy(() => serve.base);
  await new Promise((r) => proxy.listen(0, "127.0.0.1", r));
  proxyUrl = `http://127.0.0.1:${proxy.address().port}`;
  const env = Object.fromEntries(Object.entries(process.env).filter(
    ([k]) => !/^(TWILIO_|CALLFLOW_|PUBLIC_BASE_URL|SYNC_TOKEN_TTL|PRESENCE_TTL)/.test(k)));
  const proc = spawn(CALLFLOW, ["serve", "--port", "0", "--data", ":memory:"], {
    cwd: dir,
    env: { ...env, PUBLIC_BASE_URL: proxyUrl, PRESENCE_TTL: String(PRESENCE_TTL_S) },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const base = await new Promise((resolve, reject) => {
    createInterface({ input: proc.stdout }).on("line", (line) => {
      const v = line.trim().match(/^([A-Z_]+)=(\S+)/);
      if (v) vars[v[1]] ??= v[2];
      const ready = line.match(/^READY (\S+)/);
      if (ready) resolve(ready[1]);
    });
    proc.on("exit", (code) => reject(new Error(`callflow serve exited with ${code}`)));
  });
  serve = { proc, base };

  const res = await fetch(`${base}/sync-token?identity=supervisor`, {
    headers: { Authorization: `Bearer ${vars.CALLFLOW_API_TOKEN}` },
  });
  assert.equal(res.status, 200, await res.clone().text());
  const { token } = await res.json();
  sync = new SyncClient(token, { twilsock: { uri: base.replace(/^http/, "ws") + "/v3/wsconnect" } });
  await reachState(sync, "connected");
});

after(async () => {
  await shutdown(sync);
  serve?.proc.kill();
  proxy?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("a presence beat appears in user-presence, and its TTL expiry is a removal", async () => {
  const presence = await sync.map("user-presence");
  await nextEvent(presence, "_subscriptionStateChanged", (s) => s === "established", 3000);
  const added = nextEvent(presence, "itemAdded", (e) => e.item.key === "bob", 1000);
  const res = await fetch(`${serve.base}/presence-heartbeat`, {
    method: "POST",
    headers: { Authorization: `Bearer ${vars.CALLFLOW_API_TOKEN}`, "Content-Type": "application/json" },
    body: JSON.stringify({ identity: "bob", status: "online", device: "web" }),
  });
  assert.equal(res.status, 200, await res.text());
  const beat = await added;
  assert.equal(beat.item.data.status, "online");
  const start = Date.now();
  const gone = await nextEvent(presence, "itemRemoved", (e) => e.key === "bob", PRESENCE_TTL_S * 1000 + 2000);
  assert.equal(gone.isLocal, false);
  assert.ok(Date.now() - start >= PRESENCE_TTL_S * 1000 - 1000, "removed when the TTL ran out, not before");
});

test("callflow call moves call-{CallSid} through its stages, each change seen live", async () => {
  const calls = await sync.map("calls");
  await nextEvent(calls, "_subscriptionStateChanged", (s) => s === "established", 3000);
  const callSid = "CA" + "7a".repeat(16);
  const seen = [];
  let doc;
  calls.on("itemAdded", async ({ item }) => {
    if (item.key !== callSid) return;
    doc = await sync.document({ id: item.data.document, mode: "open_existing" });
    seen.push({ stage: doc.data.stage, status: doc.data.status, opened: true });
    doc.on("updated", (e) => seen.push({ stage: e.data.stage, status: e.data.status }));
  });
  const { stdout } = await promisify(execFile)(CALLFLOW, [
    "call", "--to", `${proxyUrl}/store-call-state`, "--digits", "2", "--speech", "there is an outage",
    "--call-sid", callSid,
  ], {
    env: {
      ...process.env, TWILIO_ACCOUNT_SID: vars.TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN: vars.TWILIO_AUTH_TOKEN,
      CALLFLOW_API_TOKEN: vars.CALLFLOW_API_TOKEN,
    },
  });
  await eventually(() => seen.at(-1)?.status === "completed", 2000, `the completed call reaches the client (${stdout})`);
  assert.equal(doc.uniqueName, `call-${callSid}`);
  const stages = seen.map((s) => s.stage);
  // Opened at the welcome menu, then every later stage arrived as an update.
  assert.equal(stages[0], "welcome", JSON.stringify(seen));
  assert.ok(stages.includes("technical"), JSON.stringify(seen));
  assert.equal(seen.at(-1).stage, "outage", JSON.stringify(seen));
  assert.ok(seen.filter((s) => !s.opened).length >= 3, JSON.stringify(seen));
});
