// The kia serve dashboard's script (bundled into dist/dashboard/app.js): wires the page's controls, then shows
// the server's state live. No framework and nothing external; the page's CSP allows only this file.
import { byId } from './dom.ts';
import { isSortKey, renderFindings } from './findings.ts';
import { applyFilter } from './grid.ts';
import { closePanel, openCell } from './panel.ts';
import { setConn } from './status.ts';
import { connect, loadState } from './connection.ts';
import { createUi } from './ui.ts';
import { tick } from './view.ts';

/** The closest element matching `selector` from an event's target, if the target is an element at all. */
function closest<T extends HTMLElement>(ev: Event, selector: string): T | null {
  return ev.target instanceof Element ? ev.target.closest<T>(selector) : null;
}

function start(): void {
  const ui = createUi();
  byId('filter').addEventListener('input', applyFilter);
  byId('problems-only').addEventListener('change', applyFilter);
  byId('panel-close').addEventListener('click', () => closePanel(ui));
  document.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape' && ui.selected) closePanel(ui);
  });
  byId('grid-body').addEventListener('click', (ev) => {
    const b = closest<HTMLButtonElement>(ev, 'button.cell');
    if (b) openCell(ui, { node: b.dataset.node ?? '', component: b.dataset.component ?? '' }, true);
  });
  byId('timeline').addEventListener('click', (ev) => {
    const m = closest<HTMLButtonElement>(ev, '.cert-marker');
    if (!m) return;
    // One certificate: its cell. Several: their rows in the table below.
    if (m.dataset.count === '1') {
      openCell(ui, { node: m.dataset.certNode ?? '', component: m.dataset.certComponent ?? '' }, true);
      return;
    }
    const row = Array.from(byId<HTMLTableSectionElement>('cert-body').rows).find((r) => r.dataset.cert === m.dataset.cert);
    row?.scrollIntoView({ block: 'nearest' });
  });
  document.querySelector('#findings-table thead')?.addEventListener('click', (ev) => {
    const key = closest(ev, 'th[data-sort]')?.dataset.sort;
    if (!isSortKey(key)) return;
    ui.sort = key === ui.sort.key ? { key, dir: ui.sort.dir === 1 ? -1 : 1 } : { key, dir: 1 };
    if (ui.state) renderFindings(ui, ui.state);
  });
  setConn('connecting');
  connect(ui);
  loadState(ui);
  window.setInterval(() => tick(ui), 1000);
}

start();
