// The only place a socket error becomes an outcome. Node reports failures as errno codes, OpenSSL reason strings and
// its own ERR_ codes; every caller (scan, handshake facts, HTTP exchanges, WebSocket upgrades) asks here.
import type { Outcome } from '../../model/index.ts';

/** An outcome and one line saying what happened, for reports and errors. */
export interface Failure {
  outcome: Outcome;
  detail: string;
}

// OpenSSL's and Node's words for a server certificate that did not verify (by chain or by name).
const VERIFY = /^(CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS_CERT_ALTNAME|HOSTNAME_MISMATCH|ERR_TLS_CERT)|certificate (has expired|is not yet valid|signed by unknown)|self[- ]signed|unable to (verify|get local issuer)|altnames|not valid for/i;
// Alerts a server sends when it refuses the client's certificate (or the lack of one).
const CLIENT_CERT = /alert (certificate required|bad certificate|unknown ca|certificate unknown|access denied)|tlsv13 alert certificate required|peer did not return a certificate/i;
// What OpenSSL says when the peer speaks plain HTTP to a TLS client.
const PLAIN_HTTP = /wrong version number|packet length too long|http request|unknown protocol/i;

/** Maps an error from net, tls, dns or http to an outcome; never throws. */
export function outcomeOf(error: unknown): Failure {
  const e = (error ?? {}) as NodeJS.ErrnoException & { cause?: { code?: string } };
  const code = e.code ?? e.cause?.code ?? '';
  const message = String(e.message ?? error).split('\n')[0] ?? '';
  const detail = message === '' ? code : message;
  if (code === 'ABORT_ERR' || e.name === 'AbortError') return { outcome: 'aborted', detail: 'the deadline passed' };
  if (code === 'ECONNREFUSED') return { outcome: 'refused', detail: 'connection refused' };
  if (code === 'ETIMEDOUT' || code === 'KIA_TIMEOUT') return { outcome: 'timeout', detail };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EADDRNOTAVAIL') return { outcome: 'unreachable', detail };
  if (CLIENT_CERT.test(message)) return { outcome: 'tls-client-cert', detail };
  if (VERIFY.test(code) || VERIFY.test(message)) return { outcome: 'tls-verify', detail };
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ERR_STREAM_PREMATURE_CLOSE' || message === 'socket hang up') return { outcome: 'reset', detail: code === 'ECONNRESET' ? 'connection reset by the peer' : detail };
  if (/^ERR_(TLS|SSL)/.test(code) || /SSL|TLS|alert|handshake/i.test(message)) return { outcome: 'tls-error', detail };
  return { outcome: 'error', detail };
}

/** The peer answered a TLS ClientHello in plain HTTP (etcd without TLS on a port the catalog knows as HTTPS). */
export function spokePlainHttp(detail: string | undefined): boolean {
  return detail !== undefined && PLAIN_HTTP.test(detail);
}

/** Out of file descriptors: our limit, not the peer's answer. */
export function outOfDescriptors(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EMFILE' || code === 'ENFILE';
}
