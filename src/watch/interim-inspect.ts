/**
 * INTERIM container → Workload mapping, until the audit's own (`src/audit/`, issue 4) lands.
 * It reuses the proxy's Engine-API-body mapping (inspect's `Config`/`HostConfig` have the create
 * body's shape), resolving named volumes and `container:` joins with inspect calls. It does not
 * resolve host paths (realpath/stat, socket inodes): the audit's mapping does, so swap the import
 * in ./workload.ts when it exists.
 */
import type { Workload } from "../model/workload.js";
import { containerInfoFromInspect, containerToWorkloads, type Resolver } from "../proxy/toWorkload.js";

export interface InspectLookups {
  /** `GET /containers/{ref}/json`, undefined when it does not exist. */
  container(ref: string): Promise<unknown | undefined>;
  /** `GET /volumes/{name}`, undefined when it does not exist. */
  volume(name: string): Promise<{ Driver?: string; Options?: Record<string, string> | null } | undefined>;
}

export async function inspectToWorkload(inspect: unknown, lookups: InspectLookups): Promise<Workload[]> {
  const info = containerInfoFromInspect(inspect);
  const resolver: Resolver = {
    async container(ref) {
      const j = await lookups.container(ref);
      return j === undefined ? undefined : containerInfoFromInspect(j);
    },
    async volume(name) {
      const v = await lookups.volume(name);
      return v === undefined ? undefined : { driver: v.Driver ?? "", options: v.Options ?? {} };
    },
  };
  return containerToWorkloads(info.config, info.hostConfig, { resolver, object: `container:${info.name}`, container: { id: info.id, name: info.name, state: info.state } });
}
