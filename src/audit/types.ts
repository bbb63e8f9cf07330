// A rule is declared once, as data plus one pure check over observations; severity lives only here.
import type { ComponentId, EffectiveConfig, EndpointObservation, Evidence, Mode, Severity } from '../model/index.ts';

export interface RuleReferences {
  /** CIS Kubernetes Benchmark recommendation ids, e.g. `4.2.1`. */
  cis?: string[];
  /** The kube-hunter vulnerability id that matches, e.g. `KHV036`. */
  khv?: string;
  /** Upstream documentation or source. */
  urls?: string[];
}

/** What a check reports for one endpoint; the engine adds rule metadata, host and port. */
export interface Hit {
  message: string;
  evidence: Evidence[];
  /** The path the finding is about, when the rule is about one route (`/configz`); part of the finding's identity. */
  route?: string;
}

export interface AuditContext {
  /** The run's clock, in milliseconds since the epoch (certificate expiry is judged against it). */
  now: number;
  /** All endpoints of the same host, for rules that look across ports. */
  sameHost: readonly EndpointObservation[];
  /** Every endpoint of the run, for rules that read another component's settings (the API server's flags). */
  endpoints: readonly EndpointObservation[];
  /**
   * The effective configuration of a group of endpoints, read once per run for each `key` (rules ask it for every
   * endpoint of a host, and the same group's /configz and /flagz would be parsed again each time).
   */
  effective(key: string, group: () => readonly EndpointObservation[]): EffectiveConfig[];
}

export interface Rule {
  /** Stable, never reused: `KIA-<COMPONENT>-<NNN>`. */
  id: string;
  title: string;
  severity: Severity;
  component: ComponentId | 'any';
  /** `act` rules need evidence that only `--active` collects. */
  mode: Mode;
  /** Why it matters, one paragraph. */
  rationale: string;
  /** The fix: the flag or config field and its safe value. */
  remediation: string;
  /**
   * The fix where it depends on the component the rule fired on (rules for `any` component): that component's own
   * field or flag. A finding takes its component's entry, else `remediation`; the docs list every entry.
   */
  remediationFor?: Partial<Record<ComponentId, string>>;
  references: RuleReferences;
  check(endpoint: EndpointObservation, ctx: AuditContext): Hit[];
}
