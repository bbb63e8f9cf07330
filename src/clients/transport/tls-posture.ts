// Whether a TLS port still agrees to TLS 1.0/1.1 or to a weak TLS 1.2 suite: two anonymous ClientHellos written by
// hand (client-hello.ts), each offering only the weak thing, read off the wire (the ServerHello's version and suite),
// so a port that then wants a client certificate still shows what it chose. Facts only: which of them is a finding
// is the audit's.
import type { TlsOfferResult, TlsPosture } from '../../model/index.ts';
import { sendHello, type HelloOffer } from './client-hello.ts';
import { alertOf, why, type Attempt, type HandshakeTarget } from './handshake.ts';
import { alertName } from './tls-records.ts';

/**
 * The weak TLS 1.2 suites offered, by IANA number: OpenSSL's name and the IANA name a Go flag takes. CBC without
 * AEAD (Lucky13-style padding oracles), RSA key exchange (no forward secrecy), 3DES (64-bit blocks, SWEET32), RC4.
 */
const WEAK_SUITES: Record<number, { openssl: string; iana: string }> = {
  0xc009: { openssl: 'ECDHE-ECDSA-AES128-SHA', iana: 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA' },
  0xc013: { openssl: 'ECDHE-RSA-AES128-SHA', iana: 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA' },
  0xc00a: { openssl: 'ECDHE-ECDSA-AES256-SHA', iana: 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA' },
  0xc014: { openssl: 'ECDHE-RSA-AES256-SHA', iana: 'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA' },
  0xc023: { openssl: 'ECDHE-ECDSA-AES128-SHA256', iana: 'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256' },
  0xc027: { openssl: 'ECDHE-RSA-AES128-SHA256', iana: 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256' },
  0x009c: { openssl: 'AES128-GCM-SHA256', iana: 'TLS_RSA_WITH_AES_128_GCM_SHA256' },
  0x009d: { openssl: 'AES256-GCM-SHA384', iana: 'TLS_RSA_WITH_AES_256_GCM_SHA384' },
  0x002f: { openssl: 'AES128-SHA', iana: 'TLS_RSA_WITH_AES_128_CBC_SHA' },
  0x0035: { openssl: 'AES256-SHA', iana: 'TLS_RSA_WITH_AES_256_CBC_SHA' },
  0x003c: { openssl: 'AES128-SHA256', iana: 'TLS_RSA_WITH_AES_128_CBC_SHA256' },
  0xc012: { openssl: 'ECDHE-RSA-DES-CBC3-SHA', iana: 'TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA' },
  0x000a: { openssl: 'DES-CBC3-SHA', iana: 'TLS_RSA_WITH_3DES_EDE_CBC_SHA' },
  0xc011: { openssl: 'ECDHE-RSA-RC4-SHA', iana: 'TLS_ECDHE_RSA_WITH_RC4_128_SHA' },
  0xc007: { openssl: 'ECDHE-ECDSA-RC4-SHA', iana: 'TLS_ECDHE_ECDSA_WITH_RC4_128_SHA' },
  0x0005: { openssl: 'RC4-SHA', iana: 'TLS_RSA_WITH_RC4_128_SHA' },
};

const VERSIONS: Record<number, string> = { 0x0300: 'SSLv3', 0x0301: 'TLSv1', 0x0302: 'TLSv1.1', 0x0303: 'TLSv1.2' };

/**
 * The two hellos: TLS 1.0/1.1 with the suites those versions had, and TLS 1.2 with only the weak suites. The second
 * offers ALPN as a client would and is read to ServerHelloDone: a server that takes a weak suite has then also said
 * whether it asks for a client certificate (client-cert.ts takes that flight instead of sending a hello of its own).
 */
const LEGACY_OFFER: HelloOffer = { version: 0x0302, suites: [0xc009, 0xc013, 0xc00a, 0xc014, 0x002f, 0x0035, 0xc012, 0x000a] };
const WEAK_OFFER: HelloOffer = { version: 0x0303, suites: Object.keys(WEAK_SUITES).map(Number), alpn: ['h2', 'http/1.1'], wholeFlight: true };

/** The weak-suite hello alone, for a caller that wants its flight first; never throws. */
export function weakSuiteHello(target: HandshakeTarget, options: { timeoutMs: number }): Promise<Attempt> {
  return sendHello(target, WEAK_OFFER, options.timeoutMs);
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(4, '0')}`;
}

/** A refusal is an alert (or a close right after our hello); a stall or a reset mid-way teaches nothing. */
function judged(attempt: Attempt, chose: (serverHello: number, suite: number | undefined) => string | undefined, what: string): TlsOfferResult {
  const { flight } = attempt;
  if (flight.serverHello !== undefined) {
    const accepted = chose(flight.serverHello, flight.cipherSuite);
    if (accepted) return { accepted, evidence: `ServerHello ${VERSIONS[flight.serverHello] ?? hex(flight.serverHello)} ${flight.cipherSuite === undefined ? '' : (WEAK_SUITES[flight.cipherSuite]?.iana ?? hex(flight.cipherSuite))}`.trim() };
  }
  const alert = alertOf(attempt);
  if (alert !== undefined) return { accepted: null, evidence: `${what} refused: alert ${alertName(alert)}` };
  if (attempt.outcome === 'timeout') return { evidence: `${what}: no answer within the timeout` };
  if (attempt.outcome === 'refused' || attempt.outcome === 'unreachable') return { evidence: `${what}: ${attempt.error ?? attempt.outcome}` };
  // Go's TLS server closes without an alert when a hello offers no version it has: that is a refusal too.
  if (!flight.notTls && attempt.outcome === 'failed' && flight.serverHello === undefined) return { accepted: null, evidence: `${what} refused: ${why(attempt)}` };
  return { evidence: `${what}: ${why(attempt)}` };
}

/** Asks one TLS endpoint both questions at once (the weak-suite one unless its answer is given); never throws. */
export async function probeTlsPosture(target: HandshakeTarget, options: { timeoutMs: number; weak?: Attempt }): Promise<TlsPosture> {
  const [legacy, weak] = await Promise.all([sendHello(target, LEGACY_OFFER, options.timeoutMs), options.weak ?? weakSuiteHello(target, options)]);
  return {
    legacyVersion: judged(legacy, (version) => (version < 0x0303 ? (VERSIONS[version] ?? hex(version)) : undefined), 'TLS 1.0/1.1 hello'),
    weakSuite: judged(weak, (version, suite) => (version === 0x0303 && suite !== undefined ? (WEAK_SUITES[suite]?.iana ?? hex(suite)) : undefined), 'weak-suite TLS 1.2 hello'),
  };
}
