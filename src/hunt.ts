// The hunting guide as one function: targets -> discover -> probe -> audit -> report. One way, plain data.
import { audit } from './audit/index.ts';
import { catalogPorts, scan } from './discover/scan.ts';
import type { OpenPort, Report, Target } from './model/index.ts';
import { probeAll, type ProbeOptions } from './probe/index.ts';
import { unansweredTargets } from './report/unanswered.ts';

export const VERSION = '0.1.0';

export type HuntPhase = 'discover' | 'probe';

/** The probe's own options pass through unchanged; the hunt adds where to look and its clock. */
export interface HuntOptions extends Pick<ProbeOptions, 'identities' | 'ca' | 'insecureSkipVerify' | 'active' | 'timeoutMs'> {
  /** Remote targets; empty with `local` means the node kia runs on. */
  targets: readonly Target[];
  /** Node-local discovery (/proc) instead of a connect scan. */
  local?: boolean;
  /** Extra ports besides the catalog's. */
  ports?: readonly number[];
  /** Connections in flight during the scan. */
  concurrency?: number;
  clock?: { now(): number };
  onProgress?: (phase: HuntPhase, done: number, total: number) => void;
}

async function discoverLocalPorts(ports: readonly number[], notes: string[]): Promise<OpenPort[]> {
  const { discoverLocal } = await import('./discover/local.ts');
  const found = await discoverLocal({});
  notes.push(...found.notes);
  const wanted = new Set(ports);
  const known = new Set(['etcd', 'kubelet', 'kube-apiserver', 'kube-controller', 'kube-controller-manager', 'kube-scheduler', 'kube-proxy', 'cloud-controller']);
  return found.ports.filter((p: OpenPort) => wanted.has(p.port) || (p.process && known.has(p.process.name)));
}

export async function hunt(options: HuntOptions): Promise<Report> {
  const clock = options.clock ?? { now: () => Date.now() };
  const startedAt = new Date(clock.now()).toISOString();
  const ports = [...new Set([...catalogPorts(), ...(options.ports ?? [])])].sort((a, b) => a - b);
  const notes: string[] = [];
  const open = options.local
    ? await discoverLocalPorts(ports, notes)
    : await scan(options.targets, { ports, ...(options.concurrency ? { concurrency: options.concurrency } : {}), ...(options.onProgress ? { onProgress: (d, t) => options.onProgress?.('discover', d, t) } : {}) });
  const silent = unansweredTargets(options.targets, new Set(open.map((p) => p.address)));
  notes.push(...silent.notes);
  const { identities, ca, insecureSkipVerify, active, timeoutMs } = options;
  const endpoints = await probeAll(open, { identities, ca, insecureSkipVerify, active, timeoutMs, onProgress: (d, t) => options.onProgress?.('probe', d, t) });
  endpoints.sort((a, b) => a.address.localeCompare(b.address, undefined, { numeric: true }) || a.port - b.port);
  const findings = audit(endpoints, { now: clock.now(), active: options.active === true });
  const targets = options.local ? [{ host: 'localhost', address: '127.0.0.1', source: 'local' as const }] : [...options.targets];
  return {
    schema: 'kia.report/v1',
    tool: { name: 'kia', version: VERSION },
    startedAt,
    finishedAt: new Date(clock.now()).toISOString(),
    scope: { targets, ports, identities: ['anonymous', ...(options.identities ?? []).map((i) => i.name)], active: options.active === true },
    endpoints,
    findings,
    notes,
    ...(silent.unanswered && { unanswered: silent.unanswered }),
  };
}
