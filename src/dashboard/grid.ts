// The grid: one row per node, one column per component the cluster runs, each cell a button coloured and labelled
// by its state; the name filter and the problems-only toggle hide rows without re-rendering them.
import type { HealthState, NodeHealth } from '../model/index.ts';
import { byId, el, stateOf, str } from './dom.ts';
import { COMPONENTS, STATES_WORST_FIRST, shortName } from './lists.ts';
import type { ShownState, Ui } from './ui.ts';

const PROBLEM: ReadonlySet<HealthState> = new Set(['degraded', 'down']);

export function findCell(node: string, component: string): HTMLButtonElement | null {
  for (const b of document.querySelectorAll<HTMLButtonElement>('#grid-body button.cell')) if (b.dataset.node === node && b.dataset.component === component) return b;
  return null;
}

/** The catalog's components that some node runs, in the catalog's order, then any the catalog does not know. */
function columns(nodes: readonly NodeHealth[]): string[] {
  const present = new Set(nodes.flatMap((n) => (n.components ?? []).map((c) => str(c.component))));
  return [...COMPONENTS.filter((c) => present.has(c)), ...[...present].filter((c) => !COMPONENTS.includes(c))];
}

export function renderGrid(ui: Ui, s: ShownState): void {
  const nodes = s.health.nodes;
  const cols = columns(nodes);
  byId('grid-head').replaceChildren(el('tr', null, el('th', { scope: 'col', class: 'node' }, 'node'), cols.map((c) => el('th', { scope: 'col', 'data-col': c, title: c }, shortName(c)))));
  const counts: Record<HealthState, number> = { healthy: 0, degraded: 0, down: 0, unknown: 0 };
  const sel = ui.selected;
  const rows = nodes.map((n) => {
    const name = str(n.name);
    const byComponent = new Map((n.components ?? []).map((c) => [str(c.component), c]));
    let problem = false;
    const cells = cols.map((col) => {
      const c = byComponent.get(col);
      if (!c) return el('td', null, el('span', { class: 'cell absent', 'data-node': name, 'data-component': col, 'data-state': 'absent', title: `${name} runs no ${col}` }, '–'));
      const st = stateOf(c.state);
      counts[st]++;
      if (PROBLEM.has(st)) problem = true;
      const selected = !!sel && sel.node === name && sel.component === col;
      return el('td', null, el('button', {
        type: 'button', class: `cell s-${st}${selected ? ' selected' : ''}`,
        'data-node': name, 'data-component': col, 'data-state': st,
        'aria-expanded': selected ? 'true' : 'false', 'aria-controls': 'panel',
        'aria-label': `${col} on ${name}: ${st}`,
        title: `${col} on ${name}: ${st}${c.summary ? ` · ${c.summary}` : ''}`,
      }, st));
    });
    return el('tr', { 'data-row': name, 'data-problem': problem ? 'true' : 'false' }, el('th', { scope: 'row', class: 'node', title: name }, name), cells);
  });
  byId('grid-body').replaceChildren(...rows);
  byId('state-counts').replaceChildren(...STATES_WORST_FIRST.map((st) => el('li', { class: `s-${st}`, 'data-state': st, 'data-count': counts[st] }, `${st} ${counts[st]}`)));
  applyFilter();
}

export function applyFilter(): void {
  const q = byId<HTMLInputElement>('filter').value.trim().toLowerCase();
  const only = byId<HTMLInputElement>('problems-only').checked;
  let shown = 0;
  let total = 0;
  for (const tr of byId<HTMLTableSectionElement>('grid-body').rows) {
    total++;
    const visible = (!q || (tr.dataset.row ?? '').toLowerCase().includes(q)) && (!only || tr.dataset.problem === 'true');
    tr.hidden = !visible;
    if (visible) shown++;
  }
  byId('grid-shown').textContent = shown === total ? `${total}${total === 1 ? ' node' : ' nodes'}` : `${shown} of ${total} nodes`;
  byId('grid-empty').hidden = shown > 0 || total === 0;
  byId('grid-waiting').hidden = total > 0;
}

export function markSelected(ui: Ui): void {
  const sel = ui.selected;
  for (const b of document.querySelectorAll<HTMLButtonElement>('#grid-body button.cell')) {
    const on = !!sel && b.dataset.node === sel.node && b.dataset.component === sel.component;
    b.classList.toggle('selected', on);
    b.setAttribute('aria-expanded', on ? 'true' : 'false');
  }
}
