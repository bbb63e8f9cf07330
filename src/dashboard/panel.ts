// The detail panel of one cell: opened from the grid, the timeline or the URL's hash, loaded from api/cell and
// reloaded after every update while it stays open, keeping its scroll and its open sections.
import { endpointSection, historyStrip } from './cell-health.ts';
import { badge, byId, el, openDetails, restoreDetails, stateOf, str } from './dom.ts';
import { findCell, markSelected } from './grid.ts';
import { matrixSection } from './matrix.ts';
import { httpError } from './status.ts';
import type { CellAnswer, Selection, Ui } from './ui.ts';

export function hashSelection(): Selection | null {
  const p = new URLSearchParams(location.hash.slice(1));
  const node = p.get('node');
  const component = p.get('component');
  return node && component ? { node, component } : null;
}

function setHash(ui: Ui): void {
  const sel = ui.selected;
  history.replaceState(null, '', location.pathname + location.search + (sel ? `#${new URLSearchParams({ ...sel }).toString()}` : ''));
}

export function openCell(ui: Ui, target: Selection, focus: boolean): void {
  const { node, component } = target;
  ui.selected = { node, component };
  const panel = byId('panel');
  panel.hidden = false;
  panel.dataset.cell = `${node}/${component}`;
  delete panel.dataset.cycle;
  document.body.classList.add('panel-open');
  byId('panel-title').textContent = `${component} on ${node}`;
  byId('panel-state').replaceChildren();
  byId('panel-body').replaceChildren(el('p', { class: 'muted' }, 'Loading…'));
  byId('panel-body').scrollTop = 0;
  markSelected(ui);
  setHash(ui);
  if (focus) byId('panel-title').focus({ preventScroll: true });
  void loadCell(ui);
}

export function closePanel(ui: Ui): void {
  const sel = ui.selected;
  if (!sel) return;
  ui.selected = null;
  ui.cellSeq++;
  const panel = byId('panel');
  panel.hidden = true;
  delete panel.dataset.cell;
  delete panel.dataset.cycle;
  document.body.classList.remove('panel-open');
  markSelected(ui);
  setHash(ui);
  findCell(sel.node, sel.component)?.focus({ preventScroll: true });
}

export async function loadCell(ui: Ui): Promise<void> {
  const sel = ui.selected;
  if (!sel) return;
  const seq = ++ui.cellSeq;
  const cycle = ui.state ? ui.state.cycle : null;
  let data: CellAnswer;
  try {
    const res = await fetch(`api/cell?${new URLSearchParams({ ...sel }).toString()}`, { headers: { accept: 'application/json' }, cache: 'no-store' });
    if (!res.ok) throw new Error(httpError(res.status));
    data = (await res.json()) as CellAnswer;
    if (!data || typeof data !== 'object' || data.health === undefined) throw new Error('unexpected answer');
  } catch (err) {
    if (seq !== ui.cellSeq) return;
    const body = byId('panel-body');
    body.querySelector('.panel-error')?.remove();
    body.prepend(el('p', { class: 'error panel-error', role: 'alert' }, `Could not load the details: ${err instanceof Error ? err.message : String(err)}`));
    return;
  }
  if (seq !== ui.cellSeq) return;
  renderPanel(ui, data, cycle);
}

function renderPanel(ui: Ui, data: CellAnswer, cycle: number | null): void {
  // A cell the server knows of but has not checked yet has no health.
  const h = data.health ?? { state: 'unknown', summary: 'Not checked yet.', endpoints: [] };
  const st = stateOf(h.state);
  const body = byId('panel-body');
  const top = body.scrollTop;
  const open = openDetails(body);
  const endpoints = Array.isArray(h.endpoints) ? h.endpoints : [];
  body.replaceChildren(
    el('p', { class: 'summary' }, str(h.summary)),
    historyStrip(Array.isArray(data.history) ? data.history : []),
    ...(endpoints.length ? endpoints.map(endpointSection) : [el('p', { class: 'muted' }, 'No endpoint was probed.')]),
    matrixSection(ui, Array.isArray(data.endpoints) ? data.endpoints : []),
  );
  restoreDetails(body, open);
  body.scrollTop = top;
  byId('panel-state').replaceChildren(badge(st));
  const panel = byId('panel');
  panel.dataset.cellState = st;
  if (cycle !== null) panel.dataset.cycle = str(cycle);
}
