// Dhee web runner sample: lists runs, starts the sample definition, and draws its DAG live from the
// run's Server-Sent Event stream. Plain JavaScript, no build step.
'use strict';

const $ = (selector) => document.querySelector(selector);
const DONE = new Set(['completed', 'cached', 'skipped']);
const FINISHED_RUN = new Set(['success', 'failed', 'cancelled', 'interrupted']);
const IMAGE = /\.(svg|png|jpe?g|webp|gif)$/i;
const VIDEO = /\.(mp4|webm|mov)$/i;

let current = null; // { id, graph, nodes, lastSeq, status, abort }

function apiKey() { return localStorage.getItem('dhee.apiKey') || ''; }

async function api(path, options = {}) {
  const headers = { 'X-Api-Key': apiKey(), ...(options.headers || {}) };
  if (options.body) headers['Content-Type'] = 'application/json';
  const response = await fetch('/dhee/' + path, { ...options, headers });
  if (!response.ok && response.status !== 204) {
    let detail = response.statusText;
    try { const problem = await response.json(); detail = problem.detail || problem.title || detail; } catch { /* not JSON */ }
    throw new Error(`${response.status}: ${detail}`);
  }
  return response.status === 204 ? null : response;
}

function say(text) { $('#message').textContent = text; }

// ---- runs list -------------------------------------------------------------------------------

async function refreshRuns() {
  if (!apiKey()) { say('Paste the API key to begin.'); return; }
  try {
    const page = await (await api('runs?limit=20')).json();
    const body = $('#runs tbody');
    body.replaceChildren(...page.items.map((run) => {
      const row = document.createElement('tr');
      row.dataset.run = run.preparationId;
      row.className = current && current.id === run.preparationId ? 'selected' : '';
      row.innerHTML = `<td></td><td><span class="badge" data-status="${run.status}">${run.status}</span></td><td></td><td></td>`;
      row.cells[0].textContent = run.title;
      row.cells[2].textContent = new Date(run.createdAt).toLocaleTimeString();
      row.cells[3].textContent = run.totalCredits ?? '';
      row.addEventListener('click', () => { location.hash = 'run=' + run.preparationId; });
      return row;
    }));
    if (page.items.length === 0) say('No runs yet. Start the sample run.');
  } catch (error) { say(error.message); }
}

// ---- run view --------------------------------------------------------------------------------

function emptyNodes(graph) {
  const nodes = {};
  for (const node of graph.nodes) nodes[node.id] = { items: {}, itemCount: node.kind === 'collection' ? null : 1, errors: [] };
  return nodes;
}

function saveState() {
  if (!current) return;
  const { id, nodes, lastSeq, status } = current;
  sessionStorage.setItem('dhee.run.' + id, JSON.stringify({ nodes, lastSeq, status }));
}

async function openRun(id) {
  if (current && current.abort) current.abort.abort();
  const graph = await (await api(`runs/${id}/graph`)).json();
  const summary = await (await api(`runs/${id}`)).json();
  const saved = JSON.parse(sessionStorage.getItem('dhee.run.' + id) || 'null');
  current = { id, graph, nodes: saved ? saved.nodes : emptyNodes(graph), lastSeq: saved ? saved.lastSeq : 0, status: summary.status, previews: {} };
  $('#run-panel').hidden = false;
  $('#run-title').textContent = summary.title;
  layout(graph);
  render();
  $('#stream-status').textContent = current.lastSeq > 0
    ? `Resumed after event #${current.lastSeq}.`
    : 'Streaming from the first event.';
  $('#stream-status').dataset.resumedAfter = String(current.lastSeq);
  await subscribe(current);
  refreshRuns();
}

function layout(graph) {
  const depth = {};
  const byId = Object.fromEntries(graph.nodes.map((n) => [n.id, n]));
  const depthOf = (id) => depth[id] ??= 1 + Math.max(-1, ...byId[id].dependsOn.map(depthOf));
  graph.nodes.forEach((n) => depthOf(n.id));
  const columns = [];
  for (const node of graph.nodes) (columns[depth[node.id]] ??= []).push(node);
  $('#columns').replaceChildren(...columns.map((nodes) => {
    const column = document.createElement('div');
    column.className = 'column';
    column.append(...nodes.map((node) => {
      const box = document.createElement('div');
      box.className = 'node';
      box.dataset.node = node.id;
      box.innerHTML = '<h3><span class="name"></span><span class="state"></span></h3><div class="tool"></div>'
        + '<div class="items"></div><div class="bar"><div></div></div><div class="error"></div><div class="previews"></div>';
      box.querySelector('.name').textContent = node.displayName || node.id;
      box.querySelector('.tool').textContent = node.tool + (node.kind === 'collection' ? ' · per item' : '');
      return box;
    }));
    return column;
  }));
  requestAnimationFrame(drawEdges);
}

function drawEdges() {
  if (!current) return;
  const svg = $('#edges');
  const origin = $('#dag').getBoundingClientRect();
  const lines = [];
  for (const node of current.graph.nodes) {
    const to = document.querySelector(`.node[data-node="${node.id}"]`).getBoundingClientRect();
    for (const dep of node.dependsOn) {
      const from = document.querySelector(`.node[data-node="${dep}"]`).getBoundingClientRect();
      const x1 = from.right - origin.left, y1 = from.top + from.height / 2 - origin.top;
      const x2 = to.left - origin.left, y2 = to.top + to.height / 2 - origin.top;
      const mid = (x1 + x2) / 2;
      lines.push(`<path d="M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}" fill="none" stroke="#94a3b8" stroke-width="2"/>`);
    }
  }
  svg.innerHTML = lines.join('');
}

function nodeStatus(state) {
  const items = Object.values(state.items);
  if (items.some((i) => i.status === 'failed')) return 'failed';
  if (items.some((i) => i.status === 'blocked') || state.blocked) return 'blocked';
  if (state.itemCount !== null && items.length >= state.itemCount && items.every((i) => DONE.has(i.status))) {
    return items.some((i) => i.status === 'completed') ? 'completed' : items[0]?.status || 'completed';
  }
  if (items.some((i) => i.status === 'running') || items.some((i) => DONE.has(i.status))) return 'running';
  return 'pending';
}

function render() {
  for (const node of current.graph.nodes) {
    const state = current.nodes[node.id];
    const box = document.querySelector(`.node[data-node="${node.id}"]`);
    const status = nodeStatus(state);
    const items = Object.values(state.items);
    const done = items.filter((i) => DONE.has(i.status)).length;
    const total = state.itemCount ?? Math.max(items.length, 1);
    const running = items.filter((i) => i.status === 'running').reduce((sum, i) => sum + (i.fraction || 0), 0);
    box.dataset.status = status;
    box.dataset.done = String(done);
    box.querySelector('.state').textContent = status;
    box.querySelector('.items').textContent = node.kind === 'collection'
      ? `${done}/${state.itemCount ?? '?'} items` : (DONE.has(status) ? 'done' : '');
    box.querySelector('.bar > div').style.width = `${Math.min(100, ((done + running) / total) * 100)}%`;
    box.querySelector('.error').textContent = items.filter((i) => i.error).map((i) => i.error).concat(state.errors).join(' ');
    const previews = box.querySelector('.previews');
    for (const [key, item] of Object.entries(state.items)) {
      if (!item.output || previews.querySelector(`[data-key="${CSS.escape(key)}"]`)) continue;
      const element = previewElement(item);
      if (element) { element.dataset.key = key; previews.append(element); }
    }
  }
  const badge = $('#run-status');
  badge.dataset.status = current.status;
  badge.textContent = current.status;
  $('#cancel-run').disabled = FINISHED_RUN.has(current.status);
  requestAnimationFrame(drawEdges);
}

function previewElement(item) {
  if (IMAGE.test(item.output) || VIDEO.test(item.output)) {
    const element = document.createElement(IMAGE.test(item.output) ? 'img' : 'video');
    element.alt = item.output;
    if (element.tagName === 'VIDEO') { element.muted = true; element.controls = true; }
    const url = current.previews[item.output];
    if (url) element.src = url;
    else api(`runs/${current.id}/outputs/${item.output}`).then((r) => r.blob()).then((blob) => {
      element.src = current.previews[item.output] = URL.createObjectURL(blob);
    }).catch(() => element.remove());
    return element;
  }
  if (item.preview) {
    const pre = document.createElement('pre');
    pre.textContent = item.preview;
    return pre;
  }
  return null;
}

function apply(event) {
  const nodes = current.nodes;
  const state = event.nodeId ? nodes[event.nodeId] : null;
  const key = event.itemId || '-';
  const item = state ? (state.items[key] ??= { status: 'pending' }) : null;
  const p = event.payload || {};
  switch (event.kind) {
    case 'run.started': current.status = 'running'; break;
    case 'run.finished': current.status = p.status; break;
    case 'collection.materialized': if (state) state.itemCount = p.itemCount; if (state) delete state.items['-']; break;
    case 'node.started': case 'node.retrying': item.status = 'running'; item.fraction = 0; break;
    case 'node.progress': item.status = 'running'; item.fraction = p.fraction ?? item.fraction; break;
    case 'node.completed': case 'node.cached': case 'node.skipped':
      item.status = event.kind.slice(5); item.output = p.output; item.preview = p.preview; item.error = null; break;
    case 'node.failed': item.status = 'failed'; item.error = p.message; break;
    case 'node.blocked': item.status = 'blocked'; item.error = p.message; break;
    default: break;
  }
  if (state && event.itemId && state.items['-'] && state.items['-'].status === 'pending') delete state.items['-'];
  current.lastSeq = event.seq;
}

// Reads the run's Server-Sent Events with fetch (so the API key can travel in a header), resuming after the last
// event seen (Last-Event-ID) on reconnects and page reloads. Resolves once the stream is connected.
async function subscribe(run) {
  run.abort = new AbortController();
  let response;
  try {
    response = await fetch(`/dhee/runs/${run.id}/events`, {
      headers: { 'X-Api-Key': apiKey(), 'Last-Event-ID': String(run.lastSeq), Accept: 'text/event-stream' },
      signal: run.abort.signal,
    });
  } catch (error) {
    if (run.abort.signal.aborted) return;
    setTimeout(() => subscribe(run), 1000);
    return;
  }
  if (!response.ok) { say(`Progress stream refused: ${response.status}`); return; }
  pump(run, response.body.pipeThrough(new TextDecoderStream()).getReader());
}

async function pump(run, reader) {
  let buffer = '';
  let ended = false;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let cut;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        let type = 'message';
        let data = '';
        for (const line of block.split('\n')) {
          if (line.startsWith('event:')) type = line.slice(6).trim();
          else if (line.startsWith('data:')) data += line.slice(5).trim();
        }
        if (!data) continue;
        if (type === 'end') { ended = true; run.status = JSON.parse(data).status; }
        else apply(JSON.parse(data));
      }
      if (run === current) { render(); saveState(); }
    }
  } catch (error) {
    if (run.abort.signal.aborted) return;
  }
  if (run !== current) return;
  render();
  saveState();
  if (ended) {
    $('#stream-status').textContent += ` Stream ended (${run.status}) after event #${run.lastSeq}.`;
    refreshRuns();
  } else if (!run.abort.signal.aborted) {
    setTimeout(() => subscribe(run), 1000);
  }
}

// ---- actions ---------------------------------------------------------------------------------

async function startSample() {
  try {
    const definition = await (await fetch('sample-definition.json')).json();
    const created = await (await api('runs', { method: 'POST', body: JSON.stringify({ definition, inputs: { topic: 'the sea' } }) })).json();
    sessionStorage.removeItem('dhee.run.' + created.preparationId);
    history.replaceState(null, '', '#run=' + created.preparationId);
    await openRun(created.preparationId); // subscribes before the run starts, so no event is missed
    await api(`runs/${created.preparationId}/start`, { method: 'POST' });
    refreshRuns();
  } catch (error) { say(error.message); }
}

async function cancelRun() {
  if (!current) return;
  try { await api(`runs/${current.id}/cancel`, { method: 'POST' }); } catch (error) { say(error.message); }
}

function routeFromHash() {
  const match = /run=([\w-]+)/.exec(location.hash);
  if (match && apiKey() && (!current || current.id !== match[1])) openRun(match[1]).catch((e) => say(e.message));
}

$('#key-form').addEventListener('submit', (e) => {
  e.preventDefault();
  localStorage.setItem('dhee.apiKey', $('#api-key').value.trim());
  say('Key saved.');
  refreshRuns();
  routeFromHash();
});
$('#api-key').value = apiKey();
$('#start-sample').addEventListener('click', startSample);
$('#cancel-run').addEventListener('click', cancelRun);
window.addEventListener('hashchange', routeFromHash);
window.addEventListener('resize', () => requestAnimationFrame(drawEdges));
refreshRuns();
routeFromHash();
setInterval(refreshRuns, 3000);
