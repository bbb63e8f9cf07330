// The human view for a terminal: findings first, one per rule with the endpoints it fired on, then the hosts with
// their ports, then notes and one summary line. Lines fit the width (100 columns unless told), except the commands
// of the evidence, which stay whole so they can be copied.
import type { EndpointObservation, Finding, Report, Severity } from '../model/index.ts';
import type { Rule } from '../audit/types.ts';
import { groupFindings, groupFixes, isWaived, referenceLines, ruleById, summaryLine, waiverText, whereText } from './finding-view.ts';
import type { FindingGroup } from './finding-view.ts';
import { mapStrings, redactDeep } from './redact.ts';
import { columns, cut, printable, wrap } from './text-layout.ts';
import { cisLines } from './cis-text.ts';
import { certificateFacts, clientCertText, endpointProblems, fingerprintText, hostViews, processFacts, tlsText } from './view.ts';
import type { HostView } from './view.ts';

export interface TextOptions {
  /** ANSI colours (the CLI decides from the terminal and NO_COLOR). */
  color: boolean;
  /** Columns to fit; 100 unless told. */
  width?: number;
  /** Rule metadata, for the references of each finding. */
  rules?: readonly Rule[];
}

const ANSI = { bold: '1', dim: '2', red: '31', yellow: '33', cyan: '36', boldRed: '1;31' } as const;
type Style = keyof typeof ANSI;

const SEVERITY_STYLE: Record<Severity, Style> = { critical: 'boldRed', high: 'red', medium: 'yellow', low: 'cyan', info: 'dim' };

type Paint = (style: Style, text: string) => string;

interface Layout {
  paint: Paint;
  width: number;
  rules: readonly Rule[];
  /** The run's clock, for days left on certificates. */
  now: number;
}

function painter(color: boolean): Paint {
  return color ? (style, text) => `\u001b[${ANSI[style]}m${text}\u001b[0m` : (_style, text) => text;
}

/** The access matrix of one endpoint, compact: one line per set of answers, with the routes that got it. */
function accessLines(e: EndpointObservation, identities: readonly string[], layout: Layout): string[] {
  const routes = e.routes.filter((r) => !r.route.startsWith('probe:'));
  if (routes.length === 0) return [];
  const cell = (path: string, identity: string) => {
    const r = routes.find((o) => o.path === path && o.identity === identity);
    return r ? `${r.status ?? r.outcome}${r.outcome === 'too-large' ? ' cut' : ''}` : '-';
  };
  const rows = new Map<string, { cells: string[]; paths: string[] }>();
  for (const path of new Set(routes.map((r) => r.path))) {
    const cells = identities.map((i) => cell(path, i));
    const row = rows.get(cells.join('\u0000')) ?? { cells, paths: [] };
    rows.set(cells.join('\u0000'), row);
    row.paths.push(path);
  }
  // The exec column of a kubelet: who can run commands through it, beside what each identity read.
  if (e.exec?.length) rows.set('exec', { cells: identities.map((i) => e.exec?.find((x) => x.identity === i)?.state ?? ''), paths: ['exec (WebSocket GET /exec: get nodes/proxy)'] });
  const aligned = columns([identities, ...[...rows.values()].map((r) => r.cells)], '        ');
  const room = Math.max(...aligned.map((l) => l.length)) + 2;
  const out = [layout.paint('dim', `${(aligned[0] ?? '').padEnd(room)}routes`)];
  [...rows.values()].forEach((row, i) => {
    const head = (aligned[i + 1] ?? '').padEnd(room);
    out.push(...wrap(row.paths.join(' '), layout.width, head, ' '.repeat(room)));
  });
  return out;
}

function endpointDetails(e: EndpointObservation, layout: Layout): string[] {
  const lines: string[] = [];
  const cert = certificateFacts(e, layout.now);
  if (cert) {
    const parts = [`certificate ${cert.subject}`, `issuer ${cert.issuer}`, `not after ${cert.expiry}`, ...cert.flags, ...(cert.verification ? [cert.verification] : [])];
    lines.push(...wrap(parts.join('; '), layout.width, '      ', '        '));
    if (cert.names.length) lines.push(...wrap(`names ${cert.names.join(', ')}`, layout.width, '        '));
    lines.push(`        sha256 ${cert.sha256}`);
  }
  const proc = processFacts(e);
  if (proc) {
    lines.push(...wrap(`process ${proc.owner}${e.bindAddress ? `, bound to ${e.bindAddress}` : ''}`, layout.width, '      ', '        '));
    lines.push(...wrap(`command ${proc.command}`, layout.width, '      ', '        '));
    if (proc.configFile) lines.push(...wrap(`config ${proc.configFile}`, layout.width, '      ', '        '));
  }
  for (const problem of endpointProblems(e)) lines.push(...wrap(`note: ${problem}`, layout.width, '      ', '        '));
  return lines;
}

function hostBlock(host: HostView, identities: readonly string[], layout: Layout): string[] {
  const lines = [layout.paint('bold', host.label)];
  for (const group of host.components) {
    lines.push(`  ${group.component}`);
    const rows = group.endpoints.map((e) => [`${e.port}/${e.scheme}`, tlsText(e), `client-cert ${clientCertText(e)}`, e.exposure, fingerprintText(e)]);
    const portLines = columns(rows, '    ');
    group.endpoints.forEach((e, i) => {
      lines.push(cut(portLines[i] ?? '', layout.width));
      lines.push(...endpointDetails(e, layout), ...accessLines(e, identities, layout));
    });
  }
  return lines;
}

function evidenceLines(finding: Finding, layout: Layout): string[] {
  const lines: string[] = [];
  for (const ev of finding.evidence) {
    // The command stays whole so it can be copied; the answer is cut to the width.
    lines.push(...ev.request.split('\n').map((l) => layout.paint('dim', `  ${l.startsWith('#') ? '' : '$ '}${l}`)));
    for (const line of ev.response.trimEnd().split('\n').slice(0, 3)) lines.push(layout.paint('dim', cut(`    ${line}`.trimEnd(), layout.width)));
  }
  return lines;
}

function groupBlock(group: FindingGroup, layout: Layout): string[] {
  const { paint, width } = layout;
  const count = group.findings.length > 1 ? ` (${group.findings.length} endpoints)` : '';
  // The heading wraps as plain text; the placeholder of the first line then takes the painted severity and id.
  const prefix = `${group.severity.toUpperCase()}  ${group.rule}  `;
  const lines = wrap(`${group.title}${count}`, width, ' '.repeat(prefix.length), '  ');
  lines[0] = `${paint(SEVERITY_STYLE[group.severity], group.severity.toUpperCase())}  ${paint('bold', group.rule)}  ${(lines[0] ?? '').slice(prefix.length)}`;
  const single = group.findings.length === 1;
  for (const f of group.findings) {
    if (single) lines.push(`  ${whereText(f)}`, ...wrap(f.message, width, '  '));
    else lines.push(...wrap(`${whereText(f)}: ${f.message}`, width, '  - ', '    '));
    const waiver = waiverText(f);
    if (waiver) lines.push(...wrap(waiver, width, single ? '  ' : '    '));
  }
  const [first] = group.findings;
  if (first && first.evidence.length > 0) {
    if (!single) lines.push(...wrap(`evidence from ${whereText(first)}; every endpoint's is in -o json:`, width, '  '));
    lines.push(...evidenceLines(first, layout));
  }
  const fixes = groupFixes(group);
  for (const { components, fix } of fixes) lines.push(...wrap(fix, width, fixes.length > 1 ? `  fix (${components.join(', ')}): ` : '  fix: ', '    '));
  const refs = referenceLines(group.findings, ruleById(layout.rules, group.rule));
  if (refs.length) lines.push(...wrap(refs.join('; '), width, '  references: ', '    '));
  return lines;
}

/** Waived findings, one line per endpoint with the reason and the expiry. */
function waivedBlock(groups: readonly FindingGroup[], layout: Layout): string[] {
  const lines: string[] = [];
  for (const group of groups) {
    lines.push(...wrap(`${group.severity.toUpperCase()}  ${group.rule}  ${group.title}`, layout.width, '', '  '));
    for (const f of group.findings) lines.push(...wrap(`${whereText(f)}: ${waiverText(f) ?? ''}`, layout.width, '  - ', '    '));
  }
  return lines;
}

/** Renders a report for a terminal; pure, so tests compare strings. */
export function renderText(report: Report, options: TextOptions): string {
  // Peer text (bodies, certificate names, errors) reaches the terminal with its control characters escaped.
  const safe = mapStrings(redactDeep(report), printable);
  const layout: Layout = { paint: painter(options.color), width: options.width ?? 100, rules: options.rules ?? [], now: Date.parse(safe.finishedAt) };
  const { paint } = layout;
  const out: string[] = [];
  const counted = groupFindings(safe.findings.filter((f) => !isWaived(f)));
  if (counted.length > 0) {
    out.push(paint('bold', 'Findings'), '');
    for (const group of counted) out.push(...groupBlock(group, layout), '');
  }
  const waived = groupFindings(safe.findings.filter(isWaived));
  if (waived.length > 0) out.push(paint('bold', 'Waived (accepted in the baseline)'), '', ...waivedBlock(waived, layout), '');
  const hosts = hostViews(safe);
  if (hosts.length > 0) {
    out.push(paint('bold', 'Open ports'), '');
    for (const host of hosts) out.push(...hostBlock(host, safe.scope.identities, layout), '');
  }
  if (safe.cis) out.push(paint('bold', 'CIS Kubernetes Benchmark'), ...cisLines(safe.cis, layout.width, (status, text) => paint(status === 'fail' ? 'red' : status === 'pass' ? 'cyan' : 'dim', text)), '');
  if (safe.notes.length > 0) out.push(paint('bold', 'Notes'), ...safe.notes.flatMap((n) => wrap(n, layout.width, '  ', '    ')), '');
  out.push(summaryLine(safe));
  return `${out.join('\n')}\n`;
}
