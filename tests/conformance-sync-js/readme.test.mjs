// The README's "Realtime, locally" example, read from README.md and run as it is written
// (stdin of `node --input-type=module`, from this directory, with SERVE and
// CALLFLOW_API_TOKEN set) against a real `callflow serve`: a presence beat, a simulated call
// through the functions and the beat's removal must all show up in what it prints.
import { spawn, execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import { test } from "node:test";
import assert from "node:assert/strict";

const CALLFLOW = process.env.CALLFLOW_BIN;
const HERE = new URL(".", import.meta.url).pathname;

/** The JavaScript between the README's `node ... <<'EOF'` line and its `EOF`. */
function readmeSnippet() {
  const readme = readFileSync(join(HERE, "..", "..", "README.md"), "utf8");
  const section = readme.split("## Realtime, locally")[1];
  assert.ok(section, "README has a Realtime, locally section");
  const m = section.match(/node_modules\/\.bin\/node --input-type=module <<'EOF'\n([\s\S]*?)\nEOF\n/);
  assert.ok(m, "the section runs a node heredoc");
  return m[1];
}

/** `callflow serve` in a temp dir; resolves with its banner's variables and URL. */
async function startServe(dir) {
  const proc = spawn(CALLFLOW, ["serve", "--port", "0", "--data", ":memory:"], {
    cwd: dir,
    env: Object.fromEntries(Object.entries(process.env).filter(
      ([k]) => !/^(TWILIO_|CALLFLOW_|PUBLIC_BASE_URL|SYNC_TOKEN_TTL)/.test(k))),
    stdio: ["ignore", "pipe", "ignore"],
  });
  const vars = {};
  const base = await new Promise((resolve, reject) => {
    createInterface({ input: proc.stdout }).on("line", (line) => {
      const v = line.trim().match(/^([A-Z_]+)=(\S+)/);
      if (v) vars[v[1]] ??= v[2];
      const ready = line.match(/^READY (\S+)/);
      if (ready) resolve(ready[1]);
    });
    proc.on("exit", (code) => reject(new Error(`callflow serve exited with ${code}`)));
  });
  return { proc, vars, base };
}

test("the README's realtime example prints presence and call changes from serve", async () => {
  assert.ok(CALLFLOW, "CALLFLOW_BIN must name the callflow binary");
  const dir = mkdtempSync(join(tmpdir(), "readme-realtime-"));
  const serve = await startServe(dir);
  const watcher = spawn(join(HERE, "node_modules", ".bin", "node"), ["--input-type=module"], {
    cwd: HERE,
    env: { ...process.env, SERVE: serve.base, CALLFLOW_API_TOKEN: serve.vars.CALLFLOW_API_TOKEN },
    stdio: ["pipe", "pipe", "inherit"],
  });
  watcher.stdin.end(readmeSnippet());
  const lines = [];
  const waiters = [];
  createInterface({ input: watcher.stdout }).on("line", (line) => {
    lines.push(line);
    for (const w of waiters.splice(0)) if (!w(line)) waiters.push(w);
  });
  const printed = (re, ms = 5000) => new Promise((resolve, reject) => {
    if (lines.some((l) => re.test(l))) return resolve();
    const timer = setTimeout(() => reject(new Error(`no line matching ${re} within ${ms} ms:\n${lines.join("\n")}`)), ms);
    waiters.push((line) => {
      if (!re.test(line)) return false;
      clearTimeout(timer);
      resolve();
      return true;
    });
  });
  const beat = (status) => fetch(`${serve.base}/presence-heartbeat`, {
    method: "POST",
    headers: { Authorization: `Bearer ${serve.vars.CALLFLOW_API_TOKEN}`, "Content-Type": "application/x-www-form-urlencoded" },
    body: `identity=alice&status=${status}`,
  }).then((r) => assert.equal(r.status, 200));
  try {
    await printed(/^READY watching/, 15000);
    await beat("online");
    await printed(/^user-presence itemAdded alice .*"status":"online"/);

    const callSid = "CA" + "5e".repeat(16);
    await promisify(execFile)(CALLFLOW, [
      "call", "--to", `${serve.base}/store-call-state`, "--digits", "2,1", "--call-sid", callSid,
    ], { env: { ...process.env, TWILIO_ACCOUNT_SID: serve.vars.TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN: serve.vars.TWILIO_AUTH_TOKEN } });
    // The call is found through the `calls` map and its document followed to the end.
    await printed(new RegExp(`^call-${callSid} (now|updated) .*"status":"completed"`));

    await beat("offline");
    await printed(/^user-presence itemRemoved alice/);
  } finally {
    watcher.kill();
    serve.proc.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});
