// Listening TCP sockets from /proc/net/tcp and /proc/net/tcp6: what `ss -ltn` shows, read without any tool.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** One LISTEN socket (state 0A) as the kernel lists it. */
export interface ListeningSocket {
  family: 4 | 6;
  /** The bound address, decoded; an IPv4-mapped IPv6 address is shown as IPv4. */
  address: string;
  port: number;
  /** The socket inode, the key that /proc/<pid>/fd/* links (`socket:[inode]`) point at. */
  inode: string;
}

// include/net/tcp_states.h: TCP_LISTEN = 10.
const TCP_LISTEN = '0A';

/**
 * IPv4 as /proc/net/tcp prints it: the 32-bit address in host byte order, which on little-endian machines reverses the
 * bytes (`0100007F` is 127.0.0.1). Every Linux target kia runs on (x86-64, arm64) is little-endian.
 */
export function decodeIpv4Hex(hex: string): string {
  if (!/^[0-9a-fA-F]{8}$/.test(hex)) throw new RangeError(`not an 8-digit hex IPv4 address: "${hex}"`);
  const bytes = (hex.match(/../g) ?? []).map((b) => Number.parseInt(b, 16));
  return bytes.reverse().join('.');
}

/** The 16 bytes of an IPv6 address from /proc/net/tcp6: four 32-bit words, each printed in host (little-endian) order. */
function ipv6Bytes(hex: string): number[] {
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new RangeError(`not a 32-digit hex IPv6 address: "${hex}"`);
  const bytes: number[] = [];
  for (let word = 0; word < 4; word++) {
    const wordBytes = (hex.slice(word * 8, word * 8 + 8).match(/../g) ?? []).map((b) => Number.parseInt(b, 16));
    bytes.push(...wordBytes.reverse());
  }
  return bytes;
}

/** RFC 5952 text: lower case, no leading zeros, the longest run (two groups or more, first on a tie) of zeros as `::`. */
export function formatIpv6(bytes: readonly number[]): string {
  const groups = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i] ?? 0) << 8) | (bytes[2 * i + 1] ?? 0));
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestLength < 2) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/** IPv6 from /proc/net/tcp6; `::ffff:a.b.c.d` (a v4 socket on a dual-stack listener) comes back as `a.b.c.d`. */
export function decodeIpv6Hex(hex: string): string {
  const bytes = ipv6Bytes(hex);
  const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (mapped) return bytes.slice(12).join('.');
  return formatIpv6(bytes);
}

/** Either form, told apart by length (8 hex digits for IPv4, 32 for IPv6). */
export function decodeHexAddress(hex: string): string {
  return hex.length === 8 ? decodeIpv4Hex(hex) : decodeIpv6Hex(hex);
}

/**
 * The LISTEN rows of one /proc/net/tcp or tcp6 text. Columns (net/ipv4/tcp_ipv4.c `get_tcp4_sock`): sl, local
 * address:port, remote address:port, state, tx:rx queue, timer, retransmits, uid, timeout, inode, ...
 */
export function parseProcNetTcp(text: string, family: 4 | 6): ListeningSocket[] {
  const sockets: ListeningSocket[] = [];
  for (const line of text.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 10 || cols[3] !== TCP_LISTEN) continue;
    const [hexAddress = '', hexPort = ''] = (cols[1] ?? '').split(':');
    const inode = cols[9] ?? '0';
    // Inode 0: a socket already orphaned from its file (closing); nothing owns it.
    if (inode === '0') continue;
    try {
      sockets.push({ family, address: decodeHexAddress(hexAddress), port: Number.parseInt(hexPort, 16), inode });
    } catch {
      // A row we cannot decode is skipped rather than failing the whole table.
    }
  }
  return sockets;
}

/** Both tables; a missing or unreadable one becomes a note (no tcp6 when IPv6 is off). */
export async function readListeningSockets(procRoot: string): Promise<{ sockets: ListeningSocket[]; notes: string[] }> {
  const sockets: ListeningSocket[] = [];
  const notes: string[] = [];
  for (const [file, family] of [['tcp', 4], ['tcp6', 6]] as const) {
    const path = join(procRoot, 'net', file);
    try {
      sockets.push(...parseProcNetTcp(await readFile(path, 'utf8'), family));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      notes.push(family === 6 && code === 'ENOENT' ? `${path} not found (IPv6 off?): IPv6 listeners not listed` : `cannot read ${path} (${code}): IPv${family} listeners not listed`);
    }
  }
  return { sockets, notes };
}
