// The setting of the hunt, health and serve suites: a one-node lab (the healthy target that must still be reported)
// beside the whole hostile family, started before the suite's tests and stopped after them.
import { before, after } from 'node:test';
import { startTestLab, type TestLab } from '../helpers.ts';
import { startFamily, type Family, type Member } from './family.ts';
import { startPeer, type Peer } from './peer.ts';

export interface Arena {
  readonly lab: TestLab;
  readonly family: Family;
  /** The lab node's address. */
  readonly labNode: string;
  /** The address of a family member. */
  at(member: Member): string;
}

/** Registers the suite's before/after hooks; the fields are readable once `before` has run. */
export function arena(options: { network: number; prefix: string }): Arena {
  let lab: TestLab | undefined;
  let family: Family | undefined;
  before(async () => {
    lab = await startTestLab({ network: options.network, nodes: 1 });
    family = await startFamily({ prefix: options.prefix });
  });
  after(async () => {
    await family?.close();
    await lab?.stop();
  });
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the arena is not up: read it inside a test or hook');
    return value;
  };
  return {
    get lab() {
      return ready(lab);
    },
    get family() {
      return ready(family);
    },
    get labNode() {
      return (ready(lab).plan.nodes[0] as { ip: string }).ip;
    },
    at: (member) => ready(family).peer(member).host,
  };
}

/** A /24 of peers (`<prefix>.1` to `.254`, at the kubelet's port) that accept every connection and stall. */
export function stallingSubnet(prefix: string): readonly Peer[] {
  const peers: Peer[] = [];
  before(async () => {
    for (let i = 1; i <= 254; i++) peers.push(await startPeer({ kind: 'silent', host: `${prefix}.${i}`, port: 10250 }));
  });
  after(async () => {
    await Promise.all(peers.map((p) => p.close()));
  });
  return peers;
}
