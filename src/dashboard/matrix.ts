// A cell's access matrix from the last audit: per port, the HTTP status of every route for every identity, open
// routes marked, and open to anonymous in red; a kubelet's exec row says who can run commands through it.
import type { EndpointObservation, RouteObservation } from '../model/index.ts';
import { el, str } from './dom.ts';
import type { Ui } from './ui.ts';

interface Row {
  route: string;
  method: string;
  path: string;
  by: Map<string, RouteObservation>;
}

export function matrixSection(ui: Ui, observations: readonly EndpointObservation[]): HTMLElement {
  const sec = el('section', { class: 'block', 'data-part': 'matrix' }, el('h3', null, 'Access matrix'));
  const audited = ui.state?.findings?.auditedAt;
  const withRoutes = observations.filter((o) => Array.isArray(o.routes) && o.routes.length);
  if (!withRoutes.length) {
    sec.append(el('p', { class: 'muted' }, audited ? 'The last audit asked nothing of this component.' : 'No security audit has run yet.'));
    return sec;
  }
  sec.append(el('p', { class: 'muted small' }, 'Who gets what: the HTTP status per route and identity from the last audit. 2xx is open; open to anonymous is red.'));
  for (const o of withRoutes) sec.append(...portMatrix(o));
  return sec;
}

function portMatrix(o: EndpointObservation): HTMLElement[] {
  const identities: string[] = [];
  const rows = new Map<string, Row>();
  for (const r of o.routes) {
    const id = str(r.identity);
    if (!identities.includes(id)) identities.push(id);
    const key = `${str(r.route)} ${str(r.method)} ${str(r.path)}`;
    const row = rows.get(key) ?? { route: str(r.route), method: str(r.method || 'GET'), path: str(r.path), by: new Map<string, RouteObservation>() };
    rows.set(key, row);
    row.by.set(id, r);
  }
  identities.sort((a, b) => (a === 'anonymous' ? -1 : b === 'anonymous' ? 1 : 0));
  let anonOpen = 0;
  const body = Array.from(rows.values(), (row) => el('tr', { 'data-route': row.route },
    el('th', { scope: 'row' }, el('code', null, row.route), el('div', { class: 'muted small' }, (row.method === 'GET' ? '' : `${row.method} `) + row.path)),
    identities.map((id) => {
      const r = row.by.get(id);
      if (!r) return el('td', { class: 'none' }, '–');
      const status = typeof r.status === 'number' ? r.status : null;
      const open = status !== null && status >= 200 && status < 300;
      const anon = id === 'anonymous';
      if (open && anon) anonOpen++;
      const cls = open ? (anon ? 'open anon' : 'open') : status === 401 || status === 403 ? 'denied' : status === null ? 'failed' : 'other';
      const shown = status === null ? str(r.outcome) : str(status);
      return el('td', {
        class: cls, 'data-route': row.route, 'data-identity': id, 'data-status': status === null ? '' : status, 'data-open': open ? 'true' : 'false',
        title: `${id}: ${row.method} ${row.path} → ${shown}${open ? ' (open)' : ''}`,
      }, shown, open ? [' ', el('span', { class: 'tag' }, anon ? '⚠ open' : 'open')] : null);
    })));
  // The exec row of a kubelet: who can run commands through it (inferred from nodes/proxy reads, proven by --active).
  const exec = Array.isArray(o.exec) ? o.exec : [];
  if (exec.length) {
    body.push(el('tr', { 'data-route': 'exec' },
      el('th', { scope: 'row' }, el('code', null, 'exec'), el('div', { class: 'muted small' }, 'WebSocket GET /exec: get nodes/proxy')),
      identities.map((id) => {
        const state = str(exec.find((x) => str(x.identity) === id)?.state ?? '');
        return el('td', { class: state === 'refused' ? 'denied' : state ? 'open' : 'none', 'data-exec': state, 'data-identity': id, title: state ? `${id}: exec ${state}` : `${id}: nothing showed` }, state);
      })));
  }
  const tls = o.tls?.protocol ? ` · ${o.tls.protocol}` : '';
  return [
    el('h3', { class: 'small' }, `Port ${str(o.port)} · ${str(o.scheme)}${tls}`, anonOpen ? ' ' : null, anonOpen ? el('span', { class: 'badge s-down' }, `${anonOpen} open to anonymous`) : null),
    el('div', { class: 'scroll' }, el('table', { class: 'matrix', 'data-port': o.port },
      el('thead', null, el('tr', null, el('th', { scope: 'col' }, 'route'), identities.map((id) => el('th', { scope: 'col', 'data-identity': id }, id)))),
      el('tbody', null, body))),
  ];
}
