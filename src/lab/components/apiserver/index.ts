// The lab kube-apiserver: health, version, metrics, nodes, TokenReview/SubjectAccessReview for the kubelets and the
// delegating components, and the node proxy to kubelets with the apiserver-kubelet-client identity (spec §6).
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { openStream } from '../../net/proxy-client.ts';
import { Secret } from '../../../clients/identity.ts';
import { authenticate, type TokenCheck, type User } from '../../auth/authn.ts';
import { encodeJson, goError, goNotFound, healthz, healthzCheck, methodOf, NOSNIFF, prettyFor, readBody, send, status, urlOf, type Reply, type Req, type Res } from '../../net/go-http.ts';
import { fixture, withBuildInfo } from '../../plan/fixtures.ts';
import { clusterPki } from '../../plan/node-layout.ts';
import type { ListenerOptions } from '../../net/listener.ts';
import { rbacAllows } from '../../auth/rbac.ts';
import { StandIn, type HealthChecks, type StandInContext } from '../stand-in.ts';
import { verifyServiceAccountToken } from '../../auth/service-account-tokens.ts';
import { versionInfo } from '../../plan/versions.ts';
import type { Attributes } from '../../auth/apiserver-webhook.ts';
import type { LabNode } from '../../types.ts';
import { pprof } from '../pprof.ts';
import { commandLine, commandLineFlags } from '../../plan/command-lines.ts';
import { PROFILE_SETTINGS } from '../../plan/profiles.ts';
import { serves } from '../catalog-view.ts';
import { zpage } from '../zpages.ts';
import { POD_STREAM_PATH, proxyPodStream } from './pod-streams.ts';
import { agentPodList, forwardedHeaders, POD_LIST_PATH, POD_PROXY_PATH, readAgentPods, splitSchemeNamePort } from './agent-pods.ts';
import { writeRaw } from '../../net/raw-http.ts';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { servingTls } from '../../plan/tls-serving.ts';

const VERBS: Record<string, string> = { GET: 'get', HEAD: 'get', POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };
const LIVEZ_ONLY_NOT = new Set(['etcd-readiness', 'informer-sync', 'shutdown']);

export class ApiserverStandIn extends StandIn {
  private staticTokens = new Map<string, User>();
  private saPub = '';
  private kubeletAgent: https.Agent | undefined;
  private kubeletIdentity = { cert: '', key: new Secret('') };

  constructor(ctx: StandInContext) {
    super('kube-apiserver', ctx);
  }

  protected listen(): ListenerOptions[] {
    const P = clusterPki(this.ctx.plan);
    const ca = readFileSync(join(P.pki, 'ca.crt'), 'utf8');
    this.saPub = readFileSync(join(P.pki, 'sa.pub'), 'utf8');
    for (const line of readFileSync(join(P.pki, '../tokens.csv'), 'utf8').trim().split('\n')) {
      const [token, name, uid, groups] = line.split(',');
      if (!token || !name) continue;
      this.staticTokens.set(token, { name, uid: uid ?? '', groups: (groups ?? '').replace(/"/g, '').split(',').filter(Boolean) });
    }
    this.kubeletIdentity = { cert: readFileSync(join(P.pki, 'apiserver-kubelet-client.crt'), 'utf8'), key: new Secret(readFileSync(join(P.pki, 'apiserver-kubelet-client.key'), 'utf8')) };
    this.kubeletAgent = new https.Agent({ keepAlive: true, maxSockets: 64 });
    const cert = readFileSync(join(P.pki, 'apiserver.crt'), 'utf8');
    const key = readFileSync(join(P.pki, 'apiserver.key'), 'utf8');
    return this.endpoints().map((e) => ({
      address: e.address,
      port: e.number,
      tls: { cert, key, ca, clientCert: 'requested', alpn: ['h2', 'http/1.1'], signer: { cert: ca, key: readFileSync(join(P.pki, 'ca.key'), 'utf8') }, ...servingTls(this.ctx.plan, this.node, 'kube-apiserver') },
      plainOnTls: 'go-400',
      handler: (req: Req, res: Res) => void this.serve(req, res).catch((error: unknown) => send(res, goError(500, String(error)))),
      upgrade: (req: IncomingMessage, socket: Socket, head: Buffer) => void this.upgrade(req, socket, head).catch(() => socket.destroy()),
    }));
  }

  override async stop(): Promise<void> {
    await super.stop();
    this.kubeletAgent?.destroy();
    this.listeners = [];
  }

  readonly checkToken: TokenCheck = async (token) => {
    const fixed = this.staticTokens.get(token);
    if (fixed) return { user: fixed };
    const sa = verifyServiceAccountToken(this.saPub, token, this.ctx.clock.now());
    if (sa) return { user: { name: sa.user, groups: sa.groups, ...(sa.uid ? { uid: sa.uid } : {}) } };
    return { error: 'invalid bearer token' };
  };

  private async serve(req: Req, res: Res): Promise<void> {
    res.setHeader('Cache-Control', 'no-cache, private');
    const url = urlOf(req);
    const method = methodOf(req);
    const result = await authenticate(req, { x509: true, anonymous: true, token: this.checkToken });
    if (!result || result.kind === 'error') return send(res, status(req, 401, 'Unauthorized', 'Unauthorized'));
    const user = result.user;
    const path = url.pathname;
    const proxy = /^\/api\/v1\/nodes\/([^/]+)\/proxy(\/.*)?$/.exec(path);
    const podLog = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/log$/.exec(path);
    const podProxy = POD_PROXY_PATH.exec(path);
    const podList = POD_LIST_PATH.exec(path);
    const attributes: Attributes = proxy
      ? { resource: { verb: VERBS[method] ?? '', resource: 'nodes', subresource: 'proxy', name: proxy[1] ?? '' } }
      : podProxy
        ? { resource: { verb: VERBS[method] ?? '', resource: 'pods', subresource: 'proxy', name: splitSchemeNamePort(podProxy[2] ?? '')?.name ?? '', namespace: podProxy[1] ?? '' } }
      : podList
        ? { resource: { verb: 'list', resource: 'pods', namespace: podList[1] ?? '' } }
      : podLog
        ? { resource: { verb: 'get', resource: 'pods', subresource: 'log', name: podLog[2] ?? '', namespace: podLog[1] ?? '' } }
      : path.startsWith('/api/v1/nodes')
        ? { resource: { verb: path === '/api/v1/nodes' ? 'list' : 'get', resource: 'nodes' } }
        : path.startsWith('/apis/authentication.k8s.io/') ? { resource: { verb: 'create', resource: 'tokenreviews' } }
        : path.startsWith('/apis/authorization.k8s.io/') ? { resource: { verb: 'create', resource: 'subjectaccessreviews' } }
        : { nonResource: { verb: method.toLowerCase(), path } };
    if (!rbacAllows(user, attributes).allowed) {
      const message = 'resource' in attributes
        ? `${attributes.resource.resource}${attributes.resource.name ? ` "${attributes.resource.name}"` : ''} is forbidden: User "${user.name}" cannot ${attributes.resource.verb} resource "${attributes.resource.resource}${attributes.resource.subresource ? `/${attributes.resource.subresource}` : ''}" in API group "" at the cluster scope`
        : `forbidden: User "${user.name}" cannot ${attributes.nonResource.verb} path "${path}"`;
      const details = 'resource' in attributes ? { details: { ...(attributes.resource.name ? { name: attributes.resource.name } : {}), kind: attributes.resource.resource } } : { details: {} };
      return send(res, status(req, 403, 'Forbidden', message, details));
    }
    if (proxy) return this.proxyToKubelet(req, res, proxy[1] ?? '', (proxy[2] ?? '/') + url.search, method);
    if (podLog) return this.podLog(req, res, podLog[1] ?? '', podLog[2] ?? '', url);
    if (podProxy) return this.proxyToPod(req, res, { namespace: podProxy[1] ?? '', id: podProxy[2] ?? '', path: (podProxy[3] ?? '/') + url.search, method });
    if (podList) return send(res, { status: 200, headers: { 'Content-Type': 'application/json' }, body: encodeJson(agentPodList(this.ctx.plan.dir, podList[1] ?? '', url.searchParams.get('labelSelector')), prettyFor(req)) });
    send(res, (await this.route(req, url, method, user)) ?? goNotFound());
  }

  /** Upgrades: pods/exec, pods/attach and pods/portforward, which need `create` even as a WebSocket GET (spec §6.3). */
  private async upgrade(req: IncomingMessage, socket: Socket, head: Buffer): Promise<void> {
    const url = urlOf(req);
    const result = await authenticate(req, { x509: true, anonymous: true, token: this.checkToken });
    if (!result || result.kind === 'error') return writeRaw(socket, status(req, 401, 'Unauthorized', 'Unauthorized'));
    const match = POD_STREAM_PATH.exec(url.pathname);
    if (!match) return writeRaw(socket, status(req, 404, 'NotFound', 'the server could not find the requested resource', { details: {} }));
    const [, namespace = '', pod = '', subresource = ''] = match;
    const user = result.user;
    if (!rbacAllows(user, { resource: { verb: 'create', resource: 'pods', subresource, name: pod, namespace } }).allowed) {
      const message = `pods "${pod}" is forbidden: User "${user.name}" cannot create resource "pods/${subresource}" in API group "" in the namespace "${namespace}"`;
      return writeRaw(socket, status(req, 403, 'Forbidden', message, { details: { name: pod, kind: 'pods' } }));
    }
    proxyPodStream(
      { req, socket, head, url, plan: this.ctx.plan, namespace, pod, subresource: subresource as 'exec' | 'attach' | 'portforward', identity: { cert: this.kubeletIdentity.cert, key: this.kubeletIdentity.key.reveal() } },
      // TranslateStreamCloseWebsocketRequests: beta, on by default from 1.30.
      { translateV5: Number(this.ctx.plan.kubernetesVersion.split('.')[1]) >= 30 },
    );
  }

  protected override healthChecks(): HealthChecks {
    return { names: this.checks('readyz').map((c) => c.name), default: 'etcd' };
  }

  private checks(kind: string): { name: string; error?: string | undefined }[] {
    const names = fixture('apiserver.readyz-verbose.txt').split('\n').filter((l) => l.startsWith('[+]')).map((l) => l.slice(3, -3));
    const list = kind === 'readyz' ? names : names.filter((n) => !LIVEZ_ONLY_NOT.has(n));
    return list.map((name) => ({ name, error: this.state.checkError(name) }));
  }

  private async route(req: Req, url: URL, method: string, user: User): Promise<Reply | undefined> {
    const path = url.pathname;
    const [, family = '', ...rest] = path.split('/');
    if (['healthz', 'livez', 'readyz'].includes(family)) {
      const checks = this.checks(family);
      if (rest.length === 0) return healthz(family, checks, url);
      const check = checks.find((c) => c.name === rest.join('/'));
      return check ? healthzCheck(check) : undefined;
    }
    if (path === '/version' || path === '/version/') {
      return { status: 200, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(versionInfo(this.ctx.plan.kubernetesVersion), null, 2) };
    }
    if (path === '/metrics/slis') {
      if (method === 'DELETE') return { status: 200, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: 'metrics reset\n' };
      return { status: 200, headers: { 'Content-Type': this.version.metricsContentType }, body: '# HELP kubernetes_healthcheck [STABLE] This metric records the result of a single healthcheck.\n# TYPE kubernetes_healthcheck gauge\nkubernetes_healthcheck{name="etcd",type="readyz"} 1\n' };
    }
    // --profiling=false: no profiling handlers, no /debug/flags/v, no resetting /metrics (genericapiserver installAPI).
    const profiling = PROFILE_SETTINGS[this.node.profile].controlPlane.profiling;
    if (profiling && path.startsWith('/debug/pprof/')) return pprof(path.slice('/debug/pprof/'.length), commandLine(this.ctx.plan, this.node, 'kube-apiserver'));
    if (profiling && path === '/debug/pprof') return { status: 301, headers: { Location: '/debug/pprof/' } };
    if (profiling && path === '/debug/flags/v') {
      if (method !== 'PUT') return goError(406, 'unsupported http method');
      return { status: 200, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: `successfully set klog.logging.verbosity to ${(await readBody(req, 1024)).toString().trim()}\n` };
    }
    if ((path === '/flagz' || path === '/statusz') && serves('kube-apiserver', 'secure', this.ctx.plan.kubernetesVersion, path)) {
      return zpage(path.slice(1) as 'flagz' | 'statusz', { component: 'kube-apiserver', startedAt: this.state.startedAt, now: this.ctx.clock.now(), version: this.version, flags: commandLineFlags(commandLine(this.ctx.plan, this.node, 'kube-apiserver')), paths: ['/api', '/apis', '/healthz', '/livez', '/metrics', '/readyz', '/version'] });
    }
    if (path === '/metrics') {
      // With profiling on (the default) the apiserver installs the resetting metrics handler.
      if (method === 'DELETE' && profiling) return { status: 200, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: 'metrics reset\n' };
      const body = withBuildInfo(fixture('apiserver.metrics'), { ...this.version, major: '1', minor: this.ctx.plan.kubernetesVersion.split('.')[1] ?? '' });
      const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
      return { status: 200, headers: { 'Content-Type': this.version.metricsContentType, ...(gzip ? { 'Content-Encoding': 'gzip' } : {}) }, body: gzip ? gzipSync(body) : body };
    }
    const pretty = prettyFor(req);
    const jsonReply = (code: number, value: unknown): Reply => ({ status: code, headers: { 'Content-Type': 'application/json' }, body: encodeJson(value, pretty) });
    if (path === '/api') return jsonReply(200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: `${this.node.ip}:6443` }] });
    if (path === '/apis') return jsonReply(200, { kind: 'APIGroupList', apiVersion: 'v1', groups: [] });
    if (path === '/api/v1/nodes') return jsonReply(200, { kind: 'NodeList', apiVersion: 'v1', metadata: { resourceVersion: '1' }, items: this.ctx.plan.nodes.map((n) => this.nodeObject(n)) });
    const nodeMatch = /^\/api\/v1\/nodes\/([^/]+)$/.exec(path);
    if (nodeMatch) {
      const node = this.ctx.plan.nodes.find((n) => n.name === nodeMatch[1]);
      return node ? jsonReply(200, this.nodeObject(node)) : status(req, 404, 'NotFound', `nodes "${nodeMatch[1]}" not found`, { details: { name: nodeMatch[1], kind: 'nodes' } });
    }
    if (method === 'POST' && path === '/apis/authentication.k8s.io/v1/tokenreviews') {
      const review = JSON.parse((await readBody(req)).toString() || '{}') as { spec?: { token?: string } };
      const answer = await this.checkToken(review.spec?.token ?? '');
      const statusValue = answer.user
        ? { authenticated: true, user: { username: answer.user.name, ...(answer.user.uid ? { uid: answer.user.uid } : {}), groups: [...answer.user.groups, 'system:authenticated'] } }
        : { user: {}, error: answer.error };
      return jsonReply(201, { kind: 'TokenReview', apiVersion: 'authentication.k8s.io/v1', metadata: { creationTimestamp: null }, spec: review.spec ?? {}, status: statusValue });
    }
    if (method === 'POST' && path === '/apis/authorization.k8s.io/v1/subjectaccessreviews') {
      const review = JSON.parse((await readBody(req)).toString() || '{}') as { spec?: { user?: string; groups?: string[]; resourceAttributes?: Record<string, string>; nonResourceAttributes?: { verb: string; path: string } } };
      const spec = review.spec ?? {};
      const subject: User = { name: spec.user ?? '', groups: spec.groups ?? [] };
      const attrs: Attributes = spec.nonResourceAttributes
        ? { nonResource: spec.nonResourceAttributes }
        : { resource: { verb: spec.resourceAttributes?.verb ?? '', resource: spec.resourceAttributes?.resource ?? '', ...(spec.resourceAttributes?.subresource ? { subresource: spec.resourceAttributes.subresource } : {}) } };
      const decision = rbacAllows(subject, attrs);
      return jsonReply(201, { kind: 'SubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', metadata: { creationTimestamp: null }, spec, status: { allowed: decision.allowed, ...(decision.reason ? { reason: decision.reason } : {}) } });
    }
    void user;
    return undefined;
  }

  /** `pods/<pod>/log`: to the kubelet's /containerLogs with the apiserver's names translated (pod/strategy.go LogLocation). */
  private async podLog(req: Req, res: Res, namespace: string, podName: string, url: URL): Promise<void> {
    const node = this.ctx.plan.nodes.find((n) => n.pods.some((p) => p.namespace === namespace && p.name === podName));
    const pod = node?.pods.find((p) => p.namespace === namespace && p.name === podName);
    if (!node || !pod) return send(res, status(req, 404, 'NotFound', `pods "${podName}" not found`, { details: { name: podName, kind: 'pods' } }));
    const container = url.searchParams.get('container') ?? (pod.containers.length === 1 ? pod.containers[0] : undefined);
    if (!container) return send(res, status(req, 400, 'BadRequest', `a container name must be specified for pod ${podName}, choose one of: [${pod.containers.join(' ')}]`));
    const query = new URLSearchParams();
    for (const name of ['follow', 'previous', 'timestamps', 'sinceSeconds', 'sinceTime', 'tailLines', 'limitBytes']) {
      const value = url.searchParams.get(name);
      if (value !== null) query.set(name, value);
    }
    const search = query.toString();
    return this.proxyToKubelet(req, res, node.name, `/containerLogs/${namespace}/${podName}/${container}${search ? `?${search}` : ''}`, 'GET');
  }

  private nodeObject(node: LabNode): Record<string, unknown> {
    const kubelet = this.ctx.plan.endpoints.find((e) => e.node === node.name && e.component === 'kubelet' && e.port === 'api');
    return {
      kind: 'Node',
      apiVersion: 'v1',
      metadata: { name: node.name, labels: { 'kubernetes.io/hostname': node.name, 'kubernetes.io/os': 'linux', ...(node.role === 'control-plane' ? { 'node-role.kubernetes.io/control-plane': '' } : {}) } },
      spec: { podCIDR: `10.244.${node.index}.0/24` },
      status: {
        addresses: [{ type: 'InternalIP', address: node.ip }, { type: 'Hostname', address: node.name }],
        daemonEndpoints: { kubeletEndpoint: { Port: kubelet?.number ?? 10250 } },
        nodeInfo: { kubeletVersion: this.version.gitVersion, kubeProxyVersion: this.version.gitVersion, containerRuntimeVersion: 'containerd://1.7.13', operatingSystem: 'linux', architecture: 'amd64' },
        conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }],
      },
    };
  }

  /** `/api/v1/nodes/<node>/proxy/<path>`: to the kubelet's InternalIP and daemon port, serving cert not verified. */
  private async proxyToKubelet(req: Req, res: Res, nodeName: string, pathAndQuery: string, method: string): Promise<void> {
    const node = this.ctx.plan.nodes.find((n) => n.name === nodeName);
    const kubelet = this.ctx.plan.endpoints.find((e) => e.node === nodeName && e.component === 'kubelet' && e.port === 'api' && e.reach === 'node-ip');
    if (!node || !kubelet) return send(res, status(req, 404, 'NotFound', `nodes "${nodeName}" not found`, { details: { name: nodeName, kind: 'nodes' } }));
    const headers: Record<string, string> = {};
    for (const name of ['accept', 'content-type', 'accept-encoding', 'user-agent']) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    return this.forward(req, res, { url: `https://${node.ip}:${kubelet.number}${pathAndQuery}`, method, headers, identity: { name: 'apiserver-kubelet-client', ...this.kubeletIdentity } });
  }

  /** `pods/[scheme:]name[:port]/proxy/<path>` to a kia agent: its headers but Authorization, no client certificate, no verification (upstream's proxy transport). */
  private async proxyToPod(req: Req, res: Res, to: { namespace: string; id: string; path: string; method: string }): Promise<void> {
    const target = splitSchemeNamePort(to.id);
    const pod = readAgentPods(this.ctx.plan.dir).find((p) => p.pod === target?.name);
    if (!target || !pod || to.namespace !== 'kia-system') return send(res, status(req, 404, 'NotFound', `pods "${target?.name ?? to.id}" not found`, { details: { name: target?.name ?? to.id, kind: 'pods' } }));
    return this.forward(req, res, { url: `${target.scheme}://${pod.address}:${target.port ?? pod.port}${to.path}`, method: to.method, headers: forwardedHeaders(req.headers) });
  }

  private async forward(req: Req, res: Res, to: { url: string; method: string; headers: Record<string, string>; identity?: Parameters<typeof openStream>[0]['identity'] }): Promise<void> {
    const upstream = await openStream({
      url: to.url,
      method: to.method,
      headers: to.headers,
      ...(to.identity ? { identity: to.identity } : {}),
      insecureSkipVerify: true,
      agent: this.kubeletAgent ?? false,
      timeoutMs: 10_000,
      bodyStream: to.method === 'GET' || to.method === 'HEAD' ? undefined : (req as unknown as NodeJS.ReadableStream),
    });
    if (!upstream.res) {
      return send(res, { status: 503, headers: { 'Content-Type': 'application/json', ...NOSNIFF }, body: encodeJson({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `error trying to reach service: ${upstream.error ?? upstream.outcome}`, reason: 'ServiceUnavailable', code: 503 }, prettyFor(req)) });
    }
    const from = upstream.res;
    res.statusCode = from.statusCode ?? 502;
    for (const [name, value] of Object.entries(from.headers)) {
      if (value === undefined || ['connection', 'keep-alive', 'transfer-encoding', 'date'].includes(name)) continue;
      res.setHeader(name, value);
    }
    from.pipe(res as unknown as NodeJS.WritableStream);
    res.on('close', () => from.destroy());
  }
}
