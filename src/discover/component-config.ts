// Which component a process is, and its security-relevant settings: config files as the process sees them, then
// ETCD_* environment variables (etcd), then command-line flags, each overriding the one before where upstream does.
import { readFile, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
// js-yaml rather than the `yaml` the lab writes with: it loads in a third of the memory, and this runs in every
// node's agent (issue 12). Aliases are references there, so flatten() caps what it walks.
import { CORE_SCHEMA, load } from 'js-yaml';
import { CATALOG } from '../catalog/index.ts';
import type { ComponentId } from '../model/index.ts';
import { secretProviders } from './encryption-config.ts';
import { etcdEnvironment, isGone, pathAsSeenBy, type HostRoots } from './process-info.ts';

/** Config files above this are not read (a byte cap like every other read of ours). */
const MAX_CONFIG_BYTES = 1 << 20;
const MAX_CONFIG_KEYS = 10_000;
const MAX_CONFIG_DEPTH = 32;

// The kernel keeps 15 characters of a process name (TASK_COMM_LEN 16): kube-controller-manager shows as kube-controller.
const COMM_LENGTH = 15;

/** The component a process runs, from argv[0], then /proc/<pid>/comm, then hyperkube's `hyperkube kubelet ...` form. */
export function recognizeComponent(process: { name: string; cmdline: readonly string[] }): ComponentId | undefined {
  const byName = (name: string | undefined, length = Infinity) =>
    name ? CATALOG.find((c) => c.processNames.some((p) => p.slice(0, length) === name))?.id : undefined;
  const argv0 = process.cmdline[0] ? basename(process.cmdline[0]) : undefined;
  const hyperkube = argv0 === 'hyperkube' && process.cmdline[1] ? basename(process.cmdline[1]) : undefined;
  return byName(argv0) ?? byName(process.name, COMM_LENGTH) ?? byName(hyperkube);
}

type Kind = 'boolean' | 'number' | 'string';

/** kubelet flags that override KubeletConfiguration fields (cmd/kubelet/app/options/options.go `AddKubeletConfigFlags`). */
const KUBELET_FLAGS: readonly (readonly [flag: string, key: string, kind: Kind])[] = [
  ['anonymous-auth', 'authentication.anonymous.enabled', 'boolean'],
  ['authentication-token-webhook', 'authentication.webhook.enabled', 'boolean'],
  ['client-ca-file', 'authentication.x509.clientCAFile', 'string'],
  ['authorization-mode', 'authorization.mode', 'string'],
  ['read-only-port', 'readOnlyPort', 'number'],
  ['address', 'address', 'string'],
  ['port', 'port', 'number'],
  ['healthz-bind-address', 'healthzBindAddress', 'string'],
  ['healthz-port', 'healthzPort', 'number'],
  ['enable-debugging-handlers', 'enableDebuggingHandlers', 'boolean'],
  ['tls-cert-file', 'tlsCertFile', 'string'],
  ['tls-private-key-file', 'tlsPrivateKeyFile', 'string'],
];

/** kube-proxy flags over KubeProxyConfiguration fields (cmd/kube-proxy/app/options.go). */
const KUBE_PROXY_FLAGS: readonly (readonly [flag: string, key: string, kind: Kind])[] = [
  ['metrics-bind-address', 'metricsBindAddress', 'string'],
  ['healthz-bind-address', 'healthzBindAddress', 'string'],
  ['profiling', 'enableProfiling', 'boolean'],
  ['bind-address', 'bindAddress', 'string'],
];

/** etcd settings kept, by flag name; the same names as ETCD_* variables and (mostly) as config-file keys. */
const ETCD_KEYS = [
  'client-cert-auth', 'trusted-ca-file', 'cert-file', 'auto-tls', 'peer-client-cert-auth', 'peer-trusted-ca-file', 'peer-cert-file',
  'peer-auto-tls', 'listen-client-urls', 'listen-peer-urls', 'listen-metrics-urls', 'advertise-client-urls', 'enable-pprof', 'log-level',
] as const;

/** etcd's YAML nests TLS settings (server/embed/config.go `configYAML`): the nested key -> the flag name. */
const ETCD_FILE_KEYS: Readonly<Record<string, string>> = {
  'client-transport-security.client-cert-auth': 'client-cert-auth',
  'client-transport-security.trusted-ca-file': 'trusted-ca-file',
  'client-transport-security.cert-file': 'cert-file',
  'client-transport-security.auto-tls': 'auto-tls',
  'peer-transport-security.client-cert-auth': 'peer-client-cert-auth',
  'peer-transport-security.trusted-ca-file': 'peer-trusted-ca-file',
  'peer-transport-security.cert-file': 'peer-cert-file',
  'peer-transport-security.auto-tls': 'peer-auto-tls',
};

/** apiserver, controller-manager and scheduler: serving and delegated auth flags (spec §5, §6). */
const CONTROL_PLANE_FLAGS = [
  'anonymous-auth', 'bind-address', 'secure-port', 'profiling', 'authorization-mode', 'client-ca-file', 'tls-cert-file',
  'authentication-kubeconfig', 'authorization-kubeconfig', 'authorization-always-allow-paths', 'token-auth-file',
] as const;

/** Flags that never take a separate value: `--client-cert-auth false` means true (and a stray `false`). */
export const BOOLEAN_FLAGS: ReadonlySet<string> = new Set([
  ...KUBELET_FLAGS.filter(([, , kind]) => kind === 'boolean').map(([flag]) => flag),
  ...KUBE_PROXY_FLAGS.filter(([, , kind]) => kind === 'boolean').map(([flag]) => flag),
  'client-cert-auth', 'peer-client-cert-auth', 'auto-tls', 'peer-auto-tls', 'enable-pprof', 'leader-elect', 'allow-privileged',
  'use-service-account-credentials', 'enable-bootstrap-token-auth', 'rotate-certificates',
]);

/** Nested objects to dotted keys (`authentication.anonymous.enabled`); arrays and scalars are kept as they are. */
export function flatten(value: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // Keys written so far, counted as they are (counting the object's keys on every step made the walk quadratic).
  let keys = 0;
  const walk = (inner: unknown, prefix: string, depth: number): void => {
    // A YAML alias bomb (anchors of anchors) is a small file whose walk never ends: a config has far fewer keys.
    if (depth > MAX_CONFIG_DEPTH || keys >= MAX_CONFIG_KEYS) return;
    if (inner !== null && typeof inner === 'object' && !Array.isArray(inner)) {
      for (const [key, next] of Object.entries(inner)) walk(next, prefix ? `${prefix}.${key}` : key, depth + 1);
    } else if (prefix) {
      if (!(prefix in out)) keys++;
      out[prefix] = inner;
    }
  };
  walk(value, '', 0);
  return out;
}

// strconv.ParseBool, which pflag's bool flags use.
function typed(value: string, kind: Kind): unknown {
  if (kind === 'boolean') {
    if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(value)) return true;
    if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(value)) return false;
    return value;
  }
  if (kind === 'number') return /^-?\d+$/.test(value) ? Number(value) : value;
  return value;
}

export interface ComponentSettings {
  config?: Record<string, unknown>;
  configFile?: string;
  notes: string[];
}

interface Subject {
  pid: number;
  component: ComponentId;
  flags: Record<string, string>;
}

/** One YAML file as the process sees it, flattened; a note instead when it cannot be read or parsed. */
async function readYaml(roots: HostRoots, who: Subject, path: string, notes: string[]): Promise<Record<string, unknown>> {
  const resolved = await pathAsSeenBy({ ...roots, pid: who.pid }, path);
  const label = `${who.component} (pid ${who.pid}): config ${path}`;
  try {
    const size = (await stat(resolved)).size;
    if (size > MAX_CONFIG_BYTES) {
      notes.push(`${label} is ${size} bytes, over the ${MAX_CONFIG_BYTES}-byte cap: not read`);
      return {};
    }
    const document: unknown = load(await readFile(resolved, 'utf8'), { schema: CORE_SCHEMA });
    return flatten(document);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message.split('\n')[0] : String(error));
    notes.push(`${label} could not be read (${reason})`);
    return {};
  }
}

/** kubelet `--config-dir` drop-ins (*.conf, in lexical order) go over the main file (KEP-3983). */
async function readDropIns(roots: HostRoots, who: Subject, dir: string, notes: string[]): Promise<Record<string, unknown>> {
  const merged: Record<string, unknown> = {};
  let names: string[];
  try {
    names = (await readdir(await pathAsSeenBy({ ...roots, pid: who.pid }, dir))).filter((n) => n.endsWith('.conf')).sort();
  } catch (error) {
    notes.push(`${who.component} (pid ${who.pid}): --config-dir ${dir} could not be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    return merged;
  }
  for (const name of names) Object.assign(merged, await readYaml(roots, who, join(dir, name), notes));
  return merged;
}

function applyFlags(config: Record<string, unknown>, flags: Record<string, string>, table: typeof KUBELET_FLAGS): void {
  for (const [flag, key, kind] of table) {
    const value = flags[flag];
    if (value !== undefined) config[key] = typed(value, kind);
  }
}

/** A component-config file (`--config`) with drop-ins and flags over it: kubelet and kube-proxy. */
async function componentConfig(roots: HostRoots, who: Subject, table: typeof KUBELET_FLAGS): Promise<ComponentSettings> {
  const notes: string[] = [];
  const configFile = who.flags.config;
  const config = configFile ? await readYaml(roots, who, configFile, notes) : {};
  const dropIns = who.component === 'kubelet' ? who.flags['config-dir'] : undefined;
  if (dropIns) Object.assign(config, await readDropIns(roots, who, dropIns, notes));
  // kubelet: flags win over the file for the same setting (`kubeletConfigFlagPrecedence`). kube-proxy ignores these
  // flags once `--config` is given, only logging flags survive (its flag help; kubernetes/kubernetes#98302).
  if (who.component === 'kubelet' || !configFile) applyFlags(config, who.flags, table);
  return { config, ...(configFile ? { configFile } : {}), notes };
}

async function etcdSettings(roots: HostRoots, who: Subject): Promise<ComponentSettings> {
  const notes: string[] = [];
  let environment: Record<string, string> = {};
  try {
    environment = etcdEnvironment(await readFile(join(roots.procRoot, String(who.pid), 'environ'), 'utf8'));
  } catch (error) {
    if (!isGone(error)) notes.push(`etcd (pid ${who.pid}): environment not readable (${(error as NodeJS.ErrnoException).code ?? String(error)}): ETCD_* settings unknown`);
  }
  const configFile = who.flags['config-file'] ?? environment['config-file'];
  const config: Record<string, unknown> = {};
  if (configFile) {
    // With a config file etcd ignores its other flags and ETCD_* variables (etcdmain `configFromFile`).
    const file = await readYaml(roots, who, configFile, notes);
    for (const [key, value] of Object.entries(file)) {
      const name = ETCD_FILE_KEYS[key] ?? key;
      if ((ETCD_KEYS as readonly string[]).includes(name)) config[name] = value;
    }
    return { config, configFile, notes };
  }
  // A flag given on the command line wins over its ETCD_* variable (pkg/flags `SetFlagsFromEnv` skips set flags).
  for (const key of ETCD_KEYS) {
    const value = who.flags[key] ?? environment[key];
    if (value !== undefined) config[key] = value;
  }
  return { config, notes };
}

async function controlPlaneSettings(roots: HostRoots, who: Subject): Promise<ComponentSettings> {
  const notes: string[] = [];
  // The scheduler (and newer controller managers) take a component config through `--config`.
  const configFile = who.flags.config;
  const config = configFile ? await readYaml(roots, who, configFile, notes) : {};
  for (const flag of CONTROL_PLANE_FLAGS) {
    const value = who.flags[flag];
    if (value !== undefined) config[flag] = value;
  }
  // The API server's encryption at rest: the provider names for secrets, never the keys beside them.
  const encryption = who.component === 'kube-apiserver' ? who.flags['encryption-provider-config'] : undefined;
  if (encryption) {
    const providers = secretProviders((await readYaml(roots, who, encryption, notes)).resources);
    if (providers) config['encryption-providers'] = providers;
  }
  return { config, ...(configFile ? { configFile } : {}), notes };
}

/** The settings of a recognised component, read the way the component reads them. */
export async function readComponentSettings(roots: HostRoots, who: Subject): Promise<ComponentSettings> {
  switch (who.component) {
    case 'kubelet':
      return componentConfig(roots, who, KUBELET_FLAGS);
    case 'kube-proxy':
      return componentConfig(roots, who, KUBE_PROXY_FLAGS);
    case 'etcd':
      return etcdSettings(roots, who);
    default:
      return controlPlaneSettings(roots, who);
  }
}
