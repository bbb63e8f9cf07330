// Bare TCP connects, for the scan: did each port accept, how fast, and if not, why (in the one outcome vocabulary).
// A connect scan is thousands of connects that are closed at once; a net.Socket per attempt (a stream, its buffers
// and events) costs several times the connect itself, so attempts go straight to libuv's TCP handle when Node still
// offers it (`process.binding('tcp_wrap')`, on its allow list since Node 10), and through net.connect otherwise.
// On Linux a socket whose connect was refused is kept and connects again for a later attempt (most of a scan's
// attempts are refused): that saves a socket(), a close() and a handle per refused port.
import net from 'node:net';
import { constants as osConstants } from 'node:os';
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

/** What a run of attempts cost: sockets opened, and attempts made on a refused attempt's socket instead. */
export interface ConnectCounts {
  sockets: number;
  reused: number;
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
  /** Filled in as attempts start. */
  counts?: ConnectCounts;
}

interface TcpHandle {
  connect(req: ConnectRequest, address: string, port: number): number;
  connect6(req: ConnectRequest, address: string, port: number): number;
  close(): void;
  /** Closes with a reset (SO_LINGER 0), as nmap's connect scan does; libuv's uv_tcp_close_reset. */
  reset?(onClose: () => void): number;
}
interface ConnectRequest {
  address: string;
  port: number;
  oncomplete: (status: number) => void;
}
/** A request as this module makes it: which job it is for, and the address family of its socket. */
interface Attempt extends ConnectRequest {
  index: number;
  family: number;
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

/** How an attempt ended: 0 accepted, else a negative libuv errno or a Node error (from the net.connect fallback). */
type Done = (index: number, status: number, error?: unknown) => void;

interface Attempts {
  /** Starts job `index`; false when it cannot take this job (a host name), so net.connect takes it. */
  start(index: number, job: ConnectJob, done: Done): boolean;
  /** Closes an attempt still in flight (its deadline passed). */
  cancel(index: number): void;
  /** Closes the sockets kept for later attempts (at the end, or when descriptors run out). */
  release(): void;
}

const noop = (): void => undefined;

const REFUSED = -(osConstants.errno.ECONNREFUSED ?? 111);
const ABORTED = -(osConstants.errno.ECONNABORTED ?? 103);
// Linux lets a TCP socket connect again once its connect failed (the socket is back in CLOSE, its port released): the
// first connect() after the failure clears it and answers ECONNABORTED, the next one connects. Elsewhere a failed
// socket is closed.
const KEEP_REFUSED = process.platform === 'linux';
/** Refused sockets kept per address family at most (about the attempts started before one comes back). */
const KEPT = 64;

/** Straight to libuv: one TCP handle and one connect request per attempt, one completion function for all of them. */
function viaHandle(binding: TcpBinding, size: number, counts: ConnectCounts): Attempts {
  const handles = new Array<TcpHandle | undefined>(size);
  const kept: Record<number, TcpHandle[]> = { 4: [], 6: [] };
  let done: Done = () => {};
  const close = (index: number) => {
    handles[index]?.close();
    handles[index] = undefined;
  };
  // An accepted connection is closed with a reset, as nmap closes its: no FIN exchange and no TIME_WAIT left on our
  // side for each open port, and the peer's accept sees one event instead of two.
  const reset = (index: number) => {
    const handle = handles[index];
    handles[index] = undefined;
    if (handle && (typeof handle.reset !== 'function' || handle.reset(noop) !== 0)) handle.close();
  };
  /** A refused attempt's socket, kept for a later attempt of its family. */
  const keep = (index: number, family: number) => {
    const handle = handles[index];
    handles[index] = undefined;
    const spare = kept[family] as TcpHandle[];
    if (handle && KEEP_REFUSED && spare.length < KEPT) spare.push(handle);
    else handle?.close();
  };
  function oncomplete(this: Attempt, status: number) {
    if (status === 0) reset(this.index);
    else if (status === REFUSED) keep(this.index, this.family);
    else close(this.index);
    done(this.index, status);
  }
  const connect = (handle: TcpHandle, index: number, job: ConnectJob, family: number): number => {
    const req = new binding.TCPConnectWrap() as Attempt;
    req.address = job.address;
    req.port = job.port;
    req.index = index;
    req.family = family;
    req.oncomplete = oncomplete;
    return family === 4 ? handle.connect(req, job.address, job.port) : handle.connect6(req, job.address, job.port);
  };
  /** Starts the attempt on a kept socket; false (the socket closed) when that socket will not connect again. */
  const again = (handle: TcpHandle, index: number, job: ConnectJob, family: number): boolean => {
    let status = connect(handle, index, job, family);
    if (status === ABORTED) status = connect(handle, index, job, family);
    if (status !== 0) {
      handle.close();
      return false;
    }
    handles[index] = handle;
    counts.reused++;
    return true;
  };
  return {
    start(index, job, onDone) {
      const family = net.isIP(job.address);
      if (family === 0) return false;
      done = onDone;
      const spare = (kept[family] as TcpHandle[]).pop();
      if (spare !== undefined && again(spare, index, job, family)) return true;
      const handle = new binding.TCP(binding.constants.SOCKET);
      counts.sockets++;
      handles[index] = handle;
      const status = connect(handle, index, job, family);
      if (status !== 0) {
        close(index);
        onDone(index, status);
      }
      return true;
    },
    cancel: close,
    release() {
      for (const spare of Object.values(kept)) for (const handle of spare.splice(0)) handle.close();
    },
  };
}

function viaSocket(size: number): Attempts {
  const sockets = new Array<net.Socket | undefined>(size);
  const close = (index: number) => {
    sockets[index]?.destroy();
    sockets[index] = undefined;
  };
  return {
    start(index, job, done) {
      const socket = net.connect({ host: job.address, port: job.port });
      sockets[index] = socket;
      socket.once('connect', () => {
        // Reset, as the handle path closes an accepted connection.
        sockets[index] = undefined;
        socket.resetAndDestroy();
        done(index, 0);
      });
      socket.once('error', (error) => {
        close(index);
        done(index, -1, error);
      });
      return true;
    },
    cancel: close,
    release: noop,
  };
}

/** A failed attempt in the one outcome vocabulary; a refusal (nearly every closed port) costs no lookup. */
function failure(status: number, error: unknown): { outcome: Outcome; noDescriptors: boolean } {
  if (error === undefined && status === REFUSED) return { outcome: 'refused', noDescriptors: false };
  let cause = error;
  if (cause === undefined) {
    let code: string;
    try {
      code = getSystemErrorName(status);
    } catch {
      code = `E${-status}`;
    }
    // A plain record, not an Error: a refused port is an answer, and thousands of stack traces cost more than a scan.
    cause = { name: 'Error', message: code, code, errno: status };
  }
  return { outcome: outcomeOf(cause).outcome, noDescriptors: outOfDescriptors(cause) };
}

// What each job is doing, by index: not started yet (or waiting to try again), in flight and quick, in flight past
// `slowAfterMs`, or finished.
const IDLE = 0;
const QUICK = 1;
const SLOW = 2;
const FINISHED = 3;

/**
 * Connects to every job, `window` quick attempts at a time (more while some wait on silent hosts, up to
 * `maxInFlight`), each given up after `timeoutMs`. Results in job order; out of descriptors waits and tries again.
 */
export function connectMany(jobs: readonly ConnectJob[], options: ConnectManyOptions): Promise<(ConnectResult | undefined)[]> {
  const binding = tcpBinding();
  const counts = options.counts ?? { sockets: 0, reused: 0 };
  const direct = binding ? viaHandle(binding, jobs.length, counts) : undefined;
  const fallback = viaSocket(jobs.length);
  const maxInFlight = Math.max(1, options.maxInFlight ?? 2048);
  const window = Math.max(1, Math.min(options.window ?? 64, maxInFlight));
  const slowAfterMs = options.slowAfterMs ?? 50;
  const results = new Array<ConnectResult | undefined>(jobs.length).fill(undefined);
  const state = new Uint8Array(jobs.length);
  const started = new Float64Array(jobs.length);
  const tries = new Uint8Array(jobs.length);
  const usedFallback = new Uint8Array(jobs.length);
  const live = new Set<number>();
  const retries: number[] = [];
  let next = 0;
  let quick = 0;
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    let pumping = false;
    const end = (index: number) => {
      if (state[index] === QUICK) quick--;
      live.delete(index);
    };
    const settle = (index: number, result: ConnectResult) => {
      end(index);
      if (result.noDescriptors && (tries[index] as number) < 50) {
        // Our own kept sockets go first.
        direct?.release();
        tries[index] = (tries[index] as number) + 1;
        state[index] = IDLE;
        retries.push(index);
      } else {
        state[index] = FINISHED;
        results[index] = result;
        options.onResult?.(index, result);
      }
      if (!pumping) pump();
    };
    const done: Done = (index, status, error) => {
      if (state[index] !== QUICK && state[index] !== SLOW) return;
      const ms = performance.now() - (started[index] as number);
      if (status === 0) return settle(index, { open: true, outcome: 'ok', ms });
      const failed = failure(status, error);
      settle(index, { open: false, outcome: failed.outcome, ms, ...(failed.noDescriptors ? { noDescriptors: true } : {}) });
    };
    const start = (index: number) => {
      const job = jobs[index] as ConnectJob;
      started[index] = performance.now();
      state[index] = QUICK;
      quick++;
      live.add(index);
      // A host name (not an address) goes through net.connect, which resolves it.
      if (direct?.start(index, job, done)) return;
      usedFallback[index] = 1;
      counts.sockets++;
      fallback.start(index, job, done);
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
        direct?.release();
        resolve(results);
      } else if (timer === undefined) {
        timer = setInterval(tick, Math.min(25, Math.max(5, slowAfterMs / 2)));
      }
    }
    function tick() {
      const now = performance.now();
      for (const index of live) {
        const age = now - (started[index] as number);
        if (age >= options.timeoutMs) {
          (usedFallback[index] ? fallback : (direct ?? fallback)).cancel(index);
          settle(index, { open: false, outcome: 'timeout', ms: age });
        } else if (state[index] === QUICK && age >= slowAfterMs) {
          state[index] = SLOW;
          quick--;
        }
      }
      pump(true);
    }
    pump();
  });
}
