// The findings of the last audit: counts per severity and a sortable list, most severe first, each row opening
// its message and fix.
import type { Finding, Severity } from '../model/index.ts';
import { byId, cmp, el, fmtTime, hostPort, one, str } from './dom.ts';
import { SEVERITIES_WORST_FIRST } from './lists.ts';
import type { ShownState, SortKey, Ui } from './ui.ts';

const rank = (sev: unknown): number => {
  const i = SEVERITIES_WORST_FIRST.indexOf(sev as Severity);
  return i < 0 ? SEVERITIES_WORST_FIRST.length : i;
};
const where = (f: Finding): string => `${str(f.node)} ${hostPort(f.address, f.port)}`;

export const SORTERS: Readonly<Record<SortKey, (a: Finding, b: Finding) => number>> = {
  severity: (a, b) => rank(a.severity) - rank(b.severity),
  rule: (a, b) => cmp(a.rule, b.rule),
  title: (a, b) => cmp(a.title, b.title),
  where: (a, b) => cmp(where(a), where(b)),
  component: (a, b) => cmp(a.component, b.component),
};

export function isSortKey(key: string | undefined): key is SortKey {
  return key !== undefined && Object.hasOwn(SORTERS, key);
}

export function renderFindings(ui: Ui, s: ShownState): void {
  const f = s.findings && typeof s.findings === 'object' ? s.findings : { auditedAt: null, items: [] };
  const items = Array.isArray(f.items) ? f.items : [];
  const counts = new Map<Severity, number>(SEVERITIES_WORST_FIRST.map((sev) => [sev, 0]));
  for (const x of items) {
    const sev = one(x.severity, SEVERITIES_WORST_FIRST, 'info');
    counts.set(sev, (counts.get(sev) ?? 0) + 1);
  }
  byId('severity-counts').replaceChildren(...SEVERITIES_WORST_FIRST.map((sev) => el('li', { class: `sev-${sev} sev`, 'data-severity': sev, 'data-count': counts.get(sev) ?? 0 }, `${sev} ${counts.get(sev) ?? 0}`)));
  byId('findings-meta').textContent = f.auditedAt ? `${items.length} finding${items.length === 1 ? '' : 's'} from the audit of ${fmtTime(f.auditedAt)}` : 'No security audit has run yet.';
  const { key, dir } = ui.sort;
  const sorted = items.slice().sort((a, b) => dir * SORTERS[key](a, b) || SORTERS.severity(a, b) || cmp(a.rule, b.rule) || cmp(where(a), where(b)));
  byId('findings-body').replaceChildren(...sorted.map(findingRow));
  byId('findings-box').hidden = items.length === 0;
  for (const th of document.querySelectorAll<HTMLTableCellElement>('#findings-table th[data-sort]')) {
    if (th.dataset.sort !== key) {
      th.removeAttribute('aria-sort');
      continue;
    }
    const natural = key === 'severity' ? 'descending' : 'ascending';
    th.setAttribute('aria-sort', dir === 1 ? natural : natural === 'ascending' ? 'descending' : 'ascending');
  }
}

function findingRow(f: Finding): HTMLElement {
  const sev = one(f.severity, SEVERITIES_WORST_FIRST, 'info');
  return el('tr', { class: 'finding', 'data-severity': sev, 'data-rule': str(f.rule) },
    el('td', null, el('span', { class: `sev sev-${sev}` }, sev)),
    el('td', null, el('code', null, str(f.rule))),
    el('td', { class: 'wide' }, el('details', { 'data-key': `finding ${f.rule} ${where(f)}` }, el('summary', null, str(f.title)), el('p', null, str(f.message)), f.fix ? el('p', { class: 'fix' }, `Fix: ${str(f.fix)}`) : null)),
    el('td', null, f.node ? `${str(f.node)} ` : '', el('code', null, hostPort(f.address, f.port))),
    el('td', null, str(f.component)));
}
