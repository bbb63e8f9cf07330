// `kia lab up --agents`: a real `kia agent` process per lab node, listening on the node's IP at 9472 and seeing only
// that node's sockets, registered in <lab>/agents.json so the lab apiserver lists them as kia-system pods and proxies
// to them; and a kubeconfig with the admin's token, which the pods proxy can pass on (a certificate it cannot).
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { KIA_AGENT_PORT } from '../../catalog/kia.ts';
import { AGENTS_FILE, agentPodName, writeAgentPods } from '../../lab/components/apiserver/agent-pods.ts';
import type { LabPlan } from '../../lab/index.ts';
import { readSecretFile } from '../flags/listen.ts';

const AGENT_PORT = KIA_AGENT_PORT.port;
/** The kubeconfig `kia report --cluster` takes in a lab with agents. */
export const REPORT_KUBECONFIG = 'kia-report.conf';

export interface LabAgents {
  kubeconfig: string;
  stop(): Promise<void>;
}

/** A lab stopped by a signal its process did not outlive leaves its list behind: cleared before a lab starts. */
export function clearLabAgents(dir: string): void {
  rmSync(join(dir, AGENTS_FILE), { force: true });
}

/** Starts the agents and resolves once each served its first cycle (or fails with the agent's own words). */
export async function startLabAgents(plan: LabPlan, options: { intervalSeconds?: number } = {}): Promise<LabAgents> {
  const children: ChildProcess[] = [];
  const stop = async () => {
    await Promise.all(children.map((child) => new Promise<void>((done) => {
      if (child.exitCode !== null || child.signalCode !== null) return done();
      child.once('exit', () => done());
      child.kill('SIGTERM');
    })));
    clearLabAgents(plan.dir);
  };
  const entry = process.argv[1] ?? 'kia';
  try {
    await Promise.all(plan.nodes.map((node) => {
      const args = ['agent', '--listen', `${node.ip}:${AGENT_PORT}`, '--interval', `${options.intervalSeconds ?? 30}s`, '--node-name', node.name, '--addresses', `${node.ip},${node.localIp}`, '--authorize', 'apiserver', '--kubeconfig', plan.files.adminConf];
      // IPC only so that an agent goes when the lab's process goes, however it ends.
      const child = spawn(process.execPath, [...process.execArgv, entry, ...args], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
      children.push(child);
      let stderr = '';
      return new Promise<void>((resolve, reject) => {
        child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
          stderr += chunk;
          if (/kia agent: ready: /.test(stderr)) resolve();
        });
        child.once('exit', (code) => reject(new Error(`the agent of ${node.name} exited (${code}): ${stderr.trim().split('\n').pop() ?? ''}`)));
      });
    }));
  } catch (error) {
    await stop();
    throw error;
  }
  writeAgentPods(plan.dir, plan.nodes.map((n) => ({ pod: agentPodName(n.name), node: n.name, address: n.ip, port: AGENT_PORT })));
  const admin = YAML.parse(readSecretFile(plan.files.adminConf, 'admin.conf')) as { users?: { user: Record<string, unknown> }[] };
  for (const u of admin.users ?? []) u.user = { token: readSecretFile(plan.files.adminToken, 'admin token').split(/[,\s]/)[0] };
  const kubeconfig = join(plan.dir, REPORT_KUBECONFIG);
  writeFileSync(kubeconfig, YAML.stringify(admin), { mode: 0o600 });
  return { kubeconfig, stop };
}
