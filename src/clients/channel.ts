// The Kubernetes streaming channel protocol over WebSocket, shared by kia's clients and the lab's kubelet:
// every message starts with a channel byte (0 stdin, 1 stdout, 2 stderr, 3 error/status, 4 resize, 255 close in v5);
// in the base64 variants the channel is an ASCII digit and the payload is base64.
// (k8s.io/apimachinery pkg/util/remotecommand/constants.go, pkg/util/httpstream/wsstream/conn.go)

export const CHANNEL = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;

/** Subprotocols, newest first: what a client offers and a server picks from. */
export const STREAM_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'v4.base64.channel.k8s.io', 'channel.k8s.io', 'base64.channel.k8s.io'] as const;
export type StreamProtocol = (typeof STREAM_PROTOCOLS)[number];
export const PORT_FORWARD_PROTOCOLS = ['v4.channel.k8s.io', 'portforward.k8s.io'] as const;

/** SPDY remote-command versions a runtime accepts, in its order of preference. */
export const SPDY_REMOTE_COMMAND_VERSIONS = ['v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'] as const;

export function isBase64(protocol: string): boolean {
  return protocol.includes('base64');
}

/**
 * One message: the channel, then the payload (one buffer, or several read chunks sent as one). The binary frame is
 * built with a single copy; it cannot be split into WebSocket fragments, since the kubelet's x/net/websocket takes
 * each frame as a message.
 */
export function encodeFrame(protocol: string, channel: number, payload: Uint8Array | string | readonly Uint8Array[]): Buffer | string {
  if (isBase64(protocol)) {
    const bytes = typeof payload === 'string' ? Buffer.from(payload) : payload instanceof Uint8Array ? Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength) : Buffer.concat(payload);
    return String(channel) + bytes.toString('base64');
  }
  if (typeof payload === 'string') {
    const frame = Buffer.allocUnsafe(1 + Buffer.byteLength(payload));
    frame[0] = channel;
    frame.write(payload, 1);
    return frame;
  }
  const chunks = payload instanceof Uint8Array ? [payload] : payload;
  let length = 1;
  for (const chunk of chunks) length += chunk.byteLength;
  const frame = Buffer.allocUnsafe(length);
  frame[0] = channel;
  let at = 1;
  for (const chunk of chunks) {
    frame.set(chunk, at);
    at += chunk.byteLength;
  }
  return frame;
}

export function decodeFrame(protocol: string, data: Buffer | string): { channel: number; payload: Buffer } | undefined {
  if (isBase64(protocol)) {
    const text = typeof data === 'string' ? data : data.toString('latin1');
    if (text.length === 0) return undefined;
    return { channel: Number(text[0]), payload: Buffer.from(text.slice(1), 'base64') };
  }
  const bytes = typeof data === 'string' ? Buffer.from(data, 'latin1') : data;
  if (bytes.length === 0) return undefined;
  return { channel: bytes[0] ?? 0, payload: bytes.subarray(1) };
}

/**
 * The v4+ status written on the error channel when the command ends; the message wraps the runtime's CodeExitError
 * (containerd and CRI-O: `error executing command [argv], exit code N`).
 */
export function exitStatus(exitCode: number, argv: readonly string[]): Record<string, unknown> {
  if (exitCode === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${argv.join(' ')}], exit code ${exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}

/** The exit code a status on the error channel carries: 0 for Success, the ExitCode cause otherwise. */
export function exitCodeOf(status: { status?: string; reason?: string; details?: { causes?: { reason?: string; message?: string }[] } }): number | undefined {
  if (status.status === 'Success') return 0;
  if (status.reason === 'NonZeroExitCode') {
    const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
    const code = Number(cause?.message);
    return Number.isInteger(code) ? code : 1;
  }
  return undefined;
}

/** What kia's client offers: v5 where the server has it (API server 1.30+, kubelet 1.36+), v4 everywhere else. */
export const CLIENT_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'] as const;

/** The v5 close signal: channel 255, then the channel being closed (client to server: stdin). */
export function closeFrame(channel: number): Buffer {
  return Buffer.from([CHANNEL.close, channel]);
}

/** A terminal size on the resize channel, as remotecommand.TerminalSize marshals it. */
export function resizeFrame(protocol: string, size: { width: number; height: number }): Buffer | string {
  return encodeFrame(protocol, CHANNEL.resize, JSON.stringify({ Width: size.width, Height: size.height }));
}

export function parseResize(payload: Buffer): { width: number; height: number } | undefined {
  try {
    const value = JSON.parse(payload.toString('utf8')) as { Width?: unknown; Height?: unknown };
    const width = Number(value.Width);
    const height = Number(value.Height);
    return Number.isInteger(width) && Number.isInteger(height) && width >= 0 && height >= 0 ? { width, height } : undefined;
  } catch {
    return undefined;
  }
}

/** Port-forward over WebSocket: port i has data channel 2i and error channel 2i+1. */
export function portForwardChannels(index: number): { data: number; error: number } {
  return { data: index * 2, error: index * 2 + 1 };
}

/** The first frame of every port-forward channel starts with the port, little-endian uint16. */
export function portPrefix(port: number): Buffer {
  const bytes = Buffer.alloc(2);
  bytes.writeUInt16LE(port, 0);
  return bytes;
}

/** The `port` query values of a port-forward request (repeatable or comma-separated); undefined when one is not a port. */
export function parsePorts(values: readonly string[]): number[] | undefined {
  const ports: number[] = [];
  for (const value of values.flatMap((v) => v.split(','))) {
    const port = Number(value.trim());
    if (!/^\d+$/.test(value.trim()) || port < 1 || port > 65535) return undefined;
    ports.push(port);
  }
  return ports;
}

export interface StreamParams {
  command?: readonly string[];
  stdin?: boolean;
  stdout?: boolean;
  stderr?: boolean;
  tty?: boolean;
  /** The API server's name only: the kubelet has the container in the path. */
  container?: string;
}

/** The kubelet's query names for each stream, against the API server's public ones (pod/strategy.go streamParams). */
export const KUBELET_PARAM = { stdin: 'input', stdout: 'output', stderr: 'error', tty: 'tty' } as const;

/** The query of an exec or attach request, in the kubelet's names (`input=1`) or the API server's (`stdin=true`). */
export function streamQuery(params: StreamParams, names: 'kubelet' | 'apiserver'): URLSearchParams {
  const query = new URLSearchParams();
  for (const arg of params.command ?? []) query.append('command', arg);
  if (names === 'apiserver' && params.container !== undefined) query.set('container', params.container);
  for (const key of ['stdin', 'stdout', 'stderr', 'tty'] as const) {
    if (!params[key]) continue;
    if (names === 'kubelet') query.set(KUBELET_PARAM[key], '1');
    else query.set(key, 'true');
  }
  return query;
}

/** Reads the API server's public stream parameters (booleans as Go's strconv.ParseBool takes them). */
export function publicStreamParams(query: URLSearchParams): StreamParams {
  const on = (name: string) => ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(query.get(name) ?? '');
  const container = query.get('container');
  return { command: query.getAll('command'), stdin: on('stdin'), stdout: on('stdout'), stderr: on('stderr'), tty: on('tty'), ...(container ? { container } : {}) };
}

/** The JSON status of a failure that is not an exit code (InternalError, 500), as the runtime writes it. */
export function failureStatus(message: string): Record<string, unknown> {
  return { metadata: {}, status: 'Failure', message, reason: 'InternalError', code: 500 };
}
