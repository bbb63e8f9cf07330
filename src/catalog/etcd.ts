// etcd: client 2379, peer 2380, metrics 2381 (kubeadm). Version ranges here are etcd versions, not Kubernetes ones.
// Grounded in spec §2, §8, §9 items 1-7, §11 (etcd 3.4 observations).
import type { Mode } from '../model/index.ts';
import type { ComponentEntry, Route, RouteParam } from './types.ts';

const HEALTH_SRC = 'etcd-io/etcd:server/etcdserver/api/etcdhttp/health.go';
const RPC_PROTO = 'etcd-io/etcd:api/etcdserverpb/rpc.proto';
const LOCK_PROTO = 'etcd-io/etcd:server/etcdserver/api/v3lock/v3lockpb/v3lock.proto';
const ELECTION_PROTO = 'etcd-io/etcd:server/etcdserver/api/v3election/v3electionpb/v3election.proto';

const TEXT = 'text/plain; charset=utf-8';

const healthQuery: readonly RouteParam[] = [
  {
    name: 'exclude',
    description: 'Skip the named alarm type in the alarm step (repeatable; empty values ignored).',
    values: 'NOSPACE|CORRUPT',
  },
  {
    name: 'serializable',
    description: 'Exactly `true`: local check, skips the "has a leader" step and reads serializably.',
    values: 'true',
    versions: { since: '3.5.3', note: 'kubeadm PR 110072 relies on it; present in v3.5.9' },
  },
];

const livezChecks: RouteParam = {
  name: 'check',
  description: 'One check of /livez.',
  required: true,
  values: 'serializable_read',
};

const readyzChecks: RouteParam = {
  name: 'check',
  description: 'One check of /readyz.',
  required: true,
  values: 'data_corruption|serializable_read|linearizable_read (non_learner: see the readyz-non-learner route)',
};

const probeQuery: readonly RouteParam[] = [
  { name: 'exclude', description: 'Drop a check (repeatable); unknown names are ignored (logged only).', values: '<check name>' },
  { name: 'verbose', description: 'Presence is enough: one `[+]<check> ok` line per check before `ok`.', values: '(presence)' },
];

const NON_LEARNER = { since: '3.5.19', note: 'non_learner: absent in v3.5.17, present in v3.5.19 and v3.6.0' };

/** The health family shared by the client and metrics listeners. */
function healthRoutes(port: 'client' | 'metrics'): Route[] {
  const access = port === 'client' ? 'tls-client-cert' : 'open';
  const probeVersions = { since: '3.5.11', note: 'absent up to 3.5.10 (and in 3.4, observed §11)' };
  return [
    {
      id: `etcd.${port}.health`,
      path: '/health',
      methods: ['GET'],
      query: healthQuery,
      returns: {
        status: 200,
        contentType: 'text/plain; charset=utf-8 (sniffed, no explicit header)',
        shape:
          'JSON {"health":"true","reason":""} with health as a string, no trailing newline; 503 {"health":"false","reason":"<R>"}\\n ' +
          'with R = ALARM NOSPACE|ALARM CORRUPT|ALARM UNKNOWN|RAFT NO LEADER|RANGE ERROR:<err>. The reason field is absent in 3.4 (§11).',
      },
      mode: 'read',
      access,
      health: { format: 'etcd-health' },
      source: HEALTH_SRC,
      description:
        'Alarm, leader and a keys-only Range (timeout 5s + 2 election timeouts). Other methods: 405, Allow: GET. ' +
        'Before 3.5.11 the handler lived in etcdhttp/metrics.go.',
    },
    {
      id: `etcd.${port}.livez`,
      path: '/livez',
      methods: ['GET'],
      query: probeQuery,
      // Failure bodies carry the reasons (unlike Kubernetes' healthz): nothing to follow up on. Asked on the metrics
      // port (where kubeadm's probes ask); the client port's /health already proves the mTLS path.
      ...(port === 'metrics' ? { health: { format: 'healthz', verbose: true } as const } : {}),
      returns: { status: 200, contentType: TEXT, shape: 'ok\\n; ?verbose lists [+]<check> ok first; 503 lists [-]<check> failed: <err> plus an extra \\n' },
      mode: 'read',
      access,
      versions: probeVersions,
      source: HEALTH_SRC,
      description: 'Liveness: the serializable_read check. kubeadm probes it on 2381 from 1.31. Other methods: 405.',
    },
    {
      id: `etcd.${port}.livez-check`,
      path: '/livez/{check}',
      methods: ['GET'],
      pathParams: [livezChecks],
      query: probeQuery.filter((q) => q.name === 'verbose'),
      returns: { status: 200, contentType: TEXT, shape: 'ok\\n, or 503 with the failing line' },
      mode: 'read',
      access,
      versions: probeVersions,
      source: HEALTH_SRC,
      description: 'Runs a single liveness check (exact path).',
    },
    {
      id: `etcd.${port}.readyz`,
      path: '/readyz',
      methods: ['GET'],
      query: probeQuery,
      // Failure bodies carry the reasons (unlike Kubernetes' healthz): nothing to follow up on. Asked on the metrics
      // port (where kubeadm's probes ask); the client port's /health already proves the mTLS path.
      ...(port === 'metrics' ? { health: { format: 'healthz', verbose: true } as const } : {}),
      returns: { status: 200, contentType: TEXT, shape: 'ok\\n; ?verbose lists [+]<check> ok first; 503 lists [-]<check> failed: <err> plus an extra \\n' },
      mode: 'read',
      access,
      versions: probeVersions,
      source: HEALTH_SRC,
      description:
        'Readiness: data_corruption, serializable_read, linearizable_read, and non_learner from 3.5.19. ' +
        'Does not look at NOSPACE or leadership directly; check order is not stable.',
    },
    {
      id: `etcd.${port}.readyz-check`,
      path: '/readyz/{check}',
      methods: ['GET'],
      pathParams: [readyzChecks],
      query: probeQuery.filter((q) => q.name === 'verbose'),
      returns: { status: 200, contentType: TEXT, shape: 'ok\\n, or 503 with the failing line' },
      mode: 'read',
      access,
      versions: probeVersions,
      source: HEALTH_SRC,
      description: 'Runs a single readiness check (exact path).',
    },
    {
      id: `etcd.${port}.readyz-non-learner`,
      path: '/readyz/non_learner',
      methods: ['GET'],
      query: probeQuery.filter((q) => q.name === 'verbose'),
      returns: { status: 200, contentType: TEXT, shape: 'ok\\n; on a learner 503 [-]non_learner failed: not supported for learner' },
      mode: 'read',
      access,
      versions: NON_LEARNER,
      source: HEALTH_SRC,
      description: 'The non_learner readiness check alone; also part of /readyz from 3.5.19.',
    },
    {
      id: `etcd.${port}.metrics`,
      path: '/metrics',
      methods: ['*'],
      returns: { status: 200, contentType: 'text/plain; version=0.0.4 (Prometheus exposition)', shape: 'Prometheus text' },
      mode: 'read',
      access,
      source: 'etcd-io/etcd:server/etcdserver/api/etcdhttp/metrics.go',
      description: 'promhttp.Handler(); --metrics=extensive adds gRPC latency histograms.',
    },
  ];
}

type GatewaySpec = readonly [path: string, mode: Mode, description: string, extra?: 'stream' | 'lock' | 'election'];

// One route per gRPC-gateway service path: all POST with JSON bodies (keys and values base64).
const GATEWAY: readonly GatewaySpec[] = [
  ['/v3/kv/range', 'read', 'KV.Range: read keys'],
  ['/v3/kv/put', 'act', 'KV.Put: write a key'],
  ['/v3/kv/deleterange', 'act', 'KV.DeleteRange: delete keys'],
  ['/v3/kv/txn', 'act', 'KV.Txn: conditional transaction that may write'],
  ['/v3/kv/compaction', 'act', 'KV.Compact: drop history'],
  ['/v3/watch', 'read', 'Watch.Watch: stream of changes', 'stream'],
  ['/v3/lease/grant', 'act', 'Lease.LeaseGrant'],
  ['/v3/lease/revoke', 'act', 'Lease.LeaseRevoke: deletes the attached keys'],
  ['/v3/lease/keepalive', 'act', 'Lease.LeaseKeepAlive', 'stream'],
  ['/v3/lease/timetolive', 'read', 'Lease.LeaseTimeToLive'],
  ['/v3/lease/leases', 'read', 'Lease.LeaseLeases: list leases'],
  ['/v3/kv/lease/revoke', 'act', 'Legacy path of Lease.LeaseRevoke'],
  ['/v3/kv/lease/timetolive', 'read', 'Legacy path of Lease.LeaseTimeToLive'],
  ['/v3/kv/lease/leases', 'read', 'Legacy path of Lease.LeaseLeases'],
  ['/v3/cluster/member/add', 'act', 'Cluster.MemberAdd'],
  ['/v3/cluster/member/remove', 'act', 'Cluster.MemberRemove'],
  ['/v3/cluster/member/update', 'act', 'Cluster.MemberUpdate: change peer URLs'],
  ['/v3/cluster/member/list', 'read', 'Cluster.MemberList'],
  ['/v3/cluster/member/promote', 'act', 'Cluster.MemberPromote: promote a learner'],
  ['/v3/maintenance/alarm', 'act', 'Maintenance.Alarm: one path to list (GET action), ACTIVATE and DEACTIVATE alarms'],
  ['/v3/maintenance/status', 'read', 'Maintenance.Status: version, db size, leader, raft index'],
  ['/v3/maintenance/defragment', 'act', 'Maintenance.Defragment: blocks the member while it runs'],
  ['/v3/maintenance/hash', 'read', 'Maintenance.Hash: hash of the whole backend'],
  ['/v3/maintenance/hashkv', 'read', 'Maintenance.HashKV: hash of the keyspace up to a revision'],
  ['/v3/maintenance/snapshot', 'read', 'Maintenance.Snapshot: streams the whole database (every Secret)', 'stream'],
  ['/v3/maintenance/transfer-leadership', 'act', 'Maintenance.MoveLeader'],
  ['/v3/maintenance/downgrade', 'act', 'Maintenance.Downgrade: validate/enable/cancel a cluster downgrade'],
  ['/v3/auth/enable', 'act', 'Auth.AuthEnable'],
  ['/v3/auth/disable', 'act', 'Auth.AuthDisable'],
  ['/v3/auth/status', 'read', 'Auth.AuthStatus'],
  ['/v3/auth/authenticate', 'act', 'Auth.Authenticate: issues a token for a user and password'],
  ['/v3/auth/user/add', 'act', 'Auth.UserAdd'],
  ['/v3/auth/user/get', 'read', 'Auth.UserGet'],
  ['/v3/auth/user/list', 'read', 'Auth.UserList'],
  ['/v3/auth/user/delete', 'act', 'Auth.UserDelete'],
  ['/v3/auth/user/changepw', 'act', 'Auth.UserChangePassword'],
  ['/v3/auth/user/grant', 'act', 'Auth.UserGrantRole'],
  ['/v3/auth/user/revoke', 'act', 'Auth.UserRevokeRole'],
  ['/v3/auth/role/add', 'act', 'Auth.RoleAdd'],
  ['/v3/auth/role/get', 'read', 'Auth.RoleGet'],
  ['/v3/auth/role/list', 'read', 'Auth.RoleList'],
  ['/v3/auth/role/delete', 'act', 'Auth.RoleDelete'],
  ['/v3/auth/role/grant', 'act', 'Auth.RoleGrantPermission'],
  ['/v3/auth/role/revoke', 'act', 'Auth.RoleRevokePermission'],
  ['/v3/election/campaign', 'act', 'Election.Campaign', 'election'],
  ['/v3/election/proclaim', 'act', 'Election.Proclaim', 'election'],
  ['/v3/election/leader', 'read', 'Election.Leader', 'election'],
  ['/v3/election/observe', 'read', 'Election.Observe (stream)', 'election'],
  ['/v3/election/resign', 'act', 'Election.Resign', 'election'],
  ['/v3/lock/lock', 'act', 'Lock.Lock', 'lock'],
  ['/v3/lock/unlock', 'act', 'Lock.Unlock', 'lock'],
];

const gatewayRoutes: Route[] = GATEWAY.map(([path, mode, description, extra]) => ({
  id: `etcd.client.v3-${path.replace(/^\/v3\//, '').replace(/\//g, '-')}`,
  path,
  methods: ['POST'],
  returns: { status: 200, contentType: 'application/json', shape: 'JSON of the response message (proto field names, unset fields omitted)' },
  mode,
  access: 'tls-client-cert',
  requires: '--enable-grpc-gateway (default true)',
  ...(extra === 'stream' || path.endsWith('/observe') ? { streaming: true } : {}),
  source: extra === 'lock' ? LOCK_PROTO : extra === 'election' ? ELECTION_PROTO : RPC_PROTO,
  description: `${description} (also under /v3beta/, rewritten to /v3/).`,
}));

const versionRoute = (port: 'client' | 'peer'): Route => ({
  id: `etcd.${port}.version`,
  path: '/version',
  methods: ['GET'],
  returns: {
    status: 200,
    contentType: 'application/json',
    shape:
      '{"etcdserver":"<v>","etcdcluster":"<v>","storage":"<v>"}; etcdcluster is not_decided and storage unknown until known; ' +
      'the storage key exists only from 3.6 (absent in 3.5 and 3.4)',
  },
  mode: 'read',
  access: 'tls-client-cert',
  source: 'etcd-io/etcd:server/etcdserver/api/etcdhttp/version.go',
  description: 'Server and cluster versions. Other methods: 405, Allow: GET. Not served on the metrics listener.',
});

const clientRoutes: Route[] = [
  ...healthRoutes('client'),
  versionRoute('client'),
  {
    id: 'etcd.client.debug-vars',
    path: '/debug/vars',
    methods: ['GET'],
    returns: { status: 200, contentType: 'application/json; charset=utf-8', shape: 'expvar dump (cmdline, memstats, raft status)' },
    mode: 'read',
    access: 'tls-client-cert',
    source: 'etcd-io/etcd:server/etcdserver/api/etcdhttp/debug.go',
    description: 'expvar. Other methods: 405, Allow: GET.',
  },
  {
    id: 'etcd.client.pprof',
    path: '/debug/pprof/*',
    methods: ['GET'],
    pathParams: [{ name: '*', description: 'Profile name.', values: 'profile|symbol|cmdline|trace|heap|goroutine|threadcreate|block|mutex' }],
    returns: { status: 200, contentType: 'text/html or application/octet-stream', shape: 'Go pprof index or profile' },
    mode: 'read',
    access: 'tls-client-cert',
    requires: '--enable-pprof (default false) or --log-level=debug',
    source: 'etcd-io/etcd:pkg/debugutil/pprof.go',
    description: 'Go profiling; `/debug/pprof/profile` blocks for its sampling period.',
  },
  {
    id: 'etcd.client.debug-requests',
    path: '/debug/requests',
    methods: ['GET'],
    returns: { status: 200, contentType: 'text/html; charset=utf-8', shape: 'golang.org/x/net/trace request traces' },
    mode: 'read',
    access: 'tls-client-cert',
    requires: '--log-level=debug',
    source: 'etcd-io/etcd:server/embed/serve.go',
    description: 'gRPC request traces.',
  },
  {
    id: 'etcd.client.debug-events',
    path: '/debug/events',
    methods: ['GET'],
    returns: { status: 200, contentType: 'text/html; charset=utf-8', shape: 'golang.org/x/net/trace event logs' },
    mode: 'read',
    access: 'tls-client-cert',
    requires: '--log-level=debug',
    source: 'etcd-io/etcd:server/embed/serve.go',
    description: 'gRPC event logs.',
  },
  ...gatewayRoutes,
  {
    id: 'etcd.client.grpc',
    path: '/etcdserverpb.*',
    methods: ['POST'],
    returns: { status: 200, contentType: 'application/grpc', shape: 'gRPC frames (HTTP/2)' },
    mode: 'act',
    access: 'tls-client-cert',
    streaming: true,
    source: 'etcd-io/etcd:server/embed/serve.go',
    description:
      'The native v3 API (also /v3lockpb.*, /v3electionpb.*): HTTP/2 requests with Content-Type application/grpc go to gRPC ' +
      'on the same port; it can read and write every key.',
  },
  {
    id: 'etcd.client.v2',
    path: '/v2/*',
    methods: ['*'],
    returns: { status: 200, contentType: 'application/json', shape: 'v2 keys API' },
    mode: 'act',
    access: 'tls-client-cert',
    requires: '--enable-v2',
    versions: { until: '3.6', note: 'v2 API removed in 3.6' },
    source: 'etcd-io/etcd:server/embed/serve.go',
    description: 'Legacy v2 keys API, off unless --enable-v2.',
  },
  {
    id: 'etcd.client.cors-preflight',
    path: '/*',
    methods: ['OPTIONS'],
    returns: { status: 200, contentType: '', shape: 'empty body with the CORS headers' },
    mode: 'read',
    access: 'tls-client-cert',
    source: 'etcd-io/etcd:server/embed/serve.go',
    description:
      'Access controller on the client port (not metrics/peer): any OPTIONS is answered before routing; every response carries ' +
      'Access-Control-Allow-Methods: POST, GET, OPTIONS, PUT, DELETE, Access-Control-Allow-Origin: * (--cors default *), ' +
      'Access-Control-Allow-Headers: accept, content-type, authorization. Plain HTTP with a Host outside --host-whitelist: 421.',
  },
];

const PEER_SRC = 'etcd-io/etcd:server/etcdserver/api/etcdhttp/peer.go';
const RAFT_SRC = 'etcd-io/etcd:server/etcdserver/api/rafthttp/http.go';
const memberId: RouteParam = { name: 'memberID', description: 'Hex id of the member opening the stream.', required: true, values: '<hex id>' };

const peerRoutes: Route[] = [
  {
    id: 'etcd.peer.raft',
    path: '/raft',
    methods: ['POST'],
    returns: { status: 204, contentType: '', shape: 'empty; 412 on cluster-id/version mismatch' },
    mode: 'act',
    access: 'tls-client-cert',
    source: RAFT_SRC,
    description: 'One protobuf raftpb.Message (<= 64 KiB); header checks on cluster id and version.',
  },
  {
    id: 'etcd.peer.raft-stream-message',
    path: '/raft/stream/message/{memberID}',
    methods: ['GET'],
    pathParams: [memberId],
    returns: { status: 200, contentType: 'application/octet-stream', shape: 'long-lived raft message stream; X-Server-Version, X-Etcd-Cluster-ID' },
    mode: 'act',
    access: 'tls-client-cert',
    streaming: true,
    source: RAFT_SRC,
    description: 'Raft stream; opening it takes the stream over from the real peer. Other stream paths: 404 invalid path.',
  },
  {
    id: 'etcd.peer.raft-stream-msgappv2',
    path: '/raft/stream/msgappv2/{memberID}',
    methods: ['GET'],
    pathParams: [memberId],
    returns: { status: 200, contentType: 'application/octet-stream', shape: 'long-lived msgappv2 stream' },
    mode: 'act',
    access: 'tls-client-cert',
    streaming: true,
    source: RAFT_SRC,
    description: 'Raft append stream; opening it takes the stream over from the real peer.',
  },
  {
    id: 'etcd.peer.raft-snapshot',
    path: '/raft/snapshot',
    methods: ['POST'],
    returns: { status: 204, contentType: '', shape: 'empty' },
    mode: 'act',
    access: 'tls-client-cert',
    source: RAFT_SRC,
    description: 'Snapshot upload (<= 64 MiB message part).',
  },
  {
    id: 'etcd.peer.raft-probing',
    path: '/raft/probing',
    methods: ['GET'],
    returns: { status: 200, contentType: 'application/json', shape: '{OK, Now} from the probing module (field spelling unverified)' },
    mode: 'read',
    access: 'tls-client-cert',
    source: 'etcd-io/etcd:server/etcdserver/api/rafthttp/transport.go',
    description: 'Peer prober used for round-trip measurement.',
  },
  {
    id: 'etcd.peer.members',
    path: '/members',
    methods: ['GET'],
    returns: {
      status: 200,
      contentType: 'application/json',
      shape: 'array of {id (number), name, peerURLs, clientURLs, isLearner (omitted when false)}; header X-Etcd-Cluster-ID',
    },
    mode: 'read',
    access: 'tls-client-cert',
    source: PEER_SRC,
    description: 'Member list; exact path only, otherwise 400 bad path. Other methods: 405 with Allow: GET.',
  },
  {
    id: 'etcd.peer.members-promote',
    path: '/members/promote/{id}',
    methods: ['POST'],
    pathParams: [{ name: 'id', description: 'Learner member id.', required: true, values: '<id>' }],
    returns: { status: 200, contentType: 'application/json', shape: 'member list after promotion; 404 unknown id, 412 not a learner / not ready' },
    mode: 'act',
    access: 'tls-client-cert',
    source: PEER_SRC,
    description: 'Promote a learner.',
  },
  {
    id: 'etcd.peer.members-hashkv',
    path: '/members/hashkv',
    methods: ['POST'],
    returns: { status: 200, contentType: 'application/json', shape: 'HashKV response' },
    mode: 'read',
    access: 'tls-client-cert',
    source: 'etcd-io/etcd:server/etcdserver/corrupt.go',
    description: 'Corruption-check hash exchange between peers.',
  },
  {
    id: 'etcd.peer.leases',
    path: '/leases',
    methods: ['POST'],
    returns: { status: 200, contentType: 'application/protobuf', shape: 'LeaseKeepAliveResponse' },
    mode: 'act',
    access: 'tls-client-cert',
    source: 'etcd-io/etcd:server/lease/leasehttp/http.go',
    description: 'Lease keep-alive forwarded to the leader. Other methods: 405 (no Allow header).',
  },
  {
    id: 'etcd.peer.leases-internal',
    path: '/leases/internal',
    methods: ['POST'],
    returns: { status: 200, contentType: 'application/protobuf', shape: 'LeaseInternalResponse (time-to-live)' },
    mode: 'read',
    access: 'tls-client-cert',
    source: 'etcd-io/etcd:server/lease/leasehttp/http.go',
    description: 'Lease time-to-live forwarded to the leader.',
  },
  {
    id: 'etcd.peer.downgrade-enabled',
    path: '/downgrade/enabled',
    methods: ['GET'],
    returns: { status: 200, contentType: 'text/plain', shape: 'true|false' },
    mode: 'read',
    access: 'tls-client-cert',
    source: 'etcd-io/etcd:server/etcdserver/server.go',
    description: 'Whether a cluster downgrade is enabled, after a linearizable read.',
  },
  versionRoute('peer'),
];

const kubeadmTls = ['--cert-file', '--key-file', '--trusted-ca-file', '--client-cert-auth', '--client-crl-file', '--cert-allowed-cn', '--cert-allowed-hostname'];

export const etcd: ComponentEntry = {
  id: 'etcd',
  title: 'etcd',
  processNames: ['etcd'],
  versioning: 'etcd',
  source: 'etcd-io/etcd:server/embed/etcd.go',
  ports: [
    {
      component: 'etcd',
      name: 'client',
      port: 2379,
      scheme: 'https',
      clientCert: 'required',
      title: 'client API: v3 gRPC, gRPC-gateway, health, metrics, version',
      kubeadmBind: 'loopback+node-ip',
      upstreamDefaultBind: 'http://localhost:2379',
      flags: [
        '--listen-client-urls',
        '--listen-client-http-urls',
        '--advertise-client-urls',
        ...kubeadmTls,
        '--enable-grpc-gateway',
        '--enable-pprof',
        '--log-level',
        '--cors',
        '--host-whitelist',
        '--metrics',
        '--enable-v2',
      ],
      configFields: [
        'listen-client-urls',
        'listen-client-http-urls',
        'client-transport-security.cert-file',
        'client-transport-security.key-file',
        'client-transport-security.trusted-ca-file',
        'client-transport-security.client-cert-auth',
        'enable-grpc-gateway',
        'enable-pprof',
        'cors',
        'host-whitelist',
      ],
      anonymous: {
        expected: false,
        detail:
          'kubeadm sets --trusted-ca-file and --client-cert-auth: RequireAndVerifyClientCert (the CA file alone already forces it). ' +
          'Without TLS flags (upstream default http) anyone has full access.',
      },
      unauthenticated:
        'TLS handshake failure, no HTTP answer (TLS 1.3: alert `certificate required`, often only on the first read); plain HTTP to the TLS port: connection closed without a byte',
      source: 'etcd-io/etcd:client/pkg/transport/listener.go',
      routes: clientRoutes,
    },
    {
      component: 'etcd',
      name: 'peer',
      port: 2380,
      scheme: 'https',
      clientCert: 'required',
      title: 'peer (raft) traffic between members',
      kubeadmBind: 'node-ip',
      upstreamDefaultBind: 'http://localhost:2380',
      flags: [
        '--listen-peer-urls',
        '--initial-advertise-peer-urls',
        '--peer-cert-file',
        '--peer-key-file',
        '--peer-trusted-ca-file',
        '--peer-client-cert-auth',
        '--peer-crl-file',
        '--peer-cert-allowed-cn',
        '--peer-cert-allowed-hostname',
      ],
      configFields: [
        'listen-peer-urls',
        'peer-transport-security.cert-file',
        'peer-transport-security.key-file',
        'peer-transport-security.trusted-ca-file',
        'peer-transport-security.client-cert-auth',
      ],
      anonymous: {
        expected: false,
        detail: 'kubeadm sets --peer-trusted-ca-file and --peer-client-cert-auth; any certificate signed by the etcd CA is accepted (§11).',
      },
      unauthenticated: 'TLS handshake failure, no HTTP answer',
      source: PEER_SRC,
      routes: peerRoutes,
    },
    {
      component: 'etcd',
      name: 'metrics',
      port: 2381,
      scheme: 'http',
      clientCert: 'none',
      title: 'metrics and health listener (--listen-metrics-urls)',
      kubeadmBind: 'loopback',
      upstreamDefaultBind: 'off (--listen-metrics-urls unset)',
      flags: ['--listen-metrics-urls', '--metrics'],
      configFields: ['listen-metrics-urls', 'metrics'],
      anonymous: {
        expected: true,
        detail: 'kubeadm: http://127.0.0.1:2381, no TLS, no auth; kubelet probes /livez and /readyz here (1.31+). An https URL would reuse the client TLS settings.',
      },
      unauthenticated: 'full access: 200 on /metrics, /health, /livez, /readyz',
      source: 'etcd-io/etcd:server/embed/etcd.go',
      routes: healthRoutes('metrics'),
    },
  ],
};
