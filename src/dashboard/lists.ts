// The dashboard's fixed lists, taken from the same source as the server's (the model and the catalog) and inlined
// into app.js by the bundler, so that a new component, state or severity reaches the page without a second copy.
import { COMPONENT_ORDER } from '../catalog/order.ts';
import { CERTIFICATE_LEVELS, HEALTH_STATES, SEVERITIES } from '../model/index.ts';
import type { CertificateLevel, HealthState, Severity } from '../model/index.ts';

/** Grid columns, in the order reports list components: the control plane, then what runs on every node. */
export const COMPONENTS: readonly string[] = COMPONENT_ORDER;

/** Every health state; anything else the page receives is shown as `unknown`. */
export const STATES: readonly HealthState[] = HEALTH_STATES;

/** The state counts above the grid, worst first. */
export const STATES_WORST_FIRST: readonly HealthState[] = [...HEALTH_STATES].reverse();

/** Severities, most severe first: the findings' counts, their default order and their colours. */
export const SEVERITIES_WORST_FIRST: readonly Severity[] = [...SEVERITIES].reverse();

export const CERT_LEVELS: readonly CertificateLevel[] = CERTIFICATE_LEVELS;

/** A column title: the id without its `kube-` prefix (`kube-apiserver` reads `apiserver`). */
export function shortName(component: string): string {
  return component.replace(/^kube-/, '');
}
