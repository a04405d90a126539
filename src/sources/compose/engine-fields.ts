/**
 * Compose keys that map to the Engine fields the shared core reads from HostConfig (see
 * src/engine/workload.ts): `gpus` and `deploy.resources.reservations.devices` (DeviceRequests),
 * `runtime`, `cgroup_parent`, `sysctls`. Only translates, keeping each value's position.
 */
import type { DeviceRequest, Sysctl, Workload } from "../../model/workload.js";
import type { Located } from "../../model/location.js";
import { yget, ynum, type YMap, type YValue } from "../yamldoc.js";
import { scalarString } from "./values.js";

type Loc = <T>(value: T, v: YValue, extra?: string) => Located<T>;

function list(v: YValue | undefined): YValue[] {
  if (!v) return [];
  if (v.kind === "seq") return v.items;
  if (v.kind === "scalar" && v.value !== null) return [v];
  return [];
}

/** `count: all` is -1, as the CLI's `--gpus all`; a number otherwise. */
function countOf(v: YValue | undefined): number | undefined {
  const s = scalarString(v)?.trim().toLowerCase();
  if (s === "all") return -1;
  return ynum(v);
}

/** One device request in Compose's long form (`driver`, `count`, `device_ids`, `capabilities`, `options`). */
function requestOf(item: YMap, defaultCaps: string[][] | undefined): DeviceRequest {
  const r: DeviceRequest = {};
  const driver = scalarString(yget(item, "driver"));
  if (driver) r.driver = driver;
  const count = countOf(yget(item, "count"));
  if (count !== undefined) r.count = count;
  const ids = list(yget(item, "device_ids")).map(scalarString).filter((s): s is string => !!s);
  if (ids.length) r.deviceIds = ids;
  // Compose: one list of capabilities = one AND-set.
  const caps = list(yget(item, "capabilities")).map(scalarString).filter((s): s is string => !!s);
  if (caps.length) r.capabilities = [caps];
  else if (defaultCaps) r.capabilities = defaultCaps;
  const opts: Record<string, string> = {};
  for (const [k, v] of yget(item, "options")?.kind === "map" ? (yget(item, "options") as YMap).entries : []) {
    const s = scalarString(v);
    if (s !== undefined) opts[k] = s;
  }
  if (Object.keys(opts).length) r.options = opts;
  if (count === undefined && !ids.length) r.count = -1; // compose's default when neither is given: all
  return r;
}

/**
 * `gpus: all` (every GPU), `gpus: [{driver, count, device_ids, options}]` (capabilities gpu), and
 * `deploy.resources.reservations.devices: [{capabilities: [gpu], driver, count, device_ids}]`.
 */
export function composeDeviceRequests(svc: YMap, loc: Loc): Located<DeviceRequest>[] {
  const out: Located<DeviceRequest>[] = [];
  const gpus = svc.entries.get("gpus");
  if (gpus?.kind === "scalar") {
    const s = scalarString(gpus);
    if (s !== undefined) out.push(loc({ count: s.trim().toLowerCase() === "all" ? -1 : Number.isFinite(Number(s)) ? Number(s) : -1, capabilities: [["gpu"]], raw: `gpus: ${s}` }, gpus));
  } else if (gpus?.kind === "seq") {
    for (const it of gpus.items) if (it.kind === "map") out.push(loc(requestOf(it, [["gpu"]]), it));
  }
  const devices = yget(yget(yget(yget(svc, "deploy"), "resources"), "reservations"), "devices");
  for (const it of list(devices)) if (it.kind === "map") out.push(loc(requestOf(it, undefined), it));
  return out;
}

/** `sysctls: {net.core.somaxconn: 1024}` or `sysctls: [net.core.somaxconn=1024]`. */
export function composeSysctls(v: YValue | undefined, loc: Loc): Located<Sysctl>[] {
  const out: Located<Sysctl>[] = [];
  if (v?.kind === "map") {
    for (const [name, x] of v.entries) out.push(loc({ name, value: scalarString(x) ?? "" }, x));
  } else if (v?.kind === "seq") {
    for (const it of v.items) {
      const s = scalarString(it);
      if (!s) continue;
      const eq = s.indexOf("=");
      out.push(loc({ name: (eq < 0 ? s : s.slice(0, eq)).trim(), value: eq < 0 ? "" : s.slice(eq + 1) }, it));
    }
  }
  return out;
}

/** runtime, cgroup_parent, sysctls and device requests of one service, into its workload. */
export function applyEngineFields(w: Workload, svc: YMap, loc: Loc): void {
  const reqs = composeDeviceRequests(svc, loc);
  if (reqs.length) w.deviceRequests = reqs;
  const rt = svc.entries.get("runtime");
  const rts = scalarString(rt);
  if (rt && rts && rts.trim()) w.runtime = loc(rts.trim(), rt);
  const cg = svc.entries.get("cgroup_parent");
  const cgs = scalarString(cg);
  if (cg && cgs && cgs.trim()) w.cgroupParent = loc(cgs.trim(), cg);
  const sc = composeSysctls(svc.entries.get("sysctls"), loc);
  if (sc.length) w.sysctls = sc;
}
