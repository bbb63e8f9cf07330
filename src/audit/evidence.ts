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
  const status = route.status === undefined ? route.outcome : `HTTP ${route.status}${route.contentType ? ` (${route.contentType})` : ''}`;
  const body = (route.bodySample ?? '').slice(0, 240);
  return { request: `${who}curl -s ${insecure}${method}'${url(endpoint, route.path)}'`, response: body ? `${status}\n${body}` : status };
}

export function tlsEvidence(endpoint: EndpointObservation, text: string): Evidence {
  return { request: `openssl s_client -connect ${endpoint.address.includes(':') ? `[${endpoint.address}]` : endpoint.address}:${endpoint.port} </dev/null`, response: text };
}
