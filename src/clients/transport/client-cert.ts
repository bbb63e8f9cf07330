// Whether a TLS server asks for a client certificate, and whether it insists. Node has no API for "the server sent a
// CertificateRequest", so we offer TLS 1.2 only, record the server's bytes (its handshake is in clear up to
// Finished) and parse them: from a handshake of our own, or (the hunt) from a hand-written hello whose flight we cut
// at ServerHelloDone, the caller's first request without a certificate deciding between requested and required. A
// TLS 1.3-only server encrypts its CertificateRequest: there we can only see a certificate_required alert.
import tls from 'node:tls';
import { answered, type Outcome } from '../../model/index.ts';
import { sendHello, type HelloOffer } from './client-hello.ts';
import { alertOf, recordHandshake, why, type Attempt, type HandshakeOffer } from './handshake.ts';
import { alertFromCode, alertName, type ServerFlight } from './tls-records.ts';

export interface ClientCertPolicyResult {
  policy: 'none' | 'requested' | 'required' | 'unknown';
  /** One short sentence: what was seen on the wire. */
  evidence: string;
  /** The CA names of the TLS 1.2 CertificateRequest, as `O=..., CN=...` in DER order. */
  acceptableCAs?: string[];
  /** The server completed (or got as far as a ServerHello in) a TLS 1.2 handshake. */
  tls12: boolean;
  /** The server's ALPN choice from an offer of h2 and http/1.1, when a handshake completed. */
  alpn?: string | false;
  /** The port speaks TLS: a ServerHello or a TLS alert came back, or a handshake completed. */
  isTls: boolean;
}

export interface ClientCertProbe {
  host: string;
  port: number;
  servername?: string;
  timeoutMs?: number;
  /** Secure contexts to reuse across probes (building one per connection costs more than the handshake). */
  contexts?: { tls12: tls.SecureContext; tls13: tls.SecureContext };
  /**
   * The caller's first request without a client certificate, over the TLS the server prefers. Given, the TLS 1.2
   * flight is read from a hand-written hello (no key exchange on our side) and a CertificateRequest is decided by
   * this request's fate (answered: requested; refused for want of a certificate: required), instead of by a TLS 1.2
   * handshake of our own. The hunt asks it anyway, so the policy costs a hello instead of a handshake.
   */
  anonymous?: () => Promise<{ outcome: Outcome; detail?: string }>;
  /**
   * A TLS 1.2 hello of the caller's already answered, read to ServerHelloDone with h2 and HTTP/1.1 offered (the hunt's
   * weak-suite question, asked first). A server's first flight asks for a client certificate whatever suite it
   * chose, so a flight, a version refusal, a stall or a port that is not TLS stands for the policy's own hello; only a
   * refusal of the suites offered (an alert such as handshake_failure, or a close) sends the usual offer after it.
   */
  earlier?: Attempt;
}

/** A usual TLS 1.2 offer (AEAD suites first, then CBC and RSA key exchange for old servers), h2 and HTTP/1.1. */
const POLICY_OFFER: HelloOffer = {
  version: 0x0303,
  suites: [0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc009, 0xc013, 0xc00a, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035],
  alpn: ['h2', 'http/1.1'],
  wholeFlight: true,
};

export function clientCertContexts(): { tls12: tls.SecureContext; tls13: tls.SecureContext } {
  return { tls12: tls.createSecureContext({ maxVersion: 'TLSv1.2' }), tls13: tls.createSecureContext({ minVersion: 'TLSv1.3' }) };
}

function attempt(probe: ClientCertProbe, version: '1.2' | '1.3', timeoutMs: number): Promise<Attempt> {
  const { contexts } = probe;
  const offer: HandshakeOffer = contexts
    ? { secureContext: version === '1.2' ? contexts.tls12 : contexts.tls13 }
    : version === '1.2' ? { maxVersion: 'TLSv1.2' } : { minVersion: 'TLSv1.3' };
  return recordHandshake(probe, { ...offer, listenAfter: version === '1.3' }, timeoutMs);
}

function requestText(flight: ServerFlight): string {
  const count = flight.certificateRequest?.caNames.length ?? 0;
  return `TLS 1.2 CertificateRequest (${count} CA name${count === 1 ? '' : 's'})`;
}

function fromTls13(result: Attempt, prefix: string): Omit<ClientCertPolicyResult, 'isTls'> {
  const unknown = (evidence: string): Omit<ClientCertPolicyResult, 'isTls'> => ({ policy: 'unknown', evidence: `${prefix}${evidence}`, tls12: false });
  if (result.outcome === 'refused') return unknown('connection refused');
  if (result.outcome === 'timeout') return unknown('timeout');
  if (result.outcome === 'unreachable') return unknown(`connection failed: ${result.error}`);
  const alert = alertOf(result);
  if (alert === 116) {
    const when = result.outcome === 'secure' ? 'right after the TLS 1.3 handshake' : 'during the TLS 1.3 handshake';
    return { policy: 'required', evidence: `${prefix}alert 116 certificate_required ${when}`, tls12: false };
  }
  if (result.outcome === 'failed') return unknown(`TLS 1.3 handshake failed: ${why(result)}`);
  if (result.after === 'alert') return unknown(`alert ${alert === undefined ? result.error : alertName(alert)} after the TLS 1.3 handshake; its CertificateRequest is encrypted`);
  if (result.after === 'closed') return unknown(`TLS 1.3 handshake completed, then ${why(result)}; its CertificateRequest is encrypted`);
  return unknown('TLS 1.3 handshake completed without a client certificate; its CertificateRequest, if any, is encrypted');
}

/** Sees whether a server requests or requires a client certificate, without ever sending one. Never throws. */
export async function detectClientCertPolicy(options: ClientCertProbe): Promise<ClientCertPolicyResult> {
  const seen: { alpn?: string | false; tls: boolean } = { tls: false };
  const result = await detect(options, seen);
  return { ...result, isTls: seen.tls || result.policy !== 'unknown' || result.tls12, ...(seen.alpn !== undefined ? { alpn: seen.alpn } : {}) };
}

const PROTOCOL_VERSION_ALERT = 70;

/**
 * Whether an earlier TLS 1.2 hello answers what POLICY_OFFER would: yes unless the server turned down the suites it
 * offered (any alert but protocol_version, or a close without one), which the usual offer may well get past.
 */
function standsForPolicy(earlier: Attempt): boolean {
  const { flight } = earlier;
  if (flight.serverHello !== undefined || flight.notTls || earlier.outcome !== 'failed') return true;
  return alertOf(earlier) === PROTOCOL_VERSION_ALERT;
}

/** A TLS record came back, or a handshake completed. */
function spokeTls(attempt: Attempt): boolean {
  return attempt.outcome === 'secure' || attempt.flight.serverHello !== undefined || attempt.flight.alerts.length > 0 || alertFromCode(attempt.error) !== undefined;
}

async function detect(options: ClientCertProbe, seen: { alpn?: string | false; tls: boolean }): Promise<Omit<ClientCertPolicyResult, 'isTls'>> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const earlier = options.anonymous && options.earlier && standsForPolicy(options.earlier) ? options.earlier : undefined;
  const first = earlier ?? (options.anonymous ? await sendHello(options, POLICY_OFFER, timeoutMs) : await attempt(options, '1.2', timeoutMs));
  if (first.alpn !== undefined) seen.alpn = first.alpn;
  else if (options.anonymous && first.flight.serverHello !== undefined && first.flight.alpn !== undefined) seen.alpn = first.flight.alpn;
  seen.tls ||= spokeTls(first);
  const { flight } = first;
  if (first.outcome === 'refused') return { policy: 'unknown', evidence: 'connection refused', tls12: false };
  if (first.outcome === 'unreachable') return { policy: 'unknown', evidence: `connection failed: ${first.error}`, tls12: false };
  const request = flight.certificateRequest;
  const acceptableCAs = request ? { acceptableCAs: request.caNames } : {};
  if (first.outcome === 'secure') {
    if (request) return { policy: 'requested', evidence: `${requestText(flight)}, handshake completed without a client certificate`, ...acceptableCAs, tls12: true };
    return { policy: 'none', evidence: 'TLS 1.2 handshake completed without a CertificateRequest', tls12: true };
  }
  if (request && options.anonymous) {
    const answer = await options.anonymous();
    if (answered(answer.outcome)) return { policy: 'requested', evidence: `${requestText(flight)}, handshake completed without a client certificate`, ...acceptableCAs, tls12: true };
    const detail = answer.detail ? `: ${answer.detail}` : '';
    if (answer.outcome === 'tls-client-cert') return { policy: 'required', evidence: `${requestText(flight)}, a handshake without a client certificate refused${detail}`, ...acceptableCAs, tls12: true };
    return { policy: 'unknown', evidence: `${requestText(flight)}, then a request without a client certificate ended ${answer.outcome}${detail}`, ...acceptableCAs, tls12: true };
  }
  if (!request && flight.serverHelloDone && options.anonymous) return { policy: 'none', evidence: 'TLS 1.2 first flight (to ServerHelloDone) without a CertificateRequest', tls12: true };
  if (request) {
    // Refused means an alert. A hang-up without one is not proof: a server may accept us and then close before its
    // Finished is flushed (a Node server that destroys the socket on 'secureConnection' does exactly that).
    const alert = alertOf(first);
    if (first.outcome === 'failed' && alert !== undefined) {
      return { policy: 'required', evidence: `${requestText(flight)}, handshake refused: alert ${alertName(alert)}`, ...acceptableCAs, tls12: true };
    }
    const end = first.outcome === 'timeout' ? 'then the handshake stalled (timeout)' : `then ${why(first)}`;
    const accepted = flight.changeCipherSpec ? ' after the server accepted the empty certificate' : '';
    return { policy: accepted ? 'requested' : 'unknown', evidence: `${requestText(flight)}, ${end}${accepted}`, ...acceptableCAs, tls12: true };
  }
  // In TLS 1.2 a server that sent its whole first flight without a CertificateRequest cannot ask for a certificate.
  if (flight.serverHelloDone) {
    const end = first.outcome === 'timeout' ? 'the handshake then stalled (timeout)' : `the handshake then failed: ${why(first)}`;
    return { policy: 'none', evidence: `TLS 1.2 server hello without a CertificateRequest; ${end}`, tls12: true };
  }
  if (first.outcome === 'timeout') return { policy: 'unknown', evidence: 'timeout', tls12: flight.serverHello !== undefined };
  if (flight.serverHello !== undefined && alertOf(first) !== PROTOCOL_VERSION_ALERT) {
    return { policy: 'unknown', evidence: `TLS 1.2 handshake failed without a CertificateRequest: ${why(first)}`, tls12: true };
  }
  // The port answered in another protocol (an HTTP 400, a banner): it does not speak TLS at all, 1.3 neither.
  if (flight.notTls) return { policy: 'unknown', evidence: 'no TLS answer to a TLS 1.2 hello: the port answered in another protocol', tls12: false };
  // No TLS 1.2: a protocol_version alert, or no ServerHello at all. Try TLS 1.3.
  const prefix = `TLS 1.2 refused (${why(first)}); `;
  const second = await attempt(options, '1.3', timeoutMs);
  if (second.alpn !== undefined) seen.alpn = second.alpn;
  seen.tls ||= spokeTls(second);
  return fromTls13(second, prefix);
}
