// The `kia serve` dashboard: one page, one stylesheet, one script, kept as strings because tsc copies no other files
// into dist. Vanilla ES2020, no framework, nothing external. The CSP below allows no inline script or style, so the
// page carries none; the script builds every node with createElement and puts data in through textContent and
// setAttribute only (component answers are hostile input), and positions things through element.style (CSSOM,
// which CSP allows).
// The shapes it reads are the server's: MonitorState (api/state, each `event: cycle`) and Monitor#cell (api/cell).

/** The Content-Security-Policy to send with the page: only the page's own script, style and API. */
export const DASHBOARD_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Headers for every dashboard response (page, assets and API). */
export const DASHBOARD_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': DASHBOARD_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

/** The page, served at `/` (every URL in it is relative, so it works behind a path prefix). */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>kia serve</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="app.css">
<script src="app.js" defer></script>
</head>
<body data-conn="connecting">
<header class="top">
  <h1>kia</h1>
  <span class="stat">cluster <span id="overall" class="badge s-unknown" data-state="unknown">unknown</span></span>
  <span class="stat">cycle <strong id="cycle">–</strong></span>
  <span class="stat">checked <time id="checked-at">–</time> <span id="ago" class="muted"></span></span>
  <span id="conn" class="conn" data-conn="connecting" role="status" aria-live="polite">connecting</span>
</header>
<div id="error" class="error" role="alert" hidden></div>
<main>
  <section id="cluster" aria-labelledby="cluster-title">
    <h2 id="cluster-title">Cluster</h2>
    <div class="toolbar">
      <input id="filter" type="search" placeholder="Filter nodes" aria-label="Filter nodes by name" autocomplete="off" spellcheck="false">
      <label class="toggle" title="Only nodes with a degraded or down component"><input id="problems-only" type="checkbox"> problems only</label>
      <span id="grid-shown" class="muted"></span>
      <ul id="state-counts" class="counts" aria-label="Cells per state"></ul>
    </div>
    <div id="grid-wrap" class="grid-wrap" tabindex="0" aria-label="Nodes and components">
      <table id="grid" class="grid">
        <thead id="grid-head"></thead>
        <tbody id="grid-body"></tbody>
      </table>
      <p id="grid-empty" class="muted pad" hidden>No node matches.</p>
      <p id="grid-waiting" class="muted pad" hidden>Waiting for the first check…</p>
    </div>
  </section>
  <section id="findings" aria-labelledby="findings-title">
    <h2 id="findings-title">Findings</h2>
    <p id="findings-meta" class="muted"></p>
    <ul id="severity-counts" class="counts" aria-label="Findings per severity"></ul>
    <div id="findings-box" class="box">
      <table id="findings-table" class="list">
        <thead><tr>
          <th scope="col" data-sort="severity"><button type="button">Severity</button></th>
          <th scope="col" data-sort="rule"><button type="button">Rule</button></th>
          <th scope="col" data-sort="title"><button type="button">Title</button></th>
          <th scope="col" data-sort="where"><button type="button">Where</button></th>
          <th scope="col" data-sort="component"><button type="button">Component</button></th>
        </tr></thead>
        <tbody id="findings-body"></tbody>
      </table>
    </div>
  </section>
  <section id="certificates" aria-labelledby="certificates-title">
    <h2 id="certificates-title">Certificate expiry</h2>
    <p id="certificates-meta" class="muted"></p>
    <div id="timeline" class="timeline" role="group" aria-label="Certificate expiry timeline, now to one year"></div>
    <div id="cert-box" class="box">
      <table id="cert-table" class="list">
        <thead><tr><th scope="col">Days left</th><th scope="col">State</th><th scope="col">Node</th><th scope="col">Component</th><th scope="col">Port</th><th scope="col">Subject</th><th scope="col">Not after</th></tr></thead>
        <tbody id="cert-body"></tbody>
      </table>
    </div>
  </section>
  <footer id="notes" class="muted"></footer>
</main>
<aside id="panel" class="panel" hidden aria-labelledby="panel-title">
  <div class="panel-head">
    <h2 id="panel-title" tabindex="-1"></h2>
    <span id="panel-state"></span>
    <button id="panel-close" type="button" aria-label="Close details">Close</button>
  </div>
  <div id="panel-body" class="panel-body"></div>
</aside>
</body>
</html>
`;

/** The stylesheet, served at `/app.css`. */
export const DASHBOARD_CSS = String.raw`
:root{--bg:#fff;--fg:#1b1b1b;--muted:#5f6368;--line:#d6d8db;--head:#f3f4f6;--panel:#fff;--hover:#eef2f7;
--healthy:#2e7d32;--degraded:#f9a825;--down:#c62828;--unknown:#757575;
--on-healthy:#fff;--on-degraded:#1b1b1b;--on-down:#fff;--on-unknown:#fff;
--critical:#8b0000;--high:#c62828;--medium:#b26a00;--low:#1565c0;--info:#555;color-scheme:light dark}
@media (prefers-color-scheme:dark){:root{--bg:#121212;--fg:#e6e6e6;--muted:#a3a3a3;--line:#3a3a3a;--head:#1d1d1d;--panel:#181818;--hover:#24282e;--unknown:#8a8a8a;--on-unknown:#111}}
*{box-sizing:border-box}
[hidden]{display:none !important}
html{-webkit-text-size-adjust:100%}
body{margin:0;font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg);overflow-wrap:break-word}
code,time{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em}
h1{font-size:1.2rem;margin:0}
h2{font-size:1.1rem;margin:1.2rem 0 .5rem}
h3{font-size:.95rem;margin:.9rem 0 .3rem}
button{font:inherit;color:inherit}
.muted{color:var(--muted)}.small{font-size:.85em}.pad{padding:.5rem}
.top{position:sticky;top:0;z-index:20;display:flex;flex-wrap:wrap;align-items:center;gap:.3rem 1rem;padding:.5rem 1rem;background:var(--head);border-bottom:1px solid var(--line)}
.top .stat{white-space:nowrap}
.conn{margin-left:auto;white-space:nowrap}
.conn::before{content:"";display:inline-block;width:.65em;height:.65em;border-radius:50%;margin-right:.35em;background:var(--unknown)}
.conn[data-conn=live]::before{background:var(--healthy)}
.conn[data-conn=disconnected]{color:var(--down);font-weight:600}
.conn[data-conn=disconnected]::before{background:var(--down)}
#ago[data-stale=true]{color:var(--down);font-weight:600}
.error{margin:.5rem 1rem;padding:.5rem .75rem;border-left:4px solid var(--down);background:var(--hover)}
main{padding:0 1rem 2rem;min-width:0}
.badge,.sev{display:inline-block;border-radius:3px;padding:0 .4rem;font-size:.8rem;font-weight:600;line-height:1.5;white-space:nowrap}
.s-healthy{background:var(--healthy);color:var(--on-healthy)}
.s-degraded{background:var(--degraded);color:var(--on-degraded)}
.s-down{background:var(--down);color:var(--on-down)}
.s-unknown{background:var(--unknown);color:var(--on-unknown)}
.s-skipped{background:transparent;color:var(--muted);border:1px dashed var(--muted)}
.sev{color:#fff;text-transform:uppercase}
.sev-critical{background:var(--critical)}.sev-high{background:var(--high)}.sev-medium{background:var(--medium)}.sev-low{background:var(--low)}.sev-info{background:var(--info)}
.counts{display:flex;flex-wrap:wrap;gap:.3rem;margin:0;padding:0;list-style:none}
.counts li{border-radius:3px;padding:0 .45rem;font-size:.8rem;font-weight:600;white-space:nowrap}
.counts li[data-count="0"]{opacity:.45}
.toolbar{display:flex;flex-wrap:wrap;align-items:center;gap:.4rem .8rem;margin-bottom:.5rem}
#filter{font:inherit;padding:.25rem .5rem;border:1px solid var(--line);border-radius:4px;background:var(--bg);color:var(--fg);width:14rem;max-width:100%}
.toggle{white-space:nowrap;cursor:pointer}
.grid-wrap{width:fit-content;max-width:100%;max-height:min(70vh,56rem);overflow:auto;border:1px solid var(--line);border-radius:4px;overscroll-behavior:contain}
.grid{border-collapse:separate;border-spacing:0;font-size:12px}
.grid th,.grid td{padding:1px 2px;border-bottom:1px solid var(--line);white-space:nowrap}
.grid thead th{position:sticky;top:0;z-index:2;background:var(--head);padding:.3rem .4rem;font-weight:600;text-align:center;white-space:normal;max-width:6.5rem;vertical-align:bottom}
.grid th.node{position:sticky;left:0;z-index:1;background:var(--bg);text-align:left;font-weight:500;max-width:14rem;overflow:hidden;text-overflow:ellipsis;padding:1px .5rem}
.grid thead th.node{z-index:3;background:var(--head)}
.grid tbody tr:hover th.node{background:var(--hover)}
.cell{display:block;width:100%;min-width:5.4rem;padding:2px 4px;border:0;border-radius:3px;font-size:11px;line-height:1.35;text-align:center;cursor:pointer}
.cell:hover{filter:brightness(1.1)}
.cell:focus-visible,.cert-marker:focus-visible{outline:2px solid var(--fg);outline-offset:1px}
.cell.selected{box-shadow:0 0 0 2px var(--bg),0 0 0 4px var(--fg)}
.cell.absent{background:transparent;color:var(--muted);cursor:default}
.box{max-width:100%;max-height:60vh;overflow:auto;border:1px solid var(--line);border-radius:4px}
.scroll{max-width:100%;overflow-x:auto}
table.list,table.matrix{border-collapse:collapse;width:100%;font-size:13px}
.list th,.list td,.matrix th,.matrix td{border-bottom:1px solid var(--line);padding:.3rem .5rem;text-align:left;vertical-align:top}
.list thead th{position:sticky;top:0;z-index:1;background:var(--head)}
.list thead th button{border:0;background:none;padding:0;font-weight:600;cursor:pointer}
.list thead th[aria-sort] button::after{content:" ▾"}
.list thead th[aria-sort=ascending] button::after{content:" ▴"}
.list details summary{cursor:pointer}
.fix{margin:.3rem 0;padding:.3rem .5rem;background:var(--hover);border-radius:3px}
.timeline{position:relative;margin:.5rem 10px 0;min-width:0}
.tl-track{position:relative;border-left:1px solid var(--line);border-right:1px solid var(--line)}
.tl-zone{position:absolute;top:0;bottom:0;left:0}
.tl-zone-30{background:rgba(249,168,37,.18)}
.tl-zone-7{background:rgba(198,40,40,.18)}
.tl-threshold{position:absolute;top:0;bottom:0;border-left:2px dashed var(--down)}
.tl-threshold[data-days="30"]{border-left-color:var(--degraded)}
.tl-axis{position:relative;height:1.5rem;border-top:1px solid var(--fg);font-size:11px;color:var(--muted)}
.tl-tick{position:absolute;top:0;padding-top:3px;white-space:nowrap;transform:translateX(-50%)}
.tl-tick::before{content:"";position:absolute;top:0;left:50%;height:4px;border-left:1px solid var(--fg)}
.tl-tick.first{transform:none}.tl-tick.first::before{left:0}
.tl-tick.last{transform:translateX(-100%)}.tl-tick.last::before{left:auto;right:0}
.cert-marker{position:absolute;width:12px;height:12px;margin-left:-6px;padding:0;border:1px solid var(--bg);border-radius:50%;cursor:pointer}
.cert-marker.lvl-critical,.cert-marker.lvl-expired{box-shadow:0 0 0 2px var(--down)}
.cert-marker.later{border-radius:2px}
.cert-marker.group{width:auto;min-width:16px;height:14px;margin-left:0;padding:0 4px;border-radius:7px;font-size:10px;font-weight:700;line-height:12px;transform:translateX(-50%)}
.history{display:flex;gap:1px;align-items:stretch;height:18px;max-width:100%;overflow:hidden}
.tick{flex:0 0 6px;border-radius:1px}
.panel{position:fixed;top:0;right:0;bottom:0;z-index:30;width:min(34rem,100%);display:flex;flex-direction:column;background:var(--panel);border-left:1px solid var(--line);box-shadow:-4px 0 16px rgba(0,0,0,.18)}
.panel-head{display:flex;align-items:center;gap:.6rem;padding:.5rem 1rem;border-bottom:1px solid var(--line);background:var(--head)}
.panel-head h2{margin:0;flex:1;min-width:0;font-size:1rem}
.panel-head button{border:1px solid var(--line);border-radius:4px;background:var(--bg);padding:.2rem .6rem;cursor:pointer}
.panel-body{flex:1;overflow:auto;padding:.3rem 1rem 2rem;overscroll-behavior:contain}
.endpoint{border-top:1px solid var(--line);margin-top:.8rem}
.probe{margin:.5rem 0;padding:.4rem .6rem;border-left:4px solid var(--line);background:var(--hover);border-radius:0 4px 4px 0}
.probe[data-state=degraded]{border-left-color:var(--degraded)}.probe[data-state=down]{border-left-color:var(--down)}.probe[data-state=healthy]{border-left-color:var(--healthy)}
.detail{margin:.2rem 0}
.checks{margin:.3rem 0;padding-left:1.2rem}
.check.fail{color:var(--down);font-weight:600}
.check.fail .reason{font-weight:400;color:var(--fg)}
.check .mark{display:inline-block;width:1em}
.matrix th[scope=row]{font-weight:400}
.matrix td{white-space:nowrap}
.matrix td.open{font-weight:700}
.matrix td.open .tag{border:1px solid currentColor;border-radius:3px;padding:0 .3rem;font-size:.8em;text-transform:uppercase}
.matrix td.open.anon{background:var(--down);color:#fff}
.matrix td.denied,.matrix td.failed{color:var(--muted)}
@media (min-width:1100px){body.panel-open main{margin-right:34rem}}
@media (max-width:700px){
  .top{padding:.4rem .6rem;gap:.2rem .7rem}
  .conn{margin-left:0}
  main{padding:0 .6rem 2rem}
  .panel{width:100%;border-left:0}
  .panel-body{padding:.3rem .6rem 2rem}
  #filter{width:100%}
  .grid-wrap{max-height:65vh}
  .box{max-height:75vh}
  .list,.list tbody,.list tr{display:block}
  .list thead tr{display:flex;flex-wrap:wrap;gap:.2rem .9rem;padding:.3rem .5rem;background:var(--head)}
  .list thead th{display:block;position:static;padding:0;border:0;background:none}
  #cert-table thead{display:none}
  .list tbody tr{padding:.35rem .5rem;border-bottom:1px solid var(--line)}
  .list td{display:inline-block;border:0;padding:.05rem .6rem .05rem 0;vertical-align:baseline}
  .list td.wide{display:block}
}
`;

/** The script, served at `/app.js`. */
export const DASHBOARD_JS = String.raw`(() => {
'use strict';
const COMPONENTS = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubelet', 'kube-proxy'];
const SHORT = { 'kube-apiserver': 'apiserver', 'kube-controller-manager': 'controller-manager', 'kube-scheduler': 'scheduler', 'kube-proxy': 'proxy', 'cloud-controller-manager': 'cloud-controller' };
const STATES = ['healthy', 'degraded', 'down', 'unknown'];
const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'];
const LEVELS = ['ok', 'warning', 'critical', 'expired'];
const PROBLEM = { degraded: true, down: true };
const YEAR = 365;
const LANE_PX = 16;
const MAX_LANES = 8;
const SCROLLERS = ['grid-wrap', 'findings-box', 'cert-box', 'panel-body'];
const $ = (id) => document.getElementById(id);

const ui = { state: null, received: 0, fromStream: false, selected: null, cellSeq: 0, sort: { key: 'severity', dir: 1 }, source: null, retryMs: 1000, retryTimer: 0 };

// Every node is built here: strings become text nodes, attributes go through setAttribute; no markup is ever parsed.
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  if (attrs) for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = String(v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false || c === '') continue;
    node.append(c instanceof Node ? c : String(c));
  }
  return node;
}
const one = (v, allowed, fallback) => (allowed.includes(v) ? v : fallback);
const stateOf = (v) => one(v, STATES, 'unknown');
const str = (v) => (v === undefined || v === null ? '' : String(v));
const cmp = (a, b) => (str(a) < str(b) ? -1 : str(a) > str(b) ? 1 : 0);
const badge = (st) => el('span', { class: 'badge s-' + st, 'data-state': st }, st);
function hostPort(address, port) { const a = str(address); return (a.includes(':') ? '[' + a + ']' : a) + ':' + str(port); }
function fmtTime(iso) { const d = new Date(iso); return isNaN(d.getTime()) ? str(iso) : d.toLocaleString(); }
function fmtAgo(ms) { const s = Math.max(0, Math.round(ms / 1000)); return s < 90 ? s + ' s ago' : s < 5400 ? Math.round(s / 60) + ' min ago' : Math.round(s / 3600) + ' h ago'; }
function daysText(days) { const d = Number(days); return !isFinite(d) ? '?' : d < 0 ? 'expired ' + -d + ' d ago' : d + (d === 1 ? ' day left' : ' days left'); }
function findCell(node, component) {
  for (const b of document.querySelectorAll('#grid-body button.cell')) if (b.dataset.node === node && b.dataset.component === component) return b;
  return null;
}

// ---- connection ----------------------------------------------------------------------------------------------
function setConn(conn) {
  const c = $('conn');
  c.dataset.conn = conn;
  document.body.dataset.conn = conn;
  c.textContent = conn === 'live' ? 'live' : conn === 'connecting' ? 'connecting…' : 'disconnected, retrying…';
  c.title = conn === 'live' ? 'Receiving updates' : 'Not receiving updates: the page shows the last state it received';
}
function connect() {
  ui.retryTimer = 0;
  if (typeof EventSource !== 'function') { setConn('disconnected'); return; }
  const es = new EventSource('api/events');
  ui.source = es;
  es.addEventListener('open', () => { ui.retryMs = 1000; setConn('live'); });
  es.addEventListener('cycle', (ev) => {
    let s;
    try { s = JSON.parse(ev.data); } catch (err) { showError('Unreadable update from the server: ' + err.message); return; }
    apply(s, true);
  });
  es.addEventListener('error', () => {
    setConn('disconnected');
    // CONNECTING: the browser retries by itself. CLOSED (a non-200 answer): retry here, backing off.
    if (es.readyState === EventSource.CLOSED && !ui.retryTimer) {
      es.close();
      ui.retryTimer = setTimeout(connect, ui.retryMs);
      ui.retryMs = Math.min(ui.retryMs * 2, 30000);
    }
  });
}
function httpError(status) { return status === 401 ? 'unauthorized (open the dashboard once as ?token=… to sign in)' : 'HTTP ' + status; }
function showError(text) { const e = $('error'); e.textContent = text; e.hidden = !text; }

// ---- state ---------------------------------------------------------------------------------------------------
function apply(s, fromStream) {
  if (!s || typeof s !== 'object' || (s.health !== null && (typeof s.health !== 'object' || !Array.isArray(s.health.nodes)))) { showError('Unexpected state from the server.'); return; }
  // Before the first cycle there is no report yet: an empty one, so every part renders its empty state.
  if (s.health === null) s = Object.assign({}, s, { health: { state: 'unknown', nodes: [], notes: [] } });
  if (!fromStream && ui.fromStream) return;
  if (fromStream) ui.fromStream = true;
  ui.state = s;
  ui.received = Date.now();
  const view = saveView();
  renderHeader(s);
  renderGrid(s);
  renderFindings(s);
  renderCertificates(s);
  renderNotes(s);
  restoreView(view);
  showError('');
  document.body.dataset.cycle = str(s.cycle);
  if (!ui.selected) {
    const wanted = hashSelection();
    if (wanted) openCell(wanted.node, wanted.component, false);
  } else loadCell();
}
function saveView() {
  const active = document.activeElement;
  return {
    x: window.scrollX, y: window.scrollY,
    boxes: SCROLLERS.map((id) => [id, $(id).scrollTop, $(id).scrollLeft]),
    focus: active && active.matches && active.matches('button.cell') ? { node: active.dataset.node, component: active.dataset.component } : null,
    open: openDetails(document),
  };
}
function restoreView(v) {
  restoreDetails(document, v.open);
  for (const [id, top, left] of v.boxes) { $(id).scrollTop = top; $(id).scrollLeft = left; }
  if (v.focus) { const b = findCell(v.focus.node, v.focus.component); if (b) b.focus({ preventScroll: true }); }
  window.scrollTo(v.x, v.y);
}
function openDetails(root) { return new Set(Array.from(root.querySelectorAll('details[open][data-key]'), (d) => d.dataset.key)); }
function restoreDetails(root, keys) { for (const d of root.querySelectorAll('details[data-key]')) if (keys.has(d.dataset.key)) d.open = true; }

// ---- header --------------------------------------------------------------------------------------------------
function renderHeader(s) {
  const st = stateOf(s.health.state);
  const o = $('overall');
  o.className = 'badge s-' + st;
  o.dataset.state = st;
  o.textContent = st;
  $('cycle').textContent = str(s.cycle);
  const t = $('checked-at');
  t.setAttribute('datetime', str(s.checkedAt));
  t.title = str(s.checkedAt);
  t.textContent = s.checkedAt ? fmtTime(s.checkedAt) : 'not yet';
  document.title = st + ' · kia serve';
  document.body.dataset.state = st;
  tick();
}
// The age of the last update by the browser's clock (the server's may be skewed or injected).
function tick() {
  if (!ui.state) return;
  const age = Date.now() - ui.received;
  const a = $('ago');
  const interval = Number(ui.state.intervalMs) || 10000;
  const stale = age > Math.max(3 * interval, 15000);
  a.textContent = '(updated ' + fmtAgo(age) + (stale ? ', stale' : '') + ')';
  a.dataset.stale = stale ? 'true' : 'false';
}

// ---- grid ----------------------------------------------------------------------------------------------------
function columns(nodes) {
  const cols = COMPONENTS.slice();
  for (const n of nodes) for (const c of n.components || []) if (!cols.includes(c.component)) cols.push(str(c.component));
  return cols;
}
function renderGrid(s) {
  const nodes = s.health.nodes;
  const cols = columns(nodes);
  $('grid-head').replaceChildren(el('tr', null, el('th', { scope: 'col', class: 'node' }, 'node'), cols.map((c) => el('th', { scope: 'col', 'data-col': c, title: c }, SHORT[c] || c))));
  const counts = { healthy: 0, degraded: 0, down: 0, unknown: 0 };
  const sel = ui.selected;
  const rows = nodes.map((n) => {
    const name = str(n.name);
    const byComponent = new Map((n.components || []).map((c) => [c.component, c]));
    let problem = false;
    const cells = cols.map((col) => {
      const c = byComponent.get(col);
      if (!c) return el('td', null, el('span', { class: 'cell absent', 'data-node': name, 'data-component': col, 'data-state': 'absent', title: name + ' runs no ' + col }, '–'));
      const st = stateOf(c.state);
      counts[st]++;
      if (PROBLEM[st]) problem = true;
      const selected = !!sel && sel.node === name && sel.component === col;
      return el('td', null, el('button', {
        type: 'button', class: 'cell s-' + st + (selected ? ' selected' : ''),
        'data-node': name, 'data-component': col, 'data-state': st,
        'aria-expanded': selected ? 'true' : 'false', 'aria-controls': 'panel',
        'aria-label': col + ' on ' + name + ': ' + st,
        title: col + ' on ' + name + ': ' + st + (c.summary ? ' · ' + c.summary : ''),
      }, st));
    });
    return el('tr', { 'data-row': name, 'data-problem': problem ? 'true' : 'false' }, el('th', { scope: 'row', class: 'node', title: name }, name), cells);
  });
  $('grid-body').replaceChildren(...rows);
  $('state-counts').replaceChildren(...['down', 'degraded', 'unknown', 'healthy'].map((st) => el('li', { class: 's-' + st, 'data-state': st, 'data-count': counts[st] }, st + ' ' + counts[st])));
  applyFilter();
}
function applyFilter() {
  const q = $('filter').value.trim().toLowerCase();
  const only = $('problems-only').checked;
  let shown = 0;
  let total = 0;
  for (const tr of $('grid-body').rows) {
    total++;
    const visible = (!q || tr.dataset.row.toLowerCase().includes(q)) && (!only || tr.dataset.problem === 'true');
    tr.hidden = !visible;
    if (visible) shown++;
  }
  $('grid-shown').textContent = shown === total ? total + (total === 1 ? ' node' : ' nodes') : shown + ' of ' + total + ' nodes';
  $('grid-empty').hidden = shown > 0 || total === 0;
  $('grid-waiting').hidden = total > 0;
}
function markSelected() {
  const sel = ui.selected;
  for (const b of document.querySelectorAll('#grid-body button.cell')) {
    const on = !!sel && b.dataset.node === sel.node && b.dataset.component === sel.component;
    b.classList.toggle('selected', on);
    b.setAttribute('aria-expanded', on ? 'true' : 'false');
  }
}

// ---- detail panel --------------------------------------------------------------------------------------------
function hashSelection() {
  const p = new URLSearchParams(location.hash.slice(1));
  const node = p.get('node');
  const component = p.get('component');
  return node && component ? { node, component } : null;
}
function setHash() {
  const sel = ui.selected;
  history.replaceState(null, '', location.pathname + location.search + (sel ? '#' + new URLSearchParams(sel).toString() : ''));
}
function openCell(node, component, focus) {
  ui.selected = { node, component };
  const panel = $('panel');
  panel.hidden = false;
  panel.dataset.cell = node + '/' + component;
  delete panel.dataset.cycle;
  document.body.classList.add('panel-open');
  $('panel-title').textContent = component + ' on ' + node;
  $('panel-state').replaceChildren();
  $('panel-body').replaceChildren(el('p', { class: 'muted' }, 'Loading…'));
  $('panel-body').scrollTop = 0;
  markSelected();
  setHash();
  if (focus) $('panel-title').focus({ preventScroll: true });
  loadCell();
}
function closePanel() {
  const sel = ui.selected;
  if (!sel) return;
  ui.selected = null;
  ui.cellSeq++;
  const panel = $('panel');
  panel.hidden = true;
  delete panel.dataset.cell;
  delete panel.dataset.cycle;
  document.body.classList.remove('panel-open');
  markSelected();
  setHash();
  const back = findCell(sel.node, sel.component);
  if (back) back.focus({ preventScroll: true });
}
async function loadCell() {
  const sel = ui.selected;
  if (!sel) return;
  const seq = ++ui.cellSeq;
  const cycle = ui.state ? ui.state.cycle : null;
  let data;
  try {
    const res = await fetch('api/cell?' + new URLSearchParams(sel).toString(), { headers: { accept: 'application/json' }, cache: 'no-store' });
    if (!res.ok) throw new Error(httpError(res.status));
    data = await res.json();
    if (!data || typeof data !== 'object' || data.health === undefined) throw new Error('unexpected answer');
  } catch (err) {
    if (seq !== ui.cellSeq) return;
    const body = $('panel-body');
    const old = body.querySelector('.panel-error');
    if (old) old.remove();
    body.prepend(el('p', { class: 'error panel-error', role: 'alert' }, 'Could not load the details: ' + err.message));
    return;
  }
  if (seq !== ui.cellSeq) return;
  renderPanel(data, cycle);
}
function renderPanel(data, cycle) {
  // A cell the server knows of but has not checked yet has no health.
  const h = data.health || { state: 'unknown', summary: 'Not checked yet.', endpoints: [] };
  const st = stateOf(h.state);
  const body = $('panel-body');
  const top = body.scrollTop;
  const open = openDetails(body);
  const endpoints = Array.isArray(h.endpoints) ? h.endpoints : [];
  body.replaceChildren(
    el('p', { class: 'summary' }, str(h.summary)),
    historyStrip(Array.isArray(data.history) ? data.history : []),
    ...(endpoints.length ? endpoints.map(endpointSection) : [el('p', { class: 'muted' }, 'No endpoint was probed.')]),
    matrixSection(Array.isArray(data.endpoints) ? data.endpoints : []),
  );
  restoreDetails(body, open);
  body.scrollTop = top;
  $('panel-state').replaceChildren(badge(st));
  const panel = $('panel');
  panel.dataset.cellState = st;
  if (cycle !== null) panel.dataset.cycle = str(cycle);
}
function historyStrip(entries) {
  const list = entries.slice(-60);
  const sec = el('section', { class: 'block', 'data-part': 'history' }, el('h3', null, 'History'));
  if (!list.length) { sec.append(el('p', { class: 'muted' }, 'No history yet.')); return sec; }
  const bad = list.filter((e) => stateOf(e.state) !== 'healthy').length;
  sec.append(
    el('div', { class: 'history', role: 'img', 'aria-label': 'Last ' + list.length + ' checks, ' + bad + ' not healthy' },
      list.map((e) => { const s = stateOf(e.state); return el('span', { class: 'tick s-' + s, 'data-state': s, title: fmtTime(e.at) + ': ' + s + (e.summary ? ' · ' + e.summary : '') }); })),
    el('p', { class: 'muted small' }, fmtTime(list[0].at) + ' → ' + fmtTime(list[list.length - 1].at) + ' · ' + bad + ' of ' + list.length + ' not healthy'),
  );
  return sec;
}
function endpointSection(ep) {
  const st = stateOf(ep.state);
  const sec = el('section', { class: 'endpoint', 'data-port': ep.port, 'data-state': st },
    el('h3', null, badge(st), ' ', el('code', null, hostPort(ep.address, ep.port)), ' ', el('span', { class: 'muted' }, [ep.portName, ep.scheme].filter(Boolean).join(' · '))));
  if (ep.certificate) sec.append(certificateLine(ep.certificate));
  for (const p of Array.isArray(ep.probes) ? ep.probes : []) sec.append(probeBlock(p, ep.port));
  return sec;
}
function certificateLine(c) {
  const st = stateOf(c.state);
  const verified = c.verified === true ? ' · chain verified' : c.verified === false ? ' · chain NOT verified' + (c.verifyError ? ': ' + c.verifyError : '') : '';
  return el('p', { class: 'cert-line', 'data-state': st }, 'Certificate ', badge(st), ' ', el('code', null, str(c.subject)), ' · expires ', el('time', { datetime: str(c.notAfter) }, fmtTime(c.notAfter)), ' (' + daysText(c.daysLeft) + ')' + verified);
}
function probeBlock(p, port) {
  const st = p.state === 'skipped' ? 'skipped' : stateOf(p.state);
  const checks = Array.isArray(p.checks) ? p.checks : [];
  const failing = checks.filter((c) => !c.ok);
  const passing = checks.filter((c) => c.ok);
  const block = el('div', { class: 'probe', 'data-route': str(p.route), 'data-state': st },
    el('div', null, el('span', { class: 'badge s-' + st }, st), ' ', el('code', null, str(p.method || 'GET') + ' ' + str(p.path)), ' → ', el('strong', { class: 'status' }, p.status !== undefined && p.status !== null ? str(p.status) : str(p.outcome))),
    el('div', { class: 'muted small' }, el('code', null, str(p.route)), ' · as ' + str(p.identity) + ' · ' + str(p.outcome) + ' · ' + Math.round(Number(p.durationMs) || 0) + ' ms'),
    el('div', { class: 'detail' }, str(p.detail)));
  if (p.proxy && typeof p.proxy === 'object') {
    const x = p.proxy;
    block.append(el('div', { class: 'small' }, 'lastUpdated ', el('code', null, str(x.lastUpdated) || '?'), ' · currentTime ', el('code', null, str(x.currentTime) || '?'),
      x.ageSeconds !== undefined ? ' · ' + x.ageSeconds + ' s behind' : '', x.nodeEligible !== undefined ? ' · node eligible: ' + (x.nodeEligible ? 'yes' : 'no') : ''));
  }
  if (failing.length) block.append(el('ul', { class: 'checks failing' }, failing.map(checkItem)));
  if (passing.length) block.append(el('details', { 'data-key': 'checks ' + port + ' ' + p.route + ' ' + p.identity }, el('summary', null, passing.length + ' passing check' + (passing.length === 1 ? '' : 's')), el('ul', { class: 'checks' }, passing.map(checkItem))));
  return block;
}
function checkItem(c) {
  return el('li', { class: 'check ' + (c.ok ? 'ok' : 'fail'), 'data-check': str(c.name), 'data-ok': c.ok ? 'true' : 'false' },
    el('span', { class: 'mark', 'aria-hidden': 'true' }, c.ok ? '✓' : '✗'), el('code', null, str(c.name)), c.ok ? ' ok' : ' failed',
    c.reason ? el('span', { class: 'reason' }, ': ' + str(c.reason)) : null);
}
function matrixSection(observations) {
  const sec = el('section', { class: 'block', 'data-part': 'matrix' }, el('h3', null, 'Access matrix'));
  const audited = ui.state && ui.state.findings && ui.state.findings.auditedAt;
  const withRoutes = observations.filter((o) => Array.isArray(o.routes) && o.routes.length);
  if (!withRoutes.length) { sec.append(el('p', { class: 'muted' }, audited ? 'The last audit asked nothing of this component.' : 'No security audit has run yet.')); return sec; }
  sec.append(el('p', { class: 'muted small' }, 'Who gets what: the HTTP status per route and identity from the last audit. 2xx is open; open to anonymous is red.'));
  for (const o of withRoutes) {
    const identities = [];
    const rows = new Map();
    for (const r of o.routes) {
      const id = str(r.identity);
      if (!identities.includes(id)) identities.push(id);
      const key = str(r.route) + ' ' + str(r.method) + ' ' + str(r.path);
      if (!rows.has(key)) rows.set(key, { route: str(r.route), method: str(r.method || 'GET'), path: str(r.path), by: new Map() });
      rows.get(key).by.set(id, r);
    }
    identities.sort((a, b) => (a === 'anonymous' ? -1 : b === 'anonymous' ? 1 : 0));
    let anonOpen = 0;
    const body = Array.from(rows.values(), (row) => el('tr', { 'data-route': row.route },
      el('th', { scope: 'row' }, el('code', null, row.route), el('div', { class: 'muted small' }, (row.method === 'GET' ? '' : row.method + ' ') + row.path)),
      identities.map((id) => {
        const r = row.by.get(id);
        if (!r) return el('td', { class: 'none' }, '–');
        const status = typeof r.status === 'number' ? r.status : null;
        const open = status !== null && status >= 200 && status < 300;
        const anon = id === 'anonymous';
        if (open && anon) anonOpen++;
        const cls = open ? (anon ? 'open anon' : 'open') : status === 401 || status === 403 ? 'denied' : status === null ? 'failed' : 'other';
        return el('td', { class: cls, 'data-route': row.route, 'data-identity': id, 'data-status': status === null ? '' : status, 'data-open': open ? 'true' : 'false', title: id + ': ' + row.method + ' ' + row.path + ' → ' + (status === null ? str(r.outcome) : status) + (open ? ' (open)' : '') },
          status === null ? str(r.outcome) : str(status), open ? [' ', el('span', { class: 'tag' }, anon ? '⚠ open' : 'open')] : null);
      })));
    const tls = o.tls && o.tls.protocol ? ' · ' + o.tls.protocol : '';
    sec.append(
      el('h3', { class: 'small' }, 'Port ' + str(o.port) + ' · ' + str(o.scheme) + tls, anonOpen ? ' ' : null, anonOpen ? el('span', { class: 'badge s-down' }, anonOpen + ' open to anonymous') : null),
      el('div', { class: 'scroll' }, el('table', { class: 'matrix', 'data-port': o.port },
        el('thead', null, el('tr', null, el('th', { scope: 'col' }, 'route'), identities.map((id) => el('th', { scope: 'col', 'data-identity': id }, id)))),
        el('tbody', null, body))),
    );
  }
  return sec;
}

// ---- findings ------------------------------------------------------------------------------------------------
const rank = (sev) => { const i = SEVERITIES.indexOf(sev); return i < 0 ? SEVERITIES.length : i; };
const where = (f) => str(f.node) + ' ' + hostPort(f.address, f.port);
const SORTERS = {
  severity: (a, b) => rank(a.severity) - rank(b.severity),
  rule: (a, b) => cmp(a.rule, b.rule),
  title: (a, b) => cmp(a.title, b.title),
  where: (a, b) => cmp(where(a), where(b)),
  component: (a, b) => cmp(a.component, b.component),
};
function renderFindings(s) {
  const f = s.findings && typeof s.findings === 'object' ? s.findings : { auditedAt: null, items: [] };
  const items = Array.isArray(f.items) ? f.items : [];
  const counts = {};
  for (const sev of SEVERITIES) counts[sev] = 0;
  for (const x of items) counts[one(x.severity, SEVERITIES, 'info')]++;
  $('severity-counts').replaceChildren(...SEVERITIES.map((sev) => el('li', { class: 'sev-' + sev + ' sev', 'data-severity': sev, 'data-count': counts[sev] }, sev + ' ' + counts[sev])));
  $('findings-meta').textContent = f.auditedAt ? items.length + ' finding' + (items.length === 1 ? '' : 's') + ' from the audit of ' + fmtTime(f.auditedAt) : 'No security audit has run yet.';
  const { key, dir } = ui.sort;
  const sorted = items.slice().sort((a, b) => dir * SORTERS[key](a, b) || SORTERS.severity(a, b) || cmp(a.rule, b.rule) || cmp(where(a), where(b)));
  $('findings-body').replaceChildren(...sorted.map(findingRow));
  $('findings-box').hidden = items.length === 0;
  for (const th of document.querySelectorAll('#findings-table th[data-sort]')) {
    if (th.dataset.sort !== key) { th.removeAttribute('aria-sort'); continue; }
    const natural = key === 'severity' ? 'descending' : 'ascending';
    th.setAttribute('aria-sort', dir === 1 ? natural : natural === 'ascending' ? 'descending' : 'ascending');
  }
}
function findingRow(f) {
  const sev = one(f.severity, SEVERITIES, 'info');
  return el('tr', { class: 'finding', 'data-severity': sev, 'data-rule': str(f.rule) },
    el('td', null, el('span', { class: 'sev sev-' + sev }, sev)),
    el('td', null, el('code', null, str(f.rule))),
    el('td', { class: 'wide' }, el('details', { 'data-key': 'finding ' + f.rule + ' ' + where(f) }, el('summary', null, str(f.title)), el('p', null, str(f.message)), f.fix ? el('p', { class: 'fix' }, 'Fix: ' + str(f.fix)) : null)),
    el('td', null, f.node ? str(f.node) + ' ' : '', el('code', null, hostPort(f.address, f.port))),
    el('td', null, str(f.component)));
}

// ---- certificates --------------------------------------------------------------------------------------------
// A square-root scale: the weeks that matter get most of the width. Expired sits at 0, past a year at the end.
const dayX = (days) => Math.sqrt(Math.min(Math.max(Number(days) || 0, 0), YEAR) / YEAR) * 100;
function renderCertificates(s) {
  const certs = (Array.isArray(s.certificates) ? s.certificates : []).slice().sort((a, b) => (Number(a.daysLeft) || 0) - (Number(b.daysLeft) || 0) || cmp(a.state, b.state));
  const tl = $('timeline');
  $('cert-box').hidden = certs.length === 0;
  tl.hidden = certs.length === 0;
  const soon = certs.filter((c) => Number(c.daysLeft) < 30).length;
  $('certificates-meta').textContent = certs.length ? certs.length + ' certificate' + (certs.length === 1 ? '' : 's') + ', ' + soon + ' expiring within 30 days or expired.' : 'No TLS certificate seen yet.';
  // Certificates issued together (kubeadm) expire together: neighbours in the same state share one counted marker.
  const groups = [];
  for (const c of certs) {
    const x = dayX(c.daysLeft);
    const st = stateOf(c.state);
    const last = groups[groups.length - 1];
    if (last && last.state === st && x - last.x < 1) last.items.push(c);
    else groups.push({ x, state: st, items: [c] });
  }
  const lanes = [];
  const markers = groups.map((g) => {
    let lane = lanes.findIndex((end) => g.x - end >= 2.5);
    if (lane < 0) lane = lanes.length < MAX_LANES ? lanes.length : lanes.indexOf(Math.min(...lanes));
    lanes[lane] = g.x + (g.items.length > 1 ? 2.5 : 0);
    const first = g.items[0];
    const days = Number(first.daysLeft);
    const levels = g.items.map((c) => one(c.level, LEVELS, ''));
    const level = levels.includes('expired') ? 'expired' : levels.includes('critical') ? 'critical' : levels[0];
    const line = (c) => str(c.node) + ' · ' + str(c.component) + ' · port ' + str(c.port) + (c.portName ? ' (' + str(c.portName) + ')' : '');
    const label = g.items.length === 1
      ? line(first) + '\n' + str(first.subject) + '\nnotAfter ' + str(first.notAfter) + '\n' + daysText(days)
      : g.items.length + ' certificates, ' + g.state + ', from ' + daysText(days) + '\n' + g.items.slice(0, 12).map((c) => line(c) + ': ' + daysText(c.daysLeft)).join('\n') + (g.items.length > 12 ? '\n… and ' + (g.items.length - 12) + ' more' : '');
    const m = el('button', {
      type: 'button', class: 'cert-marker s-' + g.state + (level ? ' lvl-' + level : '') + (days > YEAR ? ' later' : '') + (g.items.length > 1 ? ' group' : ''),
      'data-cert': str(first.node) + '/' + str(first.component) + '/' + str(first.port), 'data-cert-node': str(first.node), 'data-cert-component': str(first.component),
      'data-state': g.state, 'data-days': str(first.daysLeft), 'data-count': g.items.length, 'data-level': level || null, title: label, 'aria-label': label.split('\n').join('; '),
    }, g.items.length > 1 ? String(g.items.length) : null);
    m.style.left = g.x + '%';
    m.style.top = (lane * LANE_PX + 4) + 'px';
    return m;
  });
  const track = el('div', { class: 'tl-track' },
    [30, 7].map((d) => { const z = el('div', { class: 'tl-zone tl-zone-' + d }); z.style.width = dayX(d) + '%'; return z; }),
    [7, 30].map((d) => { const t = el('div', { class: 'tl-threshold', 'data-days': d, title: d + ' days' }); t.style.left = dayX(d) + '%'; return t; }),
    markers);
  track.style.height = (Math.max(lanes.length, 1) * LANE_PX + 8) + 'px';
  const ticks = [[0, 'now'], [7, '7 d'], [30, '30 d'], [90, '90 d'], [180, '180 d'], [YEAR, '1 y+']];
  const axis = el('div', { class: 'tl-axis', 'aria-hidden': 'true' }, ticks.map(([d, text], i) => {
    const t = el('span', { class: 'tl-tick' + (i === 0 ? ' first' : i === ticks.length - 1 ? ' last' : '') }, text);
    t.style.left = dayX(d) + '%';
    return t;
  }));
  tl.replaceChildren(track, axis);
  $('cert-body').replaceChildren(...certs.map((c) => {
    const st = stateOf(c.state);
    return el('tr', { 'data-cert': str(c.node) + '/' + str(c.component) + '/' + str(c.port), 'data-state': st },
      el('td', null, daysText(c.daysLeft)), el('td', null, badge(st)), el('td', null, str(c.node)), el('td', null, str(c.component)),
      el('td', null, el('code', null, hostPort(c.address, c.port)), c.portName ? ' ' + str(c.portName) : ''), el('td', { class: 'wide' }, el('code', null, str(c.subject))),
      el('td', null, el('time', { datetime: str(c.notAfter) }, fmtTime(c.notAfter))));
  }));
}
function renderNotes(s) {
  const notes = Array.isArray(s.health.notes) ? s.health.notes : [];
  $('notes').replaceChildren(notes.length ? el('ul', null, notes.map((n) => el('li', null, str(n)))) : '');
}

// ---- wiring --------------------------------------------------------------------------------------------------
function start() {
  $('filter').addEventListener('input', applyFilter);
  $('problems-only').addEventListener('change', applyFilter);
  $('panel-close').addEventListener('click', closePanel);
  document.addEventListener('keydown', (ev) => { if (ev.key === 'Escape' && ui.selected) closePanel(); });
  $('grid-body').addEventListener('click', (ev) => {
    const b = ev.target.closest('button.cell');
    if (b) openCell(b.dataset.node, b.dataset.component, true);
  });
  $('timeline').addEventListener('click', (ev) => {
    const m = ev.target.closest('.cert-marker');
    if (!m) return;
    // One certificate: its cell. Several: their rows in the table below.
    if (m.dataset.count === '1') { openCell(m.dataset.certNode, m.dataset.certComponent, true); return; }
    const row = Array.from($('cert-body').rows).find((r) => r.dataset.cert === m.dataset.cert);
    if (row) row.scrollIntoView({ block: 'nearest' });
  });
  document.querySelector('#findings-table thead').addEventListener('click', (ev) => {
    const th = ev.target.closest('th[data-sort]');
    if (!th) return;
    ui.sort = th.dataset.sort === ui.sort.key ? { key: ui.sort.key, dir: -ui.sort.dir } : { key: th.dataset.sort, dir: 1 };
    if (ui.state) renderFindings(ui.state);
  });
  setConn('connecting');
  connect();
  fetch('api/state', { headers: { accept: 'application/json' }, cache: 'no-store' })
    .then((res) => (res.ok ? res.json() : Promise.reject(new Error(httpError(res.status)))))
    .then((s) => apply(s, false))
    .catch((err) => { if (!ui.state) showError('Could not load the state: ' + err.message); });
  setInterval(tick, 1000);
}
start();
})();
`;

/** Everything the dashboard serves, by path relative to its mount point. */
export const DASHBOARD_ASSETS: Readonly<Record<string, { contentType: string; body: string }>> = {
  '/': { contentType: 'text/html; charset=utf-8', body: DASHBOARD_HTML },
  '/app.js': { contentType: 'text/javascript; charset=utf-8', body: DASHBOARD_JS },
  '/app.css': { contentType: 'text/css; charset=utf-8', body: DASHBOARD_CSS },
};
