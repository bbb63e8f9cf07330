// Bounded concurrency, results in input order: the one way kia runs many network jobs at once, over a list known
// in advance (pool) or over items that arrive while the work runs (feed: the scan's open ports, probed as found).

/** Runs `work` over `items` with at most `limit` in flight; stops taking new items once `signal` aborts. */
export function pool<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>, signal?: AbortSignal): Promise<(R | undefined)[]> {
  const fed = feed(limit, work, signal);
  for (const item of items) fed.add(item);
  return fed.end();
}

export interface Feed<T> {
  /** Queues an item; it starts at once while fewer than the limit are in flight. */
  add(item: T): void;
}

/**
 * A pool fed while it runs: `add` items as they come, `end` once none will; `end` resolves when they are done, with
 * each result in the order added (undefined for an item never started: the signal aborted first), or rejects with
 * the first error a work threw (no item starts after it).
 */
export function feed<T, R>(limit: number, work: (item: T, index: number) => Promise<R>, signal?: AbortSignal): Feed<T> & { end(): Promise<(R | undefined)[]> } {
  const items: T[] = [];
  const results: (R | undefined)[] = [];
  const max = Math.max(1, limit);
  let next = 0;
  let running = 0;
  let failure: { error: unknown } | undefined;
  let ending: { resolve: (results: (R | undefined)[]) => void; reject: (error: unknown) => void } | undefined;
  const settle = () => {
    if (!ending) return;
    if (failure) ending.reject(failure.error);
    else if (running === 0 && (next >= items.length || signal?.aborted)) {
      results.length = items.length;
      ending.resolve(results);
    } else return;
    ending = undefined;
  };
  const finished = () => {
    running--;
    pump();
    settle();
  };
  const run = (index: number) => {
    running++;
    let promise: Promise<R>;
    try {
      promise = work(items[index] as T, index);
    } catch (error) {
      promise = Promise.reject(error);
    }
    promise.then(
      (result) => {
        results[index] = result;
        finished();
      },
      (error: unknown) => {
        failure ??= { error };
        finished();
      },
    );
  };
  const pump = () => {
    while (!failure && running < max && next < items.length && !signal?.aborted) run(next++);
  };
  return {
    add(item) {
      items.push(item);
      pump();
    },
    end() {
      return new Promise((resolve, reject) => {
        ending = { resolve, reject };
        settle();
      });
    },
  };
}
