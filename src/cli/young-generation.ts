// Caps V8's young generation of a long-running command from inside it. V8 reads the semi-space limit only when the
// process starts (`node --max-semi-space-size`, a flag `kia serve` does not own), and by default grows each semi-space
// to 16 MB: about 25 MB of RSS that a probe cycle's short-lived objects do not need. The growth factor is read each
// time the space grows, so it is set to 1 (no growth) while the space is at the cap and back to 2 below it (after V8
// shrank an idle process's young generation).
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

const GROW = 2;
const HOLD = 1;

/** Keeps each semi-space at about `megabytes` (V8 doubles it from 1 MB); returns what stops the watch. */
export function capYoungGeneration(megabytes: number): () => void {
  // The new space's size is both semi-spaces.
  const cap = 2 * megabytes * 1024 * 1024;
  let factor = GROW;
  const check = () => {
    const size = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
    const wanted = size >= cap ? HOLD : GROW;
    if (wanted === factor) return;
    factor = wanted;
    setFlagsFromString(`--semi-space-growth-factor=${wanted}`);
  };
  // After each collection (the space only grows during one), on the next turn of the event loop: a synchronous
  // stretch long enough for several scavenges may still grow it past the cap, the server's are short.
  const observer = new PerformanceObserver(check);
  observer.observe({ entryTypes: ['gc'] });
  check();
  return () => observer.disconnect();
}
