// One self-contained HTML page: inline CSS, no scripts, no external resources, readable on a phone.
// Every value from the report or the rules goes through `esc`.
import type { CisReport, EndpointObservation, Report, Severity } from '../model/index.ts';
import { cisCounts } from './cis-text.ts';
import type { Rule } from '../audit/types.ts';
import { severityCounts, groupFindings, groupFixes, isWaived, referenceLines, ruleById, summaryLine, waiverText, whereText } from './finding-view.ts';
import type { FindingGroup } from './finding-view.ts';
import { redactDeep } from './redact.ts';
import { EXEC_LEGEND, SEVERITIES_DESC, certificateFacts, execRows, clientCertText, endpointProblems, fingerprintText, hostViews, processFacts, targetList, tlsText } from './view.ts';
import type { HostView } from './view.ts';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

const SEVERITY_COLOR: Record<Severity, string> = { critical: '#8b0000', high: '#c62828', medium: '#b26a00', low: '#1565c0', info: '#555' };

const CSS = `
*{box-sizing:border-box}
body{margin:0 auto;max-width:60rem;padding:1rem;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1b1b;background:#fff}
h1{font-size:1.6rem;margin:.5rem 0}h2{font-size:1.3rem;margin-top:2rem;border-bottom:1px solid #ddd}h3{font-size:1.1rem;margin:1.2rem 0 .4rem}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{border:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f4f4f4}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85rem}
pre{background:#f6f8fa;padding:.6rem;overflow-x:auto;white-space:pre-wrap;word-break:break-word;border-radius:4px}
.sev{display:inline-block;color:#fff;border-radius:3px;padding:0 .4rem;font-size:.8rem;font-weight:600;text-transform:uppercase}
article{border:1px solid #ddd;border-left-width:6px;border-radius:4px;padding:.2rem 1rem .6rem;margin:1rem 0}
.muted{color:#666}
.fix{background:#eef7ee;padding:.5rem;border-radius:4px}
td{overflow-wrap:break-word}
td[data-label="Certificate"],li,p,summary{overflow-wrap:anywhere}
ul.details{font-size:.9rem;padding-left:1.2rem}
details{margin:.4rem 0}summary{cursor:pointer}
@media (max-width:40rem){table.ports thead{display:none}table.ports tr{display:block;border:1px solid #ddd;margin-bottom:.5rem}table.ports td{display:block;border:0}table.ports td::before{content:attr(data-label) ": ";font-weight:600}}
${SEVERITIES_DESC.map((s) => `.sev-${s}{background:${SEVERITY_COLOR[s]}}article.sev-${s}{background:#fff;border-left-color:${SEVERITY_COLOR[s]}}`).join('\n')}
@media (prefers-color-scheme:dark){body{background:#121212;color:#e6e6e6}th{background:#222}th,td,article{border-color:#444}pre{background:#1e1e1e}.fix{background:#1c2b1c}article.sev-critical,article.sev-high,article.sev-medium,article.sev-low,article.sev-info{background:#121212}.muted{color:#aaa}}
`.trim();

function badge(severity: Severity): string {
  return `<span class="sev sev-${severity}">${severity}</span>`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[], className = ''): string {
  const head = `<tr>${header.map((h) => `<th scope="col">${esc(h)}</th>`).join('')}</tr>`;
  // Each cell names its column, so a phone can show the rows as blocks (see the CSS).
  const body = rows.map((r) => `<tr>${r.map((cell, i) => `<td data-label="${esc(header[i] ?? '')}">${cell}</td>`).join('')}</tr>`).join('\n');
  return `<div class="scroll"><table${className ? ` class="${className}"` : ''}>\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody>\n</table></div>`;
}

function scopeSection(report: Report): string {
  const s = report.scope;
  const { shown, more } = targetList(report);
  const targets = shown.map((t) => (t.name !== undefined ? `${esc(t.name)} <code>${esc(t.address)}</code>` : `<code>${esc(t.address)}</code>`));
  if (more > 0) targets.push(`and ${more} more`);
  const items = [
    ['Targets', targets.length ? targets.join(', ') : 'none'],
    ['Ports', s.ports.length ? esc(s.ports.join(', ')) : 'none'],
    ['Identities', s.identities.length ? s.identities.map(esc).join(', ') : 'anonymous only'],
    ['Mode', s.active ? 'active (harmless <code>act</code> checks ran)' : 'passive (read-only)'],
    ['Run', `${esc(report.startedAt)} to ${esc(report.finishedAt)}, kia ${esc(report.tool.version)}`],
  ];
  return `<h2>Scope</h2>\n<ul>\n${items.map(([k, v]) => `<li><strong>${k}:</strong> ${v}</li>`).join('\n')}\n</ul>`;
}

function summarySection(report: Report): string {
  const counted = report.findings.filter((f) => !isWaived(f));
  const counts = severityCounts(counted);
  const rows = SEVERITIES_DESC.map((s) => [badge(s), String(counts[s].findings), String(counts[s].endpoints)]);
  const total = SEVERITIES_DESC.reduce((n, s) => n + counts[s].findings, 0);
  return `<h2>Summary</h2>\n<p>${esc(summaryLine(report))}</p>\n${table(['Severity', 'Findings', 'On endpoints'], [...rows, ['<strong>total</strong>', `<strong>${total}</strong>`, `<strong>${counted.length}</strong>`]])}`;
}

/** The whole certificate, the owning process and the probe's problems of one endpoint, under the ports table. */
function endpointDetails(e: EndpointObservation, now: number): string[] {
  const out: string[] = [];
  const cert = certificateFacts(e, now);
  if (cert) {
    const parts = [`issuer ${cert.issuer}`, ...cert.flags, ...(cert.names.length ? [`names ${cert.names.join(', ')}`] : [])];
    out.push(`<li><strong>${e.port}</strong> certificate ${esc(cert.subject)}: ${esc(parts.join('; '))}; sha256 <code>${esc(cert.sha256)}</code></li>`);
  }
  const proc = processFacts(e);
  if (proc) out.push(`<li><strong>${e.port}</strong> process ${esc(proc.owner)}${e.bindAddress ? `, bound to <code>${esc(e.bindAddress)}</code>` : ''}: <code>${esc(proc.command)}</code></li>`);
  for (const problem of endpointProblems(e)) out.push(`<li><strong>${e.port}</strong> ${esc(problem)}</li>`);
  return out;
}

function hostSection(host: HostView, now: number, identities: readonly string[]): string {
  const head = `<h3>${esc(host.label)}</h3>`;
  const endpoints = host.components.flatMap((g) => g.endpoints.map((e) => ({ component: g.component, e })));
  const rows = endpoints.map(({ component, e }) => {
    const cert = certificateFacts(e, now);
    const certCell = cert ? [esc(cert.subject), `not after ${esc(cert.expiry)}`, ...(cert.verification ? [esc(cert.verification)] : [])].join('<br>') : '-';
    return [String(e.port), esc(e.scheme), esc(component), esc(fingerprintText(e)), esc(tlsText(e)), esc(clientCertText(e)), esc(e.exposure), certCell];
  });
  const details = endpoints.flatMap(({ e }) => endpointDetails(e, now));
  const tableHtml = table(['Port', 'Scheme', 'Component', 'Fingerprint', 'TLS', 'Client cert', 'Exposure', 'Certificate'], rows, 'ports');
  const exec = execRows(host, identities);
  const execHtml = exec.length ? `\n<p class="muted">${esc(`Exec: ${EXEC_LEGEND}.`)}</p>\n${table(['Port', ...identities], exec.map((r) => [String(r.port), ...r.cells]), 'exec')}` : '';
  return `${head}\n${tableHtml}${execHtml}${details.length ? `\n<ul class="details">${details.join('')}</ul>` : ''}`;
}

function link(ref: string): string {
  const url = /https?:\/\/\S+$/.exec(ref)?.[0];
  if (url === undefined) return esc(ref);
  return `${esc(ref.slice(0, ref.length - url.length))}<a href="${esc(url)}">${esc(url)}</a>`;
}

function groupSection(group: FindingGroup, rule: Rule | undefined): string {
  const count = group.findings.length > 1 ? ` (${group.findings.length} endpoints)` : '';
  const where = group.findings.map((f) => {
    const waiver = waiverText(f);
    return `<li><code>${esc(whereText(f))}</code>: ${esc(f.message)}${waiver ? ` <em>(${esc(waiver)})</em>` : ''}</li>`;
  });
  const parts = [
    `<article class="sev-${group.severity}">`,
    `<h3>${badge(group.severity)} <code>${esc(group.rule)}</code> ${esc(group.title)}${count}</h3>`,
    `<ul class="where">${where.join('')}</ul>`,
    `<p class="muted">mode <code>${esc(group.mode)}</code></p>`,
  ];
  if (rule?.rationale) parts.push(`<p><strong>Why it matters.</strong> ${esc(rule.rationale)}</p>`);
  // Every endpoint's evidence; the first one open.
  group.findings.forEach((f, i) => {
    if (f.evidence.length === 0) return;
    const blocks = f.evidence.map((ev) => `<pre><code>$ ${esc(ev.request)}</code></pre>\n<pre><code>${esc(ev.response)}</code></pre>`).join('\n');
    parts.push(`<details${i === 0 ? ' open' : ''}><summary>Evidence from <code>${esc(whereText(f))}</code></summary>\n${blocks}\n</details>`);
  });
  const fixes = groupFixes(group);
  for (const { components, fix } of fixes) parts.push(`<p class="fix"><strong>Fix${fixes.length > 1 ? ` (${esc(components.join(', '))})` : ''}.</strong> ${esc(fix)}</p>`);
  const refs = referenceLines(group.findings, rule);
  if (refs.length) parts.push(`<ul>${refs.map((r) => `<li>${link(r)}</li>`).join('')}</ul>`);
  parts.push('</article>');
  return parts.join('\n');
}

function waivedSection(groups: readonly FindingGroup[]): string {
  const items = groups.flatMap((g) => g.findings.map((f) => `<li>${badge(g.severity)} <code>${esc(g.rule)}</code> ${esc(g.title)}: <code>${esc(whereText(f))}</code>, ${esc(waiverText(f) ?? '')}</li>`));
  return `<h2>Waived</h2>\n<p>Accepted in the baseline; <code>--fail-on</code> does not count them.</p>\n<ul>${items.join('\n')}</ul>`;
}

/** The CIS items as one table: the verdict and its source, the value seen, or what would verify it. */
function cisSection(cis: CisReport): string {
  const n = cisCounts(cis);
  const rows = cis.results.map((r) => [esc(r.item), esc(r.title), esc(r.node ?? r.host), `<strong>${esc(r.status)}</strong>${r.source ? ` (${esc(r.source)})` : ''}`, [esc(r.detail), ...(r.needs ? [`needs ${esc(r.needs)}`] : []), ...(r.fix ? [`fix: ${esc(r.fix)}`] : [])].join('<br>')]);
  return `<h2>CIS Kubernetes Benchmark</h2>\n<p>${esc(`${cis.benchmark}: ${cis.basis}`)}. ${n.pass} pass, ${n.fail} fail, ${n['not-verified']} not verified.</p>\n${table(['Item', 'Title', 'Host', 'Result', 'Detail'], rows)}`;
}

/** Renders a report as one HTML page; secrets redacted, every value escaped. */
export function renderHtml(report: Report, rules: readonly Rule[]): string {
  const safe = redactDeep(report);
  const safeRules = redactDeep(rules);
  const now = Date.parse(safe.finishedAt);
  const counted = groupFindings(safe.findings.filter((f) => !isWaived(f)));
  const waived = groupFindings(safe.findings.filter(isWaived));
  const hosts = hostViews(safe);
  const body = [
    `<h1>kia report</h1>`,
    summarySection(safe),
    '<h2>Findings</h2>',
    counted.length ? counted.map((g) => groupSection(g, ruleById(safeRules, g.rule))).join('\n') : '<p>No findings.</p>',
    ...(waived.length ? [waivedSection(waived)] : []),
    '<h2>Open ports</h2>',
    ...(hosts.length ? hosts.map((h) => hostSection(h, now, safe.scope.identities)) : ['<p>No port answered.</p>']),
  ];
  if (safe.cis) body.push(cisSection(safe.cis));
  if (safe.notes.length) body.push('<h2>Notes</h2>', `<ul>${safe.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>`);
  body.push(scopeSection(safe));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>kia report: ${esc(summaryLine(safe))}</title>
<style>
${CSS}
</style>
</head>
<body>
${body.join('\n')}
</body>
</html>
`;
}
