// What a run keeps between TLS connections: one secure context per identity and CA (building one costs more than a
// handshake), TLS sessions for resumption, and the description of each certificate seen. Sessions are never shared
// between identities: a resumed TLS 1.3 session keeps the client authentication of the handshake that made it, so
// another identity resuming it would ask as the first one. A session is kept without the server's certificate
// (session.ts), with what its full handshake showed beside it, and offered only while that record is kept too.
import { createHash, X509Certificate } from 'node:crypto';
import tls, { type SecureContext } from 'node:tls';
import type { CertificateObservation } from '../../model/index.ts';
import type { Identity } from '../identity.ts';
import { withoutPeer } from './session.ts';
import { describeCertificate } from './trust.ts';

const MAX_SESSIONS = 8192;
const MAX_CERTIFICATES = 4096;

/** Oldest-first eviction for a bounded map. */
function bounded<K, V>(map: Map<K, V>, max: number, key: K, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > max) map.delete(map.keys().next().value as K);
}

/** What a full handshake showed of the server: resuming its session shows none of it. */
export interface PeerRecord {
  /** The leaf's SHA-256 fingerprint. */
  leaf?: string;
  named: boolean;
  nameError?: string;
  /** The chain verified against the trusted CAs (Node's `authorized`), and why not. */
  authorized: boolean;
  authorizationError?: string;
}

export class TlsCache {
  readonly #contexts = new Map<string, SecureContext>();
  readonly #sessions = new Map<string, Buffer>();
  readonly #certificates = new Map<string, CertificateObservation>();
  // What the full handshake behind a session showed: a resumed session shows no peer certificate.
  readonly #peers = new Map<string, PeerRecord>();
  // Identities are compared by object; one name may stand for two different credentials (two --cert flags).
  readonly #ids = new WeakMap<Identity, string>();
  #nextId = 1;

  #idOf(identity: Identity | undefined): string {
    if (!identity) return 'anonymous';
    let id = this.#ids.get(identity);
    if (id === undefined) {
      id = `${this.#nextId++}:${identity.name}`;
      this.#ids.set(identity, id);
    }
    return id;
  }

  /** The context an identity speaks TLS with: its certificate and key, and the CA bundle that verifies servers. */
  context(identity: Identity | undefined, ca: string | undefined, extra?: { minVersion?: tls.SecureVersion; maxVersion?: tls.SecureVersion }): SecureContext {
    const caKey = ca ? this.#caKey(ca) : '-';
    const key = `${this.#idOf(identity)}|${caKey}|${extra ? JSON.stringify(extra) : ''}`;
    let context = this.#contexts.get(key);
    if (!context) {
      context = tls.createSecureContext({
        ...(identity?.cert ? { cert: identity.cert } : {}),
        ...(identity?.key ? { key: identity.key.reveal() } : {}),
        ...(ca ? { ca } : {}),
        ...extra,
      });
      this.#contexts.set(key, context);
    }
    return context;
  }

  // A CA bundle's short digest, by its text: every connection asks, the bundles are one or two.
  readonly #caKeys = new Map<string, string>();

  #caKey(ca: string): string {
    let key = this.#caKeys.get(ca);
    if (key === undefined) {
      key = createHash('sha256').update(ca).digest('base64').slice(0, 16);
      bounded(this.#caKeys, 64, ca, key);
    }
    return key;
  }

  // Whether a certificate carries one of the names asked for, by its fingerprint and the names: a hunt meets each
  // server certificate once per identity, and a mismatch costs Node an Error with its stack.
  readonly #named = new Map<string, { ok: boolean; error?: string }>();

  /** The name check of a served certificate, made once per fingerprint and names. */
  named(fingerprint: string, names: readonly string[], check: () => { ok: boolean; error?: string }): { ok: boolean; error?: string } {
    const key = `${fingerprint}|${names.join(',')}`;
    let verdict = this.#named.get(key);
    if (!verdict) {
      verdict = check();
      bounded(this.#named, MAX_CERTIFICATES, key, verdict);
    }
    return verdict;
  }

  #policy: { tls12: SecureContext; tls13: SecureContext } | undefined;

  /** The two contexts the client-certificate policy probe offers (TLS 1.2 only, TLS 1.3 only), built once. */
  policyContexts(build: () => { tls12: SecureContext; tls13: SecureContext }): { tls12: SecureContext; tls13: SecureContext } {
    this.#policy ??= build();
    return this.#policy;
  }

  /** The key sessions are kept under: the server and the identity that made them. */
  sessionKey(host: string, port: number, servername: string | undefined, identity: Identity | undefined): string {
    return `${host}|${port}|${servername ?? ''}|${this.#idOf(identity)}`;
  }

  /** A session to resume, while what its full handshake showed is known. */
  session(key: string): Buffer | undefined {
    return this.#peers.has(key) ? this.#sessions.get(key) : undefined;
  }

  keepSession(key: string, session: Buffer): void {
    bounded(this.#sessions, MAX_SESSIONS, key, withoutPeer(session));
    const peer = this.#peers.get(key);
    if (peer) bounded(this.#peers, MAX_SESSIONS, key, peer);
  }

  forgetSession(key: string): void {
    this.#sessions.delete(key);
    this.#peers.delete(key);
  }

  /** The leaf, name check and chain verification of the last full handshake made under a session key. */
  peer(key: string): PeerRecord | undefined {
    return this.#peers.get(key);
  }

  rememberPeer(key: string, peer: PeerRecord): void {
    bounded(this.#peers, MAX_SESSIONS, key, peer);
  }

  /** A certificate's description, read once per fingerprint. */
  describe(cert: X509Certificate): CertificateObservation {
    const fingerprint = cert.fingerprint256;
    let known = this.#certificates.get(fingerprint);
    if (!known) {
      known = describeCertificate(cert);
      bounded(this.#certificates, MAX_CERTIFICATES, fingerprint, known);
    }
    return known;
  }
}
