// Writing a whole HTTP/1.1 response on a raw socket: what an upgrade request gets when it is refused.
import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';
import { sniff, type Reply } from './go-http.ts';

export function writeRaw(socket: Socket, reply: Reply, close = true): void {
  const body = reply.body === undefined ? Buffer.alloc(0) : Buffer.from(reply.body);
  const lines = [`HTTP/1.1 ${reply.status} ${STATUS_CODES[reply.status] ?? ''}`];
  const headers = { ...reply.headers };
  if (body.length > 0 && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['Content-Type'] = sniff(body);
  for (const [name, value] of Object.entries(headers)) {
    for (const v of Array.isArray(value) ? value : [value]) lines.push(`${name}: ${v}`);
  }
  lines.push(`Date: ${new Date().toUTCString()}`, `Content-Length: ${body.length}`);
  if (close) lines.push('Connection: close');
  socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  if (close) socket.end(body);
  else socket.write(body);
}
