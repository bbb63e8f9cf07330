// The health table: one row per node and component, grouped by node; details of what failed beneath. A certificate
// close to expiry reads as `warning` (under 30 days) or `critical` (under 7), and an `unknown` row as not verified,
// with the credential that would verify it.
import type { ComponentHealth, ComponentId, HealthReport, HealthState } from '../model/index.ts';
import { escapeControl } from '../redact.ts';

/** What the STATE column says: the health state, with `degraded` told apart when only a certificate makes it so. */
type ShownState = HealthState | 'warning' | 'critical';

const ORDER: readonly ShownState[] = ['healthy', 'warning', 'degraded', 'critical', 'down', 'unknown'];

const COLOURS: Record<ShownState, string> = {
  healthy: '\x1b[32m',
  warning: '\x1b[33m',
  degraded: '\x1b[33m',
  critical: '\x1b[1;31m',
  down: '\x1b[31m',
  // Not a pass: coloured like a problem, not greyed out.
  unknown: '\x1b[35m',
};

/** The credential that would let kia verify each component's health. */
const CREDENTIAL: Record<ComponentId, string> = {
  etcd: 'give --etcd-cert/--etcd-key (an etcd client certificate such as kubeadm\'s healthcheck-client)',
  kubelet: 'give --cert/--key or --token of an identity allowed get nodes/proxy (nodes/healthz from 1.33)',
  'kube-proxy': 'give --cert/--key or --token',
  'kube-apiserver': 'give --cert/--key or --token of an identity allowed get on /healthz, /livez, /readyz',
  'kube-controller-manager': 'give --cert/--key or --token of an identity allowed get on /healthz',
  'kube-scheduler': 'give --cert/--key or --token of an identity allowed get on /healthz',
  'cloud-controller-manager': 'give --cert/--key or --token of an identity allowed get on /healthz',
};

/** Only printable characters of a peer's text reach the terminal. */
function clean(text: string): string {
  // One row per component: escapes for what a terminal acts on, a space for line breaks and tabs.
  return escapeControl(text).replace(/[\n\t]/g, ' ');
}

function shownState(component: ComponentHealth): ShownState {
  if (component.state !== 'degraded') return component.state;
  const levels = component.endpoints.map((e) => e.certificate?.level ?? 'ok');
  if (levels.some((l) => l === 'critical' || l === 'expired')) return 'critical';
  const answersDegraded = component.endpoints.some((e) => e.probes.some((p) => p.state === 'degraded' || p.state === 'down'));
  return !answersDegraded && levels.includes('warning') ? 'warning' : 'degraded';
}

/** An unknown row says it was not verified and, unless its reason already names a flag, which credential to give. */
function detailOf(component: ComponentHealth): string {
  const summary = clean(component.summary);
  if (component.state !== 'unknown') return summary;
  // The hint below says which credentials, so the summary's generic "(give credentials)" goes.
  const reason = summary.replace(/^not checked(: )?/, '').replace(/ \(give credentials\)$/, '');
  const hint = /--[a-z]/.test(reason) ? [] : [CREDENTIAL[component.component]];
  return `not verified: ${[...(reason ? [reason] : []), ...hint].join('; ')}`;
}

export function renderHealthTable(report: HealthReport, options: { color?: boolean; width?: number } = {}): string {
  const paint = (state: ShownState, text: string) => (options.color ? `${COLOURS[state]}${text}\x1b[0m` : text);
  const nodeWidth = Math.max(4, ...report.nodes.map((n) => n.name.length));
  const compWidth = Math.max(9, ...report.nodes.flatMap((n) => n.components.map((c) => c.component.length)));
  // A terminal gets lines that fit; a pipe or a file gets every word.
  const width = options.width ?? Number.POSITIVE_INFINITY;
  const lines = [`${'NODE'.padEnd(nodeWidth)}  ${'COMPONENT'.padEnd(compWidth)}  ${'STATE'.padEnd(8)}  DETAIL`];
  const counts = new Map<ShownState, number>();
  for (const node of report.nodes) {
    node.components.forEach((component, i) => {
      const state = shownState(component);
      counts.set(state, (counts.get(state) ?? 0) + 1);
      const head = `${(i === 0 ? node.name : '').padEnd(nodeWidth)}  ${component.component.padEnd(compWidth)}  `;
      const detail = detailOf(component);
      const room = Math.max(20, width - head.length - 10);
      lines.push(`${head}${paint(state, state.padEnd(8))}  ${detail.length > room ? `${detail.slice(0, room - 1)}…` : detail}`);
    });
  }
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  if (total === 0) return [`no component answered (checked ${report.checkedAt})`, ...report.notes.map((n) => `note: ${clean(n)}`)].join('\n') + '\n';
  lines.push('');
  const label = (s: ShownState) => `${counts.get(s)} ${s}${s === 'unknown' ? ' (not verified)' : ''}`;
  lines.push(
    `${report.nodes.length} node${report.nodes.length === 1 ? '' : 's'}, ${total} component${total === 1 ? '' : 's'}: ` +
      ORDER.filter((s) => (counts.get(s) ?? 0) > 0).map((s) => paint(s, label(s))).join(', ') +
      ` (checked ${report.checkedAt} in ${report.durationMs} ms)`,
  );
  for (const note of report.notes) lines.push(`note: ${clean(note)}`);
  return lines.join('\n') + '\n';
}
