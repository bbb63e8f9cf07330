// The k8s.io/apiserver serving chain that controller-manager, scheduler and cloud-controller-manager share:
// TLS with RequestClientCert, delegated authentication (x509, TokenReview, anonymous always on), delegated
// authorisation (system:masters, always-allow paths, SubjectAccessReview), then the mux (spec §5.1, §5.2).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { authenticate, type User } from '../auth/authn.ts';
import { goError, goNotFound, methodOf, send, status, urlOf, type Reply, type Req, type Res } from '../net/go-http.ts';
import { apiserverUrl, clusterPki } from '../plan/node-layout.ts';
import type { ListenerOptions } from '../net/listener.ts';
import { issue, validity } from '../pki/certificates.ts';
import { StandIn, type StandInContext } from './stand-in.ts';
import { ApiserverWebhook } from '../auth/apiserver-webhook.ts';
import type { ComponentId } from '../../model/index.ts';
import { servingTls } from '../plan/tls-serving.ts';


export interface RequestContext {
  req: Req;
  res: Res;
  url: URL;
  method: string;
  user: User;
}

export abstract class DelegatedServer extends StandIn {
  protected webhook: ApiserverWebhook | undefined;
  /** The kubeconfig identity it uses toward the apiserver (`controller-manager`, `scheduler`). */
  protected abstract readonly identity: string;
  protected readonly alwaysAllowPaths: readonly string[] = ['/healthz', '/readyz', '/livez'];

  constructor(component: ComponentId, ctx: StandInContext) {
    super(component, ctx);
  }

  /** The routes after authentication and authorisation; undefined means 404. */
  protected abstract route(ctx: RequestContext): Promise<Reply | undefined> | Reply | undefined;

  protected async listen(): Promise<ListenerOptions[]> {
    const P = clusterPki(this.ctx.plan);
    const ca = readFileSync(join(P.pki, 'ca.crt'), 'utf8');
    const etcK = join(P.pki, '..');
    this.webhook = new ApiserverWebhook({
      url: apiserverUrl(this.ctx.plan),
      ca,
      cert: readFileSync(join(etcK, `${this.identity}.crt`), 'utf8'),
      key: readFileSync(join(etcK, `${this.identity}.key`), 'utf8'),
      clock: this.ctx.clock,
      authnTtlMs: 10_000,
      allowTtlMs: 10_000,
      denyTtlMs: 10_000,
    });
    // No --tls-cert-file and no --cert-dir: a self-signed pair generated in memory at start (serving.go).
    const now = this.ctx.clock.now();
    const unix = Math.floor(now / 1000);
    // The node-local address stands for 127.0.0.1 in the lab: the certificate covers it whatever the bind address, so
    // only the node IP of a port bound to every address is left uncovered, as upstream.
    const loopback = [this.node.localIp];
    const selfCa = await issue({ cn: `localhost-ca@${unix}`, usage: 'ca', ...validity(now, 365) }, this.ctx.plan.keyType);
    const leaf = await issue({ cn: `localhost@${unix}`, usage: 'server', ...validity(now, 365), dns: ['localhost'], ips: ['127.0.0.1', ...loopback] }, this.ctx.plan.keyType, selfCa);
    return this.endpoints().map((e) => ({
      address: e.address,
      port: e.number,
      tls: { cert: leaf.certPem + selfCa.certPem, key: leaf.keyPem, ca, clientCert: 'requested', alpn: ['h2', 'http/1.1'], signer: { cert: selfCa.certPem, key: selfCa.keyPem }, ...servingTls(this.ctx.plan, this.node, this.component) },
      plainOnTls: 'go-400',
      handler: (req: Req, res: Res) => void this.serve(req, res).catch((error: unknown) => send(res, goError(500, String(error)))),
    }));
  }

  override async stop(): Promise<void> {
    await super.stop();
    this.webhook?.close();
    this.listeners = [];
  }

  private async serve(req: Req, res: Res): Promise<void> {
    res.setHeader('Cache-Control', 'no-cache, private');
    const url = urlOf(req);
    const method = methodOf(req);
    const result = await authenticate(req, { x509: true, anonymous: true, ...(this.webhook ? { token: this.webhook.tokenReview } : {}) });
    if (!result || result.kind === 'error') {
      if (req.httpVersion === '2.0') res.setHeader('Connection', 'close');
      return send(res, status(req, 401, 'Unauthorized', 'Unauthorized'));
    }
    const user = result.user;
    const refusal = await this.authorize(req, user, method, url);
    if (refusal) return send(res, refusal);
    const reply = await this.route({ req, res, url, method, user });
    if (reply) send(res, reply);
    else if (!res.headersSent && !res.writableEnded) send(res, goNotFound());
  }

  protected async authorize(req: Req, user: User, method: string, url: URL): Promise<Reply | undefined> {
    if (user.groups.includes('system:masters')) return undefined;
    if (this.alwaysAllowPaths.includes(url.pathname)) return undefined;
    // Non-resource requests carry the lowercased HTTP method as their verb (apiserver RequestInfo).
    const verb = method.toLowerCase();
    const decision = this.webhook ? await this.webhook.authorize(user, { nonResource: { verb, path: url.pathname } }) : { allowed: false };
    if ('error' in decision && decision.error) return { status: 500, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: `Internal Server Error: "${url.pathname}${url.search}": ${decision.error}` };
    if (decision.allowed) return undefined;
    const reason = 'reason' in decision && decision.reason ? `: ${decision.reason}` : '';
    return status(req, 403, 'Forbidden', `forbidden: User "${user.name}" cannot ${verb} path "${url.pathname}"${reason}`, { details: {} });
  }
}
