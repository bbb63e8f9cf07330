// `kia health [TARGET...]`: every component of every node through its own health endpoints, as upstream means them.
import { resolve } from 'node:path';
import { hostname } from 'node:os';
import { InvalidArgumentError, Option, type Command } from 'commander';
import YAML from 'yaml';
import { certificateIdentity, readCaFile, type Identity } from '../../clients/identity.ts';
import { CredentialError, UsageError } from '../../errors.ts';
import { healthExitCode, renderHealthTable, DEFAULT_PROXY_STALE_AFTER_SECONDS } from '../../health/index.ts';
import { discoverHealthEndpoints, endpointsFromLab, endpointsFromLocal } from '../../discover/inventory.ts';
import { readLabFile, labTargets } from '../../targets/lab-file.ts';
import { Cycle } from '../../pipelines/cycle.ts';
import type { HealthReport, OpenPort, Target } from '../../model/index.ts';
import type { Trust } from '../../clients/transport/trust.ts';
import { collectIdentities, collectTargets, type HuntFlags } from './hunt.ts';

export interface HealthFlags extends Pick<HuntFlags, 'lab' | 'file' | 'kubeconfig' | 'context' | 'cert' | 'key' | 'cacert' | 'token' | 'tokenFile' | 'insecureSkipVerify' | 'insecureSkipTlsVerify' | 'yes' | 'timeout'> {
  etcdCert?: string;
  etcdKey?: string;
  output: 'table' | 'json' | 'yaml';
  watch?: boolean;
  interval: number;
  proxyStaleAfter: number;
  keepAlive?: boolean;
  color?: boolean;
}

function whole(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} takes a whole number from ${min} to ${max}`);
    return n;
  };
}

export interface HealthPlan {
  endpoints: OpenPort[];
  /** What an audit of the same inventory hunts (kia serve). */
  auditTargets: Target[];
  identities: Identity[];
  trust: Trust;
  notes: string[];
}

/** Flags -> the endpoints to expect and who to ask as. A lab brings its own credentials unless others are given. */
export async function planHealth(args: readonly string[], flags: HealthFlags): Promise<HealthPlan> {
  const notes: string[] = [];
  const identities = await collectIdentities({ ...flags, output: 'text' } as HuntFlags);
  let ca = readCaFile(flags.cacert);
  if (flags.etcdCert || flags.etcdKey) {
    if (!flags.etcdCert || !flags.etcdKey) throw new CredentialError('--etcd-cert and --etcd-key go together');
    identities.push(certificateIdentity(flags.etcdCert, flags.etcdKey, 'etcd-client'));
  }
  let endpoints: OpenPort[] = [];
  const auditTargets: Target[] = [];
  if (flags.lab) {
    const lab = readLabFile(resolve(flags.lab));
    endpoints.push(...endpointsFromLab(lab));
    auditTargets.push(...labTargets(lab));
    const path = (name: string) => lab.files[name];
    const [adminCert, adminKey, etcdCert, etcdKey] = [path('adminCert'), path('adminKey'), path('etcdClientCert'), path('etcdClientKey')];
    if (!flags.cert && !flags.token && !flags.tokenFile && !flags.kubeconfig && adminCert && adminKey) identities.push(certificateIdentity(adminCert, adminKey, 'lab-admin'));
    if (!flags.etcdCert && etcdCert && etcdKey) identities.push(certificateIdentity(etcdCert, etcdKey, 'lab-etcd-healthcheck-client'));
    if (!ca) {
      const bundle = [path('ca'), path('etcdCa')].filter((p): p is string => p !== undefined).map((p) => readCaFile(p, '--lab')).join('');
      if (bundle) ca = bundle;
    }
  }
  if (args.length > 0 || flags.file || (flags.kubeconfig && !flags.lab)) {
    const { targets } = await collectTargets(args, { ...flags, lab: undefined, output: 'text' } as HuntFlags);
    if (targets.length === 0) throw new UsageError('no targets to check');
    auditTargets.push(...targets);
    endpoints.push(...(await discoverHealthEndpoints(targets, { timeoutMs: flags.timeout })));
    if (endpoints.length === 0) notes.push(`no health port answered on ${targets.length} target${targets.length === 1 ? '' : 's'}`);
  } else if (!flags.lab) {
    if (process.platform !== 'linux') throw new UsageError('a local health check reads /proc: give targets on this platform');
    const { discoverLocal } = await import('../../discover/local.ts');
    const found = await discoverLocal({});
    notes.push(...found.notes);
    endpoints = endpointsFromLocal(found.ports, hostname());
    if (endpoints.length === 0) notes.push('no Kubernetes component listens on this node');
  }
  const insecureSkipVerify = flags.insecureSkipVerify === true || flags.insecureSkipTlsVerify === true;
  return { endpoints, auditTargets, identities, trust: { ...(ca ? { ca } : {}), ...(insecureSkipVerify ? { insecureSkipVerify } : {}) }, notes };
}

function render(report: HealthReport, flags: HealthFlags): string {
  if (flags.output === 'json') return JSON.stringify(report, null, 2) + '\n';
  if (flags.output === 'yaml') return YAML.stringify(report);
  return renderHealthTable(report, { color: flags.color !== false && process.stdout.isTTY === true && !process.env.NO_COLOR, ...(process.stdout.isTTY ? { width: process.stdout.columns ?? 160 } : {}) });
}

export function registerHealth(program: Command): void {
  program
    .command('health')
    .argument('[targets...]', 'hostnames, IPs or CIDR ranges; none = this node (listening sockets from /proc)')
    .description('check every component through its own health endpoints: etcd /health /livez /readyz, kubelet, kube-proxy, controller-manager, scheduler, apiserver; certificate expiry')
    .option('--lab <dir>', "check a lab's endpoints with its own credentials (its lab.json)")
    .option('--file <path>', 'a file of targets, one per line')
    .option('--kubeconfig [path]', "list nodes through the API server and ask as the kubeconfig's user")
    .option('--context <name>', 'kubeconfig context')
    .option('--cert <file>', 'client certificate (PEM) for routes that need credentials (kubelet 10250 /healthz?verbose)')
    .option('--key <file>', 'key of --cert')
    .option('--etcd-cert <file>', "etcd client certificate (kubeadm's healthcheck-client) for /health on 2379")
    .option('--etcd-key <file>', 'key of --etcd-cert')
    .option('--cacert <file>', 'CA bundle: certificates are checked against it, and tokens go only to servers it verifies')
    .option('--token <token>', 'bearer token')
    .option('--token-file <file>', 'bearer token file')
    .option('--insecure-skip-tls-verify', 'send bearer tokens to servers whose certificate does not verify')
    .option('--yes', 'check ranges larger than a /16')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json', 'yaml']).default('table'))
    .option('--watch', 'redraw a live view until Ctrl-C')
    .option('--interval <seconds>', 'with --watch: seconds between checks', whole('--interval', 1, 3600), 5)
    .option('--proxy-stale-after <seconds>', "kube-proxy: lastUpdated this far behind currentTime is stale even on 200", whole('--proxy-stale-after', 1, 86400), DEFAULT_PROXY_STALE_AFTER_SECONDS)
    .option('--keep-alive', 'reuse connections between --watch cycles (default: a new connection per probe)')
    .option('--timeout <ms>', 'timeout of every connection and request', whole('--timeout', 100, 120_000), 5000)
    .option('--no-color', 'no colours')
    .action(async (args: string[], flags: HealthFlags) => {
      const plan = await planHealth(args, flags);
      const cycle = new Cycle({
        endpoints: plan.endpoints,
        auditTargets: plan.auditTargets,
        identities: plan.identities,
        trust: plan.trust,
        timeoutMs: flags.timeout,
        keepAlive: flags.keepAlive === true,
        proxyStaleAfterSeconds: flags.proxyStaleAfter,
        notes: plan.notes,
      });
      const once = () => cycle.health();
      try {
        if (!flags.watch) {
          const report = await once();
          process.stdout.write(render(report, flags));
          process.exitCode = healthExitCode(report);
          return;
        }
        let stopped = false;
        const stop = () => {
          stopped = true;
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        while (!stopped) {
          const report = await once();
          const clear = process.stdout.isTTY ? '\x1b[H\x1b[2J' : '';
          process.stdout.write(`${clear}${render(report, flags)}${process.stdout.isTTY ? `\nevery ${flags.interval} s; Ctrl-C to stop\n` : ''}`);
          process.exitCode = healthExitCode(report);
          await new Promise<void>((done) => {
            const timer = setTimeout(done, flags.interval * 1000);
            const early = () => {
              clearTimeout(timer);
              done();
            };
            process.once('SIGINT', early);
            process.once('SIGTERM', early);
          });
        }
      } finally {
        cycle.close();
      }
    });
}
