// Static guards on the dashboard's built assets, without a browser (the page itself is tested in test/dashboard.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import vm from 'node:vm';
import { DASHBOARD_CSP, loadDashboard } from './dashboard.ts';

// The build's output (npm run build bundles src/dashboard/ into dist/dashboard/), as the server reads it.
const DASHBOARD_ASSETS = loadDashboard();
const DASHBOARD_HTML = DASHBOARD_ASSETS['/']?.body ?? '';
const DASHBOARD_JS = DASHBOARD_ASSETS['/app.js']?.body ?? '';
const DASHBOARD_CSS = DASHBOARD_ASSETS['/app.css']?.body ?? '';

test('the script parses as a classic script', () => {
  assert.doesNotThrow(() => new vm.Script(DASHBOARD_JS, { filename: 'app.js' }));
});

test('the script never parses markup or code from strings', () => {
  for (const sink of ['innerHTML', 'outerHTML', 'insertAdjacentHTML', 'document.write', 'eval(', 'new Function', 'setAttribute(\'style\'', 'setAttribute("style"']) {
    assert.equal(DASHBOARD_JS.includes(sink), false, `app.js uses ${sink}`);
  }
});

test('the page has no inline script, style or handler, and only relative URLs', () => {
  assert.doesNotMatch(DASHBOARD_HTML, /<script(?![^>]*\ssrc=)/);
  assert.doesNotMatch(DASHBOARD_HTML, /<style|\sstyle=|\son[a-z]+=/i);
  const urls = [...DASHBOARD_HTML.matchAll(/\s(?:src|href)="([^"]*)"/g)].map((m) => m[1]);
  assert.deepEqual(urls, ['data:,', 'app.css', 'app.js']);
  assert.doesNotMatch(DASHBOARD_JS, /['"]\/api\//, 'API paths are relative to the page');
  assert.doesNotMatch(DASHBOARD_CSS, /@import|url\(/);
});

test('the CSP allows only the page\'s own script, style and API', () => {
  const directives = new Map(DASHBOARD_CSP.split(';').map((d) => { const [name = '', ...values] = d.trim().split(/\s+/); return [name, values.join(' ')]; }));
  assert.equal(directives.get('default-src'), "'none'");
  assert.equal(directives.get('script-src'), "'self'");
  assert.equal(directives.get('style-src'), "'self'");
  assert.equal(directives.get('connect-src'), "'self'");
  assert.equal(directives.get('frame-ancestors'), "'none'");
});

test('the assets are served as the page references them', () => {
  assert.deepEqual(Object.keys(DASHBOARD_ASSETS), ['/', '/app.js', '/app.css']);
  assert.match(DASHBOARD_ASSETS['/app.js']?.contentType ?? '', /^text\/javascript; charset=utf-8$/);
});

test('a missing build is one clear error naming the fix', () => {
  assert.throws(() => loadDashboard('/nonexistent/kia-dashboard'), /^InputError: cannot read the dashboard's \/nonexistent\/kia-dashboard\/index\.html: ENOENT \(run `npm run build`\)$/);
});
