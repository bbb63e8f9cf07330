// The Host and Origin rules on their own, header by header (the server's answers to them are in
// test/serve-access.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crossSiteReason, hostAllowed, parseHost } from './origin-guard.ts';

const LOOPBACK = { listenHost: '127.0.0.1', port: 9470 };

test('Host headers are split into a lower-case name and a port', () => {
  assert.deepEqual(parseHost('LocalHost:9470'), { name: 'localhost', port: 9470 });
  assert.deepEqual(parseHost('[::1]:9470'), { name: '::1', port: 9470 });
  assert.deepEqual(parseHost('kia.example.com.'), { name: 'kia.example.com' });
  for (const bad of ['', ':9470', 'a b', 'x:99999', 'user@host', '[zz]:1', 'a/b', '::1']) assert.equal(parseHost(bad), undefined, bad);
});

test('on loopback: localhost, loopback literals and the listen address, on our port or none', () => {
  for (const host of ['127.0.0.1:9470', 'localhost:9470', 'LOCALHOST', '127.0.0.1', '127.8.9.10:9470', '[::1]:9470', '[::ffff:127.0.0.1]:9470']) {
    assert.equal(hostAllowed(host, LOOPBACK), true, host);
  }
  for (const host of [undefined, '', 'rebind.attacker.example', 'rebind.attacker.example:9470', 'localhost:9471', '127.0.0.1:80', '10.0.0.5:9470', 'localhost.attacker.example:9470', '127.0.0.1.nip.io:9470']) {
    assert.equal(hostAllowed(host, LOOPBACK), false, String(host));
  }
});

test('names given with allowedHosts, any port or only the one named', () => {
  const policy = { ...LOOPBACK, allowedHosts: ['kia.example.com', 'proxy.example.com:443'] };
  assert.equal(hostAllowed('kia.example.com', policy), true);
  assert.equal(hostAllowed('KIA.example.com:8443', policy), true);
  assert.equal(hostAllowed('proxy.example.com:443', policy), true);
  assert.equal(hostAllowed('proxy.example.com:8443', policy), false);
  assert.equal(hostAllowed('other.example.com:9470', policy), false);
});

test('on every address: IP literals too (they cannot be rebound), but still no foreign name', () => {
  for (const listenHost of ['0.0.0.0', '::']) {
    const policy = { listenHost, port: 9470 };
    assert.equal(hostAllowed('10.0.0.5:9470', policy), true, listenHost);
    assert.equal(hostAllowed('[fd00::5]:9470', policy), true, listenHost);
    assert.equal(hostAllowed('node-7.cluster.example:9470', policy), false, listenHost);
  }
  assert.equal(hostAllowed('10.0.0.5:9470', { listenHost: '10.0.0.5', port: 9470 }), true);
  assert.equal(hostAllowed('10.0.0.6:9470', { listenHost: '10.0.0.5', port: 9470 }), false);
});

test('a request from another site is named; our own origin, a typed address and no browser are not', () => {
  const host = '127.0.0.1:9470';
  assert.equal(crossSiteReason({ host }), undefined);
  assert.equal(crossSiteReason({ host, origin: 'http://127.0.0.1:9470' }), undefined);
  assert.equal(crossSiteReason({ host: 'kia.example.com', origin: 'https://kia.example.com:443' }), undefined);
  assert.equal(crossSiteReason({ host, 'sec-fetch-site': 'same-origin' }), undefined);
  assert.equal(crossSiteReason({ host, 'sec-fetch-site': 'none' }), undefined);
  assert.equal(crossSiteReason({ host, origin: 'http://attacker.example' }), 'Origin http://attacker.example');
  assert.equal(crossSiteReason({ host, origin: 'http://127.0.0.1:8080' }), 'Origin http://127.0.0.1:8080');
  assert.equal(crossSiteReason({ host, origin: 'null' }), 'an unreadable Origin');
  assert.equal(crossSiteReason({ host, 'sec-fetch-site': 'cross-site' }), 'Sec-Fetch-Site: cross-site');
  assert.equal(crossSiteReason({ host, 'sec-fetch-site': 'same-site' }), 'Sec-Fetch-Site: same-site');
});
