// SARIF 2.1.0 for code-scanning dashboards. Findings are about network endpoints, not files, so a result's location
// is the endpoint's URL (https://address:port, http://..., tcp://...) with host, node and component as properties.
import { createHash } from 'node:crypto';
import type { Finding, Report, Severity } from '../model/index.ts';
import type { Rule } from '../audit/types.ts';
import { redactDeep } from './redact.ts';
import { componentFixes } from './rule-docs.ts';
import { KUBE_HUNTER_KB, sortFindings } from './finding-view.ts';
import { endpointOf, endpointUri } from './view.ts';

export const SARIF_SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json';
/** Where a SARIF viewer sends a reader who asks what kia is. */
export const KIA_INFORMATION_URI = 'https://github.com/kia-toolkit/kia';

/** GitHub code scanning's `security-severity` scale (critical >= 9.0, high >= 7.0, medium >= 4.0, low > 0). */
export const SECURITY_SEVERITY: Record<Severity, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0', info: '0.0' };

export type SarifLevel = 'error' | 'warning' | 'note';
export const SARIF_LEVEL: Record<Severity, SarifLevel> = { critical: 'error', high: 'error', medium: 'warning', low: 'note', info: 'note' };

/** The subset of a rule a descriptor needs; a finding whose rule is not passed in gets one built from itself. */
type RuleMeta = Pick<Rule, 'id' | 'title' | 'severity' | 'component' | 'mode' | 'rationale' | 'remediation' | 'remediationFor' | 'references'>;

/** `kubelet API open to anonymous callers (…)` -> `KubeletApiOpenToAnonymousCallers`. */
export function ruleName(title: string): string {
  const words = title.replace(/\([^)]*\)/g, ' ').split(/[^A-Za-z0-9]+/).filter(Boolean);
  return words.map((w) => w[0]?.toUpperCase() + w.slice(1)).join('');
}

function referenceList(rule: RuleMeta): { text: string; markdown: string }[] {
  const refs: { text: string; markdown: string }[] = [];
  for (const cis of rule.references.cis ?? []) refs.push({ text: `CIS Kubernetes Benchmark ${cis}`, markdown: `CIS Kubernetes Benchmark ${cis}` });
  const khv = rule.references.khv;
  if (khv) refs.push({ text: `kube-hunter ${khv}: ${KUBE_HUNTER_KB}${khv}`, markdown: `kube-hunter [${khv}](${KUBE_HUNTER_KB}${khv})` });
  for (const url of rule.references.urls ?? []) refs.push({ text: url, markdown: `<${url}>` });
  return refs;
}

function descriptor(rule: RuleMeta): Record<string, unknown> {
  const refs = referenceList(rule);
  const byComponent = componentFixes(rule);
  const fixText = `${rule.remediation}${byComponent.map((f) => `\n- ${f.component}: ${f.fix}`).join('')}`;
  const fixMarkdown = `**Fix.** ${rule.remediation}${byComponent.length ? `\n\n${byComponent.map((f) => `- **${f.component}**: ${f.fix}`).join('\n')}` : ''}`;
  const helpText = refs.length ? `${fixText}\n\nReferences:\n${refs.map((r) => `- ${r.text}`).join('\n')}` : fixText;
  const helpMarkdown = `${fixMarkdown}${refs.length ? `\n\n**References**\n\n${refs.map((r) => `- ${r.markdown}`).join('\n')}` : ''}`;
  const helpUri = rule.references.urls?.[0] ?? (rule.references.khv ? `${KUBE_HUNTER_KB}${rule.references.khv}` : undefined);
  const tags = ['security', 'kubernetes', rule.component, ...(rule.references.cis ?? []).map((id) => `CIS ${id}`), ...(rule.references.khv ? [rule.references.khv] : [])];
  return {
    id: rule.id,
    name: ruleName(rule.title),
    shortDescription: { text: rule.title },
    fullDescription: { text: rule.rationale || rule.title },
    ...(helpUri !== undefined && { helpUri }),
    help: { text: helpText, markdown: helpMarkdown },
    defaultConfiguration: { level: SARIF_LEVEL[rule.severity] },
    properties: { 'security-severity': SECURITY_SEVERITY[rule.severity], tags, mode: rule.mode, severity: rule.severity },
  };
}

function metaFromFinding(f: Finding): RuleMeta {
  return { id: f.rule, title: f.title, severity: f.severity, component: f.component === 'unknown' ? 'any' : f.component, mode: f.mode, rationale: f.title, remediation: f.fix, references: { urls: f.references.filter((r) => /^https?:\/\//.test(r)) } };
}

/** Rules passed in, in their order, then one built from each finding whose rule is not among them. */
function descriptorTable(rules: readonly RuleMeta[], findings: readonly Finding[]): RuleMeta[] {
  const table = [...rules];
  for (const f of findings) if (!table.some((r) => r.id === f.rule)) table.push(metaFromFinding(f));
  return table;
}

/** The key of a result's `partialFingerprints`; `v2` because what is hashed changed (v1 hashed the address). */
export const FINGERPRINT_KEY = 'kiaFinding/v2';

/**
 * The same for the same rule on the same component, node (or host), port and route on every run, whatever the
 * message, the evidence, the address the node had or the time: code-scanning tools track a finding by it.
 */
export function findingFingerprint(f: Finding): string {
  return createHash('sha256').update([f.rule, f.component, f.node ?? f.host, String(f.port), f.route ?? ''].join('\n')).digest('hex');
}

function result(report: Report, f: Finding, ruleIndex: number): Record<string, unknown> {
  const uri = endpointUri(endpointOf(report, f)?.scheme, f.address, f.port);
  return {
    ruleId: f.rule,
    ruleIndex,
    level: SARIF_LEVEL[f.severity],
    message: { text: `${f.title}: ${f.message}` },
    locations: [
      {
        physicalLocation: { artifactLocation: { uri } },
        logicalLocations: [{ name: f.component, fullyQualifiedName: `${uri}/${f.component}`, kind: 'module' }],
      },
    ],
    partialFingerprints: { [FINGERPRINT_KEY]: findingFingerprint(f) },
    // A baseline waiver is SARIF's external suppression: viewers list the result as accepted, with the reason.
    ...(f.waiver !== undefined && !f.waiver.expired && { suppressions: [{ kind: 'external', status: 'accepted', justification: `${f.waiver.reason} (until ${f.waiver.expires})` }] }),
    properties: {
      host: f.host,
      address: f.address,
      port: f.port,
      ...(f.node !== undefined && { node: f.node }),
      component: f.component,
      severity: f.severity,
      mode: f.mode,
      evidence: f.evidence.map((e) => ({ request: e.request, response: e.response })),
      fix: f.fix,
      ...(f.route !== undefined && { route: f.route }),
      ...(f.references.length > 0 && { references: f.references }),
      ...(f.waiver !== undefined && { waiver: f.waiver }),
    },
  };
}

/** One SARIF 2.1.0 log with one run; secrets redacted. */
export function renderSarif(report: Report, rules: readonly Rule[]): string {
  const safe = redactDeep(report);
  const metas = descriptorTable(redactDeep(rules.map(({ check: _check, ...meta }) => meta)), safe.findings);
  const findings = sortFindings(safe.findings);
  const log = {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'kia', informationUri: KIA_INFORMATION_URI, version: safe.tool.version, rules: metas.map(descriptor) } },
        invocations: [
          {
            executionSuccessful: true,
            startTimeUtc: safe.startedAt,
            endTimeUtc: safe.finishedAt,
            ...(safe.notes.length > 0 && { toolExecutionNotifications: safe.notes.map((text) => ({ level: 'note', message: { text } })) }),
          },
        ],
        results: findings.map((f) => result(safe, f, metas.findIndex((r) => r.id === f.rule))),
        properties: { schema: safe.schema, scope: { targets: safe.scope.targets, ports: safe.scope.ports, identities: safe.scope.identities, active: safe.scope.active } },
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
