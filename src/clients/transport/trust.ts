// The one trust policy: how a served certificate is verified, and which credential may go where. Client certificates
// are offered to any TLS server (a certificate proves nothing to a peer without its key); a bearer token goes only to
// a server whose certificate verified against the CA given (or the system roots), never over plain HTTP, unless
// verification was turned off on purpose.
import { X509Certificate } from 'node:crypto';
import net from 'node:net';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import type { CertificateObservation } from '../../model/index.ts';
import type { Identity } from '../identity.ts';

/** How a run verifies servers: one object wherever a CA bundle or "skip verification" used to travel as a pair. */
export interface Trust {
  /** PEM bundle the served chains are verified against; absent: the system roots. */
  ca?: string;
  /** Verification off: nothing is refused for it and tokens go anywhere TLS goes (reports say so). */
  insecureSkipVerify?: boolean;
  /** The name the certificate must carry when it is not the dialled address (a kubelet's node name). */
  serverName?: string;
}

/**
 * `strict`: a client asking on the user's behalf; a server that does not verify is not spoken to (`tls-verify`).
 * `survey`: a probe recording facts; anything may be asked anonymously or with a client certificate, and only a
 * token waits for verification.
 */
export type TrustMode = 'strict' | 'survey';

/** Whether a request with this identity may be written, once the server's verification is known. */
export function mayAsk(identity: Identity | undefined, scheme: 'http' | 'https', verified: boolean, trust: Trust, mode: TrustMode): { ok: true } | { ok: false; why: string } {
  if (scheme === 'https' && mode === 'strict' && !verified && !trust.insecureSkipVerify) return { ok: false, why: 'the server certificate did not verify' };
  if (!identity?.token) return { ok: true };
  if (scheme === 'http') return { ok: false, why: 'a bearer token is never sent over plain HTTP' };
  if (!verified && !trust.insecureSkipVerify) {
    return { ok: false, why: `credential withheld: the server certificate did not verify${trust.ca ? ' against the CA given' : ''} (give its CA with --cacert, or --insecure-skip-tls-verify)` };
  }
  return { ok: true };
}

/**
 * TLS options for a client that is not the transport's own (the WebSocket library): the identity's certificate, the
 * CA, verification (on unless turned off: a token is then sent only after the server proved itself) and the name.
 */
export function tlsClientOptions(identity: Identity | undefined, trust: Trust): { cert?: string; key?: string; ca?: string; rejectUnauthorized: boolean; servername?: string; headers: Record<string, string> } {
  return {
    headers: identity?.token ? { Authorization: `Bearer ${identity.token.reveal()}` } : {},
    ...(identity?.cert ? { cert: identity.cert } : {}),
    ...(identity?.key ? { key: identity.key.reveal() } : {}),
    ...(trust.ca ? { ca: trust.ca } : {}),
    rejectUnauthorized: trust.insecureSkipVerify !== true,
    ...(trust.serverName && !net.isIP(trust.serverName) ? { servername: trust.serverName } : {}),
  };
}

/** The names a served certificate may carry to count as the server dialled: the server name given, else the address. */
export function namesFor(host: string, trust: Trust, alternatives: readonly string[] = []): string[] {
  return [...new Set([trust.serverName ?? host, ...alternatives].filter((n) => n !== ''))];
}

/** Whether the peer certificate is valid for one of the names (DNS or IP SAN, as Go's VerifyHostname). */
export function matchesName(served: PeerCertificate | X509Certificate, names: readonly string[]): { ok: boolean; error?: string } {
  // checkServerIdentity reads the subject's CN and the SAN text, which an X509 object gives as they are.
  const cert = served instanceof X509Certificate ? ({ subject: { CN: commonName(served.subject) }, subjectaltname: served.subjectAltName } as unknown as PeerCertificate) : served;
  let first: Error | undefined;
  for (const name of names) {
    const error = checkServerIdentity(name, cert);
    if (!error) return { ok: true };
    first ??= error;
  }
  return { ok: false, error: first?.message ?? 'no name to check' };
}

function commonName(subject: string): string | undefined {
  return subject.split('\n').find((line) => line.startsWith('CN='))?.slice(3);
}

/** The facts of one served certificate, as reports show them. */
export function describeCertificate(cert: X509Certificate): CertificateObservation {
  const san = cert.subjectAltName ?? '';
  const names = san.split(', ').filter(Boolean);
  return {
    subject: cert.subject.replace(/\n/g, ', '),
    issuer: cert.issuer.replace(/\n/g, ', '),
    dnsNames: names.filter((n) => n.startsWith('DNS:')).map((n) => n.slice(4)),
    ipAddresses: names.filter((n) => n.startsWith('IP Address:')).map((n) => n.slice(11)),
    notBefore: new Date(cert.validFrom).toISOString(),
    notAfter: new Date(cert.validTo).toISOString(),
    selfSigned: cert.issuer === cert.subject && cert.verify(cert.publicKey),
    isCA: cert.ca,
    fingerprint256: cert.fingerprint256,
  };
}

/**
 * The served chain from the leaf up, as the handshake kept it (the peer's X509 objects: no second parse of the DER,
 * and none of the per-certificate fields `getPeerCertificate(true)` builds and nobody reads).
 */
export function chainOf(leaf: X509Certificate): X509Certificate[] {
  const chain: X509Certificate[] = [];
  const seen = new Set<string>();
  let cursor: X509Certificate | undefined = leaf;
  while (cursor && !seen.has(cursor.fingerprint256) && chain.length < 8) {
    seen.add(cursor.fingerprint256);
    chain.push(cursor);
    cursor = cursor.issuerCertificate;
  }
  return chain;
}

function roots(caPem: string): X509Certificate[] {
  return caPem
    .split(/(?=-----BEGIN CERTIFICATE-----)/)
    .filter((p) => p.includes('BEGIN CERTIFICATE'))
    .flatMap((p) => {
      try {
        return [new X509Certificate(p)];
      } catch {
        return [];
      }
    });
}

// OpenSSL's verification codes as Go's crypto/x509 words them, so kia's reasons read like kubectl's.
const VERIFY_WORDS: Record<string, string> = {
  CERT_HAS_EXPIRED: 'certificate has expired',
  CERT_NOT_YET_VALID: 'certificate is not yet valid',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate, signed by unknown authority',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in the chain, signed by unknown authority',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'certificate signed by unknown authority',
  UNABLE_TO_GET_ISSUER_CERT: 'certificate signed by unknown authority',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'certificate signed by unknown authority',
  CERT_SIGNATURE_FAILURE: 'certificate signature does not verify',
  CERT_REVOKED: 'certificate is revoked',
};

/** Why a served certificate did not verify, in words, with OpenSSL's code kept in parentheses. */
export function verifyErrorWords(code: string, names: readonly string[]): string {
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `certificate is not valid for ${names.join(' or ')} (${code})`;
  const words = VERIFY_WORDS[code];
  return words ? `${words} (${code})` : code;
}

/** Verifies a chain against PEM roots for one of the names, the way a Go client would; `now` for expiry. */
export function verifyChain(chain: readonly X509Certificate[], caPem: string | undefined, names: readonly string[], now = Date.now()): { verified: boolean; error?: string } {
  const leaf = chain[0];
  if (!leaf) return { verified: false, error: 'no certificate served' };
  const anchors = caPem ? roots(caPem) : [];
  if (anchors.length === 0) return { verified: false, error: 'no CA given to verify against' };
  for (const cert of chain) {
    if (Date.parse(cert.validTo) < now) return { verified: false, error: `certificate has expired (${cert.subject.replace(/\n/g, ', ')})` };
  }
  let current = leaf;
  const pool = [...chain.slice(1)];
  for (let depth = 0; depth < 8; depth++) {
    const root = anchors.find((r) => current.checkIssued(r) && current.verify(r.publicKey));
    if (root) {
      const nameOk = names.some((name) => (net.isIP(name) ? leaf.checkIP(name) !== undefined : leaf.checkHost(name) !== undefined));
      return nameOk ? { verified: true } : { verified: false, error: `certificate is not valid for ${names.join(' or ')}` };
    }
    const next = pool.find((c) => current.checkIssued(c) && current.verify(c.publicKey));
    if (!next) break;
    current = next;
  }
  return { verified: false, error: 'certificate signed by unknown authority' };
}
