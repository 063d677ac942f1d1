// Shared by the twilio-sync.js conformance tests: a real sync-emulator process, access
// tokens minted by twilio-node's AccessToken + SyncGrant, connected SyncClients, and a
// way to wait for an event with a deadline.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import assert from "node:assert/strict";
import twilio from "twilio";
import { SyncClient } from "twilio-sync";

export const ACCOUNT_SID = "AC00000000000000000000000000000077";
export const AUTH_TOKEN = "sync-js-conformance-token";
export const KEY_SID = "SK00000000000000000000000000000077";
export const KEY_SECRET = "sync-js-conformance-key-secret";

const BIN = process.env.SYNC_EMULATOR_BIN;

/** Starts `sync-emulator` (on `port`, 0 for any) and resolves once it prints READY. */
export async function startEmulator({ data = ":memory:", port = 0 } = {}) {
  assert.ok(BIN, "SYNC_EMULATOR_BIN must name the sync-emulator binary");
  const proc = spawn(
    BIN,
    ["--port", String(port), "--data", data, "--account-sid", ACCOUNT_SID, "--auth-token", AUTH_TOKEN,
      "--api-key", `${KEY_SID}:${KEY_SECRET}`],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const baseUrl = await readyLine(proc, "sync-emulator");
  return emulatorAt(proc, baseUrl);
}

/** Resolves with the URL of the first `READY <url>` line a child prints. */
export function readyLine(proc, name) {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: proc.stdout });
    lines.on("line", (line) => {
      const m = line.match(/READY (\S+)/);
      if (m) resolve(m[1]);
    });
    proc.on("exit", (code) => reject(new Error(`${name} exited with ${code}`)));
  });
}

export function emulatorAt(proc, baseUrl) {
  const port = Number(new URL(baseUrl).port);
  return {
    proc,
    baseUrl,
    port,
    socketUrl: `ws://127.0.0.1:${port}/v3/wsconnect`,
    stop: () => new Promise((resolve) => {
      if (proc.exitCode !== null) return resolve();
      proc.once("exit", resolve);
      proc.kill("SIGTERM");
    }),
  };
}

/** An access token as Twilio's helper library mints it. */
export function token({ identity = "agent-1", ttl = 3600, secret = KEY_SECRET, service = "default" } = {}) {
  const { AccessToken } = twilio.jwt;
  const t = new AccessToken(ACCOUNT_SID, KEY_SID, secret, { identity, ttl });
  t.addGrant(new AccessToken.SyncGrant({ serviceSid: service }));
  return t.toJwt();
}

/** A SyncClient pointed at the emulator's socket (nothing else of it is changed). */
export function client(socketUrl, jwt = token()) {
  return new SyncClient(jwt, { twilsock: { uri: socketUrl } });
}

/** Resolves when `client.connectionState` reaches `state`, or rejects after `ms`. */
export async function reachState(c, state, ms = 5000) {
  if (c.connectionState === state) return;
  await nextEvent(c, "connectionStateChanged", (s) => s === state, ms);
}

/** The next `event` from `emitter` whose first argument passes `pred`, within `ms`. */
export function nextEvent(emitter, event, pred = () => true, ms = 1000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, handler);
      reject(new Error(`no matching ${event} within ${ms} ms`));
    }, ms);
    const handler = (arg, ...rest) => {
      if (!pred(arg, ...rest)) return;
      clearTimeout(timer);
      emitter.off(event, handler);
      resolve(arg);
    };
    emitter.on(event, handler);
  });
}

/** Collects every `event` of `emitter` from now on. */
export function record(emitter, event) {
  const seen = [];
  emitter.on(event, (arg) => seen.push(arg));
  return seen;
}

/** Waits until `check()` is true, polling, for at most `ms`. */
export async function eventually(check, ms = 1000, what = "condition") {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`${what} not reached within ${ms} ms`);
}

/** Shuts clients down without letting a failed shutdown hide the test's own error. */
export async function shutdown(...clients) {
  await Promise.all(clients.map((c) => c?.shutdown().catch(() => {})));
}
