// `kia serve`: probe every health endpoint on an interval; serve /metrics for Prometheus, a live dashboard and its
// JSON API. Loopback by default.
import { readFileSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { readCaFile } from '../../clients/identity.ts';
import { InputError, UsageError } from '../../errors.ts';
import { DEFAULT_PROXY_STALE_AFTER_SECONDS } from '../../health/index.ts';
import { loadServeConfig, serve, type ServeConfig } from '../../serve/index.ts';
import { planHealth, type HealthFlags } from './health.ts';

interface ServeFlags {
  config?: string;
  listen?: string;
  allowedHost?: string[];
  interval?: number;
  jitter?: number;
  concurrency?: number;
  timeout?: number;
  keepAlive?: boolean;
  auditInterval?: number;
  proxyStaleAfter?: number;
  lab?: string;
  file?: string;
  kubeconfig?: string | true;
  context?: string;
  cert?: string;
  key?: string;
  etcdCert?: string;
  etcdKey?: string;
  cacert?: string;
  tokenFile?: string;
  insecureSkipVerify?: boolean;
  authTokenFile?: string;
  tlsCert?: string;
  tlsKey?: string;
  clientCa?: string;
  allowRemote?: boolean;
}

function number(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min || n > max) throw new InvalidArgumentError(`${name} takes a number from ${min} to ${max}`);
    return n;
  };
}

export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(text);
  const port = Number(m?.[3]);
  if (!m || port > 65535) throw new UsageError(`--listen takes HOST:PORT (127.0.0.1:9470, [::1]:9470): ${text}`);
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}

function isLoopback(host: string): boolean {
  return /^127\./.test(host) || host === '::1' || host === 'localhost';
}

function readSecretFile(path: string, what: string): string {
  try {
    const text = readFileSync(path, 'utf8').trim();
    if (!text) throw new InputError(`${what} ${path} is empty`);
    return text;
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .argument('[targets...]', 'hostnames, IPs or CIDR ranges; none = this node (or --lab, --kubeconfig, --config)')
    .description('probe every health endpoint on an interval; serve /metrics (Prometheus), a live dashboard at / and a JSON API under /api/')
    .option('--config <file>', 'YAML: targets, credentials by file path, intervals, listen, auth (flags win)')
    .option('--listen <host:port>', 'where to listen (default 127.0.0.1:9470)')
    .option('--allow-remote', 'allow --listen on a non-loopback address (with --auth-token-file or --client-ca)')
    .option('--allowed-host <name>', 'a name (or name:port) browsers may reach kia by besides the listen address, localhost and loopback IPs; repeatable (any other Host header is refused: DNS rebinding)', (name: string, all: string[] = []) => [...all, name])
    .option('--interval <seconds>', 'seconds between probe cycles (default 30)', number('--interval', 0.05, 86_400))
    .option('--jitter <fraction>', 'each wait varies by up to this fraction of the interval (default 0.1)', number('--jitter', 0, 0.5))
    .option('--concurrency <n>', 'endpoints probed at once (default 64)', number('--concurrency', 1, 4096))
    .option('--timeout <ms>', 'timeout of every connection and request (default 5000)', number('--timeout', 100, 120_000))
    .option('--keep-alive', 'keep connections between cycles (default: a new connection per probe, like blackbox_exporter)')
    .option('--audit-interval <seconds>', 'seconds between audits (findings); 0 = never (default 600)', number('--audit-interval', 0, 604_800))
    .option('--proxy-stale-after <seconds>', 'kube-proxy lastUpdated this far behind is stale (default 60)', number('--proxy-stale-after', 1, 86_400))
    .option('--lab <dir>', "a lab's endpoints, with its own credentials")
    .option('--file <path>', 'a file of targets, one per line')
    .option('--kubeconfig [path]', "nodes through the API server; ask as the kubeconfig's user")
    .option('--context <name>', 'kubeconfig context')
    .option('--cert <file>', 'client certificate (PEM) for routes that need credentials')
    .option('--key <file>', 'key of --cert')
    .option('--etcd-cert <file>', 'etcd client certificate for /health on 2379')
    .option('--etcd-key <file>', 'key of --etcd-cert')
    .option('--cacert <file>', 'CA bundle the served certificates are checked against')
    .option('--token-file <file>', 'bearer token file to probe with')
    .option('--insecure-skip-tls-verify', 'send bearer tokens to servers whose certificate does not verify')
    .option('--auth-token-file <file>', 'require this bearer token from scrapers and browsers')
    .option('--tls-cert <file>', 'serve HTTPS with this certificate')
    .option('--tls-key <file>', 'key of --tls-cert')
    .option('--client-ca <file>', 'with --tls-cert: require client certificates signed by this CA')
    .action(async (args: string[], flags: ServeFlags) => {
      const config: ServeConfig = flags.config ? loadServeConfig(flags.config) : {};
      const c = config.credentials ?? {};
      const a = config.auth ?? {};
      const healthFlags: HealthFlags = {
        ...((flags.lab ?? config.lab) ? { lab: flags.lab ?? config.lab } : {}),
        ...((flags.file ?? config.targetsFile) ? { file: flags.file ?? config.targetsFile } : {}),
        ...((flags.kubeconfig ?? config.kubeconfig) ? { kubeconfig: flags.kubeconfig ?? config.kubeconfig } : {}),
        ...((flags.context ?? config.context) ? { context: flags.context ?? config.context } : {}),
        ...((flags.cert ?? c.cert) ? { cert: flags.cert ?? c.cert } : {}),
        ...((flags.key ?? c.key) ? { key: flags.key ?? c.key } : {}),
        ...((flags.etcdCert ?? c.etcdCert) ? { etcdCert: flags.etcdCert ?? c.etcdCert } : {}),
        ...((flags.etcdKey ?? c.etcdKey) ? { etcdKey: flags.etcdKey ?? c.etcdKey } : {}),
        ...((flags.cacert ?? c.cacert) ? { cacert: flags.cacert ?? c.cacert } : {}),
        ...((flags.tokenFile ?? c.tokenFile) ? { tokenFile: flags.tokenFile ?? c.tokenFile } : {}),
        insecureSkipVerify: flags.insecureSkipVerify ?? c.insecureSkipVerify ?? false,
        timeout: flags.timeout ?? config.timeout ?? 5000,
        output: 'table',
        interval: 1,
        proxyStaleAfter: flags.proxyStaleAfter ?? config.proxyStaleAfter ?? DEFAULT_PROXY_STALE_AFTER_SECONDS,
      };
      const targets = args.length > 0 ? args : (config.targets ?? []);
      const plan = await planHealth(targets, healthFlags);
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
      const service = await serve({
        endpoints: plan.endpoints,
        identities: plan.identities,
        ...(plan.ca ? { ca: plan.ca } : {}),
        insecureSkipVerify: healthFlags.insecureSkipVerify === true,
        intervalMs: (flags.interval ?? config.interval ?? 30) * 1000,
        jitter: flags.jitter ?? config.jitter ?? 0.1,
        concurrency: flags.concurrency ?? config.concurrency ?? 64,
        timeoutMs: healthFlags.timeout,
        keepAlive: flags.keepAlive ?? config.keepAlive ?? false,
        auditIntervalMs: (flags.auditInterval ?? config.auditInterval ?? 600) * 1000,
        historySize: config.historySize ?? 60,
        proxyStaleAfterSeconds: healthFlags.proxyStaleAfter,
        notes: plan.notes,
        worker: true,
        listen: {
          ...listen,
          allowedHosts: flags.allowedHost ?? config.allowedHosts ?? [],
          ...(tokenFile ? { token: readSecretFile(tokenFile, 'token file') } : {}),
          ...(tlsCert && tlsKey ? { tls: { cert: readSecretFile(tlsCert, 'certificate'), key: readSecretFile(tlsKey, 'key'), ...(clientCa ? { clientCa: readCaFile(clientCa, '--client-ca') ?? '' } : {}) } } : {}),
        },
      });
      service.on('failure', (error) => process.stderr.write(`kia serve: ${error.message}\n`));
      process.stderr.write(`kia serve: ${plan.endpoints.length} endpoints on ${new Set(plan.endpoints.map((e) => e.node)).size} nodes; dashboard ${service.url} · metrics ${service.url}metrics\n`);
      await new Promise<void>((done) => {
        const stop = () => void service.close().then(done);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
