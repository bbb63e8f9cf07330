// A bare TCP connect, for the scan: did the port accept, how fast, and if not, why (in the one outcome vocabulary).
import net from 'node:net';
import type { Outcome } from '../../model/index.ts';
import { outcomeOf, outOfDescriptors } from './outcome.ts';

export interface ConnectResult {
  open: boolean;
  /** `ok` when it accepted; `refused`, `timeout`, `unreachable`, … otherwise. */
  outcome: Outcome;
  /** We ran out of file descriptors: our limit, not the port's answer (try again). */
  noDescriptors?: boolean;
  ms: number;
}

export function tcpConnect(address: string, port: number, timeoutMs: number): Promise<ConnectResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = net.connect({ host: address, port });
    socket.setTimeout(timeoutMs);
    const done = (outcome: Outcome, noDescriptors = false) => {
      socket.destroy();
      resolve({ open: outcome === 'ok', outcome, ms: performance.now() - started, ...(noDescriptors ? { noDescriptors } : {}) });
    };
    socket.once('connect', () => done('ok'));
    socket.once('timeout', () => done('timeout'));
    socket.once('error', (error) => done(outcomeOf(error).outcome, outOfDescriptors(error)));
  });
}
