// `kia metrics <target>`: one exposition, from a /metrics endpoint (a URL, or node:port/path as `kia get` takes it), a
// saved file or stdin, parsed while it is read and printed as a family index, chosen samples, JSON or a component's
// summary. Memory stays bounded however many samples there are: nothing is held once written. What a peer sent
// reaches a terminal with its control characters escaped, unless asked for raw (-o raw, or a pipe or a file).
import { once } from 'node:events';
import { createReadStream, statSync, type Stats } from 'node:fs';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { Transport } from '../../clients/transport/transport.ts';
import { InputError, NetworkError, PeerError, TimeoutError, TooLargeError, UsageError } from '../../errors.ts';
import {
  ExpositionParser, IndexSink, JsonSink, SampleSink, SUMMARY_FAMILIES, SummarySink, Tally, feed, jsonText, parseMatcher, renderSummary, summarize, type LabelMatcher, type Sink,
} from '../../metrics/index.ts';
import { escapeControl } from '../../redact.ts';
import { addCredentialFlags, readCredentials, type CredentialFlags } from '../flags/credentials.ts';
import { addTimeFlags, deadlineFor, oneRequestDeadline, ONE_REQUEST_DEADLINE, withinDeadline, type Deadline, type TimeFlags } from '../flags/time.ts';
import { endAfterDeadline, EXIT } from '../output.ts';
import { resolveGetTarget } from './components.ts';

export interface MetricsFlags extends CredentialFlags, TimeFlags {
  summary?: boolean;
  family: string[];
  label: LabelMatcher[];
  output: 'text' | 'json' | 'raw';
  component?: string;
  maxBytes: number;
}

const MAX_BYTES = 64 << 20;
/**
 * Bytes read from a file at a time: each read is a round trip through libuv's thread pool, and at 64 KiB those took a
 * sixth of the time of a 50 MB exposition on a busy machine. 1 MiB was no faster and raised peak memory by 20 MB on
 * 50 MB. The parser still takes 16 KiB at a time (parseStream).
 */
const CHUNK = 256 << 10;
const ACCEPT = 'application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=1,*/*;q=0.1';
/** What a summary keeps of the families it reads: a real apiserver has tens of thousands of such samples. */
const SUMMARY_LIMITS = { maxSamples: 200_000, maxChars: 32 << 20 };

/** Where an exposition comes from: a peer's (its garbage is exit 1) or the user's own file or stdin (exit 2). */
interface Source {
  /** How the output names it: `{ url, status }` or `{ file }`. */
  head: Record<string, unknown>;
  name: string;
  peer: boolean;
  status: number;
  /** Unix seconds of the scrape, for rates and ages; unknown for stdin. */
  now?: number;
  chunks: AsyncIterable<Buffer>;
}

/** One line for stderr: what a peer sent never reaches the terminal raw. */
const line = (text: string) => escapeControl(text.replace(/\r?\n/g, ' '));

function targetUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`not a URL: ${text} (want http(s)://host:port/metrics)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`not an http(s) URL: ${text}`);
  return url;
}

/** The exposition as it arrives, stopped at --max-bytes (an answer too large is the peer's: exit 1). */
async function* capped(stream: AsyncIterable<Buffer>, target: string, maxBytes: number): AsyncGenerator<Buffer> {
  let bytes = 0;
  try {
    for await (const chunk of stream) {
      bytes += chunk.length;
      if (bytes > maxBytes) throw new TooLargeError(`${target}: the exposition is larger than ${maxBytes} bytes`);
      yield chunk;
    }
  } catch (error) {
    if (error instanceof TooLargeError) throw error;
    if ((error as NodeJS.ErrnoException).code === 'KIA_TIMEOUT') throw new TimeoutError(`${target}: no whole answer within the deadline`);
    if ((error as NodeJS.ErrnoException).code === 'KIA_BAD_ANSWER') throw new PeerError(`${target}: the answer broke HTTP's framing (${line((error as Error).message)})`);
    throw new NetworkError(`${target}: the answer broke off (${line(error instanceof Error ? error.message : String(error))})`);
  }
}

/** The one network exchange of this command: the body as a stream (parsed while it is read), or the one error. */
async function peerSource(url: URL, flags: MetricsFlags, deadline: Deadline): Promise<Source> {
  const credentials = await readCredentials(flags, { single: true, signal: deadline.signal });
  const identity = credentials.identities[0];
  if (identity?.token && url.protocol === 'http:') throw new UsageError('refusing to send a bearer token over plain http: use an https:// URL');
  const transport = new Transport({ timeoutMs: flags.timeout, signal: deadline.signal });
  const res = await transport.open({
    url,
    headers: { Accept: ACCEPT },
    ...(identity ? { identity } : {}),
    trust: credentials.trust,
    mode: 'strict',
    streamIf: (status) => status >= 200 && status < 300,
    wholeBodyMs: flags.timeout,
  });
  const target = `GET ${url.href}`;
  const detail = line(res.detail ?? '');
  switch (res.outcome) {
    case 'ok':
      break;
    case 'tls-error':
    case 'tls-verify':
      throw new NetworkError(`${target}: TLS failed (${detail || 'handshake'}); give the CA with --cacert, or skip verification with --insecure-skip-tls-verify`);
    case 'timeout':
      throw new TimeoutError(`${target}: no answer within ${flags.timeout} ms`);
    case 'aborted':
      throw new TimeoutError(`${target}: no answer: ${(deadline.signal.reason as Error | undefined)?.message ?? 'the deadline passed'}`);
    case 'too-large':
      throw new TooLargeError(`${target}: the exposition is larger than ${flags.maxBytes} bytes`);
    default:
      throw new NetworkError(`${target}: ${res.outcome}${detail ? ` (${detail})` : ''}`);
  }
  const status = res.status ?? 0;
  // The peer's answer, not the user's mistake: exit 1 (CONVENTIONS), the way forward said.
  if (status === 401 || status === 403) throw new PeerError(`${target}: ${status}: give credentials the component accepts (--token, --token-file, --cert/--key)`);
  if (status >= 300 && status < 400) throw new PeerError(`${target}: ${status}: a redirect, not an exposition (kia does not follow redirects)`);
  if (status >= 400 && status < 500) throw new PeerError(`${target}: ${status}: no metrics there`);
  if (!res.stream) throw new PeerError(`${target}: ${status}: not an exposition`);
  return { head: { url: url.href, status }, name: url.href, peer: true, status, now: Date.now() / 1000, chunks: capped(res.stream, target, flags.maxBytes) };
}

/** A file or stdin read as a stream: a read error is the user's (exit 2), and so is nothing to read. */
async function* reading(stream: AsyncIterable<Buffer>, name: string): AsyncGenerator<Buffer> {
  let bytes = 0;
  try {
    for await (const chunk of stream) {
      bytes += chunk.length;
      yield chunk;
    }
  } catch (error) {
    throw new InputError(`cannot read ${name}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  if (bytes === 0) throw new InputError(`${name} is empty: no exposition to read`);
}

function fileSource(path: string, stats: Stats): Source {
  if (stats.isDirectory()) throw new InputError(`${path} is a directory, not an exposition`);
  const chunks = reading(createReadStream(path, { highWaterMark: CHUNK }), path);
  return { head: { file: path }, name: path, peer: false, status: 0, now: stats.mtimeMs / 1000, chunks };
}

function stdinSource(): Source {
  if (process.stdin.isTTY) throw new UsageError('stdin is a terminal: pipe an exposition in (kia metrics - < saved.metrics)');
  return { head: { file: '-' }, name: 'stdin', peer: false, status: 0, chunks: reading(process.stdin, 'stdin') };
}

/** `-`, a URL, an existing file, or node:port/path resolved through the catalog as `kia get` does. */
async function openSource(target: string, flags: MetricsFlags, deadline: Deadline): Promise<Source> {
  if (target === '-') return stdinSource();
  if (/^https?:\/\//i.test(target)) return peerSource(targetUrl(target), flags, deadline);
  let stats: Stats | undefined;
  try {
    stats = statSync(target);
  } catch {
    // Not a file: a node:port/path, or nothing.
  }
  if (stats) return fileSource(target, stats);
  if (!target.includes(':')) throw new InputError(`no such file: ${target} (give a file, - for stdin, a URL or node:port/path)`);
  const resolved = resolveGetTarget(target, { method: 'GET', ...(flags.component ? { component: flags.component } : {}) });
  if (resolved.route.mode === 'act') throw new UsageError(`${resolved.route.path} on ${resolved.port.component} ${resolved.port.port} acts on the target: kia metrics only reads`);
  return peerSource(new URL(resolved.path, resolved.origin), flags, deadline);
}

/** Writes to stdout, waiting while the reader is behind: output never piles up in memory. */
async function out(data: string | Buffer): Promise<void> {
  if (data.length > 0 && !process.stdout.write(data)) await once(process.stdout, 'drain');
}

function sinkFor(flags: MetricsFlags, source: Source): Sink {
  if (flags.output === 'json') return new JsonSink(source.head);
  return flags.family.length > 0 || flags.label.length > 0 ? new SampleSink() : new IndexSink();
}

export async function runMetrics(target: string, flags: MetricsFlags, deadline: Deadline = deadlineFor(flags, oneRequestDeadline(flags.timeout))): Promise<number> {
  if (flags.output === 'raw' && (flags.summary || flags.family.length > 0 || flags.label.length > 0)) {
    throw new UsageError('-o raw prints the exposition as served; --summary, --family and --label need -o text or -o json');
  }
  const source = await openSource(target, flags, deadline);
  const verdict = source.status >= 500 ? EXIT.findings : EXIT.ok;
  if (flags.output === 'raw') {
    for await (const chunk of source.chunks) await out(chunk);
    return verdict;
  }
  // Text on a terminal is escaped; JSON escapes what it holds itself.
  const shown = flags.output === 'text' && process.stdout.isTTY === true ? escapeControl : (text: string) => text;
  const parser = new ExpositionParser({ ...(flags.family.length > 0 ? { families: flags.family } : {}), ...(flags.label.length > 0 ? { labels: flags.label } : {}) });
  const tally = new Tally();
  const summary = flags.summary ? new SummarySink({ families: SUMMARY_FAMILIES, ...SUMMARY_LIMITS }) : undefined;
  const sink = summary ? undefined : sinkFor(flags, source);
  for await (const items of feed(parser, source.chunks)) {
    tally.add(items);
    summary?.add(items);
    if (sink) await out(shown(sink.add(items)));
  }
  const first = tally.errors[0];
  if (tally.families === 0 && first) {
    const what = source.peer ? `${source.name} did not serve a Prometheus exposition` : `${source.name} is not a Prometheus exposition`;
    process.stderr.write(`kia: ${line(`${what}: line ${first.line}: ${first.message}`)}\n`);
    return source.peer ? EXIT.findings : EXIT.usage;
  }
  const totals = { samples: tally.samples, errorCount: parser.errorCount, errors: tally.errors };
  if (summary) {
    const result = summarize(summary.families(), source.now === undefined ? {} : { now: source.now });
    if (!result) throw new UsageError(`${line(source.name)}: no summary for this exposition (not etcd, kubelet, kube-apiserver, kube-proxy or kube-scheduler); use --family`);
    if (summary.dropped > 0) process.stderr.write(`kia: the summary reads the first ${SUMMARY_LIMITS.maxSamples} samples of its families; ${summary.dropped} more were not kept\n`);
    await out(flags.output === 'json' ? `${jsonText({ ...source.head, ...totals, summary: result }, 2)}\n` : `${shown(renderSummary(result))}\n`);
  } else if (sink) await out(shown(sink.end(totals)));
  if (flags.output === 'text' && first) process.stderr.write(`kia: ${parser.errorCount} line(s) skipped; first: ${line(`line ${first.line}: ${first.message}`)}\n`);
  return verdict;
}

const repeat = <T>(parse: (v: string) => T[]) => (value: string, previous: T[]) => [...previous, ...parse(value)];

export function registerMetrics(program: Command): void {
  const command = program
    .command('metrics')
    .argument('<target>', 'a metrics URL (https://10.0.0.1:10250/metrics), node:port/path as kia get takes it (10.0.0.1:10249/metrics), a saved exposition file, or - for stdin')
    .description('read a Prometheus/OpenMetrics exposition and list its families, print chosen ones, or summarise the component')
    .option('--summary', "the component's vital signs (etcd, kubelet, kube-apiserver, kube-proxy, kube-scheduler)")
    .option('--family <name>', 'keep only this family (repeatable, or comma-separated)', repeat((v) => v.split(',').map((s) => s.trim()).filter(Boolean)), [])
    .option('--label <matcher>', 'keep only samples whose labels match: k=v, k!=v, k=~re, k!~re (repeatable)', repeat((v) => {
      try {
        return [parseMatcher(v)];
      } catch (error) {
        throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
      }
    }), [])
    .addOption(new Option('-o, --output <format>', 'output format (raw: the exposition as served, unescaped)').choices(['text', 'json', 'raw']).default('text'))
    .option('--component <name>', 'the component, when the port number of node:port/path does not say')
    .addOption(new Option('--max-bytes <n>', 'largest exposition read from the network').default(MAX_BYTES).argParser((v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1024) throw new InvalidArgumentError('--max-bytes takes a whole number of bytes, at least 1024');
      return n;
    }).hideHelp())
    .addHelpText('after', [
      '',
      'Request: GET <url> with Accept: text/plain;version=0.0.4 (OpenMetrics accepted); node:port/path takes the scheme of the catalog port',
      'Like:    curl -s --cacert ca.crt -H "Authorization: Bearer $TOKEN" <url>',
      'Saved:   kia metrics -o raw <url> > saved.metrics; kia metrics saved.metrics --summary; curl -s <url> | kia metrics -',
    ].join('\n'));
  addCredentialFlags(command, { serverName: true, texts: { cacert: 'CA bundle to verify the server with', token: 'bearer token (https only)', tokenFile: 'bearer token file (https only)' } });
  addTimeFlags(command, { timeout: 10_000, deadline: ONE_REQUEST_DEADLINE });
  command.action(async (target: string, flags: MetricsFlags) => {
    const deadline = deadlineFor(flags, oneRequestDeadline(flags.timeout));
    try {
      process.exitCode = await withinDeadline(deadline, runMetrics(target, flags, deadline), `GET ${target}: no whole answer`);
    } finally {
      deadline.clear();
      if (deadline.expired()) endAfterDeadline();
    }
  });
}
