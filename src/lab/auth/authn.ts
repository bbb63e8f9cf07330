// Request authentication as the Kubernetes libraries do it: x509 client certificate against a client CA, bearer
// token (TokenReview or a local check), then anonymous. Fail on error: a presented but bad credential is refused
// even when anonymous access is on (staging/src/k8s.io/apiserver/pkg/authentication/...).
import type { TLSSocket } from 'node:tls';
import type { Req } from '../net/go-http.ts';
import { tlsSocketOf } from '../net/go-http.ts';

export interface User {
  name: string;
  groups: string[];
  uid?: string;
}

export type AuthnResult = { kind: 'user'; user: User } | { kind: 'error'; error: string };

export type TokenCheck = (token: string) => Promise<{ user?: User; error?: string }>;

export interface AuthnConfig {
  /** Client certificates are verified (the TLS layer was given this CA); absent = x509 authentication off. */
  x509: boolean;
  /** Bearer-token authenticator; absent = tokens are ignored. */
  token?: TokenCheck;
  anonymous: boolean;
}

export const ANONYMOUS_USER: User = { name: 'system:anonymous', groups: ['system:unauthenticated'] };

export function bearerToken(req: Req): string | undefined {
  const header = req.headers.authorization;
  if (typeof header === 'string' && /^bearer /i.test(header)) {
    const token = header.slice(7).trim();
    return token === '' ? undefined : token;
  }
  // kubelet and apiserver also accept the token as a WebSocket subprotocol.
  const protocols = req.headers['sec-websocket-protocol'];
  if (typeof protocols === 'string') {
    const prefix = 'base64url.bearer.authorization.k8s.io.';
    const entry = protocols.split(',').map((p) => p.trim()).find((p) => p.startsWith(prefix));
    if (entry) return Buffer.from(entry.slice(prefix.length), 'base64url').toString();
  }
  return undefined;
}

// A connection's client certificate is read once: kept-alive clients (kia's hunt, the apiserver) ask many times on it.
const certificateUsers = new WeakMap<TLSSocket, AuthnResult | undefined>();

function certificateUser(socket: TLSSocket): AuthnResult | undefined {
  if (certificateUsers.has(socket)) return certificateUsers.get(socket);
  const user = readCertificateUser(socket);
  certificateUsers.set(socket, user);
  return user;
}

function readCertificateUser(socket: TLSSocket): AuthnResult | undefined {
  const peer = socket.getPeerCertificate();
  if (!peer || Object.keys(peer).length === 0) return undefined;
  if (!socket.authorized) return { kind: 'error', error: `x509: ${String(socket.authorizationError ?? 'certificate signed by unknown authority')}` };
  const cn = peer.subject?.CN;
  const o = peer.subject?.O;
  const name = Array.isArray(cn) ? (cn[0] ?? '') : (cn ?? '');
  const groups = o === undefined ? [] : Array.isArray(o) ? o : [o];
  return { kind: 'user', user: { name, groups: [...groups, 'system:authenticated'] } };
}

export async function authenticate(req: Req, config: AuthnConfig): Promise<AuthnResult | undefined> {
  const errors: string[] = [];
  const socket = tlsSocketOf(req);
  if (config.x509 && socket) {
    const result = certificateUser(socket);
    if (result?.kind === 'user') return result;
    if (result?.kind === 'error') errors.push(result.error);
  }
  const token = bearerToken(req);
  if (config.token && token !== undefined) {
    const result = await config.token(token);
    if (result.user) return { kind: 'user', user: { ...result.user, groups: [...new Set([...result.user.groups, 'system:authenticated'])] } };
    errors.push(result.error ?? 'invalid bearer token');
  }
  if (errors.length > 0) return { kind: 'error', error: errors.join(', ') };
  if (config.anonymous) return { kind: 'user', user: ANONYMOUS_USER };
  return undefined;
}

/** A small TTL cache for webhook answers (kubelet: authn 2m; authz allow 5m, deny 30s). */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();
  private readonly now: () => number;
  private readonly max: number;
  constructor(now: () => number, max = 10_000) {
    this.now = now;
    this.max = max;
  }
  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.until < this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }
  set(key: string, value: V, ttlMs: number): void {
    if (this.entries.size >= this.max) this.entries.clear();
    this.entries.set(key, { value, until: this.now() + ttlMs });
  }
}
