// `kia get` and `kia metrics` against every hostile peer (issue 10, "Hostile peers"): each run ends, stays under the
// memory bound, exits as CONVENTIONS says and says why in one clean line; credentials never follow a redirect.
import { clientSuites } from './peers/client-cases.ts';

clientSuites({ prefix: '127.77.11', commands: ['get', 'metrics'] });
