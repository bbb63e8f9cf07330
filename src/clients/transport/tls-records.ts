// The server's side of a TLS handshake as recorded off the wire: the clear-text records up to its ChangeCipherSpec
// (all of a TLS 1.2 handshake but Finished), their handshake messages, and the alerts among them.

export interface TlsAlert {
  level: number;
  description: number;
}

export interface ServerFlight {
  /** The ServerHello's legacy version (0x0303 for TLS 1.2), when one arrived. */
  serverHello?: number;
  /** The cipher suite the ServerHello chose (its IANA number). */
  cipherSuite?: number;
  /** The protocol the ServerHello chose from our ALPN offer; false when it chose none. */
  alpn?: string | false;
  certificate: boolean;
  /** A CertificateRequest (handshake type 13), with its acceptable CA names. */
  certificateRequest?: { caNames: string[] };
  serverHelloDone: boolean;
  /** Alerts sent in clear (before the server's ChangeCipherSpec). */
  alerts: TlsAlert[];
  changeCipherSpec: boolean;
  /** The bytes did not start like TLS records (a plain-text server, or garbage). */
  notTls: boolean;
}

const ALERTS: Record<number, string> = {
  0: 'close_notify', 10: 'unexpected_message', 20: 'bad_record_mac', 22: 'record_overflow', 40: 'handshake_failure',
  42: 'bad_certificate', 43: 'unsupported_certificate', 44: 'certificate_revoked', 45: 'certificate_expired',
  46: 'certificate_unknown', 47: 'illegal_parameter', 48: 'unknown_ca', 49: 'access_denied', 50: 'decode_error',
  51: 'decrypt_error', 70: 'protocol_version', 71: 'insufficient_security', 80: 'internal_error',
  86: 'inappropriate_fallback', 90: 'user_canceled', 109: 'missing_extension', 110: 'unsupported_extension',
  112: 'unrecognized_name', 116: 'certificate_required', 120: 'no_application_protocol',
};

/** `42 bad_certificate`. */
export function alertName(description: number): string {
  return `${description} ${ALERTS[description] ?? 'unknown_alert'}`;
}

/** The alert number behind a Node TLS error code such as `ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED`. */
export function alertFromCode(code: string | undefined): number | undefined {
  const name = /_ALERT_([A-Z_]+)$/.exec(code ?? '')?.[1]?.toLowerCase();
  const found = Object.entries(ALERTS).find(([, value]) => value === name);
  return found ? Number(found[0]) : undefined;
}

/** Parses what a server sent: records may hold several handshake messages, and a message may span records. */
export function parseServerFlight(bytes: Buffer): ServerFlight {
  const flight: ServerFlight = { certificate: false, serverHelloDone: false, alerts: [], changeCipherSpec: false, notTls: false };
  const handshake: Buffer[] = [];
  let offset = 0;
  while (offset + 5 <= bytes.length) {
    const type = bytes[offset] ?? 0;
    const length = bytes.readUInt16BE(offset + 3);
    // RFC 8446 §5.1/§5.2: a record type 20–23, version 3.0–3.4, at most 2^14 + 2048 bytes. Anything else is not TLS
    // (a peer that answers a ClientHello with `\x15\x03\x03garbage` only looks like an alert).
    if (type < 20 || type > 23 || bytes[offset + 1] !== 3 || (bytes[offset + 2] ?? 0) > 4 || length > 18_432) {
      flight.notTls = offset === 0;
      break;
    }
    const body = bytes.subarray(offset + 5, offset + 5 + length);
    offset += 5 + length;
    if (type === 20) flight.changeCipherSpec = true;
    // After the server's ChangeCipherSpec (or any application_data record) everything is encrypted.
    if (flight.changeCipherSpec || type === 23) break;
    if (type === 22) handshake.push(body);
    if (type === 21 && body.length >= 2) flight.alerts.push({ level: body[0] ?? 0, description: body[1] ?? 0 });
  }
  readMessages(Buffer.concat(handshake), flight);
  return flight;
}

function readMessages(stream: Buffer, flight: ServerFlight): void {
  let offset = 0;
  while (offset + 4 <= stream.length) {
    const type = stream[offset] ?? 0;
    const length = stream.readUIntBE(offset + 1, 3);
    if (offset + 4 + length > stream.length) return;
    const body = stream.subarray(offset + 4, offset + 4 + length);
    offset += 4 + length;
    if (type === 2 && body.length >= 2) {
      flight.serverHello = body.readUInt16BE(0);
      // ServerHello: version(2) random(32) session_id<0..32> cipher_suite(2) (RFC 5246 §7.4.1.3).
      const suiteAt = 35 + (body[34] ?? 0);
      if (body.length >= suiteAt + 2) flight.cipherSuite = body.readUInt16BE(suiteAt);
      flight.alpn = alpnOf(body, suiteAt + 3);
    }
    else if (type === 11) flight.certificate = true;
    else if (type === 13) flight.certificateRequest = { caNames: certificateAuthorities(body) };
    else if (type === 14) flight.serverHelloDone = true;
  }
}

// ServerHello extensions<0..2^16-1> after compression_method; ALPN (16) holds one ProtocolName (RFC 7301 §3.1).
function alpnOf(body: Buffer, at: number): string | false {
  if (at + 2 > body.length) return false;
  const end = Math.min(body.length, at + 2 + body.readUInt16BE(at));
  for (let offset = at + 2; offset + 4 <= end; ) {
    const type = body.readUInt16BE(offset);
    const length = body.readUInt16BE(offset + 2);
    if (type === 16 && length >= 3) {
      const nameLength = body[offset + 6] ?? 0;
      return body.subarray(offset + 7, Math.min(end, offset + 7 + nameLength)).toString('latin1');
    }
    offset += 4 + length;
  }
  return false;
}

// TLS 1.2 CertificateRequest: certificate_types<1..2^8-1>, supported_signature_algorithms<2..2^16-2>,
// certificate_authorities<0..2^16-1> of DistinguishedName<1..2^16-1> (RFC 5246 §7.4.4).
function certificateAuthorities(body: Buffer): string[] {
  if (body.length < 1) return [];
  let offset = 1 + (body[0] ?? 0);
  if (offset + 2 > body.length) return [];
  offset += 2 + body.readUInt16BE(offset);
  if (offset + 2 > body.length) return [];
  const end = Math.min(body.length, offset + 2 + body.readUInt16BE(offset));
  offset += 2;
  const names: string[] = [];
  while (offset + 2 <= end) {
    const length = body.readUInt16BE(offset);
    const der = body.subarray(offset + 2, Math.min(end, offset + 2 + length));
    offset += 2 + length;
    names.push(distinguishedName(der));
  }
  return names;
}

const ATTRIBUTES: Record<string, string> = {
  '2.5.4.3': 'CN', '2.5.4.5': 'serialNumber', '2.5.4.6': 'C', '2.5.4.7': 'L', '2.5.4.8': 'ST', '2.5.4.9': 'street',
  '2.5.4.10': 'O', '2.5.4.11': 'OU', '2.5.4.12': 'title', '1.2.840.113549.1.9.1': 'emailAddress',
  '0.9.2342.19200300.100.1.25': 'DC', '0.9.2342.19200300.100.1.1': 'UID',
};

interface Tlv {
  tag: number;
  value: Buffer;
  next: number;
}

function tlv(der: Buffer, offset: number): Tlv {
  const tag = der[offset];
  let length = der[offset + 1];
  let start = offset + 2;
  if (tag === undefined || length === undefined) throw new RangeError('truncated DER');
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count < 1 || count > 3 || start + count > der.length) throw new RangeError('bad DER length');
    length = der.readUIntBE(start, count);
    start += count;
  }
  if (start + length > der.length) throw new RangeError('truncated DER');
  return { tag, value: der.subarray(start, start + length), next: start + length };
}

function children(value: Buffer): Tlv[] {
  const out: Tlv[] = [];
  for (let offset = 0; offset < value.length; offset = out[out.length - 1]?.next ?? value.length) out.push(tlv(value, offset));
  return out;
}

function oid(value: Buffer): string {
  const first = value[0] ?? 0;
  const arcs = [Math.min(2, Math.floor(first / 40)), first - 40 * Math.min(2, Math.floor(first / 40))];
  let arc = 0;
  for (const byte of value.subarray(1)) {
    arc = arc * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      arcs.push(arc);
      arc = 0;
    }
  }
  return arcs.join('.');
}

function text(node: Tlv): string {
  // UTF8String, PrintableString, IA5String, T61String (read as Latin-1), BMPString (UTF-16BE), else hex.
  if (node.tag === 12 || node.tag === 19 || node.tag === 22) return node.value.toString('utf8');
  if (node.tag === 20) return node.value.toString('latin1');
  if (node.tag === 30) return Buffer.from(node.value).swap16().toString('utf16le');
  return `#${node.value.toString('hex')}`;
}

/**
 * A DER Name as `O=kia, CN=kube-ca`: attributes in DER order joined by `, ` (multi-valued RDNs by `+`), the way
 * `X509Certificate.subject` orders them, so acceptable CA names compare with the issuers in a served chain.
 */
export function distinguishedName(der: Buffer): string {
  try {
    const name = tlv(der, 0);
    if (name.tag !== 0x30) throw new RangeError('not a SEQUENCE');
    return children(name.value)
      .map((rdn) =>
        children(rdn.value)
          .map((attribute) => {
            const [type, value] = children(attribute.value);
            if (!type || !value || type.tag !== 6) throw new RangeError('bad attribute');
            const id = oid(type.value);
            return `${ATTRIBUTES[id] ?? id}=${text(value)}`;
          })
          .join('+'),
      )
      .join(', ');
  } catch {
    return `#${der.toString('hex')}`;
  }
}
