// sync-emulator's realtime face driven by the unmodified twilio-sync.js client (pinned in
// package-lock.json) under Node 22: open modes, writes, contention, paging, live events.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { client, eventually, nextEvent, reachState, record, shutdown, startEmulator } from "./support.mjs";

let emu;
let a;
let b;

before(async () => {
  emu = await startEmulator();
  a = client(emu.socketUrl);
  b = client(emu.socketUrl);
  await Promise.all([reachState(a, "connected"), reachState(b, "connected")]);
});

after(async () => {
  await shutdown(a, b);
  await emu?.stop();
});

async function rejectsWithStatus(promise, status) {
  await assert.rejects(promise, (err) => {
    assert.equal(err.status, status, err.message);
    return true;
  });
}

test("documents: every open mode, with ttl and value", async () => {
  const created = await a.document({ id: "doc-modes", mode: "create_new", data: { stage: "menu" }, ttl: 600 });
  assert.match(created.sid, /^ET[0-9a-f]{32}$/);
  assert.equal(created.uniqueName, "doc-modes");
  assert.deepEqual(created.data, { stage: "menu" });
  assert.ok(created.dateExpires, "a ttl gives an expiry");
  // create_new on a taken name fails; open_existing opens it; open_or_create opens it too.
  await rejectsWithStatus(b.document({ id: "doc-modes", mode: "create_new" }), 409);
  const existing = await b.document({ id: "doc-modes", mode: "open_existing" });
  assert.equal(existing.sid, created.sid);
  assert.deepEqual(existing.data, { stage: "menu" });
  const same = await b.document("doc-modes");
  assert.equal(same.sid, created.sid);
  // open_existing of a missing one fails; open_or_create makes it with the given value.
  await rejectsWithStatus(b.document({ id: "doc-missing", mode: "open_existing" }), 404);
  const made = await b.document({ id: "doc-made", mode: "open_or_create", data: { fresh: true }, ttl: 60 });
  assert.deepEqual(made.data, { fresh: true });
  assert.ok(made.dateExpires);
  const byA = await a.document({ id: made.sid, mode: "open_existing" });
  assert.deepEqual(byA.data, { fresh: true });
  // No id: a new anonymous document.
  const anon = await a.document();
  assert.match(anon.sid, /^ET/);
  assert.equal(anon.uniqueName, null);
});

test("documents: set, update and mutate reach the other client within 1 s", async () => {
  const mine = await a.document({ id: "doc-live", mode: "create_new", data: { n: 0 } });
  const theirs = await b.document("doc-live");
  const updates = record(theirs, "updated");
  await mine.set({ n: 1, stage: "menu" });
  await eventually(() => updates.length === 1, 1000, "the set arrives");
  assert.deepEqual(updates[0].data, { n: 1, stage: "menu" });
  assert.equal(updates[0].isLocal, false);
  await mine.update({ stage: "queue" });
  await eventually(() => updates.length === 2, 1000, "the update arrives");
  assert.deepEqual(theirs.data, { n: 1, stage: "queue" });
  await mine.mutate((v) => ({ ...v, n: v.n + 1 }));
  await eventually(() => theirs.data.n === 2, 1000, "the mutate arrives");
  // Removal reaches the other side too.
  const removed = nextEvent(theirs, "removed");
  await mine.removeDocument();
  const ev = await removed;
  assert.equal(ev.isLocal, false);
});

test("documents: mutate from two clients at once loses nothing", async () => {
  const d1 = await a.document({ id: "doc-counter", mode: "create_new", data: { n: 0, by: [] } });
  const d2 = await b.document("doc-counter");
  const rounds = 15;
  const bump = (doc, who) => doc.mutate((v) => ({ n: v.n + 1, by: [...v.by, who] }));
  const work = [];
  for (let i = 0; i < rounds; i++) {
    work.push(bump(d1, "a"), bump(d2, "b"));
  }
  await Promise.all(work);
  await eventually(() => d1.data.n === 2 * rounds && d2.data.n === 2 * rounds, 2000, "both see every increment");
  assert.equal(d1.data.by.filter((w) => w === "a").length, rounds);
  assert.equal(d1.data.by.filter((w) => w === "b").length, rounds);
});

test("maps: open modes, item add/update/remove, mutate under contention, live events", async () => {
  const m1 = await a.map({ id: "map-live", mode: "create_new", ttl: 600 });
  assert.match(m1.sid, /^MP/);
  await rejectsWithStatus(b.map({ id: "map-live", mode: "create_new" }), 409);
  await rejectsWithStatus(b.map({ id: "map-nope", mode: "open_existing" }), 404);
  const m2 = await b.map({ id: "map-live", mode: "open_existing" });
  const added = record(m2, "itemAdded");
  const updated = record(m2, "itemUpdated");
  const removed = record(m2, "itemRemoved");

  const item = await m1.set("agent-1", { status: "online" }, { ttl: 300 });
  assert.equal(item.key, "agent-1");
  assert.ok(item.dateExpires);
  await eventually(() => added.length === 1, 1000, "itemAdded arrives");
  assert.deepEqual(added[0].item.data, { status: "online" });
  await m1.update("agent-1", { status: "away" });
  await eventually(() => updated.length === 1, 1000, "itemUpdated arrives");
  assert.deepEqual(updated[0].item.data, { status: "away" });
  assert.deepEqual(updated[0].previousItemData, { status: "online" });
  await m1.remove("agent-1");
  await eventually(() => removed.length === 1, 1000, "itemRemoved arrives");
  assert.equal(removed[0].key, "agent-1");
  await rejectsWithStatus(m2.get("agent-1"), 404);

  // Two clients mutate one (new) item: If-Match -1 creates once, then revisions serialise.
  const rounds = 10;
  const bump = (map) => map.mutate("counter", (v) => ({ n: (v.n ?? 0) + 1 }));
  const work = [];
  for (let i = 0; i < rounds; i++) work.push(bump(m1), bump(m2));
  await Promise.all(work);
  const total = async (map) => (await map.get("counter")).data.n;
  await eventually(async () => (await total(m1)) === 2 * rounds && (await total(m2)) === 2 * rounds,
    2000, "both see all increments");
});

test("maps: getItems pages in both orders", async () => {
  const m = await a.map({ id: "map-pages", mode: "create_new" });
  const keys = Array.from({ length: 7 }, (_, i) => `k${i}`);
  for (const k of keys) await m.set(k, { k });
  // A fresh client with an empty cache pages from the server.
  const fresh = await b.map("map-pages");
  const walk = async (order) => {
    const seen = [];
    let page = await fresh.getItems({ pageSize: 3, order });
    for (;;) {
      seen.push(...page.items.map((i) => i.key));
      if (!page.hasNextPage) break;
      page = await page.nextPage();
    }
    return seen;
  };
  assert.deepEqual(await walk("asc"), keys);
  assert.deepEqual(await walk("desc"), [...keys].reverse());
  const first = await fresh.getItems({ pageSize: 3, from: "k2", order: "asc" });
  assert.deepEqual(first.items.map((i) => i.key), ["k2", "k3", "k4"]);
  assert.equal(first.hasPrevPage, true);
  const back = await first.prevPage();
  assert.deepEqual(back.items.map((i) => i.key), ["k0", "k1"]);
});

test("lists: open modes, push/set/update/remove, paging both orders, live events", async () => {
  const l1 = await a.list({ id: "list-live", mode: "create_new", ttl: 600 });
  await rejectsWithStatus(b.list({ id: "list-live", mode: "create_new" }), 409);
  await rejectsWithStatus(b.list({ id: "list-none", mode: "open_existing" }), 404);
  const l2 = await b.list({ id: "list-live", mode: "open_or_create" });
  assert.equal(l2.sid, l1.sid);
  const added = record(l2, "itemAdded");
  const updated = record(l2, "itemUpdated");
  const removed = record(l2, "itemRemoved");
  for (let i = 0; i < 5; i++) await l1.push({ n: i }, { ttl: 300 });
  await eventually(() => added.length === 5, 1000, "five itemAdded");
  assert.deepEqual(added.map((e) => e.item.index), [0, 1, 2, 3, 4]);
  await l1.set(1, { n: 10 });
  await l1.mutate(2, (v) => ({ n: v.n + 100 }));
  await eventually(() => updated.length === 2, 1000, "two itemUpdated");
  await l1.remove(0);
  await eventually(() => removed.length === 1, 1000, "itemRemoved");
  assert.equal(removed[0].index, 0);

  const fresh = await (await import("./support.mjs")).client(emu.socketUrl);
  try {
    const l3 = await fresh.list("list-live");
    const asc = await l3.getItems({ pageSize: 2 });
    assert.deepEqual(asc.items.map((i) => i.index), [1, 2]);
    const next = await asc.nextPage();
    assert.deepEqual(next.items.map((i) => i.index), [3, 4]);
    assert.equal(next.hasNextPage, false);
    const desc = await l3.getItems({ pageSize: 3, order: "desc" });
    assert.deepEqual(desc.items.map((i) => i.index), [4, 3, 2]);
    assert.deepEqual(desc.items.map((i) => i.data.n), [4, 3, 102]);
  } finally {
    await fresh.shutdown();
  }
});

test("streams: open modes and publish", async () => {
  const s1 = await a.stream({ id: "stream-live", mode: "create_new", ttl: 600 });
  assert.match(s1.sid, /^TO/);
  await rejectsWithStatus(b.stream({ id: "stream-live", mode: "create_new" }), 409);
  await rejectsWithStatus(b.stream({ id: "stream-none", mode: "open_existing" }), 404);
  // Streams have no replay: publish once the subscription is established (the client
  // reports it on the object as `_subscriptionStateChanged`).
  const s2 = await b.stream({ id: "stream-live", mode: "open_existing" });
  await nextEvent(s2, "_subscriptionStateChanged", (s) => s === "established", 3000);
  const made = await b.stream({ id: "stream-made", mode: "open_or_create" });
  assert.match(made.sid, /^TO/);
  const got = nextEvent(s2, "messagePublished", (e) => e.isLocal === false && e.message.data.alert === 1);
  const sent = await s1.publishMessage({ alert: 1 });
  assert.match(sent.sid, /^TZ/);
  const ev = await got;
  assert.equal(ev.message.sid, sent.sid);
});
