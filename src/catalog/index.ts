// The catalog: every component, port and route, plus small pure helpers over it.
import type { ComponentId } from '../model/index.ts';
import { cloudControllerManager } from './cloud-controller-manager.ts';
import { etcd } from './etcd.ts';
import { kubeApiserver } from './kube-apiserver.ts';
import { kubeControllerManager } from './kube-controller-manager.ts';
import { kubeProxy } from './kube-proxy.ts';
import { kubeScheduler } from './kube-scheduler.ts';
import { kubelet } from './kubelet.ts';
import type { ComponentEntry, PortEntry, Route, VersionRange } from './types.ts';

export { COMPONENT_ORDER } from './order.ts';
export type { Access, BindScope, ComponentEntry, HealthRoute, KubeletAuthz, NonResourceAuthz, PortEntry, Route, RouteParam, VersionRange } from './types.ts';

/** Every component, in the order a reader meets them: storage, API, node, then the controllers. */
export const CATALOG: readonly ComponentEntry[] = [
  etcd,
  kubeApiserver,
  kubelet,
  kubeProxy,
  kubeControllerManager,
  kubeScheduler,
  cloudControllerManager,
];

/** Short names accepted wherever a component is named (CLI arguments, filters). */
export const COMPONENT_ALIASES: Readonly<Record<string, ComponentId>> = {
  apiserver: 'kube-apiserver',
  'api-server': 'kube-apiserver',
  scheduler: 'kube-scheduler',
  'controller-manager': 'kube-controller-manager',
  kcm: 'kube-controller-manager',
  ccm: 'cloud-controller-manager',
  'cloud-controller': 'cloud-controller-manager',
  proxy: 'kube-proxy',
};

/** The catalog entry of a component. Throws on an id outside ComponentId (a programming error). */
export function getComponent(id: ComponentId): ComponentEntry {
  const entry = CATALOG.find((c) => c.id === id);
  if (!entry) throw new Error(`catalog: unknown component "${String(id)}"`);
  return entry;
}


// Every route by id, built once from the data above (read-only afterwards).
const ROUTE_INDEX: ReadonlyMap<string, Route> = new Map(CATALOG.flatMap((c) => [...c.ports, ...(c.removedPorts ?? [])].flatMap((p) => p.routes.map((r) => [r.id, r] as const))));

/** A route by its id (`kubelet.api.healthz`); undefined for ids the catalog does not hold (`probe:/version`). */
export function getRoute(id: string): Route | undefined {
  return ROUTE_INDEX.get(id);
}

/** The component a process is, by its name as /proc/<pid>/comm shows it (the kernel keeps 15 characters). */
export function componentOfProcess(name: string): ComponentEntry | undefined {
  return CATALOG.find((c) => c.processNames.some((p) => p === name || p.slice(0, 15) === name));
}

/** Looks a component up by id or alias; undefined when the name is unknown (user input). */
export function findComponent(name: string): ComponentEntry | undefined {
  const key = name.trim().toLowerCase();
  const id = COMPONENT_ALIASES[key] ?? key;
  return CATALOG.find((c) => c.id === id);
}

/** A port by its stable name, current or removed. Throws when missing (a programming error). */
export function getPort(component: ComponentId, portName: string): PortEntry {
  const entry = getComponent(component);
  const port = [...entry.ports, ...(entry.removedPorts ?? [])].find((p) => p.name === portName);
  if (!port) throw new Error(`catalog: ${component} has no port "${portName}"`);
  return port;
}

/** Every port of every component; removed ports (10251, 10252) only when asked. */
export function allPorts(options: { includeRemoved?: boolean } = {}): PortEntry[] {
  return CATALOG.flatMap((c) => [...c.ports, ...(options.includeRemoved ? (c.removedPorts ?? []) : [])]);
}

/** The ports listening on a number (2381 is etcd metrics only; 10256 kube-proxy healthz), removed ports included last. */
export function findPortByNumber(n: number): PortEntry[] {
  return allPorts({ includeRemoved: true }).filter((p) => p.port === n);
}

function parts(version: string): number[] {
  // `v1.28.7-gke.1` -> [1, 28, 7]: a leading v and any pre-release/build suffix are ignored.
  const core = version.trim().replace(/^v/i, '').split(/[-+]/)[0] ?? '';
  return core.split('.').map((p) => {
    const n = Number.parseInt(p, 10);
    return Number.isNaN(n) ? 0 : n;
  });
}

/** Dotted numeric comparison: -1, 0 or 1. Missing parts count as 0, so `1.28` equals `1.28.0`. */
export function compareVersions(a: string, b: string): number {
  const x = parts(a);
  const y = parts(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** Whether a version falls in a range: `since` inclusive, `until` exclusive; no range or no bound is open. */
export function inRange(range: VersionRange | undefined, version: string): boolean {
  if (!range) return true;
  if (range.since !== undefined && compareVersions(version, range.since) < 0) return false;
  if (range.until !== undefined && compareVersions(version, range.until) >= 0) return false;
  return true;
}

/**
 * The etcd version kubeadm pairs with a Kubernetes minor: kubeadm's `SupportedEtcdVersion` table in
 * cmd/kubeadm/app/constants/constants.go as each x.y.0 release shipped it. Later patch releases bump these
 * (1.31 went to 3.5.24, 1.36 to 3.6.10/3.6.11).
 * - 1.28 -> 3.5.9: k/k PR 118027 (May 2023) set 3.5.9 before 1.28; PR 122265 (Dec 2023) shows 28 moved to 3.5.10 later.
 * - 1.31 -> 3.5.15: the table `29/30/31: "3.5.15-0"` in constants.go at commit 3301161c.
 * - 1.36 -> 3.6.8: PR 137107 (Feb 2026) set 3.6.8; 3.6.9 (PR 137956) was closed and 3.6.10 (PR 138392) waited for the post-1.36 thaw.
 */
const KUBEADM_ETCD: readonly (readonly [minor: number, etcd: string])[] = [
  [28, '3.5.9'],
  [31, '3.5.15'],
  [36, '3.6.8'],
];

/**
 * kubeadm's etcd for a Kubernetes version. Outside the table, kubeadm itself falls back to the nearest end; between
 * known minors we take the nearest lower known one (the older etcd, the conservative choice for a lab).
 */
export function kubeadmEtcdVersion(kubernetesVersion: string): string {
  const minor = parts(kubernetesVersion)[1] ?? 0;
  const lowest = KUBEADM_ETCD[0]?.[1] ?? '';
  return KUBEADM_ETCD.reduce((pick, [known, etcdVersion]) => (known <= minor ? etcdVersion : pick), lowest);
}

/** The version to compare a component's ranges with: etcd uses etcd versions, everything else Kubernetes ones. */
export function versionFor(component: ComponentId, kubernetesVersion: string): string {
  return getComponent(component).versioning === 'etcd' ? kubeadmEtcdVersion(kubernetesVersion) : kubernetesVersion;
}

/** Routes of a port present at a version (in the component's own versioning; see versionFor). */
export function routesFor(component: ComponentId, portName: string, version: string): Route[] {
  const port = getPort(component, portName);
  if (!inRange(port.versions, version)) return [];
  return port.routes.filter((r) => inRange(r.versions, version));
}

/**
 * A component as it is at a Kubernetes version: ports and routes outside their ranges dropped, removed ports kept only
 * where they still existed. etcd ranges are compared with the etcd version kubeadm pairs with that release.
 */
export function entryAt(entry: ComponentEntry, kubernetesVersion: string): ComponentEntry {
  const version = entry.versioning === 'etcd' ? kubeadmEtcdVersion(kubernetesVersion) : kubernetesVersion;
  const at = (ports: readonly PortEntry[]): PortEntry[] =>
    ports.filter((p) => inRange(p.versions, version)).map((p) => ({ ...p, routes: p.routes.filter((r) => inRange(r.versions, version)) }));
  const removed = at(entry.removedPorts ?? []);
  const { removedPorts: _omit, ...rest } = entry;
  return { ...rest, ports: at(entry.ports), ...(removed.length > 0 ? { removedPorts: removed } : {}) };
}
