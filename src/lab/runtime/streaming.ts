// The kubelet's streaming upgrades in the lab: SPDY and WebSocket negotiation as the runtime answers it, then over
// WebSocket exec in the virtual container (interactive `sh`, `cat` from stdin, tty with resizes), attach to the main
// process's output, and port-forward to what the container listens on. (SPDY framing itself is not spoken.)
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { CHANNEL, decodeFrame, encodeFrame, exitStatus, failureStatus, parsePorts, parseResize, SPDY_REMOTE_COMMAND_VERSIONS } from '../../clients/channel.ts';
import { isInteractiveShell, runInContainer, runShellLine, type ContainerInfo } from './container.ts';
import { containerLine, LINE_PERIOD_MS } from '../plan/node-logs.ts';
import { portForwardSession } from './port-forward.ts';
import { writeRaw } from '../net/raw-http.ts';

/** The container a stream reaches; absent when the pod is gone. */
export interface StreamTarget {
  info: ContainerInfo;
  /** Attach: the container's start and the lab clock, to follow the main process's output lines. */
  attach: { pod: Parameters<typeof containerLine>[0]; start: number; now: () => number };
}

export interface UpgradeCall {
  kind: 'exec' | 'attach' | 'portForward';
  req: IncomingMessage;
  socket: Socket;
  head: Buffer;
  url: URL;
  /** The kubelet handles v5 itself (ExtendWebSocketsToKubelet); otherwise only what the runtime speaks. */
  v5: boolean;
  target?: StreamTarget;
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
  const accepted = call.kind === 'portForward' ? ['v4.channel.k8s.io', 'v4.base64.channel.k8s.io', 'portforward.k8s.io'] : call.v5 ? ['v5.channel.k8s.io', ...RUNTIME_WS] : RUNTIME_WS;
  const chosen = offered.length === 0 ? '' : offered.find((p) => accepted.includes(p));
  if (chosen === undefined) {
    // Observed on 1.28 and 1.31: a v5-only offer gets 403 with no body and Connection: close (spec §11).
    call.socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    return;
  }
  const ports = call.kind === 'portForward' ? parsePorts(call.url.searchParams.getAll('port')) : [];
  if (!ports || (call.kind === 'portForward' && ports.length === 0)) {
    // cri-streaming portforward.NewV4Options: WebSocket requests must name their ports.
    return writeRaw(call.socket, { status: 400, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' }, body: ports ? 'query parameter "port" is required' : `unable to parse "${call.url.searchParams.getAll('port').join(',')}" as a port` });
  }
  const server = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 64 << 20, handleProtocols: () => chosen || false });
  server.handleUpgrade(call.req, call.socket, call.head, (ws) => {
    const protocol = chosen || (call.kind === 'portForward' ? 'v4.channel.k8s.io' : 'channel.k8s.io');
    call.onStop(() => ws.terminate());
    ws.on('error', () => ws.terminate());
    const target = call.target;
    if (!target) {
      ws.send(encodeFrame(protocol, CHANNEL.error, JSON.stringify(failureStatus('container not found'))));
      ws.close(1000);
      return;
    }
    if (call.kind === 'portForward') return portForwardSession(ws, protocol, ports, target.info);
    session(ws, protocol, call, target);
  });
}

interface Terminal {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** exec and attach on one connection: stdin in, stdout/stderr out, the status on channel 3, then close. */
function session(ws: WebSocket, protocol: string, call: UpgradeCall, target: StreamTarget): void {
  const q = call.url.searchParams;
  const on = (name: string) => ['1', 'true'].includes(q.get(name) ?? '');
  const term: Terminal = { stdin: on('input'), stdout: on('output'), stderr: on('error'), tty: on('tty') };
  const send = (channel: number, payload: Uint8Array | string) => {
    if (ws.readyState === ws.OPEN) ws.send(encodeFrame(protocol, channel, payload));
  };
  // cri-streaming remotecommand/websocket.go: an empty message on the lowest writable channel once connected.
  send(term.stdout ? CHANNEL.stdout : term.stderr ? CHANNEL.stderr : CHANNEL.error, '');
  const out = (text: string | Buffer) => {
    if (term.stdout && text.length > 0) send(CHANNEL.stdout, term.tty && typeof text === 'string' ? text.replace(/\r?\n/g, '\r\n') : text);
  };
  // A tty has one output stream: stderr goes where stdout goes.
  const err = (text: string) => (term.tty ? out(text) : term.stderr && text.length > 0 ? send(CHANNEL.stderr, text) : undefined);
  const versioned = protocol.startsWith('v4') || protocol.startsWith('v5');
  let finished = false;
  const finish = (code: number, argv: readonly string[]) => {
    if (finished) return;
    finished = true;
    if (versioned) send(CHANNEL.error, JSON.stringify(exitStatus(code, argv)));
    else if (code !== 0) send(CHANNEL.error, `command terminated with non-zero exit code: error executing command [${argv.join(' ')}], exit code ${code}`);
    if (ws.readyState === ws.OPEN) ws.close(1000);
  };
  const fail = (message: string) => {
    if (finished) return;
    finished = true;
    send(CHANNEL.error, versioned ? JSON.stringify(failureStatus(message)) : message);
    if (ws.readyState === ws.OPEN) ws.close(1000);
  };
  const io: Program = { term, out, err, finish, fail, size: undefined };
  const program = call.kind === 'attach' ? attach(io, target, call.onStop) : exec(io, q.getAll('command'), target.info);
  ws.on('message', (raw: Buffer, isBinary: boolean) => {
    const frame = decodeFrame(protocol, isBinary ? raw : raw.toString('latin1'));
    if (!frame || finished) return;
    if (frame.channel === CHANNEL.stdin && term.stdin) program.input(frame.payload);
    else if (frame.channel === CHANNEL.resize) io.size = parseResize(frame.payload) ?? io.size;
    // v5 close of stdin. (The lab also honours it on v4, where a runtime ignores it: the lab apiserver, talking v4
    // to a kubelet without v5, passes the client's close through instead of translating to SPDY.)
    else if (frame.channel === CHANNEL.close && frame.payload[0] === CHANNEL.stdin) program.end();
  });
  ws.on('close', () => {
    finished = true;
    program.stop();
  });
}

interface Program {
  term: Terminal;
  out: (text: string | Buffer) => void;
  err: (text: string) => void;
  finish: (code: number, argv: readonly string[]) => void;
  /** A runtime failure (the binary does not exist): InternalError on the status channel. */
  fail: (message: string) => void;
  size: { width: number; height: number } | undefined;
}

interface Running {
  input(data: Buffer): void;
  /** stdin closed. */
  end(): void;
  /** The client went away. */
  stop(): void;
}

const IDLE: Running = { input: () => undefined, end: () => undefined, stop: () => undefined };

function exec(io: Program, argv: string[], info: ContainerInfo): Running {
  if (isInteractiveShell(argv)) {
    if (!io.term.stdin) {
      // sh with no stdin reads end-of-file at once.
      io.finish(0, argv);
      return IDLE;
    }
    return shell(io, argv, info);
  }
  if ((argv[0] ?? '').split('/').pop() === 'cat' && argv.length === 1 && io.term.stdin) {
    return { input: (data) => io.out(data), end: () => io.finish(0, argv), stop: () => undefined };
  }
  const result = runInContainer(argv, info);
  if ('runtimeError' in result) {
    io.fail(result.runtimeError);
    return IDLE;
  }
  io.out(result.stdout);
  io.err(result.stderr);
  io.finish(result.exitCode, argv);
  return IDLE;
}

/** An interactive sh: lines from stdin, a `# ` prompt and echo only on a tty (a real sh without one prints neither). */
function shell(io: Program, argv: string[], info: ContainerInfo): Running {
  let line = '';
  let last = 0;
  let done = false;
  const prompt = () => io.term.tty && !done && io.out('# ');
  const run = (text: string) => {
    if (/^\s*stty\s+size\s*$/.test(text)) {
      if (io.term.tty) io.out(`${io.size?.height ?? 0} ${io.size?.width ?? 0}\n`);
      else io.err('stty: standard input: Inappropriate ioctl for device\n');
      last = io.term.tty ? 0 : 1;
      return;
    }
    const result = runShellLine(text, info);
    io.out(result.stdout);
    io.err(result.stderr);
    last = result.exitCode;
    if (result.exit) {
      done = true;
      io.finish(last, argv);
    }
  };
  prompt();
  const end = () => {
    if (done) return;
    if (line !== '') run(line);
    line = '';
    if (!done) {
      done = true;
      io.finish(last, argv);
    }
  };
  const input = (data: Buffer) => {
    for (const ch of data.toString('utf8')) {
      if (done) return;
      if (ch === '\n' || ch === '\r') {
        if (io.term.tty) io.out('\r\n');
        const text = line;
        line = '';
        run(text);
        prompt();
      } else if (io.term.tty && ch === '\u0004' && line === '') end();
      else if (io.term.tty && ch === '\u0003') {
        line = '';
        io.out('^C\r\n');
        prompt();
      } else if (io.term.tty && (ch === '\u007f' || ch === '\b')) {
        if (line.length > 0) io.out('\b \b');
        line = line.slice(0, -1);
      } else {
        line += ch;
        if (io.term.tty) io.out(ch);
      }
    }
  };
  return { input, end, stop: () => (done = true) };
}

/** attach: the main process's output from now on, line by line, until the client goes away; its stdin is dropped. */
function attach(io: Program, target: StreamTarget, onStop: (hook: () => void) => void): Running {
  const { pod, start, now } = target.attach;
  const container = target.info.container;
  let next = Math.floor((now() - start) / LINE_PERIOD_MS) + 1;
  const timer = setInterval(() => {
    while (start + next * LINE_PERIOD_MS <= now()) {
      const line = containerLine(pod, container, next++, start);
      if (line.stream === 'stderr') io.err(`${line.text}\n`);
      else io.out(`${line.text}\n`);
    }
  }, Math.min(LINE_PERIOD_MS, 100));
  const stop = () => clearInterval(timer);
  onStop(stop);
  return { input: () => undefined, end: () => undefined, stop };
}
