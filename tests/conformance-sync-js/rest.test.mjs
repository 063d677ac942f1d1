// Changes made through REST v1 by twilio-python (what server-side code does) reach the
// unmodified twilio-sync.js client as live events within 1 s.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import {
  ACCOUNT_SID, AUTH_TOKEN, client, nextEvent, reachState, shutdown, startEmulator,
} from "./support.mjs";

const PYTHON = process.env.PYTHON;
let emu;
let js;
let py;
let pyLines;

before(async () => {
  assert.ok(PYTHON, "PYTHON must name a Python with twilio-python installed (scripts/test sets it)");
  emu = await startEmulator();
  js = client(emu.socketUrl);
  await reachState(js, "connected");
  const script = fileURLToPath(new URL("./rest_writer.py", import.meta.url));
  py = spawn(PYTHON, [script, emu.baseUrl, ACCOUNT_SID, AUTH_TOKEN], { stdio: ["pipe", "pipe", "inherit"] });
  pyLines = createInterface({ input: py.stdout })[Symbol.asyncIterator]();
});

after(async () => {
  py?.stdin.end();
  await shutdown(js);
  await emu?.stop();
});

/** Has twilio-python make one write and waits for it to be answered. */
async function pyWrite(cmd) {
  py.stdin.write(`${JSON.stringify(cmd)}\n`);
  const { value, done } = await pyLines.next();
  assert.ok(!done && value === "ok", `twilio-python wrote ${JSON.stringify(cmd)}`);
}

/** Starts waiting for `event`, has python write, and expects the event within 1 s. */
async function expectFrom(obj, event, pred, cmd) {
  const seen = nextEvent(obj, event, pred, 1000);
  const start = Date.now();
  await pyWrite(cmd);
  const ev = await seen;
  assert.ok(Date.now() - start < 1000);
  return ev;
}

test("a document, map, list and stream follow twilio-python's REST writes", async () => {
  const doc = await js.document({ id: "py-doc", mode: "create_new", data: { stage: "new" } });
  const map = await js.map({ id: "py-map", mode: "create_new" });
  const list = await js.list({ id: "py-list", mode: "create_new" });
  const stream = await js.stream({ id: "py-stream", mode: "create_new" });
  await Promise.all([doc, map, list, stream].map(
    (o) => nextEvent(o, "_subscriptionStateChanged", (s) => s === "established", 3000)));

  let ev = await expectFrom(doc, "updated", () => true, { op: "doc", id: "py-doc", data: { stage: "menu" } });
  assert.deepEqual(ev.data, { stage: "menu" });
  assert.equal(ev.isLocal, false);
  ev = await expectFrom(map, "itemAdded", (e) => e.item.key === "agent-7",
    { op: "map_add", map: "py-map", key: "agent-7", data: { status: "online" } });
  assert.deepEqual(ev.item.data, { status: "online" });
  ev = await expectFrom(map, "itemUpdated", (e) => e.item.key === "agent-7",
    { op: "map_update", map: "py-map", key: "agent-7", data: { status: "away" } });
  assert.deepEqual(ev.item.data, { status: "away" });
  ev = await expectFrom(map, "itemRemoved", (e) => e.key === "agent-7",
    { op: "map_remove", map: "py-map", key: "agent-7" });
  assert.deepEqual(ev.previousItemData, { status: "away" });
  ev = await expectFrom(list, "itemAdded", () => true, { op: "list_push", list: "py-list", data: { n: 1 } });
  assert.equal(ev.item.index, 0);
  ev = await expectFrom(stream, "messagePublished", () => true,
    { op: "publish", stream: "py-stream", data: { alert: "outage" } });
  assert.deepEqual(ev.message.data, { alert: "outage" });
  assert.match(ev.message.sid, /^TZ/);
});
