// What the page says about its own link to the server: the connection badge in the header and the error banner.
import { byId } from './dom.ts';

export type Conn = 'connecting' | 'live' | 'disconnected';

export function setConn(conn: Conn): void {
  const c = byId('conn');
  c.dataset.conn = conn;
  document.body.dataset.conn = conn;
  c.textContent = conn === 'live' ? 'live' : conn === 'connecting' ? 'connecting…' : 'disconnected, retrying…';
  c.title = conn === 'live' ? 'Receiving updates' : 'Not receiving updates: the page shows the last state it received';
}

export function httpError(status: number): string {
  return status === 401 ? 'unauthorized (open the dashboard once as ?token=… to sign in)' : `HTTP ${status}`;
}

export function showError(text: string): void {
  const e = byId('error');
  e.textContent = text;
  e.hidden = !text;
}
