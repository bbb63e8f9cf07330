// The channel codec: frames byte for byte as the runtime writes them (channel byte, then the payload; base64 variants
// as an ASCII digit and base64), whether the payload is one buffer, a string, or several read chunks sent as one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeFrame, encodeFrame } from './channel.ts';

test('binary frames: the channel byte, then the payload', () => {
  assert.deepEqual(encodeFrame('v4.channel.k8s.io', 0, Buffer.from('hi\n')), Buffer.from([0x00, 0x68, 0x69, 0x0a]));
  assert.deepEqual(encodeFrame('v5.channel.k8s.io', 3, '{"status":"Success"}'), Buffer.from('\x03{"status":"Success"}', 'latin1'));
  assert.deepEqual(encodeFrame('v4.channel.k8s.io', 1, 'é'), Buffer.from([0x01, 0xc3, 0xa9]));
  assert.deepEqual(encodeFrame('v4.channel.k8s.io', 2, ''), Buffer.from([0x02]));
  assert.deepEqual(encodeFrame('v4.channel.k8s.io', 0, [Buffer.from('ab'), Buffer.alloc(0), Buffer.from('c')]), Buffer.from([0x00, 0x61, 0x62, 0x63]));
});

test('base64 frames: an ASCII digit, then base64', () => {
  assert.equal(encodeFrame('v4.base64.channel.k8s.io', 1, 'hi\n'), '1aGkK');
  assert.equal(encodeFrame('base64.channel.k8s.io', 0, [Buffer.from('h'), Buffer.from('i\n')]), '0aGkK');
});

test('a frame made from a view into a larger buffer carries only the view', () => {
  const backing = Buffer.from('xxhelloxx');
  assert.deepEqual(encodeFrame('v4.channel.k8s.io', 1, backing.subarray(2, 7)), Buffer.from('\x01hello', 'latin1'));
  assert.equal(encodeFrame('v4.base64.channel.k8s.io', 1, new Uint8Array(backing.buffer, backing.byteOffset + 2, 5)), `1${Buffer.from('hello').toString('base64')}`);
});

test('decode(encode(chunks)) is the channel and the chunks joined, in every protocol', () => {
  fc.assert(
    fc.property(
      fc.constantFrom('v5.channel.k8s.io', 'v4.channel.k8s.io', 'v4.base64.channel.k8s.io', 'channel.k8s.io', 'base64.channel.k8s.io'),
      fc.integer({ min: 0, max: 9 }),
      fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 5 }),
      (protocol, channel, chunks) => {
        const frame = encodeFrame(protocol, channel, chunks);
        assert.deepEqual(decodeFrame(protocol, frame), { channel, payload: Buffer.concat(chunks) });
      },
    ),
  );
});
