// The dashboard end to end, as a person sees it: real `kia serve` probing a real lab, opened in Debian's Chromium.
// A cell turns red in the cycle after `lab.fault(... down)` (waiting on the cycle event, then on the page's own
// selector), the findings of a real audit are listed, and the certificate timeline shows the lab's certificates.
// Screenshots are kept under test-output/screenshots/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { startTestLab, type TestLab } from './helpers.ts';
import { launchBrowser, openDashboard } from './browser.ts';
import { serve, type Service } from '../src/serve/index.ts';
import { labServeOptions } from './serve-lab.ts';

let t: TestLab;
let service: Service;
let browser: Browser;
const CP = 'kia-control-plane';

before(async () => {
  // mixed: the control plane serves etcd over plain HTTP and the workers cycle through insecure profiles, so the
  // audit has findings to show.
  t = await startTestLab({ network: 18, nodes: 3, kubernetesVersion: '1.36', profile: 'mixed' });
  service = await serve({ ...labServeOptions(t), listen: { host: '127.0.0.1', port: 0, token: 'let-me-see' } });
  await service.runCycle();
  await service.runAudit();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await service?.close();
  await t?.stop();
});

test('the grid, the findings and the certificate timeline; a cell turns red in the cycle after a fault', async () => {
  const dashboard = await openDashboard(browser, `${service.url}?token=let-me-see`);
  try {
    const { page } = dashboard;
    // The grid: three nodes; the control plane runs all six components, the workers a kubelet and a kube-proxy.
    for (const component of ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubelet', 'kube-proxy']) {
      assert.equal(await dashboard.cell(CP, component).getAttribute('data-state'), 'healthy', component);
    }
    assert.equal(await dashboard.cell('kia-worker-1', 'kubelet').getAttribute('data-state'), 'healthy');
    assert.equal(await dashboard.cell('kia-worker-1', 'etcd').getAttribute('data-state'), 'absent');
    assert.equal((await dashboard.cell(CP, 'etcd').innerText()).trim(), 'healthy');

    // Findings from the real audit: the insecure profiles give critical ones, listed first.
    const severities = await page.locator('#findings-body tr.finding').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-severity')));
    assert.ok(severities.length > 0, 'findings are listed');
    assert.equal(severities[0], 'critical');
    const rules = await page.locator('#findings-body tr.finding').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-rule')));
    assert.ok(rules.includes('KIA-ETCD-001') || rules.some((r) => r?.startsWith('KIA-KUBELET-')), `rules shown: ${rules.join(', ')}`);

    // The certificate timeline: every TLS port of the lab is on it, a year out, healthy.
    const markers = page.locator('#timeline .cert-marker');
    assert.ok((await markers.count()) > 0, 'certificates on the timeline');
    const states = await markers.evaluateAll((m) => m.map((e) => e.getAttribute('data-state')));
    assert.ok(states.every((s) => s === 'healthy'), `timeline states: ${states.join(', ')}`);
    await dashboard.screenshot('serve-dashboard-healthy');

    // Open the etcd cell, then kill etcd: the next cycle turns the cell red while the panel stays open.
    await dashboard.cell(CP, 'kube-scheduler').click();
    await page.waitForSelector(`#panel[data-cell="${CP}/kube-scheduler"]`);
    const before = service.monitor.cycle;
    await t.lab.fault(CP, 'kube-scheduler', 'down');
    const cycled = new Promise<number>((resolve) => service.once('cycle', ({ cycle }) => resolve(cycle)));
    void service.runCycle();
    assert.equal(await cycled, before + 1);
    await page.waitForSelector(`.cell[data-node="${CP}"][data-component="kube-scheduler"][data-state="down"]`);
    assert.equal((await dashboard.cell(CP, 'kube-scheduler').innerText()).trim(), 'down');
    await page.waitForSelector(`#panel[data-cell="${CP}/kube-scheduler"][data-cell-state="down"]`);
    assert.match(await page.locator('#panel').innerText(), /connection refused/);
    await dashboard.screenshot('serve-dashboard-scheduler-down');

    // Cleared, it comes back green on the next cycle.
    await t.lab.fault(CP, 'kube-scheduler', 'clear');
    await service.runCycle();
    await page.waitForSelector(`.cell[data-node="${CP}"][data-component="kube-scheduler"][data-state="healthy"]`);
    assert.deepEqual(await dashboard.problems(), []);
  } finally {
    await dashboard.close();
  }
});

test('on a phone the page does not overflow sideways', async () => {
  const dashboard = await openDashboard(browser, `${service.url}?token=let-me-see`, { viewport: { width: 390, height: 844 }, isMobile: true });
  try {
    const overflow = await dashboard.evaluate<boolean>('document.documentElement.scrollWidth > window.innerWidth');
    assert.equal(overflow, false);
    await dashboard.screenshot('serve-dashboard-phone');
  } finally {
    await dashboard.close();
  }
});

test('without the token the dashboard is not served', async () => {
  const res = await fetch(service.url);
  assert.equal(res.status, 401);
});
