// The lab kubelet: 10250 (HTTPS, authn/authz), 10248 (healthz), 10255 (read-only), answering as upstream does:
// Go mux roots first (404 and 301 before any auth), then the auth filters, then go-restful's routes (spec §3.9).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { authenticate, type AuthnConfig, type User } from '../../auth/authn.ts';
import { goError, goNotFound, goRedirect, healthz, methodOf, restfulError, send, urlOf, type Reply, type Req, type Res } from '../../net/go-http.ts';
import { clusterPki, nodeLayout, apiserverUrl, kubeletSelfCa } from '../../plan/node-layout.ts';
import type { ListenerOptions } from '../../net/listener.ts';
import { PROFILE_SETTINGS, type Settings } from '../../plan/profiles.ts';
import { StandIn, type HealthChecks, type StandInContext } from '../stand-in.ts';
import type { Signer } from '../../pki/certificates.ts';
import { ApiserverWebhook } from '../../auth/apiserver-webhook.ts';
import { serves } from '../catalog-view.ts';
import { authorizationErrorBody, forbiddenBody, kubeletSubresources, kubeletVerb } from './authorization.ts';
import { KubeletHandlers } from './handlers.ts';
import { writeRaw } from '../../net/raw-http.ts';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { servingTls } from '../../plan/tls-serving.ts';

export type KubeletPort = 'api' | 'read-only' | 'healthz';

type Root = { kind: 'exact' | 'subtree'; pattern: string; service: string };

/** Go ServeMux: exact patterns match only themselves; `/x/` matches the subtree; the longest pattern wins. */
function match(roots: readonly Root[], path: string): Root | { redirect: string } | undefined {
  let best: Root | undefined;
  for (const root of roots) {
    const hit = root.kind === 'exact' ? path === root.pattern : path.startsWith(root.pattern);
    if (hit && (!best || root.pattern.length > best.pattern.length)) best = root;
  }
  if (best) return best;
  const slashed = `${path}/`;
  if (roots.some((r) => r.kind === 'subtree' && r.pattern === slashed)) return { redirect: slashed };
  return undefined;
}

export class KubeletStandIn extends StandIn {
  readonly settings: Settings['kubelet'];
  private webhook: ApiserverWebhook | undefined;
  private readonly handlers: KubeletHandlers;
  private roots: Record<KubeletPort, Root[]> = { api: [], 'read-only': [], healthz: [] };

  constructor(ctx: StandInContext) {
    super('kubelet', ctx);
    this.settings = PROFILE_SETTINGS[ctx.node.profile].kubelet;
    this.handlers = new KubeletHandlers(this);
  }

  protected listen(): ListenerOptions[] {
    const L = nodeLayout(this.node);
    const serving = readFileSync(`${L.kubeletServing}.crt`, 'utf8');
    const key = readFileSync(`${L.kubeletServing}.key`, 'utf8');
    const clientCa = readFileSync(join(L.pki, 'ca.crt'), 'utf8');
    const P = clusterPki(this.ctx.plan);
    if (this.settings.webhookAuthn || this.settings.authorization === 'Webhook') {
      this.webhook = new ApiserverWebhook({
        url: apiserverUrl(this.ctx.plan),
        ca: readFileSync(join(P.pki, 'ca.crt'), 'utf8'),
        cert: readFileSync(`${L.kubeletClient}.crt`, 'utf8'),
        key: readFileSync(`${L.kubeletClient}.key`, 'utf8'),
        clock: this.ctx.clock,
        authnTtlMs: 120_000,
        allowTtlMs: 300_000,
        denyTtlMs: 30_000,
      });
    }
    this.roots = { api: this.apiRoots(), 'read-only': this.readOnlyRoots(), healthz: [] };
    return this.endpoints().map((e) => {
      const port = e.port as KubeletPort;
      const handler = (req: Req, res: Res) => void this.handle(port, req, res).catch((error: unknown) => send(res, goError(500, String(error))));
      if (port === 'api') {
        // kubelet 1.36 with ReloadKubeletClientCAFile sets no ALPN list: HTTP/1.1 only (docs/research §2).
        const alpn: ('h2' | 'http/1.1')[] = this.kubeVersion() === '1.36' ? ['http/1.1'] : ['h2', 'http/1.1'];
        return {
          address: e.address,
          port: e.number,
          tls: { cert: serving, key, ca: clientCa, clientCert: 'requested', alpn, ...this.signer(), ...servingTls(this.ctx.plan, this.node, 'kubelet') },
          plainOnTls: 'go-400',
          handler,
          upgrade: (req, socket, head) => void this.handleUpgrade(req, socket, head).catch(() => socket.destroy()),
        };
      }
      return { address: e.address, port: e.number, handler };
    });
  }

  /** The CA of the serving pair: the cluster CA, or the self-generated one the lab kept. */
  private signer(): { signer?: Signer } {
    const P = clusterPki(this.ctx.plan);
    const base = this.settings.servingCert === 'cluster-ca' ? join(P.pki, 'ca') : kubeletSelfCa(this.ctx.plan, this.node);
    if (!existsSync(`${base}.key`)) return {};
    return { signer: { cert: readFileSync(`${base}.crt`, 'utf8'), key: readFileSync(`${base}.key`, 'utf8') } };
  }

  protected override healthChecks(): HealthChecks {
    return { names: ['ping', 'log', 'syncloop'], default: 'syncloop' };
  }

  override async stop(): Promise<void> {
    await super.stop();
    this.webhook?.close();
    this.listeners = [];
  }

  private kubeVersion(): string {
    return this.ctx.plan.kubernetesVersion;
  }

  private apiRoots(): Root[] {
    const v = this.kubeVersion();
    const exact = (pattern: string, service: string): Root => ({ kind: 'exact', pattern, service });
    const subtree = (pattern: string, service: string): Root => ({ kind: 'subtree', pattern, service });
    const roots: Root[] = [
      exact('/healthz', 'healthz'),
      ...['ping', 'log', 'syncloop'].map((c) => exact(`/healthz/${c}`, 'healthz-check')),
      exact('/metrics', 'metrics'),
      ...['cadvisor', 'resource', 'probes', 'slis'].map((m) => exact(`/metrics/${m}`, 'metrics')),
      exact('/pods', 'pods'),
      subtree('/pods/', 'pods'),
      subtree('/stats/', 'stats'),
      subtree('/logs/', this.settings.enableDebuggingHandlers ? 'logs' : 'debug-disabled'),
    ];
    if (this.settings.enableDebuggingHandlers) {
      for (const root of ['run', 'exec', 'attach', 'portForward', 'containerLogs']) roots.push(exact(`/${root}`, root), subtree(`/${root}/`, root));
      roots.push(subtree('/runningpods/', 'runningpods'), exact('/configz', 'configz'), exact('/debug/flags/v', 'flags'));
      roots.push(subtree('/debug/pprof/', this.settings.enableProfilingHandler ? 'pprof' : 'profiling-disabled'));
      if (serves('kubelet', 'api', v, '/checkpoint/{namespace}/{pod}/{container}')) roots.push(subtree('/checkpoint/', 'checkpoint'));
      if (serves('kubelet', 'api', v, '/flagz')) roots.push(exact('/flagz', 'flagz'));
      if (serves('kubelet', 'api', v, '/statusz')) roots.push(exact('/statusz', 'statusz'));
    } else {
      for (const root of ['run', 'exec', 'attach', 'portForward', 'containerLogs', 'runningpods', 'debug/pprof']) roots.push(subtree(`/${root}/`, 'debug-disabled'));
    }
    return roots;
  }

  /** 10255: no authentication or authorisation; the debugging paths answer 405 (spec §3.1, §9 item 18). */
  private readOnlyRoots(): Root[] {
    const v = this.kubeVersion();
    const roots: Root[] = [
      { kind: 'exact', pattern: '/healthz', service: 'healthz' },
      ...['ping', 'log', 'syncloop'].map((c): Root => ({ kind: 'exact', pattern: `/healthz/${c}`, service: 'healthz-check' })),
      { kind: 'exact', pattern: '/metrics', service: 'metrics' },
      ...['cadvisor', 'resource', 'probes', 'slis'].map((m): Root => ({ kind: 'exact', pattern: `/metrics/${m}`, service: 'metrics' })),
      { kind: 'exact', pattern: '/pods', service: 'pods' },
      { kind: 'subtree', pattern: '/pods/', service: 'pods' },
      { kind: 'subtree', pattern: '/stats/', service: 'stats' },
      ...['run', 'exec', 'attach', 'portForward', 'containerLogs', 'runningpods', 'debug/pprof', 'logs'].map((r): Root => ({ kind: 'subtree', pattern: `/${r}/`, service: 'debug-disabled' })),
    ];
    if (serves('kubelet', 'read-only', v, '/checkpoint/{namespace}/{pod}/{container}')) roots.push({ kind: 'subtree', pattern: '/checkpoint/', service: 'checkpoint' });
    return roots;
  }

  private async handle(port: KubeletPort, req: Req, res: Res): Promise<void> {
    const url = urlOf(req);
    const method = methodOf(req);
    if (port === 'healthz') {
      // A bare ServeMux with the generic healthz handler and no checks but ping.
      if (url.pathname === '/healthz') return send(res, healthz('healthz', [{ name: 'ping' }], url));
      if (url.pathname === '/healthz/ping') return send(res, { status: 200, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' }, body: 'ok' });
      return send(res, goNotFound());
    }
    const hit = match(this.roots[port], url.pathname);
    if (!hit) return send(res, goNotFound());
    if ('redirect' in hit) return send(res, goRedirect(method, hit.redirect + url.search));
    if (port === 'api') {
      const refusal = await this.authorize(req, method, url.pathname);
      if (refusal) return send(res, refusal.reply);
    }
    const reply = await this.handlers.dispatch(hit.service, { req, res, url, method, port });
    if (reply) send(res, reply);
  }

  /** Upgrades pass the same mux, authn, authz and route checks; only a request that would stream is negotiated. */
  private async handleUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): Promise<void> {
    const url = urlOf(req);
    const method = methodOf(req);
    const hit = match(this.roots.api, url.pathname);
    let reply: Reply | undefined;
    if (!hit) reply = goNotFound();
    else if ('redirect' in hit) reply = goRedirect(method, hit.redirect + url.search);
    else reply = (await this.authorize(req, method, url.pathname))?.reply;
    if (!reply && hit && !('redirect' in hit)) {
      const service = hit.service;
      if (service !== 'exec' && service !== 'attach' && service !== 'portForward') reply = await this.handlers.dispatch(service, { req, res: undefined as unknown as Res, url, method, port: 'api' });
      else reply = await this.handlers.streamingCheck(service, req, url, method);
      if (!reply) return this.handlers.stream(service as 'exec' | 'attach' | 'portForward', req, socket, head, url);
    }
    writeRaw(socket, reply ?? goNotFound());
  }

  private async authorize(req: Req, method: string, path: string): Promise<{ reply: Reply } | undefined> {
    const config: AuthnConfig = { x509: true, anonymous: this.settings.anonymous, ...(this.settings.webhookAuthn && this.webhook ? { token: this.webhook.tokenReview } : {}) };
    const result = await authenticate(req, config);
    if (!result || result.kind === 'error') return { reply: restfulError(401, 'Unauthorized') };
    const user: User = result.user;
    if (this.settings.authorization === 'AlwaysAllow') return undefined;
    const verb = kubeletVerb(method);
    const fineGrained = this.version.kubeletFineGrainedAuthz;
    const subresources = kubeletSubresources(path, fineGrained);
    // system:masters is not special to a kubelet: every decision goes through the apiserver (webhook mode).
    for (const subresource of subresources) {
      const decision = await this.webhook!.authorize(user, { resource: { verb, resource: 'nodes', subresource, name: this.node.name, version: 'v1', group: '' } });
      if (decision.error) return { reply: restfulError(500, authorizationErrorBody(user, verb, subresource)) };
      if (decision.allowed) return undefined;
    }
    return { reply: restfulError(403, forbiddenBody(user, verb, subresources, fineGrained)) };
  }
}
