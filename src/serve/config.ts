// `kia serve --config FILE`: targets, credentials by file path, intervals, listen address and access. YAML, checked
// by hand so that a wrong key or value is one clear line naming it. Paths are relative to the file.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import YAML from 'yaml';
import { InputError } from '../errors.ts';

export interface ServeConfig {
  listen?: string;
  /** Names the Host header may carry besides the listen address, localhost and loopback literals. */
  allowedHosts?: string[];
  /** Seconds between cycles. */
  interval?: number;
  jitter?: number;
  concurrency?: number;
  /** Milliseconds per connection and request. */
  timeout?: number;
  keepAlive?: boolean;
  /** Seconds between audits; 0 turns them off. */
  auditInterval?: number;
  historySize?: number;
  proxyStaleAfter?: number;
  lab?: string;
  targets?: string[];
  targetsFile?: string;
  kubeconfig?: string;
  context?: string;
  credentials?: { cert?: string; key?: string; etcdCert?: string; etcdKey?: string; cacert?: string; tokenFile?: string; insecureSkipVerify?: boolean };
  auth?: { tokenFile?: string; tlsCert?: string; tlsKey?: string; clientCa?: string };
}

type Kind = 'string' | 'number' | 'boolean' | 'strings' | { [key: string]: Kind };

const SCHEMA: Record<string, Kind> = {
  listen: 'string',
  interval: 'number',
  jitter: 'number',
  concurrency: 'number',
  timeout: 'number',
  keepAlive: 'boolean',
  auditInterval: 'number',
  historySize: 'number',
  proxyStaleAfter: 'number',
  lab: 'string',
  targets: 'strings',
  targetsFile: 'string',
  kubeconfig: 'string',
  context: 'string',
  credentials: { cert: 'string', key: 'string', etcdCert: 'string', etcdKey: 'string', cacert: 'string', tokenFile: 'string', insecureSkipVerify: 'boolean' },
  auth: { tokenFile: 'string', tlsCert: 'string', tlsKey: 'string', clientCa: 'string' },
  allowedHosts: 'strings',
};

const PATHS = ['lab', 'targetsFile', 'kubeconfig', 'credentials.cert', 'credentials.key', 'credentials.etcdCert', 'credentials.etcdKey', 'credentials.cacert', 'credentials.tokenFile', 'auth.tokenFile', 'auth.tlsCert', 'auth.tlsKey', 'auth.clientCa'];

const RANGES: Record<string, [number, number]> = {
  interval: [1, 86_400],
  jitter: [0, 0.5],
  concurrency: [1, 4096],
  timeout: [100, 120_000],
  auditInterval: [0, 604_800],
  historySize: [1, 10_000],
  proxyStaleAfter: [1, 86_400],
};

function check(value: unknown, kind: Kind, where: string, file: string): void {
  const bad = (what: string) => new InputError(`${file}: ${where} must be ${what}`);
  if (typeof kind === 'object') {
    // A section whose keys are all commented out is empty, not wrong.
    if (value === null) return;
    if (typeof value !== 'object' || Array.isArray(value)) throw bad('a mapping');
    for (const [key, v] of Object.entries(value)) {
      const sub = kind[key];
      if (!sub) throw new InputError(`${file}: unknown key ${where ? `${where}.` : ''}${key} (known: ${Object.keys(kind).join(', ')})`);
      check(v, sub, where ? `${where}.${key}` : key, file);
    }
    return;
  }
  if (kind === 'strings') {
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw bad('a list of strings');
    return;
  }
  if (typeof value !== kind) throw bad(`a ${kind}`);
  const range = RANGES[where];
  if (range && typeof value === 'number' && (value < range[0] || value > range[1])) throw bad(`from ${range[0]} to ${range[1]}`);
}

export function loadServeConfig(path: string): ServeConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let value: unknown;
  try {
    value = YAML.parse(text) ?? {};
  } catch (error) {
    throw new InputError(`${path}: not YAML: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
  }
  check(value, SCHEMA, '', path);
  const config = value as Record<string, unknown>;
  const base = dirname(resolve(path));
  for (const dotted of PATHS) {
    const [head, tail] = dotted.split('.') as [string, string | undefined];
    const holder = (tail ? config[head] : config) as Record<string, unknown> | undefined;
    const key = tail ?? head;
    const v = holder?.[key];
    if (holder && typeof v === 'string' && !isAbsolute(v)) holder[key] = resolve(base, v);
  }
  return config as ServeConfig;
}
