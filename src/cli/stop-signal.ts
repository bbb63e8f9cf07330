// How the long-running commands (lab up, serve, agent, demo) hear Ctrl-C and SIGTERM. The handlers are in place
// from the call on, so a command calls this before it starts anything and before it says it is ready: whoever
// sends Ctrl-C on reading "ready" then always finds them. Installed after that line, a signal sent at once could
// arrive first and end the process by default, without its cleanup (a lab's control socket and records were left).

export interface StopSignal {
  /** The first signal, once it came. */
  readonly received: NodeJS.Signals | undefined;
  /** Settles with the first signal. */
  readonly promise: Promise<NodeJS.Signals>;
  /** Stops listening; a signal after that ends the process as Node's default does. */
  dispose(): void;
}

/**
 * Listens for the first of `signals`. After it, the handlers are removed: a second Ctrl-C ends the process at once,
 * for whoever will not wait for the cleanup.
 */
export function stopSignal(signals: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM']): StopSignal {
  let received: NodeJS.Signals | undefined;
  let settle: (signal: NodeJS.Signals) => void = () => undefined;
  const promise = new Promise<NodeJS.Signals>((resolve) => {
    settle = resolve;
  });
  const handlers = signals.map((signal) => {
    const handler = () => {
      received = signal;
      dispose();
      settle(signal);
    };
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  function dispose(): void {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  }
  return {
    get received() {
      return received;
    },
    promise,
    dispose,
  };
}
