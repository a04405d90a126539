import type { Located, Pos, ContainerRef } from "./location.js";
import type { AclEntry } from "./posix-acl.js";

/** Which door produced a workload. Rules never branch on it; reporters and messages may. */
export type Door = "compose" | "kubernetes" | "shell" | "ci" | "iac" | "audit" | "proxy" | "webhook" | "watch";

/** Where a workload came from. */
export interface WorkloadSource {
  door: Door;
  /** Scan root–relative file, for file doors. */
  file?: string;
  /** Position of the object (service key, container item, `docker run` word). */
  at?: Pos;
  /** Human object name: `service web`, `Deployment ns/name container app`, `container:<name>`. */
  object: string;
  /** Live container, for audit/proxy/watch. */
  container?: ContainerRef;
  /** Audited host (fleet audits). */
  host?: string;
  /** Kubernetes coordinates, so exceptions can match on them. */
  kind?: string;
  namespace?: string;
  name?: string;
  containerName?: string;
}

/** Container role inside its object: `init` and `ephemeral` are Kubernetes terms; `dind` marks a
 *  Docker-in-Docker service so messages can say what it is. */
export type ContainerRole = "container" | "init" | "ephemeral" | "sidecar" | "job" | "dind";

export type MountType = "bind" | "volume" | "tmpfs" | "npipe" | "image" | "hostPath" | "unknown";

export interface Mount {
  type: MountType;
  /** As written: bind source, volume name, or hostPath path (interpolated where possible). */
  source?: string;
  /** The host path this mount really exposes, when it exposes one: a bind source, a Kubernetes
   *  hostPath, a named volume whose driver options bind a host directory, a device option. */
  hostPath?: string;
  target?: string;
  readOnly: boolean;
  /** How the host path was reached when not directly: "named volume `x` (driver_opts device=/run)",
   *  "volumes_from `y`", "use_api_socket", "hostPath volume `sock`". */
  via?: string;
  /** Kubernetes hostPath `type` (Socket, Directory, …) or Docker volume driver. */
  hostPathType?: string;
  driver?: string;
  at?: Pos;
  /** The value could not be resolved for sure (see Located.uncertain). */
  uncertain?: string;
  /** Audit door: what the path really is on the host (after realpath/stat). */
  resolved?: ResolvedHostPath;
}

/** What the audit door learns about a mount source on the live host. */
export interface ResolvedHostPath {
  realPath: string;
  kind: "socket" | "directory" | "file" | "missing" | "other";
  /** Runtime sockets found at or under the path (bounded walk), with ownership. */
  sockets?: {
    path: string;
    uid: number;
    gid: number;
    mode: number;
    runtime?: string;
    /** Its POSIX access ACL when it has extended entries (named users/groups, mask): then the ACL,
     *  not the mode bits, says who can open it. */
    acl?: AclEntry[];
  }[];
  /** Device/inode equal to the daemon's own socket. */
  isDaemonSocket?: boolean;
}

export type NamespaceName = "pid" | "network" | "ipc" | "uts" | "userns" | "cgroupns";
export const NAMESPACE_NAMES: readonly NamespaceName[] = ["pid", "network", "ipc", "uts", "userns", "cgroupns"];

export interface NamespaceSetting {
  /** `host` is the exposure; `container`/`service` join another workload; `private`/`none` are fine. */
  mode: "host" | "private" | "container" | "service" | "none" | "other";
  /** For container/service joins: whom it joins. */
  ref?: string;
  /** As written (`host`, `container:db`, `hostPID: true`). */
  raw: string;
}

export interface EnvVar {
  name: string;
  /** Kept only for variables rules need to read (DOCKER_HOST, DOCKER_TLS_*, CONTAINER_HOST); other
   *  values are never stored, so no reporter can leak them. */
  value?: string;
}

/** One device request, as the Engine API's `DeviceRequest` (`Count: -1` = all devices). */
export interface DeviceRequest {
  driver?: string;
  count?: number;
  deviceIds?: string[];
  /** OR of ANDs: `[["gpu"]]`, `[["gpu","compute"]]`. */
  capabilities?: string[][];
  options?: Record<string, string>;
  /** As written, when it came from text (`--gpus all`, `gpus: all`). */
  raw?: string;
}

export interface Sysctl {
  name: string;
  value: string;
}

export interface Workload {
  source: WorkloadSource;
  role: ContainerRole;
  image?: Located<string>;
  /** User as written (`1000`, `1000:1000`, `app`, `root`), from compose `user`, `-u`, Config.User. */
  user?: Located<string>;
  /** Kubernetes securityContext (container wins over pod). */
  runAsUser?: Located<number>;
  runAsGroup?: Located<number>;
  runAsNonRoot?: Located<boolean>;
  /** Supplementary groups (`group_add`, `--group-add`, supplementalGroups, fsGroup). */
  groups: Located<string>[];
  privileged?: Located<boolean>;
  allowPrivilegeEscalation?: Located<boolean>;
  capAdd: Located<string>[];
  capDrop: Located<string>[];
  mounts: Mount[];
  namespaces: Partial<Record<NamespaceName, Located<NamespaceSetting>>>;
  /** Host device paths (`/dev/sda`, `/dev/sda:/dev/xvda:rwm` keeps only the host side). */
  devices: Located<string>[];
  deviceCgroupRules: Located<string>[];
  /** Security options normalized to `key=value` (`seccomp=unconfined`, `apparmor=unconfined`,
   *  `label=disable`, `systempaths=unconfined`, `procMount=Unmasked`). */
  securityOpt: Located<string>[];
  env: Located<EnvVar>[];
  labels: Record<string, string>;
  /** Kubernetes annotations of the object (used for annotation suppressions). */
  annotations?: Record<string, string>;
  /** Devices requested from a device driver (`--gpus`, `HostConfig.DeviceRequests`, Compose `gpus:`
   *  or `deploy.resources.reservations.devices`): host GPUs and the like, set up by the driver's hook. */
  deviceRequests?: Located<DeviceRequest>[];
  /** OCI runtime other than the daemon's default (`--runtime`, `HostConfig.Runtime`, Compose `runtime`). */
  runtime?: Located<string>;
  /** Host cgroup the container is placed under (`--cgroup-parent`, `HostConfig.CgroupParent`). */
  cgroupParent?: Located<string>;
  /** Kernel parameters set for the container (`--sysctl`, `HostConfig.Sysctls`, Compose `sysctls`). */
  sysctls?: Located<Sysctl>[];
  /** Free-form facts a door knows and a rule may use (e.g. `published: true` for a dind service). */
  facts?: Record<string, unknown>;
}

/** A workload with every list empty: doors fill what they know. */
export function emptyWorkload(source: WorkloadSource, role: ContainerRole = "container"): Workload {
  return {
    source,
    role,
    groups: [],
    capAdd: [],
    capDrop: [],
    mounts: [],
    namespaces: {},
    devices: [],
    deviceCgroupRules: [],
    securityOpt: [],
    env: [],
    labels: {},
  };
}

/** Env names whose values rules read. Every other value is dropped at the door. */
export const ENV_VALUES_KEPT = new Set(["DOCKER_HOST", "DOCKER_TLS_VERIFY", "DOCKER_TLS", "DOCKER_TLS_CERTDIR", "CONTAINER_HOST", "CONTAINERD_ADDRESS", "BUILDKIT_HOST"]);

export function envVar(name: string, value: string | undefined): EnvVar {
  return ENV_VALUES_KEPT.has(name) && value !== undefined ? { name, value } : { name };
}
