// The callflow dashboard: calls and presence, live, over the real twilio-sync.js client.
//
// Flow of data: /dashboard/config.json says which maps to open; /dashboard/token gives an
// access token (identity "dashboard", local only). The client connects to serve's
// twilsock endpoint. The call index map (CALL_INDEX_MAP) lists calls: each item names
// a document `call-{CallSid}`, which is opened and followed (`updated`). Presence maps
// hold one item per agent; items leave on `itemRemoved` (offline, or their TTL ran out).
// Nothing here polls: every change on screen comes from a Sync event.
'use strict';

const FINAL = new Set(['completed', 'busy', 'no-answer', 'failed', 'canceled']);
const calls = new Map(); // CallSid -> call-state document value
const agents = new Map(); // identity -> presence item value
let client = null;

const $ = (id) => document.getElementById(id);

function setConnection(text) {
  $('connection').textContent = text;
}

async function fetchJson(url) {
  const response = await fetch(url, { cache: 'no-store' });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new Error(`${url}: ${response.status} ${body.message || ''}`);
  }
  return body;
}

async function freshToken() {
  return (await fetchJson('/dashboard/token')).token;
}

// The token the client holds. A token minted in the same second as it is the very same
// string, which `updateToken` ignores; so renewal waits for one that differs.
let currentToken = null;

async function renewToken() {
  let token = await freshToken();
  for (let tries = 0; token === currentToken && tries < 5; tries += 1) {
    await new Promise((done) => setTimeout(done, 1000));
    token = await freshToken();
  }
  currentToken = token;
  await client.updateToken(token);
}

// Every item of a map or list, following pages.
async function allItems(collection) {
  const items = [];
  let page = await collection.getItems({ pageSize: 100 });
  for (;;) {
    items.push(...page.items);
    if (!page.hasNextPage) return items;
    page = await page.nextPage();
  }
}

// ---- calls ----

const opening = new Set();

async function followCall(entry) {
  const sid = entry.callSid;
  if (!sid || calls.has(sid) || opening.has(sid)) return;
  opening.add(sid);
  // The index item is written at the same time as the document is created, so the
  // document may not exist for a few milliseconds: retry briefly.
  let doc = null;
  for (let attempt = 0; attempt < 20 && !doc; attempt++) {
    try {
      doc = await client.document({ id: entry.document || `call-${sid}`, mode: 'open_existing' });
    } catch (error) {
      await new Promise((resolve) => setTimeout(resolve, 50 * (attempt + 1)));
    }
  }
  opening.delete(sid);
  if (!doc) return;
  calls.set(sid, doc.data);
  renderCalls();
  doc.on('updated', (event) => {
    calls.set(sid, event.data);
    renderCalls();
  });
  doc.on('removed', () => {
    calls.delete(sid);
    renderCalls();
  });
}

function selectionText(selection) {
  const input = selection.digits !== undefined ? `pressed ${selection.digits}`
    : selection.speech !== undefined ? `said "${selection.speech}"` : 'silence';
  let text = `${input} at ${selection.stage}`;
  if (!selection.accepted) text += ' (not an option)';
  return text;
}

function durationText(call) {
  if (typeof call.duration === 'number') return `${call.duration} s`;
  const started = Date.parse(call.startTime);
  if (Number.isNaN(started)) return '';
  const seconds = Math.max(0, Math.round((Date.now() - started) / 1000));
  return FINAL.has(call.status) ? `${seconds} s` : `${seconds} s so far`;
}

function cell(row, text) {
  const td = document.createElement('td');
  td.textContent = text;
  row.appendChild(td);
  return td;
}

function renderCalls() {
  const body = document.querySelector('#calls tbody');
  const sorted = [...calls.values()].sort((a, b) =>
    String(b.startTime).localeCompare(String(a.startTime)));
  body.replaceChildren();
  for (const call of sorted) {
    const row = document.createElement('tr');
    row.dataset.callSid = call.callSid;
    row.dataset.stage = call.stage;
    row.dataset.status = call.status;
    if (FINAL.has(call.status)) row.className = 'final';
    const caller = document.createElement('th');
    caller.scope = 'row';
    caller.textContent = call.from || call.callSid;
    caller.title = call.callSid;
    row.appendChild(caller);
    cell(row, call.stage).className = 'stage';
    cell(row, String(call.retries || 0)).className = 'retries';
    const selections = cell(row, '');
    selections.className = 'selections';
    if ((call.selections || []).length) {
      const list = document.createElement('ol');
      for (const selection of call.selections) {
        const item = document.createElement('li');
        item.textContent = selectionText(selection);
        if (selection.stale) {
          // Marked in words, not by styling alone.
          item.classList.add('stale');
          item.append(' — stale (arrived after the call left that stage)');
        }
        list.appendChild(item);
      }
      selections.appendChild(list);
    } else {
      selections.textContent = 'none';
    }
    row.appendChild(stepsCell(call));
    cell(row, FINAL.has(call.status) ? `${call.status} (ended)` : `${call.status} (active)`).className = 'status';
    cell(row, durationText(call)).className = 'duration';
    body.appendChild(row);
  }
  $('no-calls').hidden = calls.size > 0;
  highlightFlow();
}

// A Studio flow's step log, as Studio's execution log shows it: widget, event, time,
// HTTP status. Opened on demand; which ones are open survives the table's re-renders.
const openSteps = new Set();

function stepText(step) {
  const at = new Date(step.at).toLocaleTimeString();
  let text = `${at} ${step.widget} → ${step.event}`;
  if (step.httpStatus !== undefined) text += ` (HTTP ${step.httpStatus}, ${step.ms} ms)`;
  else if (step.error) text += ` (HTTP failed after ${step.ms} ms: ${step.error})`;
  return text;
}

function stepsCell(call) {
  const td = document.createElement('td');
  td.className = 'steps';
  const studio = call.studio;
  if (!studio) {
    td.textContent = '—';
    return td;
  }
  const details = document.createElement('details');
  details.open = openSteps.has(call.callSid);
  details.addEventListener('toggle', () => {
    if (details.open) openSteps.add(call.callSid);
    else openSteps.delete(call.callSid);
  });
  const summary = document.createElement('summary');
  const log = studio.log || [];
  let text = `${studio.logged || log.length} step${(studio.logged || log.length) === 1 ? '' : 's'}`;
  if (studio.waiting) text += `, at ${studio.waiting}`;
  if (studio.ended) text += `, ended: ${studio.ended.reason}`;
  if (studio.ended && studio.ended.errorCode) text += ` (error ${studio.ended.errorCode})`;
  summary.textContent = text;
  details.appendChild(summary);
  const list = document.createElement('ol');
  list.className = 'step-log';
  for (const step of log) {
    const item = document.createElement('li');
    item.textContent = stepText(step);
    list.appendChild(item);
  }
  const skipped = (studio.logged || 0) - log.length;
  if (skipped > 0) list.setAttribute('aria-label', `the last ${log.length} of ${studio.logged} steps`);
  details.appendChild(list);
  td.appendChild(details);
  return td;
}

// ---- the flow diagram ----

function highlightFlow() {
  const svg = document.querySelector('#flow svg');
  const perStage = new Map();
  for (const call of calls.values()) {
    if (!FINAL.has(call.status)) perStage.set(call.stage, (perStage.get(call.stage) || 0) + 1);
  }
  if (svg) {
    svg.querySelectorAll('.badge').forEach((badge) => badge.remove());
    for (const group of svg.querySelectorAll('g[data-stage]')) {
      const count = perStage.get(group.dataset.stage) || 0;
      group.classList.toggle('current', count > 0);
      if (count > 0) {
        const rect = group.querySelector('rect');
        if (!rect) continue;
        const box = rect.getBBox();
        const badge = document.createElementNS('http://www.w3.org/2000/svg', 'text');
        badge.setAttribute('class', 'badge');
        badge.setAttribute('x', String(box.x + box.width + 4));
        badge.setAttribute('y', String(box.y + 12));
        badge.textContent = `● ${count}`;
        group.appendChild(badge);
      }
    }
  }
  const parts = [...perStage.entries()].map(([stage, n]) => `${stage}: ${n} call${n === 1 ? '' : 's'}`);
  $('flow-summary').textContent = parts.length
    ? `Active calls by stage: ${parts.join(', ')}.`
    : 'No active calls in the flow.';
}

async function loadFlow() {
  const response = await fetch('/dashboard/flow.svg');
  const text = await response.text();
  const svg = new DOMParser().parseFromString(text, 'image/svg+xml').documentElement;
  svg.setAttribute('aria-labelledby', 'flow-heading flow-summary');
  $('flow').replaceChildren(document.importNode(svg, true));
  highlightFlow();
}

// ---- presence ----

function renderAgents() {
  const list = $('agents');
  list.replaceChildren();
  for (const agent of [...agents.values()].sort((a, b) => a.identity.localeCompare(b.identity))) {
    const item = document.createElement('li');
    item.dataset.identity = agent.identity;
    const name = document.createElement('strong');
    name.textContent = agent.identity;
    item.append(name, ` — ${agent.status}`);
    if (agent.device) item.append(` on ${agent.device}`);
    if (agent.lastSeen) item.append(`, last beat ${new Date(agent.lastSeen).toLocaleTimeString()}`);
    list.appendChild(item);
  }
  $('no-agents').hidden = agents.size > 0;
}

async function followPresence(name) {
  const map = await client.map({ id: name, mode: 'open_or_create' });
  const upsert = (item) => {
    agents.set(item.key, { identity: item.key, ...item.data });
    renderAgents();
  };
  map.on('itemAdded', (event) => upsert(event.item));
  map.on('itemUpdated', (event) => upsert(event.item));
  map.on('itemRemoved', (event) => {
    agents.delete(event.key);
    renderAgents();
  });
  for (const item of await allItems(map)) upsert(item);
}

// ---- start ----

async function main() {
  const config = await fetchJson('/dashboard/config.json');
  await loadFlow();
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  // serve's own socket when it runs the emulator; otherwise the client's default (Twilio).
  const options = config.socketPath
    ? { twilsock: { uri: `${scheme}://${location.host}${config.socketPath}` } }
    : {};
  currentToken = await freshToken();
  client = new Twilio.Sync.Client(currentToken, options);
  client.on('connectionStateChanged', setConnection);
  // Renewed before it runs out; and should that fail (a sleeping laptop), once it has.
  const renew = () => renewToken().catch((error) => setConnection(`token renewal failed: ${error.message}`));
  client.on('tokenAboutToExpire', renew);
  client.on('tokenExpired', renew);
  await Promise.all(config.presenceMaps.map(followPresence));
  if (config.callsMap) {
    const index = await client.map({ id: config.callsMap, mode: 'open_or_create' });
    index.on('itemAdded', (event) => followCall(event.item.data));
    index.on('itemRemoved', (event) => {
      calls.delete(event.key);
      renderCalls();
    });
    await Promise.all((await allItems(index)).map((item) => followCall(item.data)));
  }
  document.body.dataset.ready = 'true';
  renderCalls();
  renderAgents();
  // Durations of ongoing calls tick on screen; nothing is fetched.
  setInterval(() => {
    for (const row of document.querySelectorAll('#calls tbody tr')) {
      const call = calls.get(row.dataset.callSid);
      const td = row.querySelector('.duration');
      if (call && td && !FINAL.has(call.status)) td.textContent = durationText(call);
    }
  }, 1000);
}

main().catch((error) => {
  setConnection(`error: ${error.message}`);
  console.error(error);
});
