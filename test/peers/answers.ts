// Hostile answers that are valid HTTP (Node's own server writes them): redirects, bytes that are not what the
// content type promises, terminal escape sequences, a kubelet look-alike. One request handler per kind.
import type { IncomingMessage, ServerResponse } from 'node:http';

export const ANSWER_KINDS = ['redirect-loop', 'redirect-away', 'bad-utf8', 'binary', 'escapes', 'escapes-error', 'kubelet'] as const;
export type AnswerKind = (typeof ANSWER_KINDS)[number];

/**
 * What a peer may try to do to a terminal: set its title (OSC 0, ended by BEL), clear it, move the cursor home, a
 * 256-colour foreground, and a C1 CSI. None of these byte sequences may reach a terminal unescaped.
 */
export const ESCAPES = '\u001b]0;kia-pwned\u0007\u001b[2J\u001b[H\u001b[38;5;201mPWNED\u001b[0m\u009b6n';
/** The byte sequences to look for in kia's output (each one alone is enough to do harm). */
export const ESCAPE_NEEDLES = ['\u001b]0;', '\u0007', '\u001b[2J', '\u001b[H', '\u001b[38;5;201m', '\u009b'];

/** A kubelet PodList whose one pod carries escape sequences in its name and namespace (valid JSON: \u001b). */
const ESCAPED_PODLIST = JSON.stringify({
  kind: 'PodList',
  apiVersion: 'v1',
  metadata: {},
  items: [{ metadata: { name: `web${ESCAPES}`, namespace: `ns${ESCAPES}`, uid: '1' }, spec: { containers: [{ name: `c${ESCAPES}`, image: 'x' }] }, status: { phase: `Running${ESCAPES}` } }],
});

const ESCAPED_ANSWERS: Record<string, [string, string]> = {
  '/pods': ['application/json', ESCAPED_PODLIST],
  '/configz': ['application/json', JSON.stringify({ kubeletconfig: { evil: ESCAPES, staticPodPath: `/etc${ESCAPES}` } })],
  '/version': ['application/json', JSON.stringify({ etcdserver: `3.5.9${ESCAPES}`, etcdcluster: `3.5.0${ESCAPES}` })],
  '/health': ['application/json', JSON.stringify({ health: 'false', reason: `RAFT${ESCAPES}` })],
  '/metrics': ['text/plain; version=0.0.4', `# HELP evil_total ${ESCAPES}\n# TYPE evil_total counter\nevil_total{why="${ESCAPES.replace(/"/g, '')}"} 1\n`],
};

export interface AnswerContext {
  /** For `redirect-away`: the origin the peer sends callers to (another peer that records what arrives). */
  awayOrigin?: string;
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function pathOf(req: IncomingMessage): string {
  return (req.url ?? '/').split('?')[0] ?? '/';
}

export function answer(kind: AnswerKind, req: IncomingMessage, res: ServerResponse, ctx: AnswerContext): void {
  const path = pathOf(req);
  switch (kind) {
    case 'redirect-loop':
      res.writeHead(302, { Location: req.url ?? '/', 'Content-Length': 0 });
      res.end();
      return;
    case 'redirect-away':
      res.writeHead(302, { Location: `${ctx.awayOrigin ?? 'http://127.0.0.1:9'}${req.url ?? '/'}`, 'Content-Length': 0 });
      res.end();
      return;
    case 'bad-utf8':
      return send(res, 200, path === '/metrics' ? 'text/plain; version=0.0.4' : 'application/json', Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0x22, 0x7d, 0x0a]));
    case 'binary':
      return send(res, 200, 'text/plain', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 37 + 11) % 256)));
    case 'escapes': {
      const [type, body] = ESCAPED_ANSWERS[path] ?? ['text/plain; charset=utf-8', `${ESCAPES}\n`];
      return send(res, 200, type, body);
    }
    case 'escapes-error':
      return send(res, path === '/pods' || path === '/configz' ? 403 : 500, 'text/plain; charset=utf-8', `Forbidden${ESCAPES}\n`);
    case 'kubelet':
      // Just enough of a kubelet with anonymous auth off for the hunt to name it.
      if (path === '/healthz') return send(res, 200, 'text/plain; charset=utf-8', 'ok');
      return send(res, 401, 'text/plain; charset=utf-8', 'Unauthorized');
  }
}
