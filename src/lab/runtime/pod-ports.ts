// What a lab container listens on, in memory: port 7 echoes (RFC 862) and port 8080 is a tiny HTTP file server.
// Port-forward reaches these without a host socket; any other port is refused as a closed port would be.
import { createHash } from 'node:crypto';
import http from 'node:http';
import { Duplex, PassThrough } from 'node:stream';
import type { ContainerInfo } from './container.ts';

export const ECHO_PORT = 7;
export const FILE_SERVER_PORT = 8080;

/** Two connected in-memory stream ends: what one writes, the other reads, with backpressure both ways. */
class PairEnd extends Duplex {
  peer: PairEnd | undefined;
  private pending: (() => void) | undefined;
  readonly remoteAddress = '127.0.0.1';

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const peer = this.peer;
    if (!peer || peer.destroyed) return callback(new Error('peer closed'));
    if (peer.push(chunk)) callback();
    else peer.pending = callback;
  }
  override _read(): void {
    const pending = this.pending;
    this.pending = undefined;
    pending?.();
  }
  override _final(callback: (error?: Error | null) => void): void {
    this.peer?.push(null);
    callback();
  }
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const peer = this.peer;
    this.peer = undefined;
    if (peer && !peer.destroyed) peer.destroy();
    callback(error);
  }
  // What http.Server asks of a socket.
  setTimeout(): this {
    return this;
  }
  setNoDelay(): this {
    return this;
  }
  setKeepAlive(): this {
    return this;
  }
}

export function duplexPair(): [Duplex, Duplex] {
  const a = new PairEnd();
  const b = new PairEnd();
  a.peer = b;
  b.peer = a;
  return [a, b];
}

/** The files the container's web server serves, fixed content naming the pod. */
export function servedFiles(info: ContainerInfo): Record<string, string> {
  return {
    '/': `<!doctype html>\n<title>${info.podName}</title>\n<p>kia lab file server in ${info.namespace}/${info.podName}</p>\n`,
    '/hello.txt': `hello from ${info.namespace}/${info.podName}\n`,
  };
}

function fileServer(info: ContainerInfo): http.Server {
  const files = servedFiles(info);
  return http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const body = files[path === '/index.html' ? '/' : path];
    res.setHeader('Server', 'kia-lab');
    if (body === undefined) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('404 page not found\n');
      return;
    }
    res.writeHead(200, { 'Content-Type': path.endsWith('.txt') ? 'text/plain; charset=utf-8' : 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
}

/** A connection to `port` inside the container, or the runtime's error when nothing listens there. */
export function connectPodPort(port: number, info: ContainerInfo): { stream: Duplex } | { error: string } {
  if (port === ECHO_PORT) return { stream: new PassThrough({ highWaterMark: 1 << 20 }) };
  if (port === FILE_SERVER_PORT) {
    const [inside, outside] = duplexPair();
    const server = fileServer(info);
    server.emit('connection', inside);
    return { stream: outside };
  }
  return { error: portError(port, info) };
}

/** The pod sandbox id the runtime names in its errors: 64 hex digits, stable per pod. */
export function sandboxId(info: ContainerInfo): string {
  return createHash('sha256').update(`${info.namespace}/${info.podName}`).digest('hex');
}

/** cri-streaming portforward `error forwarding port` around containerd's dial failure (sandbox_portforward_linux.go). */
function portError(port: number, info: ContainerInfo): string {
  const id = sandboxId(info);
  return `error forwarding port ${port} to pod ${id}, uid : failed to connect to localhost:${port} inside namespace "${id}", IPv4: dial tcp4 127.0.0.1:${port}: connect: connection refused IPv6 dial tcp6 [::1]:${port}: connect: connection refused `;
}
