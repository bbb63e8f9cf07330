// The time flag set: `--timeout` bounds each request, `--deadline` the whole command. One-shot commands end by their
// deadline with what they have; long-running ones (serve, --watch, --follow, attach, port-forward) give it to setting
// up only. The library gets the deadline as an AbortSignal.
import type { Command } from 'commander';
import { TimeoutError } from '../../errors.ts';
import { formatDuration, numberOption, MAX_TIMER_MS } from './numbers.ts';

export interface TimeFlags {
  /** Milliseconds per connection and request. */
  timeout: number;
  /** Milliseconds for the whole command (or its setting up); absent = the command's default. */
  deadline?: number;
}

export interface TimeFlagOptions {
  /** Default per request, in ms (absent: the command fills it in, e.g. from a config file). */
  timeout?: number;
  /** Largest --timeout accepted, in ms (default 10 minutes). */
  maxTimeout?: number;
  /** What the default deadline is, for --help: ONE_REQUEST_DEADLINE, `5m, plus 100ms per target past the first`. */
  deadline: string;
  /** The deadline covers only setting up (connect, list, first answer), not the stream that follows. */
  setupOnly?: boolean;
}

/** A week: longer than any command should wait, and far inside setTimeout's range. */
/** How long the library has, once the deadline passed, to come back with what it has. */
const GRACE_MS = 1000;

const DEADLINE_MAX = Math.min(7 * 86_400_000, MAX_TIMER_MS);

/** Adds `--timeout <duration>` and `--deadline <duration>` to a command. */
export function addTimeFlags(command: Command, options: TimeFlagOptions): Command {
  const maxTimeout = options.maxTimeout ?? 600_000;
  return command
    .addOption(numberOption('--timeout <duration>', 'per connection and request (a bare number is milliseconds)', { kind: 'duration', min: 100, max: maxTimeout, bare: 'ms' }, options.timeout))
    .addOption(
      numberOption(
        '--deadline <duration>',
        `${options.setupOnly ? 'for setting up (connecting, listing, the first answer), not the stream' : 'for the whole command: it ends by then with what it has'} (a bare number is seconds; default: ${options.deadline})`,
        { kind: 'duration', min: 100, max: DEADLINE_MAX, bare: 's' },
      ),
    );
}

/** A command that makes one request (per peer) ends by the larger of a minute and three of its timeouts. */
export const ONE_REQUEST_DEADLINE = 'the larger of 1m and 3 × --timeout';
export function oneRequestDeadline(timeoutMs: number): number {
  return Math.max(60_000, 3 * timeoutMs);
}

/** The deadline passed: exit 3 (nothing more answered in time), after the command printed what it had. */
export class DeadlineError extends TimeoutError {}

/** The deadline of one run: a signal for the library, and a way to stop it once setting up is over. */
export interface Deadline {
  readonly signal: AbortSignal;
  /** Milliseconds from the start to the deadline. */
  total(): number;
  /** Moves the deadline to `ms` after the start (a default that grows with the work, once the work is known). */
  setTotal(ms: number): void;
  /** True once the deadline passed. */
  expired(): boolean;
  /** Stops the clock (a stream that is now running, or a command that finished). */
  clear(): void;
}

/** Starts the clock: `ms` from now the signal aborts with a DeadlineError naming --deadline. */
export function startDeadline(ms: number): Deadline {
  const controller = new AbortController();
  const started = Date.now();
  let totalMs = ms;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    const left = Math.min(Math.max(started + totalMs - Date.now(), 0), DEADLINE_MAX);
    timer = setTimeout(() => controller.abort(new DeadlineError(`the deadline of ${formatDuration(totalMs)} passed (--deadline)`)), left);
    // The deadline never keeps the process alive by itself.
    timer.unref();
  };
  arm();
  return {
    signal: controller.signal,
    total: () => totalMs,
    setTotal: (next) => {
      totalMs = Math.min(Math.max(next, 1), DEADLINE_MAX);
      if (!controller.signal.aborted) arm();
    },
    expired: () => controller.signal.aborted,
    clear: () => clearTimeout(timer),
  };
}

/** The deadline a command runs under: --deadline when given, else the command's default. */
export function deadlineFor(flags: TimeFlags, fallbackMs: number): Deadline {
  return startDeadline(flags.deadline ?? fallbackMs);
}

/** How much a run's default deadline grows for each target past the first (a /24 adds under half a minute). */
const PER_TARGET_MS = 100;

/** Once a run knows its targets, its default deadline grows with them: `baseMs` plus 100 ms each past the first. A given --deadline stands. */
export function scaleDeadline(deadline: Deadline, flags: TimeFlags, baseMs: number, targets: number): void {
  if (flags.deadline === undefined) deadline.setTotal(baseMs + PER_TARGET_MS * Math.max(targets - 1, 0));
}

/**
 * A one-request command whose request the deadline ended (the transport's `aborted`): the same DeadlineError the
 * command would have met had the library not stopped first, naming what got no answer.
 */
export function throwIfCutShort(deadline: Deadline, outcome: string | undefined, what: string): void {
  if (outcome === 'aborted' && deadline.expired()) throw new DeadlineError(`${what}: ${(deadline.signal.reason as Error).message}`);
}

/**
 * Runs `work` against the deadline. When it passes, the work gets a grace second to come back with what it has (the
 * library stops on the signal and returns partial results); after that a DeadlineError naming `what` wins, so a
 * command ends on time even where the library has not stopped.
 */
export function withinDeadline<T>(deadline: Deadline, work: Promise<T>, what?: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let grace: NodeJS.Timeout | undefined;
    const onAbort = () => {
      const reason = deadline.signal.reason as Error;
      grace = setTimeout(() => reject(what ? new DeadlineError(`${what}: ${reason.message}`) : reason), GRACE_MS);
      grace.unref();
    };
    if (deadline.signal.aborted) onAbort();
    else deadline.signal.addEventListener('abort', onAbort, { once: true });
    const settle = () => {
      clearTimeout(grace);
      deadline.signal.removeEventListener('abort', onAbort);
    };
    work.then(
      (value) => {
        settle();
        resolve(value);
      },
      (error: unknown) => {
        settle();
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
