// Endpoints -> observations, the one probe pass for the hunt and for health: how the port speaks (TLS facts and the
// client-certificate policy), who answers (the fingerprint, from answers, never from the port number), then either the
// access matrix (the catalog's read routes, anonymously and as each identity) or the health routes, as the identity
// each needs. Every request goes through the run's transport. Facts only: verdicts are the audit's and health's.
import { findPortByNumber, getRoute } from '../catalog/index.ts';
import type { Identity } from '../clients/identity.ts';
import { detectClientCertPolicy, clientCertContexts } from '../clients/transport/client-cert.ts';
import { spokePlainHttp } from '../clients/transport/outcome.ts';
import { probeTlsPosture, weakSuiteHello } from '../clients/transport/tls-posture.ts';
import type { Exchange, Transport } from '../clients/transport/transport.ts';
import type { Trust } from '../clients/transport/trust.ts';
import { path as encodedPath, query, isPodRef } from '../clients/transport/url.ts';
import { feed, pool, type Feed } from '../concurrency.ts';
import { answered, type EndpointObservation, type Fingerprint, type OpenPort, type RouteObservation, type TlsObservation } from '../model/index.ts';
import { redactShapes } from '../redact.ts';
import { firstContainer, PODLIST_CAP } from './exec-proof.ts';
import { CONFIRMING, firstQuestionOf, fingerprint } from './fingerprint.ts';
import type { ProbeMemory } from './memory.ts';
import { accessRoutes, askersFor, FINGERPRINT_FIRST, FINGERPRINT_SECOND, healthRoutes, keepsBody } from './plan.ts';

export { ProbeMemory } from './memory.ts';
export { proveExec, type ExecProofOptions } from './exec-proof.ts';
export { healthRoutes, catalogScheme, accessRoutes, touchesActing } from './plan.ts';

export interface ProbeOptions {
  transport: Transport;
  /** Identities besides anonymous, in the order they are tried. */
  identities?: readonly Identity[];
  trust?: Trust;
  /**
   * `hunt`: TLS facts, fingerprint, access matrix. `identify`: TLS facts and fingerprint only. `health`: fingerprint
   * (when due) and the health routes.
   */
  purpose: 'hunt' | 'identify' | 'health';
  /** Harmless acting checks (`id` through a kubelet's /run). */
  active?: boolean;
  /** Endpoints probed at once. */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
  /** Kept across cycles by `kia serve`, `--watch` and the agent. */
  memory?: ProbeMemory;
  now?: () => number;
}

const SAMPLE_BYTES = 512;
const BODY_CAP = 64 << 10;
const PER_ENDPOINT = 8;

interface Ctx {
  endpoint: OpenPort;
  scheme: 'http' | 'https';
  /** Other names the endpoint's certificate may carry (the node's name). */
  names: string[];
  key: string;
  options: ProbeOptions;
  /** The run's access-matrix plans by component, port and version (the catalog is read once per kind of port). */
  plans: Map<string, { id: string; path: string }[]>;
}

function text(body: Buffer, max: number): string {
  const decoded = body.subarray(0, max).toString('utf8');
  return decoded.includes('\0') ? decoded.replaceAll('\0', ' ') : decoded;
}

interface Asked {
  observation: RouteObservation;
  exchange: Exchange;
}

/** One request, recorded as a route observation; the exchange comes along for the caller's own reading. */
async function ask(ctx: Ctx, identity: Identity | undefined, path: string, route: string, extra: { method?: string; certificate?: boolean; keepBody?: boolean; maxBytes?: number; check?: string } = {}): Promise<Asked> {
  const { endpoint, options } = ctx;
  // Repeated health probes resume TLS 1.2 sessions where the server takes TLS 1.2 (a cheaper resumption than 1.3's).
  const cheap = options.purpose === 'health' && ctx.scheme === 'https' && !extra.certificate && options.memory?.tls12(ctx.key) === true;
  const exchange = await options.transport.exchange({
    url: { scheme: ctx.scheme, host: endpoint.address, port: endpoint.port, path },
    method: extra.method ?? 'GET',
    ...(identity ? { identity } : {}),
    trust: options.trust ?? {},
    mode: 'survey',
    names: ctx.names,
    maxBytes: extra.maxBytes ?? BODY_CAP,
    ...(extra.certificate ? { certificate: true } : {}),
    ...(cheap ? { tlsVersions: { max: 'TLSv1.2' as const } } : {}),
  });
  // A server that refuses TLS 1.2, or that refuses our certificate by closing a TLS 1.2 handshake without an alert
  // (Node's TLS servers do; TLS 1.3 shows the refusal better): ask it as before, with TLS 1.3, from now on.
  const refused = /protocol version|unsupported protocol|no protocols available|version too low/i.test(exchange.detail ?? '');
  if (cheap && ((exchange.outcome === 'tls-error' && refused) || (identity?.cert !== undefined && (exchange.outcome === 'reset' || exchange.outcome === 'tls-error')))) {
    options.memory?.refusedTls12(ctx.key);
    return ask(ctx, identity, path, route, extra);
  }
  const observation: RouteObservation = { route, method: exchange.method, path, identity: exchange.identity, outcome: exchange.outcome, durationMs: exchange.durationMs };
  if (exchange.status !== undefined) observation.status = exchange.status;
  const type = exchange.headers['content-type'];
  if (type) observation.contentType = type;
  if (exchange.body.length > 0) {
    observation.bodySample = redactShapes(text(exchange.body, SAMPLE_BYTES));
    if (extra.keepBody) observation.body = text(exchange.body, BODY_CAP);
  }
  if (exchange.detail) observation.detail = exchange.detail;
  if (exchange.outcome === 'too-large') observation.capBytes = extra.maxBytes ?? BODY_CAP;
  if (extra.check) observation.check = extra.check;
  return { observation, exchange };
}

function keyOf(endpoint: OpenPort): string {
  return `${endpoint.address}|${endpoint.port}`;
}

function exposureOf(endpoint: OpenPort): EndpointObservation['exposure'] {
  if (endpoint.target.loopback) return 'loopback';
  if (endpoint.bindAddress) return /^(127\.|::1$|::ffff:127\.)/.test(endpoint.bindAddress) ? 'loopback' : 'network';
  return endpoint.target.source === 'local' ? 'unknown' : 'network';
}

function emptyObservation(endpoint: OpenPort): EndpointObservation {
  const observation: EndpointObservation = {
    target: endpoint.target,
    address: endpoint.address,
    port: endpoint.port,
    scheme: 'unknown',
    outcome: 'open',
    fingerprint: { component: 'unknown', confidence: 'low', evidence: [] },
    routes: [],
    exposure: exposureOf(endpoint),
    errors: [],
  };
  if (endpoint.bindAddress) observation.bindAddress = endpoint.bindAddress;
  if (endpoint.process) observation.process = endpoint.process;
  if (endpoint.expected) observation.expected = endpoint.expected;
  return observation;
}

/** TLS facts the first certificate-reading exchange showed, joined with the client-certificate policy. */
function tlsFrom(exchange: Exchange, base: Pick<TlsObservation, 'clientCert' | 'clientCertEvidence' | 'acceptableCAs'> & { alpn?: string | false }, trust: Trust): TlsObservation | undefined {
  const info = exchange.tls;
  if (!info) return undefined;
  const tls: TlsObservation = { protocol: info.protocol, alpn: base.alpn ?? info.alpn, chain: info.chain ?? [], clientCert: base.clientCert, clientCertEvidence: base.clientCertEvidence };
  if (trust.ca || trust.insecureSkipVerify) {
    tls.verified = info.verified;
    if (info.verifyError && !info.verified) tls.verifyError = info.verifyError;
  }
  if (trust.ca) tls.chainVerified = info.chainVerified;
  if (base.acceptableCAs?.length) tls.acceptableCAs = base.acceptableCAs;
  return tls;
}

/** The hunt's first question to a port: its usual tenant's own answer where that names it alone, else `/version`. */
function firstQuestion(port: number): { path: string; id: string } {
  const usual = findPortByNumber(port)[0];
  const path = usual ? firstQuestionOf(`${usual.component}/${usual.name}`) : undefined;
  return path ? { path, id: `probe:${path}` } : { path: '/version', id: 'probe:version' };
}

/**
 * Who answers: the fingerprint rounds, anonymously; an identity with a certificate where anonymous TLS is refused.
 * `asked`: the first question already asked (the hunt's, whose answer also decided the scheme and the
 * client-certificate policy), or else `/version`, health's first question: health keeps it before the usual tenant's
 * own answer, so that a port which answers `/version` as another component is that component.
 */
async function identify(ctx: Ctx, observation: EndpointObservation, answers: Map<string, RouteObservation>, certificate: boolean, asked?: Asked): Promise<Exchange | undefined> {
  const anonymousFirst = asked ?? (await ask(ctx, undefined, '/version', 'probe:version', { certificate }));
  let withChain: Exchange | undefined = anonymousFirst.exchange.tls?.chain ? anonymousFirst.exchange : undefined;
  answers.set(anonymousFirst.observation.path, anonymousFirst.observation);
  if (ctx.scheme === 'http' && !answered(anonymousFirst.observation.outcome)) {
    observation.errors.push(`no HTTP answer: ${anonymousFirst.observation.detail ?? anonymousFirst.observation.outcome}`);
    return withChain;
  }
  const round = async (paths: readonly string[]) => {
    const fresh = paths.filter((p) => !answers.has(p));
    const got = await Promise.all(fresh.map((p) => ask(ctx, undefined, p, `probe:${p}`)));
    got.forEach((r, i) => answers.set(fresh[i] as string, r.observation));
  };
  // Past the first answer the scheme is known (the observation's waits for the caller).
  const named = () => fingerprint({ scheme: ctx.scheme, port: ctx.endpoint.port, ...(observation.tls ? { tls: observation.tls } : {}), answers });
  // The port's usual tenant first: the answers that name it, and nothing more when they do.
  const usual = findPortByNumber(ctx.endpoint.port)[0];
  const confirming = usual ? CONFIRMING[`${usual.component}/${usual.name}`] : undefined;
  let early: Fingerprint | undefined;
  if (confirming) {
    await round(confirming);
    early = named();
    if (early.component !== usual?.component || early.port !== usual.name || early.confidence === 'low') early = undefined;
  }
  if (!early) {
    await round(FINGERPRINT_FIRST);
    early = named();
    if (early.confidence !== 'high' || early.component === 'etcd') await round(FINGERPRINT_SECOND);
  }
  // A port that refuses anonymous TLS clients (etcd) may still answer an identity that has a certificate.
  if (!answered(anonymousFirst.observation.outcome) && ctx.scheme === 'https') {
    for (const identity of (ctx.options.identities ?? []).filter((i) => i.cert)) {
      const again = await ask(ctx, identity, '/version', 'probe:version', { certificate: withChain === undefined });
      if (!answered(again.observation.outcome)) continue;
      withChain ??= again.exchange.tls?.chain ? again.exchange : undefined;
      answers.set('/version', again.observation);
      if (again.observation.status === 200 && again.observation.bodySample?.includes('etcdserver')) answers.set('/members', (await ask(ctx, identity, '/members', 'probe:/members')).observation);
      break;
    }
  }
  return withChain;
}

/** Go's answer to plain HTTP on a TLS port: the port speaks TLS. */
function sentToTls(exchange: Exchange): boolean {
  return exchange.status === 400 && exchange.body.includes('Client sent an HTTP request to an HTTPS server');
}

/** The hunt's pass over one endpoint. */
async function survey(ctx: Ctx, observation: EndpointObservation): Promise<void> {
  const { endpoint, options } = ctx;
  // The policy's CertificateRequest is decided by the first anonymous request, which the fingerprint then keeps.
  let first: Asked | undefined;
  const question = firstQuestion(endpoint.port);
  const anonymous = async () => {
    ctx.scheme = 'https';
    first = await ask(ctx, undefined, question.path, question.id, { certificate: true });
    return { outcome: first.observation.outcome, ...(first.observation.detail ? { detail: first.observation.detail } : {}) };
  };
  // A port the catalog knows as plain HTTP is asked in plain HTTP first: an HTTP answer settles its scheme without a
  // TLS hello (one connection less per port); any other answer (a TLS server's alert, or Go's 400 to plain HTTP) and
  // the port is asked as any other.
  if (findPortByNumber(endpoint.port)[0]?.scheme === 'http') {
    ctx.scheme = 'http';
    const plain = await ask(ctx, undefined, question.path, question.id);
    if (plain.exchange.status !== undefined && !sentToTls(plain.exchange)) first = plain;
  }
  const target = { host: endpoint.address, port: endpoint.port };
  const timeoutMs = options.transport.timeoutMs;
  const hunting = options.purpose === 'hunt';
  // The hunt asks the weak-suite question first: a server that takes one of those suites (Go's defaults do) has sent
  // its whole TLS 1.2 flight, CertificateRequest or none, and the policy needs no hello of its own.
  const weak = first || !hunting ? undefined : await weakSuiteHello(target, { timeoutMs });
  const policy = first ? undefined : await detectClientCertPolicy({ ...target, timeoutMs, contexts: ctx.options.transport.cache.policyContexts(clientCertContexts), anonymous, ...(weak ? { earlier: weak } : {}) });
  ctx.scheme = policy?.isTls ? 'https' : 'http';
  observation.scheme = ctx.scheme === 'https' ? 'https' : 'unknown';
  // Old versions: one more hand-written hello per TLS port, beside the fingerprint rounds.
  const posture = ctx.scheme === 'https' && hunting ? probeTlsPosture(target, { timeoutMs, ...(weak ? { weak } : {}) }) : undefined;
  const answers = new Map<string, RouteObservation>();
  const withChain = await identify(ctx, observation, answers, ctx.scheme === 'https', first);
  if (ctx.scheme === 'http' && answered(answers.get(question.path)?.outcome ?? 'error')) observation.scheme = 'http';
  if (ctx.scheme === 'https' && policy) {
    const tls = withChain ? tlsFrom(withChain, { clientCert: policy.policy, clientCertEvidence: policy.evidence, ...(policy.acceptableCAs ? { acceptableCAs: policy.acceptableCAs } : {}), ...(policy.alpn !== undefined ? { alpn: policy.alpn } : {}) }, options.trust ?? {}) : undefined;
    observation.tls = tls ?? { protocol: null, alpn: policy.alpn ?? false, chain: [], clientCert: policy.policy, clientCertEvidence: policy.evidence, ...(policy.acceptableCAs?.length ? { acceptableCAs: policy.acceptableCAs } : {}) };
    if (posture) observation.tls.posture = await posture;
  }
  observation.fingerprint = fingerprint({ scheme: observation.scheme, port: endpoint.port, ...(observation.tls ? { tls: observation.tls } : {}), answers });
  observation.routes.push(...answers.values());
  if (observation.scheme === 'unknown' || options.purpose === 'identify') return;
  const { component, port: portName, version } = observation.fingerprint;
  const planKey = `${component}|${portName ?? ''}|${version ?? ''}`;
  let paths = ctx.plans.get(planKey);
  if (!paths) ctx.plans.set(planKey, (paths = accessRoutes(component, portName, version)));
  // Over plain HTTP a credential changes nothing a component checks: only anonymous is asked.
  const askers: (Identity | undefined)[] = observation.scheme === 'https' ? [undefined, ...(options.identities ?? [])] : [undefined];
  // Anonymous answers the fingerprint already has are not asked again: the observation is relabelled with the route.
  for (const p of paths) {
    const known = answers.get(p.path);
    if (known) known.route = p.id;
  }
  const jobs = askers.flatMap((identity) => paths.filter((p) => identity !== undefined || !answers.has(p.path)).map((p) => ({ identity, ...p })));
  const results = await pool(jobs, PER_ENDPOINT, (job) => ask(ctx, job.identity, job.path, job.id, { keepBody: keepsBody(getRoute(job.id)) }));
  observation.routes.push(...results.flatMap((r) => (r ? [r.observation] : [])));
  if (options.active && component === 'kubelet') observation.routes.push(...(await activeRun(ctx, observation)));
}

/** `--active`: `id` through /run in the first pod the kubelet lists, as the first identity allowed to read pods. */
async function activeRun(ctx: Ctx, observation: EndpointObservation): Promise<RouteObservation[]> {
  const callers: (Identity | undefined)[] = [undefined, ...(ctx.options.identities ?? [])];
  for (const identity of callers) {
    const name = identity?.name ?? 'anonymous';
    const pods = observation.routes.find((r) => r.path === '/pods' && r.identity === name);
    if (pods?.status !== 200) continue;
    const listing = await ask(ctx, identity, '/pods', 'probe:/pods', { maxBytes: PODLIST_CAP });
    const target = firstContainer(listing.exchange.body);
    if (!target) continue;
    if (!isPodRef(target)) {
      observation.errors.push(`--active: not running id in ${JSON.stringify(`${target.namespace}/${target.pod}/${target.container}`).slice(0, 120)}: not valid Kubernetes names`);
      continue;
    }
    const path = `${encodedPath('/run/{namespace}/{pod}/{container}', { ...target })}${query({ cmd: 'id' })}`;
    return [(await ask(ctx, identity, path, 'kubelet.api.run', { method: 'POST' })).observation];
  }
  return [];
}

/** Health's pass over one expected endpoint: the fingerprint when due, then each health route as the identity it needs. */
async function check(ctx: Ctx, observation: EndpointObservation): Promise<void> {
  const { endpoint, options } = ctx;
  const expected = endpoint.expected;
  if (!expected) return;
  const now = options.now?.() ?? Date.now();
  const memory = options.memory;
  ctx.scheme = memory?.plain(ctx.key) ? 'http' : expected.scheme;
  observation.scheme = ctx.scheme;
  let chainDue = ctx.scheme === 'https' && (memory?.chainDue(ctx.key, now) ?? true);
  const known = memory?.fingerprint(ctx.key, now);
  if (known) observation.fingerprint = known;
  else {
    const answers = new Map<string, RouteObservation>();
    const withChain = await identify(ctx, observation, answers, chainDue);
    // A port the catalog knows as HTTPS that answers a TLS hello in plain HTTP (etcd without TLS): ask it over HTTP.
    const first = answers.get('/version');
    if (ctx.scheme === 'https' && first?.outcome === 'tls-error' && spokePlainHttp(first.detail)) {
      memory?.markPlain(ctx.key);
      ctx.scheme = 'http';
      observation.scheme = 'http';
      chainDue = false;
      answers.clear();
      observation.errors.length = 0;
      await identify(ctx, observation, answers, false);
    }
    if (withChain?.tls) rememberChain(ctx, observation, withChain, now);
    if (withChain?.tls) chainDue = false;
    observation.fingerprint = fingerprint({ scheme: observation.scheme, port: endpoint.port, ...(observation.tls ? { tls: observation.tls } : {}), answers });
    if ([...answers.values()].some((a) => answered(a.outcome))) memory?.rememberFingerprint(ctx.key, observation.fingerprint, now);
    else memory?.forget(ctx.key);
    observation.routes.push(...answers.values());
  }
  const asked = await Promise.all(healthRoutes(expected.component, expected.portName).map((route, i) => askHealth(ctx, route.id, i === 0 && chainDue)));
  for (const { observation: o, exchange } of asked) {
    observation.routes.push(o);
    if (exchange?.tls?.chain) rememberChain(ctx, observation, exchange, now);
    else if (exchange?.tls) memory?.leafSeen(ctx.key, exchange.tls.leaf);
  }
  if (!observation.tls && ctx.scheme === 'https') {
    const remembered = memory?.chain(ctx.key);
    if (remembered) observation.tls = { protocol: null, alpn: false, chain: remembered.chain, clientCert: 'unknown', clientCertEvidence: 'not checked by health', ...(remembered.verified !== undefined ? { verified: remembered.verified } : {}), ...(remembered.verifyError ? { verifyError: remembered.verifyError } : {}) };
  }
}

function rememberChain(ctx: Ctx, observation: EndpointObservation, exchange: Exchange, now: number): void {
  const tls = tlsFrom(exchange, { clientCert: 'unknown', clientCertEvidence: 'not checked by health' }, ctx.options.trust ?? {});
  if (!tls || tls.chain.length === 0) return;
  observation.tls = tls;
  ctx.options.memory?.rememberChain(ctx.key, { chain: tls.chain, ...(tls.verified !== undefined ? { verified: tls.verified } : {}), ...(tls.verifyError ? { verifyError: tls.verifyError } : {}), ...(exchange.tls?.leaf ? { leaf: exchange.tls.leaf } : {}) }, now);
}

/** One health route: each candidate identity in turn until one gets an answer that is not a refusal of it. */
async function askHealth(ctx: Ctx, routeId: string, certificate: boolean): Promise<{ observation: RouteObservation; exchange?: Exchange }> {
  const route = getRoute(routeId);
  if (!route?.health) return { observation: { route: routeId, method: 'GET', path: '', identity: '-', outcome: 'skipped', durationMs: 0, detail: 'not a health route' } };
  const path = route.health.verbose ? `${route.path}?verbose` : route.path;
  const who = askersFor(route, ctx.options.identities ?? [], ctx.scheme);
  if (who.identities.length === 0) return { observation: { route: routeId, method: 'GET', path, identity: '-', outcome: 'skipped', durationMs: 0, detail: who.skipped ?? 'no credential to ask with' } };
  let last: { observation: RouteObservation; exchange: Exchange } | undefined;
  for (const identity of who.identities) {
    last = await ask(ctx, identity, path, routeId, { keepBody: true, certificate: certificate && last === undefined });
    const o = last.observation;
    if (answered(o.outcome) && o.status !== 401 && o.status !== 403) break;
    if (!['tls-client-cert', 'tls-error', 'reset', 'skipped'].includes(o.outcome) && !answered(o.outcome)) break;
  }
  return last as { observation: RouteObservation; exchange: Exchange };
}

/**
 * Asks a failing check's own sub-path (`/healthz/<check>`), where upstream shows the reason the summary withholds:
 * health decides which (it reads the answers), the probe asks, as the first identity with a certificate.
 */
export async function askFollowUps(observation: EndpointObservation, requests: readonly { route: string; check: string; path: string }[], options: ProbeOptions): Promise<void> {
  if (requests.length === 0) return;
  const ctx: Ctx = { endpoint: { target: observation.target, address: observation.address, port: observation.port }, scheme: observation.scheme === 'http' ? 'http' : 'https', names: namesOf(observation.target), key: `${observation.address}|${observation.port}`, options, plans: new Map() };
  const follower = (options.identities ?? []).find((i) => i.cert) ?? (options.identities ?? [])[0];
  const got = await Promise.all(requests.map((r) => ask(ctx, follower, r.path, r.route, { keepBody: true, check: r.check })));
  observation.routes.push(...got.map((g) => g.observation));
}

function namesOf(target: OpenPort['target']): string[] {
  return target.node && target.node !== target.address ? [target.node] : [];
}

export async function probeEndpoint(endpoint: OpenPort, options: ProbeOptions, plans = new Map<string, { id: string; path: string }[]>()): Promise<EndpointObservation> {
  const observation = emptyObservation(endpoint);
  const ctx: Ctx = { endpoint, scheme: 'https', names: namesOf(endpoint.target), key: keyOf(endpoint), options, plans };
  try {
    if (options.purpose === 'health') await check(ctx, observation);
    else await survey(ctx, observation);
  } catch (error) {
    // A bug of ours must not lose the rest of the run: it is recorded on the endpoint it happened on.
    observation.errors.push(`probe failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (options.transport.signal?.aborted && observation.routes.some((r) => r.outcome === 'aborted')) observation.errors.push('the overall deadline passed: this endpoint was not probed to the end');
  return observation;
}

/** Probes every endpoint, bounded; endpoints the deadline left unprobed are reported as such, never dropped. */
export function probe(endpoints: readonly OpenPort[], options: ProbeOptions): Promise<EndpointObservation[]> {
  const probing = prober(options);
  for (const endpoint of endpoints) probing.add(endpoint);
  return probing.end();
}

/** The probe as a feed: endpoints added while it runs. */
export interface Prober extends Feed<OpenPort> {
  /** No more endpoints: an observation per endpoint added, in that order, once all are probed. */
  end(): Promise<EndpointObservation[]>;
  /** Endpoints probed so far, and added so far. */
  progress(): { done: number; total: number };
}

/**
 * Probes endpoints as they are found (the scan's open ports while it goes on), bounded; `end` once none will come
 * gives an observation per endpoint in the order added, those the deadline left unprobed saying so.
 */
export function prober(options: ProbeOptions): Prober {
  const added: OpenPort[] = [];
  let done = 0;
  const plans = new Map<string, { id: string; path: string }[]>();
  const fed = feed(
    options.concurrency ?? 128,
    async (endpoint: OpenPort) => {
      const result = await probeEndpoint(endpoint, options, plans);
      options.onProgress?.(++done, added.length);
      return result;
    },
    options.transport.signal,
  );
  return {
    add(endpoint) {
      added.push(endpoint);
      fed.add(endpoint);
    },
    progress: () => ({ done, total: added.length }),
    async end() {
      const results = await fed.end();
      return added.map((endpoint, i) => {
        const result = results[i];
        if (result) return result;
        const skipped = emptyObservation(endpoint);
        skipped.errors.push('not probed: the overall deadline passed first');
        return skipped;
      });
    },
  };
}

export type { Fingerprint };
