// `kia hunt [TARGET...]`: find every internal API on a node or a network, classify it, report what is exposed.
import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import YAML from 'yaml';
import { RULES, applyBaseline, atOrAbove, parseBaseline, type Baseline } from '../../audit/index.ts';
import { InputError, UsageError } from '../../errors.ts';
import { catalogPorts } from '../../discover/scan.ts';
import { hunt, VERSION, type HuntPhase } from '../../pipelines/hunt.ts';
import { SEVERITIES, type Report, type Severity } from '../../model/index.ts';
import { RENDERERS, type OutputFormat } from '../../report/index.ts';
import { addCredentialFlags, CREDENTIAL_PRECEDENCE, readCredentials, type CredentialFlags } from '../flags/credentials.ts';
import { addFormatFlags, colorOn, writeResult, type FormatFlags } from '../flags/format.ts';
import { addTargetFlags, isLocal, readTargets, TARGETS_ARGUMENT, type TargetFlags } from '../flags/targets.ts';
import { formatDuration } from '../flags/numbers.ts';
import { addTimeFlags, DeadlineError, deadlineFor, scaleDeadline, withinDeadline, type Deadline, type TimeFlags } from '../flags/time.ts';
import { endAfterDeadline, EXIT } from '../output.ts';

export interface HuntFlags extends CredentialFlags, TargetFlags, FormatFlags, TimeFlags {
  output: OutputFormat;
  active?: boolean;
  failOn?: Severity;
  baseline?: string;
  cis?: boolean;
  kubernetesVersion?: string;
}

/** The hunt's default deadline: 5 minutes, plus 100 ms for every target past the first (scaleDeadline; a /24 in under 6). */
const DEADLINE_BASE_MS = 300_000;

function progress(enabled: boolean): ((phase: HuntPhase, done: number, total: number) => void) | undefined {
  if (!enabled) return undefined;
  let last = 0;
  // The probe starts on the ports the scan finds while the scan goes on: its bar shows once the scan's is full (the
  // hunt then says where the probe stands).
  let scanning = false;
  return (phase, done, total) => {
    if (phase === 'discover') scanning = done < total;
    else if (scanning) return;
    const now = Date.now();
    if (done !== total && now - last < 100) return;
    last = now;
    const width = 30;
    const filled = Math.round((done / Math.max(total, 1)) * width);
    process.stderr.write(`\r${phase.padEnd(8)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}${done === total ? '\n' : ''}`);
  };
}

/** 3 when nothing answered (or the deadline cut the hunt short), 1 with findings at or above --fail-on, else 0. */
export function huntExitCode(report: Report, failOn: Severity | undefined, cutShort = false): number {
  if (failOn && atOrAbove(report.findings, failOn).length > 0) return EXIT.findings;
  if (report.endpoints.length === 0 || cutShort) return EXIT.down;
  return EXIT.ok;
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

/** Flags -> the library's hunt -> a report (partial when the deadline passed), waivers of --baseline applied. */
export async function runHunt(args: readonly string[], flags: HuntFlags, deadline: Deadline = deadlineFor(flags, DEADLINE_BASE_MS)): Promise<Report> {
  const baseline = flags.baseline !== undefined ? readBaseline(flags.baseline) : undefined;
  if (flags.kubernetesVersion !== undefined && !/^v?1\.\d+(\.\d+)?$/.test(flags.kubernetesVersion)) throw new UsageError(`--kubernetes-version ${flags.kubernetesVersion}: not a Kubernetes version (1.31, v1.31.4)`);
  if (flags.kubernetesVersion !== undefined && !flags.cis) throw new UsageError('--kubernetes-version picks the CIS Benchmark: give --cis too');
  const local = isLocal(args, flags);
  if (local && process.platform !== 'linux') throw new UsageError('a local hunt reads /proc: give targets on this platform');
  const credentials = await readCredentials(flags, { signal: deadline.signal });
  const targets = await readTargets(args, flags, { ...(credentials.kube ? { kube: credentials.kube } : {}), signal: deadline.signal, timeoutMs: flags.timeout });
  scaleDeadline(deadline, flags, DEADLINE_BASE_MS, targets.length);
  const onProgress = progress(process.stderr.isTTY === true && flags.output === 'text');
  const { trust } = credentials;
  const startedAt = new Date().toISOString();
  const report = await withinDeadline(
    deadline,
    hunt({
      targets,
      local,
      identities: credentials.identities,
      trust,
      ...(flags.ports ? { ports: flags.ports } : {}),
      active: flags.active === true,
      ...(flags.cis ? { cis: flags.kubernetesVersion ? { kubernetesVersion: flags.kubernetesVersion } : {} } : {}),
      timeoutMs: flags.timeout,
      signal: deadline.signal,
      ...(onProgress ? { onProgress } : {}),
    }),
  ).catch((error: unknown) => {
    // The library did not come back by the deadline: a report that says so, rather than none.
    if (!(error instanceof DeadlineError)) throw error;
    const ports = [...new Set([...catalogPorts(), ...(flags.ports ?? [])])].sort((a, b) => a - b);
    const targetList = local ? [{ host: 'localhost', address: '127.0.0.1', source: 'local' as const }] : targets;
    const empty: Report = { schema: 'kia.report/v1', tool: { name: 'kia', version: VERSION }, startedAt, finishedAt: new Date().toISOString(), scope: { targets: targetList, ports, identities: ['anonymous', ...credentials.identities.map((i) => i.name)], active: flags.active === true }, endpoints: [], findings: [], notes: [] };
    return empty;
  });
  // What the report must say about how it was made: verification off, or cut short by the deadline.
  if (trust.insecureSkipVerify) {
    report.scope.insecureSkipVerify = true;
    report.notes.push('TLS verification was off (--insecure-skip-tls-verify): tokens were sent to servers that did not verify');
  }
  if (deadline.expired()) {
    report.notes.push(`the deadline of ${formatDuration(deadline.total())} (--deadline) passed: the report holds what was found by then`);
    process.stderr.write(`kia: the deadline of ${formatDuration(deadline.total())} passed (--deadline): the report holds what was found by then\n`);
  }
  return baseline ? applyBaseline(report, baseline) : report;
}

export function emitReport(report: Report, flags: HuntFlags): void {
  writeResult(RENDERERS[flags.output](report, { rules: RULES, color: colorOn(flags) }), flags);
}

export function registerHunt(program: Command): void {
  const command = program
    .command('hunt')
    .argument('[targets...]', TARGETS_ARGUMENT)
    .description('find the internal APIs on a node or a network, classify each port, and report what is exposed with the fix');
  addTargetFlags(command, { verb: 'hunt', ports: true });
  addCredentialFlags(command, {
    texts: {
      cert: 'client certificate (PEM) to probe with, besides anonymous',
      cacert: 'CA bundle: served chains are verified against it, and tokens are sent only to servers it verifies',
      token: 'bearer token to probe with',
      tokenFile: 'bearer token file to probe with',
      kubeconfig: "list nodes through the API server and add the kubeconfig's user as an identity (no value: $KUBECONFIG or ~/.kube/config)",
    },
  });
  command.option('--active', 'also run harmless acting checks: `id` through the kubelet /run, and over a WebSocket GET to /exec as each identity whose get nodes/proxy allows it');
  command.option('--cis', 'judge the CIS Kubernetes Benchmark items kia can prove (from /configz, /flagz, the handshake and the node): pass, fail or not verified, in a `cis` section');
  command.option('--kubernetes-version <version>', 'with --cis: the cluster\'s version, which picks the benchmark (default: what the API server reports)');
  addFormatFlags(command, { formats: Object.keys(RENDERERS), default: 'text', file: true, color: true, description: 'report format' });
  command.addOption(new Option('--fail-on <severity>', 'exit 1 when a finding is at or above this severity').choices([...SEVERITIES]));
  command.option('--baseline <file>', 'accepted findings, YAML or JSON (waivers: rule, target, port, reason, expires): reported as waived and not counted by --fail-on until they expire');
  addTimeFlags(command, { timeout: 5000, deadline: '5m, plus 100ms per target past the first' });
  command.addHelpText('after', `\n${CREDENTIAL_PRECEDENCE}\nExit codes: 0 done; 1 findings at or above --fail-on; 2 bad input; 3 nothing answered, or the deadline cut the hunt short.\n`);
  command.action(async (args: string[], flags: HuntFlags) => {
    const deadline = deadlineFor(flags, DEADLINE_BASE_MS);
    try {
      const report = await runHunt(args, flags, deadline);
      emitReport(report, flags);
      process.exitCode = huntExitCode(report, flags.failOn, deadline.expired());
    } finally {
      deadline.clear();
      if (deadline.expired()) endAfterDeadline();
    }
  });
}

// ---------------------------------------------------------------------------------------------------------------
// For commands/demo.ts (the lab helper's) until it adopts the flag sets: the names it imports today.

/** @deprecated use readCredentials (flags/credentials.ts). */
export async function collectIdentities(flags: HuntFlags): Promise<import('../../clients/identity.ts').Identity[]> {
  return (await readCredentials(flags)).identities;
}
/** @deprecated use huntExitCode. */
export const exitCodeFor = (report: Report, failOn: Severity | undefined): number => huntExitCode(report, failOn);
/** @deprecated use emitReport. */
export const emit = emitReport;
