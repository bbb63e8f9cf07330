// `kia report --cluster --from-prometheus URL`: the cluster's summary from what Prometheus scraped of the agents
// instead of asking each agent through the API server: which nodes' agents answered (`up`), each node's findings by
// rule as its last audit counted them (`kia_findings`), and the components and probes that were not healthy. No
// evidence travels through Prometheus: the findings say where it is (the agent's /api/report, `kia report --cluster`).
import { remediationOf, ruleReferences, RULES } from '../audit/index.ts';
import type { Rule } from '../audit/types.ts';
import { queryVector, type PrometheusAccess, type Sample } from '../clients/prometheus.ts';
import { SEVERITIES, type ComponentId, type Finding, type Report, type Severity } from '../model/index.ts';
import { VERSION } from './hunt.ts';

export interface PrometheusReportOptions {
  access: PrometheusAccess;
  /** The agents' series, as PromQL label matchers (default `job="kia-agent"`, the ServiceMonitor's). */
  selector?: string;
  clock?: { now(): number };
}

/** The agents' job as deploy/kustomize/monitoring names it; `instance` is the node's name there (its relabelling). */
export const AGENT_SELECTOR = 'job="kia-agent"';

/** The node a series is about: `instance` (the node's name under the ServiceMonitor), else the agent's `node` label. */
const nodeOf = (s: Sample) => s.labels.instance || s.labels.node || '(no instance label)';

const byNode = (a: string, b: string) => a.localeCompare(b, undefined, { numeric: true });

export async function prometheusReport(options: PrometheusReportOptions): Promise<{ report: Report } | { error: string }> {
  const clock = options.clock ?? { now: () => Date.now() };
  const startedAt = new Date(clock.now()).toISOString();
  const sel = options.selector ?? AGENT_SELECTOR;
  const queries = {
    up: `up{${sel}}`,
    findings: `kia_findings{${sel}} > 0`,
    unhealthy: `kia_component_health{${sel},state!="healthy"} == 1`,
    failing: `kia_probe_success{${sel}} == 0`,
    lastCycle: `kia_last_cycle_timestamp_seconds{${sel}}`,
  };
  const answers = await Promise.all(Object.values(queries).map((q) => queryVector(options.access, q)));
  const failed = answers.find((a) => !a.ok);
  if (failed && !failed.ok) return { error: `cannot query Prometheus: ${failed.message}` };
  const [up, findings, unhealthy, failing, lastCycle] = answers.map((a) => (a.ok ? a.samples : []));
  if (!up || up.length === 0) return { error: `Prometheus at ${options.access.url} has no series for ${queries.up}: is it scraping the agents (deploy/kustomize/monitoring), and is --prometheus-selector right?` };

  const nodes = [...new Set(up.map(nodeOf))].sort(byNode);
  const silent = nodes.filter((n) => !up.some((s) => nodeOf(s) === n && s.value === 1));
  const now = clock.now() / 1000;
  const rules = new Map(RULES.map((r) => [r.id, r]));
  const report: Report = {
    schema: 'kia.report/v1',
    tool: { name: 'kia', version: VERSION },
    startedAt,
    finishedAt: new Date(clock.now()).toISOString(),
    scope: { targets: nodes.map((n) => ({ host: n, address: '', source: 'prometheus' as const, node: n })), ports: [], identities: [], active: false },
    endpoints: [],
    findings: (findings ?? [])
      .filter((s) => (SEVERITIES as readonly string[]).includes(s.labels.severity ?? '') && rules.has(s.labels.rule ?? ''))
      .sort((a, b) => byNode(nodeOf(a), nodeOf(b)) || (a.labels.rule ?? '').localeCompare(b.labels.rule ?? ''))
      .map((s): Finding => {
        // Present: the filter above kept only the rules kia knows.
        const rule = rules.get(s.labels.rule ?? '') as Rule;
        const node = nodeOf(s);
        const n = Math.round(s.value);
        const component: ComponentId | 'unknown' = rule.component === 'any' ? 'unknown' : rule.component;
        return {
          rule: rule.id,
          title: rule.title,
          severity: s.labels.severity as Severity,
          mode: rule.mode,
          component,
          host: node,
          address: node,
          port: 0,
          node,
          message: `${n} ${n === 1 ? 'finding' : 'findings'} on ${node} at its agent's last audit (from Prometheus: the evidence is in the agent's /api/report, or kia report --cluster)`,
          evidence: [],
          fix: remediationOf(rule, component),
          references: ruleReferences(rule),
        };
      }),
    notes: [
      `from Prometheus at ${new URL(options.access.url).origin} (${sel}): counts and states as the agents last reported them; endpoints and evidence come from the agents themselves (kia report --cluster)`,
      ...silent.map((n) => `node ${n}: Prometheus could not scrape its agent (up == 0)`),
      ...(lastCycle ?? []).filter((s) => now - s.value > 600 && !silent.includes(nodeOf(s))).map((s) => `node ${nodeOf(s)}: the agent's last cycle finished ${Math.round(now - s.value)} s ago`),
      ...(unhealthy ?? []).sort((a, b) => byNode(nodeOf(a), nodeOf(b))).map((s) => `node ${nodeOf(s)}: ${s.labels.component ?? '?'} is ${s.labels.state ?? '?'}`),
      ...(failing ?? []).sort((a, b) => byNode(nodeOf(a), nodeOf(b))).map((s) => `node ${nodeOf(s)}: ${s.labels.component ?? '?'} ${s.labels.port ?? '?'} ${s.labels.route ?? '?'} did not answer healthy`),
    ],
    ...(silent.length > 0 ? { unanswered: { count: silent.length, addresses: silent.slice(0, 20) } } : {}),
  };
  return { report };
}
