// A client for one kubelet's 10250 API, straight to the node or through the API server's node proxy (as kubectl does).
// Every call has a deadline and a byte cap; refusals and network failures come back as data, never printed or thrown.
import type { Readable } from 'node:stream';
import { getPort } from '../catalog/index.ts';
import { UsageError } from '../errors.ts';
import type { Identity } from './identity.ts';
import { failureOf, failureOfExchange, requestInfo, type KubeletResult } from './kubelet-failure.ts';
import { Transport, type Exchange } from './transport/transport.ts';

export type { KubeletFailure, KubeletFailureKind, KubeletRequestInfo, KubeletResult } from './kubelet-failure.ts';
export { KUBELET_REQUEST_CHANNEL } from './kubelet-failure.ts';

/** The kubelet API port, from the catalog. */
export const KUBELET_PORT = getPort('kubelet', 'api').port;

/**
 * How to reach the kubelet: `direct` dials `https://<address>:<port>` (the certificate is checked against `servername`,
 * the node name, when given); `apiserver` goes through `<server>/api/v1/nodes/<node>/proxy/…`.
 */
export type KubeletTransport =
  | { readonly kind: 'direct'; readonly address: string; readonly port?: number; readonly servername?: string }
  | { readonly kind: 'apiserver'; readonly server: string; readonly node: string; readonly servername?: string };

export interface KubeletClientOptions {
  transport: KubeletTransport;
  /** Who to be: toward the kubelet (direct) or the API server (apiserver). Absent = anonymous. */
  identity?: Identity;
  /** PEM bundle that verifies the peer (the kubelet, or the API server); absent = the system roots. */
  ca?: string;
  /** TLS verification is on unless this is set. */
  insecureSkipVerify?: boolean;
  /** Per call: connect, headers and body (streams: until the headers). Default 10 s. */
  timeoutMs?: number;
  /** Byte cap on every buffered answer and on non-follow log streams. Default 16 MiB. */
  maxBytes?: number;
  /** The run's transport (deadline, sessions, secrets to scrub); one per client when absent. */
  network?: Transport;
  /** The command's deadline: ends calls early when it aborts (streams: only while setting up). */
  signal?: AbortSignal;
}

export interface PodRef {
  namespace: string;
  pod: string;
  container: string;
  /** Pins the pod UID (`/run/{ns}/{pod}/{uid}/{container}`). */
  uid?: string;
}

export interface ContainerLogOptions extends PodRef {
  follow?: boolean;
  previous?: boolean;
  timestamps?: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  /** RFC 3339. */
  sinceTime?: string;
  limitBytes?: number;
}

export type MetricsEndpoint = 'metrics' | 'cadvisor' | 'resource' | 'probes' | 'slis';
export const METRICS_ENDPOINTS: readonly MetricsEndpoint[] = ['metrics', 'cadvisor', 'resource', 'probes', 'slis'];

export interface PodList {
  kind?: string;
  apiVersion?: string;
  metadata?: Record<string, unknown>;
  items: Record<string, unknown>[];
}

export type NodeLogs = { readonly kind: 'listing'; readonly path: string; readonly entries: string[] } | { readonly kind: 'file'; readonly path: string; readonly body: Buffer };

const seg = (value: string) => encodeURIComponent(value);

/** The /logs/ listing (Go's http.FileServer HTML) as names; directories end in `/`. */
export function parseLogListing(html: string): string[] {
  return [...html.matchAll(/<a href="([^"]*)">/g)].map((m) => decodeURIComponent(m[1] ?? ''));
}

/** `command '<cmd>' exited with <n>: <stderr>`, the kubelet's /run answer for a failing command. */
export function parseRunExit(message: string): { exitCode: number; stderr: string } | undefined {
  const m = /^command '.*' exited with (\d+): ?([\s\S]*)$/.exec(message);
  return m ? { exitCode: Number(m[1]), stderr: m[2] ?? '' } : undefined;
}

export class KubeletClient {
  readonly #options: KubeletClientOptions;
  readonly #timeoutMs: number;
  readonly #maxBytes: number;
  readonly #network: Transport;

  constructor(options: KubeletClientOptions) {
    this.#options = options;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#maxBytes = options.maxBytes ?? 16 << 20;
    this.#network = options.network ?? new Transport({ timeoutMs: this.#timeoutMs, ...(options.signal ? { signal: options.signal } : {}) });
  }

  /** The URL a kubelet path maps to under this transport (for help, logs and messages). */
  urlFor(pathAndQuery: string): URL {
    const t = this.#options.transport;
    if (t.kind === 'apiserver') return new URL(`${t.server.replace(/\/+$/, '')}/api/v1/nodes/${seg(t.node)}/proxy${pathAndQuery}`);
    const host = t.address.includes(':') ? `[${t.address}]` : t.address;
    return new URL(`https://${host}:${t.port ?? KUBELET_PORT}${pathAndQuery}`);
  }

  #request(method: string, url: URL, maxBytes: number) {
    const o = this.#options;
    return {
      url,
      method,
      ...(o.identity ? { identity: o.identity } : {}),
      trust: { ...(o.ca ? { ca: o.ca } : {}), ...(o.insecureSkipVerify ? { insecureSkipVerify: true } : {}), ...(o.transport.servername ? { serverName: o.transport.servername } : {}) },
      mode: 'strict' as const,
      timeoutMs: this.#timeoutMs,
      maxBytes,
    };
  }

  #info(exchange: Exchange) {
    return requestInfo(exchange, this.#options.transport.kind);
  }

  #failure(exchange: Exchange) {
    return failureOfExchange(exchange, this.#options.transport.kind, this.#maxBytes);
  }

  /** One buffered exchange; any status other than 2xx is a failure carrying the server's words. */
  async #fetch(method: string, url: URL, options: { accept3xx?: boolean } = {}): Promise<KubeletResult<{ body: Buffer; headers: Record<string, string> }>> {
    const exchange = await this.#network.exchange(this.#request(method, url, this.#maxBytes));
    const status = exchange.status ?? 0;
    if (exchange.outcome !== 'ok' || status < 200 || (status >= 300 && !(options.accept3xx && status < 400))) return this.#failure(exchange);
    return { ok: true, value: { body: exchange.body, headers: exchange.headers }, status, request: this.#info(exchange) };
  }

  async #text(method: string, path: string): Promise<KubeletResult<string>> {
    const answer = await this.#fetch(method, this.urlFor(path));
    return answer.ok ? { ...answer, value: answer.value.body.toString('utf8') } : answer;
  }

  async #json<T>(path: string): Promise<KubeletResult<T>> {
    const answer = await this.#text('GET', path);
    if (!answer.ok) return answer;
    try {
      return { ...answer, value: JSON.parse(answer.value) as T };
    } catch {
      return failureOf('bad-answer', answer.request, `the answer is not JSON: ${answer.value.slice(0, 80)}`, { status: answer.status });
    }
  }

  /** GET /healthz (`?verbose` lists each check). A failing check is a 500 failure with the check lines as message. */
  healthz(options: { verbose?: boolean } = {}): Promise<KubeletResult<string>> {
    return this.#text('GET', options.verbose ? '/healthz?verbose' : '/healthz');
  }

  /** GET /pods: the pods the kubelet intends to run. */
  pods(): Promise<KubeletResult<PodList>> {
    return this.#podList('/pods');
  }

  /** GET /runningpods/: the pods the container runtime reports. */
  runningPods(): Promise<KubeletResult<PodList>> {
    return this.#podList('/runningpods/');
  }

  /** A PodList, checked: JSON that is not one (no `items` list of objects) is a bad answer, not a crash later. */
  async #podList(path: string): Promise<KubeletResult<PodList>> {
    const answer = await this.#json<PodList>(path);
    if (!answer.ok) return answer;
    const items: unknown = (answer.value as unknown as { items?: unknown } | null)?.items;
    if (!Array.isArray(items) || items.some((i) => typeof i !== 'object' || i === null)) return failureOf('bad-answer', answer.request, 'the answer is JSON but not a PodList', { status: answer.status });
    return answer;
  }

  /** GET /configz: `{"kubeletconfig":{…}}`. */
  configz(): Promise<KubeletResult<{ kubeletconfig: Record<string, unknown> }>> {
    return this.#json('/configz');
  }

  /** GET /stats/summary. */
  statsSummary(options: { onlyCpuAndMemory?: boolean } = {}): Promise<KubeletResult<Record<string, unknown>>> {
    return this.#json(options.onlyCpuAndMemory ? '/stats/summary?only_cpu_and_memory=true' : '/stats/summary');
  }

  /** GET /metrics or /metrics/<endpoint>: the raw exposition text. */
  metrics(options: { endpoint?: MetricsEndpoint } = {}): Promise<KubeletResult<string>> {
    const endpoint = options.endpoint ?? 'metrics';
    return this.#text('GET', endpoint === 'metrics' ? '/metrics' : `/metrics/${endpoint}`);
  }

  /** GET /logs/<path>: a directory listing (names) or a file's bytes. Directories are followed to their slashed form. */
  async nodeLogs(path = ''): Promise<KubeletResult<NodeLogs>> {
    const parts = path.split('/').filter((p) => p !== '');
    if (parts.some((p) => p === '..' || p === '.')) throw new UsageError(`log path "${path}" may not hold . or .. segments`);
    let relative = parts.map(seg).join('/') + (path.endsWith('/') && parts.length > 0 ? '/' : '');
    for (let hop = 0; hop < 2; hop++) {
      const answer = await this.#fetch('GET', this.urlFor(`/logs/${relative}`), { accept3xx: true });
      if (!answer.ok) return answer;
      if (answer.status >= 300) {
        // The file server answers a directory without its slash with 301 to the slashed form.
        relative = relative === '' || relative.endsWith('/') ? relative : `${relative}/`;
        continue;
      }
      const type = answer.value.headers['content-type'] ?? '';
      const shown = decodeURIComponent(relative);
      if (type.startsWith('text/html') && (relative === '' || relative.endsWith('/'))) {
        return { ...answer, value: { kind: 'listing', path: shown, entries: parseLogListing(answer.value.body.toString('utf8')) } };
      }
      return { ...answer, value: { kind: 'file', path: shown, body: answer.value.body } };
    }
    return failureOf('bad-answer', { method: 'GET', url: this.urlFor(`/logs/${relative}`).toString(), via: this.#options.transport.kind, identity: this.#options.identity?.name ?? 'anonymous' }, 'redirected more than once');
  }

  /** The URL container logs are read from: the kubelet's /containerLogs, or the pods `log` subresource via the API server. */
  containerLogsUrl(options: ContainerLogOptions): URL {
    const query = new URLSearchParams();
    if (options.follow) query.set('follow', 'true');
    if (options.previous) query.set('previous', 'true');
    if (options.timestamps) query.set('timestamps', 'true');
    if (options.sinceSeconds !== undefined) query.set('sinceSeconds', String(options.sinceSeconds));
    if (options.sinceTime !== undefined) query.set('sinceTime', options.sinceTime);
    if (options.tailLines !== undefined) query.set('tailLines', String(options.tailLines));
    if (options.limitBytes !== undefined) query.set('limitBytes', String(options.limitBytes));
    const t = this.#options.transport;
    if (t.kind === 'apiserver') {
      const apiQuery = new URLSearchParams([['container', options.container], ...query]);
      return new URL(`${t.server.replace(/\/+$/, '')}/api/v1/namespaces/${seg(options.namespace)}/pods/${seg(options.pod)}/log?${apiQuery}`);
    }
    const search = query.toString();
    return this.urlFor(`/containerLogs/${seg(options.namespace)}/${seg(options.pod)}/${seg(options.container)}${search ? `?${search}` : ''}`);
  }

  /**
   * Container logs as a stream. Without `follow` the stream ends at the byte cap; with it the stream runs until the
   * peer closes or the caller destroys it. The deadline covers connect and headers only.
   */
  async containerLogs(options: ContainerLogOptions): Promise<KubeletResult<Readable>> {
    const opened = await this.#network.open({ ...this.#request('GET', this.containerLogsUrl(options), options.follow ? Number.MAX_SAFE_INTEGER : this.#maxBytes), streamIf: (status) => status >= 200 && status < 300 });
    const status = opened.status ?? 0;
    if (!opened.stream) return this.#failure(opened);
    return { ok: true, value: opened.stream, status, request: this.#info(opened) };
  }

  /** POST /run/{ns}/{pod}[/{uid}]/{container}?cmd=…: runs a command to completion and returns its combined output. */
  async run(options: PodRef & { command: readonly string[] }): Promise<KubeletResult<string>> {
    if (options.command.length === 0) throw new UsageError('run needs a command after --');
    // The kubelet splits cmd on single spaces without quoting, so an argument with whitespace cannot be passed.
    const bad = options.command.find((arg) => arg === '' || /\s/.test(arg));
    if (bad !== undefined) throw new UsageError(`/run splits its command on spaces: argument "${bad}" cannot be passed (use exec)`);
    const pod = options.uid ? `${seg(options.pod)}/${seg(options.uid)}` : seg(options.pod);
    const cmd = new URLSearchParams({ cmd: options.command.join(' ') }).toString().replace(/\+/g, '%20');
    return this.#text('POST', `/run/${seg(options.namespace)}/${pod}/${seg(options.container)}?${cmd}`);
  }
}
