// The real answers captured from v1.28 components (fixtures/real-v1.28, byte-for-byte copies of shared/data), and
// the templating that turns them into a lab node's answers: node names, pods, versions, timestamps.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { LabPod } from '../types.ts';

// src/lab and dist/lab are both two levels below the package root.
const ROOT = fileURLToPath(new URL('../../../fixtures/real-v1.28/', import.meta.url));

const cache = new Map<string, string>();
export function fixture(name: string): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(ROOT + name, 'utf8');
    cache.set(name, text);
  }
  return text;
}

export function fixtureJson<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(fixture(name)) as T;
}

export interface BuildInfo {
  gitVersion: string;
  gitCommit: string;
  buildDate: string;
  goVersion: string;
  major: string;
  minor: string;
}

/** Rewrites `kubernetes_build_info{...}` to the lab's version. */
const buildInfoCache = new Map<string, string>();

export function withBuildInfo(exposition: string, info: BuildInfo): string {
  // Expositions are large and the same for every request of a version: build each once.
  const key = `${info.gitVersion}\0${exposition.length}\0${exposition.slice(0, 64)}`;
  const hit = buildInfoCache.get(key);
  if (hit !== undefined) return hit;
  const built = exposition.replace(
    /^kubernetes_build_info\{[^}]*\} 1$/m,
    `kubernetes_build_info{build_date="${info.buildDate}",compiler="gc",git_commit="${info.gitCommit}",git_tree_state="clean",git_version="${info.gitVersion}",go_version="${info.goVersion}",major="${info.major}",minor="${info.minor}",platform="linux/amd64"} 1`,
  );
  if (buildInfoCache.size < 64) buildInfoCache.set(key, built);
  return built;
}

const FIXTURE_POD = 'pod="ticker-vm"';

/**
 * Expands every series of the fixture's one pod (`ticker-vm`, container `ticker`) into one series per pod and
 * container of the node; other lines stay as they are.
 */
export function perPodExposition(exposition: string, pods: readonly LabPod[], nodeName: string): string {
  const out: string[] = [];
  for (const line of exposition.split('\n')) {
    if (!line.includes(FIXTURE_POD)) {
      out.push(line.replace(/node="vm"/g, `node="${nodeName}"`));
      continue;
    }
    for (const pod of pods) {
      const containers = line.includes('container="ticker"') ? pod.containers : [''];
      for (const container of containers) {
        out.push(
          line
            .replace(FIXTURE_POD, `pod="${pod.name}"`)
            .replace('namespace="default"', `namespace="${pod.namespace}"`)
            .replace('container="ticker"', `container="${container}"`),
        );
      }
    }
  }
  return out.join('\n');
}
