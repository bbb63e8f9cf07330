// Who can exec through a kubelet, read from the access matrix: the kubelet authorises a WebSocket upgrade to /exec
// with its request's verb (GET, so get on nodes/proxy), hence a 200 on a read route that needs nodes/proxy means exec.
// One pure reading shared by KIA-KUBELET-007, the hunt's --active proof that follows the probe, and the exec column.
import { getPort, getRoute, inRange } from '../catalog/index.ts';
import type { Route } from '../catalog/index.ts';
import type { EndpointObservation, ExecAccess, RouteObservation } from '../model/index.ts';

/** The catalog route the --active proof records its WebSocket upgrade under. */
export const EXEC_ROUTE = 'kubelet.api.exec';

export function isKubeletApi(endpoint: { fingerprint: { component: string; port?: string } }): boolean {
  return endpoint.fingerprint.component === 'kubelet' && endpoint.fingerprint.port === 'api';
}

/** The version a kubelet's routes are judged at: its own fingerprint's, else one a neighbour on the same host reported. */
export function kubeletMinor(endpoint: EndpointObservation, sameHost: readonly EndpointObservation[]): string | undefined {
  const told = [endpoint, ...sameHost].find((e) => e.fingerprint.version && e.fingerprint.component !== 'etcd');
  return told?.fingerprint.version ? /^v?(1\.\d+)/.exec(told.fingerprint.version)?.[1] : undefined;
}

/**
 * The catalog route an answer was asked on: by its id, else (the probe's extra `/debug/pprof/cmdline`, asked under an
 * id of its own) the kubelet API route whose path covers it (`/debug/pprof/*`).
 */
function routeOf(observed: RouteObservation): Route | undefined {
  const byId = getRoute(observed.route);
  if (byId) return byId;
  const path = observed.path.split('?')[0] ?? '';
  return getPort('kubelet', 'api').routes.find((r) => !r.path.includes('{') && (r.path === path || (r.path.endsWith('*') && path.startsWith(r.path.slice(0, -1)))));
}

/**
 * Whether an answer on this catalog route speaks for `get nodes/proxy`: a read route whose coarse subresource is proxy
 * and that has no fine-grained alternative at the version (unknown version: no alternative at any version).
 */
function needsNodesProxy(observed: RouteObservation, minor: string | undefined): boolean {
  const route = routeOf(observed);
  const method = observed.method;
  const a = route?.authz;
  if (!route || route.mode !== 'read' || method !== 'GET' || !a || !('subresource' in a) || a.subresource !== 'proxy') return false;
  if (!a.fineGrained) return true;
  return minor !== undefined && !inRange(a.fineGrained.versions, minor);
}

const refusal = (r: RouteObservation) => r.status === 401 || r.status === 403;

/** Per identity, the first nodes/proxy read it got a 200 on, else the first such read it was refused. */
function nodesProxyReads(endpoint: EndpointObservation, minor: string | undefined): Map<string, { granted?: RouteObservation; refused?: RouteObservation }> {
  const by = new Map<string, { granted?: RouteObservation; refused?: RouteObservation }>();
  for (const r of endpoint.routes) {
    if (r.route === EXEC_ROUTE || (r.status !== 200 && !refusal(r)) || !needsNodesProxy(r, minor)) continue;
    const seen = by.get(r.identity) ?? {};
    by.set(r.identity, seen);
    if (r.status === 200) seen.granted ??= r;
    else seen.refused ??= r;
  }
  return by;
}

/**
 * What KIA-KUBELET-007 names: per identity, the read that proves its nodes/proxy grant, for identities the kubelet
 * refuses somewhere (a partial grant). One refused nothing is an administrator, who holds exec by design; anonymous
 * callers are KIA-KUBELET-001's.
 */
export function partialNodesProxyGrants(endpoint: EndpointObservation, sameHost: readonly EndpointObservation[]): RouteObservation[] {
  if (!isKubeletApi(endpoint)) return [];
  const refused = new Set(endpoint.routes.filter((r) => r.route !== EXEC_ROUTE && refusal(r)).map((r) => r.identity));
  const reads = nodesProxyReads(endpoint, kubeletMinor(endpoint, sameHost));
  return [...reads].flatMap(([identity, seen]) => (identity !== 'anonymous' && refused.has(identity) && seen.granted ? [seen.granted] : []));
}

/** The --active proof recorded for an identity: the exec upgrade that ran `id`, or was refused. */
export function execProof(endpoint: EndpointObservation, identity: string): RouteObservation | undefined {
  return endpoint.routes.find((r) => r.route === EXEC_ROUTE && r.identity === identity);
}

/** Whether a recorded proof shows `id` ran: the upgrade answered 101 and the command wrote to stdout. */
export function provenExec(proof: RouteObservation | undefined): boolean {
  return proof?.status === 101 && proof.outcome === 'ok' && /uid=/.test(proof.bodySample ?? '');
}

/**
 * The exec column of a kubelet's access matrix, one entry per identity that showed anything: proven by --active,
 * refused by the upgrade, inferred from a nodes/proxy read, refused on every nodes/proxy read; blank otherwise.
 */
export function execAccess(endpoint: EndpointObservation, sameHost: readonly EndpointObservation[]): ExecAccess[] {
  if (!isKubeletApi(endpoint)) return [];
  const reads = nodesProxyReads(endpoint, kubeletMinor(endpoint, sameHost));
  const identities = [...new Set(endpoint.routes.map((r) => r.identity))];
  return identities.flatMap((identity): ExecAccess[] => {
    const proof = execProof(endpoint, identity);
    if (proof && provenExec(proof)) return [{ identity, state: 'proven', path: proof.path }];
    if (proof && refusal(proof)) return [{ identity, state: 'refused', path: proof.path }];
    const seen = reads.get(identity);
    if (seen?.granted) return [{ identity, state: 'inferred', path: seen.granted.path }];
    if (seen?.refused) return [{ identity, state: 'refused', path: seen.refused.path }];
    return [];
  });
}
