// The kubelet's streaming upgrades in the lab: SPDY and WebSocket negotiation as the runtime answers it, and exec
// over WebSocket running in the virtual container. (Interactive streams, attach and port-forward: the clients issue.)
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import { CHANNEL, encodeFrame, exitStatus, SPDY_REMOTE_COMMAND_VERSIONS } from '../clients/channel.ts';
import type { RunFailure, RunResult } from './container.ts';
import { writeRaw } from './raw-http.ts';

export interface UpgradeCall {
  kind: 'exec' | 'attach' | 'portForward';
  req: IncomingMessage;
  socket: Socket;
  head: Buffer;
  url: URL;
  /** The kubelet handles v5 itself (ExtendWebSocketsToKubelet); otherwise only what the runtime speaks. */
  v5: boolean;
  run?: (argv: string[]) => RunResult | RunFailure;
  onStop: (hook: () => void) => void;
}

const RUNTIME_WS = ['v4.channel.k8s.io', 'v4.base64.channel.k8s.io', 'channel.k8s.io', 'base64.channel.k8s.io'];

function headerList(value: string | string[] | undefined): string[] {
  return (Array.isArray(value) ? value.join(',') : (value ?? '')).split(',').map((p) => p.trim()).filter(Boolean);
}

export function streamUpgrade(call: UpgradeCall): void {
  const upgrade = String(call.req.headers.upgrade ?? '').toLowerCase();
  if (upgrade === 'websocket') return websocket(call);
  if (upgrade.startsWith('spdy/')) return spdy(call);
  writeRaw(call.socket, { status: 400, body: `unable to upgrade: unsupported protocol ${call.req.headers.upgrade ?? ''}` });
}

/** httpstream.Handshake: pick the first server version the client offers. */
function spdy(call: UpgradeCall): void {
  const offered = headerList(call.req.headers['x-stream-protocol-version']);
  const server: readonly string[] = call.kind === 'portForward' ? ['portforward.k8s.io'] : SPDY_REMOTE_COMMAND_VERSIONS;
  if (offered.length === 0) {
    return writeRaw(call.socket, { status: 400, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' }, body: 'unable to upgrade: header X-Stream-Protocol-Version does not exist in request\n' });
  }
  const chosen = server.find((p) => offered.includes(p));
  if (!chosen) {
    return writeRaw(call.socket, {
      status: 403,
      headers: { 'X-Accepted-Stream-Protocol-Versions': [...server], 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' },
      body: `unable to upgrade: unable to negotiate protocol: client supports ${JSON.stringify(offered)}, server supports ${JSON.stringify(server)}\n`,
    });
  }
  // The lab speaks no SPDY framing: it answers the handshake as the runtime does and then hangs up.
  call.socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${chosen}\r\nDate: ${new Date().toUTCString()}\r\n\r\n`);
  setTimeout(() => call.socket.destroy(), 100).unref();
}

function websocket(call: UpgradeCall): void {
  const offered = headerList(call.req.headers['sec-websocket-protocol']).filter((p) => !p.startsWith('base64url.bearer.authorization.k8s.io.'));
  const accepted = call.kind === 'portForward' ? ['v4.channel.k8s.io', 'portforward.k8s.io'] : call.v5 ? ['v5.channel.k8s.io', ...RUNTIME_WS] : RUNTIME_WS;
  const chosen = offered.length === 0 ? '' : offered.find((p) => accepted.includes(p));
  if (chosen === undefined) {
    // Observed on 1.28 and 1.31: a v5-only offer gets 403 with no body and Connection: close (spec §11).
    call.socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    return;
  }
  const server = new WebSocketServer({ noServer: true, perMessageDeflate: false, handleProtocols: () => chosen || false });
  server.handleUpgrade(call.req, call.socket, call.head, (ws) => {
    const protocol = chosen || 'channel.k8s.io';
    const send = (channel: number, payload: Uint8Array | string) => ws.send(encodeFrame(protocol, channel, payload));
    call.onStop(() => ws.terminate());
    const q = call.url.searchParams;
    const on = (name: string) => ['1', 'true'].includes(q.get(name) ?? '');
    if (on('output')) send(CHANNEL.stdout, '');
    else if (on('error')) send(CHANNEL.stderr, '');
    const finish = (code: number, text: string) => {
      if (protocol.startsWith('v4') || protocol.startsWith('v5')) send(CHANNEL.error, JSON.stringify(exitStatus(code, text)));
      else if (code !== 0) send(CHANNEL.error, `command terminated with non-zero exit code: ${code}`);
      ws.close(1000);
    };
    if (call.kind !== 'exec' || !call.run) {
      send(CHANNEL.error, JSON.stringify({ metadata: {}, status: 'Failure', message: `${call.kind} is not served by this lab yet`, reason: 'InternalError', code: 500 }));
      ws.close(1000);
      return;
    }
    const argv = q.getAll('command');
    const result = call.run(argv);
    if ('runtimeError' in result) {
      send(CHANNEL.error, JSON.stringify({ metadata: {}, status: 'Failure', message: result.runtimeError, reason: 'InternalError', code: 500 }));
      ws.close(1000);
      return;
    }
    if (on('output') && result.stdout) send(CHANNEL.stdout, result.stdout);
    if (on('error') && !on('tty') && result.stderr) send(CHANNEL.stderr, result.stderr);
    finish(result.exitCode, argv.join(' '));
  });
}
