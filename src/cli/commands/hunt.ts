// `kia hunt [TARGET...]`: find every internal API on a node or a network, classify it, report what is exposed.
import { readFileSync, writeFileSync } from 'node:fs';
import { InvalidArgumentError, Option, type Command } from 'commander';
import YAML from 'yaml';
import { RULES, applyBaseline, atOrAbove, parseBaseline, type Baseline } from '../../audit/index.ts';
import { certificateIdentity, readCaFile, tokenFileIdentity, tokenIdentity, type Identity } from '../../clients/identity.ts';
import { CredentialError, InputError, UsageError } from '../../errors.ts';
import { hunt, type HuntPhase } from '../../hunt.ts';
import { SEVERITIES, type Report, type Severity, type Target } from '../../model/index.ts';
import { kubeconfigIdentity } from '../../clients/kubeconfig.ts';
import { RENDERERS, type OutputFormat } from '../../report/index.ts';
import { parseTarget, targetsFromFile, targetsFromKubeconfig, targetsFromLab, uniqueTargets } from '../../targets/index.ts';

export interface HuntFlags {
  lab?: string;
  file?: string;
  kubeconfig?: string | true;
  context?: string;
  ports?: number[];
  cert?: string;
  key?: string;
  cacert?: string;
  token?: string;
  tokenFile?: string;
  insecureSkipVerify?: boolean;
  active?: boolean;
  yes?: boolean;
  output: OutputFormat;
  outputFile?: string;
  failOn?: Severity;
  baseline?: string;
  timeout: number;
  color?: boolean;
}

function portList(value: string): number[] {
  return value.split(',').map((p) => {
    const n = Number(p.trim());
    if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidArgumentError(`not a port: ${p}`);
    return n;
  });
}

export async function collectTargets(args: readonly string[], flags: HuntFlags): Promise<{ targets: Target[]; local: boolean }> {
  const targets: Target[] = [];
  for (const arg of args) targets.push(...(await parseTarget(arg, { yes: flags.yes === true })));
  if (flags.file) targets.push(...(await targetsFromFile(flags.file, { yes: flags.yes === true })));
  if (flags.lab) targets.push(...targetsFromLab(flags.lab));
  if (flags.kubeconfig && args.length === 0 && !flags.file && !flags.lab) {
    targets.push(...(await targetsFromKubeconfig(flags.kubeconfig === true ? undefined : flags.kubeconfig, flags.context ? { context: flags.context } : {})));
  }
  const unique = uniqueTargets(targets);
  return { targets: unique, local: unique.length === 0 && !flags.kubeconfig };
}

export async function collectIdentities(flags: HuntFlags): Promise<Identity[]> {
  const identities: Identity[] = [];
  if (flags.cert || flags.key) {
    if (!flags.cert || !flags.key) throw new CredentialError('--cert and --key go together');
    identities.push(certificateIdentity(flags.cert, flags.key));
  }
  if (flags.token) identities.push(tokenIdentity(flags.token));
  if (flags.tokenFile) identities.push(tokenFileIdentity(flags.tokenFile));
  if (flags.kubeconfig) {
    const fromKubeconfig = await kubeconfigIdentity(flags.kubeconfig === true ? undefined : flags.kubeconfig, flags.context);
    if (fromKubeconfig) identities.push(fromKubeconfig);
  }
  return identities;
}

function progress(enabled: boolean): ((phase: HuntPhase, done: number, total: number) => void) | undefined {
  if (!enabled) return undefined;
  let last = 0;
  return (phase, done, total) => {
    const now = Date.now();
    if (done !== total && now - last < 100) return;
    last = now;
    const width = 30;
    const filled = Math.round((done / Math.max(total, 1)) * width);
    process.stderr.write(`\r${phase.padEnd(8)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}${done === total ? '\n' : ''}`);
  };
}

export function exitCodeFor(report: Report, failOn: Severity | undefined): number {
  if (report.endpoints.length === 0) return 3;
  if (failOn && atOrAbove(report.findings, failOn).length > 0) return 1;
  return 0;
}

/** The baseline file as data for the audit; a file that cannot be read or parsed is one line naming it. */
export function readBaseline(file: string): Baseline {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new InputError(`--baseline ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let data: unknown;
  try {
    data = YAML.parse(text);
  } catch (error) {
    throw new InputError(`${file}: not YAML or JSON: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}`);
  }
  return parseBaseline(data, file);
}

export async function runHunt(args: readonly string[], flags: HuntFlags): Promise<Report> {
  const baseline = flags.baseline !== undefined ? readBaseline(flags.baseline) : undefined;
  const { targets, local } = await collectTargets(args, flags);
  const identities = await collectIdentities(flags);
  const ca = readCaFile(flags.cacert);
  const onProgress = progress(process.stderr.isTTY === true && flags.output === 'text');
  const report = await hunt({ targets, local, identities, ...(ca ? { ca } : {}), ...(flags.ports ? { ports: flags.ports } : {}), insecureSkipVerify: flags.insecureSkipVerify === true, active: flags.active === true, timeoutMs: flags.timeout, ...(onProgress ? { onProgress } : {}) });
  return baseline ? applyBaseline(report, baseline) : report;
}

export function emit(report: Report, flags: HuntFlags): void {
  const text = RENDERERS[flags.output](report, { rules: RULES, color: flags.color !== false && process.stdout.isTTY === true && !process.env.NO_COLOR });
  if (flags.outputFile) writeFileSync(flags.outputFile, text);
  else process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

export function addHuntOptions(command: Command): Command {
  return command
    .option('--lab <dir>', "hunt the node IPs of a lab (its lab.json)")
    .option('--file <path>', 'a file of targets, one per line')
    .option('--kubeconfig [path]', "list nodes through the API server (their InternalIP) and add the kubeconfig's user as an identity")
    .option('--context <name>', 'kubeconfig context')
    .option('--ports <list>', 'extra ports to scan besides the catalog\'s (comma-separated)', portList)
    .option('--cert <file>', 'client certificate (PEM) to probe with, besides anonymous')
    .option('--key <file>', 'key of --cert')
    .option('--cacert <file>', 'CA bundle: served chains are verified against it, and tokens are sent only to servers it verifies')
    .option('--token <token>', 'bearer token to probe with')
    .option('--token-file <file>', 'bearer token file to probe with')
    .option('--insecure-skip-tls-verify', 'send bearer tokens to servers whose certificate does not verify')
    .option('--active', 'also run harmless acting checks (`id` through the kubelet /run)')
    .option('--yes', 'hunt ranges larger than a /16')
    .addOption(new Option('-o, --output <format>', 'report format').choices(Object.keys(RENDERERS)).default('text'))
    .option('--output-file <path>', 'write the report to a file instead of stdout')
    .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding is at or above this severity').choices([...SEVERITIES]))
    .option('--baseline <file>', 'accepted findings, YAML or JSON (waivers: rule, target, port, reason, expires): reported as waived and not counted by --fail-on until they expire')
    .option('--timeout <ms>', 'timeout of every connection and request', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 100 || n > 120_000) throw new InvalidArgumentError('--timeout takes milliseconds from 100 to 120000');
      return n;
    }, 5000)
    .option('--no-color', 'no colours in the text report');
}

export function registerHunt(program: Command): void {
  addHuntOptions(
    program
      .command('hunt')
      .argument('[targets...]', 'hostnames, IPs or CIDR ranges; none = this node (listening sockets from /proc)')
      .description('find the internal APIs on a node or a network, classify each port, and report what is exposed with the fix'),
  ).action(async (args: string[], flags: HuntFlags) => {
    if (flags.kubeconfig === undefined && args.length === 0 && !flags.file && !flags.lab && process.platform !== 'linux') throw new UsageError('a local hunt reads /proc: give targets on this platform');
    const report = await runHunt(args, flags);
    emit(report, flags);
    process.exitCode = exitCodeFor(report, flags.failOn);
  });
}
