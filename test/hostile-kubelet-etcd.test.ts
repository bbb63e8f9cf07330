// `kia kubelet … pods|logs|configz` and `kia etcd health|version` against every hostile peer (issue 10, "Hostile
// peers"): each run ends, stays under the memory bound, exits as CONVENTIONS says and says why in one clean line,
// with no stack trace and none of the peer's control characters on stderr.
import { clientSuites } from './peers/client-cases.ts';

clientSuites({ prefix: '127.77.12', commands: ['kubelet pods', 'kubelet logs', 'kubelet configz', 'etcd health', 'etcd version'] });
