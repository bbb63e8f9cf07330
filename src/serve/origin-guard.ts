// Who may talk to kia serve through a browser. A web page elsewhere must not read it, neither by pointing a name it
// controls at our address (DNS rebinding: the Host header still carries that name) nor by asking from its own
// origin (the Origin and Sec-Fetch-Site headers say so). Checked on every request, before anything is answered.
import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';

export interface HostPolicy {
  /** The address the server listens on (`127.0.0.1`, `::1`, `0.0.0.0`, `::`, or a host name). */
  listenHost: string;
  /** The port it listens on. */
  port: number;
  /** More names it may be reached by (`kia.example.com`, or `kia.example.com:443` for that port only). */
  allowedHosts?: readonly string[];
}

interface HostName {
  name: string;
  port?: number;
}

/** `[::1]:9470` -> `::1` and 9470; lower-case, without a trailing dot; undefined when malformed. */
export function parseHost(value: string): HostName | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]/@]+))(?::(\d{1,5}))?$/.exec(value.trim());
  if (!m) return undefined;
  const name = (m[1] ?? m[2] ?? '').toLowerCase().replace(/\.$/, '');
  const port = m[3] === undefined ? undefined : Number(m[3]);
  if (!name || (port !== undefined && port > 65535)) return undefined;
  return port === undefined ? { name } : { name, port };
}

function isLoopback(name: string): boolean {
  if (isIP(name) === 4) return name.startsWith('127.');
  if (isIP(name) === 6) return name === '::1' || /^::ffff:127\./.test(name);
  return false;
}

const WILDCARDS = new Set(['0.0.0.0', '::', '']);

/**
 * Whether a Host header names this server: a name from `allowedHosts`; or, on our own port (or none given),
 * `localhost`, a loopback literal, the address we listen on, and when we listen on every address any IP literal
 * (a literal cannot be rebound: a page that uses one is served from that address itself).
 */
export function hostAllowed(value: string | undefined, policy: HostPolicy): boolean {
  const host = value === undefined ? undefined : parseHost(value);
  if (!host) return false;
  for (const entry of policy.allowedHosts ?? []) {
    const allowed = parseHost(entry);
    if (allowed && allowed.name === host.name && (allowed.port === undefined || allowed.port === host.port)) return true;
  }
  if (host.port !== undefined && host.port !== policy.port) return false;
  const listen = isIP(policy.listenHost) ? policy.listenHost.toLowerCase() : (parseHost(policy.listenHost)?.name ?? '');
  if (host.name === 'localhost' || isLoopback(host.name) || host.name === listen) return true;
  return WILDCARDS.has(listen) && isIP(host.name) !== 0;
}

/**
 * Why a request comes from another site's page, or undefined when it does not: `Sec-Fetch-Site` other than
 * `same-origin` or `none` (typed or bookmarked), or an `Origin` whose host is not the Host asked for.
 */
export function crossSiteReason(headers: IncomingHttpHeaders): string | undefined {
  const site = headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return `Sec-Fetch-Site: ${site}`;
  const origin = headers.origin;
  if (origin === undefined) return undefined;
  let from: URL;
  try {
    from = new URL(origin);
  } catch {
    return 'an unreadable Origin';
  }
  if (from.protocol !== 'http:' && from.protocol !== 'https:') return `Origin ${from.protocol}`;
  let asked: string;
  try {
    // The Host as a URL of the Origin's scheme, so that default ports compare equal (`x` and `x:80`).
    asked = new URL(`${from.protocol}//${headers.host ?? ''}`).host;
  } catch {
    return 'an unreadable Host';
  }
  return from.host === asked ? undefined : `Origin ${from.origin}`;
}
