// A TLS session kept for resumption, without the server's certificate. OpenSSL serializes a session with the peer's
// certificate in it (openssl/openssl ssl/ssl_asn1.c, SSL_SESSION_ASN1: field [3] `peer`), and decoding one decodes
// that certificate again, its public key through OpenSSL 3's decoders: three quarters of what setting a session on a
// new connection costs. Resumption never needs it (the server proves itself with the session's secret), and the
// transport keeps what the full handshake showed beside the session (tls-cache.ts), so the kept copy leaves it out.

const SEQUENCE = 0x30;
// [3] EXPLICIT, constructed: the peer certificate.
const PEER = 0xa3;

/** The header length and content length of the DER element at `at`, or undefined when it does not fit. */
function element(der: Buffer, at: number): { header: number; length: number } | undefined {
  if (at + 2 > der.length) return undefined;
  const first = der[at + 1] as number;
  if (first < 0x80) return at + 2 + first <= der.length ? { header: 2, length: first } : undefined;
  const bytes = first & 0x7f;
  if (bytes === 0 || bytes > 4 || at + 2 + bytes > der.length) return undefined;
  let length = 0;
  for (let i = 0; i < bytes; i++) length = length * 256 + (der[at + 2 + i] as number);
  return at + 2 + bytes + length <= der.length ? { header: 2 + bytes, length } : undefined;
}

function lengthBytes(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** The session without its peer certificate; the session as it was when it has none or is not what OpenSSL writes. */
export function withoutPeer(session: Buffer): Buffer {
  if (session[0] !== SEQUENCE) return session;
  const outer = element(session, 0);
  if (!outer || outer.header + outer.length !== session.length) return session;
  const kept: Buffer[] = [];
  let dropped = false;
  for (let at = outer.header; at < session.length; ) {
    const field = element(session, at);
    if (!field) return session;
    const end = at + field.header + field.length;
    if (session[at] === PEER) dropped = true;
    else kept.push(session.subarray(at, end));
    at = end;
  }
  if (!dropped) return session;
  const body = Buffer.concat(kept);
  return Buffer.concat([Buffer.from([SEQUENCE]), lengthBytes(body.length), body]);
}
