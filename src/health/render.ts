// The health table: one row per node and component, grouped by node; details of what failed beneath.
import type { HealthReport, HealthState } from '../model/index.ts';

const COLOURS: Record<HealthState, string> = { healthy: '\x1b[32m', degraded: '\x1b[33m', down: '\x1b[31m', unknown: '\x1b[90m' };

/** Only printable characters of a peer's text reach the terminal. */
function clean(text: string): string {
  // eslint-disable-next-line no-control-regex -- stripping control characters is the point
  return text.replace(/[\x00-\x1f\x7f-\x9f]/g, ' ');
}

export function renderHealthTable(report: HealthReport, options: { color?: boolean; width?: number } = {}): string {
  const paint = (state: HealthState, text: string) => (options.color ? `${COLOURS[state]}${text}\x1b[0m` : text);
  const nodeWidth = Math.max(4, ...report.nodes.map((n) => n.name.length));
  const compWidth = Math.max(9, ...report.nodes.flatMap((n) => n.components.map((c) => c.component.length)));
  // A terminal gets lines that fit; a pipe or a file gets every word.
  const width = options.width ?? Number.POSITIVE_INFINITY;
  const lines = [`${'NODE'.padEnd(nodeWidth)}  ${'COMPONENT'.padEnd(compWidth)}  ${'STATE'.padEnd(8)}  DETAIL`];
  const counts: Record<HealthState, number> = { healthy: 0, degraded: 0, down: 0, unknown: 0 };
  for (const node of report.nodes) {
    node.components.forEach((component, i) => {
      counts[component.state]++;
      const head = `${(i === 0 ? node.name : '').padEnd(nodeWidth)}  ${component.component.padEnd(compWidth)}  `;
      const detail = clean(component.summary);
      const room = Math.max(20, width - head.length - 10);
      lines.push(`${head}${paint(component.state, component.state.padEnd(8))}  ${detail.length > room ? `${detail.slice(0, room - 1)}…` : detail}`);
    });
  }
  const total = counts.healthy + counts.degraded + counts.down + counts.unknown;
  if (total === 0) return [`no component answered (checked ${report.checkedAt})`, ...report.notes.map((n) => `note: ${clean(n)}`)].join('\n') + '\n';
  lines.push('');
  lines.push(
    `${report.nodes.length} node${report.nodes.length === 1 ? '' : 's'}, ${total} component${total === 1 ? '' : 's'}: ` +
      (['healthy', 'degraded', 'down', 'unknown'] as const).filter((s) => counts[s] > 0).map((s) => paint(s, `${counts[s]} ${s}`)).join(', ') +
      ` (checked ${report.checkedAt} in ${report.durationMs} ms)`,
  );
  for (const note of report.notes) lines.push(`note: ${clean(note)}`);
  return lines.join('\n') + '\n';
}
