// The dashboard as a person sees it, in Debian's Chromium: the page, its script and stylesheet served with their CSP
// by a small server in this test (under a path prefix, so relative URLs are checked too), a hand-written cluster
// behind `api/state` and `api/cell`, and an SSE stream the test pushes cycles into. Waits are on selectors only.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { DASHBOARD_CSP, DASHBOARD_HEADERS, loadDashboard } from '../src/serve/dashboard.ts';
import type { MonitorState } from '../src/serve/monitor.ts';
import { launchBrowser, openDashboard } from './browser.ts';
import type { DashboardPage } from './browser.ts';
import { SYNCLOOP_REASON, cells, clusterState } from './dashboard-state.ts';
import type { CellAnswer } from './dashboard-state.ts';

const PREFIX = '/kia/';
// The page, script and stylesheet as `npm run build` made them and kia serve reads them.
const DASHBOARD_ASSETS = loadDashboard();

// Computed colours of the state classes, from the stylesheet's light palette.
const GREEN = 'rgb(46, 125, 50)';
const AMBER = 'rgb(249, 168, 37)';
const RED = 'rgb(198, 40, 40)';
const GREY = 'rgb(117, 117, 117)';

interface FakeServe {
  url: string;
  push(state: MonitorState): void;
  /** Ends every event stream and holds reconnections until `resumeEvents`. */
  dropEvents(): void;
  resumeEvents(): void;
  close(): Promise<void>;
}

/** What `kia serve` answers, from hand-written data: the assets, api/state, api/cell and api/events. */
async function startFakeServe(initial: MonitorState): Promise<FakeServe> {
  let state = initial;
  let byCell = cells(state);
  let paused = false;
  const streams = new Set<http.ServerResponse>();
  const held: http.ServerResponse[] = [];
  const event = (s: MonitorState) => `event: cycle\ndata: ${JSON.stringify(s)}\n\n`;
  const startStream = (res: http.ServerResponse) => {
    res.writeHead(200, { ...DASHBOARD_HEADERS, 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
    // A short reconnection delay keeps the disconnect test quick.
    res.write(`retry: 100\n\n${event(state)}`);
    streams.add(res);
    res.on('close', () => streams.delete(res));
  };
  const json = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { ...DASHBOARD_HEADERS, 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (!url.pathname.startsWith(PREFIX)) return json(res, 404, { error: 'not found' });
    const path = `/${url.pathname.slice(PREFIX.length)}`;
    const asset = DASHBOARD_ASSETS[path];
    if (asset) {
      res.writeHead(200, { ...DASHBOARD_HEADERS, 'content-type': asset.contentType });
      return res.end(asset.body);
    }
    if (path === '/api/state') return json(res, 200, state);
    if (path === '/api/cell') {
      const cell: CellAnswer | undefined = byCell.get(`${url.searchParams.get('node')}/${url.searchParams.get('component')}`);
      return cell ? json(res, 200, cell) : json(res, 404, { error: 'no such cell' });
    }
    if (path === '/api/events') {
      if (paused) held.push(res);
      else startStream(res);
      return;
    }
    json(res, 404, { error: 'not found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${PREFIX}`,
    push(next) {
      state = next;
      byCell = cells(next);
      for (const res of streams) res.write(event(next));
    },
    dropEvents() {
      paused = true;
      for (const res of streams) res.end();
    },
    resumeEvents() {
      paused = false;
      for (const res of held.splice(0)) startStream(res);
    },
    async close() {
      for (const res of [...streams, ...held]) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const style = (dash: DashboardPage, selector: string, property: string) =>
  dash.evaluate<string>(`getComputedStyle(document.querySelector(${JSON.stringify(selector)}))[${JSON.stringify(property)}]`);
const count = (dash: DashboardPage, selector: string) => dash.page.locator(selector).count();
const text = async (dash: DashboardPage, selector: string) => ((await dash.page.locator(selector).textContent()) ?? '').trim();
const cellSelector = (node: string, component: string, state?: string) =>
  `.cell[data-node=${JSON.stringify(node)}][data-component=${JSON.stringify(component)}]${state ? `[data-state=${JSON.stringify(state)}]` : ''}`;

let browser: Browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

describe('dashboard on a desktop', () => {
  let serve: FakeServe;
  let dash: DashboardPage;
  before(async () => {
    serve = await startFakeServe(clusterState());
    dash = await openDashboard(browser, serve.url);
  });
  after(async () => {
    await dash?.close();
    await serve?.close();
  });

  test('the page is served with a CSP that allows no inline script or style', async () => {
    const res = await fetch(serve.url);
    assert.equal(res.headers.get('content-security-policy'), DASHBOARD_CSP);
    assert.match(DASHBOARD_CSP, /script-src 'self'/);
    assert.doesNotMatch(DASHBOARD_CSP, /unsafe-inline|unsafe-eval/);
    assert.doesNotMatch(await res.text(), /<script>|\sstyle=|\son\w+=/);
  });

  test('the grid shows every node and component with its state, in colour and in words', async () => {
    const expected: [string, string, string, string][] = [
      ['cp-1', 'etcd', 'healthy', GREEN],
      ['cp-1', 'kube-apiserver', 'healthy', GREEN],
      ['cp-1', 'kube-controller-manager', 'degraded', AMBER],
      ['cp-1', 'kube-scheduler', 'healthy', GREEN],
      ['cp-1', 'kubelet', 'healthy', GREEN],
      ['cp-1', 'kube-proxy', 'healthy', GREEN],
      ['worker-1', 'kubelet', 'degraded', AMBER],
      ['worker-1', 'kube-proxy', 'healthy', GREEN],
      ['worker-2', 'kubelet', 'healthy', GREEN],
      ['worker-3', 'kube-proxy', 'unknown', GREY],
    ];
    for (const [node, component, state, colour] of expected) {
      const cell = cellSelector(node, component);
      assert.equal(await dash.page.getAttribute(cell, 'data-state'), state, `${node}/${component}`);
      assert.equal(await text(dash, cell), state, `${node}/${component} says its state in words`);
      assert.equal(await style(dash, cell, 'backgroundColor'), colour, `${node}/${component} colour`);
    }
    // A worker runs no etcd: a dash, not a state.
    assert.equal(await dash.page.getAttribute(cellSelector('worker-1', 'etcd'), 'data-state'), 'absent');
    assert.equal(await text(dash, cellSelector('worker-1', 'etcd')), '–');
    assert.equal(await count(dash, '#grid-body tr'), 4);
    assert.deepEqual(await dash.page.locator('#grid-head th').allTextContents(), ['node', 'etcd', 'apiserver', 'controller-manager', 'scheduler', 'kubelet', 'proxy']);

    assert.equal(await text(dash, '#overall'), 'degraded');
    assert.equal(await text(dash, '#cycle'), '1');
    await dash.page.waitForSelector('#conn[data-conn="live"]');
    assert.equal(await text(dash, '#conn'), 'live');
    assert.equal(await dash.page.getAttribute('#state-counts [data-state="degraded"]', 'data-count'), '2');
    await dash.screenshot('desktop-grid');
  });

  test('clicking the degraded kubelet shows its failing check with the reason, certificate, history and access matrix', async () => {
    await dash.page.click(cellSelector('worker-1', 'kubelet'));
    await dash.page.waitForSelector('#panel[data-cell="worker-1/kubelet"][data-cycle="1"]');
    assert.equal(await text(dash, '#panel-title'), 'kubelet on worker-1');
    assert.equal(await text(dash, '#panel-state'), 'degraded');

    const failing = '#panel .check[data-check="syncloop"]';
    assert.equal(await dash.page.getAttribute(failing, 'data-ok'), 'false');
    assert.equal(await text(dash, failing), `✗syncloop failed: ${SYNCLOOP_REASON}`);
    assert.equal(await style(dash, failing, 'color'), RED, 'the failing check stands out');
    assert.equal(await dash.page.isVisible('#panel .check[data-check="ping"]'), false, 'passing checks are folded away');
    assert.match(await text(dash, '#panel .probe[data-route="kubelet.api.healthz"]'), /GET \/healthz\?verbose → 500/);
    assert.match(await text(dash, '#panel .endpoint[data-port="10250"] .cert-line'), /CN=worker-1@1767225600 · expires .* \(5 days left\)/);

    assert.equal(await count(dash, '#panel .history .tick'), 10);
    assert.deepEqual(
      await dash.page.locator('#panel .history .tick').evaluateAll((ticks) => ticks.map((t) => t.getAttribute('data-state'))),
      ['healthy', 'healthy', 'healthy', 'healthy', 'healthy', 'healthy', 'healthy', 'degraded', 'degraded', 'degraded'],
    );

    const matrix = (route: string, identity: string) => `#panel .matrix td[data-route="${route}"][data-identity="${identity}"]`;
    assert.deepEqual(await dash.page.locator('#panel .matrix thead th').allTextContents(), ['route', 'anonymous', 'kia-admin']);
    assert.equal(await text(dash, matrix('kubelet.api.pods', 'anonymous')), '200 ⚠ open');
    assert.equal(await style(dash, matrix('kubelet.api.pods', 'anonymous'), 'backgroundColor'), RED, 'open to anonymous is red');
    assert.equal(await text(dash, matrix('kubelet.api.pods', 'kia-admin')), '200 open');
    assert.notEqual(await style(dash, matrix('kubelet.api.pods', 'kia-admin'), 'backgroundColor'), RED);
    assert.equal(await text(dash, matrix('kubelet.api.configz', 'anonymous')), '401');
    assert.equal(await dash.page.getAttribute(matrix('kubelet.api.configz', 'anonymous'), 'data-open'), 'false');
    assert.equal(await text(dash, matrix('kubelet.api.run', 'anonymous')), '405');
    assert.equal(await text(dash, matrix('kubelet.api.run', 'kia-admin')), 'skipped');
    assert.match(await text(dash, '#panel [data-part="matrix"]'), /1 open to anonymous/);
    const exec = (identity: string) => `#panel .matrix tr[data-route="exec"] td[data-identity="${identity}"]`;
    assert.deepEqual([await text(dash, exec('anonymous')), await text(dash, exec('kia-admin'))], ['inferred', 'proven']);
    assert.equal(await dash.page.getAttribute(exec('kia-admin'), 'data-exec'), 'proven');

    assert.equal(new URL(dash.page.url()).hash, '#node=worker-1&component=kubelet');
    await dash.screenshot('desktop-panel');
  });

  test('the findings list puts the critical one first and counts each severity', async () => {
    const rows = dash.page.locator('#findings-body tr.finding');
    assert.equal(await rows.count(), 2);
    assert.deepEqual(await rows.evaluateAll((trs) => trs.map((tr) => `${tr.getAttribute('data-severity')} ${tr.getAttribute('data-rule')}`)), ['critical KIA-KUBELET-001', 'medium KIA-TLS-002']);
    assert.match(await rows.first().innerText(), /critical\s+KIA-KUBELET-001\s+kubelet API open to anonymous callers .*\s+worker-1 10\.0\.0\.11:10250\s+kubelet/i);
    const counts = await dash.page.locator('#severity-counts li').evaluateAll((lis) => lis.map((li) => `${li.getAttribute('data-severity')}=${li.getAttribute('data-count')}`));
    assert.deepEqual(counts, ['critical=1', 'high=0', 'medium=1', 'low=0', 'info=0']);
    // Sorting by severity the other way, then back.
    await dash.page.click('#findings-table th[data-sort="severity"] button');
    assert.equal(await rows.first().getAttribute('data-severity'), 'medium');
    await dash.page.click('#findings-table th[data-sort="severity"] button');
    assert.equal(await rows.first().getAttribute('data-severity'), 'critical');
  });

  test('the certificate timeline places each certificate by days left, coloured by state, around the 7 and 30 day marks', async () => {
    assert.equal(await count(dash, '#timeline .cert-marker'), 3);
    const marker = (days: number) => `#timeline .cert-marker[data-days="${days}"]`;
    const expected: [number, string, string][] = [[5, 'degraded', AMBER], [20, 'degraded', AMBER], [300, 'healthy', GREEN]];
    for (const [days, state, colour] of expected) {
      assert.equal(await dash.page.getAttribute(marker(days), 'data-state'), state, `${days} days`);
      assert.equal(await style(dash, marker(days), 'backgroundColor'), colour, `${days} days colour`);
    }
    const x = async (selector: string) => {
      const box = await dash.page.locator(selector).boundingBox();
      assert.ok(box, selector);
      return box.x + box.width / 2;
    };
    const order = [await x(marker(5)), await x('#timeline .tl-threshold[data-days="7"]'), await x(marker(20)), await x('#timeline .tl-threshold[data-days="30"]'), await x(marker(300))];
    assert.deepEqual(order, [...order].sort((a, b) => a - b), `5 d < 7 d mark < 20 d < 30 d mark < 300 d: ${order.join(', ')}`);
    const title = await dash.page.getAttribute(marker(5), 'title');
    assert.equal(title, `worker-1 · kubelet · port 10250 (api)\nCN=worker-1@1767225600\nnotAfter 2026-03-07T10:00:00.000Z\n5 days left`);
    assert.deepEqual(await dash.page.locator('#cert-body tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-cert'))), ['worker-1/kubelet/10250', 'cp-1/kube-controller-manager/10257', 'cp-1/etcd/2379']);
  });

  test('a new cycle turns the control-plane etcd red without a reload, keeping the panel, the filter and the scroll', async () => {
    await dash.page.check('#problems-only');
    assert.deepEqual(await dash.page.locator('#grid-body tr:not([hidden])').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-row'))), ['cp-1', 'worker-1']);
    await dash.evaluate('window.__sameDocument = true');
    await dash.evaluate('document.getElementById("panel-body").scrollTop = 40');
    const panelScroll = await dash.evaluate<number>('document.getElementById("panel-body").scrollTop');

    serve.push(clusterState({ cycle: 2, etcdDown: true }));
    await dash.page.waitForSelector(cellSelector('cp-1', 'etcd', 'down'));
    assert.equal(await text(dash, cellSelector('cp-1', 'etcd')), 'down');
    assert.equal(await style(dash, cellSelector('cp-1', 'etcd'), 'backgroundColor'), RED);
    assert.equal(await text(dash, '#overall'), 'down');
    assert.equal(await text(dash, '#cycle'), '2');

    // The open panel stayed open and refreshed itself from api/cell: one more history tick.
    await dash.page.waitForSelector('#panel[data-cell="worker-1/kubelet"][data-cycle="2"]');
    assert.equal(await dash.page.isVisible('#panel'), true);
    assert.equal(await count(dash, '#panel .history .tick'), 11);
    assert.equal(await dash.evaluate<number>('document.getElementById("panel-body").scrollTop'), panelScroll);
    assert.equal(await dash.page.isChecked('#problems-only'), true);
    assert.deepEqual(await dash.page.locator('#grid-body tr:not([hidden])').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-row'))), ['cp-1', 'worker-1']);
    assert.equal(await dash.evaluate('window.__sameDocument'), true, 'no reload');
    await dash.screenshot('desktop-etcd-down');
    await dash.page.uncheck('#problems-only');
  });

  test('the header says when the event stream is lost, and updates resume when it is back', async () => {
    serve.dropEvents();
    await dash.page.waitForSelector('#conn[data-conn="disconnected"]');
    assert.match(await text(dash, '#conn'), /disconnected/);
    serve.resumeEvents();
    await dash.page.waitForSelector('#conn[data-conn="live"]');
    serve.push(clusterState({ cycle: 3 }));
    await dash.page.waitForSelector(cellSelector('cp-1', 'etcd', 'healthy'));
    await dash.waitForCycle(3);
  });

  test('closing the panel with Escape returns focus to its cell', async () => {
    await dash.page.keyboard.press('Escape');
    assert.equal(await dash.page.isVisible('#panel'), false);
    assert.equal(await dash.evaluate('document.activeElement.dataset.node + "/" + document.activeElement.dataset.component'), 'worker-1/kubelet');
    assert.equal(new URL(dash.page.url()).hash, '');
  });

  test('no console errors and no CSP violations', async () => {
    assert.deepEqual(await dash.problems(), []);
  });
});

describe('dashboard before the first cycle', () => {
  let serve: FakeServe;
  let dash: DashboardPage;
  before(async () => {
    // What the server sends before its first cycle has finished: no report, no certificates, no audit.
    const empty: MonitorState = { cycle: 0, checkedAt: null, intervalMs: 10_000, health: null, findings: { auditedAt: null, items: [] }, certificates: [], history: {} };
    serve = await startFakeServe(empty);
    dash = await openDashboard(browser, serve.url);
  });
  after(async () => {
    await dash?.close();
    await serve?.close();
  });

  test('says it is waiting, then fills in when the first cycle arrives', async () => {
    assert.equal(await dash.page.isVisible('#grid-waiting'), true);
    assert.equal(await text(dash, '#checked-at'), 'not yet');
    assert.equal(await text(dash, '#findings-meta'), 'No security audit has run yet.');
    assert.equal(await text(dash, '#certificates-meta'), 'No TLS certificate seen yet.');
    assert.equal(await dash.page.isVisible('#error'), false);
    serve.push(clusterState({ cycle: 1 }));
    await dash.page.waitForSelector(cellSelector('worker-1', 'kubelet', 'degraded'));
    assert.equal(await dash.page.isVisible('#grid-waiting'), false);
    assert.deepEqual(await dash.problems(), []);
  });
});

describe('dashboard on a phone (390x844)', () => {
  let serve: FakeServe;
  let dash: DashboardPage;
  before(async () => {
    serve = await startFakeServe(clusterState());
    dash = await openDashboard(browser, serve.url, { viewport: { width: 390, height: 844 }, isMobile: true });
  });
  after(async () => {
    await dash?.close();
    await serve?.close();
  });

  test('nothing overflows the viewport; the grid scrolls inside its own box; the panel takes the full width', async () => {
    const overflow = 'document.documentElement.scrollWidth - window.innerWidth';
    assert.ok((await dash.evaluate<number>(overflow)) <= 0, `document overflows by ${await dash.evaluate<number>(overflow)} px`);
    assert.ok(await dash.evaluate<boolean>('document.getElementById("grid-wrap").scrollWidth > document.getElementById("grid-wrap").clientWidth'), 'the grid scrolls horizontally in its box');
    await dash.screenshot('phone-grid');

    await dash.page.locator(cellSelector('worker-1', 'kubelet')).scrollIntoViewIfNeeded();
    await dash.page.click(cellSelector('worker-1', 'kubelet'));
    await dash.page.waitForSelector('#panel[data-cycle="1"]');
    assert.equal(await dash.evaluate<number>('document.getElementById("panel").getBoundingClientRect().width'), 390);
    assert.ok(await dash.evaluate<boolean>('document.getElementById("panel-body").scrollWidth <= document.getElementById("panel-body").clientWidth'), 'the panel has no sideways scroll (the matrix scrolls in its own box)');
    assert.ok((await dash.evaluate<number>(overflow)) <= 0);
    await dash.screenshot('phone-panel', { fullPage: false });
    assert.deepEqual(await dash.problems(), []);
  });
});

describe('dashboard with hostile answers', () => {
  const HOSTILE = '<img src=x onerror="window.__pwned=1">';
  let serve: FakeServe;
  let dash: DashboardPage;
  before(async () => {
    const state = clusterState({ syncloopReason: HOSTILE });
    const evil = structuredClone(state.health?.nodes[2]);
    assert.ok(evil);
    evil.name = `"><script>window.__pwned=2</script>`;
    for (const c of evil.components) c.node = evil.name;
    state.health?.nodes.push(evil);
    serve = await startFakeServe(state);
    dash = await openDashboard(browser, serve.url);
  });
  after(async () => {
    await dash?.close();
    await serve?.close();
  });

  test('markup in a check reason or a node name is shown as text', async () => {
    await dash.page.click(cellSelector('worker-1', 'kubelet'));
    await dash.page.waitForSelector('#panel[data-cycle="1"]');
    assert.equal(await text(dash, '#panel .check[data-check="syncloop"] .reason'), `: ${HOSTILE}`);
    assert.equal(await text(dash, '#grid-body tr:last-child th'), `"><script>window.__pwned=2</script>`);
    assert.equal(await count(dash, 'img'), 0);
    assert.equal(await count(dash, 'script'), 1, 'only app.js');
    assert.equal(await dash.evaluate('typeof window.__pwned'), 'undefined');
    assert.deepEqual(await dash.problems(), []);
  });
});

describe('dashboard with 200 nodes', () => {
  let serve: FakeServe;
  let dash: DashboardPage;
  before(async () => {
    serve = await startFakeServe(clusterState({ extraNodes: { count: 200, degraded: [17, 111] } }));
    dash = await openDashboard(browser, serve.url);
  });
  after(async () => {
    await dash?.close();
    await serve?.close();
  });

  test('the filter, the problems toggle and the sticky header keep the grid usable', async () => {
    assert.equal(await count(dash, '#grid-body tr'), 204);
    assert.equal(await text(dash, '#grid-shown'), '204 nodes');

    await dash.page.fill('#filter', 'node-01');
    assert.deepEqual(await dash.page.locator('#grid-body tr:not([hidden])').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-row'))), [
      'node-010', 'node-011', 'node-012', 'node-013', 'node-014', 'node-015', 'node-016', 'node-017', 'node-018', 'node-019',
    ]);
    assert.equal(await text(dash, '#grid-shown'), '10 of 204 nodes');
    await dash.page.check('#problems-only');
    assert.deepEqual(await dash.page.locator('#grid-body tr:not([hidden])').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-row'))), ['node-017']);
    await dash.page.fill('#filter', '');
    assert.deepEqual(await dash.page.locator('#grid-body tr:not([hidden])').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-row'))), ['cp-1', 'worker-1', 'node-017', 'node-111']);
    await dash.page.fill('#filter', 'no-such-node');
    assert.equal(await dash.page.isVisible('#grid-empty'), true);
    await dash.page.fill('#filter', '');
    await dash.page.uncheck('#problems-only');

    // Scrolled to the bottom of its box, the header row is still at the top of it.
    await dash.evaluate('document.getElementById("grid-wrap").scrollTop = 1e6');
    const wrap = await dash.page.locator('#grid-wrap').boundingBox();
    const head = await dash.page.locator('#grid-head th').first().boundingBox();
    assert.ok(wrap && head);
    assert.ok(Math.abs(head.y - wrap.y) <= 2, `header at ${head.y}, box at ${wrap.y}`);
    assert.ok(await dash.page.isVisible(cellSelector('node-200', 'kubelet')));
    // 200 certificates expiring on the same day share one counted marker.
    assert.equal(await count(dash, '#timeline .cert-marker'), 4);
    assert.equal(await text(dash, '#timeline .cert-marker[data-count="200"]'), '200');
    assert.match((await dash.page.getAttribute('#timeline .cert-marker[data-count="200"]', 'title')) ?? '', /^200 certificates, healthy, from 364 days left\nnode-001 · kubelet · port 10250 \(api\): 364 days left\n/);
    const rowHeight = await dash.evaluate<number>('document.querySelector("#grid-body tr").getBoundingClientRect().height');
    assert.ok(rowHeight <= 24, `rows are compact (${rowHeight} px)`);

    // An update keeps the scroll position of the grid.
    const before = await dash.evaluate<number>('document.getElementById("grid-wrap").scrollTop');
    serve.push(clusterState({ cycle: 2, extraNodes: { count: 200, degraded: [17, 111, 199] } }));
    await dash.page.waitForSelector(cellSelector('node-199', 'kubelet', 'degraded'));
    assert.equal(await dash.evaluate<number>('document.getElementById("grid-wrap").scrollTop'), before);
    await dash.screenshot('desktop-200-nodes');
    assert.deepEqual(await dash.problems(), []);
  });
});
