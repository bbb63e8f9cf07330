// `<dir>/lab.json`, the plan of a lab: its one reader (for the library and the lab alike) and its writer, so the
// format has one home. The lab writes it; `--lab` and the lab's own processes read it through readLabFile.
import { randomUUID } from 'node:crypto';
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { CATALOG } from '../catalog/index.ts';
import { InputError } from '../errors.ts';
import type { Target } from '../model/index.ts';
import type { LabPlan } from '../model/lab-plan.ts';

export const LAB_FILE = 'lab.json';

type Json = Record<string, unknown>;

const COMPONENTS = new Set<string>(CATALOG.map((c) => c.id));

/** What to do about a folder with no usable lab: `kia lab up` writes a new lab.json there. */
const startOne = (dir: string): string => `(start one with \`kia lab up --dir ${dir}\`)`;

/** One wrong field of lab.json, said with its path (`nodes[1].ip`). */
class Shape {
  readonly file: string;
  readonly dir: string;
  constructor(dir: string) {
    this.dir = dir;
    this.file = join(dir, LAB_FILE);
  }
  fail(path: string, wanted: string, got: unknown): never {
    const shown = got === undefined ? 'nothing' : JSON.stringify(got)?.slice(0, 40) ?? String(got);
    throw new InputError(`${this.file} is not a kia lab file: ${path} should be ${wanted}, got ${shown} ${startOne(this.dir)}`);
  }
  object(value: unknown, path: string): Json {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(path, 'an object', value);
    return value as Json;
  }
  array(value: unknown, path: string): unknown[] {
    if (!Array.isArray(value)) this.fail(path, 'a list', value);
    return value;
  }
  string(value: unknown, path: string): string {
    if (typeof value !== 'string' || value === '') this.fail(path, 'a string', value);
    return value;
  }
  whole(value: unknown, path: string, min: number, max: number): number {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) this.fail(path, `a whole number from ${min} to ${max}`, value);
    return value;
  }
  oneOf(value: unknown, path: string, allowed: readonly string[]): string {
    if (typeof value !== 'string' || !allowed.includes(value)) this.fail(path, `one of ${allowed.join(', ')}`, value);
    return value;
  }
}

/**
 * Checks the text of a lab.json read from `dir` and gives its plan; anything else is an InputError naming the file
 * and the first wrong field. A folder that was moved since its lab.json was written (another path, the same files)
 * has its absolute paths moved along; relative paths are taken from `dir`. Endpoints of a component this kia does not
 * know (a lab written by another version) are left out: nothing here could probe them.
 */
export function parseLabFile(text: string, dir: string): LabPlan {
  const shape = new Shape(dir);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    // V8 quotes the text it choked on, newlines and all: the message stays one line.
    const reason = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ');
    throw new InputError(`${shape.file} is not JSON: ${reason} ${startOne(dir)}`, { cause: error });
  }
  const plan = shape.object(data, 'the file');
  if (plan.schema !== 'kia.lab/v1') shape.fail('schema', '"kia.lab/v1"', plan.schema);
  shape.string(plan.dir, 'dir');
  shape.string(plan.kubernetesVersion, 'kubernetesVersion');
  shape.whole(plan.network, 'network', 0, 63);
  shape.oneOf(plan.state, 'state', ['starting', 'ready', 'stopped']);
  const nodes = shape.array(plan.nodes, 'nodes');
  if (nodes.length === 0) shape.fail('nodes', 'at least one node', nodes);
  nodes.forEach((value, i) => {
    const node = shape.object(value, `nodes[${i}]`);
    for (const key of ['name', 'ip', 'localIp', 'root', 'profile']) shape.string(node[key], `nodes[${i}].${key}`);
    shape.array(node.pods, `nodes[${i}].pods`);
  });
  const endpoints = shape.array(plan.endpoints, 'endpoints').map((value, i) => {
    const endpoint = shape.object(value, `endpoints[${i}]`);
    for (const key of ['node', 'component', 'port', 'address']) shape.string(endpoint[key], `endpoints[${i}].${key}`);
    shape.whole(endpoint.number, `endpoints[${i}].number`, 1, 65535);
    shape.oneOf(endpoint.scheme, `endpoints[${i}].scheme`, ['http', 'https']);
    shape.oneOf(endpoint.reach, `endpoints[${i}].reach`, ['node-ip', 'node-local']);
    return endpoint;
  });
  shape.array(plan.processes, 'processes');
  const files = shape.object(plan.files, 'files');
  for (const [key, value] of Object.entries(files)) shape.string(value, `files.${/^[\w-]+$/.test(key) ? key : JSON.stringify(key)}`);
  const known = endpoints.filter((e) => COMPONENTS.has(e.component as string));
  return moved({ ...plan, endpoints: known } as unknown as LabPlan, resolve(dir));
}

/** The same plan with every absolute path under its old folder moved to `dir`, and every relative one taken from it. */
function moved(plan: LabPlan, dir: string): LabPlan {
  const from = plan.dir;
  const move = (path: string) => (!isAbsolute(path) ? join(dir, path) : path === from || path.startsWith(`${from}/`) ? dir + path.slice(from.length) : path);
  const files = Object.fromEntries(Object.entries(plan.files).map(([key, path]) => [key, move(path)])) as unknown as LabPlan['files'];
  return { ...plan, dir, files, nodes: plan.nodes.map((node) => ({ ...node, root: move(node.root) })) };
}

/**
 * The plan of the lab in `dir`. No folder, no lab.json or a wrong one: an InputError naming it and saying how to start
 * a lab there; a file where the folder should be, or a lab.json that cannot be read: an InputError naming it.
 */
export function readLabFile(dir: string): LabPlan {
  const folder = resolve(dir);
  const file = join(folder, LAB_FILE);
  if (statSync(folder, { throwIfNoEntry: false })?.isDirectory() === false) throw new InputError(`${folder} is a file, not a lab folder`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new InputError(`no lab in ${folder}: ${LAB_FILE} not found ${startOne(folder)}`, { cause: error });
    throw new InputError(`cannot read ${file}: ${code ?? String(error)}`, { cause: error });
  }
  return parseLabFile(text, folder);
}

/** Writes lab.json whole (a new file renamed over the old), so a reader never sees half of it. */
export function writeLabFile(plan: LabPlan): void {
  const file = join(plan.dir, LAB_FILE);
  const next = `${file}.${randomUUID()}.tmp`;
  writeFileSync(next, JSON.stringify(plan, null, 2) + '\n');
  renameSync(next, file);
}

/** A lab's node IPs as targets: what a remote hunt of real nodes sees. */
export function labTargets(plan: Pick<LabPlan, 'nodes'>): Target[] {
  return plan.nodes.map((n) => ({ host: n.name, address: n.ip, source: 'lab' as const, node: n.name }));
}
