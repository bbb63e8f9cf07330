// A cell's health in the detail panel: its history strip, then each endpoint with its certificate and every probe,
// failing checks open with their reasons and passing ones folded away.
import type { HistoryEntry } from '../serve/monitor.ts';
import type { CertificateHealth, EndpointHealth, HealthCheck, HealthProbe } from '../model/index.ts';
import { badge, daysText, el, fmtTime, hostPort, stateOf, str } from './dom.ts';

export function historyStrip(entries: readonly HistoryEntry[]): HTMLElement {
  const list = entries.slice(-60);
  const sec = el('section', { class: 'block', 'data-part': 'history' }, el('h3', null, 'History'));
  const first = list[0];
  const last = list[list.length - 1];
  if (!first || !last) {
    sec.append(el('p', { class: 'muted' }, 'No history yet.'));
    return sec;
  }
  const bad = list.filter((e) => stateOf(e.state) !== 'healthy').length;
  sec.append(
    el('div', { class: 'history', role: 'img', 'aria-label': `Last ${list.length} checks, ${bad} not healthy` },
      list.map((e) => {
        const s = stateOf(e.state);
        return el('span', { class: `tick s-${s}`, 'data-state': s, title: `${fmtTime(e.at)}: ${s}${e.summary ? ` · ${e.summary}` : ''}` });
      })),
    el('p', { class: 'muted small' }, `${fmtTime(first.at)} → ${fmtTime(last.at)} · ${bad} of ${list.length} not healthy`),
  );
  return sec;
}

export function endpointSection(ep: EndpointHealth): HTMLElement {
  const st = stateOf(ep.state);
  const sec = el('section', { class: 'endpoint', 'data-port': ep.port, 'data-state': st },
    el('h3', null, badge(st), ' ', el('code', null, hostPort(ep.address, ep.port)), ' ', el('span', { class: 'muted' }, [ep.portName, ep.scheme].filter(Boolean).join(' · '))));
  if (ep.certificate) sec.append(certificateLine(ep.certificate));
  for (const p of Array.isArray(ep.probes) ? ep.probes : []) sec.append(probeBlock(p, ep.port));
  return sec;
}

function certificateLine(c: CertificateHealth): HTMLElement {
  const st = stateOf(c.state);
  const verified = c.verified === true ? ' · chain verified' : c.verified === false ? ` · chain NOT verified${c.verifyError ? `: ${c.verifyError}` : ''}` : '';
  return el('p', { class: 'cert-line', 'data-state': st }, 'Certificate ', badge(st), ' ', el('code', null, str(c.subject)), ' · expires ',
    el('time', { datetime: str(c.notAfter) }, fmtTime(c.notAfter)), ` (${daysText(c.daysLeft)})${verified}`);
}

function probeBlock(p: HealthProbe, port: number): HTMLElement {
  const st = p.state === 'skipped' ? 'skipped' : stateOf(p.state);
  const checks = Array.isArray(p.checks) ? p.checks : [];
  const failing = checks.filter((c) => !c.ok);
  const passing = checks.filter((c) => c.ok);
  const block = el('div', { class: 'probe', 'data-route': str(p.route), 'data-state': st },
    el('div', null, el('span', { class: `badge s-${st}` }, st), ' ', el('code', null, `${str(p.method || 'GET')} ${str(p.path)}`), ' → ',
      el('strong', { class: 'status' }, p.status !== undefined && p.status !== null ? str(p.status) : str(p.outcome))),
    el('div', { class: 'muted small' }, el('code', null, str(p.route)), ` · as ${str(p.identity)} · ${str(p.outcome)} · ${Math.round(Number(p.durationMs) || 0)} ms`),
    el('div', { class: 'detail' }, str(p.detail)));
  if (p.proxy && typeof p.proxy === 'object') {
    const x = p.proxy;
    block.append(el('div', { class: 'small' }, 'lastUpdated ', el('code', null, str(x.lastUpdated) || '?'), ' · currentTime ', el('code', null, str(x.currentTime) || '?'),
      x.ageSeconds !== undefined ? ` · ${x.ageSeconds} s behind` : '', x.nodeEligible !== undefined ? ` · node eligible: ${x.nodeEligible ? 'yes' : 'no'}` : ''));
  }
  if (failing.length) block.append(el('ul', { class: 'checks failing' }, failing.map(checkItem)));
  if (passing.length) {
    block.append(el('details', { 'data-key': `checks ${port} ${p.route} ${p.identity}` },
      el('summary', null, `${passing.length} passing check${passing.length === 1 ? '' : 's'}`), el('ul', { class: 'checks' }, passing.map(checkItem))));
  }
  return block;
}

function checkItem(c: HealthCheck): HTMLElement {
  return el('li', { class: `check ${c.ok ? 'ok' : 'fail'}`, 'data-check': str(c.name), 'data-ok': c.ok ? 'true' : 'false' },
    el('span', { class: 'mark', 'aria-hidden': 'true' }, c.ok ? '✓' : '✗'), el('code', null, str(c.name)), c.ok ? ' ok' : ' failed',
    c.reason ? el('span', { class: 'reason' }, `: ${str(c.reason)}`) : null);
}
