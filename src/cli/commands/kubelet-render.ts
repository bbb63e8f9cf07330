// How `kia kubelet` shows what kubelets answered: kubectl-like pod tables, objects as JSON or YAML, per-node blocks,
// and Prometheus text filtered to chosen families. Pure functions over the answers, merged in node order.
import { stringify } from 'yaml';
import type { PodList } from '../../clients/kubelet.ts';

/** One kubelet's answer, labelled with its node. */
export interface NodeAnswer<T> {
  node: string;
  value: T;
}

function age(from: unknown, now: number): string {
  const t = typeof from === 'string' ? Date.parse(from) : NaN;
  if (Number.isNaN(t)) return '<unknown>';
  const s = Math.max(0, Math.floor((now - t) / 1000));
  const m = Math.floor(s / 60);
  const h = Math.floor(m / 60);
  const d = Math.floor(h / 24);
  if (s < 120) return `${s}s`;
  if (m < 10) return s % 60 ? `${m}m${s % 60}s` : `${m}m`;
  if (h < 3) return `${m}m`;
  if (h < 8) return m % 60 ? `${h}h${m % 60}m` : `${h}h`;
  if (d < 2) return `${h}h`;
  if (d < 8) return h % 24 ? `${d}d${h % 24}h` : `${d}d`;
  return d < 730 ? `${d}d` : `${Math.floor(d / 365)}y`;
}

export function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd((widths[i] ?? 0) + 3))).join('').trimEnd()).join('\n') + '\n';
}

type Pod = { metadata?: { name?: string; namespace?: string; deletionTimestamp?: string; creationTimestamp?: string | null }; spec?: { containers?: { name?: string }[] }; status?: { phase?: string; reason?: string; startTime?: string; containerStatuses?: { ready?: boolean; restartCount?: number; state?: { waiting?: { reason?: string }; terminated?: { reason?: string } } }[] } };

function podRow(pod: Pod, now: number, running: boolean): string[] {
  const m = pod.metadata ?? {};
  if (running) return [m.namespace ?? '', m.name ?? '', (pod.spec?.containers ?? []).map((c) => c.name ?? '').join(',')];
  const statuses = pod.status?.containerStatuses ?? [];
  const waiting = statuses.map((c) => c.state?.waiting?.reason ?? c.state?.terminated?.reason).find(Boolean);
  const status = m.deletionTimestamp ? 'Terminating' : (pod.status?.reason ?? waiting ?? pod.status?.phase ?? 'Unknown');
  const ready = `${statuses.filter((c) => c.ready).length}/${pod.spec?.containers?.length ?? statuses.length}`;
  const restarts = String(statuses.reduce((n, c) => n + (c.restartCount ?? 0), 0));
  return [m.namespace ?? '', m.name ?? '', ready, status, restarts, age(pod.status?.startTime ?? m.creationTimestamp, now)];
}

export function renderPods(answers: NodeAnswer<PodList>[], output: string, running: boolean, multi: boolean): string {
  if (output === 'json' || output === 'yaml') {
    const merged = multi ? { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: answers.flatMap((a) => a.value.items) } : answers[0]?.value;
    return output === 'json' ? `${JSON.stringify(merged, null, 2)}\n` : stringify(merged);
  }
  const now = Date.now();
  const head = running ? ['NAMESPACE', 'NAME', 'CONTAINERS'] : ['NAMESPACE', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'];
  const rows = answers.flatMap((a) => (a.value.items as Pod[]).map((p) => [...(multi ? [a.node] : []), ...podRow(p, now, running)]));
  if (rows.length === 0) return 'No pods.\n';
  return table([[...(multi ? ['NODE'] : []), ...head], ...rows]);
}

export function renderObject(answers: NodeAnswer<unknown>[], output: string | undefined, multi: boolean): string {
  const value = multi ? Object.fromEntries(answers.map((a) => [a.node, a.value])) : answers[0]?.value;
  return output === 'yaml' ? stringify(value) : `${JSON.stringify(value, null, 2)}\n`;
}

export function blocks<T>(answers: NodeAnswer<T>[], multi: boolean, show: (v: T) => string | Buffer): string | Buffer {
  if (!multi) return answers[0] ? show(answers[0].value) : '';
  return Buffer.concat(answers.flatMap((a, i) => [Buffer.from(`${i > 0 ? '\n' : ''}==> ${a.node} <==\n`), Buffer.from(show(a.value))]));
}

/** Keeps the HELP, TYPE and sample lines of the families whose names start with one of the prefixes. */
export function filterFamilies(text: string, prefixes: readonly string[]): string {
  if (prefixes.length === 0) return text;
  const kept = text.split('\n').filter((line) => {
    const name = /^# (?:HELP|TYPE) (\S+)/.exec(line)?.[1] ?? (line.startsWith('#') ? undefined : /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0]);
    return name !== undefined && prefixes.some((p) => name.startsWith(p));
  });
  return kept.length > 0 ? `${kept.join('\n')}\n` : '';
}
