// The probe engine's health pass: ask every health route the catalog declares for a known endpoint, as the identity
// the route needs, and follow up on failing checks where upstream shows the withheld reason. Facts only: what the
// answers mean is health's (src/health/).
import http from 'node:http';
import https from 'node:https';
import { checkServerIdentity, createSecureContext, type PeerCertificate, type SecureContext, type TLSSocket } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { getComponent } from '../catalog/index.ts';
import type { HealthRoute, Route } from '../catalog/index.ts';
import { chainOf, describeCertificate, verifyChain } from '../clients/tls.ts';
import type { Identity } from '../clients/identity.ts';
import type { CertificateObservation, ComponentId, RouteOutcome, Scheme } from '../model/index.ts';
import { pool } from '../discover/scan.ts';
import { oneShotGet, SessionCache } from './one-shot.ts';

/** An endpoint whose component and port are known (from a lab plan, the catalog's port numbers, or /proc). */
export interface HealthEndpoint {
  node: string;
  address: string;
  port: number;
  component: ComponentId;
  /** Catalog port name. */
  portName: string;
  /** Defaults to the catalog port's scheme (a lab profile or a real cluster may serve etcd over plain HTTP). */
  scheme?: Scheme;
}

export interface HealthAnswer {
  route: string;
  method: 'GET';
  path: string;
  format: HealthRoute['format'];
  identity: string;
  outcome: RouteOutcome;
  status?: number;
  contentType?: string;
  /** The body, capped; the parser needs it whole for small health answers. */
  body: string;
  error?: string;
  durationMs: number;
  /** Why it was not asked (no credential the route needs). */
  skipped?: string;
  /** `<path>/<check>` answers for checks the summary failed without a reason. */
  followUps: { check: string; status?: number; outcome: RouteOutcome; body: string }[];
}

export interface HealthObservation {
  endpoint: HealthEndpoint;
  scheme: Scheme;
  /** The served leaf certificate and whether the chain verifies against the CA given. */
  certificate?: CertificateObservation;
  verified?: boolean;
  verifyError?: string;
  answers: HealthAnswer[];
}

export interface HealthProbeOptions {
  /** Identities besides anonymous, in the order they are tried on routes that need credentials. */
  identities?: readonly Identity[];
  /** CA bundle: served chains are verified against it, and bearer tokens go only to servers it verifies. */
  ca?: string;
  /** Send bearer tokens to servers that did not verify. */
  insecureSkipVerify?: boolean;
  timeoutMs?: number;
  concurrency?: number;
  /** The command's deadline: when it aborts, the pass stops asking and returns what it has. */
  signal?: AbortSignal;
  /**
   * Keep connections open between cycles (one per endpoint and identity). Off by default: every probe is a new
   * connection, as blackbox_exporter and kubelet probes do (TLS session resumption still applies).
   */
  keepAlive?: boolean;
  /** Agents shared across cycles (session cache, keep-alive); `healthAgents()` builds them. */
  agents?: HealthAgents;
  /**
   * How long a served certificate read by a full handshake is trusted before it is read again (default 5 min). In
   * between, probes resume TLS sessions, which carry the certificate of the handshake that made them, not the one the
   * server would send now: a rotated certificate shows within this time.
   */
  certificateRefreshMs?: number;
}

const BODY_CAP = 64 << 10;
const MAX_FOLLOW_UPS = 8;

/** Health routes of a catalog port (routes carrying `health`), in catalog order. */
export function healthRoutes(component: ComponentId, portName: string): Route[] {
  const entry = getComponent(component);
  const port = entry.ports.find((p) => p.name === portName);
  return (port?.routes ?? []).filter((r) => r.health !== undefined);
}

export function catalogScheme(component: ComponentId, portName: string): Scheme {
  return getComponent(component).ports.find((p) => p.name === portName)?.scheme ?? 'https';
}

interface KnownCertificate {
  certificate: CertificateObservation;
  verified?: boolean;
  verifyError?: string;
}

/** One agent per identity (and one for anonymous): TLS session caches and keep-alive sockets live here. */
export class HealthAgents {
  private readonly agents = new Map<string, http.Agent>();
  private readonly contexts = new Map<string, SecureContext>();
  readonly keepAlive: boolean;
  /** TLS sessions for resumption when every probe is a new connection. */
  readonly sessions = new SessionCache();

  constructor(keepAlive = false) {
    this.keepAlive = keepAlive;
  }

  /** One TLS context per identity (and CA, for identities that verify), built once. */
  context(identity: Identity, verify: { ca?: string } | undefined): SecureContext {
    const key = `${identity.name}|${verify ? 'verify' : 'any'}`;
    let context = this.contexts.get(key);
    if (!context) {
      context = createSecureContext({
        ...(identity.cert ? { cert: identity.cert } : {}),
        ...(identity.key ? { key: identity.key.reveal() } : {}),
        ...(verify?.ca ? { ca: verify.ca } : {}),
      });
      this.contexts.set(key, context);
    }
    return context;
  }

  get(scheme: Scheme, identity: Identity, verify: { ca?: string } | undefined): http.Agent {
    const key = `${scheme}|${identity.name}|${verify ? 'verify' : 'any'}`;
    let agent = this.agents.get(key);
    if (!agent) {
      const common = { keepAlive: this.keepAlive, maxSockets: 4, maxFreeSockets: 2, timeout: 30_000 };
      // One TLS context per identity, built once: a context per connection costs more than the handshake.
      const secureContext: SecureContext | undefined = scheme === 'https' ? this.context(identity, verify) : undefined;
      agent =
        scheme === 'http'
          ? new http.Agent(common)
          : new https.Agent({
              ...common,
              maxCachedSessions: 4096,
              secureContext,
              // A token goes only to a server that proves itself against the CA given (verification before the request).
              rejectUnauthorized: verify !== undefined,
            });
      this.agents.set(key, agent);
    }
    return agent;
  }

  /** Served certificates already read and verified, by fingerprint and endpoint (bounded). */
  readonly certificates = new Map<string, KnownCertificate>();
  /** Endpoints found to serve plain HTTP where the catalog expects HTTPS. */
  readonly plain = new Set<string>();
  /** The fingerprint each endpoint served at its last full handshake, and when. */
  readonly served = new Map<string, { fingerprint: string; at: number }>();

  remember(key: string, known: KnownCertificate): void {
    if (this.certificates.size >= 20_000) {
      this.certificates.clear();
      this.served.clear();
    }
    this.certificates.set(key, known);
  }

  destroy(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }
}

interface Got {
  outcome: RouteOutcome;
  status?: number;
  contentType?: string;
  body: string;
  error?: string;
  durationMs: number;
  /** The served leaf's SHA-256 fingerprint and, the first time it is seen, its chain. */
  leaf?: { fingerprint: string; chain?: X509Certificate[] };
  /** Why the request was not written (a credential is never sent to a server that did not verify). */
  skipped?: string;
}

function classify(error: NodeJS.ErrnoException): RouteOutcome {
  const code = error.code ?? '';
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'ETIMEDOUT' || code === 'kia-timeout') return 'timeout';
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ERR_STREAM_PREMATURE_CLOSE') return 'reset';
  if (/^ERR_(TLS|SSL)|CERT|UNABLE_TO|SELF_SIGNED|DEPTH_ZERO/.test(code) || /certificate|SSL|TLS|alert/i.test(error.message)) return 'tls-error';
  return 'error';
}

function leafOf(socket: TLSSocket, wantChain: false | ((fingerprint: string) => boolean)): Got['leaf'] {
  if (!wantChain) return undefined;
  try {
    // The leaf's fingerprint is cheap; the chain is read only for a certificate not seen before.
    const fingerprint = socket.getPeerCertificate(false).fingerprint256;
    return fingerprint ? { fingerprint, ...(wantChain(fingerprint) ? { chain: chainOf(socket) } : {}) } : undefined;
  } catch {
    return undefined;
  }
}

/** A new connection per probe, straight from net/tls (the default, like blackbox_exporter). */
async function getOnce(endpoint: HealthEndpoint, scheme: Scheme, path: string, identity: Identity, agents: HealthAgents, verify: { ca?: string } | undefined, timeoutMs: number, wantChain: false | ((fingerprint: string) => boolean)): Promise<Got> {
  const started = performance.now();
  const headers: Record<string, string> = { 'User-Agent': 'kia/0.1 (health)', Accept: '*/*' };
  if (identity.token) headers.Authorization = `Bearer ${identity.token.reveal()}`;
  let leaf: Got['leaf'];
  const response = await oneShotGet({
    host: endpoint.address,
    port: endpoint.port,
    path,
    headers,
    timeoutMs,
    maxBytes: BODY_CAP,
    ...(scheme === 'https'
      ? {
          tls: {
            secureContext: agents.context(identity, verify),
            ...(isAddress(endpoint.node) ? {} : { servername: endpoint.node }),
            ...(verify ? { verify: (cert: PeerCertificate) => nameCheck(endpoint, cert) } : {}),
            sessions: agents.sessions,
            identity: `${identity.name}|${verify ? 'verify' : 'any'}`,
            // Reading the certificate needs a handshake in which the server sends it: no resumption then.
            resume: !wantChain,
          },
          onSecure: (socket: TLSSocket) => {
            leaf = leafOf(socket, wantChain);
          },
        }
      : {}),
  });
  const contentType = response.headers?.['content-type'];
  // The server took the handshake and then refused our certificate (an alert, or a close before any byte): it is up,
  // and this credential is not one it trusts.
  const refusedCertificate =
    scheme === 'https' && identity.cert !== undefined && (response.outcome === 'tls-error' || response.outcome === 'reset') && (response.established === true || /alert (bad certificate|certificate required|unknown ca|certificate unknown)/i.test(response.error ?? ''));
  if (refusedCertificate) return { outcome: 'skipped', body: '', durationMs: 0, skipped: `the server refused the client certificate of ${identity.name}: give one it trusts (etcd: --etcd-cert/--etcd-key)` };
  if (response.outcome === 'unverified') return { outcome: 'skipped', body: '', durationMs: 0, skipped: `credential withheld: ${response.error ?? 'server not verified'} (give its CA with --cacert, or --insecure-skip-tls-verify)` };
  return {
    outcome: response.outcome,
    ...(response.status !== undefined ? { status: response.status } : {}),
    ...(contentType ? { contentType } : {}),
    body: response.body.toString('utf8'),
    ...(response.error ? { error: response.error } : {}),
    durationMs: Math.round((performance.now() - started) * 10) / 10,
    ...(leaf ? { leaf } : {}),
  };
}

function get(endpoint: HealthEndpoint, scheme: Scheme, path: string, identity: Identity, agents: HealthAgents, verify: { ca?: string } | undefined, timeoutMs: number, wantChain: false | ((fingerprint: string) => boolean)): Promise<Got> {
  if (!agents.keepAlive) return getOnce(endpoint, scheme, path, identity, agents, verify, timeoutMs, wantChain);
  const agent = agents.get(scheme, identity, verify);
  const started = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    const done = (got: Omit<Got, 'durationMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...got, durationMs: Math.round((performance.now() - started) * 10) / 10 });
    };
    const headers: Record<string, string> = { 'user-agent': 'kia/0.1 (health)', accept: '*/*' };
    if (identity.token) headers.authorization = `Bearer ${identity.token.reveal()}`;
    const options: https.RequestOptions = {
      host: endpoint.address,
      port: endpoint.port,
      path,
      method: 'GET',
      agent,
      headers,
      // The node name is what self-generated kubelet certificates carry; the address is what the rest carry.
      ...(scheme === 'https' ? { servername: isAddress(endpoint.node) ? '' : endpoint.node, checkServerIdentity: (_host: string, cert: PeerCertificate) => nameCheck(endpoint, cert) } : {}),
    };
    const req = (scheme === 'https' ? https : http).request(options, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const leaf = scheme === 'https' ? leafOf(res.socket as TLSSocket, wantChain) : undefined;
      res.on('data', (chunk: Buffer) => {
        if (size >= BODY_CAP) return;
        size += chunk.length;
        chunks.push(size > BODY_CAP ? chunk.subarray(0, chunk.length - (size - BODY_CAP)) : chunk);
        if (size >= BODY_CAP) res.destroy();
      });
      const finish = () =>
        done({
          outcome: 'ok',
          status: res.statusCode ?? 0,
          ...(res.headers['content-type'] ? { contentType: res.headers['content-type'] } : {}),
          body: Buffer.concat(chunks).toString('utf8'),
          ...(leaf ? { leaf } : {}),
        });
      res.on('end', finish);
      res.on('close', finish);
      res.on('error', finish);
    });
    const timer = setTimeout(() => {
      const error = Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'kia-timeout' });
      req.destroy(error);
    }, timeoutMs);
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (verify && /CERT|SELF_SIGNED|UNABLE_TO|ALTNAME|HOSTNAME/.test(error.code ?? '')) done({ outcome: 'skipped', body: '', skipped: `credential withheld: server certificate not verified: ${error.code ?? error.message} (give its CA with --cacert, or --insecure-skip-tls-verify)` });
      else done({ outcome: classify(error), body: '', error: error.message });
    });
    req.end();
  });
}

function isAddress(name: string): boolean {
  return /^[\d.]+$|:/.test(name);
}

/** A verified server must be valid for the address dialled or for the node's name (self-generated kubelet certificates). */
function nameCheck(endpoint: HealthEndpoint, cert: PeerCertificate): Error | undefined {
  const byAddress = checkServerIdentity(endpoint.address, cert);
  if (!byAddress || isAddress(endpoint.node)) return byAddress;
  return checkServerIdentity(endpoint.node, cert) ? byAddress : undefined;
}

/** Who may ask a route: anonymous where the route is open, else each credential that fits, in order. */
function askers(route: Route, identities: readonly Identity[], scheme: Scheme, options: HealthProbeOptions): { identities: Identity[]; skipped?: string } {
  if (route.access === 'open' || route.access === 'always-allow') return { identities: [{ name: 'anonymous' }] };
  if (scheme === 'http') return { identities: [{ name: 'anonymous' }] };
  if (route.access === 'tls-client-cert') {
    const withCert = identities.filter((i) => i.cert);
    return withCert.length > 0 ? { identities: withCert } : { identities: [], skipped: 'needs a client certificate the server trusts (--etcd-cert/--etcd-key)' };
  }
  const usable = identities.filter((i) => !i.token || options.ca || options.insecureSkipVerify);
  // Without a credential that fits, anonymous asks: a misconfigured server may answer it, and a 401 says who may.
  return { identities: usable.length > 0 ? usable : [{ name: 'anonymous' }] };
}

/** `[-]name failed: reason withheld` lines of a healthz answer: the checks to follow up on. */
function withheld(body: string): string[] {
  return [...body.matchAll(/^\[-\]([^\s]+) failed: reason withheld$/gm)].map((m) => m[1] as string).filter((name) => /^[\w.\-/[\]:]{1,80}$/.test(name));
}

async function ask(endpoint: HealthEndpoint, scheme: Scheme, route: Route, options: HealthProbeOptions, agents: HealthAgents, wantChain: false | ((fingerprint: string) => boolean)): Promise<{ answer: HealthAnswer; leaf?: Got['leaf'] }> {
  const health = route.health as HealthRoute;
  const path = health.verbose ? `${route.path}?verbose` : route.path;
  const base = { route: route.id, method: 'GET' as const, path, format: health.format, followUps: [] };
  const who = askers(route, options.identities ?? [], scheme, options);
  if (who.identities.length === 0) return { answer: { ...base, identity: '-', outcome: 'skipped', body: '', durationMs: 0, ...(who.skipped ? { skipped: who.skipped } : {}) } };
  const timeoutMs = options.timeoutMs ?? 5000;
  let got: Got | undefined;
  let identity: Identity = who.identities[0] as Identity;
  for (const candidate of who.identities) {
    identity = candidate;
    const verify = candidate.token && !options.insecureSkipVerify ? { ...(options.ca ? { ca: options.ca } : {}) } : undefined;
    got = await get(endpoint, scheme, path, candidate, agents, verify, timeoutMs, wantChain);
    // A refused credential, a handshake the server refused for this certificate, or a server this credential may not
    // go to: the next one may do.
    if (got.outcome === 'ok' && got.status !== 401 && got.status !== 403) break;
    if (got.outcome !== 'ok' && got.outcome !== 'tls-error' && got.outcome !== 'reset' && got.outcome !== 'skipped') break;
  }
  const result = got as Got;
  const answer: HealthAnswer = {
    ...base,
    identity: identity.name,
    ...(result.skipped ? { skipped: result.skipped } : {}),
    outcome: result.outcome,
    ...(result.status !== undefined ? { status: result.status } : {}),
    ...(result.contentType ? { contentType: result.contentType } : {}),
    body: result.body,
    ...(result.error ? { error: result.error } : {}),
    durationMs: result.durationMs,
  };
  if (health.checkSubpaths && result.outcome === 'ok' && (result.status ?? 0) >= 500) {
    // The sub-path is not always open to anonymous callers (scheduler): ask as a credential when there is one.
    const follower = (options.identities ?? []).find((i) => i.cert) ?? identity;
    const verify = follower.token && !options.insecureSkipVerify ? { ...(options.ca ? { ca: options.ca } : {}) } : undefined;
    for (const check of withheld(result.body).slice(0, MAX_FOLLOW_UPS)) {
      const sub = await get(endpoint, scheme, `${route.path}/${check}`, follower, agents, verify, timeoutMs, false);
      answer.followUps.push({ check, outcome: sub.outcome, ...(sub.status !== undefined ? { status: sub.status } : {}), body: sub.body });
    }
  }
  return { answer, ...(result.leaf ? { leaf: result.leaf } : {}) };
}

/** Asks every health route of one endpoint. */
export async function probeEndpointHealth(endpoint: HealthEndpoint, options: HealthProbeOptions = {}, agents: HealthAgents = options.agents ?? new HealthAgents(options.keepAlive)): Promise<HealthObservation> {
  const where = `${endpoint.address}|${endpoint.port}|${endpoint.node}`;
  const scheme = agents.plain.has(where) ? 'http' : (endpoint.scheme ?? catalogScheme(endpoint.component, endpoint.portName));
  const routes = healthRoutes(endpoint.component, endpoint.portName);
  const observation: HealthObservation = { endpoint, scheme, answers: [] };
  const key = (fingerprint: string) => `${fingerprint}|${endpoint.address}|${endpoint.node}`;
  const now = Date.now();
  const last = agents.served.get(where);
  const fresh = last !== undefined && now - last.at < (options.certificateRefreshMs ?? 300_000);
  const results = await Promise.all(routes.map((route, i) => ask(endpoint, scheme, route, options, agents, i === 0 && !fresh && ((fingerprint: string) => !agents.certificates.has(key(fingerprint))))));
  observation.answers = results.map((r) => r.answer);
  // A port the catalog knows as HTTPS that answers TLS with plain HTTP (etcd without TLS, a real misconfiguration):
  // it is up, and asked again over HTTP from now on.
  const asked = observation.answers.filter((a) => a.outcome !== 'skipped');
  if (scheme === 'https' && asked.length > 0 && asked.every((a) => a.outcome === 'tls-error' && /wrong version number|packet length too long|http request/i.test(a.error ?? ''))) {
    agents.plain.add(where);
    return probeEndpointHealth(endpoint, options, agents);
  }
  const read = results.find((r) => r.leaf)?.leaf;
  if (read) agents.served.set(where, { fingerprint: read.fingerprint, at: now });
  const leaf = read ?? (fresh && results.some((r) => r.answer.outcome === 'ok') ? last : undefined);
  if (leaf) {
    let known = agents.certificates.get(key(leaf.fingerprint));
    const chain = 'chain' in leaf ? leaf.chain : undefined;
    if (!known && chain?.[0]) {
      known = { certificate: describeCertificate(chain[0] as X509Certificate) };
      if (options.ca) {
        let verdict = verifyChain(chain, options.ca, endpoint.address);
        if (!verdict.verified && verdict.error?.startsWith('certificate is not valid') && !isAddress(endpoint.node)) verdict = verifyChain(chain, options.ca, endpoint.node);
        known.verified = verdict.verified;
        if (verdict.error) known.verifyError = verdict.error;
      }
      agents.remember(key(leaf.fingerprint), known);
    }
    if (known) {
      observation.certificate = known.certificate;
      // Expiry is re-judged every cycle from notAfter; a chain that verified once still chains (the CA is fixed).
      if (known.verified !== undefined) observation.verified = known.verified && Date.parse(known.certificate.notAfter) > Date.now();
      if (known.verifyError) observation.verifyError = known.verifyError;
    }
  }
  return observation;
}

/** Asks every endpoint, bounded; one agent set for the run unless the caller keeps its own across cycles. */
export async function probeHealth(endpoints: readonly HealthEndpoint[], options: HealthProbeOptions = {}): Promise<HealthObservation[]> {
  const agents = options.agents ?? new HealthAgents(options.keepAlive);
  try {
    return await pool(endpoints, options.concurrency ?? 64, (endpoint) => probeEndpointHealth(endpoint, options, agents));
  } finally {
    if (!options.agents) agents.destroy();
  }
}
