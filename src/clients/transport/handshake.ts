// One TLS handshake recorded off the wire: the raw socket under Node's TLS layer keeps a copy of what the server sent,
// so a handshake the server ends (no client certificate, a refused version or suite) still shows its ServerHello,
// CertificateRequest and alerts. The client-certificate policy probe asks through it when it makes a handshake of its
// own (without a caller's request to decide, and for TLS 1.3); the hunt's hellos are written by hand (client-hello.ts).
import net from 'node:net';
import { Duplex } from 'node:stream';
import tls from 'node:tls';
import { outcomeOf } from './outcome.ts';
import { alertFromCode, alertName, parseServerFlight, type ServerFlight } from './tls-records.ts';

const RECORD_CAP = 64 << 10;
// How long to wait after a TLS 1.3 handshake for the server's first word (a session ticket or an alert).
const AFTER_HANDSHAKE_MS = 1_000;

/**
 * The raw socket as the TLS layer's transport, keeping a copy of the first 64 KiB the server sends. A socket error
 * (a reset) reaches the TLS layer as end of stream, after every byte before it, so an alert that came just ahead
 * of the reset is still decoded.
 */
class Recorder extends Duplex {
  private readonly socket: net.Socket;
  private readonly chunks: Buffer[] = [];
  private size = 0;
  resetBy?: string;

  constructor(socket: net.Socket) {
    super({ allowHalfOpen: false });
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      if (this.size < RECORD_CAP) this.chunks.push(chunk.subarray(0, RECORD_CAP - this.size));
      this.size += chunk.length;
      if (!this.push(chunk)) socket.pause();
    });
    socket.on('end', () => this.push(null));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      this.resetBy = error.code ?? error.message;
      this.push(null);
    });
  }

  get recorded(): Buffer {
    return Buffer.concat(this.chunks);
  }

  override _read(): void {
    this.socket.resume();
  }
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.socket.destroyed) callback();
    else this.socket.write(chunk, () => callback());
  }
  override _final(callback: (error?: Error | null) => void): void {
    this.socket.end();
    callback();
  }
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.socket.destroy();
    callback(error);
  }
}

export type After = 'session' | 'data' | 'alert' | 'closed' | 'quiet';

export interface Attempt {
  outcome: 'refused' | 'unreachable' | 'timeout' | 'failed' | 'secure';
  /** The protocol the server chose from our ALPN offer (h2, http/1.1), once the handshake completed. */
  alpn?: string | false;
  /** The Node error code (or message) of a failure, or of an alert after the handshake. */
  error?: string;
  /** TLS 1.3 only: the first thing that happened after the handshake. */
  after?: After;
  resetBy?: string;
  flight: ServerFlight;
}

export interface HandshakeTarget {
  host: string;
  port: number;
  servername?: string;
}

/** What the client offers: a prepared context (versions, suites), and whether to wait after a completed handshake. */
export interface HandshakeOffer {
  secureContext?: tls.SecureContext;
  minVersion?: tls.SecureVersion;
  maxVersion?: tls.SecureVersion;
  /** TLS 1.3: wait for the server's first word after the handshake (a ticket, or a certificate_required alert). */
  listenAfter?: boolean;
}

export function recordHandshake(probe: HandshakeTarget, offer: HandshakeOffer, timeoutMs: number): Promise<Attempt> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: probe.host, port: probe.port });
    let recorder: Recorder | undefined;
    let secure: tls.TLSSocket | undefined;
    let done = false;
    let grace: NodeJS.Timeout | undefined;
    const finish = (result: Omit<Attempt, 'flight' | 'resetBy'>) => {
      if (done) return;
      done = true;
      if (secure?.alpnProtocol !== undefined && result.outcome === 'secure') result.alpn = secure.alpnProtocol ?? false;
      clearTimeout(timer);
      clearTimeout(grace);
      secure?.destroy();
      recorder?.destroy();
      socket.destroy();
      const resetBy = recorder?.resetBy;
      resolve({ ...result, ...(resetBy ? { resetBy } : {}), flight: parseServerFlight(recorder?.recorded ?? Buffer.alloc(0)) });
    };
    const timer = setTimeout(() => finish({ outcome: 'timeout' }), timeoutMs);
    socket.once('error', (error: NodeJS.ErrnoException) => {
      if (!recorder) finish({ outcome: outcomeOf(error).outcome === 'refused' ? 'refused' : 'unreachable', error: error.code ?? error.message });
    });
    socket.once('connect', () => {
      recorder = new Recorder(socket);
      const servername = probe.servername ?? (net.isIP(probe.host) ? undefined : probe.host);
      const session = tls.connect({
        socket: recorder,
        ...(servername ? { servername } : {}),
        rejectUnauthorized: false,
        ALPNProtocols: ['h2', 'http/1.1'],
        ...(offer.secureContext ? { secureContext: offer.secureContext } : {}),
        ...(offer.minVersion ? { minVersion: offer.minVersion } : {}),
        ...(offer.maxVersion ? { maxVersion: offer.maxVersion } : {}),
      });
      secure = session;
      let handshaken = false;
      const after = (what: After, error?: string) => finish({ outcome: 'secure', after: what, ...(error ? { error } : {}) });
      session.on('error', (error: NodeJS.ErrnoException) => {
        const code = error.code ?? error.message;
        if (handshaken) after(alertFromCode(error.code) !== undefined ? 'alert' : 'closed', code);
        else finish({ outcome: 'failed', error: code });
      });
      session.on('close', () => (handshaken ? after('closed') : finish({ outcome: 'failed', error: 'closed' })));
      session.on('end', () => handshaken && after('closed'));
      // Listening for 'session' also makes Node ask OpenSSL for TLS 1.3 tickets: the server's first word when it
      // accepted us without a certificate.
      session.on('session', () => handshaken && after('session'));
      session.on('data', () => after('data'));
      session.once('secureConnect', () => {
        handshaken = true;
        // In TLS 1.2 the server's Finished comes after it saw our (empty) Certificate: the handshake says it all.
        if (!offer.listenAfter) finish({ outcome: 'secure' });
        else grace = setTimeout(() => after('quiet'), Math.min(AFTER_HANDSHAKE_MS, timeoutMs));
      });
    });
  });
}

export function alertOf(result: Attempt): number | undefined {
  return result.flight.alerts.find((a) => a.level === 2)?.description ?? result.flight.alerts[0]?.description ?? alertFromCode(result.error);
}

export function why(result: Attempt): string {
  const alert = alertOf(result);
  if (alert !== undefined) return `alert ${alertName(alert)}`;
  if (result.resetBy) return `connection reset (${result.resetBy}) without an alert`;
  // Node reports the peer's FIN during a handshake as ECONNRESET ("socket disconnected before secure TLS
  // connection was established"); a real reset is what the raw socket saw.
  const closed = !result.error || result.error === 'closed' || result.error === 'ECONNRESET';
  return closed ? 'connection closed without an alert' : String(result.error);
}
