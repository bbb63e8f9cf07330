// `kia metrics <url>`: scrape one /metrics endpoint, parse it while reading, and print a family index, the samples
// of chosen families, or a per-component summary.
import { InvalidArgumentError, Option, type Command } from 'commander';
import { request, type HttpResponse } from '../../clients/http.ts';
import { certificateIdentity, readCaFile, tokenFileIdentity, tokenIdentity, type Identity } from '../../clients/identity.ts';
import { CredentialError, InputError, NetworkError, TimeoutError, TooLargeError, UsageError, type KiaError } from '../../errors.ts';
import { collect, parseMatcher, renderIndex, renderSamples, renderSummary, summarize, type LabelMatcher, type ParseResult } from '../../metrics/index.ts';
import { EXIT } from '../output.ts';

export interface MetricsFlags {
  summary?: boolean;
  family: string[];
  label: LabelMatcher[];
  output: 'text' | 'json';
  cert?: string;
  key?: string;
  cacert?: string;
  token?: string;
  tokenFile?: string;
  insecureSkipTlsVerify?: boolean;
  timeout: number;
  maxBytes: number;
}

const MAX_BYTES = 64 << 20;
const CHUNK = 64 << 10;
const ACCEPT = 'application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=1,*/*;q=0.1';

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

function identityOf(flags: MetricsFlags, url: URL): Identity | undefined {
  if (Boolean(flags.cert) !== Boolean(flags.key)) throw new CredentialError('--cert and --key go together');
  if ((flags.token || flags.tokenFile) && url.protocol === 'http:') throw new UsageError('refusing to send a bearer token over plain http: use an https:// URL');
  const identity: Identity = { name: 'anonymous' };
  if (flags.cert && flags.key) Object.assign(identity, certificateIdentity(flags.cert, flags.key));
  const token = flags.token ? tokenIdentity(flags.token) : flags.tokenFile ? tokenFileIdentity(flags.tokenFile) : undefined;
  if (token?.token) identity.token = token.token;
  return identity.cert || identity.token ? identity : undefined;
}

/** Network outcomes and statuses as the one error the CLI prints. */
function refusal(url: URL, res: HttpResponse, flags: MetricsFlags): KiaError | undefined {
  const target = `GET ${url.href}`;
  switch (res.outcome) {
    case 'ok':
      break;
    case 'tls-error':
      return new NetworkError(`${target}: TLS failed (${(res.error ?? 'handshake').split('\n')[0]?.slice(0, 120)}); give the CA with --cacert, or skip verification with --insecure-skip-tls-verify`);
    case 'timeout':
      return new TimeoutError(`${target}: no answer within ${flags.timeout} ms`);
    case 'too-large':
      return new TooLargeError(`${target}: the exposition is larger than ${flags.maxBytes} bytes`);
    default:
      return new NetworkError(`${target}: ${res.outcome}${res.error ? ` (${res.error})` : ''}`);
  }
  const status = res.status ?? 0;
  if (status === 401 || status === 403) return new CredentialError(`${target}: ${status}: give credentials the component accepts (--token, --token-file, --cert/--key)`);
  if (status >= 400 && status < 500) return new UsageError(`${target}: ${status}: no metrics there`);
  return undefined;
}

async function* chunks(body: Buffer): AsyncGenerator<Buffer> {
  for (let offset = 0; offset < body.length; offset += CHUNK) yield body.subarray(offset, offset + CHUNK);
}

export async function scrape(urlText: string, flags: MetricsFlags): Promise<{ url: URL; status: number; parsed: ParseResult }> {
  const url = targetUrl(urlText);
  const identity = identityOf(flags, url);
  const ca = readCaFile(flags.cacert);
  const res = await request({
    url,
    headers: { accept: ACCEPT },
    ...(identity ? { identity } : {}),
    ...(ca ? { ca } : {}),
    insecureSkipVerify: flags.insecureSkipTlsVerify === true,
    timeoutMs: flags.timeout,
    maxBytes: flags.maxBytes,
  });
  const error = refusal(url, res, flags);
  if (error) throw error;
  // request() holds the capped body; the parser reads it chunk by chunk as it would read the socket.
  const parsed = await collect(chunks(res.body), {
    ...(flags.family.length > 0 ? { families: flags.family } : {}),
    ...(flags.label.length > 0 ? { labels: flags.label } : {}),
  });
  return { url, status: res.status ?? 0, parsed };
}

function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

export async function runMetrics(urlText: string, flags: MetricsFlags): Promise<number> {
  const { url, status, parsed } = await scrape(urlText, flags);
  const firstError = parsed.errors[0];
  if (parsed.families.length === 0 && parsed.errorCount > 0 && firstError) {
    throw new InputError(`${url.href} did not serve a Prometheus exposition: line ${firstError.line}: ${firstError.message}`);
  }
  if (flags.output === 'text' && firstError) {
    process.stderr.write(`kia: ${parsed.errorCount} malformed line(s) skipped; first: line ${firstError.line}: ${firstError.message}\n`);
  }
  const errors = { errorCount: parsed.errorCount, errors: parsed.errors };
  if (flags.summary) {
    const summary = summarize(parsed.families, { now: Date.now() / 1000 });
    if (!summary) throw new InputError(`${url.href}: no summary for this exposition (not etcd, kubelet, kube-apiserver, kube-proxy or kube-scheduler); use --family`);
    if (flags.output === 'json') print(JSON.stringify({ url: url.href, status, samples: parsed.samples, ...errors, summary }, null, 2));
    else print(renderSummary(summary));
  } else if (flags.output === 'json') {
    print(JSON.stringify({ url: url.href, status, samples: parsed.samples, ...errors, families: parsed.families }, null, 2));
  } else if (flags.family.length > 0 || flags.label.length > 0) {
    print(renderSamples(parsed.families));
  } else {
    print(renderIndex(parsed.families));
  }
  return status >= 500 ? EXIT.findings : EXIT.ok;
}

const repeat = <T>(parse: (v: string) => T[]) => (value: string, previous: T[]) => [...previous, ...parse(value)];

export function registerMetrics(program: Command): void {
  program
    .command('metrics')
    .argument('<url>', 'the metrics endpoint, e.g. https://10.0.0.1:10250/metrics or http://127.0.0.1:10249/metrics')
    .description('scrape a Prometheus/OpenMetrics endpoint and list its families, print chosen ones, or summarise the component')
    .option('--summary', "the component's vital signs (etcd, kubelet, kube-apiserver, kube-proxy, kube-scheduler)")
    .option('--family <name>', 'keep only this family (repeatable, or comma-separated)', repeat((v) => v.split(',').map((s) => s.trim()).filter(Boolean)), [])
    .option('--label <matcher>', 'keep only samples whose labels match: k=v, k!=v, k=~re, k!~re (repeatable)', repeat((v) => {
      try {
        return [parseMatcher(v)];
      } catch (error) {
        throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
      }
    }), [])
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--cert <file>', 'client certificate (PEM)')
    .option('--key <file>', 'key of --cert')
    .option('--cacert <file>', 'CA bundle to verify the server with')
    .option('--token <token>', 'bearer token (https only)')
    .option('--token-file <file>', 'bearer token file (https only)')
    .option('--insecure-skip-tls-verify', 'do not verify the server certificate')
    .option('--timeout <ms>', 'timeout of the whole request', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 100 || n > 120_000) throw new InvalidArgumentError('--timeout takes milliseconds from 100 to 120000');
      return n;
    }, 10_000)
    .addOption(new Option('--max-bytes <n>', 'largest exposition read').default(MAX_BYTES).argParser((v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1024) throw new InvalidArgumentError('--max-bytes takes a whole number of bytes, at least 1024');
      return n;
    }).hideHelp())
    .addHelpText('after', '\nRequest: GET <url> with Accept: text/plain;version=0.0.4 (OpenMetrics accepted)\nLike:    curl -s --cacert ca.crt -H "Authorization: Bearer $TOKEN" <url>')
    .action(async (url: string, flags: MetricsFlags) => {
      process.exitCode = await runMetrics(url, flags);
    });
}
