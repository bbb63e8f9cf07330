// How a lab is doing: which of its processes still run (from `<dir>/run/`, each checked to be the process recorded)
// and which of its endpoints those processes listen on, so another lab's or anyone's socket at the same address is
// never counted as this lab's.
import { existsSync } from 'node:fs';
import net from 'node:net';
import { readLabFile } from '../../targets/lab-file.ts';
import { listenedBy } from '../net/address-owner.ts';
import type { LabEndpoint, LabPlan } from '../types.ts';
import { runningRecords } from './pid-files.ts';

export interface LabStatus {
  plan: LabPlan;
  /** True while any process of this lab runs. */
  running: boolean;
  /** This lab's running processes, the supervisor first. */
  pids: number[];
  listening: LabEndpoint[];
  down: LabEndpoint[];
}

/** Without /proc, whether something accepts connections is all one can tell. */
function connects(endpoint: LabEndpoint, timeoutMs: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = net.connect({ host: endpoint.address, port: endpoint.number, timeout: timeoutMs }, () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
    socket.once('timeout', () => {
      socket.destroy();
      done(false);
    });
  });
}

export async function labStatus(dir: string): Promise<LabStatus> {
  const plan = readLabFile(dir);
  const pids = runningRecords(plan.dir).map((r) => r.pid);
  if (pids.length === 0) return { plan, running: false, pids, listening: [], down: [...plan.endpoints] };
  let up: boolean[];
  if (existsSync('/proc/self/net/tcp')) {
    const ours = await listenedBy(pids);
    up = plan.endpoints.map((e) => ours.has(`${e.address}:${e.number}`));
  } else {
    up = await Promise.all(plan.endpoints.map((e) => connects(e, 1000)));
  }
  return { plan, running: true, pids, listening: plan.endpoints.filter((_, i) => up[i]), down: plan.endpoints.filter((_, i) => !up[i]) };
}
