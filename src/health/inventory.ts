// Which endpoints a health check expects, from what the user gave: a lab plan, targets (scanned for the catalog's
// health ports), or this node's own listening sockets. An expected endpoint that does not answer is down.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { allPorts, getComponent } from '../catalog/index.ts';
import type { PortEntry } from '../catalog/index.ts';
import { scan } from '../discover/scan.ts';
import { InputError } from '../errors.ts';
import type { ComponentId, OpenPort, Scheme, Target } from '../model/index.ts';
import type { HealthEndpoint } from '../probe/health.ts';

/** Catalog ports that carry at least one health route. */
export function healthPorts(): PortEntry[] {
  return allPorts().filter((p) => p.port > 0 && p.routes.some((r) => r.health));
}

/** Ports a kubeadm node serves on its own IP (the rest bind loopback and are reachable only on the node). */
function onNodeIp(port: PortEntry): boolean {
  return port.kubeadmBind === 'all' || port.kubeadmBind === 'node-ip' || port.kubeadmBind === 'loopback+node-ip';
}

/** Every node runs a kubelet and a kube-proxy; control-plane components are expected where one of them answers. */
const EVERY_NODE: readonly ComponentId[] = ['kubelet', 'kube-proxy'];

interface LabPlanShape {
  nodes?: { name: string }[];
  endpoints?: { node: string; component: ComponentId; port: string; address: string; number: number; scheme: Scheme; reach?: 'node-ip' | 'node-local' }[];
  files?: Record<string, string>;
}

export function readLabPlan(dir: string): LabPlanShape {
  try {
    return JSON.parse(readFileSync(join(dir, 'lab.json'), 'utf8')) as LabPlanShape;
  } catch {
    throw new InputError(`no lab in ${dir} (lab.json not readable)`);
  }
}

/** A lab's endpoints exactly as its plan lays them out (ports with health routes only). */
export function endpointsFromLab(dir: string): HealthEndpoint[] {
  const plan = readLabPlan(dir);
  const wanted = new Set(healthPorts().map((p) => `${p.component}/${p.name}`));
  // A port bound to two addresses (etcd 2379 on loopback and the node IP) is one endpoint: the node IP first.
  const seen = new Set<string>();
  return [...(plan.endpoints ?? [])]
    .sort((a, b) => (a.reach === b.reach ? 0 : a.reach === 'node-ip' ? -1 : 1))
    .filter((e) => wanted.has(`${e.component}/${e.port}`))
    .filter((e) => {
      const key = `${e.node}/${e.component}/${e.port}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .map((e) => ({ node: e.node, address: e.address, port: e.number, component: e.component, portName: e.port, scheme: e.scheme }));
}

/**
 * Targets -> expected endpoints: every open health port, plus the ports kubeadm serves on the node IP for each
 * component seen on that host (and kubelet and kube-proxy on every node listed by the API server or a lab), so that a
 * component that stopped answering shows as down rather than vanishing.
 */
export function endpointsFromOpenPorts(targets: readonly Target[], open: readonly OpenPort[]): HealthEndpoint[] {
  const ports = healthPorts();
  const out = new Map<string, HealthEndpoint>();
  const add = (target: Target, port: PortEntry) => {
    const key = `${target.address}:${port.port}`;
    if (!out.has(key)) out.set(key, { node: target.node ?? target.host, address: target.address, port: port.port, component: port.component, portName: port.name, scheme: port.scheme });
  };
  for (const target of targets) {
    const here = open.filter((o) => o.address === target.address);
    const seen = new Set<ComponentId>(target.source === 'kubeconfig' || target.source === 'lab' ? EVERY_NODE : []);
    for (const o of here) {
      const port = ports.find((p) => p.port === o.port);
      if (!port) continue;
      seen.add(port.component);
      add(target, port);
    }
    for (const port of ports) if (seen.has(port.component) && onNodeIp(port)) add(target, port);
  }
  return [...out.values()];
}

/** This node's listening sockets (from /proc) -> endpoints, by owning process and port number. */
export function endpointsFromLocal(open: readonly OpenPort[], node: string): HealthEndpoint[] {
  const ports = healthPorts();
  const out: HealthEndpoint[] = [];
  for (const o of open) {
    const port = ports.find((p) => p.port === o.port && (!o.process || getComponent(p.component).processNames.includes(o.process.name)));
    if (!port) continue;
    const address = o.bindAddress && o.bindAddress !== '0.0.0.0' && o.bindAddress !== '::' ? o.bindAddress : '127.0.0.1';
    if (out.some((e) => e.port === o.port)) continue;
    out.push({ node, address, port: o.port, component: port.component, portName: port.name, scheme: port.scheme });
  }
  return out;
}

/** Scans the targets for the catalog's health ports and returns the expected endpoints. */
export async function discoverHealthEndpoints(targets: readonly Target[], options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<HealthEndpoint[]> {
  const numbers = [...new Set(healthPorts().map((p) => p.port))];
  const open = await scan(targets, { ports: numbers, ...(options.timeoutMs ? { timeoutMs: Math.min(options.timeoutMs, 1500) } : {}) });
  return endpointsFromOpenPorts(targets, open);
}
