// The kubelet flag set, shared by every `kia kubelet` command (streams included): how to reach a kubelet (directly at
// the node's address, or through the API server's node proxy), which kubelets (one node or --all-nodes), who to be
// and how to verify it; and the kubelet clients these flags amount to, nodes resolved through the Kubernetes API.
import net from 'node:net';
import { Option, type Command } from 'commander';
import { getPort } from '../../catalog/index.ts';
import { apiServerAccess, getNode, listNodes, loadKubeconfig, type ApiServerAccess, type KubeconfigAccess } from '../../clients/kube-api.ts';
import { KubeletClient, type KubeletTransport } from '../../clients/kubelet.ts';
import type { KubeletFailure } from '../../clients/kubelet-failure.ts';
import { readCaFile, type Identity } from '../../clients/identity.ts';
import { UsageError } from '../../errors.ts';
import { fromKubelet, reportFailure, type PeerContext } from '../explain.ts';
import { addCredentialFlags, kubeletTrust, readCredentials, type CredentialFlags, type Trust } from './credentials.ts';
import { numberOption, PORT } from './numbers.ts';
import { addTimeFlags, type Deadline, type TimeFlags } from './time.ts';

const KUBELET_PORT = getPort('kubelet', 'api').port;

export interface KubeletFlags extends CredentialFlags, TimeFlags {
  /** Set by `kia kubelet <node> …` (hidden --node). */
  node?: string;
  port?: number;
  viaApiserver?: boolean;
  allNodes?: boolean;
  maxBytes?: number;
}

/** How one kubelet is reached: the transport (direct or through the API server), who to be, how to verify the peer. */
export interface KubeletEndpoint {
  /** The node's name (or the address given), for messages. */
  node: string;
  transport: KubeletTransport;
  identity?: Identity;
  ca?: string;
  insecureSkipVerify: boolean;
}

/** A kubelet to talk to: the node's name for messages and the client that reaches it. */
export interface KubeletTarget {
  node: string;
  client: KubeletClient;
}

/** Adds the connection, credential and time flags of a kubelet command. */
export function addKubeletFlags(command: Command, options: { deadline: string; setupOnly?: boolean; allNodes?: boolean; maxBytes?: boolean }): Command {
  command.addOption(new Option('--node <name>').hideHelp());
  addCredentialFlags(command, {
    kubeletCa: true,
    serverName: true,
    texts: {
      kubeconfig: 'kubeconfig: its user is the credential when no other is given; its cluster is the API server for node names, --via-apiserver and --all-nodes',
      cacert: 'CA bundle for the peer: the kubelet, or the API server with --via-apiserver',
      insecureSkipTlsVerify: "do not verify the kubelet's certificate (the API server's with --via-apiserver)",
      tlsServerName: "name the kubelet's certificate must carry (default: the node name)",
    },
  });
  command
    .addOption(numberOption('--port <port>', `kubelet port (default: the node's daemonEndpoints port, else ${KUBELET_PORT})`, PORT))
    .option('--via-apiserver', 'go through the API server: /api/v1/nodes/<node>/proxy/<path> (pods subresources for logs and streams)');
  if (options.allNodes !== false) command.option('--all-nodes', 'fan a read-only command out over every node (listed through the API server) and merge the answers');
  addTimeFlags(command, { timeout: 10_000, deadline: options.deadline, ...(options.setupOnly ? { setupOnly: true } : {}) });
  if (options.maxBytes !== false) command.addOption(numberOption('--max-bytes <n>', 'byte cap on every answer (not on --follow)', { kind: 'bytes', min: 1, max: 1 << 30 }, 16 << 20));
  return command;
}

/** Who was asked when a kubelet call failed: the kubelet, or the API server in front of it. */
export function kubeletPeer(failure: KubeletFailure, limits: { timeoutMs?: number; maxBytes?: number } = {}): PeerContext {
  return { component: 'kubelet', port: getPort('kubelet', 'api'), via: failure.request.via, timeoutMs: limits.timeoutMs ?? 10_000, ...(limits.maxBytes ? { maxBytes: limits.maxBytes } : {}) };
}

/** One line for a failed kubelet or API server call (`<node>: ` first when several were asked); its exit code. */
export function reportKubeletFailure(failure: KubeletFailure, flags: KubeletFlags, node?: string): number {
  const peer = kubeletPeer(failure, { timeoutMs: flags.timeout, ...(flags.maxBytes ? { maxBytes: flags.maxBytes } : {}) });
  return reportFailure(fromKubelet(failure), peer, node && flags.allNodes ? `${node}: ` : '');
}

/** The kubeconfig that names the API server: --kubeconfig, else the default chain, else a usage error. */
async function apiKubeconfig(flags: KubeletFlags, given: KubeconfigAccess | undefined, signal: AbortSignal | undefined): Promise<KubeconfigAccess> {
  if (given) return given;
  try {
    return await loadKubeconfig({ ...(flags.context ? { context: flags.context } : {}), ...(signal ? { signal } : {}) });
  } catch (error) {
    throw new UsageError(`${flags.viaApiserver ? '--via-apiserver' : '--all-nodes'} needs the API server: give --kubeconfig <file> (${error instanceof Error ? error.message : String(error)})`);
  }
}

/** Who talks to a kubelet and through what: the API server (when one is needed), the kubelet's trust and user. */
export interface KubeletAccess {
  api?: ApiServerAccess;
  /** The CA a kubelet's serving certificate is verified against when dialled directly (kubeletTrust). */
  kubeletCa?: string;
  kubeletUser?: Identity;
  /** How a kubelet dialled directly is verified. */
  direct: Trust;
}

/**
 * The access every `kia kubelet` command starts from. Credentials by the one precedence (explicit flags, then the
 * kubeconfig user); the API server is loaded when --via-apiserver, --all-nodes or a node name needs it, asked as an
 * explicit credential through --via-apiserver and as the kubeconfig's user to list or find nodes.
 */
export async function kubeletAccess(flags: KubeletFlags, signal?: AbortSignal): Promise<KubeletAccess> {
  const credentials = await readCredentials(flags, { single: true, ...(signal ? { signal } : {}) });
  const explicit: Identity | undefined = credentials.explicit[0];
  const kubeconfigUser = credentials.kube?.user;
  const needApi = flags.viaApiserver === true || flags.allNodes === true || (flags.kubeconfig !== undefined && !net.isIP(flags.node ?? ''));
  const kube = needApi ? await apiKubeconfig(flags, credentials.kube, signal) : undefined;
  const apiUser = flags.viaApiserver ? (explicit ?? kubeconfigUser) : (kubeconfigUser ?? explicit);
  const api: ApiServerAccess | undefined =
    kube &&
    apiServerAccess(kube, {
      timeoutMs: flags.timeout,
      ...(flags.maxBytes ? { maxBytes: flags.maxBytes } : {}),
      ...(signal ? { signal } : {}),
      ...(apiUser ? { identity: apiUser } : {}),
      ...(flags.viaApiserver && flags.cacert ? { ca: readCaFile(flags.cacert, '--cacert') } : {}),
      insecureSkipVerify: kube.insecureSkipVerify || (flags.viaApiserver === true && flags.insecureSkipTlsVerify === true),
    });
  const direct = kubeletTrust(flags, credentials);
  const kubeletUser = explicit ?? kubeconfigUser;
  return { ...(api ? { api } : {}), ...(direct.ca ? { kubeletCa: direct.ca } : {}), ...(kubeletUser ? { kubeletUser } : {}), direct };
}

/**
 * Where a named node's kubelet listens: an IP as given; a name through the API server (its address by the one rule and
 * its daemonEndpoints port) when there is one; a name the API server does not know, or no API server, as a host name.
 */
export async function locateNode(api: ApiServerAccess | undefined, name: string): Promise<{ ok: true; address: string; port: number } | { ok: false; failure: KubeletFailure }> {
  if (net.isIP(name) || !api) return { ok: true, address: name, port: KUBELET_PORT };
  const node = await getNode(api, name);
  if (!node.ok && node.failure.kind !== 'not-found') return { ok: false, failure: node.failure };
  return node.ok ? { ok: true, address: node.value.address, port: node.value.port } : { ok: true, address: name, port: KUBELET_PORT };
}

/**
 * The kubelets the flags name and how to reach each: one node (an address, or a name resolved through the API server)
 * or every node (--all-nodes). Returns an exit code instead when listing or resolving failed (already reported).
 */
export async function resolveKubeletEndpoints(flags: KubeletFlags, deadline: Deadline): Promise<KubeletEndpoint[] | number> {
  if (flags.allNodes && flags.node) throw new UsageError('name a node or give --all-nodes, not both');
  if (!flags.allNodes && !flags.node) throw new UsageError('name a node: kia kubelet <node> <command> (or --all-nodes)');
  const { api, kubeletUser, direct } = await kubeletAccess(flags, deadline.signal);
  const toKubelet = (name: string, address: string, port: number): KubeletEndpoint => ({
    node: name,
    transport: { kind: 'direct', address, port: flags.port ?? port, ...(direct.serverName ? { servername: direct.serverName } : net.isIP(name) ? {} : { servername: name }) },
    ...(kubeletUser ? { identity: kubeletUser } : {}),
    ...(direct.ca ? { ca: direct.ca } : {}),
    insecureSkipVerify: direct.insecureSkipVerify === true,
  });
  const viaApi = (name: string): KubeletEndpoint => {
    const a = api as ApiServerAccess;
    return { node: name, transport: { kind: 'apiserver', server: a.server, node: name }, ...(a.identity ? { identity: a.identity } : {}), ...(a.ca ? { ca: a.ca } : {}), insecureSkipVerify: a.insecureSkipVerify === true };
  };
  if (flags.allNodes) {
    const nodes = await listNodes(api as ApiServerAccess);
    if (!nodes.ok) return reportKubeletFailure(nodes.failure, flags);
    return nodes.value.map((n) => (flags.viaApiserver ? viaApi(n.name) : toKubelet(n.name, n.address, n.port)));
  }
  const name = flags.node as string;
  if (flags.viaApiserver) return [viaApi(name)];
  const node = await locateNode(api, name);
  if (!node.ok) return reportKubeletFailure(node.failure, flags);
  return [toKubelet(name, node.address, node.port)];
}

/** The kubelets the flags name, each with its client (see resolveKubeletEndpoints). */
export async function resolveKubelets(flags: KubeletFlags, deadline: Deadline): Promise<KubeletTarget[] | number> {
  const endpoints = await resolveKubeletEndpoints(flags, deadline);
  if (typeof endpoints === 'number') return endpoints;
  const limits = { timeoutMs: flags.timeout, ...(flags.maxBytes ? { maxBytes: flags.maxBytes } : {}), signal: deadline.signal };
  return endpoints.map(({ node, ...reach }) => ({ node, client: new KubeletClient({ ...reach, ...limits }) }));
}

/** Runs `run` on every kubelet, at most eight at once; the worst exit code. */
export async function forEachKubelet(list: readonly KubeletTarget[], run: (t: KubeletTarget) => Promise<number>): Promise<number> {
  let worst = 0;
  let next = 0;
  const worker = async () => {
    while (next < list.length) {
      const code = await run(list[next++] as KubeletTarget);
      worst = Math.max(worst, code);
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, list.length) }, worker));
  return worst;
}
