// Debian's Chromium driven by playwright-core: the dashboard's component test and, later, end-to-end tests against
// the real `kia serve`. Never downloads a browser; keeps Chromium off the network; collects what would be a bug on
// the page (console errors, uncaught exceptions, CSP violations) so a test can assert there were none.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';

/** Debian's chromium wrapper; `KIA_CHROMIUM` points elsewhere. */
export const CHROMIUM_PATH = process.env.KIA_CHROMIUM ?? '/usr/bin/chromium';

/** Where screenshots go (ignored by git; kept as test output). */
export const SCREENSHOT_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'test-output', 'screenshots');

// No GPU, no QUIC, no background traffic, and every host name except 127.0.0.1 unresolvable.
export const CHROMIUM_ARGS: readonly string[] = [
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
];

/** Launches headless Chromium from the system, failing with one clear line when it is not installed. */
export async function launchBrowser(options: { executablePath?: string } = {}): Promise<Browser> {
  const executablePath = options.executablePath ?? CHROMIUM_PATH;
  if (!fs.existsSync(executablePath)) {
    throw new Error(`Chromium not found at ${executablePath}: install Debian's (apt-get install -y --no-install-recommends chromium) or set KIA_CHROMIUM; playwright-core never downloads one`);
  }
  return chromium.launch({ executablePath, headless: true, args: [...CHROMIUM_ARGS] });
}

/** Runs `fn` with a fresh browser and closes it afterwards, whatever happens. */
export async function withBrowser<T>(fn: (browser: Browser) => Promise<T>): Promise<T> {
  const browser = await launchBrowser();
  try {
    return await fn(browser);
  } finally {
    await browser.close();
  }
}

export interface OpenDashboardOptions {
  /** CSS pixels; default 1280x900. */
  viewport?: { width: number; height: number };
  /** Phone emulation (meta viewport, touch). */
  isMobile?: boolean;
  /** Wait for the first rendered state (`body[data-cycle]`) before returning; default true. */
  waitForState?: boolean;
  /** Default 15 s. */
  timeoutMs?: number;
}

export interface DashboardPage {
  page: Page;
  context: BrowserContext;
  /** Console errors, uncaught exceptions and CSP violations seen so far (each one line). */
  problems(): Promise<string[]>;
  /** The grid cell of one node and component (`button.cell` or, where the node runs none, the dash). */
  cell(node: string, component: string): Locator;
  /** Waits until the page has rendered the state of cycle `n`. */
  waitForCycle(n: number): Promise<void>;
  /** Evaluates an expression in the page (a string: the test code has no DOM types). */
  evaluate<T>(expression: string): Promise<T>;
  /** A PNG under test-output/screenshots/ (the full page unless `fullPage: false`); returns its path. */
  screenshot(name: string, options?: { fullPage?: boolean }): Promise<string>;
  close(): Promise<void>;
}

// Runs before the page's own script: CSP violations become data the test can read.
const CSP_LISTENER = `window.__kiaCsp = [];
document.addEventListener('securitypolicyviolation', (e) => window.__kiaCsp.push(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline')));`;

/** Opens the dashboard at `url` (the page, e.g. `http://127.0.0.1:PORT/` or a prefix ending in `/`) in a new context. */
export async function openDashboard(browser: Browser, url: string, options: OpenDashboardOptions = {}): Promise<DashboardPage> {
  const timeout = options.timeoutMs ?? 15_000;
  const context = await browser.newContext({
    viewport: options.viewport ?? { width: 1280, height: 900 },
    isMobile: options.isMobile ?? false,
    hasTouch: options.isMobile ?? false,
    deviceScaleFactor: 1,
    serviceWorkers: 'block',
  });
  context.setDefaultTimeout(timeout);
  const page = await context.newPage();
  const seen: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') seen.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => seen.push(`exception: ${err.message}`));
  await page.addInitScript(CSP_LISTENER);
  const evaluate = <T>(expression: string): Promise<T> => page.evaluate(expression) as Promise<T>;
  const dashboard: DashboardPage = {
    page,
    context,
    async problems() {
      const csp = page.isClosed() ? [] : await evaluate<string[]>('window.__kiaCsp || []');
      return [...seen, ...csp.map((v) => `csp: ${v}`)];
    },
    cell: (node, component) => page.locator(`.cell[data-node=${JSON.stringify(node)}][data-component=${JSON.stringify(component)}]`),
    async waitForCycle(n) {
      await page.waitForSelector(`body[data-cycle="${n}"]`, { state: 'attached' });
    },
    evaluate,
    async screenshot(name, shot = {}) {
      fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
      const file = path.join(SCREENSHOT_DIR, `${name.replace(/[^\w.-]+/g, '-')}.png`);
      await page.screenshot({ path: file, fullPage: shot.fullPage ?? true });
      return file;
    },
    close: () => context.close(),
  };
  try {
    await page.goto(url, { waitUntil: 'domcontentloaded' });
    if (options.waitForState ?? true) await page.waitForSelector('body[data-cycle]', { state: 'attached' });
  } catch (err) {
    const problems = await dashboard.problems().catch(() => seen);
    await context.close();
    throw new Error(`dashboard at ${url} did not render a state${problems.length ? ` (${problems.join('; ')})` : ''}`, { cause: err });
  }
  return dashboard;
}
