// Reports of real hunts of the lab, read as people and tools read them: a CIDR hunt's text and JSON, SARIF
// fingerprints across two hunts, the text at 100 columns, and the HTML page in Chromium at desktop and phone widths.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { hunt } from '../src/pipelines/hunt.ts';
import { RULES } from '../src/audit/index.ts';
import { renderHtml, renderSarif, renderText } from '../src/report/index.ts';
import { targetsFromLab } from '../src/targets/index.ts';
import type { Report } from '../src/model/index.ts';
import { launchBrowser } from './browser.ts';
import { runKia, startTestLab, type TestLab } from './helpers.ts';

describe('a CIDR hunt lists the hosts that answered and counts the rest', () => {
  let t: TestLab;
  // One node at 127.42.1.1: the other 253 hosts of its /24 (.1 to .254) answer nothing.
  before(async () => (t = await startTestLab({ nodes: 1, network: 21 })));
  after(async () => t?.stop());

  it('text: one counted note, no block per silent host', async () => {
    const run = await runKia(['hunt', '127.42.1.0/24', '--timeout', '1000'], { env: { ...process.env, NO_COLOR: '1' } });
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.split('\n');
    assert.ok(lines.includes('  253 other hosts: no catalog port answered'), run.stdout.slice(-2000));
    assert.ok(lines.includes('127.42.1.1'), 'the host that answered is listed');
    assert.ok(!run.stdout.includes('127.42.1.7'), 'a silent host is not');
    assert.ok(lines.length < 200, `${lines.length} lines`);
    assert.match(run.stdout, /^1 host, \d+ open ports, findings: /m);
  });

  it('JSON: the count and the first 20 addresses', async () => {
    const run = await runKia(['hunt', '127.42.1.0/24', '--timeout', '1000', '-o', 'json']);
    const report = JSON.parse(run.stdout) as Report;
    assert.deepEqual(report.unanswered, {
      count: 253,
      addresses: Array.from({ length: 20 }, (_, i) => `127.42.1.${i + 2}`),
    });
    assert.deepEqual(report.notes.filter((n) => n.includes('no catalog port answered')), ['253 other hosts: no catalog port answered']);
  });
});

describe('two hunts of the same lab, and the reports people read', () => {
  const labs: { t: TestLab; report: Report }[] = [];
  before(async () => {
    // The same lab twice, on two networks: every node keeps its name and gets another address.
    for (const network of [51, 52]) {
      const t = await startTestLab({ nodes: 5, profile: 'mixed', network });
      labs.push({ t, report: await hunt({ targets: targetsFromLab(t.dir), trust: { ca: fs.readFileSync(t.plan.files.ca, 'utf8') } }) });
    }
  });
  after(async () => {
    for (const { t } of labs) await t.stop();
  });

  it('SARIF partialFingerprints are the same in both runs for the same finding, and differ between findings', () => {
    const prints = labs.map(({ report }) => {
      const log = JSON.parse(renderSarif(report, RULES));
      const results = log.runs[0].results as { ruleId: string; properties: { node: string; port: number; address: string }; partialFingerprints: Record<string, string> }[];
      return new Map(results.map((r) => [`${r.ruleId}@${r.properties.node}:${r.properties.port}`, { print: r.partialFingerprints['kiaFinding/v2'], address: r.properties.address }]));
    });
    const [first, second] = prints as [(typeof prints)[0], (typeof prints)[0]];
    assert.ok(first.size >= 20, `${first.size} results`);
    assert.deepEqual([...first.keys()].sort(), [...second.keys()].sort());
    for (const [key, { print, address }] of first) {
      assert.equal(second.get(key)?.print, print, key);
      assert.notEqual(second.get(key)?.address, address, `${key}: the address changed between the runs`);
    }
    assert.equal(new Set([...first.values()].map((v) => v.print)).size, first.size);
  });

  it('text fits 100 columns (commands excepted) and says which chains verified against the given CA', () => {
    const text = renderText(labs[0]!.report, { color: false, rules: RULES });
    for (const line of text.split('\n')) if (!line.startsWith('  $ ')) assert.ok(line.length <= 100, `${line.length}: ${line}`);
    const hardened = text.slice(text.indexOf('kia-worker-1 ('), text.indexOf('kia-worker-2 ('));
    assert.match(hardened.replace(/\n {8}/g, ' '), /certificate O=system:nodes, CN=system:node:kia-worker-1; issuer CN=kubernetes; not after \d{4}-\d\d-\d\d \(in \d+ days\); verified against the given CA/);
    assert.match(text.replace(/\n {8}/g, ' '), /certificate CN=kia-worker-4@\d+; issuer CN=kia-worker-4-ca@\d+; not after \d{4}-\d\d-\d\d \(in \d+ days\); not verified against the given CA: /);
  });

  it('HTML: no horizontal scrollbar at desktop or phone width, certificates included', async () => {
    const html = renderHtml(labs[0]!.report, RULES);
    const browser = await launchBrowser();
    try {
      for (const device of [{ viewport: { width: 1280, height: 900 } }, { viewport: { width: 390, height: 844 }, isMobile: true }]) {
        const page = await (await browser.newContext(device)).newPage();
        await page.setContent(html);
        const overflow = await page.evaluate(`(() => {
          const wide = [...document.querySelectorAll('.scroll, pre, td, li')].filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => e.tagName + ' ' + e.textContent.slice(0, 60));
          return { page: document.documentElement.scrollWidth - window.innerWidth, wide };
        })()`);
        assert.deepEqual(overflow, { page: 0, wide: [] }, `at ${device.viewport.width}px`);
        const certificates = await page.locator('td[data-label="Certificate"]').allTextContents();
        assert.ok(certificates.filter((c) => /^CN=kube-apiserver\s*not after \d{4}-\d\d-\d\d \(in \d+ days\)\s*verified against the given CA$/.test(c)).length === 1, certificates.join(' | '));
        await page.context().close();
      }
    } finally {
      await browser.close();
    }
  });
});
