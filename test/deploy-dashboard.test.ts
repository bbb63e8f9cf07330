// The Grafana dashboard (deploy/grafana/kia.json) against what kia really serves: every panel's PromQL parses
// (promtool), and every series it names is in a scrape of a real `kia serve` over a 1-node lab, after a probe cycle and
// an audit. A negative control misspells a series on a copy and shows the check catches it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestLab, type TestLab } from './helpers.ts';
import { ROOT } from './kustomize.ts';

type Family = { name: string; metrics: unknown[] };
const parsePrometheusTextFormat = createRequire(import.meta.url)('parse-prometheus-text-format') as (text: string) => Family[];
const PROMTOOL = process.env.PROMTOOL ?? 'promtool';
const KIA = path.join(ROOT, 'bin/kia.js');

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { uid: string };
  targets?: { expr: string; datasource?: { uid: string } }[];
}
interface Dashboard {
  uid: string;
  panels: Panel[];
  templating: { list: { name: string; type: string; query: string | { query: string } }[] };
}

const dashboard = JSON.parse(fs.readFileSync(path.join(ROOT, 'deploy/grafana/kia.json'), 'utf8')) as Dashboard;

/** Every PromQL expression of the panels, and the series the variables' label_values() read. */
function expressions(d: Dashboard): string[] {
  const variables = d.templating.list.flatMap((v) => {
    const query = typeof v.query === 'string' ? v.query : v.query.query;
    const m = /^label_values\((.*),\s*\w+\)$/.exec(query);
    return m ? [m[1] as string] : [];
  });
  return [...d.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)), ...variables];
}

/** Grafana's variables replaced by what PromQL can parse. */
function promql(expr: string): string {
  return expr.replace(/\$__rate_interval/g, '1m').replace(/\$\w+/g, '.*');
}

/** The series an expression names: identifiers outside strings, label sets, grouping clauses and ranges, that are not
 * functions or keywords. */
function seriesNames(expr: string): string[] {
  const bare = promql(expr)
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '')
    .replace(/\[[^\]]*\]/g, '');
  const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);
  const names = [...bare.matchAll(/(?<![\w:.])([a-zA-Z_:][\w:]*)(?![\w:])(?!\s*\()/g)].map((m) => m[1] as string);
  return [...new Set(names.filter((n) => !KEYWORDS.has(n)))];
}

function promtool(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => execFile(PROMTOOL, args, { encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => {
    resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, out: stdout + stderr });
  }));
}

describe('the Grafana dashboard', () => {
  let lab: TestLab;
  let serve: ChildProcess | undefined;
  let served: Set<string>;

  before(async () => {
    lab = await startTestLab({ network: 2, nodes: 1, kubernetesVersion: '1.36' });
    const child = spawn(process.execPath, [KIA, 'serve', '--lab', lab.dir, '--listen', '127.0.0.1:0', '--interval', '3600', '--audit-interval', '3600'], { stdio: ['ignore', 'ignore', 'pipe'] });
    serve = child;
    let stderr = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`kia serve did not start: ${stderr}`)), 60_000);
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString('utf8');
        const m = / metrics (http:\/\/127\.0\.0\.1:\d+\/)metrics/.exec(stderr);
        if (m) {
          clearTimeout(timer);
          resolve(m[1] as string);
        }
      });
      child.on('exit', (code) => reject(new Error(`kia serve exited ${code}: ${stderr}`)));
    });
    // The first audit follows the first cycle; poll until both have been published.
    const deadline = Date.now() + 120_000;
    for (;;) {
      const text = await (await fetch(`${url}metrics`)).text();
      const families = parsePrometheusTextFormat(text);
      const audited = families.find((f) => f.name === 'kia_audit_timestamp_seconds')?.metrics[0] as { value?: string } | undefined;
      if (Number(audited?.value ?? 0) > 0) {
        served = new Set(families.filter((f) => f.metrics.length > 0).map((f) => f.name));
        break;
      }
      assert.ok(Date.now() < deadline, 'kia serve published no audit within 120 s');
      await new Promise((r) => setTimeout(r, 250));
    }
  });

  after(async () => {
    serve?.kill('SIGTERM');
    await lab?.stop();
  });

  it('names only series a real kia serve scrape holds, after a cycle and an audit', () => {
    const used = [...new Set(expressions(dashboard).flatMap(seriesNames))].sort();
    assert.deepEqual(used, [
      'kia_certificate_not_after_seconds', 'kia_certificate_verified', 'kia_component_health', 'kia_component_up', 'kia_findings',
      'kia_health_check', 'kia_kube_proxy_sync_age_seconds', 'kia_last_cycle_timestamp_seconds', 'kia_probe_cycle_duration_seconds',
      'kia_probe_duration_seconds', 'kia_probe_success', 'process_cpu_seconds_total', 'process_resident_memory_bytes',
    ]);
    assert.deepEqual(used.filter((name) => !served.has(name)), []);
  });

  it('negative control: a misspelled series on a copy is caught', () => {
    const copy = JSON.parse(JSON.stringify(dashboard).replace('kia_probe_duration_seconds{', 'kia_probe_duration{')) as Dashboard;
    const used = [...new Set(expressions(copy).flatMap(seriesNames))];
    assert.deepEqual(used.filter((name) => !served.has(name)), ['kia_probe_duration']);
  });

  it('every expression parses as PromQL (promtool check rules)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kia-dashboard-'));
    try {
      const rules = expressions(dashboard).map((expr, i) => ({ record: `kia:dashboard:expr${i}`, expr: promql(expr) }));
      const file = path.join(dir, 'rules.yml');
      fs.writeFileSync(file, JSON.stringify({ groups: [{ name: 'dashboard', rules }] }));
      const res = await promtool(['check', 'rules', file]);
      assert.equal(res.code, 0, res.out);
      assert.match(res.out, new RegExp(`SUCCESS: ${rules.length} rules found`));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('panels: unique ids, on the 24-column grid, every query on the ${datasource} variable', () => {
    assert.equal(dashboard.uid, 'kia-internal-apis');
    const ids = dashboard.panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const p of dashboard.panels) {
      assert.ok(p.gridPos.x + p.gridPos.w <= 24, `${p.title} is off the grid`);
      for (const t of p.targets ?? []) assert.equal(t.datasource?.uid, '${datasource}', p.title);
    }
    const titles = dashboard.panels.filter((p) => p.type !== 'row').map((p) => p.title);
    for (const must of ['Component up, by node', 'Time until expiry', 'Findings by severity', 'Probe duration']) assert.ok(titles.includes(must), must);
  });
});
