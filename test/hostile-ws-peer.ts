// Hostile WebSocket peers for the streaming commands: a TLS (or raw TCP) server on loopback that reads the upgrade
// request by hand and then does whatever a test tells it (refuse and drip, flood a channel, stall, never close), and
// a runner that watches the kia child's memory from /proc while it talks to such a peer.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { issue, validity } from '../src/lab/pki/certificates.ts';

export interface UpgradeRequest {
  /** The request target as sent: path and query, still encoded. */
  target: string;
  headers: Record<string, string>;
  servername?: string;
}

/** What a peer does once it has read an upgrade request; `rest` holds the bytes that came after the head. */
export type Behaviour = (socket: net.Socket, request: UpgradeRequest, rest: Buffer) => void;

export interface Peer {
  port: number;
  /** A PEM file that verifies the peer's certificate (for --kubelet-ca). */
  caFile: string;
  requests: UpgradeRequest[];
  close(): Promise<void>;
}

/**
 * A peer on 127.0.0.1. `tls: 'stall'` accepts TCP and never starts TLS; `tls: false` speaks plain TCP (for a raw
 * handshake that never ends).
 */
export async function startPeer(behaviour: Behaviour, options: { tls?: boolean | 'stall'; servername?: string } = {}): Promise<Peer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kia-hostile-'));
  const pair = await issue({ cn: 'hostile', ips: ['127.0.0.1'], ...(options.servername ? { dns: [options.servername] } : {}), usage: 'server', ...validity(Date.now(), 1) }, 'ecdsa');
  const caFile = path.join(dir, 'peer.crt');
  fs.writeFileSync(caFile, pair.certPem);
  const requests: UpgradeRequest[] = [];
  const sockets = new Set<net.Socket>();
  const onSocket = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    if (options.tls === 'stall') return;
    let head = Buffer.alloc(0);
    const read = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', read);
      const lines = head.subarray(0, end).toString('latin1').split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const servername = (socket as tls.TLSSocket).servername;
      const request = { target: lines[0]?.split(' ')[1] ?? '', headers, ...(typeof servername === 'string' ? { servername } : {}) };
      requests.push(request);
      behaviour(socket, request, head.subarray(end + 4));
    };
    socket.on('data', read);
  };
  const server = options.tls === false || options.tls === 'stall' ? net.createServer(onSocket) : tls.createServer({ cert: pair.certPem, key: pair.keyPem }, onSocket);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    caFile,
    requests,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The 101 that completes an upgrade, with the accept key RFC 6455 derives from the client's. */
export function switching(request: UpgradeRequest, protocol = 'v5.channel.k8s.io'): string {
  const accept = createHash('sha1').update(`${request.headers['sec-websocket-key'] ?? ''}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
  return `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: ${protocol}\r\n\r\n`;
}

/** The head of an unmasked server frame (FIN set) announcing `length` bytes; the payload may follow or not. */
export function frameHead(length: number | bigint, opcode = 0x2): Buffer {
  const n = BigInt(length);
  if (n < 126n) return Buffer.from([0x80 | opcode, Number(n)]);
  if (n < 65536n) {
    const head = Buffer.from([0x80 | opcode, 126, 0, 0]);
    head.writeUInt16BE(Number(n), 2);
    return head;
  }
  const head = Buffer.alloc(10);
  head[0] = 0x80 | opcode;
  head[1] = 127;
  head.writeBigUInt64BE(n, 2);
  return head;
}

/** One binary message: the channel byte, then the payload. */
export function channelFrame(channel: number, payload: Buffer | string): Buffer {
  const body = Buffer.concat([Buffer.from([channel]), Buffer.from(payload)]);
  return Buffer.concat([frameHead(body.length), body]);
}

/** The v4+ status of a command that exited with `code` (spec §3.8), as a frame on channel 3. */
export function exitFrame(code: number): Buffer {
  if (code === 0) return channelFrame(3, '{"metadata":{},"status":"Success"}');
  return channelFrame(3, `{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: error executing command [x], exit code ${code}","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"${code}"}]}}`);
}

/** Writes `make()` again and again, waiting for the socket to drain, until it closes or `limit` bytes went out. */
export function flood(socket: net.Socket, make: () => Buffer, limit = Number.POSITIVE_INFINITY): { written: () => number; done: Promise<void> } {
  let written = 0;
  const done = new Promise<void>((resolve) => {
    const pump = () => {
      while (!socket.destroyed && written < limit) {
        const chunk = make();
        written += chunk.length;
        if (!socket.write(chunk)) return void socket.once('drain', pump);
      }
      resolve();
    };
    socket.once('close', () => resolve());
    pump();
  });
  return { written: () => written, done };
}

const KIA_BIN = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'kia.js');

export interface Watched {
  child: ChildProcess;
  /** Resolves when the child exits or the kill timer fires (code -1). */
  done: Promise<Run>;
}

export interface Run {
  code: number;
  /** What kia wrote on stdout (empty with `countOnly`). */
  stdout: Buffer;
  stdoutBytes: number;
  stderr: string;
  peakRssMb: number;
}

/** `node bin/kia.js …` with its resident memory sampled every 50 ms; killed (code -1) if it outlives `killAfterMs`. */
export function watchKia(args: readonly string[], options: { killAfterMs?: number; holdStdout?: boolean; countOnly?: boolean } = {}): Watched {
  const child = spawn(process.execPath, [KIA_BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let peakKb = 0;
  const sample = () => {
    try {
      const kb = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0);
      peakKb = Math.max(peakKb, kb);
    } catch {
      // The child has exited between two samples.
    }
  };
  const sampler = setInterval(sample, 50);
  let killed = false;
  const killer = setTimeout(() => {
    killed = true;
    child.kill('SIGKILL');
  }, options.killAfterMs ?? 30_000);
  const out: Buffer[] = [];
  let outBytes = 0;
  const err: Buffer[] = [];
  // A held stdout is a slow reader: nothing is read until the test resumes it.
  if (options.holdStdout) child.stdout?.pause();
  child.stdout?.on('data', (c: Buffer) => {
    outBytes += c.length;
    if (!options.countOnly) out.push(c);
  });
  if (options.holdStdout) child.stdout?.pause();
  child.stderr?.on('data', (c: Buffer) => err.push(c));
  const done = new Promise<Run>((resolve) => {
    child.on('close', (code) => {
      clearInterval(sampler);
      clearTimeout(killer);
      resolve({ code: killed ? -1 : (code ?? -1), stdout: Buffer.concat(out), stdoutBytes: outBytes, stderr: Buffer.concat(err).toString('utf8'), peakRssMb: Math.round(peakKb / 1024) });
    });
  });
  return { child, done };
}
