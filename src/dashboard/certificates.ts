// The certificate expiry timeline (now to a year, on a square-root scale, with the 7 and 30 day marks) and the
// table below it, soonest first; certificates that expire together share one counted marker.
import type { CertificateEntry } from '../serve/monitor.ts';
import type { HealthState } from '../model/index.ts';
import { badge, byId, cmp, daysText, el, fmtTime, hostPort, one, stateOf, str } from './dom.ts';
import { CERT_LEVELS } from './lists.ts';
import type { ShownState } from './ui.ts';

const YEAR = 365;
const LANE_PX = 16;
const MAX_LANES = 8;

interface Group {
  x: number;
  state: HealthState;
  items: [CertificateEntry, ...CertificateEntry[]];
}

// A square-root scale: the weeks that matter get most of the width. Expired sits at 0, past a year at the end.
const dayX = (days: unknown): number => Math.sqrt(Math.min(Math.max(Number(days) || 0, 0), YEAR) / YEAR) * 100;

const line = (c: CertificateEntry): string => `${str(c.node)} · ${str(c.component)} · port ${str(c.port)}${c.portName ? ` (${str(c.portName)})` : ''}`;

function marker(g: Group, lane: number): HTMLButtonElement {
  const first = g.items[0];
  const days = Number(first.daysLeft);
  const levels = g.items.map((c) => one(c.level, CERT_LEVELS, ''));
  const level = levels.includes('expired') ? 'expired' : levels.includes('critical') ? 'critical' : levels[0];
  const label = g.items.length === 1
    ? `${line(first)}\n${str(first.subject)}\nnotAfter ${str(first.notAfter)}\n${daysText(days)}`
    : `${g.items.length} certificates, ${g.state}, from ${daysText(days)}\n${g.items.slice(0, 12).map((c) => `${line(c)}: ${daysText(c.daysLeft)}`).join('\n')}${g.items.length > 12 ? `\n… and ${g.items.length - 12} more` : ''}`;
  const m = el('button', {
    type: 'button', class: `cert-marker s-${g.state}${level ? ` lvl-${level}` : ''}${days > YEAR ? ' later' : ''}${g.items.length > 1 ? ' group' : ''}`,
    'data-cert': `${str(first.node)}/${str(first.component)}/${str(first.port)}`, 'data-cert-node': str(first.node), 'data-cert-component': str(first.component),
    'data-state': g.state, 'data-days': str(first.daysLeft), 'data-count': g.items.length, 'data-level': level || null, title: label, 'aria-label': label.split('\n').join('; '),
  }, g.items.length > 1 ? String(g.items.length) : null);
  m.style.left = `${g.x}%`;
  m.style.top = `${lane * LANE_PX + 4}px`;
  return m;
}

function timeline(certs: readonly CertificateEntry[]): HTMLElement[] {
  const groups: Group[] = [];
  for (const c of certs) {
    const x = dayX(c.daysLeft);
    const st = stateOf(c.state);
    const last = groups[groups.length - 1];
    if (last && last.state === st && x - last.x < 1) last.items.push(c);
    else groups.push({ x, state: st, items: [c] });
  }
  const lanes: number[] = [];
  const markers = groups.map((g) => {
    let lane = lanes.findIndex((end) => g.x - end >= 2.5);
    if (lane < 0) lane = lanes.length < MAX_LANES ? lanes.length : lanes.indexOf(Math.min(...lanes));
    lanes[lane] = g.x + (g.items.length > 1 ? 2.5 : 0);
    return marker(g, lane);
  });
  const track = el('div', { class: 'tl-track' },
    [30, 7].map((d) => {
      const z = el('div', { class: `tl-zone tl-zone-${d}` });
      z.style.width = `${dayX(d)}%`;
      return z;
    }),
    [7, 30].map((d) => {
      const t = el('div', { class: 'tl-threshold', 'data-days': d, title: `${d} days` });
      t.style.left = `${dayX(d)}%`;
      return t;
    }),
    markers);
  track.style.height = `${Math.max(lanes.length, 1) * LANE_PX + 8}px`;
  const ticks: [number, string][] = [[0, 'now'], [7, '7 d'], [30, '30 d'], [90, '90 d'], [180, '180 d'], [YEAR, '1 y+']];
  const axis = el('div', { class: 'tl-axis', 'aria-hidden': 'true' }, ticks.map(([d, text], i) => {
    const t = el('span', { class: `tl-tick${i === 0 ? ' first' : i === ticks.length - 1 ? ' last' : ''}` }, text);
    t.style.left = `${dayX(d)}%`;
    return t;
  }));
  return [track, axis];
}

export function renderCertificates(s: ShownState): void {
  const certs = (Array.isArray(s.certificates) ? s.certificates : []).slice().sort((a, b) => (Number(a.daysLeft) || 0) - (Number(b.daysLeft) || 0) || cmp(a.state, b.state));
  const tl = byId('timeline');
  byId('cert-box').hidden = certs.length === 0;
  tl.hidden = certs.length === 0;
  const soon = certs.filter((c) => Number(c.daysLeft) < 30).length;
  byId('certificates-meta').textContent = certs.length ? `${certs.length} certificate${certs.length === 1 ? '' : 's'}, ${soon} expiring within 30 days or expired.` : 'No TLS certificate seen yet.';
  tl.replaceChildren(...timeline(certs));
  byId('cert-body').replaceChildren(...certs.map((c) => {
    const st = stateOf(c.state);
    return el('tr', { 'data-cert': `${str(c.node)}/${str(c.component)}/${str(c.port)}`, 'data-state': st },
      el('td', null, daysText(c.daysLeft)), el('td', null, badge(st)), el('td', null, str(c.node)), el('td', null, str(c.component)),
      el('td', null, el('code', null, hostPort(c.address, c.port)), c.portName ? ` ${str(c.portName)}` : ''), el('td', { class: 'wide' }, el('code', null, str(c.subject))),
      el('td', null, el('time', { datetime: str(c.notAfter) }, fmtTime(c.notAfter))));
  }));
}
