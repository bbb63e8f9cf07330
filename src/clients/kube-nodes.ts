// Nodes through the API server: where each kubelet listens, as the API server itself would dial it (spec §6.3), and
// the cluster half of a kubeconfig (server, CA) read through @kubernetes/client-node.
import { loadKubeconfig } from './kubeconfig.ts';
import { InputError } from '../errors.ts';
import type { Identity } from './identity.ts';
import { failureOf, openRequest, readCapped, serverMessage, type KubeletFailureKind, type KubeletResult } from './kubelet-http.ts';
import { KUBELET_PORT } from './kubelet.ts';

export interface ApiServerAccess {
  server: string;
  ca?: string;
  identity?: Identity;
  insecureSkipVerify?: boolean;
  servername?: string;
  timeoutMs?: number;
  maxBytes?: number;
}

export interface NodeAddress {
  name: string;
  /** The first address of the preferred types: InternalIP, ExternalIP, Hostname (kubeadm's order). */
  address: string;
  /** `status.daemonEndpoints.kubeletEndpoint.Port`, else the catalog's kubelet port. */
  port: number;
}

interface NodeObject {
  metadata?: { name?: string };
  status?: { addresses?: { type?: string; address?: string }[]; daemonEndpoints?: { kubeletEndpoint?: { Port?: number } } };
}

const PREFERRED = ['InternalIP', 'ExternalIP', 'Hostname'];

export function nodeAddress(node: NodeObject): NodeAddress | undefined {
  const name = node.metadata?.name;
  const addresses = node.status?.addresses ?? [];
  const address = PREFERRED.map((type) => addresses.find((a) => a.type === type)?.address).find((a) => a !== undefined && a !== '');
  if (!name || !address) return undefined;
  return { name, address, port: node.status?.daemonEndpoints?.kubeletEndpoint?.Port || KUBELET_PORT };
}

async function getJson<T>(access: ApiServerAccess, path: string): Promise<KubeletResult<T>> {
  const timeoutMs = access.timeoutMs ?? 10_000;
  const opened = await openRequest({
    url: new URL(`${access.server.replace(/\/+$/, '')}${path}`),
    method: 'GET',
    via: 'apiserver',
    timeoutMs,
    headers: { accept: 'application/json' },
    ...(access.identity ? { identity: access.identity } : {}),
    ...(access.ca ? { ca: access.ca } : {}),
    ...(access.insecureSkipVerify ? { insecureSkipVerify: true } : {}),
    ...(access.servername ? { servername: access.servername } : {}),
  });
  if (!opened.ok) return opened;
  const read = await readCapped(opened.value, access.maxBytes ?? 16 << 20, timeoutMs);
  if (read.outcome !== 'ok') return failureOf(read.outcome, opened.request, read.error ?? read.outcome, { status: opened.status });
  if (opened.status !== 200) {
    const kind: KubeletFailureKind = opened.status === 401 ? 'unauthorized' : opened.status === 403 ? 'forbidden' : opened.status === 404 ? 'not-found' : 'http';
    return failureOf(kind, opened.request, serverMessage(read.body, opened.value.headers['content-type']), { status: opened.status });
  }
  try {
    return { ok: true, value: JSON.parse(read.body.toString('utf8')) as T, status: opened.status, request: opened.request };
  } catch {
    return failureOf('bad-answer', opened.request, 'the API server answer is not JSON', { status: opened.status });
  }
}

/** GET /api/v1/nodes: every node with the address and port of its kubelet. */
export async function listNodes(access: ApiServerAccess): Promise<KubeletResult<NodeAddress[]>> {
  const answer = await getJson<{ items?: NodeObject[] }>(access, '/api/v1/nodes');
  if (!answer.ok) return answer;
  return { ...answer, value: (answer.value.items ?? []).map(nodeAddress).filter((n): n is NodeAddress => n !== undefined) };
}

/** GET /api/v1/nodes/<name>. */
export async function getNode(access: ApiServerAccess, name: string): Promise<KubeletResult<NodeAddress>> {
  const answer = await getJson<NodeObject>(access, `/api/v1/nodes/${encodeURIComponent(name)}`);
  if (!answer.ok) return answer;
  const node = nodeAddress(answer.value);
  return node ? { ...answer, value: node } : failureOf('bad-answer', answer.request, `node "${name}" has no address`, { status: answer.status });
}

export interface KubeconfigCluster {
  server: string;
  ca?: string;
  insecureSkipVerify: boolean;
  servername?: string;
}

/** The current (or named) context's cluster: server URL, CA bundle, skip-verify and tls-server-name. */
export async function kubeconfigCluster(path: string | undefined, context?: string): Promise<KubeconfigCluster> {
  const config = await loadKubeconfig(path, context);
  const cluster = config.getCurrentCluster();
  if (!cluster?.server) throw new InputError(`kubeconfig ${path ?? '(default)'} has no cluster server for context "${config.getCurrentContext()}"`);
  const options: { ca?: string | Buffer } = {};
  try {
    await config.applyToHTTPSOptions(options as never);
  } catch (error) {
    throw new InputError(`cannot use kubeconfig ${path ?? '(default)'}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return {
    server: cluster.server,
    insecureSkipVerify: cluster.skipTLSVerify === true,
    ...(options.ca ? { ca: options.ca.toString() } : {}),
    ...(cluster.tlsServerName ? { servername: cluster.tlsServerName } : {}),
  };
}
