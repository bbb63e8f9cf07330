// The dashboard's history: each cell's last checks (state and summary), kept as runs of checks that said the same
// thing. A healthy cell repeats itself every cycle: on the 200-node lab a full history (60 checks of 404 cells) was
// 24,000 objects and a summary string each; as runs it is one array slot per check. Read back one entry per check.
import type { HealthState } from '../model/index.ts';

export interface HistoryEntry {
  at: string;
  state: HealthState;
  summary: string;
}

/** Checks in a row that said the same: their times, oldest first. */
interface Run {
  state: HealthState;
  summary: string;
  at: string[];
}

export class History {
  readonly #size: number;
  readonly #cells = new Map<string, { runs: Run[]; checks: number }>();
  // Every cell's entries as last read: the dashboard's state, asked by each viewer, changes only with a cycle.
  #all: Record<string, HistoryEntry[]> | undefined;

  /** `size`: checks kept per cell, the oldest dropped first. */
  constructor(size: number) {
    this.#size = Math.max(1, size);
  }

  add(cell: string, at: string, state: HealthState, summary: string): void {
    this.#all = undefined;
    let kept = this.#cells.get(cell);
    if (!kept) this.#cells.set(cell, (kept = { runs: [], checks: 0 }));
    const last = kept.runs[kept.runs.length - 1];
    if (last && last.state === state && last.summary === summary) last.at.push(at);
    else kept.runs.push({ state, summary, at: [at] });
    kept.checks++;
    while (kept.checks > this.#size) {
      const oldest = kept.runs[0] as Run;
      oldest.at.shift();
      kept.checks--;
      if (oldest.at.length === 0) kept.runs.shift();
    }
  }

  /** One cell's checks, oldest first; none for a cell never checked. */
  entries(cell: string): HistoryEntry[] {
    return (this.#cells.get(cell)?.runs ?? []).flatMap((run) => run.at.map((at) => ({ at, state: run.state, summary: run.summary })));
  }

  /** Every cell's checks, by cell (the same object until the next check: read it, never change it). */
  all(): Readonly<Record<string, readonly HistoryEntry[]>> {
    return (this.#all ??= Object.fromEntries([...this.#cells.keys()].map((cell) => [cell, this.entries(cell)])));
  }
}
