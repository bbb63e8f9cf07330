// The page's link to kia serve: the first state from api/state, then every cycle over server-sent events, with
// the browser's own reconnection and, when the server refuses the stream, a backing-off retry of our own.
import { httpError, setConn, showError } from './status.ts';
import type { Ui } from './ui.ts';
import { apply } from './view.ts';

export function connect(ui: Ui): void {
  ui.retryTimer = 0;
  if (typeof EventSource !== 'function') {
    setConn('disconnected');
    return;
  }
  const es = new EventSource('api/events');
  ui.source = es;
  es.addEventListener('open', () => {
    ui.retryMs = 1000;
    setConn('live');
  });
  es.addEventListener('cycle', (ev) => {
    let s: unknown;
    try {
      s = JSON.parse((ev as MessageEvent<string>).data);
    } catch (err) {
      showError(`Unreadable update from the server: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    apply(ui, s, true);
  });
  es.addEventListener('error', () => {
    setConn('disconnected');
    // CONNECTING: the browser retries by itself. CLOSED (a non-200 answer): retry here, backing off.
    if (es.readyState === EventSource.CLOSED && !ui.retryTimer) {
      es.close();
      ui.retryTimer = window.setTimeout(() => connect(ui), ui.retryMs);
      ui.retryMs = Math.min(ui.retryMs * 2, 30000);
    }
  });
}

/** The state as it is now, for the first render before the stream's first event arrives. */
export function loadState(ui: Ui): void {
  fetch('api/state', { headers: { accept: 'application/json' }, cache: 'no-store' })
    .then((res) => (res.ok ? (res.json() as Promise<unknown>) : Promise.reject(new Error(httpError(res.status)))))
    .then((s) => apply(ui, s, false))
    .catch((err: unknown) => {
      if (!ui.state) showError(`Could not load the state: ${err instanceof Error ? err.message : String(err)}`);
    });
}
