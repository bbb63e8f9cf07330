// `kia health [TARGET...]`: every component of every node through its own health endpoints, as upstream means them.
import { resolve } from 'node:path';
import { hostname } from 'node:os';
import type { Command } from 'commander';
import YAML from 'yaml';
import { certificateIdentity, readCaFile, type Identity } from '../../clients/identity.ts';
import { UsageError } from '../../errors.ts';
import { healthExitCode, renderHealthTable, DEFAULT_PROXY_STALE_AFTER_SECONDS } from '../../health/index.ts';
import { discoverHealthEndpoints, endpointsFromLab, endpointsFromLocal } from '../../discover/inventory.ts';
import { readLabFile, labTargets } from '../../targets/lab-file.ts';
import type { LabFiles, LabPlan } from '../../model/lab-plan.ts';
import { Cycle } from '../../pipelines/cycle.ts';
import { checkHealth } from '../../pipelines/health.ts';
import type { Trust } from '../../clients/transport/trust.ts';
import type { HealthReport, OpenPort, Target } from '../../model/index.ts';
import { addCredentialFlags, CREDENTIAL_PRECEDENCE, readCredentials, type CredentialFlags } from '../flags/credentials.ts';
import { addFormatFlags, colorOn, writeResult, type FormatFlags } from '../flags/format.ts';
import { formatDuration, numberOption } from '../flags/numbers.ts';
import { addTargetFlags, isLocal, readTargets, TARGETS_ARGUMENT, type TargetFlags } from '../flags/targets.ts';
import { addTimeFlags, deadlineFor, scaleDeadline, withinDeadline, type Deadline, type TimeFlags } from '../flags/time.ts';
import { endAfterDeadline, EXIT } from '../output.ts';

export interface HealthFlags extends CredentialFlags, TargetFlags, TimeFlags, Partial<FormatFlags> {
  output?: 'table' | 'json' | 'yaml';
  watch?: boolean;
  interval?: number;
  proxyStaleAfter?: number;
  keepAlive?: boolean;
}

/** A one-shot check's default deadline: two minutes, plus 100 ms for every node address past the first (scaleDeadline). */
const DEADLINE_BASE_MS = 120_000;

export interface HealthPlan {
  endpoints: OpenPort[];
  /** What an audit of the same inventory hunts (kia serve). */
  auditTargets: Target[];
  identities: Identity[];
  trust: Trust;
  notes: string[];
}

/** The credentials a lab folder holds, used when the flags give none of that kind. */
function labCredentials(lab: LabPlan, flags: HealthFlags): { identities: Identity[]; ca?: string } {
  const path = (name: keyof LabFiles): string | undefined => lab.files[name];
  const [adminCert, adminKey, etcdCert, etcdKey] = [path('adminCert'), path('adminKey'), path('etcdClientCert'), path('etcdClientKey')];
  const identities: Identity[] = [];
  if (!flags.cert && flags.token === undefined && !flags.tokenFile && flags.kubeconfig === undefined && adminCert && adminKey) identities.push(certificateIdentity(adminCert, adminKey, 'lab-admin'));
  if (!flags.etcdCert && etcdCert && etcdKey) identities.push(certificateIdentity(etcdCert, etcdKey, 'lab-etcd-healthcheck-client'));
  const bundle = [path('ca'), path('etcdCa')].filter((p): p is string => p !== undefined).map((p) => readCaFile(p, '--lab')).join('');
  return { identities, ...(bundle ? { ca: bundle } : {}) };
}

/** Flags -> the endpoints to expect and who to ask as. A lab brings its own credentials unless others are given. */
export async function planHealth(args: readonly string[], flags: HealthFlags, signal?: AbortSignal): Promise<HealthPlan> {
  const notes: string[] = [];
  const credentials = await readCredentials(flags, signal ? { signal } : {});
  const identities = [...credentials.identities, ...(credentials.etcd ? [credentials.etcd] : [])];
  let ca = credentials.trust.ca;
  let endpoints: OpenPort[] = [];
  const auditTargets: Target[] = [];
  if (flags.lab) {
    const lab = readLabFile(resolve(flags.lab));
    endpoints.push(...endpointsFromLab(lab));
    auditTargets.push(...labTargets(lab));
    const own = labCredentials(lab, flags);
    identities.push(...own.identities);
    ca ??= own.ca;
  }
  if (args.length > 0 || flags.file || (flags.kubeconfig !== undefined && !flags.lab)) {
    const targets = await readTargets(args, flags, { ...(credentials.kube ? { kube: credentials.kube } : {}), lab: false, timeoutMs: flags.timeout, ...(signal ? { signal } : {}) });
    if (targets.length === 0) throw new UsageError('no targets to check');
    auditTargets.push(...targets);
    endpoints.push(...(await discoverHealthEndpoints(targets, { timeoutMs: flags.timeout, ...(signal ? { signal } : {}) })));
    if (endpoints.length === 0) notes.push(`no health port answered on ${targets.length} target${targets.length === 1 ? '' : 's'}`);
  } else if (isLocal(args, flags)) {
    if (process.platform !== 'linux') throw new UsageError('a local health check reads /proc: give targets on this platform');
    const { discoverLocal } = await import('../../discover/local.ts');
    const found = await discoverLocal({});
    notes.push(...found.notes);
    endpoints = endpointsFromLocal(found.ports, hostname());
    if (endpoints.length === 0) notes.push('no Kubernetes component listens on this node');
  }
  const insecureSkipVerify = credentials.trust.insecureSkipVerify;
  if (insecureSkipVerify) notes.push('TLS verification was off (--insecure-skip-tls-verify): tokens were sent to servers that did not verify');
  const trust: Trust = { ...(ca ? { ca } : {}), ...(insecureSkipVerify ? { insecureSkipVerify } : {}), ...(credentials.trust.serverName ? { serverName: credentials.trust.serverName } : {}) };
  return { endpoints, auditTargets, identities, trust, notes };
}

function render(report: HealthReport, flags: HealthFlags): string {
  if (flags.output === 'json') return JSON.stringify(report, null, 2) + '\n';
  if (flags.output === 'yaml') return YAML.stringify(report);
  return renderHealthTable(report, { color: colorOn(flags), ...(process.stdout.isTTY ? { width: process.stdout.columns ?? 160 } : {}) });
}

/** Redraws the report every --interval until Ctrl-C; the exit code is the last state's. */
async function watch(once: () => Promise<HealthReport>, flags: HealthFlags): Promise<void> {
  let stopped = false;
  const stop = () => {
    stopped = true;
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  while (!stopped) {
    const report = await once();
    const clear = process.stdout.isTTY ? '\x1b[H\x1b[2J' : '';
    process.stdout.write(`${clear}${render(report, flags)}${process.stdout.isTTY ? `\nevery ${flags.interval ?? 5} s; Ctrl-C to stop\n` : ''}`);
    process.exitCode = healthExitCode(report);
    await new Promise<void>((done) => {
      const timer = setTimeout(done, (flags.interval ?? 5) * 1000);
      const early = () => {
        clearTimeout(timer);
        done();
      };
      process.once('SIGINT', early);
      process.once('SIGTERM', early);
    });
  }
}

async function runHealth(args: readonly string[], flags: HealthFlags, deadline: Deadline): Promise<void> {
  const plan = await withinDeadline(deadline, planHealth(args, flags, deadline.signal));
  const options = {
    identities: plan.identities,
    trust: plan.trust,
    timeoutMs: flags.timeout,
    proxyStaleAfterSeconds: flags.proxyStaleAfter ?? DEFAULT_PROXY_STALE_AFTER_SECONDS,
    notes: plan.notes,
  };
  const once = (signal: AbortSignal) => checkHealth(plan.endpoints, { ...options, signal });
  if (flags.watch) {
    // --watch: the deadline covered setting up; the cycles run until Ctrl-C, on one cycle's kept sessions.
    deadline.clear();
    const cycle = new Cycle({ ...options, endpoints: plan.endpoints, auditTargets: plan.auditTargets, keepAlive: flags.keepAlive === true });
    try {
      await watch(() => cycle.health(), flags);
    } finally {
      cycle.close();
    }
    return;
  }
  {
    scaleDeadline(deadline, flags, DEADLINE_BASE_MS, new Set(plan.endpoints.map((e) => e.address)).size);
    const report = await withinDeadline(deadline, once(deadline.signal), `health of ${plan.endpoints.length} endpoints: no report`);
    if (deadline.expired()) {
      report.notes.push(`the deadline of ${formatDuration(deadline.total())} (--deadline) passed: the report holds what answered by then`);
      process.stderr.write(`kia: the deadline of ${formatDuration(deadline.total())} passed (--deadline): the report holds what answered by then\n`);
    }
    writeResult(render(report, flags), flags);
    process.exitCode = deadline.expired() ? Math.max(healthExitCode(report), EXIT.down) : healthExitCode(report);
  }
}

export function registerHealth(program: Command): void {
  const command = program
    .command('health')
    .argument('[targets...]', TARGETS_ARGUMENT)
    .description('check every component through its own health endpoints: etcd /health /livez /readyz, kubelet, kube-proxy, controller-manager, scheduler, apiserver; certificate expiry');
  addTargetFlags(command, { verb: 'check', lab: "check a lab's endpoints with its own credentials (its lab.json)" });
  addCredentialFlags(command, {
    etcd: true,
    texts: {
      cert: 'client certificate (PEM) for routes that need credentials (kubelet 10250 /healthz?verbose)',
      cacert: 'CA bundle: certificates are checked against it, and tokens go only to servers it verifies',
      kubeconfig: "list nodes through the API server and ask as the kubeconfig's user (no value: $KUBECONFIG or ~/.kube/config)",
    },
  });
  addFormatFlags(command, { formats: ['table', 'json', 'yaml'], default: 'table', file: true, color: true });
  command
    .option('--watch', 'redraw a live view until Ctrl-C')
    .addOption(numberOption('--interval <seconds>', 'with --watch: seconds between checks', { kind: 'integer', min: 1, max: 3600 }, 5))
    .addOption(numberOption('--proxy-stale-after <seconds>', 'kube-proxy: lastUpdated this far behind currentTime is stale even on 200', { kind: 'integer', min: 1, max: 86_400 }, DEFAULT_PROXY_STALE_AFTER_SECONDS))
    .option('--keep-alive', 'reuse connections between --watch cycles (default: a new connection per probe)');
  addTimeFlags(command, { timeout: 5000, deadline: '2m, plus 100ms per node address past the first; with --watch it covers setting up only' });
  command.addHelpText('after', `\n${CREDENTIAL_PRECEDENCE}\nExit codes: 0 healthy; 1 degraded or unknown; 2 bad input; 3 down, or the deadline passed.\n`);
  command.action(async (args: string[], flags: HealthFlags) => {
    const deadline = deadlineFor(flags, DEADLINE_BASE_MS);
    try {
      await runHealth(args, flags, deadline);
    } finally {
      deadline.clear();
      if (deadline.expired()) endAfterDeadline();
    }
  });
}
