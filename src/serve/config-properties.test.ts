// kia serve's YAML config under fast-check: valid files load as written (paths resolved against the file), a wrong
// key, type or range is an InputError naming it, and no text makes the loader throw anything else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import YAML from 'yaml';
import { InputError } from '../errors.ts';
import { loadServeConfig } from './config.ts';

// The documented ranges, written here as the test expects them (name, min, max).
const RANGES: readonly (readonly [string, number, number])[] = [['interval', 1, 86_400], ['jitter', 0, 0.5], ['concurrency', 1, 4096], ['timeout', 100, 120_000], ['auditInterval', 0, 604_800], ['historySize', 1, 10_000], ['proxyStaleAfter', 1, 86_400]];

const relativePath = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}(\/[a-z0-9-]{1,8}){0,2}$/);

const validConfig = fc.record(
  {
    listen: fc.constantFrom('127.0.0.1:9470', '[::1]:9470'),
    interval: fc.integer({ min: 1, max: 86_400 }),
    jitter: fc.double({ min: 0, max: 0.5, noNaN: true }),
    concurrency: fc.integer({ min: 1, max: 4096 }),
    timeout: fc.integer({ min: 100, max: 120_000 }),
    keepAlive: fc.boolean(),
    auditInterval: fc.integer({ min: 0, max: 604_800 }),
    historySize: fc.integer({ min: 1, max: 10_000 }),
    targets: fc.array(fc.ipV4(), { maxLength: 4 }),
    targetsFile: relativePath,
    context: fc.string({ maxLength: 12 }),
    credentials: fc.record({ cert: relativePath, key: relativePath, cacert: relativePath, insecureSkipVerify: fc.boolean() }, { requiredKeys: [] }),
  },
  { requiredKeys: [] },
);

function withFile(run: (write: (text: string) => string) => void): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kia-config-prop-'));
  try {
    run((text) => {
      const file = path.join(dir, 'serve.yml');
      fs.writeFileSync(file, text);
      return file;
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('property: a valid config loads as written, its relative paths resolved against the file', () => {
  withFile((write) =>
    fc.assert(
      fc.property(validConfig, (config) => {
        const file = write(YAML.stringify(config));
        const loaded = loadServeConfig(file);
        const base = path.dirname(file);
        const expected = structuredClone(config) as Record<string, unknown>;
        if (config.targetsFile !== undefined) expected.targetsFile = path.resolve(base, config.targetsFile);
        const credentials = expected.credentials as Record<string, unknown> | undefined;
        for (const key of ['cert', 'key', 'cacert']) if (typeof credentials?.[key] === 'string') credentials[key] = path.resolve(base, credentials[key] as string);
        assert.deepEqual(loaded, expected);
      }),
      { numRuns: 60 },
    ),
  );
});

test('property: an unknown key is named, with the known ones', () => {
  const known = new Set(['listen', 'interval', 'jitter', 'concurrency', 'timeout', 'keepAlive', 'auditInterval', 'historySize', 'proxyStaleAfter', 'lab', 'targets', 'targetsFile', 'kubeconfig', 'context', 'credentials', 'auth']);
  withFile((write) =>
    fc.assert(
      fc.property(validConfig, fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9]{0,12}$/).filter((k) => !known.has(k)), (config, key) => {
        const file = write(YAML.stringify({ ...config, [key]: 1 }));
        assert.throws(() => loadServeConfig(file), (error: unknown) => error instanceof InputError && error.message.includes(`unknown key ${key} (known: listen,`));
      }),
      { numRuns: 40 },
    ),
  );
});

test('property: a number out of its range is named with the range', () => {
  withFile((write) =>
    fc.assert(
      fc.property(fc.constantFrom(...RANGES), fc.boolean(), fc.double({ min: 0.001, max: 1e9, noNaN: true }), ([name, min, max], below, by) => {
        const value = below ? min - by : max + by;
        const file = write(YAML.stringify({ [name]: value }));
        assert.throws(() => loadServeConfig(file), (error: unknown) => error instanceof InputError && error.message.endsWith(`${name} must be from ${min} to ${max}`));
      }),
      { numRuns: 60 },
    ),
  );
});

test('property: any text loads or is one InputError, never another error', () => {
  withFile((write) =>
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string().map((s) => `interval: ${s}\n`), fc.jsonValue().map((v) => YAML.stringify(v))), (text) => {
        const file = write(text);
        try {
          loadServeConfig(file);
        } catch (error) {
          assert.ok(error instanceof InputError, `${JSON.stringify(text)}: ${String(error)}`);
          assert.ok(!error.message.includes('\n'), 'one line');
        }
      }),
      { numRuns: 200 },
    ),
  );
});
