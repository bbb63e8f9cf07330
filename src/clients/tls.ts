// TCP and TLS connections with the facts a probe needs: did it connect, which TLS version and ALPN, the served chain,
// and whether that chain verifies against a CA the caller passes (verification is recorded, never silently skipped).
import net from 'node:net';
import tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import type { Identity } from './identity.ts';
import type { CertificateObservation } from '../model/index.ts';

/** The facts of one served certificate (the model's CertificateObservation). */
export type CertificateFacts = CertificateObservation;

export interface TlsFacts {
  outcome: 'ok' | 'refused' | 'timeout' | 'tls-error' | 'reset' | 'error';
  error?: string;
  protocol?: string | null;
  alpn?: string | false;
  chain: CertificateFacts[];
  /** Verification of the served chain against `ca` (or the system roots), for the name dialled. */
  verified?: boolean;
  verifyError?: string;
}

export interface TlsDial {
  host: string;
  port: number;
  servername?: string;
  ca?: string;
  identity?: Identity;
  alpn?: string[];
  timeoutMs?: number;
  minVersion?: tls.SecureVersion;
  maxVersion?: tls.SecureVersion;
  /** A context to reuse across dials (then identity, min and max version come from it). */
  secureContext?: tls.SecureContext;
}

/** The facts of one certificate, as reports show them. */
export function describeCertificate(cert: X509Certificate): CertificateFacts {
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

/** The served chain, leaf first, as the peer sent it (Node links each certificate to its issuer; a root links to itself). */
export function chainOf(socket: tls.TLSSocket): X509Certificate[] {
  const chain: X509Certificate[] = [];
  const seen = new Set<string>();
  let cursor: tls.DetailedPeerCertificate | undefined = socket.getPeerCertificate(true) as tls.DetailedPeerCertificate;
  while (cursor?.raw && !seen.has(cursor.fingerprint256)) {
    seen.add(cursor.fingerprint256);
    chain.push(new X509Certificate(cursor.raw));
    cursor = cursor.issuerCertificate;
  }
  return chain;
}

/** Verifies a chain against PEM roots for a host name or IP, the way a Go client would. */
export function verifyChain(chain: X509Certificate[], caPem: string | undefined, host: string): { verified: boolean; error?: string } {
  const leaf = chain[0];
  if (!leaf) return { verified: false, error: 'no certificate served' };
  const roots = caPem ? caPem.split(/(?=-----BEGIN CERTIFICATE-----)/).filter((p) => p.includes('BEGIN CERTIFICATE')).map((p) => new X509Certificate(p)) : [];
  if (roots.length === 0) return { verified: false, error: 'no CA given to verify against' };
  const now = Date.now();
  for (const cert of chain) {
    if (Date.parse(cert.validTo) < now) return { verified: false, error: `certificate has expired (${cert.subject.replace(/\n/g, ', ')})` };
  }
  let current = leaf;
  const pool = [...chain.slice(1)];
  for (let depth = 0; depth < 8; depth++) {
    const root = roots.find((r) => current.checkIssued(r) && current.verify(r.publicKey));
    if (root) {
      const nameOk = net.isIP(host) ? leaf.checkIP(host) !== undefined : leaf.checkHost(host) !== undefined;
      return nameOk ? { verified: true } : { verified: false, error: `certificate is not valid for ${host}` };
    }
    const next = pool.find((c) => current.checkIssued(c) && current.verify(c.publicKey));
    if (!next) break;
    current = next;
  }
  return { verified: false, error: 'certificate signed by unknown authority' };
}

/** Opens a TLS connection, records the facts, and closes it. */
export function dialTls(dial: TlsDial): Promise<TlsFacts> {
  const timeoutMs = dial.timeoutMs ?? 5_000;
  return new Promise((resolve) => {
    let done = false;
    const socket = tls.connect({
      host: dial.host,
      port: dial.port,
      servername: dial.servername ?? (net.isIP(dial.host) ? undefined : dial.host),
      rejectUnauthorized: false,
      ALPNProtocols: dial.alpn ?? ['h2', 'http/1.1'],
      cert: dial.identity?.cert,
      key: dial.identity?.key?.reveal(),
      minVersion: dial.minVersion,
      maxVersion: dial.maxVersion,
      ...(dial.secureContext ? { secureContext: dial.secureContext } : {}),
    });
    const finish = (facts: TlsFacts) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(facts);
    };
    const timer = setTimeout(() => finish({ outcome: 'timeout', chain: [], error: `no handshake within ${timeoutMs} ms` }), timeoutMs);
    socket.once('secureConnect', () => {
      const chain = chainOf(socket);
      const verdict = verifyChain(chain, dial.ca, dial.servername ?? dial.host);
      finish({
        outcome: 'ok',
        protocol: socket.getProtocol(),
        alpn: socket.alpnProtocol ?? false,
        chain: chain.map(describeCertificate),
        verified: verdict.verified,
        ...(verdict.error ? { verifyError: verdict.error } : {}),
      });
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      const outcome = error.code === 'ECONNREFUSED' ? 'refused' : error.code === 'ECONNRESET' ? 'reset' : error.code?.startsWith('ERR_SSL') || /alert|handshake|SSL/i.test(error.message) ? 'tls-error' : 'error';
      finish({ outcome, chain: [], error: error.message });
    });
  });
}
