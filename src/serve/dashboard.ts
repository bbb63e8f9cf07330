// The dashboard's files as kia serve sends them: read once at start from the build (`npm run build` bundles
// src/dashboard/ into dist/dashboard/), with the CSP and headers that every answer of the server carries.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../errors.ts';

/** The Content-Security-Policy to send with the page: only the page's own script, style and API. */
export const DASHBOARD_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Headers for every dashboard response (page, assets and API). */
export const DASHBOARD_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': DASHBOARD_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

export interface DashboardAsset {
  contentType: string;
  body: string;
}

/** Everything the dashboard serves, by path relative to its mount point (every URL in the page is relative). */
export type DashboardAssets = Readonly<Record<string, DashboardAsset>>;

/** dist/dashboard/ at the package's root: the same two levels up from src/serve/ (tsx) and dist/serve/ (built). */
export const DASHBOARD_DIR = fileURLToPath(new URL('../../dist/dashboard/', import.meta.url));

const FILES: readonly (readonly [path: string, file: string, contentType: string])[] = [
  ['/', 'index.html', 'text/html; charset=utf-8'],
  ['/app.js', 'app.js', 'text/javascript; charset=utf-8'],
  ['/app.css', 'app.css', 'text/css; charset=utf-8'],
];

/** Reads the built page, script and stylesheet; a missing build is one clear error naming the fix. */
export function loadDashboard(dir: string = DASHBOARD_DIR): DashboardAssets {
  const assets: Record<string, DashboardAsset> = {};
  for (const [path, file, contentType] of FILES) {
    const at = join(dir, file);
    try {
      assets[path] = { contentType, body: readFileSync(at, 'utf8') };
    } catch (error) {
      throw new InputError(`cannot read the dashboard's ${at}: ${(error as NodeJS.ErrnoException).code ?? String(error)} (run \`npm run build\`)`, { cause: error });
    }
  }
  return assets;
}
