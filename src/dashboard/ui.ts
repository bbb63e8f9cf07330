// What the page remembers between updates, in one object that start() creates and passes along (no module state).
// The shapes it reads are the server's own: MonitorState (api/state, each `event: cycle`) and Monitor#cell (api/cell).
import type { HealthReport } from '../model/index.ts';
import type { Monitor, MonitorState } from '../serve/monitor.ts';

/** What `GET api/cell` answers. */
export type CellAnswer = NonNullable<ReturnType<Monitor['cell']>>;

/** The state as the page renders it: before the first cycle an empty report stands in for the missing one. */
export type ShownState = MonitorState & { health: HealthReport };

export type SortKey = 'severity' | 'rule' | 'title' | 'where' | 'component';

export interface Selection {
  node: string;
  component: string;
}

export interface Ui {
  state: ShownState | null;
  /** When the last state arrived, by the browser's clock. */
  received: number;
  /** Once the stream has delivered a state, a slower api/state answer must not overwrite it. */
  fromStream: boolean;
  selected: Selection | null;
  /** Increases with every panel load, so a late answer for another cell is dropped. */
  cellSeq: number;
  sort: { key: SortKey; dir: 1 | -1 };
  source: EventSource | null;
  retryMs: number;
  retryTimer: number;
}

export function createUi(): Ui {
  return { state: null, received: 0, fromStream: false, selected: null, cellSeq: 0, sort: { key: 'severity', dir: 1 }, source: null, retryMs: 1000, retryTimer: 0 };
}
