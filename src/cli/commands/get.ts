// `kia get <url-or-node:port/path>`: any route the catalog knows, its body printed raw. The port number names the
// component (or --component does) and its scheme; act routes need --act.
import { Option, type Command } from 'commander';
import { findComponent, findPortByNumber, type PortEntry, type Route } from '../../catalog/index.ts';
import { call } from '../../clients/components.ts';
import { UsageError } from '../../errors.ts';
import { fromAnswer, reportFailure } from '../explain.ts';
import { addClientFlags, MiB, readCallTarget, type ClientFlags } from '../flags/client.ts';
import { peerText } from '../flags/format.ts';
import { deadlineFor, oneRequestDeadline, throwIfCutShort, withinDeadline } from '../flags/time.ts';
import { EXIT } from '../output.ts';

interface GetFlags extends ClientFlags {
  component?: string;
  method?: string;
  data?: string;
  act?: boolean;
  /** `raw`: the bytes as sent, on a terminal too. */
  output: string;
}

const LARGE = 64 * MiB;

function pathMatches(pattern: string, path: string): boolean {
  if (pattern.endsWith('*')) return path.startsWith(pattern.slice(0, -1));
  const want = pattern.split('/');
  const got = path.split('/');
  for (const [i, part] of want.entries()) {
    // `{path}` (the node proxy's tail) takes the rest; any other `{param}` one non-empty segment.
    if (part === '{path}') return got.slice(i).join('/') !== '';
    if (part.startsWith('{')) {
      if (!got[i]) return false;
    } else if (part !== got[i]) return false;
  }
  return want.length === got.length;
}

const specificity = (r: Route): number => (r.path.endsWith('*') ? 2 : r.path.includes('{') ? 1 : 0);

/** The catalog route for a path and method on a port; with no method, GET when it is served, else the one method. */
export function matchRoute(port: PortEntry, path: string, method: string | undefined): { route?: Route; method: string; methods: string[] } {
  const candidates = port.routes.filter((r) => pathMatches(r.path, path)).sort((a, b) => specificity(a) - specificity(b));
  const methods = [...new Set(candidates.flatMap((r) => r.methods))];
  // A path only POSTed (the etcd gateway) or PUT needs no -X: take the most specific route's one method.
  const only = candidates[0]?.methods.length === 1 ? candidates[0].methods[0] : undefined;
  const chosen = method?.toUpperCase() ?? (methods.includes('GET') || methods.includes('*') || !only ? 'GET' : only);
  const route = candidates.find((r) => r.methods.includes(chosen) || r.methods.includes('*'));
  return { ...(route ? { route } : {}), method: chosen, methods };
}

/** `https://host:port/path` or `node:port/path` (the scheme then comes from the catalog's port of that number). */
export function parseGetTarget(arg: string): { scheme?: 'http' | 'https'; host: string; port: number; path: string } {
  const full = /^(https?):\/\//.exec(arg);
  if (full) {
    let url: URL;
    try {
      url = new URL(arg);
    } catch {
      throw new UsageError(`not a URL: ${arg}`);
    }
    return { scheme: full[1] as 'http' | 'https', host: url.hostname, port: Number(url.port || (full[1] === 'https' ? 443 : 80)), path: `${url.pathname}${url.search}` };
  }
  const m = /^(\[[^\]]+\]|[^:/\s]+):(\d+)(\/.*)?$/.exec(arg);
  const port = Number(m?.[2]);
  if (!m || port < 1 || port > 65535) throw new UsageError(`not a URL or node:port/path: ${arg} (e.g. 10.0.0.1:10249/proxyMode or https://10.0.0.1:10250/pods)`);
  return { host: m[1] ?? '', port, path: m[3] ?? '/' };
}

/** The catalog ports a target may be: the --component's, else every component's port of that number. */
function candidatePorts(portNumber: number, component: string | undefined): PortEntry[] {
  if (component) {
    const entry = findComponent(component);
    if (!entry) throw new UsageError(`unknown component "${component}" (see kia catalog)`);
    const all = [...entry.ports, ...(entry.removedPorts ?? [])];
    const byNumber = all.filter((p) => p.port === portNumber);
    return byNumber.length > 0 ? byNumber : all;
  }
  const ports = findPortByNumber(portNumber);
  if (ports.length === 0) throw new UsageError(`port ${portNumber} is not one the catalog knows: name the component with --component`);
  return ports;
}

/** A `kia get` target resolved against the catalog: the route, the method, and the URL in the port's scheme. */
export interface ResolvedTarget {
  port: PortEntry;
  route: Route;
  method: string;
  /** The path as given, with its query. */
  path: string;
  /** The origin: the URL's own scheme when one was given, else the catalog port's (https for TLS ports). */
  origin: string;
}

/** A URL or `node:port/path` as `kia get` takes it (also `kia metrics`); a UsageError names what is wrong. */
export function resolveGetTarget(arg: string, options: { component?: string; method?: string }): ResolvedTarget {
  const parsed = parseGetTarget(arg);
  const pathname = new URL(parsed.path, 'http://x').pathname;
  const ports = candidatePorts(parsed.port, options.component);
  const matches = ports.map((port) => ({ port, ...matchRoute(port, pathname, options.method) })).filter((m) => m.methods.length > 0);
  const found = matches.find((m) => m.route);
  if (!found?.route) {
    const where = ports.map((p) => `${p.component} ${p.name} (${p.port})`).join(', ');
    if (matches[0]) throw new UsageError(`${options.method?.toUpperCase() ?? 'GET'} ${pathname} is not a route of ${where}: it takes ${matches[0].methods.join(', ')} (-X)`);
    throw new UsageError(`${pathname} is not a route the catalog knows on ${where}; \`kia catalog\` lists them`);
  }
  return { port: found.port, route: found.route, method: found.method, path: parsed.path, origin: `${parsed.scheme ?? found.port.scheme}://${parsed.host}:${parsed.port}` };
}

async function runGet(arg: string, flags: GetFlags): Promise<void> {
  const { port, route, method, path, origin: resolved } = resolveGetTarget(arg, flags);
  if (route.mode === 'act' && !flags.act) throw new UsageError(`${method} ${route.path} on ${port.component} ${port.port} acts on the target (${route.description.split(/\. /)[0]?.replace(/\.$/, '')}): add --act to run it`);
  let origin: string;
  try {
    origin = new URL(flags.endpoint ?? resolved).origin;
  } catch {
    throw new UsageError(`--endpoint takes a URL such as https://10.0.0.1:${port.port}, not ${flags.endpoint}`);
  }
  const deadline = deadlineFor(flags, oneRequestDeadline(flags.timeout));
  try {
    const target = await readCallTarget(origin, flags, { maxBytes: LARGE, deadline });
    const body = flags.data ?? (method === 'POST' && route.path.startsWith('/v3/') ? '{}' : undefined);
    const what = `${method} ${new URL(path, origin).href}: no answer`;
    const answer = await withinDeadline(deadline, call(target, { path, method, ...(body !== undefined ? { body } : {}) }), what);
    throwIfCutShort(deadline, answer.outcome, what);
    const status = answer.status ?? 0;
    const peer = { component: port.component, port, timeoutMs: target.timeoutMs, maxBytes: target.maxBytes, hasCert: target.identity?.cert !== undefined };
    // A redirect is not followed (credentials never follow one) and its body is not the answer asked for.
    if (answer.problem || (status >= 300 && status < 400)) {
      reportFailure(fromAnswer(answer), peer);
      return;
    }
    process.stdout.write(peerText({ raw: flags.output === 'raw' })(answer.body));
    if (status >= 500) reportFailure(fromAnswer(answer), peer);
    else process.exitCode = EXIT.ok;
  } finally {
    deadline.clear();
  }
}

export function registerGet(program: Command): void {
  const command = program
    .command('get')
    .argument('<target>', 'URL or node:port/path of a route the catalog knows')
    .description('GET (or -X) any catalog route and print the body raw; act routes need --act')
    .option('--component <name>', 'the component, when the port number does not say')
    .option('-X, --method <method>', "HTTP method (default GET, or the route's only method)")
    .option('-d, --data <body>', 'request body')
    .option('--act', 'allow routes that act on the target (mode act)')
    .addOption(new Option('-o, --output <format>', "text: on a terminal a peer's control characters are shown escaped; raw: the bytes as sent (a pipe or file always gets them)").choices(['text', 'raw']).default('text'))
    .addHelpText('after', '\nHTTP request:\n  <method> <scheme>://<node>:<port><path>   (the scheme is the catalog port\'s)\nEquivalent curl:\n  curl -sS [-X <method>] [-d <body>] --cacert ca.crt --cert client.crt --key client.key <url>\nExit codes: 0 answered 2xx; 1 a 4xx/5xx, a redirect or an answer over --max-bytes; 2 bad input; 3 no answer.\n');
  addClientFlags(command, { maxBytes: LARGE }).action((arg: string, flags: GetFlags) => runGet(arg, flags));
}
