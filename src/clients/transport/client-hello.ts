// A ClientHello written by hand and the server's first flight read off a plain socket: what the TLS posture asks
// ("would you take TLS 1.0/1.1?", "would you take a weak TLS 1.2 suite?") is answered by the ServerHello or an alert,
// so no TLS stack, key exchange or certificate parsing runs on our side (the hello is all a scanner like sslscan
// sends too). RFC 5246 §7.4.1.2 and RFC 8446 §4.1.2 for the layout.
import { randomBytes, randomFillSync } from 'node:crypto';
import net from 'node:net';
import { outcomeOf } from './outcome.ts';
import type { Attempt, HandshakeTarget } from './handshake.ts';
import { parseServerFlight } from './tls-records.ts';

const RECORD_CAP = 64 << 10;

export interface HelloOffer {
  /** The highest version offered: 0x0302 (TLS 1.1) or 0x0303 (TLS 1.2). No supported_versions: never TLS 1.3. */
  version: number;
  /** Cipher suites by IANA number. */
  suites: readonly number[];
  /** ALPN protocols offered, in order. */
  alpn?: readonly string[];
  /** Read the whole first flight (to ServerHelloDone: its Certificate and CertificateRequest), not only the ServerHello. */
  wholeFlight?: boolean;
}

// x25519, secp256r1, secp384r1.
const GROUPS = [0x001d, 0x0017, 0x0018];
// ECDSA and RSA-PSS/PKCS#1 with SHA-256/384/512, then the SHA-1 pairs old servers sign with.
const SIGNATURES = [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601, 0x0201, 0x0203];
const RENEGOTIATION_SCSV = 0x00ff;

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

function list16(values: readonly number[]): Buffer {
  return Buffer.concat([u16(values.length * 2), ...values.map(u16)]);
}

function extension(type: number, body: Buffer): Buffer {
  return Buffer.concat([u16(type), u16(body.length), body]);
}

/** A list of length-prefixed names inside a 2-byte length: ALPN's ProtocolNameList; SNI's entries carry a type byte. */
function names(values: readonly string[], prefix: readonly number[], length: (n: number) => Buffer): Buffer {
  const entries = Buffer.concat(values.map((value) => Buffer.concat([Buffer.from(prefix), length(value.length), Buffer.from(value, 'latin1')])));
  return Buffer.concat([u16(entries.length), entries]);
}

// Where the hello's 32 random bytes sit: after the record header (5), the handshake header (4) and the version (2).
const RANDOM_AT = 11;
// A hunt sends the same two hellos to every TLS port: each is built once per offer and server name, and every copy
// gets random bytes of its own.
const built = new WeakMap<HelloOffer, Map<string, Buffer>>();
const BUILT_NAMES = 256;

/** The bytes of one ClientHello record. `servername` (a DNS name, never an address) goes in SNI. */
export function clientHello(offer: HelloOffer, servername?: string): Buffer {
  let byName = built.get(offer);
  if (!byName) built.set(offer, (byName = new Map()));
  let template = byName.get(servername ?? '');
  if (!template) {
    template = helloBytes(offer, servername);
    if (byName.size < BUILT_NAMES) byName.set(servername ?? '', template);
  }
  const hello = Buffer.from(template);
  randomFillSync(hello, RANDOM_AT, 32);
  return hello;
}

function helloBytes(offer: HelloOffer, servername?: string): Buffer {
  const extensions = [
    // server_name: one host_name entry (type 0, 2-byte length).
    ...(servername ? [extension(0x0000, names([servername], [0], u16))] : []),
    extension(0x000a, list16(GROUPS)),
    extension(0x000b, Buffer.from([1, 0])),
    extension(0x000d, list16(SIGNATURES)),
    // extended_master_secret: what every client offers today; a server may insist on it.
    extension(0x0017, Buffer.alloc(0)),
    // application_layer_protocol_negotiation: names with a 1-byte length.
    ...(offer.alpn?.length ? [extension(0x0010, names(offer.alpn, [], (n) => Buffer.from([n])))] : []),
  ];
  const extensionBytes = Buffer.concat(extensions);
  const body = Buffer.concat([
    u16(offer.version),
    randomBytes(32),
    Buffer.from([0]),
    list16([...offer.suites, RENEGOTIATION_SCSV]),
    Buffer.from([1, 0]),
    u16(extensionBytes.length),
    extensionBytes,
  ]);
  const handshake = Buffer.concat([Buffer.from([1, body.length >> 16, (body.length >> 8) & 0xff, body.length & 0xff]), body]);
  // The record layer says TLS 1.0, as clients do for the first hello (RFC 8446 §5.1).
  return Buffer.concat([Buffer.from([22, 3, 1]), u16(handshake.length), handshake]);
}

/**
 * Sends one hello and reads until the server's answer settles it: a ServerHello, an alert, bytes that are not TLS,
 * a close, or the timeout. Never throws.
 */
export function sendHello(target: HandshakeTarget, offer: HelloOffer, timeoutMs: number): Promise<Attempt> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let connected = false;
    let resetBy: string | undefined;
    const socket = net.connect({ host: target.host, port: target.port });
    const finish = (outcome: Attempt['outcome'], error?: string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ outcome, ...(error ? { error } : {}), ...(resetBy ? { resetBy } : {}), flight: parseServerFlight(Buffer.concat(chunks)) });
    };
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    socket.once('connect', () => {
      connected = true;
      socket.write(clientHello(offer, target.servername ?? (net.isIP(target.host) ? undefined : target.host)));
    });
    socket.on('data', (chunk: Buffer) => {
      if (size < RECORD_CAP) chunks.push(chunk.subarray(0, RECORD_CAP - size));
      size += chunk.length;
      const flight = parseServerFlight(Buffer.concat(chunks));
      // The ServerHello (its version and suite), or the flight to ServerHelloDone, or an alert is the answer.
      const settled = offer.wholeFlight ? flight.serverHelloDone : flight.serverHello !== undefined;
      if (settled || flight.alerts.length > 0 || flight.notTls || flight.changeCipherSpec || size >= RECORD_CAP) finish('failed', 'closed');
    });
    socket.once('end', () => finish('failed', 'closed'));
    socket.once('error', (error: NodeJS.ErrnoException) => {
      if (!connected) return finish(outcomeOf(error).outcome === 'refused' ? 'refused' : 'unreachable', error.code ?? error.message);
      resetBy = error.code ?? error.message;
      finish('failed', 'closed');
    });
  });
}
