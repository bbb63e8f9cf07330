// One state in, the whole page re-rendered: header, grid, findings, certificates and notes, keeping what the reader
// was doing (scroll positions, focus, open sections, the open panel) across the update.
import type { HealthReport } from '../model/index.ts';
import type { MonitorState } from '../serve/monitor.ts';
import { renderCertificates } from './certificates.ts';
import { byId, el, fmtAgo, fmtTime, openDetails, restoreDetails, stateOf, str } from './dom.ts';
import { renderFindings } from './findings.ts';
import { findCell, renderGrid } from './grid.ts';
import { hashSelection, loadCell, openCell } from './panel.ts';
import { showError } from './status.ts';
import type { Selection, ShownState, Ui } from './ui.ts';

const SCROLLERS = ['grid-wrap', 'findings-box', 'cert-box', 'panel-body'];

interface SavedView {
  x: number;
  y: number;
  boxes: [string, number, number][];
  focus: Selection | null;
  open: Set<string>;
}

// Before the first cycle there is no report yet: an empty one, so every part renders its empty state.
const NO_REPORT: HealthReport = { schema: 'kia.health/v1', checkedAt: '', durationMs: 0, state: 'unknown', nodes: [], notes: [] };

function looksLikeState(value: unknown): value is MonitorState {
  if (!value || typeof value !== 'object') return false;
  const health = (value as { health?: unknown }).health;
  return health === null || (typeof health === 'object' && health !== undefined && Array.isArray((health as { nodes?: unknown }).nodes));
}

/** Renders a state from api/state (`fromStream` false) or the event stream; the stream's states win. */
export function apply(ui: Ui, received: unknown, fromStream: boolean): void {
  if (!looksLikeState(received)) {
    showError('Unexpected state from the server.');
    return;
  }
  const s: ShownState = { ...received, health: received.health ?? NO_REPORT };
  if (!fromStream && ui.fromStream) return;
  if (fromStream) ui.fromStream = true;
  ui.state = s;
  ui.received = Date.now();
  const view = saveView();
  renderHeader(ui, s);
  renderGrid(ui, s);
  renderFindings(ui, s);
  renderCertificates(s);
  renderNotes(s);
  restoreView(view);
  showError('');
  document.body.dataset.cycle = str(s.cycle);
  if (!ui.selected) {
    const wanted = hashSelection();
    if (wanted) openCell(ui, wanted, false);
  } else void loadCell(ui);
}

function saveView(): SavedView {
  const active = document.activeElement;
  return {
    x: window.scrollX,
    y: window.scrollY,
    boxes: SCROLLERS.map((id): [string, number, number] => [id, byId(id).scrollTop, byId(id).scrollLeft]),
    focus: active instanceof HTMLElement && active.matches('button.cell') ? { node: active.dataset.node ?? '', component: active.dataset.component ?? '' } : null,
    open: openDetails(document),
  };
}

function restoreView(v: SavedView): void {
  restoreDetails(document, v.open);
  for (const [id, top, left] of v.boxes) {
    byId(id).scrollTop = top;
    byId(id).scrollLeft = left;
  }
  if (v.focus) findCell(v.focus.node, v.focus.component)?.focus({ preventScroll: true });
  window.scrollTo(v.x, v.y);
}

function renderHeader(ui: Ui, s: ShownState): void {
  const st = stateOf(s.health.state);
  const o = byId('overall');
  o.className = `badge s-${st}`;
  o.dataset.state = st;
  o.textContent = st;
  byId('cycle').textContent = str(s.cycle);
  const t = byId('checked-at');
  t.setAttribute('datetime', str(s.checkedAt));
  t.title = str(s.checkedAt);
  t.textContent = s.checkedAt ? fmtTime(s.checkedAt) : 'not yet';
  document.title = `${st} · kia serve`;
  document.body.dataset.state = st;
  tick(ui);
}

/** The age of the last update by the browser's clock (the server's may be skewed or injected). */
export function tick(ui: Ui): void {
  if (!ui.state) return;
  const age = Date.now() - ui.received;
  const a = byId('ago');
  const interval = Number(ui.state.intervalMs) || 10000;
  const stale = age > Math.max(3 * interval, 15000);
  a.textContent = `(updated ${fmtAgo(age)}${stale ? ', stale' : ''})`;
  a.dataset.stale = stale ? 'true' : 'false';
}

function renderNotes(s: ShownState): void {
  const notes = Array.isArray(s.health.notes) ? s.health.notes : [];
  byId('notes').replaceChildren(notes.length ? el('ul', null, notes.map((n) => el('li', null, str(n)))) : '');
}
