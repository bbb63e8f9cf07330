// `kia lab up`: a lab in the foreground until Ctrl-C, in the background with --detach (its output in <dir>/lab.log),
// or for --for seconds with --demo.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { KIA_AGENT_PORT } from '../../catalog/kia.ts';
import type { KubernetesVersion } from '../../model/index.ts';
import { assertNoLab, readPlan, serveControl, startLab, type LabPlan, type ProfileChoice } from '../../lab/index.ts';
import { fail } from '../output.ts';
import { stopSignal, type StopSignal } from '../stop-signal.ts';
import { clearLabAgents, REPORT_KUBECONFIG, startLabAgents } from './lab-agents.ts';
import { describePlan } from './lab-view.ts';

export interface LabUpFlags {
  dir: string;
  nodes: number;
  kubernetesVersion: KubernetesVersion;
  profile: ProfileChoice;
  etcd: 'standin' | 'system';
  keyType: 'ecdsa' | 'rsa';
  network?: number;
  portOffset?: number;
  logLinesPerSecond?: number | 'max';
  detach?: boolean;
  /** A `kia agent` process per node, listed by the lab apiserver as kia-system pods. */
  agents?: boolean;
  demo?: boolean;
  for: number;
}

/** What a detached `lab up` tells the command that started it once its lab is ready. */
const READY = 'kia-lab-ready';

function agentsText(plan: LabPlan): string {
  return `agents: ${plan.nodes.length} kia agent processes on the node IPs, port ${KIA_AGENT_PORT.port}; kia report --cluster --kubeconfig ${join(plan.dir, REPORT_KUBECONFIG)}\n`;
}

/** What lab up prints on stdout once the lab is ready. */
function readyText(plan: LabPlan, options: LabUpFlags): string {
  const picked = options.network === undefined && plan.portOffset === undefined ? `network ${plan.network}: the first free one here (--network N chooses another; kia lab ls lists the labs)\n` : '';
  return describePlan(plan, true) + picked;
}

export async function runLabUp(options: LabUpFlags): Promise<void> {
  if (options.detach) return detach(options);
  const started = Date.now();
  // Heard from before the lab starts: a Ctrl-C while it starts stops it once it is up (exit 130), and one sent on
  // reading "ready" finds its handler.
  const signal = stopSignal(['SIGINT', 'SIGTERM', 'SIGHUP']);
  try {
    await runUntilStopped(options, started, signal);
  } finally {
    signal.dispose();
  }
}

async function runUntilStopped(options: LabUpFlags, started: number, signal: StopSignal): Promise<void> {
  const { dir } = options;
  clearLabAgents(dir);
  const running = await startLab({
    dir,
    nodes: options.nodes,
    kubernetesVersion: options.kubernetesVersion,
    profile: options.profile,
    etcd: options.etcd,
    keyType: options.keyType,
    ...(options.network !== undefined ? { network: options.network } : {}),
    ...(options.portOffset !== undefined ? { portOffset: options.portOffset } : {}),
    ...(options.logLinesPerSecond !== undefined ? { logLinesPerSecond: options.logLinesPerSecond } : {}),
  });
  // `kia lab fault` and `kia lab status` reach this process through <dir>/control.sock.
  const control = await serveControl(running, dir).catch((error: unknown) => {
    // A Unix socket path is capped at 107 bytes: the lab still runs, without `kia lab fault`.
    process.stderr.write(`kia: no control socket, kia lab fault will not reach this lab: ${error instanceof Error ? error.message : String(error)}\n`);
    return { close: async () => undefined };
  });
  const agents = options.agents ? await startLabAgents(running.plan).catch(async (error: unknown) => {
    await control.close();
    await running.stop();
    throw error;
  }) : undefined;
  const stop = async () => {
    await agents?.stop();
    await control.close();
    await running.stop();
    process.stderr.write('lab stopped\n');
  };
  if (signal.received) {
    await stop();
    process.exitCode = 130;
    return;
  }
  process.stdout.write(readyText(running.plan, options));
  if (agents) process.stdout.write(agentsText(running.plan));
  process.stderr.write(`ready: ${running.plan.endpoints.length} endpoints listening after ${Date.now() - started} ms\n`);
  // Started by `lab up --detach`: tell it, then let the channel go so nothing ties this process to it.
  if (process.send) process.send({ type: READY }, () => process.disconnect());
  if (options.demo) {
    const timer = new AbortController();
    await Promise.race([signal.promise, sleep(options.for * 1000, undefined, { signal: timer.signal }).catch(() => undefined)]);
    timer.abort();
  } else {
    await signal.promise;
  }
  await stop();
}

/** The lab's own last error line in its log (`kia: …`), without the prefix. */
function lastError(log: string): string | undefined {
  let text = '';
  try {
    text = readFileSync(log, 'utf8');
  } catch {
    return undefined;
  }
  return text.split('\n').filter((l) => l.startsWith('kia: ')).pop()?.slice('kia: '.length);
}

/** Starts `kia lab up` again without --detach, in the background, and returns once its lab is ready or it failed. */
async function detach(options: LabUpFlags): Promise<void> {
  const { dir } = options;
  // Said here, in one line, rather than in a log nobody reads.
  assertNoLab(dir);
  mkdirSync(dir, { recursive: true });
  const log = join(dir, 'lab.log');
  const fd = openSync(log, 'w');
  const args = process.argv.slice(1).filter((a) => a !== '--detach');
  // The IPC channel carries one message, sent once the lab and its control socket are up (see READY).
  const child = spawn(process.execPath, [...process.execArgv, ...args], { detached: true, stdio: ['ignore', fd, fd, 'ipc'] });
  closeSync(fd);
  const waitMs = Math.max(60_000, options.nodes * 200);
  let timer: NodeJS.Timeout | undefined;
  const exited = await new Promise<number | undefined>((resolve) => {
    child.on('message', (message: { type?: string }) => message?.type === READY && resolve(undefined));
    child.once('exit', (code) => resolve(code ?? 1));
    timer = setTimeout(() => resolve(-1), waitMs);
  });
  clearTimeout(timer);
  if (child.connected) child.disconnect();
  child.unref();
  if (exited === undefined) {
    const plan = readPlan(dir);
    process.stdout.write(readyText(plan, options) + (options.agents ? agentsText(plan) : ''));
    return;
  }
  if (exited >= 0) fail(lastError(log) ?? `the lab in ${dir} did not start (see ${log})`, exited || 1);
  else fail(`the lab in ${dir} did not become ready within ${waitMs / 1000} s (see ${log}); kia lab down --dir ${dir} stops what started`, 1);
}
