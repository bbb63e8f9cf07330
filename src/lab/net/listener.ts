// One listening address of a stand-in: a raw TCP server we own, so that TLS, plain-HTTP-on-TLS answers and faults
// (down: nothing listening and every connection cut; hang: accept and never answer) are decided in one place.
import net from 'node:net';
import type { SecureVersion, TLSSocket } from 'node:tls';
import { Duplex } from 'node:stream';
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import type { ClientCertPolicy } from '../../model/index.ts';
import type { Signer } from '../pki/certificates.ts';
import { addressInUse } from './address-owner.ts';

export type Handler = (req: http.IncomingMessage | http2.Http2ServerRequest, res: http.ServerResponse | http2.Http2ServerResponse) => void;
export type UpgradeHandler = (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => void;

export interface TlsSettings {
  cert: string;
  key: string;
  /** CA bundle that verifies client certificates (and whose names the CertificateRequest carries). */
  ca?: string;
  clientCert: ClientCertPolicy;
  /** ALPN protocols offered; Go servers offer h2 and http/1.1. */
  alpn: readonly ('h2' | 'http/1.1')[];
  /** The CA that signed `cert`, for the cert-expiring fault; absent when the leaf is self-signed. */
  signer?: Signer;
  /** How the component's Go server negotiates (src/lab/plan/tls-serving.ts): its minimum version and suites. */
  minVersion?: SecureVersion;
  /** OpenSSL cipher list in the Go server's preference order. */
  ciphers?: string;
}

export interface ListenerOptions {
  address: string;
  port: number;
  tls?: TlsSettings;
  /**
   * What a plain-HTTP request to a TLS port gets: Go's net/http answers 400 with a fixed text (every Kubernetes
   * HTTPS port); etcd's own TLS listener closes the connection without a byte.
   */
  plainOnTls?: 'go-400' | 'close';
  handler: Handler;
  upgrade?: UpgradeHandler;
}

// Go's answer to plain HTTP on an HTTPS port (net/http server.go), byte for byte.
const GO_HTTP_ON_HTTPS = 'HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n';
const TLS_HANDSHAKE = 0x16;

export class Listener {
  readonly options: ListenerOptions;
  private raw: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  /** Connections accepted while hung: nothing has read them yet. */
  private readonly parked = new Set<net.Socket>();
  /** Connections handed to the HTTP layer, each through a gate that a hang can shut. */
  private readonly gates = new Set<Replay>();
  /**
   * Every TLS connection, so that a hang can hold those accepted while no fault was active: TLS reads their TCP
   * socket itself, with no gate (a JavaScript stream in between halved a port-forward's throughput).
   */
  private readonly secured = new Set<TLSSocket>();
  /** Sockets a hang paused, to resume on release (and no others). */
  private readonly paused = new WeakSet<TLSSocket>();
  private readonly app: http.Server | https.Server | http2.Http2SecureServer;
  private hung = false;
  private served: { cert: string; key: string } | undefined;

  constructor(options: ListenerOptions) {
    this.options = options;
    const tls = options.tls;
    if (tls) {
      const settings = {
        cert: tls.cert,
        key: tls.key,
        ca: tls.ca,
        ALPNProtocols: [...tls.alpn],
        requestCert: tls.clientCert !== 'none',
        rejectUnauthorized: tls.clientCert === 'required',
        minVersion: tls.minVersion ?? ('TLSv1.2' as const),
        // Go's server picks by its own preference order (crypto/tls handshake_server.go), not the client's.
        ...(tls.ciphers ? { ciphers: tls.ciphers, honorCipherOrder: true } : {}),
      };
      // Node's HTTP/2 server always offers h2 whatever ALPN list it is given: a server that speaks only HTTP/1.1
      // (the 1.36 kubelet) is an HTTPS server.
      const secure = tls.alpn.includes('h2')
        ? http2.createSecureServer({ ...settings, allowHTTP1: true }, options.handler)
        : https.createServer(settings, options.handler as http.RequestListener);
      // A handshake that fails (no client certificate where one is required) is the client's result, not ours.
      secure.on('tlsClientError', () => undefined);
      secure.on('secureConnection', (socket: TLSSocket) => {
        this.secured.add(socket);
        socket.once('close', () => this.secured.delete(socket));
        if (this.hung) this.hold(socket, true);
      });
      this.app = secure;
    } else {
      this.app = http.createServer(options.handler as http.RequestListener);
    }
    // A request Go's HTTP server cannot parse (garbage, or a TLS ClientHello on a plain port) gets its 400, then the
    // connection closes (net/http server.go: "400 Bad Request" with Connection: close).
    this.app.on('clientError', (_error: unknown, socket: net.Socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request');
      else socket.destroy();
    });
    if (options.upgrade) this.app.on('upgrade', options.upgrade);
  }

  get address(): string {
    return this.options.address;
  }

  get port(): number {
    return this.options.port;
  }

  get listening(): boolean {
    return this.raw !== undefined;
  }

  async open(): Promise<void> {
    if (this.raw) return;
    const raw = net.createServer({ noDelay: true }, (socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      raw.once('error', reject);
      raw.listen({ host: this.options.address, port: this.options.port, exclusive: true, backlog: 1024 }, () => {
        raw.off('error', reject);
        resolve();
      });
    }).catch(async (error: NodeJS.ErrnoException) => {
      throw error.code === 'EADDRINUSE' ? await addressInUse(this.options, error) : error;
    });
    this.raw = raw;
  }

  /**
   * A stuck process: new connections are accepted by the kernel and never read; open ones (keep-alive, HTTP/2,
   * upgraded streams) neither read nor write. Un-hanging lets everything held go on, as SIGCONT would.
   */
  get hang(): boolean {
    return this.hung;
  }

  set hang(value: boolean) {
    if (value === this.hung) return;
    this.hung = value;
    for (const gate of this.gates) gate.hold(value);
    for (const socket of this.secured) this.hold(socket, value);
    if (value) return;
    const parked = [...this.parked];
    this.parked.clear();
    for (const socket of parked) if (!socket.destroyed) this.serve(socket);
  }

  /** The serving certificate (PEM chain) and key from the next handshake on; undefined restores the configured pair. */
  setCertificate(pair: { cert: string; key: string } | undefined): void {
    const tls = this.options.tls;
    if (!tls) throw new Error(`${this.address}:${this.port} serves no TLS`);
    this.served = pair;
    (this.app as https.Server).setSecureContext({ cert: pair?.cert ?? tls.cert, key: pair?.key ?? tls.key, ...(tls.ca ? { ca: tls.ca } : {}) });
  }

  /** The certificate chain served now (PEM). */
  get certificate(): string | undefined {
    return this.served?.cert ?? this.options.tls?.cert;
  }

  /** Stops listening and cuts every connection (keep-alive, HTTP/2, upgraded), as a dead process would. */
  async close(): Promise<void> {
    const raw = this.raw;
    this.raw = undefined;
    for (const socket of this.sockets) socket.destroy();
    for (const gate of this.gates) gate.destroy();
    for (const socket of this.secured) socket.destroy();
    this.sockets.clear();
    this.secured.clear();
    this.parked.clear();
    this.gates.clear();
    if (raw) await new Promise<void>((resolve) => raw.close(() => resolve()));
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => {
      this.sockets.delete(socket);
      this.parked.delete(socket);
    });
    socket.on('error', () => socket.destroy());
    if (this.hung) {
      this.parked.add(socket);
      return;
    }
    this.serve(socket);
  }

  private serve(socket: net.Socket): void {
    if (!this.options.tls) {
      this.app.emit('connection', this.gate(socket));
      return;
    }
    socket.once('data', (first: Buffer) => {
      if (first[0] === TLS_HANDSHAKE && !this.hung) {
        // Put the first bytes back: TLS takes over the TCP handle and reads what the socket buffered first.
        socket.pause();
        socket.unshift(first);
        this.app.emit('connection', socket);
      } else if (first[0] === TLS_HANDSHAKE) {
        this.app.emit('connection', this.gate(socket, first));
      } else if (this.options.plainOnTls === 'close' || !/^(GET|HEAD|POST|PUT|OPTIONS) /.test(first.subarray(0, 8).toString('latin1'))) {
        socket.destroy();
      } else {
        socket.end(GO_HTTP_ON_HTTPS);
      }
    });
  }

  /** Held: nothing read, everything written kept until release (a socket over a gate is held by the gate too). */
  private hold(socket: TLSSocket, on: boolean): void {
    if (on) {
      socket.cork();
      if (!socket.isPaused()) {
        this.paused.add(socket);
        socket.pause();
      }
    } else {
      socket.uncork();
      if (this.paused.delete(socket)) socket.resume();
    }
  }

  private gate(socket: net.Socket, first?: Buffer): Replay {
    const gate = new Replay(socket, first);
    if (this.hung) gate.hold(true);
    this.gates.add(gate);
    gate.once('close', () => this.gates.delete(gate));
    return gate;
  }
}

/**
 * The raw socket behind the HTTP layer (or TLS, for a connection whose first bytes came while hung), with the bytes
 * already read to look at the first one put back in front, and a gate that a hang shuts: while held nothing is read
 * or written; on release what was held goes through in order.
 */
class Replay extends Duplex {
  private readonly socket: net.Socket;
  private held = false;
  private inbox: (Buffer | null)[] = [];
  private outbox: { chunk: Buffer; callback: (error?: Error | null) => void }[] = [];

  constructor(socket: net.Socket, first?: Buffer) {
    super({ allowHalfOpen: false });
    this.socket = socket;
    if (first) this.push(first);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('end', () => this.receive(null));
    socket.on('close', () => this.destroy());
  }

  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress;
  }
  get remotePort(): number | undefined {
    return this.socket.remotePort;
  }
  get remoteFamily(): string | undefined {
    return this.socket.remoteFamily;
  }
  get localAddress(): string | undefined {
    return this.socket.localAddress;
  }
  get localPort(): number | undefined {
    return this.socket.localPort;
  }

  /** The HTTP server's idle and keep-alive timeouts, on the real socket. */
  setTimeout(ms: number, callback?: () => void): this {
    this.socket.setTimeout(ms);
    if (!this.socket.listenerCount('timeout')) this.socket.on('timeout', () => this.emit('timeout'));
    if (callback) this.once('timeout', callback);
    return this;
  }

  setNoDelay(noDelay?: boolean): this {
    this.socket.setNoDelay(noDelay);
    return this;
  }

  setKeepAlive(enable?: boolean, delay?: number): this {
    this.socket.setKeepAlive(enable, delay);
    return this;
  }

  hold(on: boolean): void {
    this.held = on;
    if (on) return;
    const inbox = this.inbox;
    const outbox = this.outbox;
    this.inbox = [];
    this.outbox = [];
    for (const chunk of inbox) this.push(chunk);
    for (const { chunk, callback } of outbox) this.socket.write(chunk, callback);
    if (!this.socket.destroyed) this.socket.resume();
  }

  private receive(chunk: Buffer | null): void {
    if (this.held) {
      this.inbox.push(chunk);
      this.socket.pause();
    } else if (!this.push(chunk)) {
      this.socket.pause();
    }
  }

  override _read(): void {
    if (!this.held) this.socket.resume();
  }
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.held) this.outbox.push({ chunk, callback });
    else this.socket.write(chunk, callback);
  }
  override _final(callback: (error?: Error | null) => void): void {
    if (this.held) this.outbox.push({ chunk: Buffer.alloc(0), callback: () => this.socket.end(callback) });
    else this.socket.end(callback);
  }
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.socket.destroy();
    callback(error);
  }
}
