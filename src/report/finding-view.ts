// What every renderer shows of the findings, computed once: one group per rule with its endpoints, waivers, fixes by
// component, and each reference once.
import { severityRank } from '../model/index.ts';
import type { Finding, Report, Severity } from '../model/index.ts';
import type { Rule } from '../audit/types.ts';
import { SEVERITIES_DESC, hostPort, hostViews, openPortCount } from './view.ts';

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const compareAddress = (a: string, b: string): number => a.localeCompare(b, 'en', { numeric: true });

/** Critical first; then host, port and rule so the order is the same on every run. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) => severityRank(b.severity) - severityRank(a.severity) || compareText(a.address, b.address) || a.port - b.port || compareText(a.rule, b.rule),
  );
}

/** A baseline waiver that has not expired: the finding is accepted and does not count. */
export function isWaived(finding: Finding): boolean {
  return finding.waiver !== undefined && !finding.waiver.expired;
}

/** One rule's findings on every endpoint it fired on: what a reader sees as one finding with a list of endpoints. */
export interface FindingGroup {
  rule: string;
  title: string;
  severity: Severity;
  mode: Finding['mode'];
  /** One per endpoint, by address then port. */
  findings: Finding[];
}

/** Findings grouped by rule, most severe first, then by rule id; each group's endpoints by address and port. */
export function groupFindings(findings: readonly Finding[]): FindingGroup[] {
  const groups = new Map<string, FindingGroup>();
  for (const f of findings) {
    const group = groups.get(f.rule) ?? { rule: f.rule, title: f.title, severity: f.severity, mode: f.mode, findings: [] };
    groups.set(f.rule, group);
    group.findings.push(f);
  }
  for (const g of groups.values()) g.findings.sort((a, b) => compareAddress(a.address, b.address) || a.port - b.port || compareText(a.route ?? '', b.route ?? ''));
  return [...groups.values()].sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || compareText(a.rule, b.rule));
}

/** `kia-worker-3 127.0.1.4:10250 (kubelet)`: where one finding is. */
export function whereText(finding: Finding): string {
  return `${finding.node ?? finding.host} ${hostPort(finding.address, finding.port)} (${finding.component})`;
}

/** The distinct fixes of a group, each with the components it is for (one entry when they all share it). */
export function groupFixes(group: FindingGroup): { components: string[]; fix: string }[] {
  const fixes: { components: string[]; fix: string }[] = [];
  for (const f of group.findings) {
    const known = fixes.find((x) => x.fix === f.fix);
    if (!known) fixes.push({ components: [f.component], fix: f.fix });
    else if (!known.components.includes(f.component)) known.components.push(f.component);
  }
  return fixes;
}

/** `expires 2026-09-30: reason`, or `expired 2025-01-31, no longer waived: reason`. */
export function waiverText(finding: Finding): string | undefined {
  const w = finding.waiver;
  if (!w) return undefined;
  return w.expired ? `waiver expired ${w.expires}, no longer waived: ${w.reason}` : `waived until ${w.expires}: ${w.reason}`;
}

/** Per severity: findings as the report lists them (one per rule) and the endpoint findings under them. */
export function severityCounts(findings: readonly Finding[]): Record<Severity, { findings: number; endpoints: number }> {
  const counts = Object.fromEntries(SEVERITIES_DESC.map((s) => [s, { findings: 0, endpoints: 0 }])) as Record<Severity, { findings: number; endpoints: number }>;
  for (const g of groupFindings(findings)) {
    counts[g.severity].findings += 1;
    counts[g.severity].endpoints += g.findings.length;
  }
  return counts;
}

export function ruleById(rules: readonly Rule[], id: string): Rule | undefined {
  return rules.find((r) => r.id === id);
}

export const KUBE_HUNTER_KB = 'https://aquasecurity.github.io/kube-hunter/kb/';

/**
 * The references of a group of findings, each once: the CIS ids on one line, each kube-hunter id with its page,
 * then every other reference (URLs) in order. Reads the rule when known and the findings' own lists either way.
 */
export function referenceLines(findings: readonly Finding[], rule: Rule | undefined): string[] {
  const cis: string[] = [...(rule?.references.cis ?? [])];
  const khv: string[] = rule?.references.khv ? [rule.references.khv] : [];
  const other: string[] = [...(rule?.references.urls ?? [])];
  const add = (list: string[], item: string) => {
    if (!list.includes(item)) list.push(item);
  };
  for (const ref of findings.flatMap((f) => f.references)) {
    const cisId = /^CIS Kubernetes Benchmark (\S+)$/.exec(ref)?.[1];
    const khvId = /^kube-hunter (KHV\d+)(?::.*)?$/.exec(ref)?.[1];
    if (cisId !== undefined) add(cis, cisId);
    else if (khvId !== undefined) add(khv, khvId);
    else add(other, ref);
  }
  return [...(cis.length ? [`CIS Kubernetes Benchmark ${cis.join(', ')}`] : []), ...khv.map((id) => `kube-hunter ${id}: ${KUBE_HUNTER_KB}${id}`), ...other];
}

/**
 * `3 hosts, 17 open ports, findings: 1 critical, 2 high, 0 medium, 0 low, 0 info`: findings as the report lists them,
 * one per rule; `(5 on endpoints)` when rules fired on several endpoints, `, 2 waived` when a baseline accepted some.
 */
export function summaryLine(report: Report): string {
  const hosts = hostViews(report).length;
  const ports = openPortCount(report);
  const counted = report.findings.filter((f) => !isWaived(f));
  const counts = severityCounts(counted);
  const groups = SEVERITIES_DESC.reduce((n, s) => n + counts[s].findings, 0);
  const waived = report.findings.length - counted.length;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const spread = counted.length > groups ? ` (${counted.length} on endpoints)` : '';
  return `${plural(hosts, 'host')}, ${plural(ports, 'open port')}, findings: ${SEVERITIES_DESC.map((s) => `${counts[s].findings} ${s}`).join(', ')}${spread}${waived ? `, ${waived} waived` : ''}`;
}
