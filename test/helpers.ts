// Helpers for the lab conformance suites: real sockets, real TLS, the system curl and openssl.
// Nothing here knows what a component should answer: expectations live, literally, in the tests.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import type { IncomingHttpHeaders } from 'node:http';
import { startLab } from '../src/lab/index.ts';
import type { LabEndpoint, LabFiles, LabNode, LabOptions, LabPlan } from '../src/lab/types.ts';

export type Lab = Awaited<ReturnType<typeof startLab>>;

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'real-v1.28');

/** A real v1.28 answer, byte for byte (copied from the shared data set; never read from ../shared). */
export function fixture(name: string): string {
  return fs.readFileSync(path.join(FIXTURES, name), 'utf8');
}

// ---------------------------------------------------------------------------------------------------------------
// Labs

export interface TestLab {
  lab: Lab;
  plan: LabPlan;
  dir: string;
  stop(): Promise<void>;
}

/** One lab in a fresh temp dir, in-process. `network` must be unique across the whole suite. */
export async function startTestLab(options: Omit<LabOptions, 'dir'>): Promise<TestLab> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kia-test-'));
  let lab: Lab;
  try {
    lab = await startLab({ nodes: 3, inProcess: true, ...options, dir });
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    lab,
    plan: lab.plan,
    dir,
    async stop() {
      try {
        await lab.stop();
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** A fresh folder to hold labs started through the CLI (real path: the lab names its folder that way). */
export function tempLabRoot(): string {
  return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'kia-labs-test-')));
}

/** What a lab's lab.json says about where it runs and who runs it, read as a test reads it: as plain JSON. */
export function labFile(dir: string): { network: number; supervisorPid?: number; processes: { name: string; pid: number }[] } {
  return JSON.parse(fs.readFileSync(path.join(dir, 'lab.json'), 'utf8')) as ReturnType<typeof labFile>;
}

/** The pids a lab reports in its lab.json: its supervisor and every process it spawned. */
export function labPids(dir: string): number[] {
  const plan = labFile(dir);
  return [plan.supervisorPid ?? 0, ...plan.processes.map((p) => p.pid)].filter((p) => p > 0);
}

/** Still running: /proc/<pid> is there and not a zombie. */
export function runs(pid: number): boolean {
  try {
    return !/\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Whatever a failing run left: kill it by pid, so a test that fails leaks nothing. */
export function killAll(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

/** The one endpoint of a node/component/port (throws if there are none or several). */
export function endpoint(plan: LabPlan, node: LabNode | string, component: string, port: string): LabEndpoint {
  const found = endpoints(plan, node, component, port);
  assert.equal(found.length, 1, `expected exactly one ${component}/${port} endpoint on ${nodeName(node)}, found ${found.length}`);
  return found[0] as LabEndpoint;
}

export function endpoints(plan: LabPlan, node: LabNode | string, component: string, port: string): LabEndpoint[] {
  const name = nodeName(node);
  return plan.endpoints.filter((e) => e.node === name && e.component === component && e.port === port);
}

function nodeName(node: LabNode | string): string {
  return typeof node === 'string' ? node : node.name;
}

/** The node's kube-proxy pod (`kube-system/kube-proxy-xxxxx`), from the plan. */
export function kubeProxyPod(node: LabNode): string {
  const pods = node.pods.filter((p) => p.namespace === 'kube-system' && /^kube-proxy-[a-z0-9]{5}$/.test(p.name));
  assert.equal(pods.length, 1, `expected one kube-proxy pod on ${node.name}`);
  return (pods[0] as { name: string }).name;
}

export function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Callers

/** anonymous, alice (cert / token), the invalid callers (foreign-CA cert, bad token), admin (cert / token). */
export const CALLERS = ['anonymous', 'alice', 'alice-token', 'foreign', 'bad-token', 'admin', 'admin-token'] as const;
export type Caller = (typeof CALLERS)[number];

export const BAD_TOKEN = 'not-a-real-token';

export interface Credentials {
  cert?: string;
  key?: string;
  token?: string;
}

export function readToken(file: string): string {
  const text = fs.readFileSync(file, 'utf8').trim();
  // Tolerate a token-auth-file line (`token,user,uid,"groups"`): the token is the first field.
  return text.split(/[,\s]/)[0] ?? '';
}

export function credentials(files: LabFiles, caller: Caller): Credentials {
  switch (caller) {
    case 'anonymous':
      return {};
    case 'alice':
      return { cert: files.aliceCert, key: files.aliceKey };
    case 'alice-token':
      return { token: readToken(files.aliceToken) };
    case 'foreign':
      return { cert: files.foreignCert, key: files.foreignKey };
    case 'bad-token':
      return { token: BAD_TOKEN };
    case 'admin':
      return { cert: files.adminCert, key: files.adminKey };
    case 'admin-token':
      return { token: readToken(files.adminToken) };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// HTTP(S) over real sockets

export interface RequestOptions extends Credentials {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** A CA file: verify the server against it (default: no verification unless `verify` is true). */
  ca?: string;
  verify?: boolean;
  servername?: string;
  maxVersion?: tls.SecureVersion;
  timeoutMs?: number;
}

export interface HttpResult {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** For 101 answers: the upgraded socket is closed at once; nothing more is read. */
  upgraded?: boolean;
}

const fileCache = new Map<string, Buffer>();
function readFile(file: string): Buffer {
  let data = fileCache.get(file);
  if (!data) {
    data = fs.readFileSync(file);
    fileCache.set(file, data);
  }
  return data;
}

export function request(options: RequestOptions): Promise<HttpResult> {
  const url = new URL(options.url);
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.token !== undefined) headers['Authorization'] = `Bearer ${options.token}`;
  if (options.body !== undefined && headers['Content-Length'] === undefined) {
    headers['Content-Length'] = String(Buffer.byteLength(options.body));
  }
  const timeoutMs = options.timeoutMs ?? 5_000;
  const base = {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port === '' ? undefined : Number(url.port),
    path: `${url.pathname}${url.search}`,
    method: options.method ?? 'GET',
    headers,
    agent: false as const,
  };
  return new Promise<HttpResult>((resolve, reject) => {
    const onResponse = (res: http.IncomingMessage): void => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    };
    const req =
      url.protocol === 'https:'
        ? https.request(
            {
              ...base,
              cert: options.cert ? readFile(options.cert) : undefined,
              key: options.key ? readFile(options.key) : undefined,
              ca: options.ca ? readFile(options.ca) : undefined,
              rejectUnauthorized: options.verify ?? options.ca !== undefined,
              servername: options.servername,
              maxVersion: options.maxVersion,
            },
            onResponse,
          )
        : http.request(base, onResponse);
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: '', upgraded: true });
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`timeout after ${timeoutMs} ms: ${options.method ?? 'GET'} ${options.url}`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

/** GET/POST/... as a caller. */
export function requestAs(files: LabFiles, caller: Caller, options: RequestOptions): Promise<HttpResult> {
  return request({ ...credentials(files, caller), ...options });
}

export interface Expected {
  status: number;
  /** Exact body. */
  body?: string;
  bodyMatch?: RegExp;
  bodyStartsWith?: string;
  bodyIncludes?: string[];
  /** Exact Content-Type; null = the header must be absent. */
  contentType?: string | null;
  /** Exact header values; null = absent. */
  headers?: Record<string, string | null>;
}

export function expectResponse(res: HttpResult, exp: Expected, label: string): void {
  const where = `${label}\n  got ${res.status} ${JSON.stringify(res.headers['content-type'])} ${JSON.stringify(res.body.slice(0, 300))}`;
  assert.equal(res.status, exp.status, `status: ${where}`);
  if (exp.body !== undefined) assert.equal(res.body, exp.body, `body: ${where}`);
  if (exp.bodyMatch !== undefined) assert.match(res.body, exp.bodyMatch, `body: ${where}`);
  if (exp.bodyStartsWith !== undefined) assert.ok(res.body.startsWith(exp.bodyStartsWith), `body should start with ${JSON.stringify(exp.bodyStartsWith)}: ${where}`);
  for (const part of exp.bodyIncludes ?? []) assert.ok(res.body.includes(part), `body should include ${JSON.stringify(part)}: ${where}`);
  if (exp.contentType !== undefined) {
    assert.equal(res.headers['content-type'] ?? null, exp.contentType, `content-type: ${where}`);
  }
  for (const [name, value] of Object.entries(exp.headers ?? {})) {
    const got = res.headers[name.toLowerCase()];
    assert.equal(got === undefined ? null : Array.isArray(got) ? got.join(', ') : got, value, `header ${name}: ${where}`);
  }
}

export function json(res: HttpResult): unknown {
  try {
    return JSON.parse(res.body);
  } catch (err) {
    throw new Error(`not JSON (${(err as Error).message}): ${JSON.stringify(res.body.slice(0, 300))}`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Raw sockets and TLS facts

/** Resolves with the error code of a TCP connect (e.g. `ECONNREFUSED`), or `connected`. */
export function tcpConnect(host: string, port: number, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (outcome: string): void => {
      socket.destroy();
      resolve(outcome);
    };
    socket.setTimeout(timeoutMs, () => done('timeout'));
    socket.on('connect', () => done('connected'));
    socket.on('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
  });
}

/** Writes `data` on a plain TCP connection and returns every byte received until the peer closes. */
export function rawExchange(host: string, port: number, data: string, timeoutMs = 5000): Promise<{ bytes: Buffer; outcome: string }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = net.connect({ host, port }, () => socket.write(data));
    let settled = false;
    const done = (outcome: string): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve({ bytes: Buffer.concat(chunks), outcome });
    };
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => done('closed'));
    socket.on('close', () => done('closed'));
    socket.on('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
    socket.setTimeout(timeoutMs, () => done('timeout'));
  });
}

export interface TlsFacts {
  /** `ok`, or the error code/message of the failed handshake. */
  outcome: string;
  protocol?: string | null;
  alpn?: string | false | null;
  authorized?: boolean;
  authorizationError?: string;
  /** The peer's chain, leaf first (self-signed roots are listed once). */
  chain: { subject: string; issuer: string; subjectaltname?: string }[];
}

export function tlsFacts(options: Credentials & { host: string; port: number; ca?: string; alpn?: string[]; maxVersion?: tls.SecureVersion; timeoutMs?: number }): Promise<TlsFacts> {
  return new Promise((resolve) => {
    const socket = tls.connect({
      host: options.host,
      port: options.port,
      cert: options.cert ? readFile(options.cert) : undefined,
      key: options.key ? readFile(options.key) : undefined,
      ca: options.ca ? readFile(options.ca) : undefined,
      rejectUnauthorized: false,
      ALPNProtocols: options.alpn,
      maxVersion: options.maxVersion,
    });
    let settled = false;
    const finish = (facts: TlsFacts): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(facts);
    };
    socket.setTimeout(options.timeoutMs ?? 5000, () => finish({ outcome: 'timeout', chain: [] }));
    socket.on('secureConnect', () => {
      const chain: TlsFacts['chain'] = [];
      let cert: tls.DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
      const seen = new Set<string>();
      while (cert && cert.raw && !seen.has(cert.fingerprint256)) {
        seen.add(cert.fingerprint256);
        chain.push({ subject: dn(cert.subject), issuer: dn(cert.issuer), subjectaltname: cert.subjectaltname });
        cert = cert.issuerCertificate;
      }
      finish({
        outcome: 'ok',
        protocol: socket.getProtocol(),
        alpn: socket.alpnProtocol,
        authorized: socket.authorized,
        authorizationError: socket.authorizationError ? String(socket.authorizationError) : undefined,
        chain,
      });
    });
    socket.on('error', (err: NodeJS.ErrnoException) => finish({ outcome: err.code ?? err.message, chain: [] }));
  });
}

function dn(name: tls.Certificate | undefined): string {
  if (!name) return '';
  return Object.entries(name)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`)
    .join(', ');
}

// ---------------------------------------------------------------------------------------------------------------
// The system curl and openssl

export interface ExecResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface KiaRun {
  /** The exit status; -1 when killed by a signal or the timeout. */
  code: number;
  stdout: string;
  stderr: string;
}

const KIA_BIN = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'kia.js');

/**
 * `node bin/kia.js …` as an async child process, never spawnSync: a lab started by the test answers from this very
 * process. `entry` runs another entry point (e.g. `--import tsx src/cli/main.ts`).
 */
export function runKia(args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number; entry?: readonly string[]; launcher?: readonly string[] } = {}): Promise<KiaRun> {
  return new Promise((resolve) => {
    const entry = options.entry ?? [KIA_BIN];
    // `launcher` runs node through another command (nsenter … node): its first word is what is executed.
    const [command = process.execPath, ...before] = options.launcher ?? [process.execPath];
    execFile(command, [...before, ...entry, ...args], { encoding: 'utf8', timeout: options.timeoutMs ?? 60_000, maxBuffer: 64 << 20, ...(options.cwd ? { cwd: options.cwd } : {}), ...(options.env ? { env: options.env } : {}) }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Why the network-namespace tests cannot run here, or false: they need root, unshare, nsenter and ip. */
export const NETNS_SKIP: string | false =
  process.getuid?.() !== 0 ? 'needs root for unshare --net' : !['/usr/bin/unshare', '/usr/bin/nsenter'].every((f) => fs.existsSync(f)) ? 'needs unshare and nsenter (util-linux)' : false;

export interface Netns {
  /** The process that holds the namespace open. */
  pid: number;
  /** `node bin/kia.js …` inside the namespace. */
  kia(args: readonly string[], options?: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<KiaRun>;
  /** A long-running command inside the namespace (its pid is the command's: nsenter execs it). */
  spawn(command: string, args: readonly string[], options?: { cwd?: string; env?: NodeJS.ProcessEnv }): ChildProcess;
  close(): void;
}

/**
 * A network namespace of its own (unshare --net, loopback up): its addresses and its registry of running labs are
 * its own, so labs started there without --network meet no other test's lab, whatever runs beside it.
 */
export async function freshNetns(): Promise<Netns> {
  const holder = spawn('unshare', ['--net', 'sh', '-c', 'ip link set lo up && echo ready && exec sleep 100000'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    holder.stdout?.once('data', () => resolve());
    holder.once('exit', (code) => reject(new Error(`unshare --net exited with ${code}`)));
  });
  const pid = holder.pid as number;
  const enter = ['-t', String(pid), '-n'];
  return {
    pid,
    kia: (args, options = {}) => runKia(args, { ...options, launcher: ['nsenter', ...enter, process.execPath] }),
    spawn: (command, args, options = {}) => spawn('nsenter', [...enter, command, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...options }),
    close: () => {
      holder.kill('SIGKILL');
    },
  };
}

export function curl(args: string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<ExecResult> {
  return new Promise((resolve) => {
    execFile('curl', args, { cwd: options.cwd, timeout: options.timeoutMs ?? 20_000, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException).code === 'number' ? ((err as unknown as { code: number }).code) : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

export function openssl(args: string[], options: { input?: string; cwd?: string; timeoutMs?: number } = {}): Promise<ExecResult> {
  return new Promise((resolve) => {
    const child = spawn('openssl', args, { cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const errOut: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => errOut.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 15_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(errOut).toString('utf8') });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

// ---------------------------------------------------------------------------------------------------------------
// WebSocket (the `ws` package): the kubelet's channel protocol, seen from a client we did not write.

export interface WsOutcome {
  /** 101 when upgraded, else the refusal's status. */
  status: number;
  protocol?: string;
  headers?: IncomingHttpHeaders;
  body?: string;
  /** Messages received, as [channel byte, payload]. */
  messages: [number, Buffer][];
}

export async function wsConnect(url: string, protocols: string[], creds: Credentials, timeoutMs = 10_000): Promise<WsOutcome> {
  const { WebSocket } = await import('ws');
  return new Promise<WsOutcome>((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (creds.token) headers['Authorization'] = `Bearer ${creds.token}`;
    const ws = new WebSocket(url, protocols, {
      cert: creds.cert ? readFile(creds.cert) : undefined,
      key: creds.key ? readFile(creds.key) : undefined,
      rejectUnauthorized: false,
      headers,
      handshakeTimeout: timeoutMs,
    });
    const messages: [number, Buffer][] = [];
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`websocket timeout: ${url}`));
    }, timeoutMs);
    ws.on('unexpected-response', (req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        req.destroy();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), messages });
      });
    });
    ws.on('message', (data: Buffer) => {
      const buf = Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer);
      messages.push([buf[0] ?? -1, buf.subarray(1)]);
    });
    ws.on('close', () => {
      clearTimeout(timer);
      resolve({ status: 101, protocol: ws.protocol, messages });
    });
    ws.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** The one stderr line a failing kia command prints (no stack trace, no Node warning); fails the test otherwise. */
export function oneStderrLine(run: KiaRun): string {
  const lines = run.stderr.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, `expected one stderr line, got:\n${run.stderr}`);
  assert.doesNotMatch(run.stderr, /^\s+at |Warning/m);
  return lines[0] as string;
}
