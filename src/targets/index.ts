// Inputs -> targets: hostnames, IPs, CIDRs, a file of targets, a lab's lab.json, or a kubeconfig's nodes.
import { lookup } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { loadKubeconfig } from '../clients/kubeconfig.ts';
import { InputError, UsageError } from '../errors.ts';
import type { Target } from '../model/index.ts';
import { labTargets, readLabFile } from './lab-file.ts';

export { readLabFile, parseLabFile, labTargets, type LabFile, type LabFileEndpoint, type LabFileNode } from './lab-file.ts';

/** Ranges larger than a /16 need an explicit yes. */
export const MAX_UNCONFIRMED_ADDRESSES = 65_536;

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}
function intToIpv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

/** The host addresses of an IPv4 CIDR (network and broadcast excluded from /30 and wider). */
export function expandCidr(cidr: string, options: { yes?: boolean } = {}): string[] {
  const [base = '', bitsText = ''] = cidr.split('/');
  const bits = Number(bitsText);
  if (!net.isIPv4(base) || !Number.isInteger(bits) || bits < 0 || bits > 32) {
    if (net.isIPv6(base)) throw new UsageError(`IPv6 ranges are not scanned (${cidr}): give addresses instead`);
    throw new UsageError(`not a CIDR range: ${cidr}`);
  }
  const size = 2 ** (32 - bits);
  if (size > MAX_UNCONFIRMED_ADDRESSES && !options.yes) throw new UsageError(`${cidr} holds ${size} addresses, more than a /16: add --yes to hunt it`);
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
    throw new InputError(`cannot read targets file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const targets: Target[] = [];
  for (const line of text.split('\n')) {
    const entry = line.replace(/#.*/, '').trim();
    if (entry === '') continue;
    for (const target of await parseTarget(entry, options)) targets.push({ ...target, source: target.source === 'argument' ? 'file' : target.source });
  }
  return targets;
}

/** The node IPs of a lab (`<dir>/lab.json`). */
export function targetsFromLab(dir: string): Target[] {
  return labTargets(readLabFile(dir));
}

/** Nodes listed through the API server, at their InternalIP (kubeconfig through @kubernetes/client-node). */
export async function targetsFromKubeconfig(path: string | undefined, options: { context?: string } = {}): Promise<Target[]> {
  const k8s = await import('@kubernetes/client-node');
  const config = await loadKubeconfig(path, options.context);
  const api = config.makeApiClient(k8s.CoreV1Api);
  let nodes;
  try {
    nodes = await api.listNode();
  } catch (error) {
    throw new InputError(`cannot list nodes through ${config.getCurrentCluster()?.server ?? 'the API server'}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
  }
  return nodes.items.flatMap((node) => {
    const name = node.metadata?.name ?? '';
    const ip = node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
    return ip ? [{ host: name, address: ip, source: 'kubeconfig' as const, node: name }] : [];
  });
}

/** Same address once, first source wins. */
export function uniqueTargets(targets: readonly Target[]): Target[] {
  const seen = new Map<string, Target>();
  for (const t of targets) if (!seen.has(t.address)) seen.set(t.address, t);
  return [...seen.values()];
}
