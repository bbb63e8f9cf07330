// The lab etcd stand-in: client 2379 (mTLS, CORS, gateway), peer 2380, metrics 2381 (spec §2, §9 items 1-7).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareVersions } from '../../catalog/index.ts';
import { fixture } from '../plan/fixtures.ts';
import { goError, goNotFound, json, methodOf, NOSNIFF, readBody, send, TEXT, urlOf, type Reply, type Req, type Res } from '../net/go-http.ts';
import { clusterPki } from '../plan/node-layout.ts';
import type { ListenerOptions } from '../net/listener.ts';
import { PROFILE_SETTINGS } from '../plan/profiles.ts';
import { StandIn, type HealthChecks, type StandInContext } from './stand-in.ts';
import { servingTls } from '../plan/tls-serving.ts';

const CORS = {
  'Access-Control-Allow-Methods': 'POST, GET, OPTIONS, PUT, DELETE',
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Headers': 'accept, content-type, authorization',
};
const MEMBER_ID = '8e9e05c52164694d';
const CLUSTER_ID = 'cdf818194e3a8c32';

export class EtcdStandIn extends StandIn {
  readonly etcdVersion: string;

  constructor(ctx: StandInContext) {
    super('etcd', ctx);
    this.etcdVersion = ctx.plan.etcdVersion;
  }

  private atLeast(version: string): boolean {
    return compareVersions(this.etcdVersion, version) >= 0;
  }

  protected listen(): ListenerOptions[] {
    const P = clusterPki(this.ctx.plan);
    const settings = PROFILE_SETTINGS[this.node.profile].etcd;
    const read = (name: string) => readFileSync(join(P.etcdPki, name), 'utf8');
    return this.endpoints().map((e) => {
      const handler = (req: Req, res: Res) => void this.serve(e.port, req, res).catch((error: unknown) => send(res, goError(500, String(error))));
      if (e.scheme === 'http') return { address: e.address, port: e.number, handler };
      const base = e.port === 'peer' ? 'peer' : 'server';
      return {
        address: e.address,
        port: e.number,
        // The trusted CA file or --client-cert-auth turns on RequireAndVerifyClientCert (client/pkg/transport/listener.go).
        tls: { cert: read(`${base}.crt`), key: read(`${base}.key`), ca: read('ca.crt'), clientCert: settings.clientCertAuth ? 'required' : 'none', alpn: ['h2', 'http/1.1'], signer: { cert: read('ca.crt'), key: read('ca.key') }, ...servingTls(this.ctx.plan, this.node, 'etcd') },
        plainOnTls: 'close',
        handler,
      };
    });
  }

  /** Alarms and leadership, the causes /health reports (spec §2.2). */
  protected override healthChecks(): HealthChecks {
    return { names: ['NOSPACE', 'CORRUPT', 'leader'], default: 'NOSPACE', aliases: { nospace: 'NOSPACE', corrupt: 'CORRUPT', 'NO-LEADER': 'leader', 'no-leader': 'leader' } };
  }

  /** An alarm fails /health (and CORRUPT readyz's data_corruption); no leader fails /health and linearizable reads. */
  protected override failHealthCheck(check: string): void {
    if (check === 'leader') {
      this.state.failCheck('leader', 'RAFT NO LEADER');
      // A linearizable read waits for a read index no leader gives, then times out (etcdserver requestCurrentIndex).
      this.state.failCheck('linearizable_read', 'etcdserver: request timed out');
      return;
    }
    this.state.failCheck('alarm', check);
    if (check === 'CORRUPT') this.state.failCheck('data_corruption', 'alarm activated: CORRUPT');
  }

  private health(url: URL): Reply {
    const alarm = this.state.checkError('alarm');
    const excluded = url.searchParams.getAll('exclude');
    const serializable = url.searchParams.get('serializable') === 'true';
    let reason = '';
    if (alarm && !excluded.includes(alarm)) reason = `ALARM ${alarm}`;
    else if (!serializable && this.state.checkError('leader')) reason = 'RAFT NO LEADER';
    if (reason) return { status: 503, headers: { 'Content-Type': TEXT, ...NOSNIFF }, body: `{"health":"false","reason":"${reason}"}\n` };
    return { status: 200, body: '{"health":"true","reason":""}' };
  }

  private probes(family: 'livez' | 'readyz', url: URL, check?: string): Reply {
    const checks = family === 'livez' ? ['serializable_read'] : ['data_corruption', 'serializable_read', 'linearizable_read', ...(this.atLeast('3.5.19') ? ['non_learner'] : [])];
    const excluded = new Set(url.searchParams.getAll('exclude'));
    const run = check ? checks.filter((c) => c === check) : checks.filter((c) => !excluded.has(c));
    if (check && run.length === 0) return goNotFound();
    const lines = run.map((name) => {
      const error = this.state.checkError(name);
      return error ? `[-]${name} failed: ${error}` : `[+]${name} ok`;
    });
    const failed = run.some((name) => this.state.checkError(name));
    const headers = { 'Content-Type': TEXT, ...NOSNIFF };
    if (failed) return { status: 503, headers, body: `${lines.join('\n')}\n\n` };
    return { status: 200, headers, body: url.searchParams.has('verbose') ? `${lines.join('\n')}\nok\n` : 'ok\n' };
  }

  private versionBody(): string {
    const [major, minor] = this.etcdVersion.split('.');
    const cluster = `${major}.${minor}.0`;
    return this.atLeast('3.6.0') ? `{"etcdserver":"${this.etcdVersion}","etcdcluster":"${cluster}","storage":"${cluster}"}` : `{"etcdserver":"${this.etcdVersion}","etcdcluster":"${cluster}"}`;
  }

  private metrics(): string {
    return fixture('etcd.metrics')
      .replace(/server_version="[^"]*"/g, `server_version="${this.etcdVersion}"`)
      .replace(/cluster_version="[^"]*"/g, `cluster_version="${this.etcdVersion.split('.').slice(0, 2).join('.')}"`);
  }

  private async serve(port: string, req: Req, res: Res): Promise<void> {
    const url = urlOf(req);
    const method = methodOf(req);
    const path = url.pathname;
    if (port === 'client') {
      for (const [name, value] of Object.entries(CORS)) res.setHeader(name, value);
      if (method === 'OPTIONS') return send(res, { status: 200 });
    }
    const getOnly = (reply: () => Reply): Reply => (method === 'GET' ? reply() : { status: 405, headers: { Allow: 'GET', 'Content-Type': TEXT, ...NOSNIFF }, body: 'Method Not Allowed\n' });
    const probes = this.atLeast('3.5.11');
    if (path === '/metrics' && port !== 'peer') return send(res, { status: 200, headers: { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' }, body: this.metrics() });
    if (path === '/health' && port !== 'peer') return send(res, getOnly(() => this.health(url)));
    if (probes && port !== 'peer') {
      const [, family, check, extra] = path.split('/');
      if ((family === 'livez' || family === 'readyz') && extra === undefined) return send(res, getOnly(() => this.probes(family, url, check)));
    }
    if (path === '/version' && port !== 'metrics') return send(res, getOnly(() => json(200, this.versionBody())));
    if (port === 'client' && path === '/debug/vars') return send(res, getOnly(() => ({ status: 200, headers: { 'Content-Type': 'application/json; charset=utf-8' }, body: this.debugVars() })));
    if (port === 'client' && path.startsWith('/v3/')) return send(res, await this.gateway(req, path, method));
    if (port === 'peer') return send(res, this.peer(path, method));
    send(res, goNotFound());
  }

  private debugVars(): string {
    const P = clusterPki(this.ctx.plan);
    const cmdline = ['etcd', `--advertise-client-urls=https://${this.node.ip}:2379`, `--cert-file=${join(P.etcdPki, 'server.crt')}`, '--client-cert-auth=true', `--data-dir=${join(this.node.root, 'var/lib/etcd')}`, `--key-file=${join(P.etcdPki, 'server.key')}`, `--name=${this.node.name}`, `--trusted-ca-file=${join(P.etcdPki, 'ca.crt')}`];
    return `{\n"cmdline": ${JSON.stringify(cmdline)},\n"file_descriptor_limit": 1048576,\n"memstats": {"Alloc":24180736,"TotalAlloc":98120448,"Sys":62473224}\n}\n`;
  }

  private member(): Record<string, unknown> {
    return { ID: MEMBER_ID, name: this.node.name, peerURLs: [`https://${this.node.ip}:2380`], clientURLs: [`https://${this.node.ip}:2379`] };
  }

  /** A few read-only v3 gateway calls: member list, status, and an empty range (spec §2.5). */
  private async gateway(req: Req, path: string, method: string): Promise<Reply> {
    if (method !== 'POST') return { status: 405, headers: { 'Content-Type': 'application/json' }, body: '{"code":12,"message":"Method Not Allowed"}' };
    await readBody(req, 1 << 16);
    const header = { cluster_id: BigInt(`0x${CLUSTER_ID}`).toString(), member_id: BigInt(`0x${MEMBER_ID}`).toString(), revision: '42', raft_term: '2' };
    const id = BigInt(`0x${MEMBER_ID}`).toString();
    switch (path.replace('/v3beta/', '/v3/')) {
      case '/v3/cluster/member/list':
        return json(200, { header, members: [{ ID: id, name: this.node.name, peerURLs: [`https://${this.node.ip}:2380`], clientURLs: [`https://${this.node.ip}:2379`] }] });
      case '/v3/maintenance/status':
        return json(200, { header, version: this.etcdVersion, dbSize: '4202496', leader: id, raftIndex: '1234', raftTerm: '2', raftAppliedIndex: '1234', dbSizeInUse: '1810432', isLearner: false });
      case '/v3/kv/range':
        return json(200, { header, count: '0' });
      default:
        return { status: 404, headers: { 'Content-Type': TEXT }, body: 'Not Found' };
    }
  }

  private peer(path: string, method: string): Reply {
    if (path === '/members') {
      if (method !== 'GET') return { status: 405, headers: { Allow: 'GET', 'Content-Type': TEXT, ...NOSNIFF }, body: 'Method Not Allowed\n' };
      return { status: 200, headers: { 'Content-Type': 'application/json', 'X-Etcd-Cluster-ID': CLUSTER_ID }, body: JSON.stringify([{ id: Number.parseInt(MEMBER_ID.slice(0, 12), 16), ...this.member(), ID: undefined }]) + '\n' };
    }
    if (path.startsWith('/members/')) return { status: 400, headers: { 'Content-Type': TEXT, ...NOSNIFF }, body: 'bad path\n' };
    if (path === '/raft') {
      if (method !== 'POST') return { status: 405, headers: { Allow: 'POST', 'Content-Type': TEXT, ...NOSNIFF }, body: 'Method Not Allowed\n' };
      return { status: 412, headers: { 'Content-Type': TEXT, ...NOSNIFF, 'X-Etcd-Cluster-ID': CLUSTER_ID }, body: 'etcd cluster ID mismatch\n' };
    }
    if (path === '/downgrade/enabled') return { status: 200, headers: { 'Content-Type': TEXT }, body: 'false' };
    if (path === '/raft/probing') return json(200, { OK: true, Now: new Date(this.ctx.clock.now()).toISOString() });
    return goNotFound();
  }
}
