// A report as Markdown for issues and pull requests: scope, findings by severity, open ports per host, each finding.
import type { Finding, Report } from '../model/index.ts';
import type { Rule } from '../audit/types.ts';
import { redactDeep } from './redact.ts';
import {
  SEVERITIES_DESC,
  certificateText,
  clientCertText,
  countBySeverity,
  fingerprintText,
  hostPort,
  hostViews,
  leafCertificate,
  referenceLines,
  ruleById,
  sortFindings,
  summaryLine,
  tlsText,
} from './view.ts';
import type { HostView } from './view.ts';

/** Text that Markdown must show as written: no emphasis, links or raw HTML. */
export function mdText(text: string): string {
  return text.replace(/[\\`*_[\]<>|]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : `\\${c}`)).replace(/\r?\n/g, ' ');
}

/** A fenced block longer than any run of backticks inside it. */
export function codeBlock(text: string, lang = ''): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return `${fence}${lang}\n${text.replace(/\n$/, '')}\n${fence}`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function scopeSection(report: Report): string {
  const s = report.scope;
  const targets = s.targets.map((t) => {
    const name = t.node ?? (t.host !== t.address ? t.host : undefined);
    return `\`${t.address}\`${name !== undefined ? ` (${mdText(name)})` : ''}`;
  });
  const lines = [
    `- **Targets:** ${targets.length ? targets.join(', ') : 'none'}`,
    `- **Ports:** ${s.ports.length ? s.ports.join(', ') : 'none'}`,
    `- **Identities:** ${s.identities.length ? s.identities.map(mdText).join(', ') : 'anonymous only'}`,
    `- **Mode:** ${s.active ? 'active (harmless `act` checks ran)' : 'passive (read-only)'}`,
    `- **Run:** ${mdText(report.startedAt)} to ${mdText(report.finishedAt)}, kia ${mdText(report.tool.version)}`,
  ];
  return `## Scope\n\n${lines.join('\n')}`;
}

function summarySection(report: Report): string {
  const counts = countBySeverity(report.findings);
  const rows = SEVERITIES_DESC.map((s) => [s, String(counts[s])]);
  return `## Summary\n\n${summaryLine(report)}\n\n${table(['Severity', 'Findings'], [...rows, ['**total**', `**${report.findings.length}**`]])}`;
}

function hostSection(host: HostView): string {
  const head = `### ${mdText(host.label)}`;
  if (host.components.length === 0) return `${head}\n\nNo open ports.`;
  const rows = host.components.flatMap((g) =>
    g.endpoints.map((e) => {
      const cert = leafCertificate(e);
      return [String(e.port), e.scheme, mdText(g.component), mdText(fingerprintText(e)), mdText(tlsText(e)), clientCertText(e), e.exposure, cert ? mdText(certificateText(cert)) : '-'];
    }),
  );
  return `${head}\n\n${table(['Port', 'Scheme', 'Component', 'Fingerprint', 'TLS', 'Client cert', 'Exposure', 'Certificate'], rows)}`;
}

function findingSection(finding: Finding, rule: Rule | undefined): string {
  const where = `${finding.node ?? finding.host} ${hostPort(finding.address, finding.port)}`;
  const parts = [
    `### ${finding.severity.toUpperCase()} ${mdText(finding.rule)}: ${mdText(finding.title)}`,
    `**Where:** \`${where}\` (${mdText(finding.component)}), mode \`${finding.mode}\``,
    mdText(finding.message),
  ];
  if (rule?.rationale) parts.push(`**Why it matters.** ${mdText(rule.rationale)}`);
  finding.evidence.forEach((ev, i) => {
    const label = finding.evidence.length > 1 ? `**Evidence ${i + 1}**` : '**Evidence**';
    parts.push(`${label}\n\n${codeBlock(ev.request, 'sh')}\n\n${codeBlock(ev.response, 'text')}`);
  });
  parts.push(`**Fix.** ${mdText(finding.fix)}`);
  const refs = referenceLines(finding, rule);
  if (refs.length) parts.push(`**References**\n\n${refs.map((r) => `- ${/^https?:\/\/\S+$/.test(r) ? `<${r}>` : mdText(r)}`).join('\n')}`);
  return parts.join('\n\n');
}

/** Renders a report as GitHub-flavoured Markdown; secrets redacted. */
export function renderMarkdown(report: Report, rules: readonly Rule[]): string {
  const safe = redactDeep(report);
  const safeRules = redactDeep(rules);
  const sections = ['# kia report', scopeSection(safe), summarySection(safe), '## Open ports', ...hostViews(safe).map(hostSection)];
  const findings = sortFindings(safe.findings);
  sections.push('## Findings', findings.length ? findings.map((f) => findingSection(f, ruleById(safeRules, f.rule))).join('\n\n') : 'No findings.');
  if (safe.notes.length) sections.push('## Notes', safe.notes.map((n) => `- ${mdText(n)}`).join('\n'));
  return `${sections.join('\n\n')}\n`;
}
