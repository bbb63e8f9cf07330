// One request's deadline: its timer, the run's overall deadline and the caller's signal, as one thing to listen to.
// An AbortController per request (and a listener on the run's signal per request in flight, which Node's EventTarget
// adds and removes by walking all of them) cost more than the rest of a plain-HTTP probe; a hunt sends ten thousand.

/** What stops an exchange early; `reason` says why. */
export class Deadline {
  #reason: string | undefined;
  #listeners: (() => void)[] = [];
  readonly #timer: NodeJS.Timeout;

  constructor(timeoutMs: number) {
    this.#timer = setTimeout(() => this.stop('deadline'), Math.max(1, Math.min(timeoutMs, 2_147_000_000)));
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
    for (const listener of this.#listeners.splice(0)) listener();
  }

  /** Calls `listener` once when it stops (at once if it has); gives back what stops listening. */
  onStop(listener: () => void): () => void {
    if (this.#reason !== undefined) {
      listener();
      return () => undefined;
    }
    this.#listeners.push(listener);
    return () => {
      const at = this.#listeners.indexOf(listener);
      if (at >= 0) this.#listeners.splice(at, 1);
    };
  }

  /** The request ended: the timer goes. */
  done(): void {
    clearTimeout(this.#timer);
  }
}
