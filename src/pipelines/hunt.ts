// The hunting guide as one function: targets -> discover -> probe -> audit -> report. One way, plain data.
import { audit } from '../audit/index.ts';
import { execAccess, partialNodesProxyGrants } from '../audit/exec-access.ts';
import type { CisOptions } from '../audit/cis/index.ts';
import { componentOfProcess } from '../catalog/index.ts';
import type { Identity } from '../clients/identity.ts';
import { Transport } from '../clients/transport/transport.ts';
import type { Trust } from '../clients/transport/trust.ts';
import { catalogPorts, scan } from '../discover/scan.ts';
import type { DiscoverLocalOptions, LocalDiscovery } from '../discover/local.ts';
import { pool } from '../concurrency.ts';
import { compareNatural, type EndpointObservation, type OpenPort, type Report, type Target } from '../model/index.ts';
import { prober, proveExec, type Prober } from '../probe/index.ts';
import type { Secrets } from '../redact.ts';
import { unansweredTargets } from '../report/unanswered.ts';

export const VERSION = '0.1.0';

export type HuntPhase = 'discover' | 'probe';

export interface HuntOptions {
  /** Remote targets; empty with `local` means the node kia runs on. */
  targets: readonly Target[];
  /** Node-local discovery (/proc) instead of a connect scan. */
  local?: boolean;
  /** With `local`: where the host's /proc and / are (a pod's mounts; default /proc and /). */
  hostRoots?: DiscoverLocalOptions;
  /** With `local`: what a discovery of this node already found (the agent's, shared with its health cycle). */
  discovered?: LocalDiscovery;
  /** Extra ports besides the catalog's. */
  ports?: readonly number[];
  /** Identities besides anonymous. */
  identities?: readonly Identity[];
  trust?: Trust;
  /** Harmless acting checks: `id` through the kubelet's /run, and over the /exec upgrade as each identity KIA-KUBELET-007 names. */
  active?: boolean;
  /** Ask the catalog's read routes as each identity (default); off: name what answers and stop there. */
  accessMatrix?: boolean;
  /** Per request, dial to last byte (default 5 s). */
  timeoutMs?: number;
  /** Connections in flight during the scan. */
  concurrency?: number;
  /** The overall deadline: what is done by then is reported. */
  signal?: AbortSignal;
  /** Every secret the run holds, scrubbed from what peers return. */
  secrets?: Secrets;
  clock?: { now(): number };
  /** Judge the CIS Kubernetes Benchmark items kia can prove, into the report's `cis` section. */
  cis?: CisOptions;
  onProgress?: (phase: HuntPhase, done: number, total: number) => void;
}

async function discoverLocalPorts(ports: readonly number[], notes: string[], options: HuntOptions): Promise<OpenPort[]> {
  const { discoverLocal } = await import('../discover/local.ts');
  const found = options.discovered ?? (await discoverLocal(options.hostRoots ?? {}));
  notes.push(...found.notes);
  const wanted = new Set(ports);
  return found.ports.filter((p: OpenPort) => wanted.has(p.port) || (p.process && componentOfProcess(p.process.name)));
}

/** A scan still going after this long waits on silent hosts, not on the CPU: the probe starts beside it. */
const SCAN_ALONE_MS = 500;

/**
 * The connect scan, each open port handed to the probe. A scan over a quick network is CPU work that probing beside it
 * would only slow, so what it finds in its first half second is held; past that it waits on silent hosts (each
 * attempt up to 1.5 s), and the ports found so far and from then on are probed while it goes on.
 */
async function scanInto(probing: Prober, ports: readonly number[], options: HuntOptions): Promise<void> {
  const held: OpenPort[] = [];
  let holding = true;
  const release = () => {
    holding = false;
    for (const open of held.splice(0)) probing.add(open);
  };
  const timer = setTimeout(release, SCAN_ALONE_MS);
  try {
    await scan(options.targets, {
      ports,
      onOpen: (open) => (holding ? held.push(open) : probing.add(open)),
      ...(options.concurrency ? { concurrency: options.concurrency } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress ? { onProgress: (d, t) => options.onProgress?.('discover', d, t) } : {}),
    });
  } finally {
    clearTimeout(timer);
    release();
  }
  // Where the probe stands once the scan is over (it may have finished every port found already).
  const { done, total } = probing.progress();
  options.onProgress?.('probe', done, total);
}

/** Each address's endpoints, once: the nodes/proxy reading looks across a host's ports (1,000 nodes: 2,500 endpoints). */
function byHost(endpoints: readonly EndpointObservation[]): Map<string, EndpointObservation[]> {
  const hosts = new Map<string, EndpointObservation[]>();
  for (const e of endpoints) {
    const same = hosts.get(e.address);
    if (same) same.push(e);
    else hosts.set(e.address, [e]);
  }
  return hosts;
}

/**
 * `--active`, a second step between the probe and the audit: on each kubelet, the identities KIA-KUBELET-007 names
 * (read from the whole probe, as the rule reads it: a kubelet's version may come from a neighbour on its host) run
 * `id` over the WebSocket upgrade their get nodes/proxy allows; the proofs join that kubelet's access matrix.
 */
async function proveNodesProxyExec(endpoints: EndpointObservation[], hosts: Map<string, EndpointObservation[]>, options: { transport: Transport; identities: readonly Identity[]; trust?: Trust }): Promise<void> {
  const due = endpoints.flatMap((e) => {
    const prove = partialNodesProxyGrants(e, hosts.get(e.address) ?? [e]).map((r) => r.identity);
    return prove.length ? [{ e, prove }] : [];
  });
  await pool(due, 8, async ({ e, prove }) => {
    const proof = await proveExec(e, { transport: options.transport, identities: options.identities, prove, ...(options.trust ? { trust: options.trust } : {}) });
    e.routes.push(...proof.routes);
    e.errors.push(...proof.errors);
  }, options.transport.signal);
}

export async function hunt(options: HuntOptions): Promise<Report> {
  const clock = options.clock ?? { now: () => Date.now() };
  const startedAt = new Date(clock.now()).toISOString();
  const ports = [...new Set([...catalogPorts(), ...(options.ports ?? [])])].sort((a, b) => a - b);
  const notes: string[] = [];
  const transport = new Transport({ keepAlive: true, timeoutMs: options.timeoutMs ?? 5000, ...(options.signal ? { signal: options.signal } : {}), ...(options.secrets ? { secrets: options.secrets } : {}) });
  try {
    const probing = prober({
      transport,
      purpose: options.accessMatrix === false ? 'identify' : 'hunt',
      ...(options.identities ? { identities: options.identities } : {}),
      ...(options.trust ? { trust: options.trust } : {}),
      active: options.active === true,
      onProgress: (d, t) => options.onProgress?.('probe', d, t),
    });
    if (options.local) for (const open of await discoverLocalPorts(ports, notes, options)) probing.add(open);
    else await scanInto(probing, ports, options);
    const endpoints = await probing.end();
    endpoints.sort((a, b) => compareNatural(a.address, b.address) || a.port - b.port);
    // A port that takes the TCP handshake and resets every connection at once answered nothing: whether the scan saw
    // the accept or the reset first is a race, so its host counts by what the probe heard.
    const heard = new Set(endpoints.filter((e) => e.scheme !== 'unknown' || e.routes.some((r) => r.outcome !== 'reset' && r.outcome !== 'refused')).map((e) => e.address));
    const silent = options.local ? undefined : unansweredTargets(options.targets, heard);
    if (silent) notes.push(...silent.notes);
    if (options.signal?.aborted) notes.push(`the overall deadline passed: ${endpoints.filter((e) => e.errors.some((x) => /deadline/.test(x))).length} of ${endpoints.length} endpoints were not probed to the end`);
    const hosts = byHost(endpoints);
    if (options.active && options.identities?.length) await proveNodesProxyExec(endpoints, hosts, { transport, identities: options.identities, ...(options.trust ? { trust: options.trust } : {}) });
    for (const e of endpoints) {
      const exec = execAccess(e, hosts.get(e.address) ?? [e]);
      if (exec.length) e.exec = exec;
    }
    const findings = audit(endpoints, { now: clock.now(), active: options.active === true });
    // Loaded only when asked: the CIS items are code a node's agent never runs (its memory target, issue 12).
    const cis = options.cis ? (await import('../audit/cis/index.ts')).cisAudit(endpoints, options.cis) : undefined;
    const targets = options.local ? [{ host: 'localhost', address: '127.0.0.1', source: 'local' as const }] : [...options.targets];
    return {
      schema: 'kia.report/v1',
      tool: { name: 'kia', version: VERSION },
      startedAt,
      finishedAt: new Date(clock.now()).toISOString(),
      scope: {
        targets,
        ports,
        identities: ['anonymous', ...(options.identities ?? []).map((i) => i.name)],
        active: options.active === true,
        ...(options.trust?.insecureSkipVerify ? { insecureSkipVerify: true } : {}),
      },
      endpoints,
      findings,
      notes,
      ...(silent?.unanswered ? { unanswered: silent.unanswered } : {}),
      ...(cis ? { cis } : {}),
    };
  } finally {
    transport.close();
  }
}
