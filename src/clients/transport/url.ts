// Every URL kia builds goes through here: path segments and query values are encoded, and names that come from a
// peer (a pod listed by a kubelet) or a user are checked against Kubernetes' own rules before they are used.
import net from 'node:net';
import { UsageError } from '../../errors.ts';

/** `host:port` as a URL authority (IPv6 in brackets). */
export function authority(host: string, port: number): string {
  return `${net.isIPv6(host) ? `[${host}]` : host}:${port}`;
}

/**
 * A path from a template and values: `path('/run/{ns}/{pod}/{container}', {ns, pod, container})`. Each value is one
 * segment, percent-encoded; a value holding `/` stays one segment (`%2F`).
 */
export function path(template: string, values: Readonly<Record<string, string | number>> = {}): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new UsageError(`no value for {${name}} in ${template}`);
    return encodeURIComponent(String(value));
  });
}

/** `?a=1&b=x%20y` from pairs (repeated keys allowed); empty string when there are none. Spaces are `%20`. */
export function query(pairs: Readonly<Record<string, string | number | boolean | undefined>> | readonly (readonly [string, string])[]): string {
  const entries: [string, string][] = Array.isArray(pairs)
    ? pairs.map(([k, v]) => [k, v] as [string, string])
    : Object.entries(pairs as Record<string, string | number | boolean | undefined>).flatMap(([k, v]) => (v === undefined ? [] : [[k, String(v)] as [string, string]]));
  if (entries.length === 0) return '';
  return `?${entries.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}`;
}

export function url(scheme: 'http' | 'https' | 'ws' | 'wss', host: string, port: number, pathAndQuery: string): URL {
  return new URL(`${scheme}://${authority(host, port)}${pathAndQuery.startsWith('/') ? '' : '/'}${pathAndQuery}`);
}

// RFC 1123 label (namespaces, container names) and subdomain (pod names), as k8s.io/apimachinery validation.
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A DNS-1123 label: namespaces and container names (at most 63 characters). */
export function isDnsLabel(name: string): boolean {
  return name.length <= 63 && LABEL.test(name);
}

/** A DNS-1123 subdomain: pod and node names (at most 253 characters, dot-separated labels). */
export function isDnsSubdomain(name: string): boolean {
  return name.length <= 253 && name.split('.').every((part) => part.length > 0 && LABEL.test(part));
}

/** Whether a namespace/pod/container triple from a peer may go into a URL at all. */
export function isPodRef(ref: { namespace: string; pod: string; container?: string }): boolean {
  return isDnsLabel(ref.namespace) && isDnsSubdomain(ref.pod) && (ref.container === undefined || isDnsLabel(ref.container));
}
