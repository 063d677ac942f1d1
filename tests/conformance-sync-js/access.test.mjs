// Tokens the emulator must refuse, and a restart the clients must not notice (beyond a
// reconnect): the unmodified twilio-sync.js client against a sync-emulator process.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import twilio from "twilio";
import {
  ACCOUNT_SID, AUTH_TOKEN, client, eventually, nextEvent, reachState, record, shutdown, startEmulator, token,
} from "./support.mjs";

test("expired, wrongly signed and other-service tokens are refused, never served", async () => {
  const emu = await startEmulator();
  try {
    const cases = {
      expired: token({ ttl: -60 }),
      "signed with another secret": token({ secret: "not-the-key-secret" }),
      "for another service": token({ service: "ISffffffffffffffffffffffffffffffff" }),
    };
    for (const [what, jwt] of Object.entries(cases)) {
      const c = client(emu.socketUrl, jwt);
      try {
        await reachState(c, "denied", 5000).catch((e) => assert.fail(`${what}: ${e.message} (${c.connectionState})`));
        // Nothing is served on a refused connection.
        await assert.rejects(c.document({ id: "secret-doc", mode: "open_or_create" }), `${what}: open refused`);
      } finally {
        await shutdown(c);
      }
    }
    // The expired one is told why.
    const c = client(emu.socketUrl, token({ ttl: -60 }));
    try {
      await nextEvent(c, "tokenExpired", () => true, 5000);
    } finally {
      await shutdown(c);
    }
    // And a good token on the same emulator is served.
    const ok = client(emu.socketUrl);
    try {
      await reachState(ok, "connected");
      const doc = await ok.document({ id: "secret-doc", mode: "open_or_create", data: { ok: true } });
      assert.deepEqual(doc.data, { ok: true });
    } finally {
      await shutdown(ok);
    }
  } finally {
    await emu.stop();
  }
});

test("after an emulator restart (file database) clients reconnect and miss nothing", async () => {
  const dir = mkdtempSync(join(tmpdir(), "sync-js-restart-"));
  const data = join(dir, "sync.sqlite3");
  let emu = await startEmulator({ data });
  const port = emu.port;
  const c = client(emu.socketUrl);
  try {
    await reachState(c, "connected");
    const doc = await c.document({ id: "restart-doc", mode: "create_new", data: { n: 0 } });
    const map = await c.map({ id: "restart-map", mode: "create_new" });
    await map.set("kept", { v: 1 });
    await map.set("gone", { v: 1 });
    const docUpdates = record(doc, "updated");
    const added = record(map, "itemAdded");
    const updated = record(map, "itemUpdated");
    const removed = record(map, "itemRemoved");
    // Subscriptions are live before the emulator goes away.
    await eventually(() => doc.lastEventId === 0 && map.lastEventId >= 2, 2000, "opened");
    await new Promise((r) => setTimeout(r, 300));

    await emu.stop();
    await reachState(c, "connecting", 5000);
    // Written while the clients are away, by another emulator process on the same file.
    const side = await startEmulator({ data });
    const rest = twilio(ACCOUNT_SID, AUTH_TOKEN);
    rest.sync.baseUrl = side.baseUrl;
    const svc = rest.sync.v1.services("default");
    await svc.documents("restart-doc").update({ data: { n: 1 } });
    await svc.documents("restart-doc").update({ data: { n: 2 } });
    await svc.syncMaps("restart-map").syncMapItems.create({ key: "new", data: { v: 2 } });
    await svc.syncMaps("restart-map").syncMapItems("kept").update({ data: { v: 3 } });
    await svc.syncMaps("restart-map").syncMapItems("gone").remove();
    await side.stop();

    // The emulator comes back on the same port; the client reconnects by itself.
    emu = await startEmulator({ data, port });
    await reachState(c, "connected", 30000);
    await eventually(() => docUpdates.length === 2, 5000, "both missed document updates replayed");
    assert.deepEqual(docUpdates.map((u) => u.data.n), [1, 2]);
    assert.deepEqual(doc.data, { n: 2 });
    await eventually(() => added.length === 1 && updated.length === 1 && removed.length === 1, 5000,
      "missed map changes replayed");
    assert.equal(added[0].item.key, "new");
    assert.deepEqual(updated[0].item.data, { v: 3 });
    assert.equal(removed[0].key, "gone");
    // And it is live again.
    const live = twilio(ACCOUNT_SID, AUTH_TOKEN);
    live.sync.baseUrl = emu.baseUrl;
    await live.sync.v1.services("default").documents("restart-doc").update({ data: { n: 3 } });
    await eventually(() => doc.data.n === 3, 1000, "a live update after the restart");
  } finally {
    await shutdown(c);
    await emu.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a token that expires while connected: warned, closed with 410, and updateToken reconnects", async () => {
  const emu = await startEmulator();
  const c = client(emu.socketUrl, token({ ttl: 4 }));
  try {
    const warned = nextEvent(c, "tokenAboutToExpire", () => true, 4000);
    await reachState(c, "connected");
    await warned;
    const doc = await c.document({ id: "expiring", mode: "create_new", data: { v: 1 } });
    await nextEvent(c, "tokenExpired", () => true, 8000);
    // twilsock ignores updateToken while it is still closing (an invalid transition of its
    // state machine, and the promise never settles), so wait until it has let go.
    await reachState(c, "disconnected", 8000);
    await c.updateToken(token({ ttl: 600 }));
    await reachState(c, "connected", 10000);
    await doc.set({ v: 2 });
    const again = await c.document({ id: "expiring", mode: "open_existing" });
    assert.deepEqual(again.data, { v: 2 });
    // A token update on a live connection is accepted too.
    await c.updateToken(token({ ttl: 1200 }));
    assert.equal(c.connectionState, "connected");
  } finally {
    await shutdown(c);
    await emu.stop();
  }
});

test("on a service with AclEnabled the client gets what its Sync Permissions grant", async () => {
  const emu = await startEmulator();
  const rest = twilio(ACCOUNT_SID, AUTH_TOKEN);
  rest.sync.baseUrl = emu.baseUrl;
  const svc = await rest.sync.v1.services.create({ friendlyName: "acl", aclEnabled: true });
  assert.equal(svc.aclEnabled, true);
  const guarded = rest.sync.v1.services(svc.sid).documents("guarded");
  await rest.sync.v1.services(svc.sid).documents.create({ uniqueName: "guarded", data: { n: 0 } });
  const grant = (flags) => guarded.documentPermissions("agent-1").update(flags);
  const denied = (promise, what) => assert.rejects(promise, (err) => {
    assert.equal(err.status, 403, `${what}: ${err.message}`);
    assert.equal(err.code, 54007, `${what}: ${err.message}`);
    return true;
  });
  const c = client(emu.socketUrl, token({ service: svc.sid, identity: "agent-1" }));
  try {
    await reachState(c, "connected");
    await denied(c.document({ id: "guarded", mode: "open_existing" }), "open without read");

    await grant({ read: true, write: false, manage: false });
    const doc = await c.document({ id: "guarded", mode: "open_existing" });
    assert.deepEqual(doc.data, { n: 0 });
    await denied(doc.set({ n: 1 }), "set without write");
    // Read includes the subscription: a backend write over REST arrives live.
    const seen = nextEvent(doc, "updated", (e) => e.data.n === 2, 1000);
    await guarded.update({ data: { n: 2 } });
    await seen;

    await grant({ read: true, write: true, manage: false });
    await doc.set({ n: 3 });
    assert.equal((await guarded.fetch()).data.n, 3);
    await denied(doc.removeDocument(), "remove without manage");
    await grant({ read: true, write: true, manage: true });
    await doc.removeDocument();
    await assert.rejects(guarded.fetch(), (err) => err.status === 404);
  } finally {
    await shutdown(c);
    await emu.stop();
  }
});

test("revoking or narrowing a Sync Permission ends the live subscription: failure 54007, no more updates", async () => {
  const emu = await startEmulator();
  const rest = twilio(ACCOUNT_SID, AUTH_TOKEN);
  rest.sync.baseUrl = emu.baseUrl;
  const svc = await rest.sync.v1.services.create({ friendlyName: "acl-revoke", aclEnabled: true });
  const docs = rest.sync.v1.services(svc.sid).documents;
  for (const name of ["narrowed", "deleted"]) {
    await docs.create({ uniqueName: name, data: { n: 0 } });
    await docs(name).documentPermissions("agent-1").update({ read: true, write: true, manage: false });
  }
  const c = client(emu.socketUrl, token({ service: svc.sid, identity: "agent-1" }));
  try {
    await reachState(c, "connected");
    const revokes = {
      narrowed: () => docs("narrowed").documentPermissions("agent-1").update({ read: false, write: true, manage: false }),
      deleted: () => docs("deleted").documentPermissions("agent-1").remove(),
    };
    for (const [name, revoke] of Object.entries(revokes)) {
      const doc = await c.document({ id: name, mode: "open_existing" });
      // Subscribed: a backend write arrives live.
      const seen = nextEvent(doc, "updated", (e) => e.data.n === 1, 2000);
      await docs(name).update({ data: { n: 1 } });
      await seen;

      const failed = nextEvent(doc, "failure", () => true, 2000);
      await revoke();
      const err = await failed.catch((e) => assert.fail(`${name}: no failure event (${e.message})`));
      assert.equal(err.status, 403, `${name}: ${err.message}`);
      assert.equal(err.code, 54007, `${name}: ${err.message}`);
      // Nothing more arrives for it.
      const updates = record(doc, "updated");
      await docs(name).update({ data: { n: 2 } });
      await new Promise((r) => setTimeout(r, 700));
      assert.deepEqual(updates, [], `${name}: no update after the revocation`);
    }
  } finally {
    await shutdown(c);
    await emu.stop();
  }
});
