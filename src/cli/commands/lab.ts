// `kia lab up|status|down|fault`: the local cluster of stand-ins that the hunting guide is practised on.
import { spawn } from 'node:child_process';
import net from 'node:net';
import { resolve } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { KUBERNETES_VERSIONS, type KubernetesVersion } from '../../model/index.ts';
import { FAULT_NAMES, parseComponent, parseFault, PROFILES, readPlan, startLab, writePlan, type FaultRecord, type LabPlan, type ProfileChoice } from '../../lab/index.ts';
import { callControl, serveControl } from '../../lab/supervisor/control-socket.ts';
import { InputError, KiaError } from '../../errors.ts';
import { exitCodeFor, fail } from '../output.ts';

const DEFAULT_DIR = '.kia-lab';

function whole(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}`);
    return n;
  };
}

export function describePlan(plan: LabPlan): string {
  const lines = [`lab ${plan.state} in ${plan.dir}: Kubernetes ${plan.kubernetesVersion}, etcd ${plan.etcdVersion}${plan.etcd === 'system' ? ' (Debian\'s real etcd)' : ' (stand-in)'}`];
  for (const node of plan.nodes) {
    const endpoints = plan.endpoints.filter((e) => e.node === node.name).map((e) => `${e.component.replace('kube-', '')}:${e.number}${e.reach === 'node-local' ? '(local)' : ''}`);
    lines.push(`  ${node.name.padEnd(18)} ${node.ip.padEnd(13)} local ${node.localIp.padEnd(13)} ${node.profile.padEnd(18)} ${[...new Set(endpoints)].join(' ')}`);
  }
  const cp = plan.nodes[0];
  const proxy = cp?.pods.find((p) => p.name.startsWith('kube-proxy-'));
  if (cp && proxy) {
    lines.push('', 'Try the hunting guide (from the lab folder):', `  cd ${plan.dir}`);
    lines.push(`  curl -sk https://${cp.ip}:10250/pods                      # 401 Unauthorized: anonymous auth is off`);
    lines.push(`  curl -sk --cert admin.crt --key admin.key https://${cp.ip}:10250/pods | head -c 300`);
    lines.push(`  curl -sk -X POST --cert admin.crt --key admin.key 'https://${cp.ip}:10250/run/kube-system/${proxy.name}/kube-proxy?cmd=ls'`);
    lines.push(`  curl -s http://${cp.localIp}:2381/health ; curl -sk https://${cp.localIp}:10257/healthz`);
  }
  return lines.join('\n') + '\n';
}

function pidAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function probe(address: string, port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = net.connect({ host: address, port, timeout: 1000 }, () => {
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

function describeFaults(records: readonly { node: string; component: string; faults: readonly string[] }[]): string {
  return records.map((r) => `  ${r.node.padEnd(18)} ${r.component.padEnd(24)} ${r.faults.join(', ')}\n`).join('');
}

/** The faults as the running lab knows them, or undefined when its control socket does not answer. */
async function liveFaults(plan: LabPlan): Promise<FaultRecord[] | undefined> {
  try {
    const answer = await callControl(plan.dir, { op: 'status' }, 5000);
    return answer.ok ? answer.faults : undefined;
  } catch {
    return undefined;
  }
}

export function registerLab(program: Command): void {
  const lab = program.command('lab').description('a local cluster of faithful stand-ins for every component, on loopback, with real TLS');
  lab
    .command('up')
    .description('start the lab; Ctrl-C stops it and leaves nothing listening')
    .option('--dir <dir>', 'lab folder (PKI, configs, lab.json); reused when it exists', DEFAULT_DIR)
    .option('--nodes <n>', 'number of nodes (node 1 is the control plane)', whole('--nodes', 1, 32258), 3)
    .addOption(new Option('--kubernetes-version <v>', 'Kubernetes version to emulate').choices([...KUBERNETES_VERSIONS]).default('1.36'))
    .addOption(new Option('--profile <profile>', 'node profile, or mixed').choices([...PROFILES, 'mixed']).default('kubeadm'))
    .addOption(new Option('--etcd <mode>', 'etcd stand-in, or Debian\'s real etcd binary').choices(['standin', 'system']).default('standin'))
    .addOption(new Option('--key-type <type>', 'key type of every certificate').choices(['ecdsa', 'rsa']).default('ecdsa'))
    .option('--network <n>', 'address plan: node IPs in 127.(2n).0.0/16, node-local in 127.(2n+1).0.0/16', whole('--network', 0, 63), 0)
    .option('--port-offset <n>', 'serve everything on 127.0.0.1, node i shifted by n + 100*i ports', whole('--port-offset', 0, 60000))
    .option('--log-lines-per-second <n>', "container log lines per second when following (default 1), or max: as fast as the reader takes them", (v: string) => {
      if (v === 'max') return 'max';
      const n = Number(v);
      if (!Number.isFinite(n) || n <= 0 || n > 1_000_000) throw new InvalidArgumentError('--log-lines-per-second takes a number from 0 to 1000000, or max');
      return n;
    })
    .option('--detach', 'start in the background and return once every port listens')
    .option('--demo', 'the README\'s first command: start, print how to reach it, and stop after --for seconds')
    .option('--for <seconds>', 'with --demo: how long to keep the lab up', whole('--for', 0, 86400), 0)
    .action(async (options: { dir: string; nodes: number; kubernetesVersion: KubernetesVersion; profile: ProfileChoice; etcd: 'standin' | 'system'; keyType: 'ecdsa' | 'rsa'; network: number; portOffset?: number; logLinesPerSecond?: number | 'max'; detach?: boolean; demo?: boolean; for: number }) => {
      const dir = resolve(options.dir);
      if (options.detach) {
        const args = process.argv.slice(1).filter((a) => a !== '--detach');
        const child = spawn(process.execPath, [...process.execArgv, ...args], { detached: true, stdio: 'ignore' });
        child.unref();
        const deadline = Date.now() + 60_000;
        while (Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 100));
          try {
            const plan = readPlan(dir);
            if (plan.state === 'ready' && plan.supervisorPid === child.pid) {
              process.stdout.write(describePlan(plan));
              return;
            }
          } catch {
            // not written yet
          }
          if (!pidAlive(child.pid)) break;
        }
        fail(`the lab in ${dir} did not become ready`, 1);
        return;
      }
      const started = Date.now();
      const running = await startLab({
        dir,
        nodes: options.nodes,
        kubernetesVersion: options.kubernetesVersion,
        profile: options.profile,
        etcd: options.etcd,
        keyType: options.keyType,
        network: options.network,
        ...(options.portOffset !== undefined ? { portOffset: options.portOffset } : {}),
        ...(options.logLinesPerSecond !== undefined ? { logLinesPerSecond: options.logLinesPerSecond } : {}),
      });
      // `kia lab fault` and `kia lab status` reach this process through <dir>/control.sock.
      const control = await serveControl(running, dir).catch((error: unknown) => {
        // A Unix socket path is capped at 107 bytes: the lab still runs, without `kia lab fault`.
        process.stderr.write(`kia: no control socket, kia lab fault will not reach this lab: ${error instanceof Error ? error.message : String(error)}\n`);
        return { close: async () => undefined };
      });
      running.plan.supervisorPid = process.pid;
      writePlan(running.plan);
      process.stdout.write(describePlan(running.plan));
      process.stderr.write(`ready: ${running.plan.endpoints.length} endpoints listening after ${Date.now() - started} ms\n`);
      let stopping = false;
      const stop = async () => {
        if (stopping) return;
        stopping = true;
        await control.close();
        await running.stop();
        process.stderr.write('lab stopped\n');
      };
      if (options.demo) {
        await new Promise((r) => setTimeout(r, options.for * 1000));
        await stop();
        return;
      }
      await new Promise<void>((done) => {
        for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => void stop().then(done));
      });
    });
  lab
    .command('status')
    .description('show the lab and check that every endpoint listens')
    .option('--dir <dir>', 'lab folder', DEFAULT_DIR)
    .action(async (options: { dir: string }) => {
      const plan = readPlan(options.dir);
      const results = await Promise.all(plan.endpoints.map((e) => probe(e.address, e.number)));
      const down = plan.endpoints.filter((_, i) => !results[i]);
      process.stdout.write(describePlan(plan));
      process.stdout.write(`${plan.endpoints.length - down.length}/${plan.endpoints.length} endpoints listening${down.length ? `; down: ${down.slice(0, 8).map((e) => `${e.address}:${e.number}`).join(' ')}` : ''}\n`);
      const faults = pidAlive(plan.supervisorPid) ? await liveFaults(plan) : undefined;
      const shown = faults ?? plan.faults ?? [];
      if (shown.length > 0) process.stdout.write(`faults${faults ? '' : ' (from lab.json)'}:\n${describeFaults(shown)}`);
      process.exitCode = down.length === 0 ? 0 : 3;
    });
  lab
    .command('fault')
    .description('inject a fault into one component of a running lab, or clear it')
    .argument('<node>', 'node name (kia-control-plane, kia-worker-1, ...)')
    .argument('<component>', 'etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubelet or kube-proxy (kube- may be left out)')
    .argument('<fault...>', `${FAULT_NAMES.join(', ')}; unhealthy[:<check>], cert-expiring <days>`)
    .option('--dir <dir>', 'lab folder', DEFAULT_DIR)
    .addHelpText('after', [
      '',
      'Faults:',
      '  down                  the ports close and open connections are cut, as a dead process',
      '  hang                  connections are accepted and never answered (open ones stop too)',
      '  unhealthy[:<check>]   a health check fails as upstream reports it (kubelet syncloop, apiserver etcd,',
      '                        controller-manager/scheduler leaderElection, etcd NOSPACE|CORRUPT|leader, kube-proxy stale)',
      '  stale | frozen        kube-proxy: 503 with lastUpdated stuck | 200 with lastUpdated stuck',
      '  cert-expiring <days>  every serving certificate reissued to expire in <days> days',
      '  clear                 undo every fault of that component',
      '',
      'Example: kia lab fault kia-worker-1 kubelet unhealthy:syncloop',
    ].join('\n'))
    .action(async (node: string, component: string, words: string[], options: { dir: string }) => {
      const fault = parseFault(words);
      const id = parseComponent(component);
      const plan = readPlan(options.dir);
      if (!pidAlive(plan.supervisorPid)) throw new InputError(`no running lab in ${plan.dir} (start one with kia lab up --detach)`);
      const answer = await callControl(plan.dir, { op: 'fault', node, component: id, fault });
      if (!answer.ok) {
        fail(answer.error, exitCodeFor(new KiaError(answer.code, answer.error)));
        return;
      }
      const now = answer.faults.find((r) => r.node === node && r.component === id)?.faults ?? [];
      process.stdout.write(`${id} on ${node}: ${fault}${now.length > 0 ? ` (active: ${now.join(', ')})` : ' (no faults)'}\n`);
    });
  lab
    .command('down')
    .description('stop a lab started with --detach')
    .option('--dir <dir>', 'lab folder', DEFAULT_DIR)
    .action(async (options: { dir: string }) => {
      const plan = readPlan(options.dir);
      const pid = plan.supervisorPid;
      if (!pidAlive(pid)) {
        process.stdout.write(`no running lab in ${plan.dir}\n`);
        return;
      }
      process.kill(pid as number, 'SIGTERM');
      const deadline = Date.now() + 15_000;
      while (pidAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      if (pidAlive(pid)) fail(`lab supervisor ${pid} did not stop`, 1);
      else process.stdout.write(`lab in ${plan.dir} stopped\n`);
    });
}
