// Inputs -> targets: hostnames, IPs, CIDRs, a file of targets, a lab's lab.json, or a kubeconfig's nodes.
import { lookup } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { apiServerAccess, listNodes, loadKubeconfig, type KubeconfigAccess } from '../clients/kube-api.ts';
import { InputError, NetworkError, UsageError } from '../errors.ts';
import type { Target } from '../model/index.ts';
import { labTargets, readLabFile } from './lab-file.ts';

export { readLabFile, parseLabFile, labTargets } from './lab-file.ts';

/** Ranges larger than a /16 need an explicit yes. */
export const MAX_UNCONFIRMED_ADDRESSES = 65_536;
/** Past a /12 the list of addresses alone would take hundreds of megabytes: split the range. */
export const MAX_ADDRESSES = 1 << 20;

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}
function intToIpv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

/** The host addresses of an IPv4 CIDR (network and broadcast excluded from /30 and wider). */
export function expandCidr(cidr: string, options: { yes?: boolean } = {}): string[] {
  const [base = '', bitsText = '', ...rest] = cidr.split('/');
  const bits = /^\d{1,2}$/.test(bitsText) ? Number(bitsText) : NaN;
  if (!net.isIPv4(base) || rest.length > 0 || !(bits >= 0 && bits <= 32)) {
    if (net.isIPv6(base)) throw new UsageError(`IPv6 ranges are not scanned (${cidr}): give addresses instead`);
    throw new UsageError(`not a CIDR range: ${cidr}`);
  }
  const size = 2 ** (32 - bits);
  if (size > MAX_UNCONFIRMED_ADDRESSES && !options.yes) throw new UsageError(`${cidr} holds ${size} addresses, more than a /16: add --yes to hunt it${size > MAX_ADDRESSES ? ' (up to a /12; split larger ranges)' : ''}`);
  if (size > MAX_ADDRESSES) throw new UsageError(`${cidr} holds ${size} addresses, more than kia hunts at once (a /12, ${MAX_ADDRESSES}): split the range`);
  const start = Math.floor(ipv4ToInt(base) / size) * size;
  if (size <= 2) return Array.from({ length: size }, (_, i) => intToIpv4(start + i));
  return Array.from({ length: size - 2 }, (_, i) => intToIpv4(start + 1 + i));
}

async function resolveOne(text: string, source: Target['source'], node?: string): Promise<Target[]> {
  const host = text.trim();
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  if (net.isIP(bare)) return [{ host: bare, address: bare, source, ...(node ? { node } : {}) }];
  if (!/^[A-Za-z0-9.-]+$/.test(host)) throw new UsageError(`not a host, address or range: ${JSON.stringify(host)}`);
  try {
    const { address } = await lookup(host);
    return [{ host, address, source, ...(node ? { node } : {}) }];
  } catch {
    throw new UsageError(`cannot resolve ${host}`);
  }
}

export async function parseTarget(text: string, options: { yes?: boolean; source?: Target['source'] } = {}): Promise<Target[]> {
  if (text.includes('/') && !text.startsWith('[')) return expandCidr(text, options).map((address) => ({ host: address, address, source: 'cidr' as const }));
  return resolveOne(text, options.source ?? 'argument');
}

/** One target per line; blank lines and `#` comments ignored. */
export async function targetsFromFile(path: string, options: { yes?: boolean } = {}): Promise<Target[]> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read --file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const targets: Target[] = [];
  for (const [index, line] of text.split('\n').entries()) {
    const entry = line.replace(/#.*/, '').trim();
    if (entry === '') continue;
    let found: Target[];
    try {
      found = await parseTarget(entry, options);
    } catch (error) {
      throw new UsageError(`--file ${path} line ${index + 1}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    for (const target of found) targets.push({ ...target, source: target.source === 'argument' ? 'file' : target.source });
  }
  // An empty file is a mistake, not a request to hunt this node instead.
  if (targets.length === 0) throw new InputError(`--file ${path} holds no targets (one host, address or CIDR per line; # comments)`);
  return targets;
}

/** The node IPs of a lab (`<dir>/lab.json`). */
export function targetsFromLab(dir: string): Target[] {
  return labTargets(readLabFile(dir));
}

/**
 * Nodes listed through the API server (GET /api/v1/nodes as the kubeconfig's user), each at its address by the one
 * rule of clients/kube-api.ts: InternalIP, else ExternalIP, else Hostname. Takes a kubeconfig path, or one already
 * loaded (so an exec plugin runs once per command).
 */
export async function targetsFromKubeconfig(kubeconfig: string | undefined | KubeconfigAccess, options: { context?: string; timeoutMs?: number; signal?: AbortSignal } = {}): Promise<Target[]> {
  const kube = typeof kubeconfig === 'object' ? kubeconfig : await loadKubeconfig({ ...(kubeconfig ? { path: kubeconfig } : {}), ...(options.context ? { context: options.context } : {}), ...(options.signal ? { signal: options.signal } : {}) });
  const nodes = await listNodes(apiServerAccess(kube, { ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}), ...(options.signal ? { signal: options.signal } : {}) }));
  if (!nodes.ok) {
    const f = nodes.failure;
    const message = `cannot list nodes through ${kube.server} (kubeconfig ${kube.source}): ${f.status ?? ''} ${f.message}`.replace(/\s+/g, ' ');
    // No answer is the API server's state (exit 3); an answer refusing the user is the kubeconfig's problem.
    throw ['refused', 'timeout', 'reset', 'tls', 'error'].includes(f.kind) ? new NetworkError(message) : new InputError(message);
  }
  return nodes.value.map((node) => ({ host: node.name, address: node.address, source: 'kubeconfig' as const, node: node.name }));
}

/** Same address once, first source wins. */
export function uniqueTargets(targets: readonly Target[]): Target[] {
  const seen = new Map<string, Target>();
  for (const t of targets) if (!seen.has(t.address)) seen.set(t.address, t);
  return [...seen.values()];
}
