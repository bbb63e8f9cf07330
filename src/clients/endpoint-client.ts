// A client bound to one endpoint and one identity: one keep-alive connection (undici), timeouts and a byte cap on
// every request, failures as outcomes. The probe engine opens one per endpoint and identity.
import { Client, errors } from 'undici';
import type { IncomingHttpHeaders } from 'node:http';
import { createSecureContext, type SecureContext } from 'node:tls';
import type { Identity } from './identity.ts';
import type { HttpOutcome } from './http.ts';

export interface EndpointClientOptions {
  origin: string;
  identity: Identity;
  timeoutMs: number;
  maxBytes: number;
  /** The identity's TLS context, built once per run and shared by every connection. */
  secureContext?: SecureContext;
}

/** One TLS context per identity, for every connection of a run. */
export function contextFor(identity: Identity): SecureContext {
  return createSecureContext({ ...(identity.cert ? { cert: identity.cert } : {}), ...(identity.key ? { key: identity.key.reveal() } : {}) });
}

export interface EndpointResponse {
  outcome: HttpOutcome;
  status?: number;
  headers?: IncomingHttpHeaders;
  body: Buffer;
  error?: string;
}

function classify(error: unknown): HttpOutcome {
  const e = error as { code?: string; message?: string; cause?: { code?: string } };
  const code = e.code ?? e.cause?.code ?? '';
  if (code === 'ECONNREFUSED') return 'refused';
  if (error instanceof errors.HeadersTimeoutError || error instanceof errors.BodyTimeoutError || error instanceof errors.ConnectTimeoutError) return 'timeout';
  if (code === 'ECONNRESET' || code === 'EPIPE' || error instanceof errors.SocketError) return 'reset';
  if (/^ERR_(TLS|SSL)/.test(code) || /certificate|SSL|TLS|alert/i.test(e.message ?? '')) return 'tls-error';
  return 'error';
}

export class EndpointClient {
  private readonly client: Client;
  private readonly options: EndpointClientOptions;

  constructor(options: EndpointClientOptions) {
    this.options = options;
    this.client = new Client(options.origin, {
      connect: {
        rejectUnauthorized: false,
        ...(options.secureContext
          ? { secureContext: options.secureContext }
          : { ...(options.identity.cert ? { cert: options.identity.cert } : {}), ...(options.identity.key ? { key: options.identity.key.reveal() } : {}) }),
        timeout: options.timeoutMs,
      },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      pipelining: 1,
    });
  }

  async request(method: string, path: string): Promise<EndpointResponse> {
    const headers: Record<string, string> = { 'user-agent': 'kia/0.1', accept: '*/*' };
    if (this.options.identity.token) headers.authorization = `Bearer ${this.options.identity.token.reveal()}`;
    try {
      const res = await this.client.request({ method: method as 'GET', path, headers });
      const chunks: Buffer[] = [];
      let size = 0;
      let outcome: HttpOutcome = 'ok';
      for await (const chunk of res.body) {
        const buffer = chunk as Buffer;
        size += buffer.length;
        if (size > this.options.maxBytes) {
          chunks.push(buffer.subarray(0, buffer.length - (size - this.options.maxBytes)));
          outcome = 'too-large';
          res.body.destroy();
          break;
        }
        chunks.push(buffer);
      }
      return { outcome, status: res.statusCode, headers: res.headers as IncomingHttpHeaders, body: Buffer.concat(chunks) };
    } catch (error) {
      return { outcome: classify(error), body: Buffer.alloc(0), error: error instanceof Error ? error.message : String(error) };
    }
  }

  async close(): Promise<void> {
    await this.client.destroy().catch(() => undefined);
  }
}
