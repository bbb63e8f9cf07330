// The Prometheus alerting rules for `kia serve` (deploy/prometheus/kia-alerts.yml), checked and unit-tested by
// promtool from Debian's prometheus package (/usr/bin/promtool; .ci/run installs it, PROMTOOL overrides the path).
// Not skipped when promtool is missing: CI must have it, so a missing promtool is a failure with one clear line.
// The negative controls break the rules in a temp dir and show that the unit tests then fail, and fail for the
// right reason (the test that guards that line).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { CERT_THRESHOLDS } from '../src/audit/rules/tls.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RULES = path.join(ROOT, 'deploy/prometheus/kia-alerts.yml');
const TESTS = path.join(ROOT, 'deploy/prometheus/kia-alerts.test.yml');
const DOCS = path.join(ROOT, 'docs/alerts.md');
const PROMTOOL = process.env.PROMTOOL ?? 'promtool';
const RUNBOOK = 'https://github.com/kia-project/kia/blob/main/docs/alerts.md#';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function promtool(...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(PROMTOOL, args, { encoding: 'utf8', timeout: 120_000 }, (error, stdout, stderr) => {
      const code = (error as { code?: unknown } | null)?.code;
      if (code === 'ENOENT') {
        reject(new Error(`${PROMTOOL} not found: install Debian's prometheus package ` +
          '(apt-get install -y --no-install-recommends prometheus, as .ci/run does) or set PROMTOOL'));
        return;
      }
      resolve({ code: error ? (typeof code === 'number' ? code : -1) : 0, stdout, stderr });
    });
  });
}

// Hand-written: the alerts the brief asks for, their severity and their `for:`.
const EXPECTED: Record<string, { severity: 'warning' | 'critical'; for: string }> = {
  KiaExporterStale: { severity: 'warning', for: '2m' },
  KiaComponentDown: { severity: 'critical', for: '1m' },
  KiaComponentDegraded: { severity: 'warning', for: '5m' },
  KiaHealthCheckFailing: { severity: 'warning', for: '2m' },
  KiaKubeProxyStale: { severity: 'warning', for: '2m' },
  KiaCertificateExpiringSoon: { severity: 'warning', for: '15m' },
  KiaCertificateExpiryCritical: { severity: 'critical', for: '5m' },
  KiaCertificateNotVerified: { severity: 'warning', for: '10m' },
  KiaNewCriticalFinding: { severity: 'critical', for: '5m' },
};

interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
function anchor(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\- ]/gu, '').replace(/ /g, '-');
}

describe('alerting rules: promtool', () => {
  it('promtool is installed', async () => {
    const res = await promtool('--version');
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout + res.stderr, /promtool, version 2\./);
  });

  it('promtool check rules accepts deploy/prometheus/kia-alerts.yml', async () => {
    const res = await promtool('check', 'rules', RULES);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    assert.match(res.stdout, /SUCCESS: 9 rules found/);
  });

  it('promtool test rules passes deploy/prometheus/kia-alerts.test.yml', async () => {
    const res = await promtool('test', 'rules', TESTS);
    assert.equal(res.code, 0, res.stdout + res.stderr);
    assert.match(res.stdout, /SUCCESS/);
    assert.doesNotMatch(res.stdout + res.stderr, /FAILED/);
  });

  it('promtool check rules rejects a broken rule file (the check can fail)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kia-alerts-'));
    try {
      const broken = fs.readFileSync(RULES, 'utf8').replace('expr: kia_component_up == 0', 'expr: kia_component_up == ');
      fs.writeFileSync(path.join(dir, 'kia-alerts.yml'), broken);
      const res = await promtool('check', 'rules', path.join(dir, 'kia-alerts.yml'));
      assert.notEqual(res.code, 0, res.stdout + res.stderr);
      assert.match(res.stderr, /KiaComponentDown|parse error/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('alerting rules: negative controls (a broken rule makes promtool test rules fail)', { concurrency: true }, () => {
  // [what is broken, exact text in the rules, its replacement, the unit test that must catch it, its alert]
  const mutants: Array<[string, string, string, string, string]> = [
    ['certificate warning at 300 days instead of 30', '< 30 * 86400', '< 300 * 86400',
      'certificates under 30 days warn', 'KiaCertificateExpiringSoon'],
    ['component down after 15 s instead of 1 min', 'expr: kia_component_up == 0\n        for: 1m', 'expr: kia_component_up == 0\n        for: 15s',
      'component down for 30 s does not fire', 'KiaComponentDown'],
    ['no absent() half in KiaExporterStale', '          or\n          absent(kia_last_cycle_timestamp_seconds)\n', '',
      'an exporter that is gone', 'KiaExporterStale'],
    ['checks of a down component not excluded', '          unless on (node, component)\n          kia_component_up == 0\n', '',
      "a down component's checks do not", 'KiaHealthCheckFailing'],
    ['new findings without the "kia was running an hour ago" gate', '            and on ()\n            count(kia_last_cycle_timestamp_seconds offset 1h)\n', '',
      'critical findings present since the exporter started', 'KiaNewCriticalFinding'],
  ];
  for (const [what, from, to, testName, alertname] of mutants) {
    it(what, async () => {
      const rules = fs.readFileSync(RULES, 'utf8');
      assert.equal(rules.split(from).length - 1, 1, `exactly one ${JSON.stringify(from)} in kia-alerts.yml`);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kia-alerts-'));
      try {
        fs.writeFileSync(path.join(dir, 'kia-alerts.yml'), rules.replace(from, to));
        fs.copyFileSync(TESTS, path.join(dir, 'kia-alerts.test.yml'));
        // Still a valid rule file: it is the unit tests, not the parser, that must catch it.
        const check = await promtool('check', 'rules', path.join(dir, 'kia-alerts.yml'));
        assert.equal(check.code, 0, check.stdout + check.stderr);
        const res = await promtool('test', 'rules', path.join(dir, 'kia-alerts.test.yml'));
        const out = res.stdout + res.stderr;
        assert.notEqual(res.code, 0, `promtool test rules passed with the rules broken (${what}):\n${out}`);
        assert.match(out, /FAILED/);
        const failedTests = out.split('\n').filter((line) => line.trimStart().startsWith('name: '));
        assert.ok(failedTests.some((line) => line.includes(testName)), `the failure names the test "${testName}":\n${out}`);
        assert.ok(out.includes(`alertname: ${alertname},`), `the failure names ${alertname}:\n${out}`);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});

describe('alerting rules: shape, runbooks and coverage', () => {
  const doc = YAML.parse(fs.readFileSync(RULES, 'utf8')) as { groups: Array<{ name: string; rules: AlertRule[] }> };
  const rules = doc.groups.flatMap((g) => g.rules);

  it('one group `kia` with exactly the expected alerts, severities and `for:`', () => {
    assert.deepEqual(doc.groups.map((g) => g.name), ['kia']);
    assert.deepEqual(rules.map((r) => r.alert).sort(), Object.keys(EXPECTED).sort());
    for (const rule of rules) {
      const expected = EXPECTED[rule.alert];
      assert.ok(expected, rule.alert);
      assert.equal(rule.labels?.severity, expected.severity, rule.alert);
      assert.equal(rule.for, expected.for, rule.alert);
    }
  });

  it('every alert has a summary and a description that use its labels, and a runbook_url to its section', () => {
    const headings = new Set([...fs.readFileSync(DOCS, 'utf8').matchAll(/^#{2,3} (.+)$/gm)].map((m) => anchor(m[1] ?? '')));
    for (const rule of rules) {
      const a = rule.annotations ?? {};
      assert.match(a.summary ?? '', /\$labels\./, `${rule.alert} summary`);
      assert.match(a.description ?? '', /\$labels\./, `${rule.alert} description`);
      assert.equal(a.runbook_url, RUNBOOK + rule.alert.toLowerCase(), `${rule.alert} runbook_url`);
      assert.ok(headings.has(rule.alert.toLowerCase()), `docs/alerts.md has a section #${rule.alert.toLowerCase()}`);
    }
  });

  it("certificate thresholds are kia's CERT_THRESHOLDS (30 and 7 days)", () => {
    assert.deepEqual(CERT_THRESHOLDS, { warningDays: 30, criticalDays: 7 });
    const expr = (name: string) => rules.find((r) => r.alert === name)?.expr ?? '';
    assert.equal(expr('KiaCertificateExpiringSoon').trim(),
      `kia_certificate_not_after_seconds - time() < ${CERT_THRESHOLDS.warningDays} * 86400`);
    assert.equal(expr('KiaCertificateExpiryCritical').trim(),
      `kia_certificate_not_after_seconds - time() < ${CERT_THRESHOLDS.criticalDays} * 86400`);
  });

  it('the unit tests show every alert both firing and not firing', () => {
    const suite = YAML.parse(fs.readFileSync(TESTS, 'utf8')) as {
      tests: Array<{ alert_rule_test?: Array<{ alertname: string; exp_alerts?: unknown[] }> }>;
    };
    const checks = suite.tests.flatMap((t) => t.alert_rule_test ?? []);
    for (const name of Object.keys(EXPECTED)) {
      const mine = checks.filter((c) => c.alertname === name);
      assert.ok(mine.some((c) => (c.exp_alerts ?? []).length > 0), `${name} is tested firing`);
      assert.ok(mine.some((c) => (c.exp_alerts ?? []).length === 0), `${name} is tested not firing`);
    }
  });
});
