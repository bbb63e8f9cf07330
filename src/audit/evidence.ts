// Small pure helpers rules share: find an answer, and turn it into evidence a person can replay.
import { answered, type EndpointObservation, type Evidence, type RouteObservation } from '../model/index.ts';

export function answers(endpoint: EndpointObservation, path: string, identity = 'anonymous'): RouteObservation | undefined {
  return endpoint.routes.find((r) => r.path === path && r.identity === identity && answered(r.outcome));
}

export function anonymousOk(endpoint: EndpointObservation, path: string): RouteObservation | undefined {
  const r = answers(endpoint, path);
  return r?.status === 200 ? r : undefined;
}

export function url(endpoint: EndpointObservation, path = '/'): string {
  const host = endpoint.address.includes(':') ? `[${endpoint.address}]` : endpoint.address;
  const scheme = endpoint.scheme === 'https' ? 'https' : 'http';
  return `${scheme}://${host}:${endpoint.port}${path}`;
}

export function evidence(endpoint: EndpointObservation, route: RouteObservation): Evidence {
  const insecure = endpoint.scheme === 'https' ? '-k ' : '';
  const who = route.identity === 'anonymous' ? '' : `# as ${route.identity}\n`;
  const method = route.method === 'GET' ? '' : `-X ${route.method} `;
  const cut = route.outcome !== 'too-large' ? '' : route.capBytes !== undefined ? `, answer larger than ${route.capBytes} bytes` : ', answer larger than the byte cap';
  const status = route.status === undefined ? route.outcome : `HTTP ${route.status}${route.contentType ? ` (${route.contentType})` : ''}${cut}`;
  const body = (route.bodySample ?? '').slice(0, 240);
  return { request: `${who}curl -s ${insecure}${method}'${url(endpoint, route.path)}'`, response: body ? `${status}\n${body}` : status };
}

/**
 * The --active exec proof as a person replays it: curl cannot speak the channel protocol, so the request is the kia
 * command that opens the same WebSocket upgrade (a GET offering v5 and v4.channel.k8s.io) and runs the same `id`.
 */
export function execEvidence(endpoint: EndpointObservation, route: RouteObservation): Evidence {
  const target = decodeURIComponent(route.path.split('?')[0] ?? '').replace(/^\/exec\//, '');
  const request = `# as ${route.identity}: a WebSocket upgrade, GET ${route.path}\nkia kubelet ${endpoint.address} exec --port ${endpoint.port} ${target} -- id`;
  const status = route.status === undefined ? route.outcome : `HTTP ${route.status}`;
  const body = (route.bodySample ?? '').slice(0, 240);
  return { request, response: body ? `${status}\n${body}` : status };
}

// Health paths every caller may ask (the always-allow list); an answer there proves nothing about access.
const ALWAYS_ALLOWED = /^\/(healthz|livez|readyz)(\/|\?|$)/;

/** The catalog routes (not fingerprinting requests) anonymous got a 200 on, leaving out always-allowed health paths. */
export function anonymousReadable(endpoint: EndpointObservation): RouteObservation[] {
  return endpoint.routes.filter((r) => r.identity === 'anonymous' && r.status === 200 && !r.route.startsWith('probe:') && !ALWAYS_ALLOWED.test(r.path));
}

/**
 * The anonymous answer that best shows the port answers: a 200 on a catalog route, then any 200, then any other
 * status but 404, then a 404. Undefined when nothing answered over HTTP.
 */
export function provingAnswer(endpoint: EndpointObservation): RouteObservation | undefined {
  const answered = endpoint.routes.filter((r) => r.identity === 'anonymous' && r.status !== undefined);
  const rank = (r: RouteObservation) => (r.status === 200 ? (r.route.startsWith('probe:') ? 1 : 0) : r.status === 404 ? 3 : 2);
  return [...answered].sort((a, b) => rank(a) - rank(b))[0];
}

export function tlsEvidence(endpoint: EndpointObservation, text: string): Evidence {
  return { request: `openssl s_client -connect ${endpoint.address.includes(':') ? `[${endpoint.address}]` : endpoint.address}:${endpoint.port} </dev/null`, response: text };
}
