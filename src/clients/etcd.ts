// etcd over HTTP(S): /health (3.4 body without `reason`, 3.5+ with it), /version (3.6 adds `storage`), and two
// read-only calls through the v3 JSON gateway: member list and status (spec §2.2, §2.4, §2.5, §11).
// Gateway JSON uses the proto field names and prints 64-bit integers as decimal strings; ids stay strings here.
import { call, parseAnswer, type Answer, type CallTarget, type Parsed } from './components.ts';
import { parseEtcdHealth as readEtcdHealth } from '../formats/health-answers.ts';

export interface EtcdHealth {
  healthy: boolean;
  /** Empty when healthy; absent in etcd 3.4's body. */
  reason?: string;
  /** `3.4`: `{"health":"true"}`; `3.5+`: `{"health":"true","reason":""}`. */
  format: '3.4' | '3.5+';
}

export interface EtcdVersion {
  server: string;
  cluster: string;
  /** The storage version (etcd 3.6+). */
  storage?: string;
}

export interface EtcdHeader {
  clusterId: string;
  memberId: string;
  revision?: string;
  raftTerm?: string;
}

export interface EtcdMember {
  /** Decimal, as the gateway prints it. */
  id: string;
  /** The same id in hex, as etcdctl prints it. */
  idHex: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

export interface EtcdMembers {
  header: EtcdHeader;
  members: EtcdMember[];
}

export interface EtcdStatus {
  header: EtcdHeader;
  version: string;
  dbSize?: number;
  dbSizeInUse?: number;
  leader: string;
  leaderHex: string;
  /** Whether the member that answered is the leader. */
  isLeader: boolean;
  raftIndex?: string;
  raftTerm?: string;
  raftAppliedIndex?: string;
  isLearner: boolean;
  errors: string[];
  /** etcd 3.6+. */
  storageVersion?: string;
}

/** Throws a plain Error naming what is wrong with a body (the caller reports it). */
function object(body: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new Error(`not JSON: ${body.slice(0, 80)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a JSON object');
  return value as Record<string, unknown>;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'bigint' ? String(v) : undefined);

/** A uint64 id (decimal string or number) as 16 hex digits, the form etcdctl and the logs use. */
export function etcdIdHex(id: string): string {
  try {
    return BigInt(id).toString(16).padStart(16, '0');
  } catch {
    return id;
  }
}

/** etcd's /health, read by the one parser of that format; throws a plain Error naming what is wrong. */
export function parseEtcdHealth(body: string): EtcdHealth {
  const answer = readEtcdHealth(body);
  if (answer?.health === undefined) throw new Error(`no "health" field: ${body.slice(0, 80)}`);
  const parsed: EtcdHealth = { healthy: answer.health, format: answer.format ?? '3.4' };
  if (answer.format === '3.5+') parsed.reason = answer.reason ?? '';
  return parsed;
}

export function parseEtcdVersion(body: string): EtcdVersion {
  const value = object(body);
  if (typeof value.etcdserver !== 'string' || typeof value.etcdcluster !== 'string') throw new Error(`no etcdserver/etcdcluster: ${body.slice(0, 80)}`);
  const parsed: EtcdVersion = { server: value.etcdserver, cluster: value.etcdcluster };
  if (typeof value.storage === 'string') parsed.storage = value.storage;
  return parsed;
}

function header(value: unknown): EtcdHeader {
  const h = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const parsed: EtcdHeader = { clusterId: str(h.cluster_id) ?? '0', memberId: str(h.member_id) ?? '0' };
  const revision = str(h.revision);
  const raftTerm = str(h.raft_term);
  if (revision !== undefined) parsed.revision = revision;
  if (raftTerm !== undefined) parsed.raftTerm = raftTerm;
  return parsed;
}

export function parseMemberList(body: string): EtcdMembers {
  const value = object(body);
  if (!Array.isArray(value.members)) throw new Error('no "members" array');
  const members = (value.members as Record<string, unknown>[]).map((m): EtcdMember => {
    const id = str(m.ID) ?? '0';
    const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
    // A member that has not started yet has no name: the gateway omits empty fields.
    return { id, idHex: etcdIdHex(id), name: str(m.name) ?? '', peerURLs: list(m.peerURLs), clientURLs: list(m.clientURLs), isLearner: m.isLearner === true };
  });
  return { header: header(value.header), members };
}

export function parseStatus(body: string): EtcdStatus {
  const value = object(body);
  if (typeof value.version !== 'string') throw new Error('no "version" field');
  const h = header(value.header);
  const leader = str(value.leader) ?? '0';
  const num = (v: unknown): number | undefined => (str(v) === undefined ? undefined : Number(str(v)));
  const status: EtcdStatus = {
    header: h,
    version: value.version,
    leader,
    leaderHex: etcdIdHex(leader),
    isLeader: leader !== '0' && leader === h.memberId,
    isLearner: value.isLearner === true,
    errors: Array.isArray(value.errors) ? value.errors.map(String) : [],
  };
  const optional = { dbSize: num(value.dbSize), dbSizeInUse: num(value.dbSizeInUse), raftIndex: str(value.raftIndex), raftTerm: str(value.raftTerm), raftAppliedIndex: str(value.raftAppliedIndex), storageVersion: str(value.storageVersion) };
  for (const [key, v] of Object.entries(optional)) if (v !== undefined) Object.assign(status, { [key]: v });
  return status;
}

/** GET /health: 200 healthy, 503 unhealthy with a reason; both bodies parse. */
export async function etcdHealth(target: CallTarget, path = '/health'): Promise<Parsed<EtcdHealth>> {
  return parseAnswer(await call(target, { path }), parseEtcdHealth, (s) => s === 200 || s === 503);
}

export async function etcdVersion(target: CallTarget): Promise<Parsed<EtcdVersion>> {
  return parseAnswer(await call(target, { path: '/version' }), parseEtcdVersion, (s) => s === 200);
}

/**
 * POST a gateway call with `{}`. The gateway lives at `/v3/` (3.4+) and `/v3beta/` (3.3, still rewritten in 3.4/3.5);
 * a 404 on `/v3/` is retried once under `/v3beta/`.
 */
export async function gateway(target: CallTarget, rpc: string, body = '{}'): Promise<Answer> {
  const first = await call(target, { path: `/v3/${rpc}`, method: 'POST', body });
  if (first.status !== 404) return first;
  const fallback = await call(target, { path: `/v3beta/${rpc}`, method: 'POST', body });
  return fallback.status === 404 ? first : fallback;
}

export async function etcdMembers(target: CallTarget): Promise<Parsed<EtcdMembers>> {
  return parseAnswer(await gateway(target, 'cluster/member/list'), parseMemberList, (s) => s === 200);
}

export async function etcdStatus(target: CallTarget): Promise<Parsed<EtcdStatus>> {
  return parseAnswer(await gateway(target, 'maintenance/status'), parseStatus, (s) => s === 200);
}
