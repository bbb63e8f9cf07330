// The repeated cycle behind `kia serve`, `kia health --watch` and the per-node agent: one transport and one probe
// memory for the whole life of the loop (sessions resumed, fingerprints and chains read every few minutes), a health
// cycle on one interval and an audit (the hunt's pass and rules over the same targets) on a slower one.
import type { Identity } from '../clients/identity.ts';
import { Transport } from '../clients/transport/transport.ts';
import type { Trust } from '../clients/transport/trust.ts';
import type { HealthReport, OpenPort, Report, Target } from '../model/index.ts';
import { ProbeMemory } from '../probe/index.ts';
import type { Secrets } from '../redact.ts';
import { healthCycle } from './health.ts';
import { hunt } from './hunt.ts';

export interface CycleOptions {
  /** What health expects, per node. */
  endpoints: readonly OpenPort[];
  /** What the audit hunts: the same targets `kia hunt` would be given for this inventory. */
  auditTargets: readonly Target[];
  identities?: readonly Identity[];
  trust?: Trust;
  timeoutMs?: number;
  concurrency?: number;
  /** Keep connections open between cycles (default: a new connection per probe, with TLS session resumption). */
  keepAlive?: boolean;
  proxyStaleAfterSeconds?: number;
  /** How long a fingerprint and a served chain stand before they are read again (default 5 min). */
  refreshMs?: number;
  notes?: string[];
  secrets?: Secrets;
  clock?: { now(): number };
}

export class Cycle {
  readonly #options: CycleOptions;
  readonly #transport: Transport;
  readonly #memory: ProbeMemory;

  constructor(options: CycleOptions) {
    this.#options = options;
    this.#transport = new Transport({ keepAlive: options.keepAlive === true, timeoutMs: options.timeoutMs ?? 5000, ...(options.secrets ? { secrets: options.secrets } : {}) });
    this.#memory = new ProbeMemory(options.refreshMs !== undefined ? { refreshMs: options.refreshMs } : {});
  }

  /** The secrets this loop holds, for everything it serves. */
  get secrets(): Secrets {
    return this.#transport.secrets;
  }

  async health(): Promise<HealthReport> {
    const o = this.#options;
    const { report } = await healthCycle(o.endpoints, {
      transport: this.#transport,
      memory: this.#memory,
      ...(o.identities ? { identities: o.identities } : {}),
      ...(o.trust ? { trust: o.trust } : {}),
      concurrency: o.concurrency ?? 64,
      ...(o.proxyStaleAfterSeconds !== undefined ? { proxyStaleAfterSeconds: o.proxyStaleAfterSeconds } : {}),
      ...(o.notes ? { notes: o.notes } : {}),
      ...(o.clock ? { clock: o.clock } : {}),
    });
    return report;
  }

  async audit(): Promise<Report> {
    const o = this.#options;
    return hunt({
      targets: o.auditTargets,
      ...(o.identities ? { identities: o.identities } : {}),
      ...(o.trust ? { trust: o.trust } : {}),
      timeoutMs: o.timeoutMs ?? 5000,
      secrets: this.#transport.secrets,
      ...(o.clock ? { clock: o.clock } : {}),
    });
  }

  close(): void {
    this.#transport.close();
  }
}
