// Bare TCP connects, for the scan: did each port accept, how fast, and if not, why (in the one outcome vocabulary).
// A connect scan is thousands of connects that are closed at once; a net.Socket per attempt (a stream, its buffers
// and events) costs several times the connect itself, so attempts go straight to libuv's TCP handle when Node still
// offers it (`process.binding('tcp_wrap')`, on its allow list since Node 10), and through net.connect otherwise.
import net from 'node:net';
import process from 'node:process';
import { getSystemErrorName } from 'node:util';
import type { Outcome } from '../../model/index.ts';
import { outcomeOf, outOfDescriptors } from './outcome.ts';

export interface ConnectResult {
  open: boolean;
  /** `ok` when it accepted; `refused`, `timeout`, `unreachable`, … otherwise. */
  outcome: Outcome;
  /** We ran out of file descriptors: our limit, not the port's answer (try again). */
  noDescriptors?: boolean;
  ms: number;
}

export interface ConnectJob {
  address: string;
  port: number;
}

export interface ConnectManyOptions {
  timeoutMs: number;
  /** Attempts in flight at most (silent hosts hold theirs until the timeout). */
  maxInFlight?: number;
  /** Attempts in flight that have not yet waited `slowAfterMs`; answers on a fast network come inside this window. */
  window?: number;
  slowAfterMs?: number;
  /** Stops starting attempts once it aborts; those not started get no result. */
  signal?: AbortSignal;
  /** Called once per finished attempt. */
  onResult?: (index: number, result: ConnectResult) => void;
}

interface TcpHandle {
  connect(req: ConnectRequest, address: string, port: number): number;
  connect6(req: ConnectRequest, address: string, port: number): number;
  close(): void;
}
interface ConnectRequest {
  address: string;
  port: number;
  oncomplete: (status: number) => void;
}
interface TcpBinding {
  TCP: new (type: number) => TcpHandle;
  TCPConnectWrap: new () => ConnectRequest;
  constants: { SOCKET: number };
}

function tcpBinding(): TcpBinding | undefined {
  try {
    const binding = (process as unknown as { binding?: (name: string) => TcpBinding }).binding?.('tcp_wrap');
    return typeof binding?.TCP === 'function' && typeof binding.TCPConnectWrap === 'function' ? binding : undefined;
  } catch {
    return undefined;
  }
}

/** A started attempt: `cancel` closes it (the deadline passed); `done` is called once, whichever comes first. */
type Start = (job: ConnectJob, done: (outcome: Outcome, error?: unknown) => void) => (() => void) | undefined;

function viaHandle(binding: TcpBinding): Start {
  return (job, done) => {
    const family = net.isIP(job.address);
    if (family === 0) return undefined;
    const handle = new binding.TCP(binding.constants.SOCKET);
    const req = new binding.TCPConnectWrap();
    req.address = job.address;
    req.port = job.port;
    let open = true;
    const close = () => {
      if (open) handle.close();
      open = false;
    };
    req.oncomplete = (status) => {
      close();
      if (status === 0) done('ok');
      else done('refused', errnoError(status));
    };
    const status = family === 4 ? handle.connect(req, job.address, job.port) : handle.connect6(req, job.address, job.port);
    if (status !== 0) {
      close();
      done('refused', errnoError(status));
      return undefined;
    }
    return close;
  };
}

function errnoError(status: number): NodeJS.ErrnoException {
  let code: string;
  try {
    code = getSystemErrorName(status);
  } catch {
    code = `E${-status}`;
  }
  // A plain record, not an Error: a refused port is an answer, and thousands of stack traces cost more than the scan.
  return { name: 'Error', message: code, code, errno: status };
}

const viaSocket: Start = (job, done) => {
  const socket = net.connect({ host: job.address, port: job.port });
  socket.once('connect', () => {
    socket.destroy();
    done('ok');
  });
  socket.once('error', (error) => {
    socket.destroy();
    done('refused', error);
  });
  return () => socket.destroy();
};

/**
 * Connects to every job, `window` quick attempts at a time (more while some wait on silent hosts, up to
 * `maxInFlight`), each given up after `timeoutMs`. Results in job order; out of descriptors waits and tries again.
 */
export function connectMany(jobs: readonly ConnectJob[], options: ConnectManyOptions): Promise<(ConnectResult | undefined)[]> {
  const binding = tcpBinding();
  const attempt = binding ? viaHandle(binding) : viaSocket;
  const maxInFlight = Math.max(1, options.maxInFlight ?? 2048);
  const window = Math.max(1, Math.min(options.window ?? 64, maxInFlight));
  const slowAfterMs = options.slowAfterMs ?? 50;
  const results = new Array<ConnectResult | undefined>(jobs.length).fill(undefined);
  const live = new Map<number, { started: number; cancel?: () => void; slow: boolean }>();
  const retries: number[] = [];
  const tries = new Map<number, number>();
  let next = 0;
  let quick = 0;
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    let pumping = false;
    const settle = (index: number, result: ConnectResult) => {
      const entry = live.get(index);
      if (!entry) return;
      live.delete(index);
      if (!entry.slow) quick--;
      if (result.noDescriptors && (tries.get(index) ?? 0) < 50) {
        tries.set(index, (tries.get(index) ?? 0) + 1);
        retries.push(index);
      } else {
        results[index] = result;
        options.onResult?.(index, result);
      }
      if (!pumping) pump();
    };
    const start = (index: number) => {
      const job = jobs[index] as ConnectJob;
      const started = performance.now();
      const entry: { started: number; cancel?: () => void; slow: boolean } = { started, slow: false };
      live.set(index, entry);
      quick++;
      const done = (outcome: Outcome, error?: unknown) => {
        const failure = error === undefined ? undefined : outcomeOf(error);
        const noDescriptors = error !== undefined && outOfDescriptors(error);
        settle(index, { open: outcome === 'ok', outcome: failure?.outcome ?? outcome, ms: performance.now() - started, ...(noDescriptors ? { noDescriptors } : {}) });
      };
      // A host name (not an address) goes through net.connect, which resolves it.
      const cancel = attempt(job, done) ?? (live.has(index) && attempt !== viaSocket ? viaSocket(job, done) : undefined);
      if (cancel) entry.cancel = cancel;
    };
    /** Starts what the window allows; attempts that ran out of descriptors are tried again only on the tick. */
    function pump(onTick = false) {
      pumping = true;
      const stopped = options.signal?.aborted === true;
      if (onTick) for (const index of retries.splice(0, Math.max(1, window - quick))) start(index);
      while (!stopped && retries.length === 0 && quick < window && live.size < maxInFlight && next < jobs.length) start(next++);
      pumping = false;
      const pending = retries.length > 0 || (!stopped && next < jobs.length);
      if (live.size === 0 && !pending) {
        if (timer) clearInterval(timer);
        timer = undefined;
        resolve(results);
      } else if (timer === undefined) {
        timer = setInterval(tick, Math.min(25, Math.max(5, slowAfterMs / 2)));
      }
    }
    function tick() {
      const now = performance.now();
      for (const [index, entry] of live) {
        if (now - entry.started >= options.timeoutMs) {
          entry.cancel?.();
          settle(index, { open: false, outcome: 'timeout', ms: now - entry.started });
        } else if (!entry.slow && now - entry.started >= slowAfterMs) {
          entry.slow = true;
          quick--;
        }
      }
      pump(true);
    }
    pump();
  });
}

/** One connect (a scan of one port). */
export async function tcpConnect(address: string, port: number, timeoutMs: number): Promise<ConnectResult> {
  const [result] = await connectMany([{ address, port }], { timeoutMs });
  return result as ConnectResult;
}
