// Baselines of accepted findings: the file's shape (one clear line naming the file and the waiver when it is wrong),
// matching by rule, target and port with globs, expiry against the hunt's start, and --fail-on ignoring what is waived.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { InputError } from '../errors.ts';
import type { Finding, Report } from '../model/index.ts';
import { applyBaseline, parseBaseline } from './baseline.ts';
import { atOrAbove } from './index.ts';

function finding(rule: string, node: string, address: string, port: number, severity: Finding['severity'] = 'high'): Finding {
  return { rule, title: rule, severity, mode: 'read', component: 'kubelet', host: node, address, port, node, message: 'm', evidence: [], fix: 'f', references: [] };
}

const REPORT: Report = {
  schema: 'kia.report/v1',
  tool: { name: 'kia', version: '0.1.0' },
  startedAt: '2026-06-15T23:59:00.000Z',
  finishedAt: '2026-06-16T00:00:05.000Z',
  scope: { targets: [], ports: [], identities: ['anonymous'], active: false },
  endpoints: [],
  findings: [
    finding('KIA-KUBELET-005', 'kia-worker-1', '10.0.0.11', 10250, 'low'),
    finding('KIA-KUBELET-005', 'kia-worker-2', '10.0.0.12', 10250, 'low'),
    finding('KIA-ANY-002', 'kia-worker-3', '10.0.0.13', 10255, 'medium'),
    finding('KIA-KUBELET-001', 'kia-worker-3', '10.0.0.13', 10250, 'critical'),
  ],
  notes: [],
};

const YAML_FILE = `# accepted findings
waivers:
  - rule: KIA-KUBELET-005
    target: kia-worker-*
    reason: serving certificates move to serverTLSBootstrap (OPS-42)
    expires: 2026-06-15
  - rule: KIA-ANY-*
    target: 10.0.0.13
    port: 10255
    reason: read-only port kept for the legacy scraper
    expires: 2026-01-31
  - rule: KIA-ETCD-001
    reason: nothing matches this
    expires: 2027-01-01
`;

describe('baseline file', () => {
  it('reads YAML and JSON into entries', () => {
    const baseline = parseBaseline(parse(YAML_FILE), 'accepted.yaml');
    assert.deepEqual(baseline.entries[0], { rule: 'KIA-KUBELET-005', target: 'kia-worker-*', reason: 'serving certificates move to serverTLSBootstrap (OPS-42)', expires: '2026-06-15' });
    assert.equal(baseline.entries[1]?.port, 10255);
    const json = parseBaseline(JSON.parse('{"waivers":[{"rule":"KIA-ANY-002","reason":"r","expires":"2030-12-31"}]}'), 'b.json');
    assert.deepEqual(json.entries, [{ rule: 'KIA-ANY-002', reason: 'r', expires: '2030-12-31' }]);
  });

  it('a malformed file is one line naming the file and the waiver', () => {
    const cases: [unknown, string][] = [
      [null, 'b.yaml: a baseline is a mapping with a "waivers" list'],
      [[], 'b.yaml: a baseline is a mapping with a "waivers" list'],
      [{ waivers: [], version: 1 }, 'b.yaml: unknown field "version" (a baseline has only "waivers")'],
      [{ waivers: ['KIA-ANY-001'] }, 'b.yaml: waiver 1: each waiver is a mapping with rule, reason and expires'],
      [{ waivers: [{ rule: 'KIA-ANY-001', reason: 'r' }] }, 'b.yaml: waiver 1: "expires" must be a non-empty string'],
      [{ waivers: [{ rule: 'KIA-ANY-001', reason: 'r', expires: '2026-02-30' }] }, 'b.yaml: waiver 1: "expires" must be a date YYYY-MM-DD, not "2026-02-30"'],
      [{ waivers: [{ rule: 'KIA-ANY-001', reason: 'r', expires: '31/12/2026' }] }, 'b.yaml: waiver 1: "expires" must be a date YYYY-MM-DD, not "31/12/2026"'],
      [{ waivers: [{ rule: 'KIA-ANY-001', expires: '2026-12-31' }] }, 'b.yaml: waiver 1: "reason" must be a non-empty string'],
      [{ waivers: [{ rule: 'KIA-ANY-001', reason: 'r', expires: '2026-12-31', port: '10250' }] }, 'b.yaml: waiver 1: "port" must be a port number from 1 to 65535'],
      [{ waivers: [{ rule: 'KIA-ANY-001', reason: 'r', expires: '2026-12-31' }, { rule: 'KIA-ANY-001', reason: 'r', expiry: '2026-12-31' }] }, 'b.yaml: waiver 2: unknown field "expiry" (fields: rule, target, port, reason, expires)'],
    ];
    for (const [data, message] of cases) {
      assert.throws(() => parseBaseline(data, 'b.yaml'), (error: unknown) => error instanceof InputError && error.message === message && !error.message.includes('\n'), message);
    }
  });
});

describe('applying a baseline', () => {
  const applied = applyBaseline(REPORT, parseBaseline(parse(YAML_FILE), 'accepted.yaml'));
  const waiverOf = (rule: string, node: string) => applied.findings.find((f) => f.rule === rule && f.node === node)?.waiver;

  it('waives through the expiry day, matched by rule and a glob on the node name', () => {
    // The hunt started on 2026-06-15 (UTC): the last day of the first waiver.
    assert.deepEqual(waiverOf('KIA-KUBELET-005', 'kia-worker-1'), { reason: 'serving certificates move to serverTLSBootstrap (OPS-42)', expires: '2026-06-15', expired: false });
    assert.deepEqual(waiverOf('KIA-KUBELET-005', 'kia-worker-2'), { reason: 'serving certificates move to serverTLSBootstrap (OPS-42)', expires: '2026-06-15', expired: false });
    const nextDay = applyBaseline({ ...REPORT, startedAt: '2026-06-16T00:00:00.000Z' }, parseBaseline(parse(YAML_FILE), 'accepted.yaml'));
    assert.equal(nextDay.findings[0]?.waiver?.expired, true);
  });

  it('an expired waiver no longer waives, and a note says so', () => {
    assert.deepEqual(waiverOf('KIA-ANY-002', 'kia-worker-3'), { reason: 'read-only port kept for the legacy scraper', expires: '2026-01-31', expired: true });
    assert.ok(applied.notes.includes('baseline accepted.yaml: waiver 2 (KIA-ANY-* on 10.0.0.13 port 10255) expired on 2026-01-31; 1 finding counts again'), applied.notes.join('\n'));
  });

  it('leaves findings no waiver matches alone, and notes a waiver that matched nothing', () => {
    assert.equal(waiverOf('KIA-KUBELET-001', 'kia-worker-3'), undefined);
    assert.ok(applied.notes.includes('baseline accepted.yaml: waiver 3 (KIA-ETCD-001) matched no finding'));
  });

  it('a port that differs does not match', () => {
    const other = applyBaseline(REPORT, parseBaseline({ waivers: [{ rule: 'KIA-KUBELET-001', target: 'KIA-WORKER-3', port: 10255, reason: 'r', expires: '2030-01-01' }] }, 'b.yaml'));
    assert.equal(other.findings[3]?.waiver, undefined);
    const same = applyBaseline(REPORT, parseBaseline({ waivers: [{ rule: 'KIA-KUBELET-001', target: 'KIA-WORKER-3', port: 10250, reason: 'r', expires: '2030-01-01' }] }, 'b.yaml'));
    assert.equal(same.findings[3]?.waiver?.expired, false, 'targets match case-insensitively');
  });

  it('--fail-on counts what is not waived, and what an expired waiver no longer covers', () => {
    assert.deepEqual(atOrAbove(applied.findings, 'low').map((f) => `${f.rule}@${f.node}`), ['KIA-ANY-002@kia-worker-3', 'KIA-KUBELET-001@kia-worker-3']);
    const waiveAll = applyBaseline(REPORT, parseBaseline({ waivers: [{ rule: '*', reason: 'lab', expires: '2030-01-01' }] }, 'b.yaml'));
    assert.deepEqual(atOrAbove(waiveAll.findings, 'info'), []);
    assert.equal(waiveAll.findings.length, 4, 'waived findings stay in the report');
  });
});
