// Open ports -> observations: scheme, TLS facts and client-certificate policy, fingerprint, and the catalog's read
// routes as each identity. Facts only: verdicts are the audit's.
import { getComponent, routesFor } from '../catalog/index.ts';
import { contextFor, EndpointClient, type EndpointResponse } from '../clients/endpoint-client.ts';
import type { SecureContext } from 'node:tls';
import type { Identity } from '../clients/identity.ts';
import { dialTls } from '../clients/tls.ts';
import type { EndpointObservation, OpenPort, RouteObservation, TlsObservation } from '../model/index.ts';
import { clientCertContexts, detectClientCertPolicy } from './client-cert.ts';
import { fingerprint } from './fingerprint.ts';
import { sample } from './redact.ts';
import { pool } from '../discover/scan.ts';

export interface ProbeOptions {
  /** Identities besides anonymous (which is always tried first). */
  identities?: readonly Identity[];
  /** CA bundle the served chains are verified against (recorded, and required before a token is sent). */
  ca?: string;
  /** Send bearer tokens to servers whose certificate did not verify against `ca`. */
  insecureSkipVerify?: boolean;
  /** Send acting requests (harmless ones: `id` through /run). */
  active?: boolean;
  timeoutMs?: number;
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
  /** TLS contexts shared by every connection of a run (probeAll builds them once). */
  contexts?: RunContexts;
}

export interface RunContexts {
  identities: Map<Identity, SecureContext>;
  policy: ReturnType<typeof clientCertContexts>;
  plain: SecureContext;
}

export function runContexts(identities: readonly Identity[]): RunContexts {
  const anonymous = contextFor({ name: 'anonymous' });
  return { identities: new Map(identities.map((i) => [i, contextFor(i)])), policy: clientCertContexts(), plain: anonymous };
}

// Asked in two rounds: most components are named by the first; the second only when the first left doubt.
const FINGERPRINT_FIRST = ['/version', '/pods', '/healthz', '/health'] as const;
const FINGERPRINT_SECOND = ['/healthz?verbose', '/proxyMode', '/members', '/livez', '/metrics'] as const;
const BODY_CAP = 64 << 10;

interface Caller {
  identity: Identity;
  client: EndpointClient;
}

async function call(_base: string, caller: Caller, method: string, path: string, route: string, _options: ProbeOptions): Promise<{ observation: RouteObservation; response: EndpointResponse }> {
  const started = performance.now();
  const response = await caller.client.request(method, path);
  const observation: RouteObservation = {
    route,
    method,
    path,
    identity: caller.identity.name,
    outcome: response.outcome === 'too-large' ? 'ok' : response.outcome,
    durationMs: Math.round((performance.now() - started) * 10) / 10,
  };
  if (response.status !== undefined) observation.status = response.status;
  const type = response.headers?.['content-type'];
  if (type) observation.contentType = type;
  if (response.body.length > 0) observation.bodySample = sample(response.body);
  return { observation, response };
}

async function tlsFacts(port: OpenPort, options: ProbeOptions): Promise<TlsObservation | undefined> {
  const facts = await dialTls({ host: port.address, port: port.port, ca: options.ca, timeoutMs: options.timeoutMs ?? 5000, ...(options.contexts ? { secureContext: options.contexts.plain } : {}) });
  if (facts.outcome !== 'ok' && facts.outcome !== 'tls-error') return undefined;
  const policy = await detectClientCertPolicy({ host: port.address, port: port.port, timeoutMs: options.timeoutMs ?? 5000, ...(options.contexts ? { contexts: options.contexts.policy } : {}) });
  // A handshake refused for want of a client certificate is still TLS (etcd with TLS 1.2 only).
  if (facts.outcome !== 'ok' && policy.policy !== 'required') return undefined;
  const tls: TlsObservation = { protocol: facts.protocol ?? null, alpn: facts.alpn ?? false, chain: facts.chain, clientCert: policy.policy, clientCertEvidence: policy.evidence };
  if (options.ca) {
    tls.verified = facts.verified ?? false;
    if (facts.verifyError) tls.verifyError = facts.verifyError;
  }
  if (policy.acceptableCAs?.length) tls.acceptableCAs = policy.acceptableCAs;
  return tls;
}

/** Whether a bearer token may be sent to this endpoint: never to a server we could not verify, unless told. */
function mayUse(identity: Identity, tls: TlsObservation | undefined, options: ProbeOptions): boolean {
  if (!identity.token) return true;
  return tls?.verified === true || options.insecureSkipVerify === true;
}

function routePaths(component: EndpointObservation['fingerprint']['component'], portName: string | undefined, version: string | undefined): { id: string; path: string }[] {
  if (component === 'unknown' || !portName) return [];
  let routes;
  try {
    const minor = version ? /(\d+\.\d+)/.exec(version)?.[1] : undefined;
    routes = minor && component !== 'etcd' ? routesFor(component, portName, minor) : getComponent(component).ports.concat(getComponent(component).removedPorts ?? []).find((p) => p.name === portName)?.routes ?? [];
  } catch {
    return [];
  }
  return routes
    .filter((r) => r.mode === 'read' && (r.methods.includes('GET') || r.methods.includes('*')) && !r.path.includes('{') && !r.streaming)
    .map((r) => ({ id: r.id, path: r.path.endsWith('*') ? r.path.slice(0, -1) : r.path }))
    .concat(component !== 'etcd' ? [{ id: `${component}.${portName}.pprof-cmdline`, path: '/debug/pprof/cmdline' }] : [])
    .filter((r, i, all) => all.findIndex((o) => o.path === r.path) === i)
    .slice(0, 32);
}

export async function probeEndpoint(port: OpenPort, options: ProbeOptions = {}): Promise<EndpointObservation> {
  const tls = await tlsFacts(port, options);
  const host = port.address.includes(':') ? `[${port.address}]` : port.address;
  const base = `${tls ? 'https' : 'http'}://${host}:${port.port}`;
  // One keep-alive connection per identity: requests queue on it instead of paying a handshake each.
  const client = (identity: Identity) => {
    const secureContext = identity.name === 'anonymous' ? options.contexts?.plain : options.contexts?.identities.get(identity);
    return new EndpointClient({ origin: base, identity, timeoutMs: options.timeoutMs ?? 5000, maxBytes: BODY_CAP, ...(secureContext ? { secureContext } : {}) });
  };
  const callers: Caller[] = [{ identity: { name: 'anonymous' }, client: client({ name: 'anonymous' }) }];
  for (const identity of options.identities ?? []) if (mayUse(identity, tls, options)) callers.push({ identity, client: client(identity) });
  const observation: EndpointObservation = {
    target: port.target,
    address: port.address,
    port: port.port,
    scheme: tls ? 'https' : 'unknown',
    outcome: 'open',
    fingerprint: { component: 'unknown', confidence: 'low', evidence: [] },
    routes: [],
    exposure: port.bindAddress ? (/^(127\.|::1$|::ffff:127\.)/.test(port.bindAddress) ? 'loopback' : 'network') : port.target.source === 'local' ? 'unknown' : 'network',
    errors: [],
  };
  if (tls) observation.tls = tls;
  if (port.bindAddress) observation.bindAddress = port.bindAddress;
  if (port.process) observation.process = port.process;
  try {
    const answers = new Map<string, RouteObservation>();
    const first = await call(base, callers[0] as Caller, 'GET', '/version', 'probe:version', options);
    if (!tls && first.response.outcome === 'ok') observation.scheme = 'http';
    if (!tls && first.response.outcome !== 'ok') {
      observation.errors.push(`not TLS and no HTTP answer: ${first.response.error ?? first.response.outcome}`);
      observation.routes.push(first.observation);
      return observation;
    }
    answers.set('/version', first.observation);
    const ask = async (paths: readonly string[]) => {
      const got = await Promise.all(paths.map((path) => call(base, callers[0] as Caller, 'GET', path, `probe:${path}`, options)));
      got.forEach((r, i) => answers.set(paths[i] as string, r.observation));
    };
    await ask(FINGERPRINT_FIRST.slice(1));
    const early = fingerprint({ scheme: observation.scheme, port: port.port, ...(tls ? { tls } : {}), answers });
    if (early.confidence !== 'high' || early.component === 'etcd') await ask(FINGERPRINT_SECOND);
    // A port that refuses anonymous TLS clients (etcd) may still answer an identity that has a certificate.
    if (first.response.outcome !== 'ok') {
      for (const caller of callers.slice(1)) {
        const again = await call(base, caller, 'GET', '/version', 'probe:version', options);
        if (again.response.outcome === 'ok') {
          answers.set('/version', again.observation);
          if (again.response.status === 200 && again.observation.bodySample?.includes('etcdserver')) answers.set('/members', (await call(base, caller, 'GET', '/members', 'probe:/members', options)).observation);
          break;
        }
      }
    }
    observation.fingerprint = fingerprint({ scheme: observation.scheme, port: port.port, ...(tls ? { tls } : {}), answers });
    observation.routes.push(...answers.values());
    const { component, port: portName, version } = observation.fingerprint;
    const paths = routePaths(component, portName, version);
    // Anonymous answers the fingerprint already has are not asked again: the observation is relabelled with the route.
    const asked = (caller: Caller, path: string) => (caller === callers[0] ? answers.get(path) : undefined);
    // Over plain HTTP a credential changes nothing a component checks: only anonymous is asked.
    const askers = observation.scheme === 'https' ? callers : callers.slice(0, 1);
    const jobs = askers.flatMap((caller) => paths.filter((p) => !asked(caller, p.path)).map((p) => ({ caller, ...p })));
    const results = await pool(jobs, 8, (job) => call(base, job.caller, 'GET', job.path, job.id, options));
    for (const p of paths) {
      const known = asked(callers[0] as Caller, p.path);
      if (known) known.route = p.id;
    }
    observation.routes.push(...results.map((r) => r.observation));
    if (options.active && component === 'kubelet') observation.routes.push(...(await activeRun(base, callers, answers, results, options)));
  } catch (error) {
    observation.errors.push(error instanceof Error ? error.message : String(error));
  } finally {
    await Promise.all(callers.map((caller) => caller.client.close()));
  }
  return observation;
}

/** `--active`: `id` through /run in the first pod the kubelet lists, as the first identity allowed to read pods. */
async function activeRun(base: string, callers: Caller[], answers: Map<string, RouteObservation>, results: { observation: RouteObservation; response: EndpointResponse }[], options: ProbeOptions): Promise<RouteObservation[]> {
  const out: RouteObservation[] = [];
  for (const caller of callers) {
    const pods = caller.identity.name === 'anonymous' ? answers.get('/pods') : results.find((r) => r.observation.path === '/pods' && r.observation.identity === caller.identity.name)?.observation;
    if (pods?.status !== 200) continue;
    const listing = await call(base, caller, 'GET', '/pods', 'probe:/pods', options);
    const match = /"name":"([^"]+)","namespace":"([^"]+)"[\s\S]*?"containers":\[\{"name":"([^"]+)"/.exec(listing.response.body.toString());
    if (!match) continue;
    const [, pod, namespace, container] = match;
    const run = await call(base, caller, 'POST', `/run/${namespace}/${pod}/${container}?cmd=id`, 'kubelet.api.run', options);
    out.push(run.observation);
    break;
  }
  return out;
}

export async function probeAll(ports: readonly OpenPort[], options: ProbeOptions = {}): Promise<EndpointObservation[]> {
  let done = 0;
  const shared = { ...options, contexts: options.contexts ?? runContexts(options.identities ?? []) };
  return pool(ports, options.concurrency ?? 128, async (port) => {
    const result = await probeEndpoint(port, shared);
    options.onProgress?.(++done, ports.length);
    return result;
  });
}
