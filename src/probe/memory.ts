// What repeated probe cycles (`kia serve`, `kia health --watch`, the agent) keep between cycles, so that a cycle asks
// only what changes: each endpoint's fingerprint and served chain are read again every few minutes (or when the
// certificate changes), not every cycle; a TLS port found speaking plain HTTP stays asked over HTTP.
import type { CertificateObservation, Fingerprint } from '../model/index.ts';

export const DEFAULT_REFRESH_MS = 300_000;
const MAX_ENTRIES = 50_000;

interface Remembered {
  fingerprint?: Fingerprint;
  fingerprintAt?: number;
  chain?: CertificateObservation[];
  chainAt?: number;
  leaf?: string;
  verified?: boolean;
  verifyError?: string;
  plain?: boolean;
  /** The server refused a TLS 1.2 handshake: probes offer its TLS 1.3 only. */
  no12?: boolean;
}

export class ProbeMemory {
  readonly refreshMs: number;
  readonly #entries = new Map<string, Remembered>();

  constructor(options: { refreshMs?: number } = {}) {
    this.refreshMs = options.refreshMs ?? DEFAULT_REFRESH_MS;
  }

  #get(key: string): Remembered {
    let entry = this.#entries.get(key);
    if (!entry) {
      if (this.#entries.size >= MAX_ENTRIES) this.#entries.delete(this.#entries.keys().next().value as string);
      entry = {};
      this.#entries.set(key, entry);
    }
    return entry;
  }

  /** A fingerprint still fresh enough to stand for this cycle. */
  fingerprint(key: string, now: number): Fingerprint | undefined {
    const e = this.#entries.get(key);
    return e?.fingerprint && e.fingerprintAt !== undefined && now - e.fingerprintAt < this.refreshMs ? e.fingerprint : undefined;
  }

  rememberFingerprint(key: string, fingerprint: Fingerprint, now: number): void {
    Object.assign(this.#get(key), { fingerprint, fingerprintAt: now });
  }

  /** Whether this cycle reads the served chain again (never read, stale, or a different leaf seen since). */
  chainDue(key: string, now: number): boolean {
    const e = this.#entries.get(key);
    return !e?.chain || e.chainAt === undefined || now - e.chainAt >= this.refreshMs;
  }

  chain(key: string): { chain: CertificateObservation[]; verified?: boolean; verifyError?: string; leaf?: string } | undefined {
    const e = this.#entries.get(key);
    if (!e?.chain) return undefined;
    return { chain: e.chain, ...(e.verified !== undefined ? { verified: e.verified } : {}), ...(e.verifyError ? { verifyError: e.verifyError } : {}), ...(e.leaf ? { leaf: e.leaf } : {}) };
  }

  rememberChain(key: string, value: { chain: CertificateObservation[]; verified?: boolean; verifyError?: string; leaf?: string }, now: number): void {
    const e = this.#get(key);
    e.chain = value.chain;
    e.chainAt = now;
    e.leaf = value.leaf;
    e.verified = value.verified;
    e.verifyError = value.verifyError;
  }

  /** A leaf other than the one remembered was served: read the chain again next time. */
  leafSeen(key: string, leaf: string | undefined): void {
    const e = this.#entries.get(key);
    if (e && leaf && e.leaf && leaf !== e.leaf) e.chainAt = undefined;
  }

  /** Whether repeated probes may resume TLS 1.2 sessions here (until the server refused TLS 1.2 once). */
  tls12(key: string): boolean {
    return this.#entries.get(key)?.no12 !== true;
  }

  refusedTls12(key: string): void {
    this.#get(key).no12 = true;
  }

  plain(key: string): boolean {
    return this.#entries.get(key)?.plain === true;
  }

  markPlain(key: string): void {
    this.#get(key).plain = true;
  }

  /** The endpoint stopped answering: ask who it is again when it is back. */
  forget(key: string): void {
    const e = this.#entries.get(key);
    if (e) {
      e.fingerprintAt = undefined;
      e.chainAt = undefined;
    }
  }
}
