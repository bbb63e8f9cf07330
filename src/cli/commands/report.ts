// `kia report --cluster`: one report of every node, from the agents (kia agent, one per node) through the API
// server's pods proxy, rendered as `kia hunt` renders its report, in every format it has.
import { Option, type Command } from 'commander';
import { RULES } from '../../audit/index.ts';
import { readCaFile, tokenFileIdentity } from '../../clients/identity.ts';
import { apiServerAccess } from '../../clients/kube-api.ts';
import { Transport } from '../../clients/transport/transport.ts';
import { NetworkError, UsageError } from '../../errors.ts';
import { SEVERITIES, type Report, type Severity } from '../../model/index.ts';
import { AGENT_SELECTOR, prometheusReport } from '../../pipelines/cluster-prometheus.ts';
import { AGENT_PODS, clusterReport } from '../../pipelines/cluster-report.ts';
import { renderJsonPieces, RENDERERS, type OutputFormat } from '../../report/index.ts';
import { addKubeconfigFlags, readCredentials } from '../flags/credentials.ts';
import { addFormatFlags, colorOn, writeResult, writeResultPieces, type FormatFlags } from '../flags/format.ts';
import { numberOption } from '../flags/numbers.ts';
import { addTimeFlags, deadlineFor, type TimeFlags } from '../flags/time.ts';
import { endAfterDeadline, EXIT } from '../output.ts';
import { huntExitCode } from './hunt.ts';

interface ReportFlags extends FormatFlags, TimeFlags {
  output: OutputFormat;
  cluster?: boolean;
  kubeconfig?: string | true;
  context?: string;
  namespace: string;
  selector: string;
  port: number;
  concurrency: number;
  nodeTimeout: number;
  failOn?: Severity;
  fromPrometheus?: string;
  prometheusSelector: string;
  prometheusCacert?: string;
  prometheusTokenFile?: string;
}

/** Each node's report from its agent, through the API server's pods proxy. */
async function fromAgents(flags: ReportFlags, signal: AbortSignal): Promise<Report> {
  const credentials = await readCredentials({ kubeconfig: flags.kubeconfig ?? true, ...(flags.context ? { context: flags.context } : {}) }, { signal });
  if (!credentials.kube) throw new UsageError('kia report --cluster needs a kubeconfig');
  const token = credentials.kube.user?.token?.reveal();
  const result = await clusterReport({
    access: apiServerAccess(credentials.kube, { timeoutMs: flags.timeout }),
    namespace: flags.namespace,
    labelSelector: flags.selector,
    port: flags.port,
    concurrency: flags.concurrency,
    nodeTimeoutMs: flags.nodeTimeout,
    ...(token ? { forwardToken: token } : {}),
    signal,
  });
  if ('error' in result) throw new NetworkError(result.error);
  const { report } = result;
  if (!token) report.notes.push('the kubeconfig user has no bearer token to forward to the agents: agents with --authorize apiserver refuse the request (give a kubeconfig with a token)');
  return report;
}

/** The summary from Prometheus' query API rather than the agents themselves. */
async function fromPrometheus(flags: ReportFlags & { fromPrometheus: string }, signal: AbortSignal): Promise<Report> {
  let url: URL;
  try {
    url = new URL(flags.fromPrometheus);
  } catch {
    throw new UsageError(`--from-prometheus ${JSON.stringify(flags.fromPrometheus)} is not a URL (http://prometheus:9090)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--from-prometheus ${JSON.stringify(flags.fromPrometheus)}: http:// or https:// only`);
  if (url.username || url.password) throw new UsageError('--from-prometheus: no credentials in the URL (use --prometheus-token-file)');
  const ca = readCaFile(flags.prometheusCacert, '--prometheus-cacert');
  const result = await prometheusReport({
    access: {
      url: url.toString(),
      trust: ca ? { ca } : {},
      ...(flags.prometheusTokenFile ? { identity: tokenFileIdentity(flags.prometheusTokenFile, 'prometheus-token') } : {}),
      transport: new Transport({ timeoutMs: flags.timeout, signal }),
      timeoutMs: flags.timeout,
    },
    selector: flags.prometheusSelector,
  });
  if ('error' in result) throw new NetworkError(result.error);
  return result.report;
}

export function registerReport(program: Command): void {
  const command = program
    .command('report')
    .description("one report of the cluster: each node's kia agent asked through the API server's pods proxy (needs list pods and get pods/proxy in the agents' namespace)")
    .option('--cluster', "merge the agents' node reports")
    .option('--from-prometheus <url>', "the summary from Prometheus' query API instead (up, kia_findings, kia_component_health of the agents' job): no API server access needed, no evidence")
    .option('--prometheus-selector <matchers>', "the agents' series in Prometheus, as PromQL label matchers", AGENT_SELECTOR)
    .option('--prometheus-cacert <file>', 'CA bundle for an https:// Prometheus')
    .option('--prometheus-token-file <file>', 'bearer token for a Prometheus behind an authenticating proxy (sent only to a server that verified)')
    .option('--namespace <name>', "the agents' namespace", AGENT_PODS.namespace)
    .option('--selector <labels>', "the agents' pods", AGENT_PODS.labelSelector)
    .addOption(numberOption('--port <port>', "the agents' port", { kind: 'integer', min: 1, max: 65535 }, AGENT_PODS.port))
    .addOption(numberOption('--concurrency <n>', 'nodes asked at once', { kind: 'integer', min: 1, max: 1024 }, 32))
    .addOption(numberOption('--node-timeout <duration>', 'per node, through the proxy (a bare number is seconds)', { kind: 'duration', min: 100, max: 600_000, bare: 's' }, 20_000));
  addKubeconfigFlags(command, { kubeconfig: 'the cluster and who to ask as (no value: $KUBECONFIG or ~/.kube/config)' });
  addFormatFlags(command, { formats: Object.keys(RENDERERS), default: 'text', file: true, color: true, description: 'report format' });
  command.addOption(new Option('--fail-on <severity>', 'exit 1 when a finding is at or above this severity').choices([...SEVERITIES]));
  addTimeFlags(command, { timeout: 10_000, deadline: '5m' });
  command.addHelpText('after', '\nExit codes: 0 done; 1 findings at or above --fail-on; 2 bad input; 3 the agents could not be listed (or Prometheus asked), or a node did not answer.\n');
  command.action(async (flags: ReportFlags) => {
    if (!flags.cluster && !flags.fromPrometheus) throw new UsageError('kia report needs --cluster (the agents through the API server) or --from-prometheus URL');
    const deadline = deadlineFor(flags, 300_000);
    try {
      const report = flags.fromPrometheus ? await fromPrometheus({ ...flags, fromPrometheus: flags.fromPrometheus }, deadline.signal) : await fromAgents(flags, deadline.signal);
      // A cluster's JSON is written in pieces: a thousand nodes' report is tens of megabytes.
      if (flags.output === 'json') writeResultPieces(renderJsonPieces(report), flags);
      else writeResult(RENDERERS[flags.output](report, { rules: RULES, color: colorOn(flags) }), flags);
      const code = huntExitCode(report, flags.failOn, deadline.expired());
      process.exitCode = code === EXIT.ok && report.unanswered ? EXIT.down : code;
    } finally {
      deadline.clear();
      if (deadline.expired()) endAfterDeadline();
    }
  });
}
