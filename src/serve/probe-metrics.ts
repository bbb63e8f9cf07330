// The exporter's probe series, shared by `kia serve` and `kia agent`. Label values come only from bounded sets: nodes
// and ports from the inventory, components and routes from the catalog, check names filtered and capped, rules and
// severities from the rule set. They are rendered once per cycle where the probe engine runs; a scrape serves that
// text plus the live process metrics. An update gives the event loop back between slices of nodes: the engine shares
// its thread with the server, and a scrape must not wait for a whole cluster's series.
import { HEALTH_STATES, SEVERITIES, type Finding, type HealthReport } from '../model/index.ts';
import { Exposition, type Family } from './exposition.ts';

const CHECK_NAME = /^[A-Za-z0-9_.\-/[\]:]{1,64}$/;
const MAX_CHECKS_PER_ENDPOINT = 64;
// Nodes set between two turns of the event loop (a slice of a 200-node cycle takes a few milliseconds).
const NODES_PER_SLICE = 25;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export class ProbeMetrics {
  private readonly probes = new Exposition();
  private cached: string;
  private readonly probeSuccess: Family;
  private readonly probeDuration: Family;
  private readonly probeStatus: Family;
  private readonly componentUp: Family;
  private readonly componentHealth: Family;
  private readonly check: Family;
  private readonly proxyAge: Family;
  private readonly proxyStale: Family;
  private readonly certNotAfter: Family;
  private readonly certVerified: Family;
  private readonly findings: Family;
  private readonly lastCycle: Family;
  private readonly cycleDuration: Family;
  private readonly cycles: Family;
  private readonly lastAudit: Family;
  private readonly ruleIds: readonly { id: string; severity: string }[];
  // The update under way: the next waits for it (an audit's render must not catch a cycle's series half set).
  private updating: Promise<unknown> = Promise.resolve();

  constructor(rules: readonly { id: string; severity: string }[]) {
    this.ruleIds = rules;
    this.probeSuccess = this.probes.family({ type: 'gauge', name: 'kia_probe_success', help: 'Whether the health route answered healthy (1) or not (0).', labelNames: ['node', 'component', 'port', 'route'] });
    this.probeDuration = this.probes.family({ type: 'gauge', name: 'kia_probe_duration_seconds', help: 'Time the health route took to answer, connection included.', labelNames: ['node', 'component', 'port', 'route'] });
    this.probeStatus = this.probes.family({ type: 'gauge', name: 'kia_probe_http_status', help: 'HTTP status of the health route (0: no HTTP answer).', labelNames: ['node', 'component', 'port', 'route'] });
    this.componentUp = this.probes.family({ type: 'gauge', name: 'kia_component_up', help: 'Whether the component answered on at least one of its ports.', labelNames: ['node', 'component'] });
    this.componentHealth = this.probes.family({ type: 'gauge', name: 'kia_component_health', help: 'The component state: 1 for the current state, 0 for the others.', labelNames: ['node', 'component', 'state'] });
    this.check = this.probes.family({ type: 'gauge', name: 'kia_health_check', help: 'A named check of a verbose health answer: 1 passes, 0 fails.', labelNames: ['node', 'component', 'port', 'check'] });
    this.proxyAge = this.probes.family({ type: 'gauge', name: 'kia_kube_proxy_sync_age_seconds', help: "kube-proxy's currentTime minus lastUpdated, from its 10256 health server.", labelNames: ['node'] });
    this.proxyStale = this.probes.family({ type: 'gauge', name: 'kia_kube_proxy_stale', help: 'kube-proxy answered unhealthy (503) or its lastUpdated stopped moving.', labelNames: ['node'] });
    this.certNotAfter = this.probes.family({ type: 'gauge', name: 'kia_certificate_not_after_seconds', help: 'notAfter of the serving certificate, Unix time.', labelNames: ['node', 'component', 'port'] });
    this.certVerified = this.probes.family({ type: 'gauge', name: 'kia_certificate_verified', help: 'Whether the served chain verifies against the CA given.', labelNames: ['node', 'component', 'port'] });
    this.findings = this.probes.family({ type: 'gauge', name: 'kia_findings', help: 'Findings of the last audit, by rule and severity.', labelNames: ['rule', 'severity'] });
    this.lastCycle = this.probes.family({ type: 'gauge', name: 'kia_last_cycle_timestamp_seconds', help: 'When the last probe cycle finished, Unix time.' });
    this.cycleDuration = this.probes.family({ type: 'gauge', name: 'kia_probe_cycle_duration_seconds', help: 'How long the last probe cycle took.' });
    this.cycles = this.probes.family({ type: 'counter', name: 'kia_probe_cycles_total', help: 'Probe cycles run.' });
    this.lastAudit = this.probes.family({ type: 'gauge', name: 'kia_audit_timestamp_seconds', help: 'When the last audit finished, Unix time (0: none yet).' });
    for (const rule of rules) this.findings.set({ rule: rule.id, severity: rule.severity }, 0);
    this.lastAudit.set({}, 0);
    // Rendered now: a scrape during the first update serves this, never series half set.
    this.cached = this.probes.render();
  }

  /** Runs updates one after the other. */
  private serial(update: () => Promise<string>): Promise<string> {
    const next = this.updating.then(update, update);
    this.updating = next.catch(() => undefined);
    return next;
  }

  /** After a cycle: every probe, check, certificate; then the text is rendered once for every scrape until the next. */
  updateHealth(report: HealthReport, finishedAt: number): Promise<string> {
    return this.serial(() => this.setHealth(report, finishedAt));
  }

  private async setHealth(report: HealthReport, finishedAt: number): Promise<string> {
    for (const gauge of [this.probeSuccess, this.probeDuration, this.probeStatus, this.check, this.componentUp, this.componentHealth, this.proxyAge, this.proxyStale, this.certNotAfter, this.certVerified]) gauge.reset();
    for (const [index, node] of report.nodes.entries()) {
      if (index > 0 && index % NODES_PER_SLICE === 0) await nextTurn();
      for (const component of node.components) {
        const c = { node: node.name, component: component.component };
        // Keys as seriesKey makes them (label values in the family's order), labels only for a series that is new.
        const nodeComponent = `${node.name}\u0000${component.component}`;
        this.componentUp.setKeyed(nodeComponent, () => c, component.state === 'down' ? 0 : 1);
        for (const state of HEALTH_STATES) this.componentHealth.setKeyed(`${nodeComponent}\u0000${state}`, () => ({ ...c, state }), component.state === state ? 1 : 0);
        for (const endpoint of component.endpoints) {
          const port = String(endpoint.port);
          let checks = 0;
          for (const probe of endpoint.probes) {
            if (probe.state === 'skipped') continue;
            // The three probe families share their label names: one key serves them all.
            const key = `${nodeComponent}\u0000${port}\u0000${probe.route}`;
            const labels = () => ({ ...c, port, route: probe.route });
            this.probeSuccess.setKeyed(key, labels, probe.state === 'healthy' ? 1 : 0);
            this.probeDuration.setKeyed(key, labels, probe.durationMs / 1000);
            this.probeStatus.setKeyed(key, labels, probe.status ?? 0);
            for (const check of probe.checks) {
              if (!CHECK_NAME.test(check.name) || checks >= MAX_CHECKS_PER_ENDPOINT) continue;
              checks++;
              this.check.setKeyed(`${nodeComponent}\u0000${port}\u0000${check.name}`, () => ({ ...c, port, check: check.name }), check.ok ? 1 : 0);
            }
            if (probe.proxy && component.component === 'kube-proxy') {
              if (probe.proxy.ageSeconds !== undefined) this.proxyAge.set({ node: node.name }, probe.proxy.ageSeconds);
              this.proxyStale.set({ node: node.name }, probe.state === 'degraded' ? 1 : 0);
            }
          }
          if (endpoint.certificate) {
            this.certNotAfter.set({ ...c, port }, Math.floor(Date.parse(endpoint.certificate.notAfter) / 1000));
            if (endpoint.certificate.verified !== undefined) this.certVerified.set({ ...c, port }, endpoint.certificate.verified ? 1 : 0);
          }
        }
      }
    }
    this.cycles.inc();
    this.lastCycle.set({}, finishedAt / 1000);
    this.cycleDuration.set({}, report.durationMs / 1000);
    this.cached = this.probes.render();
    return this.cached;
  }

  updateFindings(findings: readonly Finding[], auditedAt: number): Promise<string> {
    return this.serial(async () => this.setFindings(findings, auditedAt));
  }

  private setFindings(findings: readonly Finding[], auditedAt: number): string {
    const counts = new Map<string, number>();
    for (const f of findings) counts.set(`${f.rule}|${f.severity}`, (counts.get(`${f.rule}|${f.severity}`) ?? 0) + 1);
    this.findings.reset();
    for (const rule of this.ruleIds) this.findings.set({ rule: rule.id, severity: rule.severity }, 0);
    for (const [key, n] of counts) {
      const [rule = '', severity = ''] = key.split('|');
      if (!(SEVERITIES as readonly string[]).includes(severity) || !this.ruleIds.some((r) => r.id === rule)) continue;
      this.findings.set({ rule, severity }, n);
    }
    this.lastAudit.set({}, auditedAt / 1000);
    this.cached = this.probes.render();
    return this.cached;
  }

  /** The text as it stands (before the first cycle: the zeroed finding series and counters). */
  async text(): Promise<string> {
    return this.cached;
  }
}
