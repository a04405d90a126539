/**
 * `sockwarden audit`: the live host (or the daemon's state on disk) → Workloads + HostFacts →
 * the shared rules → a Report. The door only collects and resolves facts; the rules judge.
 */
import { hostname } from "node:os";
import type { Report } from "../model/report.js";
import type { ScanError } from "../model/finding.js";
import type { Severity } from "../model/severity.js";
import type { DaemonConfig, HostEvent, HostFacts } from "../model/hostfacts.js";
import type { Workload } from "../model/workload.js";
import type { Policy } from "../policy/types.js";
import { loadPolicy } from "../policy/load.js";
import { evaluate } from "../rules/evaluate.js";
import { summarize } from "../report/summary.js";
import { TOOL } from "../version.js";
import { EngineClient, EngineError, mapLimit, resolveEndpoint, type Endpoint, type EndpointFlags, type Env } from "../engine/index.js";
import { daemonDefaultsFromInfo, type DaemonDefaults } from "../engine/workload.js";
import { workloadFromInspect, type InspectLike } from "./inspect.js";
import { HostPathResolver, resolveJoins, resolveMounts, volumeBind, type VolumeInfo } from "./resolve.js";
import { collectHostFacts } from "./host.js";
import { archiveReader, type ContainerFileReader } from "./container-files.js";
import { diskFileReader } from "./disk-files.js";
import { resolveUsers } from "./users.js";
import { diskImageDigests, diskVolume, readDiskState } from "./fromdisk.js";
import { redactExecAction } from "../rules/audit/exec-program.js";
import { readOciBundles, workloadFromOci, type OciBundle } from "./oci.js";
import { stat } from "node:fs/promises";
import { join } from "node:path";

export interface AuditOptions {
  /** `-H`, `--context`, `--tls*`, `--config`: resolved like the docker CLI. */
  flags?: EndpointFlags;
  env?: Env;
  /** Include created and exited containers (`--all`). */
  all?: boolean;
  /** `--from-disk DIR`: read the daemon's state files instead of the API. */
  fromDisk?: string;
  policy?: Policy;
  policyFile?: string;
  failOn?: Severity;
  /** Events window (`--since`/`--until`: unix seconds or Date). Default: the last hour. */
  since?: number | Date;
  until?: number | Date;
  /** Read recent events (default true with the API). */
  events?: boolean;
  /** Collect host facts: `auto` (default) when the daemon is local (unix socket or from-disk). */
  hostFacts?: boolean | "auto";
  /** Probe local TCP listeners for an unauthenticated Docker API (default true with host facts). */
  probeListeners?: boolean;
  /** Inspects in flight (default 16) and per-request timeout (default 15 s). */
  concurrency?: number;
  timeoutMs?: number;
  sshCommand?: string;
  now?: Date;
  /** Resolve names in Config.User / --group-add through the containers' own files (default true). */
  resolveUsers?: boolean;
}

/** What the audit gathered, for callers that want the facts as well as the report (tests, watch). */
export interface AuditResult {
  report: Report;
  workloads: Workload[];
  hosts: HostFacts[];
  endpoint?: Endpoint;
}

const secs = (d: number | Date | undefined): number | undefined => (d === undefined ? undefined : d instanceof Date ? Math.floor(d.getTime() / 1000) : d);

export async function audit(opts: AuditOptions = {}): Promise<Report> {
  return (await auditDetailed(opts)).report;
}

interface ImageSummary {
  Id: string;
  RepoTags?: string[] | null;
  RepoDigests?: string[] | null;
}

export async function auditDetailed(opts: AuditOptions = {}): Promise<AuditResult> {
  const policy = opts.policy ?? loadPolicy({ file: opts.policyFile, root: process.cwd() });
  const now = opts.now ?? new Date();
  const errors: (ScanError & { host?: string })[] = [];
  let containers: InspectLike[] = [];
  let volume: (name: string) => Promise<VolumeInfo | undefined> = async () => undefined;
  let digests = new Map<string, string[]>();
  let endpoint: Endpoint | undefined;
  let client: EngineClient | undefined;
  let hostLabel = hostname();
  // What the daemon stores in every container on its own (default runtime, host cgroupns on
  // cgroup v1): equal to it is not the container's choice. From `/info`; runc when unknown.
  let defaults: DaemonDefaults = {};
  let local = false;
  let target: string;
  const unreachable: NonNullable<HostFacts["unreachable"]> = [];
  const events: HostEvent[] = [];
  let infoDaemon: DaemonConfig | undefined;
  let ociBundles: OciBundle[] = [];
  let diskReader: ContainerFileReader | undefined;

  try {
    if (opts.fromDisk) {
      target = `${opts.fromDisk} (on disk)`;
      local = true;
      // A Docker data root, containerd's task directories (OCI bundles), or both.
      let st: Awaited<ReturnType<typeof readDiskState>> | undefined;
      let dockerErr: Error | undefined;
      // The directory is a Docker data root, or a host's / mounted somewhere (the node DaemonSet
      // mounts state under /host): then Docker's root is <dir>/var/lib/docker.
      let dockerRoot = opts.fromDisk;
      for (const candidate of [opts.fromDisk, join(opts.fromDisk, "var/lib/docker")]) {
        try {
          st = await readDiskState(candidate);
          dockerRoot = candidate;
          dockerErr = undefined;
          break;
        } catch (e) {
          dockerErr ??= e as Error;
        }
      }
      const oci = await readOciBundles(opts.fromDisk);
      if (!st && oci.bundles.length === 0) throw dockerErr ?? new Error(`--from-disk ${opts.fromDisk}: no Docker containers and no containerd task bundles found`);
      for (const e of [...(st?.errors ?? []), ...oci.errors]) errors.push({ file: e.file, message: e.message });
      containers = st ? (opts.all ? st.containers : st.containers.filter((c) => c.State?.Status === "running")) : [];
      const known = new Set((st?.containers ?? []).map((c) => c.Id));
      ociBundles = oci.bundles.filter((b) => !known.has(b.id));
      volume = (name) => diskVolume(dockerRoot, name);
      if (st) diskReader = diskFileReader(dockerRoot);
      digests = await diskImageDigests(dockerRoot);
      // No daemon to ask: the host's cgroup version; the default runtime (daemon.json) is not read, runc is assumed.
      if (await isCgroupV1()) defaults = { cgroupnsHost: true };
    } else {
      endpoint = resolveEndpoint({ flags: opts.flags, env: opts.env });
      target = endpoint.url;
      local = endpoint.transport === "unix";
      client = new EngineClient(endpoint, { timeoutMs: opts.timeoutMs, sshCommand: opts.sshCommand });
      try {
        const info = await client.getJson<{ Name?: string; CgroupVersion?: string; DefaultRuntime?: string; SecurityOptions?: string[] | null; Driver?: string; DockerRootDir?: string }>("/info");
        // A local daemon's overlay2 layers hold the containers' root filesystems beneath their mounts.
        if (local && info.Driver === "overlay2" && info.DockerRootDir) diskReader = diskFileReader(info.DockerRootDir);
        if (info.Name) hostLabel = info.Name;
        defaults = daemonDefaultsFromInfo(info);
        const secOpts = info.SecurityOptions ?? [];
        infoDaemon = { hosts: [], rootless: secOpts.includes("name=rootless"), source: "docker info" };
        const remap = secOpts.find((o) => o.startsWith("name=userns"));
        if (remap) infoDaemon.usernsRemap = "enabled";
        const list = await client.getJson<{ Id: string }[]>("/containers/json", { all: opts.all ? 1 : 0 });
        const c = client;
        const res = await mapLimit(list, opts.concurrency ?? 16, (x) => c.getJson<InspectLike>(`/containers/${encodeURIComponent(x.Id)}/json`));
        res.forEach((r, i) => {
          if (r.ok) containers.push(r.value);
          // Removed between list and inspect: nothing left to audit.
          else if (!(r.error instanceof EngineError && r.error.details.status === 404)) errors.push({ file: `container ${list[i]!.Id.slice(0, 12)}`, message: (r.error as Error).message });
        });
        const vols = new Map<string, Promise<VolumeInfo | undefined>>();
        volume = (name) => {
          let p = vols.get(name);
          if (!p) {
            p = c.getJson<{ Driver?: string; Options?: Record<string, string> | null }>(`/volumes/${encodeURIComponent(name)}`).then(
              (v) => ({ driver: v.Driver ?? "local", options: v.Options ?? {} }),
              () => undefined,
            );
            vols.set(name, p);
          }
          return p;
        };
        const images = await c.getJson<ImageSummary[]>("/images/json").catch(() => [] as ImageSummary[]);
        for (const im of images) digests.set(im.Id, im.RepoDigests ?? []);
        if (opts.events !== false) {
          // `until` to the millisecond: a whole-second floor would drop what happened in this second,
          // and a time in the future would make the daemon wait for it.
          const nowMs = Date.now();
          const untilSecs = secs(opts.until);
          const until = untilSecs !== undefined ? String(untilSecs) : `${Math.floor(nowMs / 1000)}.${String(nowMs % 1000).padStart(3, "0")}000000`;
          const since = secs(opts.since) ?? Math.floor(nowMs / 1000) - 3600;
          try {
            await c.streamJson("/events", { since, until }, (o) => {
              const e = o as { Type?: string; Action?: string; Actor?: { ID?: string; Attributes?: Record<string, string> }; time?: number; id?: string; status?: string };
              // Exec actions carry the command line, which may hold secrets: keep the program name only.
              const ev: HostEvent = { time: e.time ?? 0, type: e.Type ?? "", action: redactExecAction(e.Action ?? e.status ?? ""), actor: e.Actor?.ID ?? e.id ?? "" };
              if (e.Actor?.Attributes) ev.attributes = e.Actor.Attributes;
              events.push(ev);
            });
          } catch (e) {
            errors.push({ file: "events", message: `could not read recent events: ${(e as Error).message}` });
          }
        }
      } catch (e) {
        if (!(e instanceof EngineError)) throw e;
        // Permission denied / daemon down: say so, and still report what the host shows without the API.
        unreachable.push({ endpoint: endpoint.url, kind: e.kind, message: e.message });
        errors.push({ file: endpoint.url, message: e.message });
      }
    }

    const wantHost = opts.hostFacts === true || ((opts.hostFacts ?? "auto") === "auto" && local);
    const earliestStart = containers.map((c) => Date.parse(c.State?.StartedAt ?? "")).filter((t) => Number.isFinite(t) && t > 0);
    let facts: HostFacts = { host: hostLabel, sockets: [], listeners: [], daemon: [], events, persistence: [] };
    const resolver = new HostPathResolver();
    if (wantHost) {
      const extra = endpoint?.transport === "unix" && endpoint.socketPath ? [endpoint.socketPath] : [];
      const hf = await collectHostFacts({
        host: hostLabel,
        extraSockets: extra,
        probeListeners: opts.probeListeners,
        persistenceSince: earliestStart.length ? Math.max(Math.min(...earliestStart), now.getTime() - 30 * 86400_000) : undefined,
      });
      facts = { ...hf.facts, events };
      for (const k of hf.known) resolver.addKnown(k);
      for (const m of hf.errors) errors.push({ file: "host", message: m });
    }
    if (unreachable.length) facts.unreachable = unreachable;
    if (infoDaemon) facts.daemon.push(infoDaemon);

    const workloads = containers.map((c) => {
      const w = workloadFromInspect(c, { host: hostLabel, ...mapDefaults(defaults) });
      const d = c.Image ? digests.get(c.Image) : undefined;
      if (d) w.facts = { ...w.facts, imageRepoDigests: d };
      return w;
    });
    // containerd tasks (OCI bundles) that Docker does not know about: Kubernetes pods, nerdctl, k3s.
    const ociWorkloads = await Promise.all(ociBundles.map((b) => workloadFromOci(b, { host: hostLabel })));
    // Host paths only mean something on the host that runs the containers.
    if (local) {
      await mapLimit(workloads, 32, (w, i) => resolveMounts(w, containers[i]!, { resolver, volume, containers }));
      await mapLimit(ociWorkloads, 32, (w) => resolveMounts(w, { Id: w.source.container!.id }, { resolver, volume, containers }));
      workloads.push(...ociWorkloads);
    } else {
      // Remote: no host to stat, but named volumes' driver options still tell what they bind.
      await mapLimit(workloads, 16, async (w) => {
        for (const m of w.mounts) await volumeBind(m, volume);
      });
    }
    resolveJoins(workloads, containers);
    // Names in Config.User / --group-add → the ids the runtime gives the process, from the
    // container's own /etc/passwd and /etc/group (socket holders only: that is where it decides severity).
    if (opts.resolveUsers === false) {
      // Not asked: names stay as written (their ids stay unknown to the rules).
    } else if (client) {
      const reader = archiveReader(client, { sshCommand: opts.sshCommand, timeoutMs: opts.timeoutMs });
      try {
        await resolveUsers(workloads, { archive: reader, ...(diskReader ? { rootfs: diskReader } : {}) });
      } finally {
        reader.close();
      }
    } else if (opts.fromDisk) {
      // The same files from the daemon's overlay2 layers (read-only).
      await resolveUsers(workloads, diskReader ? { rootfs: diskReader } : {}, { unavailable: "--from-disk found no Docker data root to read the container's /etc/passwd and /etc/group from" });
    }
    // The audit vouches for who each process runs as (rule socket-holder-user reads this): Config.User
    // is the effective user, and names were resolved above (or the reason why not is recorded).
    for (const w of workloads) w.facts = { ...w.facts, userChecked: true };
    // What makes root in a container not root on the host: the daemon's user-namespace remap, or a rootless daemon.
    const daemons = infoDaemon ? [infoDaemon] : facts.daemon;
    const remap = daemons.some((d) => !!d.usernsRemap);
    const rootless = daemons.some((d) => d.rootless === true);
    if (remap || rootless) for (const w of workloads) w.facts = { ...w.facts, ...(remap ? { daemonUsernsRemap: true } : {}), ...(rootless ? { daemonRootless: true } : {}) };

    const hosts = wantHost || unreachable.length || events.length ? [facts] : [];
    const findings = evaluate({ workloads, hosts }, policy, { now });
    const report: Report = {
      version: 1,
      tool: { ...TOOL },
      kind: "audit",
      target,
      findings,
      errors,
      summary: summarize(findings, errors, opts.failOn ?? "high"),
    };
    report.summary.containersAudited = workloads.length;
    report.summary.hosts = 1;
    return { report, workloads, hosts, ...(endpoint ? { endpoint } : {}) };
  } finally {
    client?.close();
  }
}

/** The daemon's defaults as the inspect mapping takes them. */
function mapDefaults(d: DaemonDefaults): { cgroupV1?: boolean; defaultRuntime?: string } {
  return { ...(d.cgroupnsHost ? { cgroupV1: true } : {}), ...(d.defaultRuntime ? { defaultRuntime: d.defaultRuntime } : {}) };
}

/** cgroup v2 hosts have /sys/fs/cgroup/cgroup.controllers. */
async function isCgroupV1(): Promise<boolean> {
  try {
    await stat("/sys/fs/cgroup/cgroup.controllers");
    return false;
  } catch {
    return true;
  }
}

export { inside, insideScript, type InsideOptions, type InsideResult } from "./inside.js";
export { workloadFromInspect, type InspectLike } from "./inspect.js";
