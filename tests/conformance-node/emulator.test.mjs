// sync-emulator driven by Twilio's official Node helper library (twilio on npm), the way
// a Twilio Function or any Node service would talk to Sync: only the base URL changes.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import twilio from "twilio";

const ACCOUNT_SID = "AC00000000000000000000000000000042";
const AUTH_TOKEN = "node-conformance-token";
const BIN = process.env.SYNC_EMULATOR_BIN;

let emulator;
let client;
let service;

before(async () => {
  assert.ok(BIN, "SYNC_EMULATOR_BIN must name the sync-emulator binary");
  emulator = spawn(BIN, ["--port", "0", "--data", ":memory:", "--account-sid", ACCOUNT_SID, "--auth-token", AUTH_TOKEN], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const baseUrl = await new Promise((resolve, reject) => {
    const lines = createInterface({ input: emulator.stdout });
    lines.on("line", (line) => {
      if (line.startsWith("READY ")) resolve(line.slice("READY ".length).trim());
    });
    emulator.on("exit", (code) => reject(new Error(`sync-emulator exited with ${code}`)));
  });
  client = twilio(ACCOUNT_SID, AUTH_TOKEN);
  client.sync.baseUrl = baseUrl;
  service = client.sync.v1.services("default");
});

after(() => emulator?.kill());

async function rejectsWith(promise, status, code) {
  await assert.rejects(promise, (err) => {
    assert.equal(err.status, status, err.message);
    assert.equal(err.code, code, err.message);
    return true;
  });
}

test("documents: create, fetch by name and SID, conditional update, delete", async () => {
  const created = await service.documents.create({ uniqueName: "node-doc", data: { stage: "welcome" }, ttl: 3600 });
  assert.match(created.sid, /^ET[0-9a-f]{32}$/);
  assert.deepEqual(created.data, { stage: "welcome" });
  assert.ok(created.dateExpires instanceof Date);

  const byName = await service.documents("node-doc").fetch();
  const bySid = await service.documents(created.sid).fetch();
  assert.equal(byName.sid, created.sid);
  assert.equal(bySid.revision, created.revision);

  const updated = await service.documents("node-doc").update({ data: { stage: "menu" }, ifMatch: created.revision });
  assert.notEqual(updated.revision, created.revision);
  assert.deepEqual(updated.data, { stage: "menu" });
  // A stale revision is refused and changes nothing.
  await rejectsWith(service.documents("node-doc").update({ data: { stage: "lost" }, ifMatch: created.revision }), 412, 54103);
  assert.deepEqual((await service.documents("node-doc").fetch()).data, { stage: "menu" });

  await rejectsWith(service.documents.create({ uniqueName: "node-doc", data: {} }), 409, 54301);
  assert.equal(await service.documents("node-doc").remove(), true);
  await rejectsWith(service.documents("node-doc").fetch(), 404, 20404);
});

test("maps: items by key, duplicate keys, paging through every item", async () => {
  const map = await service.syncMaps.create({ uniqueName: "node-presence" });
  assert.match(map.sid, /^MP[0-9a-f]{32}$/);
  // twilio-node puts keys into the path as they are and refuses "/" and "?" in them
  // (twilio-python encodes them); non-ASCII goes through.
  const items = service.syncMaps("node-presence").syncMapItems;
  for (let i = 0; i < 7; i++) {
    await items.create({ key: `agent-${i}-é`, data: { status: "online" }, itemTtl: 300 });
  }
  await rejectsWith(items.create({ key: "agent-0-é", data: {} }), 409, 54208);
  const one = await service.syncMaps("node-presence").syncMapItems("agent-3-é").update({ data: { status: "away" } });
  assert.equal(one.data.status, "away");
  const all = await items.list({ pageSize: 2 });
  assert.equal(all.length, 7);
  assert.deepEqual(new Set(all.map((i) => i.key)).size, 7);
});

test("lists: increasing indexes, ordered paging, conditional item update", async () => {
  await service.syncLists.create({ uniqueName: "node-history" });
  const items = service.syncLists("node-history").syncListItems;
  const pushed = [];
  for (let i = 0; i < 5; i++) pushed.push(await items.create({ data: { n: i } }));
  const indexes = pushed.map((p) => p.index);
  assert.deepEqual(indexes, [...indexes].sort((a, b) => a - b));
  const desc = await items.list({ order: "desc", pageSize: 2 });
  assert.deepEqual(desc.map((i) => i.data.n), [4, 3, 2, 1, 0]);
  const first = service.syncLists("node-history").syncListItems(indexes[0]);
  const current = await first.fetch();
  await first.update({ data: { n: 10 }, ifMatch: current.revision });
  await rejectsWith(first.update({ data: { n: 11 }, ifMatch: current.revision }), 412, 54155);
});

test("streams: publish a message", async () => {
  const stream = await service.syncStreams.create({ uniqueName: "node-events" });
  assert.match(stream.sid, /^TO[0-9a-f]{32}$/);
  const message = await service.syncStreams("node-events").streamMessages.create({ data: { typing: true } });
  assert.match(message.sid, /^TZ/);
  assert.deepEqual(message.data, { typing: true });
});

test("errors: bad TTL, oversize data, wrong credentials", async () => {
  await rejectsWith(service.documents.create({ uniqueName: "bad-ttl", data: {}, ttl: 31536001 }), 400, 54011);
  const big = { blob: "x".repeat(17 * 1024) };
  await rejectsWith(service.documents.create({ uniqueName: "too-big", data: big }), 413, 54006);
  const stranger = twilio(ACCOUNT_SID, "wrong-token");
  stranger.sync.baseUrl = client.sync.baseUrl;
  await rejectsWith(stranger.sync.v1.services("default").documents.list(), 401, 20003);
});
