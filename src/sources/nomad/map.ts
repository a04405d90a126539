import { located } from "../../model/location.js";
import { emptyWorkload, envVar, type Mount, type NamespaceName, type Workload } from "../../model/workload.js";
import { capName, deviceHostPath, namespaceFromMode, parseVolumeSpec } from "../ansible/dockeropts.js";
import { normalizeSecurityOpt } from "../terraform/docker.js";
import type { Cfg } from "./cfg.js";

/**
 * A Nomad task with `driver = "docker"` → one Workload (door `iac`, object
 * `job x group g task t`). The docker driver's `config` keys are Docker's own options.
 */

const NS_KEYS: [string, NamespaceName][] = [
  ["network_mode", "network"],
  ["pid_mode", "pid"],
  ["ipc_mode", "ipc"],
  ["uts_mode", "uts"],
  ["userns_mode", "userns"],
];

export interface TaskRef {
  job: string;
  group: string;
  task: string;
  file: string;
}

/** `get` for both spellings: HCL `driver`, JSON `Driver` (the JSON view is case-insensitive). */
export function taskDriver(task: Cfg): string | undefined {
  return (task.get("driver") ?? task.get("Driver"))?.str()?.value;
}

export function dockerTaskWorkload(ref: TaskRef, group: Cfg, task: Cfg): Workload {
  const w = emptyWorkload({
    door: "iac",
    file: ref.file,
    ...(task.at ? { at: task.at } : {}),
    object: `job ${ref.job} group ${ref.group} task ${ref.task}`,
    name: ref.job,
    containerName: ref.task,
  });
  const cfg = task.objects("config")[0] ?? task.objects("Config")[0];

  const user = (task.get("user") ?? task.get("User"))?.str();
  if (user) w.user = located(user.value, (task.get("user") ?? task.get("User"))!.at, user.uncertain);

  const envs = task.objects("env");
  for (const env of envs.length ? envs : task.objects("Env")) {
    for (const [k, v] of env.entries()) w.env.push(located(envVar(k, v.str()?.value), v.at));
  }

  // Group-level `network { mode = "host" }` puts every task of the group in the host's network.
  const net = group.objects("network")[0] ?? group.objects("Networks")[0];
  const netMode = net && (net.get("mode") ?? net.get("Mode"));
  const nm = netMode?.str();
  if (netMode && nm && nm.value === "host") w.namespaces.network = located(namespaceFromMode("network", nm.value), netMode.at, nm.uncertain);

  if (!cfg) return w;
  const image = cfg.get("image");
  const img = image?.str();
  if (image && img) w.image = located(img.value, image.at, img.uncertain);

  const priv = cfg.get("privileged");
  const pv = priv?.bool(true);
  if (priv && pv) w.privileged = located(pv.value, priv.at, pv.uncertain);

  for (const [key, ns] of NS_KEYS) {
    const c = cfg.get(key);
    const s = c?.str();
    if (c && s) w.namespaces[ns] = located(namespaceFromMode(ns, s.value), c.at, s.uncertain);
  }

  const hasDriver = (cfg.get("volume_driver")?.str()?.value ?? "") !== "";
  for (const it of cfg.get("volumes")?.items() ?? []) {
    const s = it.str();
    if (!s) continue;
    const v = parseVolumeSpec(s.value);
    // Without a volume_driver, Nomad treats a non-absolute source as a path inside the task
    // directory (a bind), not as a Docker named volume.
    if (v.type === "volume" && v.source !== undefined && !hasDriver) {
      v.type = "bind";
      v.hostPath = v.source;
    }
    const m: Mount = { type: v.type, readOnly: v.readOnly };
    if (v.source !== undefined) m.source = v.source;
    if (v.target !== undefined) m.target = v.target;
    if (v.hostPath !== undefined) {
      if (v.hostPath.startsWith("/") || v.hostPath.startsWith("${")) m.hostPath = v.hostPath;
      // Nomad binds a relative source inside the task's own directory, not the host's.
      else m.via = "relative to the Nomad task directory";
    }
    if (it.at) m.at = it.at;
    if (s.uncertain) m.uncertain = s.uncertain;
    w.mounts.push(m);
  }

  for (const mb of [...cfg.objects("mount"), ...cfg.objects("mounts")]) {
    const type = mb.get("type")?.str()?.value ?? "volume";
    const src = mb.get("source");
    const s = src?.str();
    const ro = mb.get("readonly") ?? mb.get("read_only");
    const m: Mount = { type: type === "bind" ? "bind" : type === "tmpfs" ? "tmpfs" : type === "volume" ? "volume" : "unknown", readOnly: ro?.bool(false)?.value === true };
    if (s) m.source = s.value;
    if (type === "bind" && s) m.hostPath = s.value;
    const t = mb.get("target")?.str()?.value;
    if (t !== undefined) m.target = t;
    const at = src?.at ?? mb.at;
    if (at) m.at = at;
    if (s?.uncertain) m.uncertain = s.uncertain;
    w.mounts.push(m);
  }

  for (const it of cfg.get("cap_add")?.items() ?? []) {
    const s = it.str();
    if (s) w.capAdd.push(located(capName(s.value), it.at, s.uncertain));
  }
  for (const it of cfg.get("cap_drop")?.items() ?? []) {
    const s = it.str();
    if (s) w.capDrop.push(located(capName(s.value), it.at, s.uncertain));
  }
  for (const d of cfg.objects("devices")) {
    const hp = d.get("host_path");
    const s = hp?.str();
    if (hp && s) w.devices.push(located(deviceHostPath(s.value), hp.at, s.uncertain));
  }
  for (const it of cfg.get("security_opt")?.items() ?? []) {
    const s = it.str();
    if (s) w.securityOpt.push(located(normalizeSecurityOpt(s.value), it.at, s.uncertain));
  }
  for (const it of cfg.get("group_add")?.items() ?? []) {
    const s = it.str();
    if (s) w.groups.push(located(s.value, it.at, s.uncertain));
  }
  for (const lb of [...cfg.objects("labels")]) {
    for (const [k, v] of lb.entries()) {
      const s = v.str();
      if (s) w.labels[k] = s.value;
    }
  }
  return w;
}
