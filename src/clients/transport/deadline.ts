// One request's deadline: its timer, the run's overall deadline and the caller's signal, as one thing to listen to.
// An AbortController per request (and a listener on the run's signal per request in flight, which Node's EventTarget
// adds and removes by walking all of them) cost more than the rest of a plain-HTTP probe; a hunt sends ten thousand.

/** What hears a deadline stop: a function, or an object whose `stop` is called (an exchange, without a closure). */
export type StopListener = (() => void) | { stop(): void };

/** What stops an exchange early; `reason` says why. */
export class Deadline {
  #reason: string | undefined;
  #listeners: StopListener[] = [];
  readonly #timer: NodeJS.Timeout;
  readonly #signal: AbortSignal | undefined;
  readonly #onSignal: (() => void) | undefined;

  /** `signal`: the caller's own, which ends it too. */
  constructor(timeoutMs: number, signal?: AbortSignal) {
    this.#timer = setTimeout(() => this.stop('deadline'), Math.max(1, Math.min(timeoutMs, 2_147_000_000)));
    if (!signal) return;
    const onSignal = () => this.stop(String(signal.reason ?? 'aborted'));
    if (signal.aborted) {
      onSignal();
      return;
    }
    this.#signal = signal;
    this.#onSignal = onSignal;
    signal.addEventListener('abort', onSignal, { once: true });
  }

  get aborted(): boolean {
    return this.#reason !== undefined;
  }

  get reason(): string {
    return this.#reason ?? '';
  }

  /** Ends it now: every listener is called once. */
  stop(reason: string): void {
    if (this.#reason !== undefined) return;
    this.#reason = reason;
    clearTimeout(this.#timer);
    for (const listener of this.#listeners.splice(0)) call(listener);
  }

  /** Calls `listener` once when it stops (at once if it has); `offStop` stops listening. */
  onStop(listener: StopListener): void {
    if (this.#reason !== undefined) call(listener);
    else this.#listeners.push(listener);
  }

  offStop(listener: StopListener): void {
    const at = this.#listeners.indexOf(listener);
    if (at >= 0) this.#listeners.splice(at, 1);
  }

  /** The request ended: the timer and the listener on the caller's signal go. */
  done(): void {
    clearTimeout(this.#timer);
    if (this.#onSignal) this.#signal?.removeEventListener('abort', this.#onSignal);
  }
}

function call(listener: StopListener): void {
  if (typeof listener === 'function') listener();
  else listener.stop();
}
