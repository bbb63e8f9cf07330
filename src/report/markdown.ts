// A report as Markdown for issues and pull requests: scope, findings by severity, open ports per host, each finding.
import type { CisReport, Report } from '../model/index.ts';
import { cisCounts } from './cis-text.ts';
import type { Rule } from '../audit/types.ts';
import { severityCounts, groupFindings, groupFixes, isWaived, referenceLines, ruleById, summaryLine, waiverText, whereText } from './finding-view.ts';
import type { FindingGroup } from './finding-view.ts';
import { redactDeep } from './redact.ts';
import { EXEC_LEGEND, SEVERITIES_DESC, certificateFacts, execRows, clientCertText, endpointProblems, fingerprintText, hostViews, processFacts, targetList, tlsText } from './view.ts';
import type { HostView } from './view.ts';

/** Text that Markdown must show as written: no emphasis, links or raw HTML. */
export function mdText(text: string): string {
  return text.replace(/[\\`*_[\]<>|]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : `\\${c}`)).replace(/\r?\n/g, ' ');
}

/** Inline code longer-fenced than any run of backticks inside it, on one line. */
export function codeSpan(text: string): string {
  const flat = text.replace(/\r?\n/g, ' ');
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
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
  const { shown, more } = targetList(report);
  const targets = shown.map((t) => `\`${t.address}\`${t.name !== undefined ? ` (${mdText(t.name)})` : ''}`);
  if (more > 0) targets.push(`and ${more} more`);
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
  const counted = report.findings.filter((f) => !isWaived(f));
  const counts = severityCounts(counted);
  const rows = SEVERITIES_DESC.map((s) => [s, String(counts[s].findings), String(counts[s].endpoints)]);
  const total = SEVERITIES_DESC.reduce((n, s) => n + counts[s].findings, 0);
  return `## Summary\n\n${summaryLine(report)}\n\n${table(['Severity', 'Findings', 'On endpoints'], [...rows, ['**total**', `**${total}**`, `**${counted.length}**`]])}`;
}

function hostSection(host: HostView, now: number, identities: readonly string[]): string {
  const head = `### ${mdText(host.label)}`;
  const endpoints = host.components.flatMap((g) => g.endpoints.map((e) => ({ component: g.component, e })));
  const rows = endpoints.map(({ component, e }) => {
    const cert = certificateFacts(e, now);
    return [String(e.port), e.scheme, mdText(component), mdText(fingerprintText(e)), mdText(tlsText(e)), clientCertText(e), e.exposure, cert ? mdText(`${cert.subject}, not after ${cert.expiry}`) : '-'];
  });
  // What does not fit a table cell: the whole certificate, the owning process and the probe's problems.
  const details = endpoints.flatMap(({ e }) => {
    const out: string[] = [];
    const cert = certificateFacts(e, now);
    if (cert) {
      const parts = [`issuer ${cert.issuer}`, ...cert.flags, ...(cert.verification ? [cert.verification] : []), ...(cert.names.length ? [`names ${cert.names.join(', ')}`] : [])];
      out.push(`- **${e.port}** certificate ${mdText(cert.subject)}: ${mdText(parts.join('; '))}; sha256 \`${cert.sha256}\``);
    }
    const proc = processFacts(e);
    if (proc) out.push(`- **${e.port}** process ${mdText(proc.owner)}${e.bindAddress ? `, bound to ${codeSpan(e.bindAddress)}` : ''}: ${codeSpan(proc.command)}`);
    for (const problem of endpointProblems(e)) out.push(`- **${e.port}** ${mdText(problem)}`);
    return out;
  });
  const tableText = table(['Port', 'Scheme', 'Component', 'Fingerprint', 'TLS', 'Client cert', 'Exposure', 'Certificate'], rows);
  const exec = execRows(host, identities);
  const execText = exec.length ? `\n\n${mdText(`Exec: ${EXEC_LEGEND}.`)}\n\n${table(['Port', ...identities.map(mdText)], exec.map((r) => [String(r.port), ...r.cells]))}` : '';
  return `${head}\n\n${tableText}${execText}${details.length ? `\n\n${details.join('\n')}` : ''}`;
}

function groupSection(group: FindingGroup, rule: Rule | undefined): string {
  const count = group.findings.length > 1 ? ` (${group.findings.length} endpoints)` : '';
  const parts = [
    `### ${group.severity.toUpperCase()} ${mdText(group.rule)}: ${mdText(group.title)}${count}`,
    group.findings
      .map((f) => {
        const waiver = waiverText(f);
        return `- ${codeSpan(whereText(f))}: ${mdText(f.message)}${waiver ? ` (${mdText(waiver)})` : ''}`;
      })
      .join('\n'),
    `Mode \`${group.mode}\`.${rule?.rationale ? ` **Why it matters.** ${mdText(rule.rationale)}` : ''}`,
  ];
  const [first] = group.findings;
  if (first) {
    const from = group.findings.length > 1 ? ` (from ${codeSpan(whereText(first))}; every endpoint's is in \`-o json\`)` : '';
    first.evidence.forEach((ev, i) => {
      const label = first.evidence.length > 1 ? `**Evidence ${i + 1}**` : '**Evidence**';
      parts.push(`${label}${i === 0 ? from : ''}\n\n${codeBlock(ev.request, 'sh')}\n\n${codeBlock(ev.response, 'text')}`);
    });
  }
  const fixes = groupFixes(group);
  for (const { components, fix } of fixes) parts.push(`**Fix${fixes.length > 1 ? ` (${mdText(components.join(', '))})` : ''}.** ${mdText(fix)}`);
  const refs = referenceLines(group.findings, rule);
  if (refs.length) parts.push(`**References**\n\n${refs.map((r) => `- ${/^https?:\/\/\S+$/.test(r) ? `<${r}>` : mdText(r)}`).join('\n')}`);
  return parts.join('\n\n');
}

function waivedSection(groups: readonly FindingGroup[]): string {
  const lines = groups.flatMap((g) => g.findings.map((f) => `- ${g.severity} ${codeSpan(g.rule)} ${mdText(g.title)}: ${codeSpan(whereText(f))}, ${mdText(waiverText(f) ?? '')}`));
  return `## Waived\n\nAccepted in the baseline; \`--fail-on\` does not count them.\n\n${lines.join('\n')}`;
}

/** The CIS items as one table: the verdict, the value and its source, or what would verify it. */
function cisSection(cis: CisReport): string {
  const n = cisCounts(cis);
  const rows = cis.results.map((r) => `| ${r.item} | ${mdText(r.title)} | ${mdText(r.node ?? r.host)} | ${r.status}${r.source ? ` (${r.source})` : ''} | ${mdText(r.detail)}${r.needs ? `; needs ${mdText(r.needs)}` : ''}${r.fix ? `; fix: ${mdText(r.fix)}` : ''} |`);
  return `## CIS Kubernetes Benchmark\n\n${mdText(`${cis.benchmark}: ${cis.basis}`)}. ${n.pass} pass, ${n.fail} fail, ${n['not-verified']} not verified.\n\n| item | title | host | result | detail |\n|---|---|---|---|---|\n${rows.join('\n')}`;
}

/** Renders a report as GitHub-flavoured Markdown, findings first; secrets redacted. */
export function renderMarkdown(report: Report, rules: readonly Rule[]): string {
  const safe = redactDeep(report);
  const safeRules = redactDeep(rules);
  const now = Date.parse(safe.finishedAt);
  const counted = groupFindings(safe.findings.filter((f) => !isWaived(f)));
  const waived = groupFindings(safe.findings.filter(isWaived));
  const sections = ['# kia report', summarySection(safe), '## Findings', counted.length ? counted.map((g) => groupSection(g, ruleById(safeRules, g.rule))).join('\n\n') : 'No findings.'];
  if (waived.length) sections.push(waivedSection(waived));
  const hosts = hostViews(safe);
  sections.push('## Open ports', hosts.length ? hosts.map((h) => hostSection(h, now, safe.scope.identities)).join('\n\n') : 'No port answered.');
  if (safe.cis) sections.push(cisSection(safe.cis));
  if (safe.notes.length) sections.push('## Notes', safe.notes.map((n) => `- ${mdText(n)}`).join('\n'));
  sections.push(scopeSection(safe));
  return `${sections.join('\n\n')}\n`;
}
