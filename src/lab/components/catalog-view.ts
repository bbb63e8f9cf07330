// The lab's view of the catalog: which ports and routes a component serves at the lab's version.
import { routesFor } from '../../catalog/index.ts';
import type { ComponentId } from '../../model/index.ts';

/** True when the catalog lists a route with this path pattern on that port at that version. */
export function serves(component: ComponentId, port: string, version: string, pathPattern: string): boolean {
  return routesFor(component, port, version).some((route) => route.path === pathPattern);
}
