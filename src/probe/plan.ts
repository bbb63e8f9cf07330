// What to ask of an endpoint, read from the catalog: the fingerprint rounds, the read routes of the access matrix
// (never a path under an acting route: a passive run touches nothing that acts), the health routes and who may ask
// each. Pure.
import { getComponent, routesFor, type Route } from '../catalog/index.ts';
import type { Identity } from '../clients/identity.ts';
import type { ComponentId, Scheme } from '../model/index.ts';

/** Asked anonymously of every endpoint: most components are named by the first round. */
export const FINGERPRINT_FIRST = ['/version', '/pods', '/healthz', '/health'] as const;
/** Asked only when the first round left doubt. */
export const FINGERPRINT_SECOND = ['/healthz?verbose', '/proxyMode', '/members', '/livez', '/metrics'] as const;

const MAX_ACCESS_ROUTES = 32;

/** The static start of a route path: `/run/{namespace}/…` → `/run/`. */
function prefixOf(path: string): string {
  const at = path.search(/[{*]/);
  return at < 0 ? path : path.slice(0, at);
}

function portRoutes(component: ComponentId, portName: string, version: string | undefined): readonly Route[] {
  const entry = getComponent(component);
  const minor = version ? /(\d+\.\d+)/.exec(version)?.[1] : undefined;
  try {
    if (minor && component !== 'etcd') return routesFor(component, portName, minor);
  } catch {
    // A version the catalog does not know: every route of the port.
  }
  return [...entry.ports, ...(entry.removedPorts ?? [])].find((p) => p.name === portName)?.routes ?? [];
}

/**
 * Path prefixes of a component's acting routes (`/run/`, `/exec/`, `/checkpoint/`), on any of its ports; a path that
 * is also a read route for GET (`/metrics/slis`, whose DELETE acts) is not one.
 */
export function actingPrefixes(component: ComponentId): string[] {
  const entry = getComponent(component);
  const routes = [...entry.ports, ...(entry.removedPorts ?? [])].flatMap((p) => p.routes);
  const readable = new Set(routes.filter((r) => r.mode === 'read' && r.methods.includes('GET')).map((r) => r.path));
  return [...new Set(routes.filter((r) => r.mode === 'act' && !readable.has(r.path)).map((r) => prefixOf(r.path)).filter((p) => p.length > 1))];
}

/** A path a passive run must not send: it starts like one of the component's acting routes (`prefixes`: computed once by a caller that asks for many paths). */
export function touchesActing(component: ComponentId, path: string, prefixes = actingPrefixes(component)): boolean {
  return prefixes.some((prefix) => path.startsWith(prefix) || `${path}/`.startsWith(prefix));
}

/** The read routes of the access matrix for a fingerprinted port, with the path each is asked at. */
export function accessRoutes(component: ComponentId | 'unknown', portName: string | undefined, version: string | undefined): { id: string; path: string }[] {
  if (component === 'unknown' || !portName) return [];
  const routes = portRoutes(component, portName, version)
    .filter((r) => r.mode === 'read' && (r.methods.includes('GET') || r.methods.includes('*')) && !r.path.includes('{') && !r.streaming)
    .map((r) => ({ id: r.id, path: r.path.endsWith('*') ? r.path.slice(0, -1) : r.path }));
  const pprof = component === 'etcd' ? [] : [{ id: `${component}.${portName}.pprof-cmdline`, path: '/debug/pprof/cmdline' }];
  const acting = actingPrefixes(component);
  return [...routes, ...pprof]
    .filter((r) => !touchesActing(component, r.path, acting))
    .filter((r, i, all) => all.findIndex((o) => o.path === r.path) === i)
    .slice(0, MAX_ACCESS_ROUTES);
}

/** Health routes of a catalog port (routes carrying `health`), in catalog order. */
export function healthRoutes(component: ComponentId, portName: string): Route[] {
  const port = getComponent(component).ports.find((p) => p.name === portName);
  return (port?.routes ?? []).filter((r) => r.health !== undefined);
}

export function catalogScheme(component: ComponentId, portName: string): Scheme {
  return getComponent(component).ports.find((p) => p.name === portName)?.scheme ?? 'https';
}

/**
 * Who asks a health route, in order: anonymous where the route is open or always allowed (and over plain HTTP, where a
 * credential changes nothing a component checks); certificates only for etcd's client port; else each credential
 * (the transport withholds a token from a server that did not verify), and anonymous when there is none, so that a
 * misconfigured server that answers it shows, and a 401 says who may.
 */
export function askersFor(route: Route, identities: readonly Identity[], scheme: Scheme): { identities: (Identity | undefined)[]; skipped?: string } {
  if (route.access === 'open' || route.access === 'always-allow' || scheme === 'http') return { identities: [undefined] };
  if (route.access === 'tls-client-cert') {
    const withCert = identities.filter((i) => i.cert);
    return withCert.length > 0 ? { identities: withCert } : { identities: [], skipped: 'needs a client certificate the server trusts (--etcd-cert/--etcd-key)' };
  }
  return { identities: identities.length > 0 ? [...identities] : [undefined] };
}

/** Routes whose whole body a judge reads (health answers, running configuration), not only a sample. */
export function keepsBody(route: Route | undefined): boolean {
  return route?.health !== undefined || /(^|\.)(configz|flagz)$/.test(route?.id ?? '');
}
