// The hand-written ClientHello: one record of the RFC 5246 layout, its 32 random bytes fresh in every copy (a hunt
// builds each offer once and copies it for every TLS port).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { clientHello, type HelloOffer } from './client-hello.ts';

const OFFER: HelloOffer = { version: 0x0303, suites: [0xc013, 0x002f], alpn: ['http/1.1'] };

describe('clientHello', () => {
  it('is one handshake record holding a ClientHello of the offered version and suites', () => {
    const hello = clientHello(OFFER);
    assert.deepEqual([...hello.subarray(0, 3)], [22, 3, 1]);
    assert.equal(hello.readUInt16BE(3), hello.length - 5);
    assert.equal(hello[5], 1);
    assert.equal(hello.readUIntBE(6, 3), hello.length - 9);
    assert.equal(hello.readUInt16BE(9), 0x0303);
    // Session id empty, then the suites (with the renegotiation SCSV) as a 2-byte-length list.
    assert.equal(hello[43], 0);
    assert.equal(hello.readUInt16BE(44), 6);
    assert.deepEqual([hello.readUInt16BE(46), hello.readUInt16BE(48), hello.readUInt16BE(50)], [0xc013, 0x002f, 0x00ff]);
    assert.ok(hello.includes('http/1.1'));
  });

  it('gives every copy random bytes of its own and nothing else different', () => {
    const [a, b, c] = [clientHello(OFFER), clientHello(OFFER), clientHello(OFFER)] as [Buffer, Buffer, Buffer];
    const random = (h: Buffer) => h.subarray(11, 43).toString('hex');
    assert.notEqual(random(a), random(b));
    assert.notEqual(random(b), random(c));
    assert.notEqual(random(a), '0'.repeat(64));
    const rest = (h: Buffer) => Buffer.concat([h.subarray(0, 11), h.subarray(43)]).toString('hex');
    assert.equal(rest(a), rest(b));
    assert.equal(rest(b), rest(c));
  });

  it('names the server in SNI when given a name, each name its own hello', () => {
    const named = clientHello(OFFER, 'kubelet.example');
    const other = clientHello(OFFER, 'etcd.example.internal');
    assert.ok(named.includes('kubelet.example'));
    assert.ok(!named.includes('etcd.example'));
    assert.ok(other.includes('etcd.example.internal'));
    assert.equal(other.length - named.length, 'etcd.example.internal'.length - 'kubelet.example'.length);
    assert.ok(!clientHello(OFFER).includes('kubelet.example'));
  });
});
