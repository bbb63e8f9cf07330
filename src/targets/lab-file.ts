// The one reader of a lab's `lab.json` for the library: the nodes, the endpoints the plan lays out and the credential
// files a learner uses, checked as they are read. (The lab writes the file; nothing else in the library parses it.)
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { CATALOG } from '../catalog/index.ts';
import { InputError } from '../errors.ts';
import type { ComponentId, Scheme, Target } from '../model/index.ts';

export interface LabFileNode {
  name: string;
  /** The node's address. */
  ip: string;
  /** The node's own loopback stand-in (what kubeadm binds to 127.0.0.1). */
  localIp?: string;
}

export interface LabFileEndpoint {
  node: string;
  component: ComponentId;
  /** Catalog port name. */
  port: string;
  address: string;
  number: number;
  scheme: Scheme;
  reach: 'node-ip' | 'node-local';
}

export interface LabFile {
  dir: string;
  kubernetesVersion?: string;
  network?: number;
  state?: string;
  nodes: LabFileNode[];
  endpoints: LabFileEndpoint[];
  /** Credential files by role (`ca`, `adminCert`, `etcdClientCert`, …), as absolute paths. */
  files: Record<string, string>;
}

const COMPONENTS = new Set<string>(CATALOG.map((c) => c.id));

function fail(dir: string, why: string): never {
  throw new InputError(`no usable lab in ${dir}: ${why} (start one with \`kia lab up --dir ${dir}\`)`);
}

/** Parses a lab's file text; `dir` resolves its relative paths. Throws an InputError naming what is wrong. */
export function parseLabFile(text: string, dir: string): LabFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    fail(dir, 'lab.json is not JSON');
  }
  const plan = raw as { schema?: unknown; kubernetesVersion?: unknown; network?: unknown; state?: unknown; nodes?: unknown; endpoints?: unknown; files?: unknown };
  if (typeof plan !== 'object' || plan === null || !Array.isArray(plan.nodes)) fail(dir, 'lab.json lists no nodes');
  const nodes = (plan.nodes as Record<string, unknown>[]).map((n, i) => {
    if (typeof n?.name !== 'string' || typeof n.ip !== 'string') fail(dir, `node ${i + 1} in lab.json has no name or ip`);
    return { name: n.name, ip: n.ip, ...(typeof n.localIp === 'string' ? { localIp: n.localIp } : {}) };
  });
  const endpoints = (Array.isArray(plan.endpoints) ? (plan.endpoints as Record<string, unknown>[]) : []).flatMap((e): LabFileEndpoint[] =>
    typeof e?.node === 'string' && typeof e.component === 'string' && COMPONENTS.has(e.component) && typeof e.port === 'string' && typeof e.address === 'string' && typeof e.number === 'number' && (e.scheme === 'http' || e.scheme === 'https')
      ? [{ node: e.node, component: e.component as ComponentId, port: e.port, address: e.address, number: e.number, scheme: e.scheme, reach: e.reach === 'node-local' ? 'node-local' : 'node-ip' }]
      : [],
  );
  const files: Record<string, string> = {};
  for (const [role, path] of Object.entries(typeof plan.files === 'object' && plan.files !== null ? (plan.files as Record<string, unknown>) : {})) {
    if (typeof path === 'string') files[role] = isAbsolute(path) ? path : join(dir, path);
  }
  return {
    dir,
    ...(typeof plan.kubernetesVersion === 'string' ? { kubernetesVersion: plan.kubernetesVersion } : {}),
    ...(typeof plan.network === 'number' ? { network: plan.network } : {}),
    ...(typeof plan.state === 'string' ? { state: plan.state } : {}),
    nodes,
    endpoints,
    files,
  };
}

/** Reads `<dir>/lab.json`. */
export function readLabFile(dir: string): LabFile {
  const root = resolve(dir);
  let text: string;
  try {
    if (!statSync(root).isDirectory()) fail(root, 'it is not a folder');
    text = readFileSync(join(root, 'lab.json'), 'utf8');
  } catch (error) {
    if (error instanceof InputError) throw error;
    fail(root, `lab.json not readable (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return parseLabFile(text, root);
}

/** A lab's node IPs as targets: what a remote hunt of real nodes sees. */
export function labTargets(lab: LabFile): Target[] {
  return lab.nodes.map((n) => ({ host: n.name, address: n.ip, source: 'lab' as const, node: n.name }));
}
