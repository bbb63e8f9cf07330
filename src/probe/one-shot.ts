// One GET on a new connection (`Connection: close`), as blackbox_exporter and kubelet probes ask: TCP or TLS straight
// from net/tls, with a prebuilt TLS context and TLS session resumption, and a small HTTP/1.1 response reader. No
// agent, no request object: at a thousand probes a cycle the per-connection bookkeeping of http.request is most of
// the cost. Timeouts and a byte cap on everything; every failure is an outcome.
import net from 'node:net';
import tls, { type PeerCertificate, type SecureContext, type TLSSocket } from 'node:tls';

export interface OneShotRequest {
  host: string;
  port: number;
  path: string;
  tls?: {
    secureContext: SecureContext;
    servername?: string;
    /** Verify the server before the request is written (bearer tokens). */
    verify?: (cert: PeerCertificate) => Error | undefined;
    sessions: SessionCache;
    /**
     * Who the context speaks for: sessions are never shared between identities (a resumed TLS 1.3 session keeps the
     * client authentication of the handshake that made it, so another identity's session would ask as that one).
     */
    identity: string;
    /** Resume a cached session (default); a full handshake otherwise (the server then sends its certificate). */
    resume?: boolean;
  };
  headers: Record<string, string>;
  timeoutMs: number;
  maxBytes: number;
  /** Called once the TLS handshake is done, before the request is written. */
  onSecure?: (socket: TLSSocket) => void;
}

export interface OneShotResponse {
  /** `unverified`: the server did not prove itself and the request (with its credential) was never written. */
  outcome: 'ok' | 'refused' | 'timeout' | 'tls-error' | 'reset' | 'too-large' | 'error' | 'unverified';
  status?: number;
  headers?: Record<string, string>;
  body: Buffer;
  error?: string;
  /** The TLS handshake completed on our side before the failure (TLS 1.3: the server judges our certificate after). */
  established?: boolean;
}

/** TLS sessions per server and client context, for resumption (bounded). */
export class SessionCache {
  private readonly sessions = new Map<string, Buffer>();

  get(key: string): Buffer | undefined {
    return this.sessions.get(key);
  }

  set(key: string, session: Buffer): void {
    if (this.sessions.size >= 8192) this.sessions.clear();
    this.sessions.set(key, session);
  }
}

function decodeChunked(data: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = data.indexOf('\r\n', at);
    if (eol < 0) return undefined;
    const size = Number.parseInt(data.subarray(at, eol).toString('latin1').split(';')[0] ?? '', 16);
    if (!Number.isFinite(size) || size < 0) return undefined;
    if (size === 0) return Buffer.concat(parts);
    const start = eol + 2;
    if (start + size > data.length) return undefined;
    parts.push(data.subarray(start, start + size));
    at = start + size + 2;
  }
}

/** Parses a whole HTTP/1.x response; undefined while incomplete (or when it never will be). */
export function parseResponse(data: Buffer, ended: boolean): { status: number; headers: Record<string, string>; body: Buffer } | undefined {
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const lines = data.subarray(0, end).toString('latin1').split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
  if (!status) return undefined;
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const rest = data.subarray(end + 4);
  const code = Number(status[1]);
  if (code === 204 || code === 304 || (code >= 100 && code < 200)) return { status: code, headers, body: Buffer.alloc(0) };
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    const body = decodeChunked(rest);
    return body ? { status: code, headers, body } : ended ? { status: code, headers, body: rest } : undefined;
  }
  const length = headers['content-length'] !== undefined ? Number(headers['content-length']) : undefined;
  if (length !== undefined && Number.isFinite(length)) return rest.length >= length ? { status: code, headers, body: rest.subarray(0, length) } : ended ? { status: code, headers, body: rest } : undefined;
  return ended ? { status: code, headers, body: rest } : undefined;
}

function classify(error: NodeJS.ErrnoException): OneShotResponse['outcome'] {
  const code = error.code ?? '';
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'ETIMEDOUT') return 'timeout';
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'reset';
  if (/^ERR_(TLS|SSL)|CERT|UNABLE_TO|SELF_SIGNED|DEPTH_ZERO|HOSTNAME/.test(code) || /certificate|SSL|TLS|alert|handshake/i.test(error.message)) return 'tls-error';
  return 'error';
}

export function oneShotGet(request: OneShotRequest): Promise<OneShotResponse> {
  return new Promise((resolve) => {
    let settled = false;
    let established = false;
    const chunks: Buffer[] = [];
    let size = 0;
    let socket: net.Socket;
    const finish = (response: OneShotResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(established && response.outcome !== 'ok' ? { ...response, established } : response);
    };
    const host = request.host.includes(':') ? `[${request.host}]` : request.host;
    const head = `GET ${request.path} HTTP/1.1\r\nHost: ${host}:${request.port}\r\n${Object.entries(request.headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}Connection: close\r\n\r\n`;
    const sessionKey = `${request.host}|${request.port}|${request.tls?.servername ?? ''}|${request.tls?.identity ?? ''}`;
    if (request.tls) {
      const session = request.tls.resume === false ? undefined : request.tls.sessions.get(sessionKey);
      const options: tls.ConnectionOptions = {
        host: request.host,
        port: request.port,
        secureContext: request.tls.secureContext,
        rejectUnauthorized: false,
        ...(request.tls.servername ? { servername: request.tls.servername } : {}),
        ...(session ? { session } : {}),
      };
      const secure = tls.connect(options, () => {
        established = true;
        const verify = request.tls?.verify;
        if (verify) {
          const failure = secure.authorized ? verify(secure.getPeerCertificate()) : new Error(`server certificate not verified: ${String(secure.authorizationError)}`);
          if (failure) return finish({ outcome: 'unverified', body: Buffer.alloc(0), error: failure.message });
        }
        request.onSecure?.(secure);
        secure.write(head);
      });
      secure.on('session', (s: Buffer) => request.tls?.sessions.set(sessionKey, s));
      socket = secure;
    } else {
      socket = net.connect({ host: request.host, port: request.port }, () => socket.write(head));
    }
    const timer = setTimeout(() => finish({ outcome: 'timeout', body: Buffer.alloc(0), error: `no answer within ${request.timeoutMs} ms` }), request.timeoutMs);
    const complete = (ended: boolean) => {
      const data = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
      const parsed = parseResponse(data, ended);
      if (parsed) return finish({ outcome: 'ok', ...parsed });
      if (ended) finish({ outcome: size === 0 ? 'reset' : 'error', body: data, error: size === 0 ? 'connection closed without an answer' : 'not an HTTP answer' });
    };
    socket.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > request.maxBytes) {
        chunks.push(chunk.subarray(0, chunk.length - (size - request.maxBytes)));
        const parsed = parseResponse(Buffer.concat(chunks), true);
        return finish({ outcome: 'too-large', ...(parsed ? { status: parsed.status, headers: parsed.headers, body: parsed.body } : { body: Buffer.alloc(0) }) });
      }
      chunks.push(chunk);
      complete(false);
    });
    socket.on('end', () => complete(true));
    socket.on('close', () => complete(true));
    socket.on('error', (error: NodeJS.ErrnoException) => finish({ outcome: classify(error), body: Buffer.alloc(0), error: error.message }));
  });
}
