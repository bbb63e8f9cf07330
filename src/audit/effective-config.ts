// Observations -> the configuration each component runs with, per host, each value with its source: the process's own
// /configz (omitempty read right: an absent field is the zero value), its /flagz, then the node's command line and
// config file. Where the running value and the node's disagree, that is drift. Pure.
import type { ComponentId, ConfigDrift, ConfigValue, EffectiveConfig, EndpointObservation, ProcessInfo, RouteObservation } from '../model/index.ts';
import { CONFIG_FIELDS, type ConfigField, type FieldKind } from './config-fields.ts';
import { url } from './evidence.ts';

/** A Go duration (`4h0m0s`, `90s`, `0`) in milliseconds; undefined when it is not one. */
export function durationMs(text: string): number | undefined {
  if (text === '0') return 0;
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, 'µs': 0.001, ns: 0.000001 };
  let total = 0;
  let rest = text.trim();
  if (!rest) return undefined;
  while (rest) {
    const m = /^(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/.exec(rest);
    if (!m) return undefined;
    total += Number(m[1]) * (units[m[2] as string] ?? 0);
    rest = rest.slice(m[0].length);
  }
  return total;
}

// strconv.ParseBool, as pflag and the YAML reader take booleans.
function bool(value: unknown): unknown {
  if (typeof value === 'boolean') return value;
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(String(value))) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(String(value))) return false;
  return value;
}

/** A value as its kind reads it: booleans and numbers from flag strings, lists from comma-separated flags. */
export function typed(value: unknown, kind: FieldKind): unknown {
  if (value === null || value === undefined) return value;
  switch (kind) {
    case 'boolean':
    case 'gate':
      return bool(value);
    case 'number':
      return typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
    case 'list':
      // A real /flagz prints a pflag string slice as `[a,b]`; a command line has `a,b`.
      return Array.isArray(value) ? value.map(String) : String(value).replace(/^\[(.*)\]$/, '$1').split(',').map((s) => s.trim()).filter(Boolean);
    default:
      return typeof value === 'string' ? value : JSON.stringify(value);
  }
}

/** The comparable form: two values of one setting that mean the same compare equal (`4h` and `4h0m0s`). */
function comparable(value: unknown, kind: FieldKind): string {
  if (kind === 'duration' && typeof value === 'string') return String(durationMs(value) ?? value);
  if (kind === 'list' && Array.isArray(value)) return [...value].sort().join(',');
  return JSON.stringify(value ?? null);
}

function at(object: unknown, path: string): unknown {
  let here = object;
  for (const part of path.split('.')) {
    if (here === null || typeof here !== 'object' || Array.isArray(here)) return undefined;
    here = (here as Record<string, unknown>)[part];
  }
  return here;
}

/** `/flagz` text: a header, then one `name=value` (or `name: value`) line per flag. */
export function parseFlagz(body: string): Record<string, string> {
  const flags: Record<string, string> = {};
  for (const line of body.split('\n')) {
    const m = /^([a-z0-9][a-z0-9-]*)(?:=|: ?)(.*)$/.exec(line.trim());
    if (m) flags[m[1] as string] = m[2] as string;
  }
  return flags;
}

/** `--feature-gates=A=true,B=false` -> the one gate's value. */
function gateOf(flags: string | undefined, gate: string): string | undefined {
  return flags?.split(',').map((p) => p.trim().split('=')).find(([name]) => name === gate)?.[1];
}

interface Served {
  data: unknown;
  from: string;
}

function served(endpoints: readonly EndpointObservation[], path: string, unread: string[], read: (body: string) => unknown): Served | undefined {
  const asked: string[] = [];
  for (const endpoint of endpoints) {
    for (const route of endpoint.routes.filter((r) => r.path === path)) {
      if (route.status === 200 && route.body !== undefined) {
        try {
          return { data: read(route.body), from: `GET ${url(endpoint, path)} as ${route.identity}` };
        } catch {
          asked.push(`not JSON to ${route.identity}`);
          continue;
        }
      }
      // A 404 is a version that does not serve the path (/flagz before 1.33): nothing was withheld.
      if (route.status !== 404) asked.push(`${describe(route)} to ${route.identity}`);
    }
  }
  if (asked.length > 0) unread.push(`${path}: ${[...new Set(asked)].join(', ')}`);
  return undefined;
}

function describe(route: RouteObservation): string {
  return route.status !== undefined ? String(route.status) : route.outcome;
}

function running(field: ConfigField, configz: Served | undefined, flagz: Served | undefined, flagOnly: boolean): ConfigValue | undefined {
  if (field.configz && configz) {
    const value = at(configz.data, field.configz);
    if (value === undefined) return { value: field.zero ?? null, source: 'configz', from: configz.from, omitted: true };
    return { value: typed(value, field.kind), source: 'configz', from: configz.from };
  }
  if (field.flag && flagz && (!flagOnly || !field.configz)) {
    const flags = flagz.data as Record<string, string>;
    const value = field.kind === 'gate' ? gateOf(flags['feature-gates'], field.flag) : flags[field.flag];
    if (value !== undefined) return { value: typed(value, field.kind), source: 'flagz', from: flagz.from };
    if (field.flagDefault !== undefined) return { value: field.flagDefault, source: 'flagz', from: flagz.from, defaulted: true };
  }
  return undefined;
}

function declared(field: ConfigField, process: ProcessInfo | undefined): ConfigValue | undefined {
  if (!process) return undefined;
  const flag = field.kind === 'gate' ? gateOf(process.flags['feature-gates'], field.flag ?? '') : field.flag ? process.flags[field.flag] : undefined;
  if (flag !== undefined) return { value: typed(flag, field.kind), source: 'cmdline', from: `pid ${process.pid} command line` };
  const file = (field.fileFlag ? process.flags[field.fileFlag] : undefined) ?? process.configFile ?? 'the config file';
  const value = process.config?.[field.file ?? field.key];
  if (value !== undefined) return { value: typed(value, field.kind), source: 'file', from: file };
  if (process.configFile && field.fileDefault !== undefined) return { value: field.fileDefault, source: 'file', from: file, defaulted: true };
  if (field.flagDefault !== undefined) return { value: field.flagDefault, source: 'cmdline', from: `pid ${process.pid} command line`, defaulted: true };
  return undefined;
}

function forComponent(component: ComponentId, endpoints: readonly EndpointObservation[]): EffectiveConfig {
  const spec = CONFIG_FIELDS[component];
  const first = endpoints[0] as EndpointObservation;
  const unread: string[] = [];
  const configz = spec?.configzRoot ? served(endpoints, '/configz', unread, (b) => (JSON.parse(b) as Record<string, unknown>)[spec.configzRoot as string]) : undefined;
  const flagz = served(endpoints, '/flagz', unread, parseFlagz);
  const process = endpoints.find((e) => e.process)?.process;
  const values: Record<string, ConfigValue> = {};
  const drift: ConfigDrift[] = [];
  for (const field of spec?.fields ?? []) {
    const run = running(field, configz, flagz, spec?.flagzForFlagOnly === true);
    const node = declared(field, process);
    const value = run ?? node;
    if (value) values[field.key] = value;
    // Only what the node states: the kubelet fills some fields itself as it starts (the self-generated certificate's
    // path), so a default the file leaves out is no claim to hold the running value to. A flag's default is one: a
    // control-plane process without the flag runs with it.
    if (run && node && (!node.defaulted || node.source === 'cmdline') && comparable(run.value, field.kind) !== comparable(node.value, field.kind)) drift.push({ setting: field.key, running: run, declared: node });
  }
  return { component, host: hostKey(first), address: first.address, ...(first.target.node ? { node: first.target.node } : {}), values, drift, unread };
}

/** The machine an endpoint is on: its node, else (a hunt on the node itself) the one local host, else its address. */
export function hostKey(endpoint: EndpointObservation): string {
  return endpoint.target.node ?? (endpoint.target.source === 'local' ? endpoint.target.host : endpoint.address);
}

/** Per host and component, the effective configuration; components kia knows no settings of are left out. */
export function effectiveConfig(endpoints: readonly EndpointObservation[]): EffectiveConfig[] {
  const groups = new Map<string, EndpointObservation[]>();
  for (const endpoint of endpoints) {
    const component = endpoint.fingerprint.component;
    if (component === 'unknown' || !CONFIG_FIELDS[component]) continue;
    const key = `${hostKey(endpoint)}\u0000${component}`;
    groups.set(key, [...(groups.get(key) ?? []), endpoint]);
  }
  return [...groups.values()].map((group) => forComponent(group[0]?.fingerprint.component as ComponentId, group));
}
