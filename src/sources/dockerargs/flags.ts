/**
 * The docker CLI's flag grammar, as pflag reads it: which flags take a value. Taken from
 * `docker run --help` and `docker service create --help` of CLI 28.2, plus podman's and
 * nerdctl's extra `run` flags. A flag that takes a value eats the next word unless written
 * `--flag=value`; a boolean never does (`--privileged=false` is the only way to give it a value).
 */

/** Long flags of `docker run|create` that take a value. */
const RUN_VALUE_FLAGS = [
  "add-host", "annotation", "attach", "blkio-weight", "blkio-weight-device", "cap-add", "cap-drop",
  "cgroup-parent", "cgroupns", "cidfile", "cpu-count", "cpu-percent", "cpu-period", "cpu-quota",
  "cpu-rt-period", "cpu-rt-runtime", "cpu-shares", "cpus", "cpuset-cpus", "cpuset-mems",
  "detach-keys", "device", "device-cgroup-rule", "device-read-bps", "device-read-iops",
  "device-write-bps", "device-write-iops", "dns", "dns-option", "dns-opt", "dns-search", "domainname",
  "entrypoint", "env", "env-file", "expose", "gpus", "group-add", "health-cmd", "health-interval",
  "health-retries", "health-start-interval", "health-start-period", "health-timeout", "hostname",
  "io-maxbandwidth", "io-maxiops", "ip", "ip6", "ipc", "isolation", "kernel-memory", "label",
  "label-file", "link", "link-local-ip", "log-driver", "log-opt", "mac-address", "memory",
  "memory-reservation", "memory-swap", "memory-swappiness", "mount", "name", "network", "net",
  "network-alias", "net-alias", "oom-score-adj", "pid", "pids-limit", "platform", "publish", "pull",
  "restart", "runtime", "security-opt", "shm-size", "stop-signal", "stop-timeout", "storage-opt",
  "sysctl", "tmpfs", "ulimit", "user", "userns", "uts", "volume", "volume-driver", "volumes-from",
  "workdir", "cpu-rt-runtime",
];

/** Extra long value flags of `docker service create`. */
const SERVICE_VALUE_FLAGS = [
  "config", "constraint", "container-label", "credential-spec", "endpoint-mode", "generic-resource",
  "group", "host", "limit-cpu", "limit-memory", "limit-pids", "log-opt", "max-concurrent", "mode",
  "placement-pref", "replicas", "replicas-max-per-node", "reserve-cpu", "reserve-memory",
  "restart-condition", "restart-delay", "restart-max-attempts", "restart-window", "rollback-delay",
  "rollback-failure-action", "rollback-max-failure-ratio", "rollback-monitor", "rollback-order",
  "rollback-parallelism", "secret", "stop-grace-period", "update-delay", "update-failure-action",
  "update-max-failure-ratio", "update-monitor", "update-order", "update-parallelism",
];

/** podman / nerdctl `run` value flags docker does not have. */
const OTHER_VALUE_FLAGS = [
  "arch", "authfile", "cert-dir", "cgroup-conf", "cgroups", "chrootdirs", "conmon-pidfile",
  "creds", "decryption-key", "env-merge", "gidmap", "group-entry", "hooks-dir", "hostuser",
  "image-volume", "init-path", "label-file", "os", "passwd-entry", "personality", "pidfile", "pod",
  "pod-id-file", "preserve-fd", "preserve-fds", "rdt-class", "requires", "retry", "retry-delay",
  "sdnotify", "seccomp-policy", "secret", "shm-size-systemd", "signature-policy", "subgidname",
  "subuidname", "systemd", "timeout", "tz", "uidmap", "ulimit", "umask", "unsetenv", "variant",
  "namespace", "snapshotter", "cosign-key", "verify", "ipfs-address", "runtime-flag", "cni-netconfpath",
  "volume-opt", "hosts", "gpus",
];

export const VALUE_FLAGS: ReadonlySet<string> = new Set([...RUN_VALUE_FLAGS, ...SERVICE_VALUE_FLAGS, ...OTHER_VALUE_FLAGS]);

/** Long booleans (docker, service create, podman, nerdctl). Listed so an unknown flag is really unknown. */
export const BOOL_FLAGS: ReadonlySet<string> = new Set([
  "detach", "disable-content-trust", "help", "init", "interactive", "no-healthcheck", "oom-kill-disable",
  "privileged", "publish-all", "quiet", "read-only", "rm", "sig-proxy", "tty", "use-api-socket",
  "no-resolve-image", "with-registry-auth", "rootfs", "replace", "http-proxy", "env-host", "no-hosts",
  "read-only-tmpfs", "rmi", "tls-verify", "passwd", "read-only", "help",
]);

/** Short flags that take a value (run: a c e h l m p u v w; service create: e l p u w). */
export const SHORT_VALUE: ReadonlySet<string> = new Set(["a", "c", "e", "h", "l", "m", "p", "u", "v", "w"]);
/** Short booleans. */
export const SHORT_BOOL: ReadonlySet<string> = new Set(["d", "i", "t", "P", "q"]);

/** Short → long, for the flags the mapping cares about. */
export const SHORT_TO_LONG: Readonly<Record<string, string>> = {
  a: "attach", c: "cpu-shares", e: "env", h: "hostname", l: "label", m: "memory", p: "publish",
  u: "user", v: "volume", w: "workdir", d: "detach", i: "interactive", t: "tty", P: "publish-all", q: "quiet",
};

/** Global flags of `docker` (before the subcommand). */
export const GLOBAL_VALUE_FLAGS: ReadonlySet<string> = new Set(["config", "context", "host", "log-level", "tlscacert", "tlscert", "tlskey"]);
export const GLOBAL_SHORT_VALUE: ReadonlySet<string> = new Set(["c", "H", "l"]);
export const GLOBAL_SHORT_TO_LONG: Readonly<Record<string, string>> = { c: "context", H: "host", l: "log-level", D: "debug", v: "version" };

/** Global value flags of podman (`podman --remote --url tcp://… run`). */
export const PODMAN_GLOBAL_VALUE_FLAGS: ReadonlySet<string> = new Set([
  "cgroup-manager", "conmon", "connection", "events-backend", "hooks-dir", "identity", "imagestore",
  "log-level", "module", "network-cmd-path", "network-config-dir", "out", "root", "runroot",
  "runtime", "runtime-flag", "ssh", "storage-driver", "storage-opt", "tmpdir", "transient-store",
  "url", "volumepath", "cni-path", "config", "db-backend",
]);
/** nerdctl globals. */
export const NERDCTL_GLOBAL_VALUE_FLAGS: ReadonlySet<string> = new Set([
  "address", "host", "a", "namespace", "n", "snapshotter", "storage-driver", "cni-path", "cni-netconfpath",
  "data-root", "cgroup-manager", "hosts-dir", "bridge-ip", "host-gateway-ip",
]);
