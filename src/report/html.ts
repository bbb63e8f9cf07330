// One self-contained HTML page: inline CSS, no scripts, no external resources, readable on a phone.
// Every value from the report or the rules goes through `esc`.
import type { Finding, Report, Severity } from '../model/index.ts';
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
${SEVERITIES_DESC.map((s) => `.sev-${s}{background:${SEVERITY_COLOR[s]}}article.sev-${s}{background:#fff;border-left-color:${SEVERITY_COLOR[s]}}`).join('\n')}
@media (prefers-color-scheme:dark){body{background:#121212;color:#e6e6e6}th{background:#222}th,td,article{border-color:#444}pre{background:#1e1e1e}.fix{background:#1c2b1c}article.sev-critical,article.sev-high,article.sev-medium,article.sev-low,article.sev-info{background:#121212}.muted{color:#aaa}}
`.trim();

function badge(severity: Severity): string {
  return `<span class="sev sev-${severity}">${severity}</span>`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const head = `<tr>${header.map((h) => `<th scope="col">${esc(h)}</th>`).join('')}</tr>`;
  const body = rows.map((r) => `<tr>${r.map((cell) => `<td>${cell}</td>`).join('')}</tr>`).join('\n');
  return `<div class="scroll"><table>\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody>\n</table></div>`;
}

function scopeSection(report: Report): string {
  const s = report.scope;
  const targets = s.targets.map((t) => esc(t.node ?? t.host) + (t.address !== (t.node ?? t.host) ? ` <code>${esc(t.address)}</code>` : ''));
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
  const counts = countBySeverity(report.findings);
  const rows = SEVERITIES_DESC.map((s) => [badge(s), String(counts[s])]);
  return `<h2>Summary</h2>\n<p>${esc(summaryLine(report))}</p>\n${table(['Severity', 'Findings'], [...rows, ['<strong>total</strong>', `<strong>${report.findings.length}</strong>`]])}`;
}

function hostSection(host: HostView): string {
  const head = `<h3>${esc(host.label)}</h3>`;
  if (host.components.length === 0) return `${head}\n<p class="muted">No open ports.</p>`;
  const rows = host.components.flatMap((g) =>
    g.endpoints.map((e) => {
      const cert = leafCertificate(e);
      return [String(e.port), esc(e.scheme), esc(g.component), esc(fingerprintText(e)), esc(tlsText(e)), esc(clientCertText(e)), esc(e.exposure), cert ? `<code>${esc(certificateText(cert))}</code>` : '-'];
    }),
  );
  return `${head}\n${table(['Port', 'Scheme', 'Component', 'Fingerprint', 'TLS', 'Client cert', 'Exposure', 'Certificate'], rows)}`;
}

function link(ref: string): string {
  const url = /https?:\/\/\S+$/.exec(ref)?.[0];
  if (url === undefined) return esc(ref);
  return `${esc(ref.slice(0, ref.length - url.length))}<a href="${esc(url)}">${esc(url)}</a>`;
}

function findingSection(finding: Finding, rule: Rule | undefined): string {
  const where = `${finding.node ?? finding.host} ${hostPort(finding.address, finding.port)}`;
  const parts = [
    `<article class="sev-${finding.severity}">`,
    `<h3>${badge(finding.severity)} <code>${esc(finding.rule)}</code> ${esc(finding.title)}</h3>`,
    `<p class="muted"><code>${esc(where)}</code> · ${esc(finding.component)} · mode <code>${esc(finding.mode)}</code></p>`,
    `<p>${esc(finding.message)}</p>`,
  ];
  if (rule?.rationale) parts.push(`<p><strong>Why it matters.</strong> ${esc(rule.rationale)}</p>`);
  for (const ev of finding.evidence) parts.push(`<pre><code>$ ${esc(ev.request)}</code></pre>`, `<pre><code>${esc(ev.response)}</code></pre>`);
  parts.push(`<p class="fix"><strong>Fix.</strong> ${esc(finding.fix)}</p>`);
  const refs = referenceLines(finding, rule);
  if (refs.length) parts.push(`<ul>${refs.map((r) => `<li>${link(r)}</li>`).join('')}</ul>`);
  parts.push('</article>');
  return parts.join('\n');
}

/** Renders a report as one HTML page; secrets redacted, every value escaped. */
export function renderHtml(report: Report, rules: readonly Rule[]): string {
  const safe = redactDeep(report);
  const safeRules = redactDeep(rules);
  const findings = sortFindings(safe.findings);
  const body = [
    `<h1>kia report</h1>`,
    scopeSection(safe),
    summarySection(safe),
    '<h2>Open ports</h2>',
    ...hostViews(safe).map(hostSection),
    '<h2>Findings</h2>',
    findings.length ? findings.map((f) => findingSection(f, ruleById(safeRules, f.rule))).join('\n') : '<p>No findings.</p>',
  ];
  if (safe.notes.length) body.push('<h2>Notes</h2>', `<ul>${safe.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>`);
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
