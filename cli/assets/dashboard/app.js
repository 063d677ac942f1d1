// The callflow dashboard: an operator's view of calls and agents, live, over the real
// twilio-sync.js client.
//
// Flow of data: /dashboard/config.json says which objects to open; /dashboard/token gives
// an access token (identity "dashboard", local only). The client connects to serve's
// twilsock endpoint and follows:
// - the call index map (CALL_INDEX_MAP): one item per active call plus a bounded list of
//   recently ended ones, each a call's summary (caller, stage, retries, status, outcome).
//   Opening the page reads that map, never every call within the TTL;
// - the aggregates document `{map}-stats` (counts per stage and per outcome over 5 and
//   60 minutes, calls per minute), kept by serve;
// - presence maps (one item per agent);
// - one call's document `call-{CallSid}`, only while its detail is open.
// Nothing here polls. Every Sync event changes the model and marks what it touched; one
// animation frame then writes only those parts of the page. The call list is windowed:
// the DOM holds only the rows on screen.
'use strict';

const FINAL = new Set(['completed', 'busy', 'no-answer', 'failed', 'canceled']);
const OUTCOMES = [
  ['completed', 'Completed'],
  ['hung-up-in-menu', 'Hung up in the menu'],
  ['voicemail', 'Voicemail'],
  ['transferred', 'Transferred'],
  ['failed', 'Failed'],
];
const ROW_HEIGHT = 30; // px, fixed by app.css: the list's window is computed from it
const OVERSCAN = 4; // rows drawn above and below the visible ones
const MAX_AGENTS_LISTED = 60; // beyond this, agents are counted, not listed

const $ = (id) => document.getElementById(id);

// ---- the model ----

const calls = new Map(); // CallSid -> index entry
const activeByStage = new Map(); // stage -> active calls in it
let activeCount = 0;
let stats = null; // the aggregates document
const agents = new Map(); // identity -> presence item value
let client = null;
let stageFilter = null;
let search = '';

// What the next frame must write.
const dirty = { list: false, stages: new Set(), stats: false, agents: false, active: false };
let frameRequested = false;
// Measurement (load.mjs): with #measure in the URL, each applied call change is
// recorded with the time the frame that showed it ran.
const measuring = location.hash.includes('measure');
const pendingShown = [];
window.__shown = [];

// At most one render per RENDER_EVERY_MS: under load events arrive every few
// milliseconds, and drawing each animation frame (60 a second) would spend the main
// thread on work nobody can see; 10 a second keeps every change well within 1 s.
const RENDER_EVERY_MS = 100;
let lastRender = 0;

function schedule() {
  if (frameRequested) return;
  frameRequested = true;
  const wait = Math.max(0, lastRender + RENDER_EVERY_MS - performance.now());
  if (wait === 0) requestAnimationFrame(frame);
  else setTimeout(() => requestAnimationFrame(frame), wait);
}

const isActive = (entry) => !FINAL.has(entry.status);

function upsertCall(entry) {
  if (!entry || !entry.callSid) return;
  const before = calls.get(entry.callSid);
  if (before && isActive(before)) countActive(before.stage, -1);
  if (isActive(entry)) countActive(entry.stage, +1);
  calls.set(entry.callSid, entry);
  dirty.list = true;
  if (measuring) pendingShown.push([entry.callSid, entry.stage, entry.status, entry.retries || 0]);
  if (detail.sid === entry.callSid) dirty.detailEntry = true;
  schedule();
}

function removeCall(sid) {
  const before = calls.get(sid);
  if (!before) return;
  if (isActive(before)) countActive(before.stage, -1);
  calls.delete(sid);
  dirty.list = true;
  schedule();
}

function countActive(stage, delta) {
  activeByStage.set(stage, (activeByStage.get(stage) || 0) + delta);
  if (activeByStage.get(stage) <= 0) activeByStage.delete(stage);
  activeCount += delta;
  dirty.stages.add(stage);
  dirty.active = true;
}

// ---- connection and token ----

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

// Every item of a map, following pages (the index is bounded: active calls plus a
// bounded recent list).
async function allItems(collection) {
  const items = [];
  let page = await collection.getItems({ pageSize: 100 });
  for (;;) {
    items.push(...page.items);
    if (!page.hasNextPage) return items;
    page = await page.nextPage();
  }
}

// ---- rendering, once per frame ----

function frame() {
  frameRequested = false;
  lastRender = performance.now();
  if (dirty.list) renderList();
  if (dirty.stages.size || dirty.stats) renderStages();
  if (dirty.active) renderActive();
  if (dirty.stats) renderStats();
  if (dirty.agents) renderAgents();
  if (dirty.detailEntry || dirty.detail) renderDetail();
  dirty.list = false;
  dirty.stages.clear();
  dirty.stats = false;
  dirty.active = false;
  dirty.agents = false;
  dirty.detail = false;
  dirty.detailEntry = false;
  if (measuring && pendingShown.length) {
    const at = performance.timeOrigin + performance.now();
    for (const shown of pendingShown) shown.push(at);
    window.__shown.push(...pendingShown.splice(0));
  }
}

// Changes a node's text in place: replacing its text node would leave one garbage node
// per update, thousands a second under load.
function setText(node, text) {
  const only = node.firstChild;
  if (only && only === node.lastChild && only.nodeType === Node.TEXT_NODE) {
    if (only.nodeValue !== text) only.nodeValue = text;
  } else if (node.textContent !== text) {
    node.textContent = text;
  }
}

// ---- the call list: windowed ----

let listed = []; // the filtered, ordered entries
const rowPool = []; // the <tr>s on screen, reused

function matches(entry) {
  if (stageFilter !== null && entry.stage !== stageFilter) return false;
  if (!search) return true;
  return (entry.from || '').toLowerCase().includes(search)
    || entry.callSid.toLowerCase().includes(search);
}

// Active calls first, newest first; then ended calls, latest ended first.
function order(a, b) {
  const activeA = isActive(a);
  const activeB = isActive(b);
  if (activeA !== activeB) return activeA ? -1 : 1;
  const keyA = activeA ? a.startTime : (a.endTime || a.startTime);
  const keyB = activeB ? b.startTime : (b.endTime || b.startTime);
  if (keyA !== keyB) return String(keyB).localeCompare(String(keyA));
  return a.callSid < b.callSid ? -1 : 1;
}

function renderList() {
  listed = [];
  for (const entry of calls.values()) if (matches(entry)) listed.push(entry);
  listed.sort(order);
  $('calls-sizer').style.height = `${(listed.length + 1) * ROW_HEIGHT}px`;
  $('calls').setAttribute('aria-rowcount', String(listed.length + 1));
  const ended = calls.size - activeCount;
  let text = `${listed.length} shown: ${activeCount} active, ${ended} recently ended`;
  if (stageFilter !== null || search) text = `${listed.length} of ${calls.size} calls match: ${activeCount} active, ${ended} recently ended in all`;
  setText($('calls-count'), text);
  $('no-calls').hidden = calls.size > 0;
  renderWindow();
}

function renderWindow() {
  const scroller = $('calls-scroll');
  const first = Math.max(0, Math.floor(scroller.scrollTop / ROW_HEIGHT) - OVERSCAN);
  const count = Math.ceil(scroller.clientHeight / ROW_HEIGHT) + 2 * OVERSCAN;
  const slice = listed.slice(first, first + count);
  $('calls').style.top = `${first * ROW_HEIGHT}px`;
  const body = document.querySelector('#calls tbody');
  while (rowPool.length < slice.length) {
    const row = makeRow();
    rowPool.push(row);
    body.appendChild(row);
  }
  while (rowPool.length > slice.length) rowPool.pop().remove();
  slice.forEach((entry, i) => fillRow(rowPool[i], entry, first + i + 2));
}

function makeRow() {
  const row = document.createElement('tr');
  const caller = document.createElement('th');
  caller.scope = 'row';
  row.appendChild(caller);
  for (const name of ['sid', 'stage', 'retries', 'status', 'duration']) {
    const td = document.createElement('td');
    td.className = name;
    row.appendChild(td);
  }
  const td = document.createElement('td');
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'open-detail';
  button.textContent = 'Details';
  button.addEventListener('click', () => openDetail(row.dataset.callSid));
  td.appendChild(button);
  row.appendChild(td);
  return row;
}

function fillRow(row, entry, rowIndex) {
  const cells = row.children;
  row.setAttribute('aria-rowindex', String(rowIndex));
  row.dataset.callSid = entry.callSid;
  row.dataset.stage = entry.stage;
  row.dataset.status = entry.status;
  row.classList.toggle('final', !isActive(entry));
  setText(cells[0], entry.from || '(unknown)');
  setText(cells[1], entry.callSid);
  setText(cells[2], entry.stage);
  setText(cells[3], String(entry.retries || 0));
  setText(cells[4], statusText(entry));
  setText(cells[5], durationText(entry));
  cells[6].firstChild.setAttribute('aria-label', `Details of the call from ${entry.from || entry.callSid}`);
}

function outcomeName(outcome) {
  const found = OUTCOMES.find(([key]) => key === outcome);
  return found ? found[1].toLowerCase() : outcome;
}

function statusText(entry) {
  if (isActive(entry)) return `${entry.status} (active)`;
  return entry.outcome ? `${entry.status} (ended: ${outcomeName(entry.outcome)})` : `${entry.status} (ended)`;
}

function durationText(entry) {
  const started = Date.parse(entry.startTime);
  if (Number.isNaN(started)) return '';
  const until = isActive(entry) ? Date.now() : Date.parse(entry.endTime || '') || Date.now();
  const seconds = Math.max(0, Math.round((until - started) / 1000));
  return isActive(entry) ? `${seconds} s so far` : `${seconds} s`;
}

// ---- aggregates ----

function renderActive() {
  setText($('active-now'), String(activeCount));
  const parts = [...activeByStage.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([stage, n]) => `${stage}: ${n} call${n === 1 ? '' : 's'}`);
  setText($('flow-summary'), parts.length
    ? `Active calls by stage: ${parts.join(', ')}.`
    : 'No active calls in the flow.');
}

function renderStats() {
  if (!stats) return;
  setText($('per-minute'), String(stats.startedLastMinute || 0));
  setText($('started-5'), String((stats.started || [])[0] || 0));
  setText($('started-60'), String((stats.started || [])[1] || 0));
  for (const [key] of OUTCOMES) {
    const row = document.querySelector(`#outcomes tr[data-outcome="${key}"]`);
    const counts = (stats.outcomes || {})[key] || [0, 0];
    setText(row.children[1], String(counts[0] || 0));
    setText(row.children[2], String(counts[1] || 0));
  }
}

function buildOutcomes() {
  const body = document.querySelector('#outcomes tbody');
  for (const [key, label] of OUTCOMES) {
    const row = document.createElement('tr');
    row.dataset.outcome = key;
    const th = document.createElement('th');
    th.scope = 'row';
    th.textContent = label;
    row.append(th, document.createElement('td'), document.createElement('td'));
    row.children[1].textContent = '0';
    row.children[2].textContent = '0';
    body.appendChild(row);
  }
}

// Stage rows (and diagram badges) exist once per stage; a frame updates the dirty ones.
const stageRows = new Map(); // stage -> <tr>
const stageGroups = new Map(); // stage -> { group, badge }

function stageRow(stage) {
  let row = stageRows.get(stage);
  if (row) return row;
  row = document.createElement('tr');
  row.dataset.stage = stage;
  const th = document.createElement('th');
  th.scope = 'row';
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'link';
  button.textContent = stage;
  button.addEventListener('click', () => setStageFilter(stage));
  th.appendChild(button);
  row.append(th, document.createElement('td'), document.createElement('td'), document.createElement('td'));
  for (const td of [...row.children].slice(1)) td.textContent = '0';
  document.querySelector('#stages tbody').appendChild(row);
  stageRows.set(stage, row);
  return row;
}

function renderStages() {
  const touched = new Set(dirty.stages);
  if (dirty.stats && stats) for (const stage of Object.keys(stats.stages || {})) touched.add(stage);
  if (dirty.stats) for (const stage of stageRows.keys()) touched.add(stage);
  for (const stage of touched) {
    const now = activeByStage.get(stage) || 0;
    const passed = (stats && stats.stages && stats.stages[stage]) || [0, 0];
    if (!stageRows.has(stage) && now === 0 && !passed[1]) continue;
    const row = stageRow(stage);
    setText(row.children[1], String(now));
    setText(row.children[2], String(passed[0] || 0));
    setText(row.children[3], String(passed[1] || 0));
    const drawn = stageGroups.get(stage);
    if (drawn) {
      drawn.group.classList.toggle('current', now > 0);
      setText(drawn.badge, now > 0 ? `● ${now}` : '');
    }
  }
}

// ---- filters ----

function setStageFilter(stage) {
  stageFilter = stage;
  $('filter').hidden = stage === null;
  setText($('filter-stage'), stage || '');
  for (const [name, { group }] of stageGroups) group.classList.toggle('selected', name === stage);
  $('calls-scroll').scrollTop = 0;
  dirty.list = true;
  schedule();
}

// ---- the flow diagram ----

async function loadFlow() {
  const response = await fetch('/dashboard/flow.svg');
  const text = await response.text();
  const svg = new DOMParser().parseFromString(text, 'image/svg+xml').documentElement;
  svg.setAttribute('aria-labelledby', 'flow-heading flow-summary');
  const imported = document.importNode(svg, true);
  // Fitted to its box, but never drawn below half its size: the dashboard's drawing has
  // 22 px stage names, so they stay 11 px or more (the box scrolls past that).
  const width = Number.parseFloat(svg.getAttribute('width'));
  if (width > 0) imported.style.minWidth = `${Math.round(width / 2)}px`;
  $('flow').replaceChildren(imported);
  for (const group of imported.querySelectorAll('g[data-stage]')) {
    const stage = group.dataset.stage;
    const rect = group.querySelector('rect');
    const badge = document.createElementNS('http://www.w3.org/2000/svg', 'text');
    badge.setAttribute('class', 'badge');
    if (rect) {
      const box = rect.getBBox();
      badge.setAttribute('x', String(box.x + box.width + 4));
      badge.setAttribute('y', String(box.y + 14));
    }
    group.appendChild(badge);
    // A pointer shortcut: the diagram is an image to assistive technology (its stages
    // are not controls inside it); the Stages table's buttons do the same by keyboard.
    group.addEventListener('click', () => setStageFilter(stageFilter === stage ? null : stage));
    stageGroups.set(stage, { group, badge });
    stageRow(stage);
    dirty.stages.add(stage);
  }
  schedule();
}

// ---- presence ----

function renderAgents() {
  const byStatus = new Map();
  for (const agent of agents.values()) byStatus.set(agent.status, (byStatus.get(agent.status) || 0) + 1);
  setText($('agent-counts'), agents.size
    ? `${agents.size} present: ${[...byStatus.entries()].sort().map(([s, n]) => `${n} ${s}`).join(', ')}`
    : 'Nobody is present.');
  const list = $('agents');
  const shown = [...agents.values()].sort((a, b) => a.identity.localeCompare(b.identity)).slice(0, MAX_AGENTS_LISTED);
  list.replaceChildren(...shown.map((agent) => {
    const item = document.createElement('li');
    item.dataset.identity = agent.identity;
    const name = document.createElement('strong');
    name.textContent = agent.identity;
    item.append(name, ` — ${agent.status}`);
    if (agent.device) item.append(` on ${agent.device}`);
    if (agent.lastSeen) item.append(`, last beat ${new Date(agent.lastSeen).toLocaleTimeString()}`);
    return item;
  }));
}

async function followPresence(name) {
  const map = await client.map({ id: name, mode: 'open_or_create' });
  const upsert = (item) => {
    agents.set(item.key, { identity: item.key, ...item.data });
    dirty.agents = true;
    schedule();
  };
  map.on('itemAdded', (event) => upsert(event.item));
  map.on('itemUpdated', (event) => upsert(event.item));
  map.on('itemRemoved', (event) => {
    agents.delete(event.key);
    dirty.agents = true;
    schedule();
  });
  for (const item of await allItems(map)) upsert(item);
}

// ---- a call's detail, on demand ----

const detail = { sid: null, doc: null, data: null, generation: 0 };

async function openDetail(sid) {
  if (!sid) return;
  closeDetail();
  const generation = ++detail.generation;
  detail.sid = sid;
  $('detail').hidden = false;
  dirty.detail = true;
  schedule();
  $('detail-heading').focus();
  const entry = calls.get(sid);
  try {
    const doc = await client.document({ id: (entry && entry.document) || `call-${sid}`, mode: 'open_existing' });
    if (generation !== detail.generation) {
      doc.close();
      return;
    }
    detail.doc = doc;
    detail.data = doc.data;
    doc.on('updated', (event) => {
      detail.data = event.data;
      dirty.detail = true;
      schedule();
    });
  } catch (error) {
    detail.error = error.message;
  }
  dirty.detail = true;
  schedule();
}

function closeDetail() {
  detail.generation += 1;
  if (detail.doc) detail.doc.close();
  Object.assign(detail, { sid: null, doc: null, data: null, error: null });
  $('detail').hidden = true;
}

function selectionText(selection) {
  const input = selection.digits !== undefined ? `pressed ${selection.digits}`
    : selection.speech !== undefined ? `said "${selection.speech}"` : 'silence';
  let text = `${input} at ${selection.stage}`;
  if (!selection.accepted) text += ' (not an option)';
  return text;
}

function stepText(step) {
  const at = new Date(step.at).toLocaleTimeString();
  let text = `${at} ${step.widget} → ${step.event}`;
  if (step.httpStatus !== undefined) text += ` (HTTP ${step.httpStatus}, ${step.ms} ms)`;
  else if (step.error) text += ` (HTTP failed after ${step.ms} ms: ${step.error})`;
  return text;
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function renderDetail() {
  if (!detail.sid) return;
  const entry = calls.get(detail.sid) || {};
  const call = detail.data || {};
  setText($('detail-heading'), `Call from ${call.from || entry.from || detail.sid}`);
  const body = $('detail-body');
  const facts = element('dl', 'facts');
  const fact = (name, value) => {
    if (value === undefined || value === null || value === '') return;
    const div = element('div');
    div.append(element('dt', '', name), element('dd', '', String(value)));
    facts.appendChild(div);
  };
  fact('CallSid', detail.sid);
  fact('Stage', call.stage || entry.stage);
  fact('Status', statusText({ ...entry, ...call, outcome: entry.outcome }));
  fact('Retries', call.retries ?? entry.retries);
  fact('To', call.to || entry.to);
  fact('Started', call.startTime || entry.startTime);
  fact('Ended', call.endTime);
  fact('Duration', typeof call.duration === 'number' ? `${call.duration} s` : durationText({ ...entry, ...call }));
  if (call.dial) fact('Dial', `${call.dial.status} at ${call.dial.stage}`);
  if (call.recording) fact('Voicemail', `${call.recording.duration ?? '?'} s at ${call.recording.stage}`);
  if (call.connect) fact('Connected', `${call.connect.url} at ${call.connect.stage}`);
  if (call.ended) fact('Flow ended', call.ended);
  const parts = [facts];
  if (detail.error) parts.push(element('p', 'error', `The call's document could not be opened: ${detail.error}`));
  else if (!detail.data) parts.push(element('p', '', 'Opening the call…'));
  if (detail.data) {
    parts.push(element('h3', '', 'Selections'));
    const selections = call.selections || [];
    if (selections.length) {
      const list = element('ol', 'selections');
      for (const selection of selections) {
        const item = element('li', '', selectionText(selection));
        if (selection.stale) {
          // Marked in words, not by styling alone.
          item.classList.add('stale');
          item.append(' — stale (arrived after the call left that stage)');
        }
        list.appendChild(item);
      }
      parts.push(list);
    } else {
      parts.push(element('p', 'selections', 'none'));
    }
  }
  const studio = call.studio;
  if (studio) {
    parts.push(element('h3', '', 'Steps'));
    const log = studio.log || [];
    let text = `${studio.logged || log.length} step${(studio.logged || log.length) === 1 ? '' : 's'}`;
    if (studio.waiting) text += `, at ${studio.waiting}`;
    if (studio.ended) text += `, ended: ${studio.ended.reason}`;
    if (studio.ended && studio.ended.errorCode) text += ` (error ${studio.ended.errorCode})`;
    parts.push(element('p', 'steps-summary', text));
    const list = element('ol', 'steps');
    for (const step of log) list.appendChild(element('li', '', stepText(step)));
    const skipped = (studio.logged || 0) - log.length;
    if (skipped > 0) list.setAttribute('aria-label', `the last ${log.length} of ${studio.logged} steps`);
    parts.push(list);
  }
  body.replaceChildren(...parts);
}

// ---- start ----

async function followIndex(name) {
  const index = await client.map({ id: name, mode: 'open_or_create' });
  index.on('itemAdded', (event) => upsertCall(event.item.data));
  index.on('itemUpdated', (event) => upsertCall(event.item.data));
  index.on('itemRemoved', (event) => removeCall(event.key));
  for (const item of await allItems(index)) upsertCall(item.data);
}

async function followStats(name) {
  const doc = await client.document({ id: name, mode: 'open_or_create' });
  const take = (data) => {
    if (!data || !data.windows) return;
    stats = data;
    dirty.stats = true;
    schedule();
  };
  doc.on('updated', (event) => take(event.data));
  take(doc.data);
}

async function main() {
  buildOutcomes();
  $('search').addEventListener('input', (event) => {
    search = event.target.value.trim().toLowerCase();
    $('calls-scroll').scrollTop = 0;
    dirty.list = true;
    schedule();
  });
  $('clear-filter').addEventListener('click', () => setStageFilter(null));
  $('close-detail').addEventListener('click', () => {
    closeDetail();
    $('calls-heading').focus();
  });
  let windowRequested = false;
  $('calls-scroll').addEventListener('scroll', () => {
    // Only the window moves: no filtering or sorting on scroll.
    if (windowRequested) return;
    windowRequested = true;
    requestAnimationFrame(() => {
      windowRequested = false;
      renderWindow();
    });
  }, { passive: true });
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
  await Promise.all([
    ...config.presenceMaps.map(followPresence),
    config.callsMap ? followIndex(config.callsMap) : null,
    config.statsDocument ? followStats(config.statsDocument) : null,
  ]);
  dirty.list = true;
  dirty.agents = true;
  dirty.active = true;
  schedule();
  await new Promise((done) => requestAnimationFrame(done));
  document.body.dataset.ready = 'true';
  // Durations of active calls on screen tick; nothing is fetched.
  setInterval(() => {
    for (const row of rowPool) {
      const entry = calls.get(row.dataset.callSid);
      if (entry && isActive(entry)) setText(row.querySelector('.duration'), durationText(entry));
    }
  }, 1000);
}

main().catch((error) => {
  setConnection(`error: ${error.message}`);
  console.error(error);
});
