// The order components are shown in, alone in its file so that the dashboard's bundle takes it without the routes.
import type { ComponentId } from '../model/index.ts';

/**
 * Every component in the order people read them in tables, reports and the dashboard's columns: the control plane
 * (storage, API, controllers), then what runs on every node. A permutation of CATALOG (catalog.test.ts checks it).
 */
export const COMPONENT_ORDER: readonly ComponentId[] = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'cloud-controller-manager',
  'kubelet',
  'kube-proxy',
];
