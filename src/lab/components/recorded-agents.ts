// Recorded agents: one process answers as the kia agent of every lab node, on each node's IP at the agent's port, with
// that node's recorded report (recorded-reports.ts), and lists them in `<lab>/agents.json` so the lab apiserver lists
// and proxies to them as it does to real agents. This is how `kia report --cluster` meets 1,000 nodes on one machine.
import { rmSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { KIA_AGENT_PORT } from '../../catalog/kia.ts';
import { issue, validity } from '../pki/certificates.ts';
import type { LabPlan } from '../types.ts';
import { AGENTS_FILE, agentPodName, writeAgentPods, type AgentPod } from './apiserver/agent-pods.ts';
import { readRecordings, reportFor } from './recorded-reports.ts';

export interface RecordedAgentsOptions {
  plan: Pick<LabPlan, 'dir' | 'nodes'>;
  /** A folder with `recordings.json` and the reports it names (fixtures/agent-reports). */
  recordings: string;
  /** Default: the agent's own port in the catalog (9472), as `kia lab up --agents` listens. */
  port?: number;
  /** When set, `/api/report` answers only a caller passing `X-Kia-Authorization: Bearer <token>`, as the pods proxy does for `kia report --cluster`. */
  token?: string;
  /** Milliseconds since the epoch, for the serving certificate's validity (default: now). */
  now?: number;
}

export interface RecordedAgents {
  pods: AgentPod[];
  stop(): Promise<void>;
}

function answer(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** Starts one HTTPS listener per node (a self-signed certificate, like an agent without --tls-cert); resolves once all listen. */
export async function startRecordedAgents(options: RecordedAgentsOptions): Promise<RecordedAgents> {
  const recordings = readRecordings(options.recordings);
  const port = options.port ?? KIA_AGENT_PORT.port;
  const { nodes, dir } = options.plan;
  const pair = await issue({ cn: 'kia-agent', usage: 'server', ...validity(options.now ?? Date.now(), 365) }, 'ecdsa');
  const handler = (index: number) => (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz' || path === '/readyz') return answer(res, 200, 'text/plain; charset=utf-8', 'ok');
    if (path !== '/api/report') return answer(res, 404, 'text/plain; charset=utf-8', '404 page not found\n');
    if (req.method !== 'GET') return answer(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
    if (options.token !== undefined && req.headers['x-kia-authorization'] !== `Bearer ${options.token}`) return answer(res, 401, 'text/plain; charset=utf-8', 'Unauthorized\n');
    answer(res, 200, 'application/json', reportFor(recordings, nodes, index, dir));
  };
  const servers = nodes.map((_, index) => https.createServer({ cert: pair.certPem, key: pair.keyPem }, handler(index)));
  const stop = async () => {
    await Promise.all(servers.map((s) => new Promise<void>((done) => {
      s.closeAllConnections();
      s.close(() => done());
    })));
    rmSync(join(dir, AGENTS_FILE), { force: true });
  };
  try {
    await Promise.all(servers.map((server, i) => new Promise<void>((resolve, reject) => {
      const address = nodes[i]?.ip ?? '';
      server.once('error', (error) => reject(new Error(`recorded agent of ${nodes[i]?.name} cannot listen on ${address}:${port}: ${error.message}`)));
      server.listen(port, address, () => resolve());
    })));
  } catch (error) {
    await Promise.all(servers.map((s) => new Promise<void>((done) => (s.listening ? s.close(() => done()) : done()))));
    throw error;
  }
  const pods = nodes.map((n) => ({ pod: agentPodName(n.name), node: n.name, address: n.ip, port }));
  writeAgentPods(dir, pods);
  return { pods, stop };
}
