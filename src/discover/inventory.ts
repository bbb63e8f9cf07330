// Which endpoints a health check expects, from what the user gave: a lab's plan, targets (scanned for the catalog's
// health ports), or this node's own listening sockets. An expected endpoint that does not answer is down, and every
// target asked for appears: a host where nothing answered is expected to run a kubelet and a kube-proxy.
import { allPorts, componentOfProcess, type PortEntry } from '../catalog/index.ts';
import type { ComponentId, OpenPort, Target } from '../model/index.ts';
import type { LabPlan } from '../model/lab-plan.ts';
import { scan } from './scan.ts';

/** Catalog ports that carry at least one health route. */
export function healthPorts(): PortEntry[] {
  return allPorts().filter((p) => p.port > 0 && p.routes.some((r) => r.health));
}

/** Ports a kubeadm node serves on its own IP (the rest bind loopback and are reachable only on the node). */
function onNodeIp(port: PortEntry): boolean {
  return port.kubeadmBind === 'all' || port.kubeadmBind === 'node-ip' || port.kubeadmBind === 'loopback+node-ip';
}

/** Every node runs a kubelet and a kube-proxy. */
const EVERY_NODE: readonly ComponentId[] = ['kubelet', 'kube-proxy'];

function expect(target: Target, port: PortEntry, address = target.address): OpenPort {
  return { target, address, port: port.port, expected: { component: port.component, portName: port.name, scheme: port.scheme } };
}

/** A lab's endpoints exactly as its plan lays them out (ports with health routes only); node-local ones stand for loopback. */
export function endpointsFromLab(lab: Pick<LabPlan, 'endpoints'>): OpenPort[] {
  const wanted = new Set(healthPorts().map((p) => `${p.component}/${p.name}`));
  // A port bound to two addresses (etcd 2379 on loopback and the node IP) is one endpoint: the node IP first.
  const seen = new Set<string>();
  return [...lab.endpoints]
    .sort((a, b) => (a.reach === b.reach ? 0 : a.reach === 'node-ip' ? -1 : 1))
    .filter((e) => wanted.has(`${e.component}/${e.port}`))
    .filter((e) => {
      const key = `${e.node}/${e.component}/${e.port}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .map((e) => ({
      target: { host: e.node, address: e.address, source: 'lab' as const, node: e.node, ...(e.reach === 'node-local' ? { loopback: true } : {}) },
      address: e.address,
      port: e.number,
      expected: { component: e.component, portName: e.port, scheme: e.scheme },
    }));
}

/**
 * Targets -> expected endpoints: every open health port, plus the ports kubeadm serves on the node IP for each
 * component seen on that host (and kubelet and kube-proxy on every node listed by the API server or a lab, or given
 * and silent), so that a component that stopped answering shows as down rather than vanishing.
 */
export function endpointsFromOpenPorts(targets: readonly Target[], open: readonly OpenPort[]): OpenPort[] {
  const ports = healthPorts();
  const out = new Map<string, OpenPort>();
  const add = (target: Target, port: PortEntry) => {
    const key = `${target.address}:${port.port}`;
    if (!out.has(key)) out.set(key, expect(target, port));
  };
  for (const target of targets) {
    const here = open.filter((o) => o.address === target.address);
    const seen = new Set<ComponentId>(target.source === 'kubeconfig' || target.source === 'lab' || here.length === 0 ? EVERY_NODE : []);
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
export function endpointsFromLocal(open: readonly OpenPort[], node: string): OpenPort[] {
  const ports = healthPorts();
  const out: OpenPort[] = [];
  for (const o of open) {
    const port = ports.find((p) => p.port === o.port && (!o.process || componentOfProcess(o.process.name)?.id === p.component));
    if (!port || out.some((e) => e.port === o.port)) continue;
    const address = o.bindAddress && o.bindAddress !== '0.0.0.0' && o.bindAddress !== '::' ? o.bindAddress : '127.0.0.1';
    out.push({ ...expect({ host: node, address, source: 'local', node, loopback: /^(127\.|::1$)/.test(address) }, port, address), ...(o.process ? { process: o.process } : {}), ...(o.bindAddress ? { bindAddress: o.bindAddress } : {}) });
  }
  return out;
}

/** Scans the targets for the catalog's health ports and returns the expected endpoints. */
export async function discoverHealthEndpoints(targets: readonly Target[], options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<OpenPort[]> {
  const numbers = [...new Set(healthPorts().map((p) => p.port))];
  const open = await scan(targets, { ports: numbers, ...(options.timeoutMs ? { timeoutMs: Math.min(options.timeoutMs, 1500) } : {}), ...(options.signal ? { signal: options.signal } : {}) });
  return endpointsFromOpenPorts(targets, open);
}
