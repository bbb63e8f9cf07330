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

export function encodeFrame(protocol: string, channel: number, payload: Uint8Array | string): Buffer | string {
  const bytes = typeof payload === 'string' ? Buffer.from(payload) : Buffer.from(payload);
  if (isBase64(protocol)) return String(channel) + bytes.toString('base64');
  return Buffer.concat([Buffer.from([channel]), bytes]);
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

/** The v4+ status written on the error channel when the command ends. */
export function exitStatus(exitCode: number, command: string): Record<string, unknown> {
  if (exitCode === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: command '${command}' exited with ${exitCode}`,
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
