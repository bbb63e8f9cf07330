// Which component answers on a port, from its answers and its TLS, never from the port number alone.
import { answered, type ComponentId, type Fingerprint, type RouteObservation, type TlsObservation } from '../model/index.ts';

export interface FingerprintInput {
  scheme: 'http' | 'https' | 'unknown';
  port: number;
  tls?: TlsObservation;
  /** Anonymous answers to the fingerprint requests, keyed by path. */
  answers: ReadonlyMap<string, RouteObservation>;
}

const is = (o: RouteObservation | undefined, status: number) => o !== undefined && answered(o.outcome) && o.status === status;
const body = (o: RouteObservation | undefined) => o?.bodySample ?? '';

function fp(component: ComponentId | 'unknown', port: string | undefined, confidence: Fingerprint['confidence'], evidence: string[], version?: string): Fingerprint {
  return { component, ...(port ? { port } : {}), confidence, evidence, ...(version ? { version } : {}) };
}

function jsonField(text: string, field: string): string | undefined {
  return new RegExp(`"${field}"\\s*:\\s*"([^"]+)"`).exec(text)?.[1];
}

/**
 * For a port number's usual tenant (`component/port` in the catalog), the anonymous answers besides `/version` that
 * name it on their own: asked first, so that a port whose tenant is the usual one is named in one or two requests
 * instead of nine. Each names the tenant by what it answers (the checks below), never by the number; a port whose
 * answers do not confirm its usual tenant is asked every fingerprint question. etcd's client and peer ports are not
 * here: they are told apart by `/members` after an answer to a certificate.
 */
export const CONFIRMING: Readonly<Record<string, readonly string[]>> = {
  'kube-apiserver/secure': [],
  'kubelet/api': ['/pods'],
  'kubelet/read-only': ['/pods'],
  'kubelet/healthz': ['/healthz', '/metrics'],
  'kube-proxy/healthz': ['/healthz'],
  'kube-proxy/metrics': ['/proxyMode'],
  'kube-controller-manager/secure': ['/healthz?verbose'],
  // A controller-manager serves /livez too: only its verbose health tells the two apart.
  'kube-scheduler/secure': ['/healthz?verbose', '/livez'],
  'etcd/metrics': ['/health'],
};

/**
 * The usual tenants whose first confirming answer names them without `/version` (no check below that can name them
 * reads it): the hunt asks that answer first, and `/version` only when it does not name them. A kubelet's and a
 * kube-proxy's ports answer `/version` with a 404 that says nothing (one request less per port); an apiserver, etcd,
 * a controller-manager or a scheduler is told by its `/version`, and etcd's metrics port by the 404 there.
 */
const NAMED_WITHOUT_VERSION = ['kubelet/api', 'kubelet/read-only', 'kubelet/healthz', 'kube-proxy/healthz', 'kube-proxy/metrics'] as const;

/** The hunt's first question to a usual tenant (`component/port`): its first confirming answer where that names it alone. */
export function firstQuestionOf(tenant: string): string | undefined {
  return (NAMED_WITHOUT_VERSION as readonly string[]).includes(tenant) ? CONFIRMING[tenant]?.[0] : undefined;
}

export function fingerprint(input: FingerprintInput): Fingerprint {
  const a = (path: string) => input.answers.get(path);
  const version = a('/version');
  const pods = a('/pods');
  const healthz = a('/healthz');
  const verbose = a('/healthz?verbose');
  const tlsNames = [...(input.tls?.acceptableCAs ?? []), ...(input.tls?.chain ?? []).flatMap((c) => [c.subject, c.issuer])].join(' ');

  if (is(version, 200) && body(version).includes('"etcdserver"')) {
    const port = is(a('/members'), 200) ? 'peer' : 'client';
    return fp('etcd', port, 'high', [`GET /version: ${body(version).slice(0, 80)}`], jsonField(body(version), 'etcdserver'));
  }
  if (is(a('/health'), 200) && /^\{"health":/.test(body(a('/health')))) {
    return fp('etcd', is(version, 404) ? 'metrics' : 'client', 'high', [`GET /health: ${body(a('/health')).slice(0, 60)}`]);
  }
  if (is(version, 200) && body(version).includes('"gitVersion"')) {
    return fp('kube-apiserver', 'secure', 'high', [`GET /version: gitVersion ${jsonField(body(version), 'gitVersion') ?? '?'}`], jsonField(body(version), 'gitVersion'));
  }
  // kubelet: a go-restful plain-text refusal, or the PodList itself.
  if (pods?.status === 401 && body(pods) === 'Unauthorized') return fp('kubelet', input.scheme === 'https' ? 'api' : undefined, 'high', ['GET /pods: 401 plain-text Unauthorized (kubelet auth filter)']);
  if (pods?.status === 403 && body(pods).startsWith('Forbidden (user=')) return fp('kubelet', 'api', 'high', [`GET /pods: 403 ${body(pods).trim()}`]);
  if (is(pods, 200) && body(pods).startsWith('{"kind":"PodList"')) {
    return fp('kubelet', input.scheme === 'https' ? 'api' : 'read-only', 'high', ['GET /pods: 200 PodList']);
  }
  if (is(healthz, 200) && /^\{"lastUpdated":/.test(body(healthz))) return fp('kube-proxy', 'healthz', 'high', [`GET /healthz: ${body(healthz).slice(0, 60)}`]);
  const proxyMode = a('/proxyMode');
  if (is(proxyMode, 200) && /^(iptables|ipvs|nftables|kernelspace|userspace)$/.test(body(proxyMode))) return fp('kube-proxy', 'metrics', 'high', [`GET /proxyMode: ${body(proxyMode)}`]);
  // Delegated authorisation of controller-manager and scheduler: a JSON Status refusal for a path anonymous may not
  // read (/version itself may be allowed by RBAC's public-info-viewer and then answer 404).
  const refused = [version, pods, a('/metrics')].find((o) => o?.status === 403 && body(o).includes('cannot get path'));
  if (refused) {
    const lines = body(verbose);
    if (/-controller ok/.test(lines) && /cloud-node|service-lb|node-route/.test(lines)) return fp('cloud-controller-manager', 'secure', 'high', ['GET /healthz?verbose lists cloud controllers']);
    if (/-controller ok/.test(lines)) return fp('kube-controller-manager', 'secure', 'high', ['GET /healthz?verbose lists controllers']);
    if (is(a('/livez'), 200)) return fp('kube-scheduler', 'secure', 'high', [`GET /livez: ok, ${refused.path}: 403 JSON Status`]);
    if (/\[\+\]leaderElection ok/.test(lines)) return fp('kube-scheduler', 'secure', 'medium', [`GET /healthz?verbose: leaderElection only, ${refused.path}: 403 JSON Status`]);
    return fp('unknown', undefined, 'low', [`delegated-auth Kubernetes component (403 JSON Status on ${refused.path})`]);
  }
  if (input.scheme === 'http' && is(healthz, 200) && body(healthz) === 'ok') {
    if (input.port === 10251 || input.port === 10252) return fp(input.port === 10251 ? 'kube-scheduler' : 'kube-controller-manager', 'insecure', 'medium', [`GET /healthz: ok over plain HTTP on the removed insecure port ${input.port}`]);
    if (is(a('/metrics'), 404)) return fp('kubelet', 'healthz', 'medium', ['GET /healthz: ok, /metrics 404 (kubelet healthz server)']);
  }
  if (input.tls?.clientCert === 'required' && /etcd/i.test(tlsNames)) return fp('etcd', undefined, 'medium', [`TLS handshake requires a client certificate from ${input.tls.acceptableCAs?.join('; ') || 'an etcd CA'}`]);
  return fp('unknown', undefined, 'low', ['no answer matched a known component']);
}
