// The built CLI as a watched child process: a kill timer that fails a hang, the peak of its resident memory sampled
// from /proc every 50 ms, and stdout/stderr as bytes (escape sequences and invalid UTF-8 must survive to be checked).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { peakRss } from './rss.ts';

const KIA_BIN = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'kia.js');
const OUTPUT_CAP = 64 << 20;

export interface WatchedRun {
  /** Exit status; null when a signal ended it. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The kill timer fired: the command hung past its allowance. */
  killed: boolean;
  stdout: Buffer;
  stderr: Buffer;
  /** Highest VmRSS seen, in MiB. */
  peakRssMiB: number;
  /** Text of stdout and stderr, for messages. */
  out: string;
  err: string;
}

export interface WatchOptions {
  /** Kill the command (SIGKILL, whole process group) after this long. */
  killAfterMs: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Run under `script`, so kia's stdout and stderr are a terminal (one stream: both arrive on stdout). */
  tty?: boolean;
}

function quote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** `node bin/kia.js …`, watched. Never rejects. */
export function runWatched(args: readonly string[], options: WatchOptions): Promise<WatchedRun> {
  const argv = [process.execPath, KIA_BIN, ...args];
  const [file, fileArgs] = options.tty ? ['script', ['-qfec', argv.map(quote).join(' '), '/dev/null']] : [argv[0] as string, argv.slice(1)];
  const child = spawn(file, fileArgs as string[], { detached: true, stdio: ['ignore', 'pipe', 'pipe'], ...(options.env ? { env: options.env } : {}), ...(options.cwd ? { cwd: options.cwd } : {}) });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let outBytes = 0;
  let errBytes = 0;
  child.stdout.on('data', (c: Buffer) => {
    if (outBytes < OUTPUT_CAP) out.push(c);
    outBytes += c.length;
  });
  child.stderr.on('data', (c: Buffer) => {
    if (errBytes < OUTPUT_CAP) err.push(c);
    errBytes += c.length;
  });
  let killed = false;
  const pid = child.pid ?? 0;
  const rss = peakRss(pid);
  const killer = setTimeout(() => {
    killed = true;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  }, options.killAfterMs);
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      rss.stop();
      clearTimeout(killer);
      const stdout = Buffer.concat(out);
      const stderr = Buffer.concat(err);
      resolve({ code, signal, killed, stdout, stderr, peakRssMiB: rss.peak(), out: stdout.toString('utf8'), err: stderr.toString('utf8') });
    });
  });
}

/** A one-line summary for assertion messages. */
export function describeRun(run: WatchedRun): string {
  const clip = (s: string) => JSON.stringify(s.length > 600 ? `${s.slice(0, 600)}…(${s.length} chars)` : s);
  return `exit ${run.code}${run.signal ? ` signal ${run.signal}` : ''}${run.killed ? ' (killed by the test: hung)' : ''}, peak RSS ${run.peakRssMiB} MiB\n  stdout ${clip(run.out)}\n  stderr ${clip(run.err)}`;
}
