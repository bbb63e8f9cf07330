// The target parser: addresses, IPv6 literals, CIDR ranges and files of targets, with fast-check properties (no DNS:
// hostnames are left to the lab suites).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import fc from 'fast-check';
import { InputError, KiaError, UsageError } from '../errors.ts';
import { expandCidr, MAX_ADDRESSES, parseTarget, targetsFromFile, uniqueTargets } from './index.ts';

const toInt = (ip: string) => ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);

test('literal cases: a /30 without network and broadcast, a /31 and /32 whole, sizes past /16 and /12', async () => {
  assert.deepEqual(expandCidr('10.0.0.5/30'), ['10.0.0.5', '10.0.0.6']);
  assert.deepEqual(expandCidr('10.0.0.5/31'), ['10.0.0.4', '10.0.0.5']);
  assert.deepEqual(expandCidr('10.0.0.5/32'), ['10.0.0.5']);
  assert.throws(() => expandCidr('10.0.0.0/15'), /holds 131072 addresses, more than a \/16: add --yes/);
  assert.equal(expandCidr('10.0.0.0/15', { yes: true }).length, 131070);
  assert.throws(() => expandCidr('0.0.0.0/0', { yes: true }), /more than kia hunts at once \(a \/12, 1048576\): split the range/);
  for (const bad of ['10.0.0.0/', '10.0.0.0/33', '10.0.0.0/1e1', '10.0.0.0/ 24', '10.0.0.0/24/1', '10.0.0/24']) assert.throws(() => expandCidr(bad), UsageError, bad);
  assert.throws(() => expandCidr('fd00::/64'), /IPv6 ranges are not scanned/);
  assert.deepEqual(await parseTarget('[::1]'), [{ host: '::1', address: '::1', source: 'argument' }]);
});

test('property: any IPv4 or IPv6 literal is one target at that address, bracketed or not', async () => {
  await fc.assert(
    fc.asyncProperty(fc.oneof(fc.ipV4(), fc.ipV6().filter((ip) => net.isIPv6(ip))), async (ip) => {
      const forms = net.isIPv6(ip) ? [ip, `[${ip}]`] : [ip];
      for (const form of forms) {
        const targets = await parseTarget(form);
        assert.equal(targets.length, 1);
        assert.equal(targets[0]?.address, ip);
        assert.equal(targets[0]?.source, 'argument');
      }
    }),
  );
});

test('property: a CIDR expands to its own hosts, ascending, each once, network and broadcast left out', () => {
  fc.assert(
    fc.property(fc.ipV4(), fc.integer({ min: 16, max: 32 }), (base, bits) => {
      const hosts = expandCidr(`${base}/${bits}`);
      const size = 2 ** (32 - bits);
      const network = Math.floor(toInt(base) / size) * size;
      assert.equal(hosts.length, size <= 2 ? size : size - 2);
      const ints = hosts.map(toInt);
      for (const [i, n] of ints.entries()) {
        assert.ok(n >= network && n < network + size, `${hosts[i]} in ${base}/${bits}`);
        if (i > 0) assert.ok(n > (ints[i - 1] as number));
      }
      if (size > 2) assert.deepEqual([ints[0], ints.at(-1)], [network + 1, network + size - 2]);
    }),
    { numRuns: 60 },
  );
});

test('property: past a /16 needs --yes, past a /12 is refused, never an out-of-memory attempt', () => {
  fc.assert(
    fc.property(fc.ipV4(), fc.integer({ min: 0, max: 15 }), fc.boolean(), (base, bits, yes) => {
      const cidr = `${base}/${bits}`;
      if (!yes || 2 ** (32 - bits) > MAX_ADDRESSES) assert.throws(() => expandCidr(cidr, { yes }), UsageError);
      else assert.equal(expandCidr(cidr, { yes }).length, 2 ** (32 - bits) - 2);
    }),
    { numRuns: 40 },
  );
});

test('property: text that is no target is a UsageError naming it, never another error', async () => {
  // Outside the host-name alphabet, so no DNS lookup is made.
  const junk = fc.string({ minLength: 1 }).filter((s) => /[^A-Za-z0-9.\-[\]:/]/.test(s.trim()) && !net.isIP(s.trim().replace(/^\[|\]$/g, '')));
  await fc.assert(
    fc.asyncProperty(junk, async (text) => {
      await assert.rejects(parseTarget(text), (error: unknown) => error instanceof UsageError);
    }),
  );
  fc.assert(
    fc.property(fc.string(), (text) => {
      try {
        expandCidr(text);
      } catch (error) {
        assert.ok(error instanceof UsageError, String(error));
      }
    }),
  );
});

test('property: a file of addresses and comments gives those addresses in order; an empty one is refused', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kia-targets-'));
  try {
    const file = path.join(dir, 'targets.txt');
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.ipV4(), fc.constantFrom('', '  # a comment', '\t')), { maxLength: 12 }), fc.boolean(), async (lines, blankLines) => {
        const text = lines.map(([ip, tail]) => `${ip}${tail}`).join(blankLines ? '\n\n# section\n' : '\n');
        fs.writeFileSync(file, text);
        if (lines.length === 0) {
          await assert.rejects(targetsFromFile(file), (error: unknown) => error instanceof InputError && /--file .* holds no targets/.test(error.message));
          return;
        }
        const targets = await targetsFromFile(file);
        assert.deepEqual(targets.map((t) => t.address), lines.map(([ip]) => ip));
        assert.ok(targets.every((t) => t.source === 'file'));
        assert.deepEqual(uniqueTargets(targets).map((t) => t.address), [...new Set(lines.map(([ip]) => ip))]);
      }),
      { numRuns: 40 },
    );
    fs.writeFileSync(file, '10.0.0.1\nnot a target!\n');
    await assert.rejects(targetsFromFile(file), (error: unknown) => error instanceof KiaError && /^--file .* line 2: /.test(error.message));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
