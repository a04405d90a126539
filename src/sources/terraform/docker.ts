import { located, type Pos } from "../../model/location.js";
import { emptyWorkload, envVar, type Mount, type NamespaceName, type Workload } from "../../model/workload.js";
import type { DaemonEndpoint } from "../types.js";
import { capName, deviceHostPath, namespaceFromMode } from "../ansible/dockeropts.js";
import { attr, children, child, items, labeled, mapEntries, isObj, type H } from "./hnode.js";
import type { TfVars } from "./resolve.js";

/**
 * `resource "docker_container"` (kreuzwerker/docker provider) → one Workload, and
 * `provider "docker" { host = … }` → a client DaemonEndpoint. Only translation: the rules judge.
 */

const NS_ATTRS: [string, NamespaceName][] = [
  ["network_mode", "network"],
  ["pid_mode", "pid"],
  ["ipc_mode", "ipc"],
  ["userns_mode", "userns"],
  ["cgroupns_mode", "cgroupns"],
];

export function dockerContainerWorkload(name: string, h: H, file: string, vars: TfVars): Workload {
  const w = emptyWorkload({ door: "iac", file, ...(h.at ? { at: h.at } : {}), object: `docker_container.${name}`, name, containerName: name });
  const L = <T>(r: { value: T; uncertain?: string } | undefined, at: Pos | undefined) => (r ? located(r.value, at, r.uncertain) : undefined);

  const img = attr(h, "image");
  const image = img && vars.str(img.v);
  if (img && image) w.image = located(image.value, img.at, image.uncertain);

  const priv = attr(h, "privileged");
  if (priv) w.privileged = L(vars.bool(priv.v, true), priv.at);

  const user = attr(h, "user");
  if (user) w.user = L(vars.str(user.v), user.at);

  for (const [key, ns] of NS_ATTRS) {
    const a = attr(h, key);
    const s = a && vars.str(a.v);
    if (a && s) w.namespaces[ns] = located(namespaceFromMode(ns, s.value), a.at, s.uncertain);
  }

  // Each `volumes`/`mounts` block yields exactly one Mount, so those from `dynamic` blocks (after
  // the static ones) can be marked afterwards.
  const vols = children(h, "volumes");
  const firstDynVol = w.mounts.length + vols.length;
  for (const vol of [...vols, ...dynamicContents(h, "volumes")]) {
    const hp = attr(vol, "host_path");
    const cp = attr(vol, "container_path");
    const vn = attr(vol, "volume_name");
    const ro = attr(vol, "read_only");
    const hostPath = hp && vars.str(hp.v);
    const target = cp && vars.str(cp.v)?.value;
    const readOnly = ro ? vars.bool(ro.v, false)?.value === true : false;
    if (hostPath) {
      w.mounts.push(mount({ type: "bind", source: hostPath.value, hostPath: hostPath.value, target, readOnly, at: hp.at ?? vol.at, uncertain: hostPath.uncertain }));
      continue;
    }
    const volName = vn && vars.str(vn.v);
    // A named volume (`php_socket`) binds no host path by itself: recorded, not exposed.
    w.mounts.push(mount({ type: "volume", source: volName?.value, target, readOnly, at: vn?.at ?? cp?.at ?? vol.at, uncertain: volName?.uncertain }));
  }

  markDynamic(w.mounts.slice(firstDynVol));
  readMountBlocks(h, w, vars);

  const caps = child(h, "capabilities");
  if (caps) {
    for (const it of items(attr(caps, "add"))) {
      const s = vars.str(it.v);
      if (s) w.capAdd.push(located(capName(s.value), it.at, s.uncertain));
    }
    for (const it of items(attr(caps, "drop"))) {
      const s = vars.str(it.v);
      if (s) w.capDrop.push(located(capName(s.value), it.at, s.uncertain));
    }
  }

  for (const d of children(h, "devices")) {
    const hp = attr(d, "host_path");
    const s = hp && vars.str(hp.v);
    if (hp && s) w.devices.push(located(deviceHostPath(s.value), hp.at, s.uncertain));
  }
  for (const d of dynamicContents(h, "devices")) {
    const hp = attr(d, "host_path");
    const s = hp && vars.str(hp.v);
    if (hp && s) w.devices.push(located(deviceHostPath(s.value), hp.at, s.uncertain ?? DYNAMIC));
  }

  for (const it of items(attr(h, "env"))) {
    const s = vars.str(it.v);
    if (!s) continue;
    const eq = s.value.indexOf("=");
    const n = eq < 0 ? s.value : s.value.slice(0, eq);
    // envVar keeps a value only for DOCKER_HOST & co: nothing else is stored.
    w.env.push(located(envVar(n, eq < 0 ? undefined : s.value.slice(eq + 1)), it.at, s.uncertain));
  }

  for (const it of items(attr(h, "group_add"))) {
    const s = vars.str(it.v);
    if (s) w.groups.push(located(s.value, it.at, s.uncertain));
  }
  for (const it of items(attr(h, "security_opts"))) {
    const s = vars.str(it.v);
    if (s) w.securityOpt.push(located(normalizeSecurityOpt(s.value), it.at, s.uncertain));
  }

  // labels: `labels { label = "k" value = "v" }` blocks (provider ≥ 2.x) or a map (older).
  const lab = attr(h, "labels");
  if (lab && isObj(lab.v)) {
    for (const [k, v] of mapEntries(lab)) if (typeof v.v === "string") w.labels[k] = v.v;
  } else {
    for (const l of children(h, "labels")) {
      const k = vars.str(attr(l, "label")?.v)?.value;
      const v = vars.str(attr(l, "value")?.v)?.value;
      if (k !== undefined) w.labels[k] = v ?? "";
    }
  }
  return w;
}


/** `mounts { type source target read_only volume_options { driver_options } }` blocks (and
 *  their `dynamic` form) → Mounts. Shared by docker_container and docker_service. */
function readMountBlocks(h: H, w: Workload, vars: TfVars): void {
  const mnts = children(h, "mounts");
  const firstDynMount = w.mounts.length + mnts.length;
  for (const m of [...mnts, ...dynamicContents(h, "mounts")]) {
    const type = vars.str(attr(m, "type")?.v)?.value ?? "volume";
    const src = attr(m, "source");
    const source = src && vars.str(src.v);
    const target = vars.str(attr(m, "target")?.v)?.value;
    const ro = attr(m, "read_only");
    const readOnly = ro ? vars.bool(ro.v, false)?.value === true : false;
    const at = src?.at ?? m.at;
    if (type === "bind") w.mounts.push(mount({ type: "bind", source: source?.value, hostPath: source?.value, target, readOnly, at, uncertain: source?.uncertain }));
    else if (type === "tmpfs") w.mounts.push(mount({ type: "tmpfs", target, readOnly, at }));
    else {
      const mt = type === "volume" ? "volume" : "unknown";
      // Local-driver volume options that bind a host directory (`o=bind`, `device=/run`).
      const vo = child(m, "volume_options");
      const opts = vo ? mapEntries(attr(vo, "driver_options")) : [];
      const device = opts.find(([k]) => k === "device");
      const devPath = device ? vars.str(device[1].v) : undefined;
      const isBind = opts.some(([k, v]) => k === "o" && typeof v.v === "string" && v.v.split(",").includes("bind"));
      w.mounts.push(
        mount({
          type: mt,
          source: source?.value,
          target,
          readOnly,
          at,
          uncertain: source?.uncertain ?? devPath?.uncertain,
          ...(devPath && isBind ? { hostPath: devPath.value, via: `volume \`${source?.value ?? "(anonymous)"}\` (driver_options device=${devPath.value})` } : {}),
        }),
      );
    }
  }

  markDynamic(w.mounts.slice(firstDynMount));
}

const DYNAMIC = "inside a `dynamic` block: for_each decides how many times (maybe never) it applies";

/** The `content` of `dynamic "<key>" { for_each = … content { … } }` blocks. */
function dynamicContents(h: H, key: string): H[] {
  return labeled(h, "dynamic", 1)
    .filter((d) => d.labels[0] === key)
    .flatMap((d) => children(d.h, "content"));
}

function markDynamic(ms: Mount[]): void {
  for (const m of ms) if (!m.uncertain) m.uncertain = DYNAMIC;
}

/** `resource "docker_service"` (Swarm): `task_spec.container_spec` → one Workload. Swarm has no
 *  privileged mode or host PID; mounts, user, groups, capabilities and env are what matter. */
export function dockerServiceWorkload(name: string, h: H, file: string, vars: TfVars): Workload {
  const w = emptyWorkload({ door: "iac", file, ...(h.at ? { at: h.at } : {}), object: `docker_service.${name}`, name, containerName: name });
  const cs = child(child(h, "task_spec") ?? { v: undefined }, "container_spec");
  if (!cs) return w;
  const img = attr(cs, "image");
  const image = img && vars.str(img.v);
  if (img && image) w.image = located(image.value, img.at, image.uncertain);
  const user = attr(cs, "user");
  const u = user && vars.str(user.v);
  if (user && u) w.user = located(u.value, user.at, u.uncertain);
  for (const it of items(attr(cs, "groups"))) {
    const g = vars.str(it.v);
    if (g) w.groups.push(located(g.value, it.at, g.uncertain));
  }
  readMountBlocks(cs, w, vars);
  for (const [key, list] of [["cap_add", w.capAdd], ["cap_drop", w.capDrop]] as const) {
    for (const it of items(attr(cs, key))) {
      const c = vars.str(it.v);
      if (c) list.push(located(capName(c.value), it.at, c.uncertain));
    }
  }
  for (const [k, v] of mapEntries(attr(cs, "env"))) {
    const e = vars.str(v.v);
    w.env.push(located(envVar(k, e?.value), v.at, e?.uncertain));
  }
  return w;
}

/** Docker writes `seccomp:unconfined` or `seccomp=unconfined`; the model uses `key=value`. */
export function normalizeSecurityOpt(s: string): string {
  const t = s.trim();
  if (t.includes("=")) return t;
  const i = t.indexOf(":");
  return i > 0 ? `${t.slice(0, i)}=${t.slice(i + 1)}` : t;
}

function mount(m: Omit<Mount, "uncertain"> & { uncertain?: string | undefined }): Mount {
  const out: Mount = { type: m.type, readOnly: m.readOnly };
  if (m.source !== undefined) out.source = m.source;
  if (m.hostPath !== undefined) out.hostPath = m.hostPath;
  if (m.target !== undefined) out.target = m.target;
  if (m.via !== undefined) out.via = m.via;
  if (m.at !== undefined) out.at = m.at;
  if (m.uncertain) out.uncertain = m.uncertain;
  return out;
}

/** `provider "docker" { host = "tcp://…" }`: the provider talks to that daemon. TLS is verified
 *  when the provider is given certificates (`cert_path`, `ca_material`); over plain TCP without
 *  them it is off. An ssh:// or unix:// host has no TLS to speak of (`unknown`). */
export function dockerProviderEndpoint(alias: string | undefined, h: H, file: string, vars: TfVars): DaemonEndpoint | undefined {
  const host = attr(h, "host");
  const s = host && vars.str(host.v);
  if (!host || !s) return undefined;
  const addr = s.value.trim();
  const hasCerts = ["cert_path", "ca_material", "cert_material"].some((k) => {
    const a = attr(h, k);
    return a !== undefined && a.v !== null && a.v !== "";
  });
  const isTcp = /^tcp:\/\//i.test(addr);
  const tls: DaemonEndpoint["tls"] = isTcp ? (hasCerts ? "verify" : "off") : "unknown";
  const ep: DaemonEndpoint = { file, object: `provider "docker"${alias ? ` (alias ${alias})` : ""}`, address: addr, tls, role: "client" };
  if (host.at) ep.at = host.at;
  if (s.uncertain) ep.uncertain = s.uncertain;
  return ep;
}
