// `kia lab up|status|down|fault|ls`: the local cluster of stand-ins that the hunting guide is practised on.
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { KUBERNETES_VERSIONS } from '../../model/index.ts';
import { callControl, FAULT_NAMES, labStatus, parseComponent, parseFault, PROFILES, readPlan, runningLabs, runningSupervisor, stopLab, type FaultRecord, type LabPlan } from '../../lab/index.ts';
import { InputError, KiaError, UsageError } from '../../errors.ts';
import { LAB_FILE } from '../../targets/lab-file.ts';
import { exitCodeFor, fail } from '../output.ts';
import { runLabUp, type LabUpFlags } from './lab-up.ts';
import { describeFaults, describeLabs, describePlan } from './lab-view.ts';

export const DEFAULT_LAB_DIR = '.kia-lab';

export function whole(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}`);
    return n;
  };
}

/** The lab folder of `--dir`, absolute; a file there is the user's mistake, said in one line. */
export function labDir(value: string): string {
  const dir = resolve(value);
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new UsageError(`--dir ${value} is a file, not a lab folder`);
  return dir;
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
    .description('start the lab; Ctrl-C stops it and leaves nothing listening. Refuses a folder where a lab runs; without --network it takes the first free network')
    .option('--dir <dir>', 'lab folder (PKI, configs, lab.json); reused when it exists', DEFAULT_LAB_DIR)
    .option('--nodes <n>', 'number of nodes (node 1 is the control plane)', whole('--nodes', 1, 32258), 3)
    .addOption(new Option('--kubernetes-version <v>', 'Kubernetes version to emulate').choices([...KUBERNETES_VERSIONS]).default('1.36'))
    .addOption(new Option('--profile <profile>', 'node profile, or mixed').choices([...PROFILES, 'mixed']).default('kubeadm'))
    .addOption(new Option('--etcd <mode>', 'etcd stand-in, or Debian\'s real etcd binary').choices(['standin', 'system']).default('standin'))
    .addOption(new Option('--key-type <type>', 'key type of every certificate').choices(['ecdsa', 'rsa']).default('ecdsa'))
    .option('--network <n>', 'address plan: node IPs in 127.(2n).0.0/16, node-local in 127.(2n+1).0.0/16 (default: the first free network, 0 when nothing else runs)', whole('--network', 0, 63))
    .option('--port-offset <n>', 'serve everything on 127.0.0.1, node i shifted by n + 100*i ports', whole('--port-offset', 0, 60000))
    .option('--log-lines-per-second <n>', "container log lines per second when following (default 1), or max: as fast as the reader takes them", (v: string) => {
      if (v === 'max') return 'max';
      const n = Number(v);
      if (!Number.isFinite(n) || n <= 0 || n > 1_000_000) throw new InvalidArgumentError('--log-lines-per-second takes a number from 0 to 1000000, or max');
      return n;
    })
    .option('--agents', 'also run a kia agent per node (port 9472 on the node IP), listed by the lab apiserver as kia-system pods: kia report --cluster works against the lab')
    .option('--detach', 'start in the background and return once every port listens (its output goes to <dir>/lab.log)')
    .option('--demo', 'the README\'s first command: start, print how to reach it, and stop after --for seconds')
    .option('--for <seconds>', 'with --demo: how long to keep the lab up', whole('--for', 0, 86400), 0)
    .action((options: LabUpFlags) => runLabUp({ ...options, dir: labDir(options.dir) }));
  lab
    .command('status')
    .description('show the lab and check that its own processes listen on every endpoint')
    .option('--dir <dir>', 'lab folder', DEFAULT_LAB_DIR)
    .action(async (options: { dir: string }) => {
      const status = await labStatus(labDir(options.dir));
      const { plan, down } = status;
      process.stdout.write(describePlan(plan, status.running));
      process.stdout.write(`${plan.endpoints.length - down.length}/${plan.endpoints.length} endpoints listening${status.running && down.length ? `; down: ${down.slice(0, 8).map((e) => `${e.address}:${e.number}`).join(' ')}` : ''}\n`);
      if (!status.running) process.stdout.write(`no process of this lab runs: start it with kia lab up --dir ${plan.dir}\n`);
      const faults = status.running ? await liveFaults(plan) : undefined;
      const shown = faults ?? (status.running ? (plan.faults ?? []) : []);
      if (shown.length > 0) process.stdout.write(`faults${faults ? '' : ' (from lab.json)'}:\n${describeFaults(shown)}`);
      process.exitCode = down.length === 0 ? 0 : 3;
    });
  lab
    .command('ls')
    .description('list the labs running here (this network namespace): folder, network, nodes, version, pid')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json']).default('table'))
    .action((options: { output: 'table' | 'json' }) => {
      const labs = runningLabs(process.env.XDG_RUNTIME_DIR);
      process.stdout.write(options.output === 'json' ? `${JSON.stringify(labs.map(({ argv0: _a, startTime: _s, ...l }) => l), null, 2)}\n` : describeLabs(labs));
    });
  lab
    .command('fault')
    .description('inject a fault into one component of a running lab, or clear it')
    .argument('<node>', 'node name (kia-control-plane, kia-worker-1, ...)')
    .argument('<component>', 'etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubelet or kube-proxy (kube- may be left out)')
    .argument('<fault...>', `${FAULT_NAMES.join(', ')}; unhealthy[:<check>], cert-expiring <days>, drift <field>=<value>`)
    .option('--dir <dir>', 'lab folder', DEFAULT_LAB_DIR)
    .addHelpText('after', [
      '',
      'Faults:',
      '  down                  the ports close and open connections are cut, as a dead process',
      '  hang                  connections are accepted and never answered (open ones stop too)',
      '  unhealthy[:<check>]   a health check fails as upstream reports it (kubelet syncloop, apiserver etcd,',
      '                        controller-manager/scheduler leaderElection, etcd NOSPACE|CORRUPT|leader, kube-proxy stale)',
      '  stale | frozen        kube-proxy: 503 with lastUpdated stuck | 200 with lastUpdated stuck',
      '  cert-expiring <days>  every serving certificate reissued to expire in <days> days',
      '  drift <field>=<value> kubelet, controller-manager, scheduler: /configz serves the value, the node keeps its own',
      '                        (readOnlyPort=10255; Generic.Debugging.EnableProfiling=false; EnableProfiling=false)',
      '  clear                 undo every fault of that component',
      '',
      'Example: kia lab fault kia-worker-1 kubelet unhealthy:syncloop',
    ].join('\n'))
    .action(async (node: string, component: string, words: string[], options: { dir: string }) => {
      const fault = parseFault(words);
      const id = parseComponent(component);
      const plan = readPlan(labDir(options.dir));
      // The control socket is the supervisor's: without it running there is nobody to ask.
      if (!runningSupervisor(plan.dir)) throw new InputError(`no running lab in ${plan.dir} (start one with kia lab up --detach)`);
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
    .description('stop the lab in a folder: every process it started, found from <dir>/run/ even when lab.json is gone or stale')
    .option('--dir <dir>', 'lab folder', DEFAULT_LAB_DIR)
    .action(async (options: { dir: string }) => {
      const dir = labDir(options.dir);
      if (!existsSync(resolve(dir, LAB_FILE)) && !existsSync(resolve(dir, 'run'))) throw new InputError(`no lab in ${dir}: ${LAB_FILE} not found`);
      const stopped = await stopLab(dir);
      process.stdout.write(stopped > 0 ? `lab in ${dir} stopped\n` : `no running lab in ${dir}\n`);
    });
}
