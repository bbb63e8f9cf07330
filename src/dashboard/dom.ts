// Building the page safely: every node is made here, strings become text nodes and attributes go through
// setAttribute, so no markup from a component's answer (hostile input) is ever parsed. Plus small formatters.
import type { HealthState } from '../model/index.ts';
import { STATES } from './lists.ts';

export type Child = Node | string | number | null | undefined | false | readonly Child[];
export type Attrs = Record<string, string | number | boolean | null | undefined>;

function append(node: Element, child: Child): void {
  if (child === undefined || child === null || child === false || child === '') return;
  if (Array.isArray(child)) {
    for (const c of child as readonly Child[]) append(node, c);
    return;
  }
  node.append(child instanceof Node ? child : String(child));
}

/** An element with attributes (`class` as className; true as an empty attribute; null, undefined, false left out). */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') node.className = String(v);
      else node.setAttribute(k, v === true ? '' : String(v));
    }
  }
  for (const c of children) append(node, c);
  return node;
}

/** An element the page's markup declares; a missing one is a bug in index.html, not data. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`index.html has no #${id}`);
  return node as T;
}

export function one<T extends string>(value: unknown, allowed: readonly T[], fallback: T): T;
export function one<T extends string>(value: unknown, allowed: readonly T[], fallback: ''): T | '';
export function one<T extends string>(value: unknown, allowed: readonly T[], fallback: T | ''): T | '' {
  return allowed.includes(value as T) ? (value as T) : fallback;
}

export const stateOf = (value: unknown): HealthState => one(value, STATES, 'unknown');
export const str = (value: unknown): string => (value === undefined || value === null ? '' : String(value));
export const cmp = (a: unknown, b: unknown): number => (str(a) < str(b) ? -1 : str(a) > str(b) ? 1 : 0);
export const badge = (state: string): HTMLSpanElement => el('span', { class: `badge s-${state}`, 'data-state': state }, state);

export function hostPort(address: unknown, port: unknown): string {
  const a = str(address);
  return `${a.includes(':') ? `[${a}]` : a}:${str(port)}`;
}

export function fmtTime(iso: unknown): string {
  const d = new Date(str(iso));
  return Number.isNaN(d.getTime()) ? str(iso) : d.toLocaleString();
}

export function fmtAgo(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 90 ? `${s} s ago` : s < 5400 ? `${Math.round(s / 60)} min ago` : `${Math.round(s / 3600)} h ago`;
}

export function daysText(days: unknown): string {
  const d = Number(days);
  return !Number.isFinite(d) ? '?' : d < 0 ? `expired ${-d} d ago` : `${d}${d === 1 ? ' day left' : ' days left'}`;
}

/** The keys of the `<details>` open under `root`, to reopen them after a re-render. */
export function openDetails(root: ParentNode): Set<string> {
  return new Set(Array.from(root.querySelectorAll<HTMLDetailsElement>('details[open][data-key]'), (d) => d.dataset.key ?? ''));
}

export function restoreDetails(root: ParentNode, keys: Set<string>): void {
  for (const d of root.querySelectorAll<HTMLDetailsElement>('details[data-key]')) if (keys.has(d.dataset.key ?? '')) d.open = true;
}
