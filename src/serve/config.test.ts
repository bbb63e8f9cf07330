// kia serve's YAML config: the shipped example loads, paths resolve against the file, mistakes are one clear line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadServeConfig } from './config.ts';

const EXAMPLE = path.join(import.meta.dirname, '../../deploy/serve.example.yml');

test('the shipped example loads, relative paths resolved against its folder', () => {
  const config = loadServeConfig(EXAMPLE);
  assert.equal(config.listen, '127.0.0.1:9470');
  assert.equal(config.interval, 30);
  assert.equal(config.lab, path.resolve(path.dirname(EXAMPLE), '../.kia-lab'));
  assert.equal(config.credentials, null);
});

test('unknown keys, wrong types and out-of-range values are named', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kia-config-'));
  try {
    const load = (text: string) => {
      fs.writeFileSync(path.join(dir, 'c.yml'), text);
      return () => loadServeConfig(path.join(dir, 'c.yml'));
    };
    assert.throws(load('intervall: 5\n'), /unknown key intervall \(known: listen, interval,/);
    assert.throws(load('credentials:\n  certt: a\n'), /unknown key credentials\.certt/);
    assert.throws(load('interval: "5"\n'), /interval must be a number/);
    assert.throws(load('jitter: 0.9\n'), /jitter must be from 0 to 0\.5/);
    assert.throws(load('targets: 10.0.0.1\n'), /targets must be a list of strings/);
    assert.throws(load('a: [\n'), /not YAML/);
    assert.throws(() => loadServeConfig(path.join(dir, 'missing.yml')), /cannot read .*missing\.yml: ENOENT/);
    const ok = load('credentials:\n  cert: certs/a.crt\nauth:\n  tokenFile: /abs/token\n')();
    assert.equal(ok.credentials?.cert, path.join(dir, 'certs/a.crt'));
    assert.equal(ok.auth?.tokenFile, '/abs/token');
    assert.deepEqual(load('allowedHosts: [kia.example.com, "proxy.example.com:443"]\n')().allowedHosts, ['kia.example.com', 'proxy.example.com:443']);
    assert.throws(load('allowedHosts: kia.example.com\n'), /allowedHosts must be a list of strings/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
