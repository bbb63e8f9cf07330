// One listening address of a stand-in: a raw TCP server we own, so that TLS, plain-HTTP-on-TLS answers and faults
// (down: nothing listening and every connection cut; hang: accept and never answer) are decided in one place.
import net from 'node:net';
import { Duplex } from 'node:stream';
import http from 'node:http';
import http2 from 'node:http2';
import type { ClientCertPolicy } from '../model/index.ts';

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
  private readonly app: http.Server | http2.Http2SecureServer;
  /** Accept connections but never read or answer them. */
  hang = false;

  constructor(options: ListenerOptions) {
    this.options = options;
    const tls = options.tls;
    if (tls) {
      const secure = http2.createSecureServer(
        {
          cert: tls.cert,
          key: tls.key,
          ca: tls.ca,
          allowHTTP1: true,
          ALPNProtocols: [...tls.alpn],
          requestCert: tls.clientCert !== 'none',
          rejectUnauthorized: tls.clientCert === 'required',
          minVersion: 'TLSv1.2',
        },
        options.handler,
      );
      // A handshake that fails (no client certificate where one is required) is the client's result, not ours.
      secure.on('tlsClientError', () => undefined);
      this.app = secure;
    } else {
      this.app = http.createServer(options.handler as http.RequestListener);
    }
    this.app.on('clientError', (_error: unknown, socket: net.Socket) => socket.destroy());
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
    });
    this.raw = raw;
  }

  /** Stops listening and cuts every connection, as a dead process would. */
  async close(): Promise<void> {
    const raw = this.raw;
    this.raw = undefined;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (raw) await new Promise<void>((resolve) => raw.close(() => resolve()));
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    if (this.hang) return;
    if (!this.options.tls) {
      this.app.emit('connection', socket);
      return;
    }
    socket.once('data', (first: Buffer) => {
      if (first[0] === TLS_HANDSHAKE) {
        this.app.emit('connection', new Replay(socket, first));
      } else if (this.options.plainOnTls === 'close' || !/^(GET|HEAD|POST|PUT|OPTIONS) /.test(first.subarray(0, 8).toString('latin1'))) {
        socket.destroy();
      } else {
        socket.end(GO_HTTP_ON_HTTPS);
      }
    });
  }
}

/**
 * The raw socket behind the TLS layer, with the bytes already read to look at the first one put back in front.
 * (Node's TLS reads the TCP handle directly, so bytes taken off it cannot be unshifted.)
 */
class Replay extends Duplex {
  private readonly socket: net.Socket;
  constructor(socket: net.Socket, first: Buffer) {
    super({ allowHalfOpen: false });
    this.socket = socket;
    this.push(first);
    socket.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) socket.pause();
    });
    socket.on('end', () => this.push(null));
    socket.on('close', () => this.destroy());
  }
  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress;
  }
  get remotePort(): number | undefined {
    return this.socket.remotePort;
  }
  override _read(): void {
    this.socket.resume();
  }
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.socket.write(chunk, callback);
  }
  override _final(callback: (error?: Error | null) => void): void {
    this.socket.end(callback);
  }
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.socket.destroy();
    callback(error);
  }
}
