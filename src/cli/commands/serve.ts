// `kia serve`: probe every health endpoint on an interval; serve /metrics for Prometheus, a live dashboard and its
// JSON API. Loopback by default.
import type { Command } from 'commander';
import { readCaFile } from '../../clients/identity.ts';
import { InputError, UsageError } from '../../errors.ts';
import { DEFAULT_PROXY_STALE_AFTER_SECONDS } from '../../health/index.ts';
import { loadServeConfig, serve, type ServeConfig } from '../../serve/index.ts';
import { addCredentialFlags, CREDENTIAL_PRECEDENCE, type CredentialFlags } from '../flags/credentials.ts';
import { isLoopback, parseListen, readSecretFile } from '../flags/listen.ts';
import { numberOption } from '../flags/numbers.ts';
import { addTargetFlags, type TargetFlags } from '../flags/targets.ts';
import { addTimeFlags, deadlineFor, withinDeadline, type TimeFlags } from '../flags/time.ts';
import { stopSignal } from '../stop-signal.ts';
import { planHealth, type HealthFlags } from './health.ts';

interface ServeFlags extends CredentialFlags, TargetFlags, Partial<TimeFlags> {
  config?: string;
  listen?: string;
  allowedHost?: string[];
  interval?: number;
  jitter?: number;
  concurrency?: number;
  keepAlive?: boolean;
  auditInterval?: number;
  proxyStaleAfter?: number;
  authTokenFile?: string;
  tlsCert?: string;
  tlsKey?: string;
  clientCa?: string;
  allowRemote?: boolean;
}

/** Setting up (reading the config, listing nodes, finding endpoints, listening) must be done within 2 minutes. */
const SETUP_DEADLINE_MS = 120_000;

/** Flags win over the config file; the config's credential paths fill what the flags leave out. */
function merge(flags: ServeFlags, config: ServeConfig): HealthFlags {
  const c = config.credentials ?? {};
  const entries: [keyof HealthFlags, unknown][] = [
    ['lab', flags.lab ?? config.lab],
    ['file', flags.file ?? config.targetsFile],
    ['kubeconfig', flags.kubeconfig ?? config.kubeconfig],
    ['context', flags.context ?? config.context],
    ['cert', flags.cert ?? c.cert],
    ['key', flags.key ?? c.key],
    ['etcdCert', flags.etcdCert ?? c.etcdCert],
    ['etcdKey', flags.etcdKey ?? c.etcdKey],
    ['cacert', flags.cacert ?? c.cacert],
    ['tokenFile', flags.tokenFile ?? c.tokenFile],
    ['yes', flags.yes],
  ];
  return {
    ...(Object.fromEntries(entries.filter(([, v]) => v !== undefined)) as Partial<HealthFlags>),
    insecureSkipTlsVerify: flags.insecureSkipTlsVerify ?? c.insecureSkipVerify ?? false,
    timeout: flags.timeout ?? config.timeout ?? 5000,
    proxyStaleAfter: flags.proxyStaleAfter ?? config.proxyStaleAfter ?? DEFAULT_PROXY_STALE_AFTER_SECONDS,
  };
}

export function registerServe(program: Command): void {
  const command = program
    .command('serve')
    .argument('[targets...]', 'hostnames, IPs or CIDR ranges; none = this node (or --lab, --kubeconfig, --config)')
    .description('probe every health endpoint on an interval; serve /metrics (Prometheus), a live dashboard at / and a JSON API under /api/')
    .option('--config <file>', 'YAML: targets, credentials by file path, intervals, listen, auth (flags win)')
    .option('--listen <host:port>', 'where to listen (default 127.0.0.1:9470)')
    .option('--allow-remote', 'allow --listen on a non-loopback address (with --auth-token-file or --client-ca)')
    .option('--allowed-host <name>', 'a name (or name:port) browsers may reach kia by besides the listen address, localhost and loopback IPs; repeatable (any other Host header is refused: DNS rebinding)', (name: string, all: string[] = []) => [...all, name])
    .addOption(numberOption('--interval <seconds>', 'seconds between probe cycles (default 30)', { kind: 'decimal', min: 0.05, max: 86_400 }))
    .addOption(numberOption('--jitter <fraction>', 'each wait varies by up to this fraction of the interval (default 0.1)', { kind: 'decimal', min: 0, max: 0.5 }))
    .addOption(numberOption('--concurrency <n>', 'endpoints probed at once (default 64)', { kind: 'integer', min: 1, max: 4096 }))
    .option('--keep-alive', 'keep connections between cycles (default: a new connection per probe, like blackbox_exporter)')
    .addOption(numberOption('--audit-interval <seconds>', 'seconds between audits (findings); 0 = never (default 600)', { kind: 'decimal', min: 0, max: 604_800 }))
    .addOption(numberOption('--proxy-stale-after <seconds>', 'kube-proxy lastUpdated this far behind is stale (default 60)', { kind: 'integer', min: 1, max: 86_400 }));
  addTargetFlags(command, { verb: 'watch', lab: "a lab's endpoints, with its own credentials" });
  addCredentialFlags(command, { etcd: true, noInlineToken: true, texts: { cacert: 'CA bundle the served certificates are checked against; tokens go only to servers it verifies' } });
  command
    .option('--auth-token-file <file>', 'require this bearer token from scrapers and browsers')
    .option('--tls-cert <file>', 'serve HTTPS with this certificate')
    .option('--tls-key <file>', 'key of --tls-cert')
    .option('--client-ca <file>', 'with --tls-cert: require client certificates signed by this CA');
  // --timeout keeps no default here: the config file's `timeout` applies when the flag is absent (then 5 s).
  addTimeFlags(command, { deadline: '2m, for setting up (listing nodes, finding endpoints, listening); probing then runs until Ctrl-C', setupOnly: true });
  command.addHelpText('after', `\n${CREDENTIAL_PRECEDENCE}\n`);
  command.action(async (args: string[], flags: ServeFlags) => {
    const deadline = deadlineFor({ timeout: 0, ...(flags.deadline !== undefined ? { deadline: flags.deadline } : {}) }, SETUP_DEADLINE_MS);
    const config: ServeConfig = flags.config ? loadServeConfig(flags.config) : {};
    const a = config.auth ?? {};
    const healthFlags = merge(flags, config);
    const targets = args.length > 0 ? args : (config.targets ?? []);
    const plan = await withinDeadline(deadline, planHealth(targets, healthFlags, deadline.signal));
    if (plan.endpoints.length === 0) throw new InputError(`nothing to watch: ${plan.notes.join('; ') || 'no endpoints'}`);
    const listen = parseListen(flags.listen ?? config.listen ?? '127.0.0.1:9470');
    const tokenFile = flags.authTokenFile ?? a.tokenFile;
    const tlsCert = flags.tlsCert ?? a.tlsCert;
    const tlsKey = flags.tlsKey ?? a.tlsKey;
    const clientCa = flags.clientCa ?? a.clientCa;
    if ((tlsCert === undefined) !== (tlsKey === undefined)) throw new UsageError('--tls-cert and --tls-key go together');
    if (clientCa && !tlsCert) throw new UsageError('--client-ca needs --tls-cert and --tls-key');
    if (!isLoopback(listen.host)) {
      if (!flags.allowRemote) throw new UsageError(`--listen ${listen.host} is not loopback: add --allow-remote (and require a token or client certificates)`);
      if (!tokenFile && !clientCa) throw new UsageError('listening beyond loopback needs --auth-token-file or --client-ca');
    }
    const service = await withinDeadline(
      deadline,
      serve({
        endpoints: plan.endpoints,
        auditTargets: plan.auditTargets,
        identities: plan.identities,
        trust: plan.trust,
        intervalMs: (flags.interval ?? config.interval ?? 30) * 1000,
        jitter: flags.jitter ?? config.jitter ?? 0.1,
        concurrency: flags.concurrency ?? config.concurrency ?? 64,
        timeoutMs: healthFlags.timeout,
        keepAlive: flags.keepAlive ?? config.keepAlive ?? false,
        auditIntervalMs: (flags.auditInterval ?? config.auditInterval ?? 600) * 1000,
        historySize: config.historySize ?? 60,
        proxyStaleAfterSeconds: healthFlags.proxyStaleAfter ?? DEFAULT_PROXY_STALE_AFTER_SECONDS,
        notes: plan.notes,
        listen: {
          ...listen,
          allowedHosts: flags.allowedHost ?? config.allowedHosts ?? [],
          ...(tokenFile ? { token: readSecretFile(tokenFile, 'token file') } : {}),
          ...(tlsCert && tlsKey ? { tls: { cert: readSecretFile(tlsCert, 'certificate'), key: readSecretFile(tlsKey, 'key'), ...(clientCa ? { clientCa: readCaFile(clientCa, '--client-ca') ?? '' } : {}) } } : {}),
        },
      }),
    );
    // Set up: the deadline does not bound the probing that follows.
    deadline.clear();
    service.on('failure', (error) => process.stderr.write(`kia serve: ${error.message}\n`));
    // Heard before the line that says where kia listens: a Ctrl-C sent on reading it finds its handler.
    const stop = stopSignal();
    process.stderr.write(`kia serve: ${plan.endpoints.length} endpoints on ${new Set(plan.endpoints.map((e) => e.target.node ?? e.target.host)).size} nodes; dashboard ${service.url} · metrics ${service.url}metrics\n`);
    await stop.promise;
    await service.close();
  });
}
