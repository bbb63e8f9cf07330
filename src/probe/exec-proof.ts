// --active, after the probe: put KIA-KUBELET-007's inference to the test. For each identity it names on a kubelet, one
// harmless `id` over the WebSocket upgrade a get-only grant allows (a GET to /exec, stdin and tty off), within a
// deadline and a byte cap; what stdout said (scrubbed, capped) or why it did not run is the route's observation.
import { Writable } from 'node:stream';
import type { Identity } from '../clients/identity.ts';
import { exec } from '../clients/remote-command.ts';
import type { StreamResult, StreamTransport } from '../clients/stream.ts';
import { outcomeOf } from '../clients/transport/outcome.ts';
import type { Transport } from '../clients/transport/transport.ts';
import type { Trust } from '../clients/transport/trust.ts';
import { isPodRef, path as encodedPath, query } from '../clients/transport/url.ts';
import type { EndpointObservation, RouteObservation } from '../model/index.ts';
import { redactShapes } from '../redact.ts';

export interface ExecProofOptions {
  transport: Transport;
  /** Every identity of the run: the pod list is read as the first one the kubelet lets read /pods. */
  identities: readonly Identity[];
  /** The names of the identities to prove (what KIA-KUBELET-007 names on this kubelet). */
  prove: readonly string[];
  trust?: Trust;
}

/** The route id the proof is recorded under (the catalog's WebSocket exec route). */
const ROUTE = 'kubelet.api.exec';
/** stdout kept from `id`: a line of a few hundred bytes; a peer that sends more is cut here. */
const OUTPUT_CAP = 4 << 10;
const SAMPLE_BYTES = 512;
/** The kubelet's pod list read to choose a container (shared with the /run check). */
export const PODLIST_CAP = 4 << 20;

export interface PodRef {
  namespace: string;
  pod: string;
  container: string;
}

/** The first pod of a PodList that names a namespace and a container, as the peer spelled them (unchecked). */
export function firstContainer(body: Buffer): PodRef | undefined {
  try {
    const list = JSON.parse(body.toString('utf8')) as { items?: { metadata?: { name?: unknown; namespace?: unknown }; spec?: { containers?: { name?: unknown }[] } }[] };
    for (const item of list.items ?? []) {
      const [pod, namespace, container] = [item.metadata?.name, item.metadata?.namespace, item.spec?.containers?.[0]?.name];
      if (typeof pod === 'string' && typeof namespace === 'string' && typeof container === 'string') return { namespace, pod, container };
    }
  } catch {
    // Not a PodList after all.
  }
  return undefined;
}

function namesOf(endpoint: EndpointObservation): string[] {
  const node = endpoint.target.node;
  return node && node !== endpoint.address ? [node] : [];
}

/** A pod to run `id` in, from the kubelet's own list, read as the first identity it showed /pods to. */
async function podToTry(endpoint: EndpointObservation, options: ExecProofOptions): Promise<PodRef | string> {
  const reader = options.identities.find((i) => endpoint.routes.some((r) => r.path === '/pods' && r.identity === i.name && r.status === 200));
  if (!reader) return 'no identity may read /pods to choose a container';
  const listing = await options.transport.exchange({
    url: { scheme: 'https', host: endpoint.address, port: endpoint.port, path: '/pods' },
    identity: reader,
    trust: options.trust ?? {},
    mode: 'survey',
    names: namesOf(endpoint),
    maxBytes: PODLIST_CAP,
  });
  const target = listing.status === 200 ? firstContainer(listing.body) : undefined;
  if (!target) return `no container in the pod list read as ${reader.name}`;
  if (!isPodRef(target)) return `not running id in ${JSON.stringify(`${target.namespace}/${target.pod}/${target.container}`).slice(0, 120)}: not valid Kubernetes names`;
  return target;
}

/**
 * Where the upgrade goes and how the served certificate is judged, by the run's one trust policy in survey mode: a
 * client certificate may go to any TLS server (it proves nothing without its key), a bearer token only to one that
 * verified against the CA given (or with verification turned off on purpose).
 */
function streamTransport(endpoint: EndpointObservation, identity: Identity, trust: Trust): StreamTransport {
  const leaf = endpoint.tls?.chain[0];
  const servername = trust.serverName ?? namesOf(endpoint).find((n) => leaf?.dnsNames.includes(n));
  const skip = trust.insecureSkipVerify === true || identity.token === undefined;
  return { kind: 'kubelet', host: endpoint.address, port: endpoint.port, ...(trust.ca ? { ca: trust.ca } : {}), ...(skip ? { insecureSkipVerify: true } : {}), ...(servername ? { servername } : {}) };
}

/** One `id` over the upgrade as `identity`, recorded as the exec route's observation. */
async function runId(endpoint: EndpointObservation, identity: Identity, target: PodRef, options: ExecProofOptions): Promise<RouteObservation> {
  const path = `${encodedPath('/exec/{namespace}/{pod}/{container}', { ...target })}${query([['command', 'id'], ['output', '1']])}`;
  const started = performance.now();
  const chunks: Buffer[] = [];
  let size = 0;
  // The whole proof ends at the run's per-request deadline, at the run's overall deadline, or at the byte cap.
  const stop = new AbortController();
  let why: 'deadline' | 'cap' | 'run' | undefined;
  const end = (reason: 'deadline' | 'cap' | 'run') => {
    why ??= reason;
    stop.abort();
  };
  const timer = setTimeout(() => end('deadline'), options.transport.timeoutMs);
  const onRunAbort = () => end('run');
  options.transport.signal?.addEventListener('abort', onRunAbort, { once: true });
  if (options.transport.signal?.aborted) end('run');
  const stdout = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (size < OUTPUT_CAP) chunks.push(chunk.subarray(0, OUTPUT_CAP - size));
      size += chunk.length;
      if (size > OUTPUT_CAP) end('cap');
      done();
    },
  });
  let result: StreamResult;
  try {
    result = await exec({ transport: streamTransport(endpoint, identity, options.trust ?? {}), identity, ns: target.namespace, pod: target.pod, container: target.container, command: ['id'], stdout, deadlineMs: options.transport.timeoutMs, signal: stop.signal });
  } finally {
    clearTimeout(timer);
    options.transport.signal?.removeEventListener('abort', onRunAbort);
  }
  const scrub = (text: string) => redactShapes(options.transport.secrets.scrub(text)).slice(0, SAMPLE_BYTES);
  const observation: RouteObservation = { route: ROUTE, method: 'GET', path, identity: identity.name, outcome: 'ok', durationMs: Math.round(performance.now() - started) };
  if (result.outcome === 'refused') {
    observation.status = result.httpStatus ?? 0;
    if (result.body) observation.bodySample = scrub(result.body);
    return observation;
  }
  if (result.outcome === 'down') {
    const failure = outcomeOf(Object.assign(new Error(result.error ?? 'no answer'), { code: result.code }));
    const outcome = why === 'run' ? 'aborted' : why === 'deadline' || result.timedOut ? 'timeout' : failure.outcome;
    return { ...observation, outcome, detail: scrub(why === 'deadline' ? `no answer within ${options.transport.timeoutMs} ms` : failure.detail) };
  }
  observation.status = 101;
  const output = Buffer.concat(chunks).toString('utf8');
  if (output) observation.bodySample = scrub(output);
  if (why === 'cap') observation.detail = `stdout cut at ${OUTPUT_CAP} bytes`;
  else if (why === 'deadline' || why === 'run') observation.outcome = why === 'run' ? 'aborted' : 'timeout';
  else if (result.outcome === 'broken') observation.outcome = 'bad-answer';
  if (result.outcome === 'broken' && result.error) observation.detail = scrub(result.error);
  else if (result.exitCode !== undefined && result.exitCode !== 0) observation.detail = `id exited ${result.exitCode}`;
  return observation;
}

/** The exec proofs of one kubelet, one per identity to prove; what kept them from running goes to the errors. */
export async function proveExec(endpoint: EndpointObservation, options: ExecProofOptions): Promise<{ routes: RouteObservation[]; errors: string[] }> {
  const who = options.prove.flatMap((name) => options.identities.filter((i) => i.name === name));
  if (who.length === 0) return { routes: [], errors: [] };
  const target = await podToTry(endpoint, options);
  if (typeof target === 'string') return { routes: [], errors: [`--active: exec not proven: ${target}`] };
  const routes: RouteObservation[] = [];
  for (const identity of who) routes.push(await runId(endpoint, identity, target, options));
  return { routes, errors: [] };
}
