// The emulator's 2010-04-01 API (IncomingPhoneNumbers, Messages, a call's Recordings, Keys)
// and IAM's /v1/Keys, driven by Twilio's Node helper library with only its `api` and `iam`
// base URLs changed.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import twilio from "twilio";

const ACCOUNT_SID = "AC00000000000000000000000000000043";
const AUTH_TOKEN = "node-api-token";
const NUMBER = "+12065550100";
const BIN = process.env.SYNC_EMULATOR_BIN;

let emulator;
let baseUrl;
let client;

function pointed(c) {
  c.api.baseUrl = baseUrl;
  c.iam.baseUrl = baseUrl;
  return c;
}

before(async () => {
  assert.ok(BIN, "SYNC_EMULATOR_BIN must name the sync-emulator binary");
  emulator = spawn(
    BIN,
    ["--port", "0", "--data", ":memory:", "--account-sid", ACCOUNT_SID, "--auth-token", AUTH_TOKEN, "--phone-number", NUMBER],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  baseUrl = await new Promise((resolve, reject) => {
    const lines = createInterface({ input: emulator.stdout });
    lines.on("line", (line) => {
      if (line.startsWith("READY ")) resolve(line.slice("READY ".length).trim());
    });
    emulator.on("exit", (code) => reject(new Error(`sync-emulator exited with ${code}`)));
  });
  client = pointed(twilio(ACCOUNT_SID, AUTH_TOKEN));
});

after(() => emulator?.kill());

async function rejectsWith(promise, status, code) {
  await assert.rejects(promise, (err) => {
    assert.equal(err.status, status, err.message);
    assert.equal(err.code, code, err.message);
    return true;
  });
}

test("incoming phone numbers: list by number, fetch, update the webhooks", async () => {
  const [number] = await client.incomingPhoneNumbers.list({ phoneNumber: NUMBER });
  assert.equal(number.phoneNumber, NUMBER);
  assert.match(number.sid, /^PN[0-9a-f]{32}$/);
  assert.ok(number.dateCreated instanceof Date && !Number.isNaN(number.dateCreated.getTime()));
  const updated = await client.incomingPhoneNumbers(number.sid).update({
    voiceUrl: "https://example.com/store-call-state",
    voiceMethod: "POST",
    statusCallback: "https://example.com/store-call-state",
    voiceFallbackUrl: "https://example.com/store-call-state",
  });
  assert.equal(updated.voiceUrl, "https://example.com/store-call-state");
  assert.equal((await client.incomingPhoneNumbers(number.sid).fetch()).voiceFallbackUrl, "https://example.com/store-call-state");
  await rejectsWith(client.incomingPhoneNumbers("PN" + "0".repeat(32)).fetch(), 404, 20404);
});

test("messages: created, kept, fetched, listed; Twilio's codes for missing fields", async () => {
  const message = await client.messages.create({ to: "+15005550006", from: NUMBER, body: "hello" });
  assert.match(message.sid, /^SM[0-9a-f]{32}$/);
  assert.equal(message.status, "queued");
  assert.equal((await client.messages(message.sid).fetch()).body, "hello");
  assert.ok((await client.messages.list({ to: "+15005550006" })).some((m) => m.sid === message.sid));
  await rejectsWith(client.messages.create({ to: "+15005550006", body: "no from" }), 400, 21603);
});

test("a call's recording: start, stop", async () => {
  const call = "CA" + "1".repeat(32);
  const recording = await client.calls(call).recordings.create();
  assert.equal(recording.status, "in-progress");
  const stopped = await client.calls(call).recordings(recording.sid).update({ status: "stopped" });
  assert.equal(stopped.status, "stopped");
});

test("keys: created at both paths, authenticate, listed, deleted", async () => {
  const key = await client.newKeys.create({ friendlyName: "node key" });
  assert.match(key.sid, /^SK[0-9a-f]{32}$/);
  const byKey = pointed(twilio(key.sid, key.secret, { accountSid: ACCOUNT_SID }));
  assert.equal((await byKey.incomingPhoneNumbers.list()).length, 1);
  assert.ok((await client.keys.list()).some((k) => k.sid === key.sid));
  await client.keys(key.sid).remove();
  await rejectsWith(byKey.incomingPhoneNumbers("PN" + "0".repeat(32)).fetch(), 401, 20003);

  const iamKey = await client.iam.v1.newApiKey.create({ accountSid: ACCOUNT_SID, friendlyName: "iam" });
  assert.match(iamKey.sid, /^SK[0-9a-f]{32}$/);
  assert.ok((await client.iam.v1.getApiKeys.list({ accountSid: ACCOUNT_SID })).some((k) => k.sid === iamKey.sid));
  await client.iam.v1.apiKey(iamKey.sid).remove();
});

test("bad credentials: Twilio's 401", async () => {
  const bad = pointed(twilio(ACCOUNT_SID, "wrong"));
  await rejectsWith(bad.messages.create({ to: "+15005550006", from: NUMBER, body: "x" }), 401, 20003);
});
