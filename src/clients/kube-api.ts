// The Kubernetes API in one module, the only importer of @kubernetes/client-node: a kubeconfig's context, cluster
// (server, CA, skip-verify, tls-server-name) and user as a kia identity, exec credential plugins run with a deadline,
// and nodes listed through the API server with one address rule (nodeAddress).
import { spawn } from 'node:child_process';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { KubeConfig, User } from '@kubernetes/client-node';
import { CredentialError, InputError } from '../errors.ts';
import { Secret, type Identity } from './identity.ts';
import { failureOf, failureOfExchange, requestInfo, type KubeletResult } from './kubelet-failure.ts';
import { Transport } from './transport/transport.ts';

/** The kubelet's port when a node does not say (status.daemonEndpoints). */
const KUBELET_PORT = 10250;

/** How to reach the API server: its URL, how to verify it, who to be, and the limits of each call. */
export interface ApiServerAccess {
  server: string;
  ca?: string;
  identity?: Identity;
  insecureSkipVerify?: boolean;
  servername?: string;
  timeoutMs?: number;
  maxBytes?: number;
  /** Ends the call early (the command's deadline). */
  signal?: AbortSignal;
  /**
   * A transport shared by many calls (a fan-out through the API server): one TLS context and resumed sessions instead
   * of a full handshake and a new context per call. Its owner closes it; absent, each call makes and closes its own.
   */
  transport?: Transport;
}

/** A kubeconfig resolved once: the cluster to talk to, and its user as an identity (absent: no credential). */
export interface KubeconfigAccess {
  /** The file (or `(default)`: $KUBECONFIG, ~/.kube/config) and context, for messages. */
  source: string;
  context: string;
  server: string;
  ca?: string;
  insecureSkipVerify: boolean;
  servername?: string;
  user?: Identity;
}

export interface KubeconfigOptions {
  /** A kubeconfig file; absent = the default chain. */
  path?: string;
  context?: string;
  /** How long an exec credential plugin may run (default 30 s); it is killed after. */
  execTimeoutMs?: number;
  signal?: AbortSignal;
}

async function loadConfig(path: string | undefined, context: string | undefined): Promise<KubeConfig> {
  const k8s = await import('@kubernetes/client-node');
  const config = new k8s.KubeConfig();
  try {
    if (path) config.loadFromFile(path);
    else config.loadFromDefault();
    if (context) config.setCurrentContext(context);
  } catch (error) {
    throw new InputError(`cannot load kubeconfig ${path ?? '(default)'}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`, { cause: error });
  }
  return config;
}

interface ExecConfig {
  command?: string;
  args?: string[];
  env?: { name: string; value: string }[];
  apiVersion?: string;
}

const EXEC_OUTPUT_CAP = 1 << 20;

/**
 * Runs a kubeconfig's exec credential plugin as client-go does (stdin closed: never interactive), killing it after
 * `timeoutMs` or when the signal aborts, and reads its ExecCredential. Every failure names the plugin's command.
 */
export function runExecPlugin(exec: ExecConfig, options: { timeoutMs: number; signal?: AbortSignal; where: string }): Promise<{ token?: string; cert?: string; key?: string }> {
  const command = exec.command ?? '';
  const named = `exec plugin \`${[command, ...(exec.args ?? [])].join(' ')}\` (${options.where})`;
  if (!command) return Promise.reject(new CredentialError(`${options.where}: the exec plugin names no command`));
  if (options.signal?.aborted) return Promise.reject(new CredentialError(`${named} was not run: the deadline had passed`));
  const env = { ...process.env, ...Object.fromEntries((exec.env ?? []).map((e) => [e.name, e.value])) };
  env.KUBERNETES_EXEC_INFO = JSON.stringify({ apiVersion: exec.apiVersion ?? 'client.authentication.k8s.io/v1', kind: 'ExecCredential', spec: { interactive: false } });
  return new Promise((resolve, reject) => {
    // Its own process group, so that a plugin killed at the deadline takes its children (a shell's `sleep`) along.
    const child = spawn(command, exec.args ?? [], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    let settled = false;
    const finish = (error: Error | undefined, value?: { token?: string; cert?: string; key?: string }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (error) {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
        child.stdout.destroy();
        child.stderr.destroy();
        child.unref();
        reject(error);
      } else resolve(value ?? {});
    };
    const onAbort = () => finish(new CredentialError(`${named} was still running when the deadline passed`));
    const timer = setTimeout(() => finish(new CredentialError(`${named} did not finish within ${options.timeoutMs} ms (it may wait for an interactive login, which kia does not run)`)), options.timeoutMs);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (stdout.length > EXEC_OUTPUT_CAP) finish(new CredentialError(`${named} printed more than ${EXEC_OUTPUT_CAP} bytes`));
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      if (stderr.length < 4096) stderr += chunk;
    });
    child.on('error', (error: NodeJS.ErrnoException) => finish(new CredentialError(`${named} could not start: ${error.code ?? error.message}`)));
    child.on('close', (code, signal) => {
      if (code !== 0) {
        const why = (stderr.trim().split('\n')[0] ?? '').slice(0, 200);
        finish(new CredentialError(`${named} failed (${signal ?? `exit ${code}`})${why ? `: ${why}` : ''}`));
        return;
      }
      let status: { token?: unknown; clientCertificateData?: unknown; clientKeyData?: unknown } | undefined;
      try {
        status = (JSON.parse(stdout) as { status?: typeof status }).status;
      } catch {
        status = undefined;
      }
      const token = typeof status?.token === 'string' ? status.token : undefined;
      const cert = typeof status?.clientCertificateData === 'string' ? status.clientCertificateData : undefined;
      const key = typeof status?.clientKeyData === 'string' ? status.clientKeyData : undefined;
      if (!token && !(cert && key)) finish(new CredentialError(`${named} printed no ExecCredential with a token or a client certificate`));
      else finish(undefined, { ...(token ? { token } : {}), ...(cert && key ? { cert, key } : {}) });
    });
  });
}

/** The exec plugin of a user, where client-node's ExecAuth would find one. */
function execOf(user: User | null): ExecConfig | undefined {
  const exec = (user?.exec ?? (user?.authProvider as { config?: { exec?: unknown } } | undefined)?.config?.exec) as ExecConfig | undefined;
  return exec && typeof exec === 'object' ? exec : undefined;
}

/** The user's certificate, key and token as client-node reads them (files, inline data, auth providers), no exec. */
async function staticCredentials(config: KubeConfig, user: User | null, exec: ExecConfig | undefined): Promise<{ cert?: string; key?: string; token?: string }> {
  const k8s = await import('@kubernetes/client-node');
  if (exec) {
    // client-node would run the plugin itself, without a deadline: read the rest by hand and run it ourselves.
    const cert = k8s.bufferFromFileOrString(user?.certFile, user?.certData);
    const key = k8s.bufferFromFileOrString(user?.keyFile, user?.keyData);
    return { ...(cert && key ? { cert: cert.toString(), key: key.toString() } : {}), ...(user?.token ? { token: user.token } : {}) };
  }
  const options: { cert?: string | Buffer; key?: string | Buffer; headers?: Record<string, string> } = { headers: {} };
  await config.applyToHTTPSOptions(options as never);
  const bearer = options.headers?.Authorization ?? options.headers?.authorization;
  return {
    ...(options.cert && options.key ? { cert: options.cert.toString(), key: options.key.toString() } : {}),
    ...(bearer?.startsWith('Bearer ') ? { token: bearer.slice(7) } : {}),
  };
}

/** A kubeconfig's current (or named) context: the cluster, and the user as an identity (exec plugins included). */
export async function loadKubeconfig(options: KubeconfigOptions = {}): Promise<KubeconfigAccess> {
  const source = options.path ?? '(default)';
  const config = await loadConfig(options.path, options.context);
  const cluster = config.getCurrentCluster();
  if (!cluster?.server) throw new InputError(`kubeconfig ${source} has no cluster server for context "${config.getCurrentContext()}"`);
  const user = config.getCurrentUser();
  const exec = execOf(user);
  const k8s = await import('@kubernetes/client-node');
  let credentials: { cert?: string; key?: string; token?: string };
  let ca: Buffer | null;
  try {
    ca = k8s.bufferFromFileOrString(cluster.caFile, cluster.caData);
    credentials = await staticCredentials(config, user, exec);
  } catch (error) {
    throw new InputError(`cannot use kubeconfig ${source}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`, { cause: error });
  }
  if (exec) {
    const where = `kubeconfig ${source}, user ${user?.name ?? '?'}`;
    // As kubectl: a relative command with a slash is relative to the kubeconfig's folder.
    const command = exec.command && options.path && exec.command.includes('/') && !isAbsolute(exec.command) ? resolve(dirname(options.path), exec.command) : exec.command;
    const fromPlugin = await runExecPlugin({ ...exec, ...(command ? { command } : {}) }, { timeoutMs: options.execTimeoutMs ?? 30_000, where, ...(options.signal ? { signal: options.signal } : {}) });
    credentials = { ...credentials, ...fromPlugin };
  }
  const identity: Identity = { name: `kubeconfig:${user?.name ?? 'user'}` };
  if (credentials.cert && credentials.key) {
    identity.cert = credentials.cert;
    identity.key = new Secret(credentials.key);
  }
  if (credentials.token) identity.token = new Secret(credentials.token);
  return {
    source,
    context: config.getCurrentContext(),
    server: cluster.server,
    insecureSkipVerify: cluster.skipTLSVerify === true,
    ...(ca ? { ca: ca.toString() } : {}),
    ...(cluster.tlsServerName ? { servername: cluster.tlsServerName } : {}),
    ...(identity.cert || identity.token ? { user: identity } : {}),
  };
}

/** The API server as a kubeconfig names it, asked as `identity` (default: the kubeconfig's user). */
export function apiServerAccess(kube: KubeconfigAccess, extra: Partial<ApiServerAccess> = {}): ApiServerAccess {
  const identity = extra.identity ?? kube.user;
  return {
    server: kube.server,
    ...(kube.ca ? { ca: kube.ca } : {}),
    insecureSkipVerify: kube.insecureSkipVerify,
    ...(kube.servername ? { servername: kube.servername } : {}),
    ...extra,
    ...(identity ? { identity } : {}),
  };
}

export interface NodeAddress {
  name: string;
  /** The node's address by the one rule: InternalIP, else ExternalIP, else Hostname. */
  address: string;
  /** `status.daemonEndpoints.kubeletEndpoint.Port`, else 10250. */
  port: number;
}

interface NodeObject {
  metadata?: { name?: string };
  status?: { addresses?: { type?: string; address?: string }[]; daemonEndpoints?: { kubeletEndpoint?: { Port?: number } } };
}

/** The address kinds in the order kia prefers them, as the API server does for its kubelet client (kubeadm's order). */
export const NODE_ADDRESS_ORDER = ['InternalIP', 'ExternalIP', 'Hostname'] as const;

/** The one address rule: the first non-empty address of the first type in NODE_ADDRESS_ORDER. */
export function nodeAddress(node: NodeObject): NodeAddress | undefined {
  const name = node.metadata?.name;
  const addresses = node.status?.addresses ?? [];
  const address = NODE_ADDRESS_ORDER.map((type) => addresses.find((a) => a.type === type && a.address)?.address).find((a) => a !== undefined);
  if (!name || !address) return undefined;
  return { name, address, port: node.status?.daemonEndpoints?.kubeletEndpoint?.Port || KUBELET_PORT };
}

/** One call of the API as JSON: the path (segments already encoded), and a body to POST. */
export interface JsonCall {
  path: string;
  /** A POST of this object (a review); absent: a GET. */
  post?: unknown;
  /** More request headers (one the pods proxy forwards to the pod). */
  headers?: Record<string, string>;
}

/** One JSON call through the transport, as the access says; a status other than 200 (201 for a POST) is a failure. */
export async function askJson<T>(access: ApiServerAccess, call: JsonCall): Promise<KubeletResult<T>> {
  const maxBytes = access.maxBytes ?? 16 << 20;
  const transport = access.transport ?? new Transport({ timeoutMs: access.timeoutMs ?? 10_000, maxBytes, ...(access.signal ? { signal: access.signal } : {}) });
  // A review answers 201 Created; a read 200.
  const expected = call.post === undefined ? 200 : 201;
  try {
    const exchange = await transport.exchange({
      url: new URL(`${access.server.replace(/\/+$/, '')}${call.path}`),
      headers: { accept: 'application/json', ...(call.post === undefined ? {} : { 'content-type': 'application/json' }), ...call.headers },
      ...(call.post === undefined ? {} : { method: 'POST', body: JSON.stringify(call.post) }),
      ...(access.identity ? { identity: access.identity } : {}),
      trust: { ...(access.ca ? { ca: access.ca } : {}), ...(access.insecureSkipVerify ? { insecureSkipVerify: true } : {}), ...(access.servername ? { serverName: access.servername } : {}) },
      mode: 'strict',
      // This call's own limits, also on a shared transport.
      ...(access.timeoutMs !== undefined ? { timeoutMs: access.timeoutMs } : {}),
      maxBytes,
    });
    if (exchange.outcome !== 'ok' || exchange.status !== expected) return failureOfExchange(exchange, 'apiserver', maxBytes);
    try {
      return { ok: true, value: JSON.parse(exchange.body.toString('utf8')) as T, status: expected, request: requestInfo(exchange, 'apiserver') };
    } catch {
      return failureOf('bad-answer', requestInfo(exchange, 'apiserver'), 'the API server answer is not JSON', { status: expected });
    }
  } finally {
    if (transport !== access.transport) transport.close();
  }
}

/** GET /api/v1/nodes: every node with an address, by the one rule. */
export async function listNodes(access: ApiServerAccess): Promise<KubeletResult<NodeAddress[]>> {
  const answer = await askJson<{ items?: NodeObject[] }>(access, { path: '/api/v1/nodes' });
  if (!answer.ok) return answer;
  return { ...answer, value: (answer.value.items ?? []).map(nodeAddress).filter((n): n is NodeAddress => n !== undefined) };
}

/** GET /api/v1/nodes/<name>. */
export async function getNode(access: ApiServerAccess, name: string): Promise<KubeletResult<NodeAddress>> {
  const answer = await askJson<NodeObject>(access, { path: `/api/v1/nodes/${encodeURIComponent(name)}` });
  if (!answer.ok) return answer;
  const node = nodeAddress(answer.value);
  return node ? { ...answer, value: node } : failureOf('bad-answer', answer.request, `node "${name}" has no address`, { status: answer.status });
}
