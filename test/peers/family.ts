// The whole hostile family at once, each peer on its own loopback address at the kubelet's catalog port (10250) so
// that a hunt, a health check or `kia serve` takes it for a node: HTTP-level misbehaviour over TLS and over plain
// HTTP, TLS-level misbehaviour, bad certificates, and an address where nothing listens.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ANSWER_KINDS, type AnswerKind } from './answers.ts';
import { startPeer, type Peer, type PeerKind } from './peer.ts';
import { peerPki, type PeerPki } from './pki.ts';
import { RAW_KINDS, type RawKind } from './raw.ts';

const KUBELET_PORT = 10250;

type HttpKind = RawKind | AnswerKind;
export type Member = `tls:${HttpKind | 'tls-garbage' | 'tls-stall'}` | `plain:${HttpKind | 'reset'}` | `cert:${'expired' | 'wrong-host' | 'self-signed'}`;

/** `tls:<kind>` and `plain:<kind>` for every HTTP-level kind, `tls:tls-garbage`, `tls:tls-stall`, `plain:reset`, the certificates. */
export const FAMILY: readonly Member[] = [
  ...[...RAW_KINDS, ...ANSWER_KINDS].flatMap((kind): Member[] => [`tls:${kind}`, `plain:${kind}`]),
  'plain:reset',
  'tls:tls-garbage',
  'tls:tls-stall',
  'cert:expired',
  'cert:wrong-host',
  'cert:self-signed',
];

export interface Family {
  /** Peer per member started. */
  peers: Partial<Record<Member, Peer>>;
  /** The peer of a member (throws for one `only` left out). */
  peer(member: Member): Peer;
  /** An address in the family's range where nothing listens. */
  nothing: string;
  /** Where `redirect-away` sends callers: a kubelet look-alike that records whatever reaches it. */
  away: Peer;
  pki: PeerPki;
  /** Temp folder holding the CA (`pki.caFile`) and the client pair. */
  dir: string;
  /** The member an address belongs to. */
  memberAt(address: string): Member | undefined;
  close(): Promise<void>;
}

/**
 * Starts every member on `<prefix>.<n>` (n from 1), the away recorder on `<prefix>.250`; `<prefix>.251` stays empty.
 * `only` keeps a subset (the addresses stay the same).
 */
export async function startFamily(options: { prefix: string; only?: readonly Member[] }): Promise<Family> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kia-hostile-'));
  const address = (i: number) => `${options.prefix}.${i + 1}`;
  const hosts = FAMILY.map((_, i) => address(i));
  const pki = await peerPki({ dir, hosts: [...hosts, `${options.prefix}.250`] });
  const started: Peer[] = [];
  const close = async () => {
    await Promise.all(started.map((p) => p.close()));
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const away = await startPeer({ kind: 'kubelet', host: `${options.prefix}.250`, port: KUBELET_PORT, tls: pki.good });
    started.push(away);
    const peers: Partial<Record<Member, Peer>> = {};
    for (const [i, member] of FAMILY.entries()) {
      if (options.only && !options.only.includes(member)) continue;
      const [layer, name] = member.split(':') as [string, string];
      const cert = layer === 'cert' ? { expired: pki.expired, 'wrong-host': pki.wrongHost, 'self-signed': pki.selfSigned }[name] : layer === 'tls' ? pki.good : undefined;
      const kind = (layer === 'cert' ? 'kubelet' : name) as PeerKind;
      const peer = await startPeer({ kind, host: address(i), port: KUBELET_PORT, ...(cert ? { tls: cert } : {}), awayOrigin: away.origin });
      started.push(peer);
      peers[member] = peer;
    }
    return {
      peers,
      peer(member) {
        const found = peers[member];
        if (!found) throw new Error(`${member} was not started`);
        return found;
      },
      nothing: `${options.prefix}.251`,
      away,
      pki,
      dir,
      memberAt: (a) => FAMILY.find((_, i) => address(i) === a),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
