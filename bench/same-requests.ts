// The hunt's same-requests floor: a bare script that sends exactly the requests a hunt sent (same endpoints,
// identities, methods and paths), one keep-alive connection per endpoint and identity, every connection at once, and
// reads each answer only far enough to know where it ends. No TLS facts, no fingerprint logic, no audit, no report.
import net from 'node:net';
import tls from 'node:tls';

export interface FloorRequest {
  scheme: 'http' | 'https';
  address: string;
  port: number;
  /** `anonymous`, or the name of a credential in `credentials`. */
  identity: string;
  method: string;
  path: string;
}

/** Reads responses off one connection in order; resolves each when its bytes are in. */
function responder(socket: net.Socket): (onDone: () => void) => void {
  let buffer: Buffer = Buffer.alloc(0);
  const waiting: (() => void)[] = [];
  let need: { kind: 'head' } | { kind: 'length'; left: number } | { kind: 'chunked' } | { kind: 'close' } = { kind: 'head' };
  const step = () => {
    for (;;) {
      if (waiting.length === 0) return;
      if (need.kind === 'head') {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffer.subarray(0, end).toString('latin1').toLowerCase();
        buffer = buffer.subarray(end + 4);
        const length = /\r\ncontent-length: *(\d+)/.exec(head);
        need = /\r\ntransfer-encoding: *chunked/.test(head) ? { kind: 'chunked' } : length ? { kind: 'length', left: Number(length[1]) } : { kind: 'close' };
        continue;
      }
      if (need.kind === 'length') {
        const take = Math.min(need.left, buffer.length);
        buffer = buffer.subarray(take);
        need.left -= take;
        if (need.left > 0) return;
      } else if (need.kind === 'chunked') {
        const end = buffer.indexOf('\r\n0\r\n\r\n');
        const start = buffer.subarray(0, 5).toString('latin1') === '0\r\n\r\n' ? 0 : -1;
        if (end < 0 && start < 0) return;
        buffer = buffer.subarray(start === 0 ? 5 : end + 7);
      } else return;
      need = { kind: 'head' };
      (waiting.shift() as () => void)();
    }
  };
  socket.on('data', (chunk: Buffer) => {
    buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
    step();
  });
  const flush = () => {
    for (const done of waiting.splice(0)) done();
  };
  socket.on('close', flush);
  socket.on('error', flush);
  return (onDone) => {
    waiting.push(onDone);
    step();
  };
}

/** Sends every request; returns how many answers came back. */
export async function sameRequests(requests: readonly FloorRequest[], credentials: Record<string, { cert: string; key: string }>): Promise<number> {
  const groups = new Map<string, FloorRequest[]>();
  for (const r of requests) {
    const key = `${r.scheme}|${r.address}|${r.port}|${r.identity}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  let answered = 0;
  const contexts = new Map<string, tls.SecureContext>();
  const contextFor = (identity: string) => {
    let c = contexts.get(identity);
    if (!c) {
      c = tls.createSecureContext(credentials[identity] ?? {});
      contexts.set(identity, c);
    }
    return c;
  };
  await Promise.all(
    [...groups.values()].map(
      (list) =>
        new Promise<void>((resolve) => {
          const first = list[0] as FloorRequest;
          const socket =
            first.scheme === 'https'
              ? tls.connect({ host: first.address, port: first.port, secureContext: contextFor(first.identity), rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] })
              : net.connect({ host: first.address, port: first.port });
          const next = responder(socket);
          let i = 0;
          const send = () => {
            const r = list[i++];
            if (!r || socket.destroyed) {
              socket.destroy();
              return resolve();
            }
            socket.write(`${r.method} ${r.path} HTTP/1.1\r\nHost: ${r.address}:${r.port}\r\nUser-Agent: floor\r\nAccept: */*\r\n\r\n`);
            next(() => {
              answered++;
              send();
            });
          };
          socket.once(first.scheme === 'https' ? 'secureConnect' : 'connect', send);
          socket.once('error', () => resolve());
        }),
    ),
  );
  return answered;
}
