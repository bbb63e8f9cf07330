// The human view: hosts -> components -> ports, then findings critical first with the fix, then one summary line.
import type { EndpointObservation, Finding, Report, Severity } from '../model/index.ts';
import { redactDeep } from './redact.ts';
import { certificateText, clientCertText, fingerprintText, hostPort, hostViews, leafCertificate, sortFindings, summaryLine, tlsText } from './view.ts';
import type { HostView } from './view.ts';

export interface TextOptions {
  /** ANSI colours (the CLI decides from the terminal and NO_COLOR). */
  color: boolean;
}

const ANSI = { bold: '1', dim: '2', red: '31', yellow: '33', cyan: '36', boldRed: '1;31' } as const;
type Style = keyof typeof ANSI;

const SEVERITY_STYLE: Record<Severity, Style> = { critical: 'boldRed', high: 'red', medium: 'yellow', low: 'cyan', info: 'dim' };

type Paint = (style: Style, text: string) => string;

function painter(color: boolean): Paint {
  return color ? (style, text) => `\u001b[${ANSI[style]}m${text}\u001b[0m` : (_style, text) => text;
}

/** Left-aligned columns separated by two spaces; trailing spaces trimmed. Widths count the plain text only. */
function columns(rows: readonly (readonly string[])[], indent: string): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => indent + row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd());
}

/** The access matrix of one endpoint: catalog routes by identity, with the status each got. */
function accessLines(e: EndpointObservation, identities: readonly string[], paint: Paint): string[] {
  const routes = e.routes.filter((r) => !r.route.startsWith('probe:'));
  if (routes.length === 0 || identities.length < 2) return [];
  const paths = [...new Set(routes.map((r) => r.path))];
  const cell = (path: string, identity: string) => {
    const r = routes.find((o) => o.path === path && o.identity === identity);
    return r ? String(r.status ?? r.outcome) : '-';
  };
  const rows = [['route', ...identities], ...paths.map((path) => [path, ...identities.map((i) => cell(path, i))])];
  return columns(rows, '        ').map((line, i) => (i === 0 ? paint('dim', line) : line));
}

function hostBlock(host: HostView, paint: Paint, identities: readonly string[] = []): string[] {
  const lines = [paint('bold', host.label)];
  if (host.components.length === 0) return [...lines, '  (no open ports)'];
  for (const group of host.components) {
    lines.push(`  ${group.component}`);
    const rows = group.endpoints.map((e) => [`${e.port}/${e.scheme}`, tlsText(e), `client-cert ${clientCertText(e)}`, e.exposure, fingerprintText(e)]);
    const portLines = columns(rows, '    ');
    group.endpoints.forEach((e, i) => {
      lines.push(portLines[i] ?? '');
      const cert = leafCertificate(e);
      if (cert) lines.push(paint('dim', `      certificate ${certificateText(cert)}`));
      lines.push(...accessLines(e, identities, paint));
    });
  }
  return lines;
}

function findingBlock(finding: Finding, paint: Paint): string[] {
  const where = `${finding.node ?? finding.host} ${hostPort(finding.address, finding.port)} (${finding.component})`;
  const lines = [
    `${paint(SEVERITY_STYLE[finding.severity], finding.severity.toUpperCase())}  ${paint('bold', finding.rule)}  ${finding.title}`,
    `  ${where}`,
    `  ${finding.message}`,
  ];
  for (const ev of finding.evidence) {
    lines.push(paint('dim', `  $ ${ev.request}`));
    for (const line of ev.response.split('\n').slice(0, 3)) lines.push(paint('dim', `    ${line}`));
  }
  lines.push(`  fix: ${finding.fix}`);
  return lines;
}

/** Renders a report for a terminal; pure, so tests compare strings. */
export function renderText(report: Report, options: TextOptions): string {
  const safe = redactDeep(report);
  const paint = painter(options.color);
  const out: string[] = [];
  for (const host of hostViews(safe)) out.push(...hostBlock(host, paint, safe.scope.identities), '');
  const findings = sortFindings(safe.findings);
  if (findings.length > 0) {
    out.push(paint('bold', 'Findings'), '');
    for (const finding of findings) out.push(...findingBlock(finding, paint), '');
  }
  if (safe.notes.length > 0) out.push(paint('bold', 'Notes'), ...safe.notes.map((n) => `  ${n}`), '');
  out.push(summaryLine(safe));
  return `${out.join('\n')}\n`;
}
