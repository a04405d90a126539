/**
 * `--from-disk` for containerd (and so Kubernetes nodes, k3s, nerdctl): the OCI bundles of running
 * tasks, `<root>/io.containerd.runtime.v2.task/<namespace>/<id>/config.json`, read-only, turned into
 * the same Workloads. The OCI spec says what the runtime really did: an absent pid/network/ipc/uts
 * namespace means the host's; capabilities beyond Docker's default set were added; devices are
 * matched back to host device names through /sys/dev.
 */
import { readFile, readdir, readlink } from "node:fs/promises";
import { join } from "node:path";
import { emptyWorkload, envVar, type NamespaceName, type Workload } from "../model/workload.js";
import { located } from "../model/location.js";

const TASK_DIR = "io.containerd.runtime.v2.task";

/** Docker's (and containerd's) default capability set: anything beyond it was asked for. */
export const DEFAULT_CAPS = new Set(["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"]);

export interface OciSpec {
  process?: { user?: { uid?: number; gid?: number; additionalGids?: number[] }; env?: string[]; capabilities?: { bounding?: string[]; effective?: string[] } };
  mounts?: { destination?: string; type?: string; source?: string; options?: string[] }[];
  linux?: {
    namespaces?: { type?: string; path?: string }[];
    devices?: { path?: string; type?: string; major?: number; minor?: number }[];
    seccomp?: unknown;
  };
  annotations?: Record<string, string>;
}

export interface OciBundle {
  namespace: string;
  id: string;
  spec: OciSpec;
}

/** Find task directories under `root` (bounded: depth 4) and read every bundle's config.json. */
export async function readOciBundles(root: string): Promise<{ bundles: OciBundle[]; errors: { file: string; message: string }[] }> {
  const bundles: OciBundle[] = [];
  const errors: { file: string; message: string }[] = [];
  const taskDirs: string[] = [];
  let level = [root];
  for (let depth = 0; depth < 4 && level.length; depth++) {
    const next: string[] = [];
    for (const dir of level) {
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const e of entries) {
        if (!e.isDirectory()) continue;
        if (e.name === TASK_DIR) taskDirs.push(join(dir, e.name));
        else if (!["containers", "overlay2", "image", "volumes", "snapshots", "content"].includes(e.name)) next.push(join(dir, e.name));
      }
    }
    level = next;
  }
  for (const td of taskDirs) {
    for (const ns of await readdir(td).catch(() => [] as string[])) {
      for (const id of await readdir(join(td, ns)).catch(() => [] as string[])) {
        const file = join(td, ns, id, "config.json");
        try {
          bundles.push({ namespace: ns, id, spec: JSON.parse(await readFile(file, "utf8")) as OciSpec });
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== "ENOENT") errors.push({ file, message: `cannot read: ${(e as Error).message}` });
        }
      }
    }
  }
  return { bundles, errors };
}

const NS_MAP: [string, NamespaceName][] = [
  ["pid", "pid"],
  ["network", "network"],
  ["ipc", "ipc"],
  ["uts", "uts"],
];

const NS_PROC: Record<string, string> = { pid: "pid", network: "net", ipc: "ipc", uts: "uts" };

/** Host device name for a major:minor (`/sys/dev/char/1:5/uevent` → DEVNAME=zero → /dev/zero). */
export async function hostDeviceName(type: string | undefined, major: number, minor: number): Promise<string | undefined> {
  const kind = type === "b" ? "block" : "char";
  try {
    const u = await readFile(`/sys/dev/${kind}/${major}:${minor}/uevent`, "utf8");
    const m = /^DEVNAME=(.+)$/m.exec(u);
    return m ? `/dev/${m[1]}` : undefined;
  } catch {
    return undefined;
  }
}

/** Mounts every container gets from its runtime (its own resolv.conf, hostname, hosts, /dev/shm …). */
function isRuntimeOwnMount(source: string, id: string): boolean {
  return source.includes(`/containers/${id}/`) || source.includes(`/sandboxes/${id}/`) || source.includes(`/pods/`) && /\/(etc-hosts|hostname|resolv\.conf)$/.test(source);
}

export async function workloadFromOci(b: OciBundle, opts: { host?: string } = {}): Promise<Workload> {
  const a = b.spec.annotations ?? {};
  const k8sName = a["io.kubernetes.cri.container-name"];
  const pod = a["io.kubernetes.cri.sandbox-name"];
  const podNs = a["io.kubernetes.cri.sandbox-namespace"];
  const name = k8sName && pod ? `${podNs ? podNs + "/" : ""}${pod}/${k8sName}` : `${b.namespace}/${b.id.slice(0, 12)}`;
  const source: Workload["source"] = { door: "audit", object: `container:${name}`, container: { id: b.id, name, state: "running" } };
  if (opts.host) source.host = opts.host;
  if (podNs) source.namespace = podNs;
  if (k8sName) source.containerName = k8sName;
  const w = emptyWorkload(source);
  const image = a["io.kubernetes.cri.image-name"];
  if (image) w.image = located(image);
  const p = b.spec.process ?? {};
  if (p.user?.uid !== undefined) w.user = located(`${p.user.uid}${p.user.gid !== undefined ? `:${p.user.gid}` : ""}`);
  for (const g of p.user?.additionalGids ?? []) if (g !== p.user?.gid) w.groups.push(located(String(g)));
  for (const e of p.env ?? []) {
    const eq = e.indexOf("=");
    w.env.push(located(eq < 0 ? envVar(e, undefined) : envVar(e.slice(0, eq), e.slice(eq + 1))));
  }
  const caps = p.capabilities?.bounding ?? p.capabilities?.effective ?? [];
  for (const c of caps) if (!DEFAULT_CAPS.has(c)) w.capAdd.push(located(c.replace(/^CAP_/, "")));
  const nss = b.spec.linux?.namespaces ?? [];
  for (const [t, ns] of NS_MAP) {
    const entry = nss.find((n) => n.type === t);
    if (!entry) w.namespaces[ns] = located({ mode: "host", raw: `no ${t} namespace in the OCI spec: the host's` });
    else if (entry.path) {
      // Joining another process's namespace: the host's own one is as good as no namespace.
      const [target, hostNs] = await Promise.all([readlink(entry.path).catch(() => undefined), readlink(`/proc/self/ns/${NS_PROC[t]}`).catch(() => undefined)]);
      w.namespaces[ns] =
        target && hostNs && target === hostNs
          ? located({ mode: "host", raw: `joins ${entry.path}, which is the host's ${t} namespace` })
          : located({ mode: "container", ref: entry.path, raw: `joins ${entry.path}` });
    }
  }
  if (!b.spec.linux?.seccomp) w.securityOpt.push(located("seccomp=unconfined"));
  for (const d of b.spec.linux?.devices ?? []) {
    if (d.major === undefined || d.minor === undefined) continue;
    w.devices.push(located((await hostDeviceName(d.type, d.major, d.minor)) ?? d.path ?? `${d.type ?? "c"} ${d.major}:${d.minor}`));
  }
  for (const m of b.spec.mounts ?? []) {
    if (m.type !== "bind" && !(m.options ?? []).some((o) => o === "bind" || o === "rbind")) continue;
    if (!m.source || !m.source.startsWith("/") || isRuntimeOwnMount(m.source, b.id)) continue;
    w.mounts.push({ type: "bind", source: m.source, hostPath: m.source, readOnly: (m.options ?? []).includes("ro"), ...(m.destination ? { target: m.destination } : {}) });
  }
  w.facts = {};
  return w;
}
