// The CIS section of the terminal report: the benchmark and why, then per host and component each item's verdict with
// the value and source that proved it (or what would verify it), drift, and one count line.
import type { CisReport, CisResult, CisStatus } from '../model/index.ts';
import { wrap } from './text-layout.ts';

const LABEL: Record<CisStatus, string> = { pass: 'PASS', fail: 'FAIL', 'not-verified': 'NOT VERIFIED' };

export function cisCounts(cis: CisReport): Record<CisStatus, number> {
  const counts: Record<CisStatus, number> = { pass: 0, fail: 0, 'not-verified': 0 };
  for (const r of cis.results) counts[r.status] += 1;
  return counts;
}

/** Lines of the CIS section; `paint` only colours the status words. */
export function cisLines(cis: CisReport, width: number, paint: (status: CisStatus, text: string) => string): string[] {
  const out = [...wrap(`${cis.benchmark}: ${cis.basis}`, width, '  ', '    '), ''];
  const groups = new Map<string, CisResult[]>();
  for (const r of cis.results) groups.set(`${r.node ?? r.host}  ${r.component}`, [...(groups.get(`${r.node ?? r.host}  ${r.component}`) ?? []), r]);
  for (const [head, results] of groups) {
    out.push(`  ${head}`);
    for (const r of results) {
      const status = LABEL[r.status];
      out.push(...wrap(`${r.item} ${r.title}${r.source ? ` [${r.source}]` : ''}`, width, `    ${paint(r.status, status.padEnd(12))} `, ' '.repeat(17)));
      out.push(...wrap(r.detail, width, ' '.repeat(17)));
      if (r.needs) out.push(...wrap(`needs ${r.needs}`, width, ' '.repeat(17)));
      if (r.fix) out.push(...wrap(`fix: ${r.fix}`, width, ' '.repeat(17)));
    }
    out.push('');
  }
  for (const c of cis.effective) {
    for (const d of c.drift) out.push(...wrap(`drift: ${c.node ?? c.host} ${c.component} ${d.setting} runs as ${JSON.stringify(d.running.value)} (${d.running.source}) but the node says ${JSON.stringify(d.declared.value)} (${d.declared.source}, ${d.declared.from})`, width, '  ', '    '));
  }
  const n = cisCounts(cis);
  out.push(`  ${n.pass} pass, ${n.fail} fail, ${n['not-verified']} not verified`);
  return out;
}
