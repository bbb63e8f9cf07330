// The kubelet's routes after authn/authz: go-restful web services and the exact handlers (pkg/kubelet/server).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, normalize } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Socket } from 'node:net';
import type { IncomingMessage } from 'node:http';
import { goError, healthz, healthzCheck, json, readBody, restfulError, TEXT, NOSNIFF, type Reply, type Req, type Res } from '../../net/go-http.ts';
import { clusterPki, nodeLayout } from '../../plan/node-layout.ts';
import { runInContainer, type ContainerInfo } from '../../runtime/container.ts';
import { mintServiceAccountToken } from '../../auth/service-account-tokens.ts';
import { containerLine, linesUntil, rfc3339Nano, LINE_PERIOD_MS, type LogLine } from '../../plan/node-logs.ts';
import type { LabPod } from '../../types.ts';
import { cadvisorMetrics, configz, kubeletMetrics, podList, podStart, probeMetrics, resourceMetrics, runningPodList, sliMetrics, statsSummary } from './content.ts';
import { containerLogOptions } from './log-options.ts';
import { zpage } from '../zpages.ts';
import { PROFILE_SETTINGS } from '../../plan/profiles.ts';
import { streamUpgrade } from '../../runtime/streaming.ts';
import { pprof } from '../pprof.ts';
import type { KubeletStandIn, KubeletPort } from './index.ts';

export interface Call {
  req: Req;
  res: Res;
  url: URL;
  method: string;
  port: KubeletPort;
}

const notFound = () => restfulError(404, '404: Page Not Found');
const methodNotAllowed = (allow: string) => ({ status: 405, headers: { Allow: allow }, body: '405: Method Not Allowed' }) satisfies Reply;

export class KubeletHandlers {
  private readonly kubelet: KubeletStandIn;
  private readonly tokens = new Map<string, string>();
  /** Expositions that do not change while the kubelet runs, built on first use. */
  private readonly expositions = new Map<string, string>();
  private caCrt: string | undefined;

  constructor(kubelet: KubeletStandIn) {
    this.kubelet = kubelet;
  }

  private get node() {
    return this.kubelet.node;
  }

  private now(): number {
    return this.kubelet.ctx.clock.now();
  }

  private checks(): { name: string; error?: string | undefined }[] {
    return ['ping', 'log', 'syncloop'].map((name) => ({ name, error: this.kubelet.state.checkError(name) }));
  }

  private findPod(namespace: string, name: string): LabPod | undefined {
    return this.node.pods.find((p) => p.namespace === namespace && p.name === name);
  }

  async dispatch(service: string, call: Call): Promise<Reply | undefined> {
    const { url, method } = call;
    const path = url.pathname;
    switch (service) {
      case 'healthz':
        return healthz('healthz', this.checks(), url);
      case 'healthz-check': {
        const name = path.slice('/healthz/'.length);
        return healthzCheck({ name, error: this.kubelet.state.checkError(name) });
      }
      case 'metrics':
        return this.metrics(call);
      case 'configz':
        return json(200, configz(this.kubelet.ctx.plan, this.node, this.kubelet.state.drifted()), NOSNIFF);
      case 'pods':
        if (path !== '/pods' && path !== '/pods/') return notFound();
        if (method !== 'GET') return methodNotAllowed('GET');
        return json(200, podList(this.node, this.kubelet.version.gitVersion, this.kubelet.state.startedAt));
      case 'runningpods':
        if (path !== '/runningpods/') return notFound();
        if (method !== 'GET') return methodNotAllowed('GET');
        return json(200, runningPodList(this.node));
      case 'stats':
        if (path !== '/stats/summary') return notFound();
        if (method !== 'GET' && method !== 'POST') return methodNotAllowed('GET, POST');
        return json(200, statsSummary(this.node, this.kubelet.state.startedAt, this.now()));
      case 'logs':
        if (method !== 'GET') return methodNotAllowed('GET');
        return this.nodeLogs(path.slice('/logs/'.length));
      case 'containerLogs':
        return this.containerLogs(call);
      case 'run':
        return this.run(call);
      case 'exec':
      case 'attach':
      case 'portForward':
        return this.streaming(service, call);
      case 'checkpoint':
        return this.checkpoint(call);
      case 'pprof':
        return this.pprof(call);
      case 'flags':
        return this.flags(call);
      case 'flagz':
      case 'statusz':
        return zpage(service, { component: 'kubelet', startedAt: this.kubelet.state.startedAt, now: this.now(), version: this.kubelet.version, flags: this.flagMap() });
      case 'debug-disabled':
        return goError(405, 'Debug endpoints are disabled.');
      case 'profiling-disabled':
        return goError(405, 'profiling endpoint is disabled.');
      default:
        return notFound();
    }
  }

  private flagMap(): Record<string, string> {
    const L = nodeLayout(this.node);
    const override: Record<string, string> = PROFILE_SETTINGS[this.node.profile].kubelet.hostnameOverride ? { 'hostname-override': this.node.name } : {};
    return { config: L.kubeletConfig, kubeconfig: L.kubeletConf, ...override, 'node-ip': this.node.ip, v: '2' };
  }

  private metrics({ url, req, method }: Call): Reply {
    if (url.pathname === '/metrics/slis' && method === 'DELETE') return { status: 200, headers: { 'Content-Type': TEXT }, body: 'metrics reset\n' };
    const node = this.node;
    const info = { ...this.kubelet.version, major: '1', minor: this.kubelet.ctx.plan.kubernetesVersion.split('.')[1] ?? '' };
    const path = url.pathname;
    const cached = (key: string, build: () => string) => {
      let text = this.expositions.get(key);
      if (text === undefined) this.expositions.set(key, (text = build()));
      return text;
    };
    const body =
      path === '/metrics/cadvisor' ? cadvisorMetrics(node, this.now())
      : path === '/metrics/resource' ? cached(path, () => resourceMetrics(node))
      : path === '/metrics/probes' ? cached(path, () => probeMetrics(node))
      : path === '/metrics/slis' ? sliMetrics(['ping', 'log', 'syncloop'])
      : cached(path, () => kubeletMetrics(node, info));
    const headers: Record<string, string> = { 'Content-Type': this.kubelet.version.metricsContentType };
    if (/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
      return { status: 200, headers: { ...headers, 'Content-Encoding': 'gzip' }, body: gzipSync(body) };
    }
    return { status: 200, headers, body };
  }

  /** Go's http.FileServer over the node's /var/log, with `/logs/` stripped. */
  private nodeLogs(relative: string): Reply {
    const base = nodeLayout(this.node).varLog;
    const clean = normalize(`/${decodeURIComponent(relative)}`);
    const target = join(base, clean);
    let stat;
    try {
      stat = statSync(target);
    } catch {
      return goError(404, '404 page not found');
    }
    if (stat.isDirectory()) {
      if (relative !== '' && !relative.endsWith('/')) return { status: 301, headers: { Location: `/logs/${relative}/` } };
      const entries = readdirSync(target, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
      const links = entries.map((e) => {
        const name = e.isDirectory() ? `${e.name}/` : e.name;
        return `<a href="${encodeURI(name)}">${name}</a>`;
      });
      return { status: 200, headers: { 'Content-Type': 'text/html; charset=utf-8', 'Last-Modified': stat.mtime.toUTCString() }, body: `<!doctype html>\n<meta name="viewport" content="width=device-width">\n<pre>\n${links.join('\n')}${links.length ? '\n' : ''}</pre>\n` };
    }
    return { status: 200, headers: { 'Accept-Ranges': 'bytes', 'Last-Modified': stat.mtime.toUTCString(), 'Content-Type': TEXT }, body: readFileSync(target) };
  }

  private containerLogs({ url, method, res }: Call): Reply | undefined {
    if (method !== 'GET') return methodNotAllowed('GET');
    const parts = url.pathname.split('/').slice(2);
    if (parts.length !== 3) return notFound();
    const [namespace, podName, container] = parts.map(decodeURIComponent) as [string, string, string];
    if (namespace === '') return restfulError(400, '{"message": "Missing podNamespace."}');
    if (podName === '') return restfulError(400, '{"message": "Missing podID."}');
    if (container === '') return restfulError(400, '{"message": "Missing container name."}');
    const options = containerLogOptions(url.searchParams, this.now());
    if ('error' in options) return restfulError(options.status, options.error);
    const pod = this.findPod(namespace, podName);
    if (!pod) return restfulError(404, `pod "${podName}" does not exist`);
    if (!pod.containers.includes(container)) return restfulError(404, `container "${container}" not found in pod "${podName}"`);
    if (options.previous) return restfulError(400, `previous terminated container "${container}" in pod "${podName}" not found`);
    const start = podStart(this.kubelet.state.startedAt, pod);
    let lines = linesUntil(pod, container, start, this.now()).filter((l) => options.since === undefined || l.time >= options.since);
    if (options.tailLines !== undefined) lines = options.tailLines === 0 ? [] : lines.slice(-options.tailLines);
    let budget = options.limitBytes ?? Infinity;
    const format = (line: LogLine) => (options.timestamps ? `${rfc3339Nano(line.time)} ${line.text}\n` : `${line.text}\n`);
    // Streamed with chunked encoding and no Content-Type, as the kubelet writes it.
    res.statusCode = 200;
    const write = (text: string): boolean => {
      if (budget <= 0) return false;
      const chunk = Buffer.from(text).subarray(0, budget);
      budget -= chunk.length;
      (res as { write(chunk: Buffer): boolean }).write(chunk);
      return budget > 0;
    };
    // HTTP/2 (1.28, 1.31) frames the body itself and forbids the header.
    if ((res as { stream?: unknown }).stream === undefined) res.setHeader('Transfer-Encoding', 'chunked');
    let open = true;
    for (const line of lines) if (!(open = write(format(line)))) break;
    if (!options.follow || !open) {
      res.end();
      return undefined;
    }
    let next = lines.length > 0 ? Math.round(((lines.at(-1)?.time ?? start) - start) / LINE_PERIOD_MS) + 1 : Math.floor((this.now() - start) / LINE_PERIOD_MS) + 1;
    const period = this.kubelet.ctx.plan.logLinePeriodMs ?? LINE_PERIOD_MS;
    // Another pace than the backlog's: follow from the line due now.
    if (period > 0 && period !== LINE_PERIOD_MS) next = Math.floor((this.now() - start) / period) + 1;
    if (period === 0) {
      // As fast as the reader takes them (benchmarks): batches until the socket pushes back, then wait for drain.
      let stopped = false;
      const pump = () => {
        while (!stopped) {
          let batch = '';
          for (let i = 0; i < 256; i++) batch += format(containerLine(pod, container, next++, start));
          if (!write(batch)) {
            res.end();
            return;
          }
          if ((res as { writableNeedDrain?: boolean }).writableNeedDrain) {
            res.once('drain', pump);
            return;
          }
        }
      };
      res.on('close', () => (stopped = true));
      this.kubelet.onStop(() => {
        stopped = true;
        res.destroy();
      });
      pump();
      return undefined;
    }
    const timer = setInterval(() => {
      const due = Math.floor((this.now() - start) / period);
      for (; next <= due; next++) {
        if (!write(format(containerLine(pod, container, next, start, period)))) {
          clearInterval(timer);
          res.end();
          return;
        }
      }
    }, Math.max(1, Math.min(period, 250)));
    const stop = () => clearInterval(timer);
    res.on('close', stop);
    this.kubelet.onStop(() => {
      stop();
      res.destroy();
    });
    return undefined;
  }

  containerInfo(pod: LabPod, container: string): ContainerInfo {
    const hostNetwork = pod.static || pod.name.startsWith('kube-proxy-');
    const commands: Record<string, string> = {
      'kube-proxy': `/usr/local/bin/kube-proxy --config=/var/lib/kube-proxy/config.conf --hostname-override=${this.node.name}`,
      coredns: '/coredns -conf /etc/coredns/Corefile',
      web: 'nginx: master process nginx -g daemon off;',
      'log-shipper': 'sh -c while true; do sleep 5; done',
    };
    const info: ContainerInfo = {
      podName: pod.name,
      namespace: pod.namespace,
      container,
      nodeName: this.node.name,
      hostNetwork,
      podIP: hostNetwork ? this.node.ip : '10.244.0.10',
      command: commands[container] ?? container,
    };
    if (!pod.static) {
      this.caCrt ??= readFileSync(join(clusterPki(this.kubelet.ctx.plan).pki, 'ca.crt'), 'utf8');
      info.serviceAccount = { caCrt: this.caCrt, token: () => this.serviceAccountToken(pod) };
    }
    return info;
  }

  private serviceAccountToken(pod: LabPod): string {
    let token = this.tokens.get(pod.uid);
    if (!token) {
      const saKey = readFileSync(join(clusterPki(this.kubelet.ctx.plan).pki, 'sa.key'), 'utf8');
      const sa = pod.name.startsWith('kube-proxy-') ? 'kube-proxy' : pod.name.startsWith('coredns-') ? 'coredns' : 'default';
      token = mintServiceAccountToken(saKey, { namespace: pod.namespace, serviceAccount: sa, pod: { name: pod.name, uid: pod.uid }, node: { name: this.node.name }, nowMs: this.now() });
      this.tokens.set(pod.uid, token);
    }
    return token;
  }

  /** `/run/{ns}/{pod}[/{uid}]/{container}?cmd=...`: ExecSync, combined output as application/json (spec §3.7). */
  private async run({ req, url, method }: Call): Promise<Reply> {
    const parts = url.pathname.split('/').slice(2).map(decodeURIComponent);
    if (parts.length !== 3 && parts.length !== 4) return notFound();
    if (method !== 'POST') return methodNotAllowed('POST');
    const [namespace, podName] = parts as [string, string];
    const container = parts.at(-1) ?? '';
    let cmd = url.searchParams.get('cmd') ?? '';
    // go-restful before 3.10 read parameters with FormValue: a POST form body wins over the query.
    if (this.kubelet.version.runCmdFromFormBody && /application\/x-www-form-urlencoded/.test(String(req.headers['content-type'] ?? ''))) {
      const form = new URLSearchParams((await readBody(req, 1 << 16)).toString());
      if (form.has('cmd')) cmd = form.get('cmd') ?? '';
    }
    const pod = this.findPod(namespace, podName);
    if (!pod || (parts.length === 4 && parts[2] !== pod.uid)) return restfulError(404, 'pod does not exist');
    if (!pod.containers.includes(container)) return restfulError(500, `container not found ("${container}")`);
    const argv = cmd.split(' ');
    const result = runInContainer(argv, this.containerInfo(pod, container));
    if ('runtimeError' in result) return restfulError(500, result.runtimeError);
    if (result.exitCode !== 0) return restfulError(500, `command '${argv.join(' ')}' exited with ${result.exitCode}: ${result.stderr}`);
    return { status: 200, headers: { 'Content-Type': 'application/json' }, body: result.stdout + result.stderr };
  }

  /** exec/attach/portForward without an upgrade (spec §3.8, §9 item 15). */
  private async streaming(kind: 'exec' | 'attach' | 'portForward', { req, url, method }: Call): Promise<Reply> {
    return (await this.streamingCheck(kind, req, url, method)) ?? goError(500, 'Upgrade request required');
  }

  /** The kubelet's checks before it proxies a stream: options, then the pod; undefined when the stream may go on. */
  async streamingCheck(kind: 'exec' | 'attach' | 'portForward', req: Req, url: URL, method: string): Promise<Reply | undefined> {
    const parts = url.pathname.split('/').slice(2).map(decodeURIComponent);
    const sizes = kind === 'portForward' ? [2, 3] : [3, 4];
    if (!sizes.includes(parts.length)) return notFound();
    if (method !== 'GET' && method !== 'POST') return methodNotAllowed('GET, POST');
    const form = new URLSearchParams(url.search);
    if (method === 'POST' && /application\/x-www-form-urlencoded/.test(String(req.headers['content-type'] ?? ''))) {
      for (const [k, v] of new URLSearchParams((await readBody(req, 1 << 16)).toString())) if (!form.has(k)) form.set(k, v);
    }
    const on = (name: string) => ['1', 'true'].includes(form.get(name) ?? '');
    if (kind !== 'portForward' && !on('input') && !on('output') && !on('error')) return restfulError(400, 'you must specify at least 1 of stdin, stdout, stderr');
    const [namespace, podName] = parts as [string, string];
    const pod = this.findPod(namespace, podName);
    if (!pod) return restfulError(404, 'pod does not exist');
    const uid = kind === 'portForward' ? parts[2] : parts.length === 4 ? parts[2] : undefined;
    if (uid !== undefined && uid !== pod.uid) return restfulError(404, kind === 'portForward' ? 'pod not found' : 'pod does not exist');
    if (kind !== 'portForward' && !pod.containers.includes(parts.at(-1) ?? '')) return restfulError(404, `container not found ("${parts.at(-1) ?? ''}")`);
    return undefined;
  }

  /** The upgraded stream: SPDY and WebSocket negotiation as the runtime does it; exec, attach, port-forward over WebSocket. */
  stream(kind: 'exec' | 'attach' | 'portForward', req: IncomingMessage, socket: Socket, head: Buffer, url: URL): void {
    const parts = url.pathname.split('/').slice(2).map(decodeURIComponent);
    const pod = this.findPod(parts[0] ?? '', parts[1] ?? '');
    // Port-forward reaches the pod's network namespace: any of its containers names it.
    const container = kind === 'portForward' ? (pod?.containers[0] ?? '') : (parts.at(-1) ?? '');
    streamUpgrade({
      kind,
      req,
      socket,
      head,
      url,
      v5: this.kubelet.version.kubeletWebSocketV5,
      ...(pod ? { target: { info: this.containerInfo(pod, container), attach: { pod, start: podStart(this.kubelet.state.startedAt, pod), now: () => this.now() } } } : {}),
      onStop: (hook) => this.kubelet.onStop(hook),
    });
  }

  private checkpoint({ url, method }: Call): Reply {
    const parts = url.pathname.split('/').slice(2).map(decodeURIComponent);
    if (parts.length !== 3) return notFound();
    if (method !== 'POST') return methodNotAllowed('POST');
    const [namespace, podName, container] = parts as [string, string, string];
    const pod = this.findPod(namespace, podName);
    if (!pod) return restfulError(404, 'pod does not exist');
    if (!pod.containers.includes(container)) return restfulError(404, `container ${container} does not exist`);
    const timeout = url.searchParams.get('timeout');
    if (timeout !== null && !/^\d+$/.test(timeout)) return restfulError(404, 'cannot parse value of timeout parameter');
    return restfulError(500, `checkpointing of ${namespace}/${podName}/${container} failed (rpc error: code = Unimplemented desc = method CheckpointContainer not implemented)`);
  }

  private pprof({ url, method }: Call): Reply {
    // The route is /debug/pprof/{subpath:*}: go-restful matches no route without a segment after the slash, whatever the method.
    const name = url.pathname.slice('/debug/pprof/'.length);
    if (name === '') return notFound();
    if (method !== 'GET') return methodNotAllowed('GET');
    const L = nodeLayout(this.node);
    const argv = ['/usr/bin/kubelet', `--bootstrap-kubeconfig=${join(L.root, 'etc/kubernetes/bootstrap-kubelet.conf')}`, `--kubeconfig=${L.kubeletConf}`, `--config=${L.kubeletConfig}`, '--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock', `--node-ip=${this.node.ip}`];
    return pprof(name, argv);
  }

  private async flags({ req, method }: Call): Promise<Reply> {
    if (method !== 'PUT') return goError(406, 'unsupported http method');
    const value = (await readBody(req, 1024)).toString().trim();
    if (!/^\d+$/.test(value)) return goError(400, `invalid verbosity level "${value}"`);
    return { status: 200, headers: { 'Content-Type': TEXT }, body: `successfully set klog.logging.verbosity to ${value}\n` };
  }
}
