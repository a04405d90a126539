/**
 * The generated ValidatingAdmissionPolicy, evaluated with a real CEL implementation
 * (@marcbachmann/cel-js, see cel-eval.ts), must agree with the webhook (reviewAdmission) on
 * every pod: same decision, same denied concerns, same warned concerns.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import { generatePolicy } from "../../src/k8s/generate/index.js";
import { genFacts, socketRelationByRegex } from "../../src/k8s/generate/facts.js";
import { reviewAdmission } from "../../src/k8s/admission.js";
import { defaultPolicy, type Policy } from "../../src/policy/types.js";
import { CONCERNS } from "../../src/model/concern.js";
import { normalizeHostPath, socketExposure } from "../../src/model/hostpath.js";
import { GENERATED_CONCERNS } from "../../src/k8s/generate/facts.js";
import { evaluateGatekeeper, evaluateKyverno, evaluateVap } from "./cel-eval.js";

const NOW = new Date("2026-11-28T12:00:00Z");
type Obj = Record<string, any>;

/** The webhook judges more concerns than the native policies carry (devices, image, user…):
 *  those are off here so both sides judge the same set. */
function testPolicy(p: Partial<Policy> = {}): Policy {
  const base = defaultPolicy();
  for (const c of CONCERNS) if (!(GENERATED_CONCERNS as readonly string[]).includes(c)) base.rules[c] = "off";
  return { ...base, ...p, rules: { ...base.rules, ...(p.rules ?? {}) } };
}

const RESOURCES: Record<string, { group: string; resource: string }> = {
  Pod: { group: "", resource: "pods" },
  PodTemplate: { group: "", resource: "podtemplates" },
  ReplicationController: { group: "", resource: "replicationcontrollers" },
  Deployment: { group: "apps", resource: "deployments" },
  StatefulSet: { group: "apps", resource: "statefulsets" },
  DaemonSet: { group: "apps", resource: "daemonsets" },
  ReplicaSet: { group: "apps", resource: "replicasets" },
  Job: { group: "batch", resource: "jobs" },
  CronJob: { group: "batch", resource: "cronjobs" },
};

let uid = 0;
function review(object: Obj, o: { operation?: string; namespace?: string; oldObject?: Obj; subResource?: string } = {}): Obj {
  const r = RESOURCES[object.kind]!;
  return {
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    request: {
      uid: `u${++uid}`,
      kind: { group: r.group, version: "v1", kind: object.kind },
      resource: { group: r.group, version: "v1", resource: r.resource },
      ...(o.subResource ? { subResource: o.subResource } : {}),
      name: object.metadata?.name,
      namespace: o.namespace ?? object.metadata?.namespace ?? "default",
      operation: o.operation ?? "CREATE",
      userInfo: { username: "tester" },
      object,
      oldObject: o.oldObject ?? null,
      dryRun: false,
      options: {},
    },
  };
}

interface Verdict {
  allowed: boolean;
  denied: string[];
  warned: string[];
}

function webhookVerdict(rv: Obj, policy: Policy): Verdict {
  const d = reviewAdmission(rv, policy, { now: NOW });
  const active = d.findings.filter((f) => !f.suppressed);
  const set = (a: string) => [...new Set(active.filter((f) => f.action === a).map((f) => f.concern))].sort();
  return { allowed: d.review.response.allowed, denied: d.review.response.allowed ? [] : set("deny"), warned: set("warn") };
}

/** `excludeNamespaces: []`: reviewAdmission itself judges every namespace (the webhook
 *  configuration is what leaves kube-system out); tested apart below. */
const EVALUATORS = { vap: evaluateVap, kyverno: evaluateKyverno, gatekeeper: evaluateGatekeeper } as const;
type Format = keyof typeof EVALUATORS;
const generated = new Map<string, Obj[]>();

function vapVerdict(rv: Obj, policy: Policy, excludeNamespaces: string[] = [], format: Format = "vap"): Verdict & { errors: string[] } {
  const key = JSON.stringify([policy, excludeNamespaces, format]);
  let docs = generated.get(key);
  if (!docs) {
    docs = parseAllDocuments(generatePolicy(policy, format, { now: NOW, excludeNamespaces })).map((d) => d.toJS());
    generated.set(key, docs);
  }
  const out = EVALUATORS[format](docs, rv);
  return { allowed: out.denied.size === 0, denied: [...out.denied].sort(), warned: [...out.warned].sort(), errors: out.errors };
}

/** The webhook and the CEL of all three generated formats must say the same. */
function agree(name: string, rv: Obj, policy: Policy, expectAllowed?: boolean): Verdict {
  const w = webhookVerdict(rv, policy);
  for (const format of Object.keys(EVALUATORS) as Format[]) {
    const v = vapVerdict(rv, policy, [], format);
    assert.deepEqual(v.errors, [], `${name} (${format}): CEL errors`);
    assert.deepEqual({ allowed: v.allowed, denied: v.denied, warned: v.warned }, w, `${name}: ${format} (CEL) and webhook disagree`);
  }
  if (expectAllowed !== undefined) assert.equal(w.allowed, expectAllowed, `${name}: expected ${expectAllowed ? "allowed" : "denied"}`);
  return w;
}

function pod(spec: Obj, meta: Obj = {}): Obj {
  return { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default", ...meta }, spec };
}
function hostPathPod(path: string, mount: Obj = {}, type?: string): Obj {
  return pod({
    containers: [{ name: "app", image: "busybox", volumeMounts: [{ name: "h", mountPath: "/h", ...mount }] }],
    volumes: [{ name: "h", hostPath: { path, ...(type ? { type } : {}) } }],
  });
}

// Each: the path, whether the webhook must deny, the concerns, and why (worked out from
// src/model/hostpath.ts's lists by hand).
const PATHS: [string, string[], string][] = [
  ["/var/run/docker.sock", ["socket-mount"], "the Docker socket"],
  ["//var/run/docker.sock", ["socket-mount"], "`//` collapses"],
  ["/var/run/./docker.sock", ["socket-mount"], "`/./` collapses"],
  ["/var/run/", ["socket-mount"], "/var/run ≡ /run holds every socket; it normalizes to /run, which is not a sensitive dir"],
  ["/run", ["socket-mount"], "/run holds the sockets; /run is not in the sensitive list"],
  ["/var/run/../run/containerd/containerd.sock", ["socket-mount"], "`..` resolves to /run/containerd/containerd.sock"],
  ["/run/containerd", ["socket-mount"], "parent of containerd.sock"],
  ["/run/containerd/", ["socket-mount"], "trailing slash"],
  ["/", ["host-path", "socket-mount"], "the whole host"],
  ["/var", ["host-path", "socket-mount"], "/var holds /var/run and /var/lib/docker"],
  ["/srv/../var", ["host-path", "socket-mount"], "`..` back to /var"],
  ["/../../run/crio/crio.sock", ["socket-mount"], "`..` above / is dropped"],
  ["/home/me/.docker/run/docker.sock", ["socket-mount"], "a socket name anywhere (Docker Desktop)"],
  ["/tmp/x/podman.sock", ["socket-mount"], "a socket name anywhere"],
  ["/run/user/1000", ["socket-mount"], "holds /run/user/<uid>/docker.sock"],
  ["/run/user/1000/podman", ["socket-mount"], "holds podman.sock"],
  ["/var/snap/microk8s/common/run", ["host-path", "socket-mount"], "holds microk8s' containerd.sock; under /var"],
  ["/etc", ["host-path"], "host configuration"],
  ["/etc/kubernetes/pki", ["host-path"], "under /etc"],
  ["/var/lib/kubelet", ["host-path"], "kubelet state"],
  ["/var/lib", ["host-path"], "contains /var/lib/docker"],
  ["/var/log", ["host-path"], "host logs (medium)"],
  ["/proc", ["host-path"], "host /proc"],
  ["/srv/data", [], "an ordinary data directory"],
  ["/mnt/data/", [], "trailing slash, still ordinary"],
  ["/run/xtables.lock", [], "a file under /run that is no socket"],
  ["/data/a/b/c/../../../d", [], "`..` inside an ordinary tree"],
  ["  /var/run/docker.sock  ", ["socket-mount"], "trimmed like normalizeHostPath"],
  ["//./pipe/docker_engine", ["socket-mount"], "the Windows Docker pipe"],
  ["\\\\.\\pipe\\docker_engine", ["socket-mount"], "the Windows Docker pipe, backslashes"],
  ["//./pipe/other", [], "another pipe"],
];

test("path tricks: the CEL agrees with the webhook on every path (and the expected concerns are as worked out)", () => {
  const policy = testPolicy();
  for (const [path, concerns, why] of PATHS) {
    const w = agree(`${path} (${why})`, review(hostPathPod(path)), policy);
    assert.deepEqual(w.denied, [...concerns].sort(), `${path}: ${why}`);
  }
});

test("read-only, subPath, type: Socket and declared-but-unmounted volumes", () => {
  const policy = testPolicy();
  // Read-only does not help for a socket.
  assert.deepEqual(agree("ro socket", review(hostPathPod("/var/run/docker.sock", { readOnly: true })), policy).denied, ["socket-mount"]);
  // type: Socket changes nothing.
  assert.deepEqual(agree("type Socket", review(hostPathPod("/var/run/docker.sock", {}, "Socket")), policy).denied, ["socket-mount"]);
  assert.deepEqual(agree("type Socket odd path", review(hostPathPod("/srv/api.sock", {}, "Socket")), policy).denied, [], "no runtime socket name or location");
  // Benign host files are fine read-only, sensitive writable.
  agree("localtime ro", review(hostPathPod("/etc/localtime", { readOnly: true })), policy, true);
  assert.deepEqual(agree("localtime rw", review(hostPathPod("/etc/localtime")), policy).denied, ["host-path"]);
  // subPath joins the volume's path as written: /var/run + docker.sock.
  assert.deepEqual(agree("subPath", review(hostPathPod("/var/run", { subPath: "docker.sock" })), policy).denied, ["socket-mount"]);
  // Mounted only through a subPath: the volume's own path (/var/run) is not what the container sees.
  agree("subPath harmless", review(hostPathPod("/var/run", { subPath: "myapp" })), policy, true);
  assert.deepEqual(agree("subPathExpr", review(hostPathPod("/srv", { subPathExpr: "../var/run/docker.sock" })), policy).denied, ["socket-mount"]);
  // A hostPath volume no container mounts is still there for `kubectl debug`.
  const unmounted = pod({ containers: [{ name: "app", image: "x" }], volumes: [{ name: "root", hostPath: { path: "/" } }, { name: "e", emptyDir: {} }] });
  assert.deepEqual(agree("unmounted /", review(unmounted), policy).denied, ["host-path", "socket-mount"]);
});

test("privileged, host namespaces, capabilities and confinement in containers, init containers and ephemeral containers", () => {
  const policy = testPolicy();
  const c = (extra: Obj = {}) => ({ name: "app", image: "x", ...extra });
  const cases: [string, Obj, string[]][] = [
    ["privileged container", pod({ containers: [c({ securityContext: { privileged: true } })] }), ["privileged"]],
    ["privileged false", pod({ containers: [c({ securityContext: { privileged: false } })] }), []],
    ["privileged init", pod({ initContainers: [c({ name: "init", securityContext: { privileged: true } })], containers: [c()] }), ["privileged"]],
    ["privileged ephemeral", pod({ containers: [c()], ephemeralContainers: [c({ name: "debug", securityContext: { privileged: true } })] }), ["privileged"]],
    ["hostPID", pod({ hostPID: true, containers: [c()] }), ["host-namespace"]],
    ["hostNetwork", pod({ hostNetwork: true, containers: [c()] }), ["host-namespace"]],
    ["hostIPC", pod({ hostIPC: true, containers: [c()] }), ["host-namespace"]],
    ["hostNetwork false", pod({ hostNetwork: false, containers: [c()] }), []],
    ["SYS_ADMIN", pod({ containers: [c({ securityContext: { capabilities: { add: ["SYS_ADMIN"] } } })] }), ["capabilities"]],
    ["cap_sys_admin spelled", pod({ containers: [c({ securityContext: { capabilities: { add: [" cap_sys_admin "] } } })] }), ["capabilities"]],
    ["ALL", pod({ containers: [c({ securityContext: { capabilities: { add: ["ALL"] } } })] }), ["capabilities"]],
    ["NET_BIND_SERVICE", pod({ containers: [c({ securityContext: { capabilities: { add: ["NET_BIND_SERVICE"], drop: ["ALL"] } } })] }), []],
    ["seccomp Unconfined", pod({ containers: [c({ securityContext: { seccompProfile: { type: "Unconfined" } } })] }), ["security-opt"]],
    ["pod seccomp Unconfined", pod({ securityContext: { seccompProfile: { type: "Unconfined" } }, containers: [c()] }), ["security-opt"]],
    [
      "container RuntimeDefault beats pod Unconfined",
      pod({ securityContext: { seccompProfile: { type: "Unconfined" } }, containers: [c({ securityContext: { seccompProfile: { type: "RuntimeDefault" } } })] }),
      [],
    ],
    ["seccomp annotation", pod({ containers: [c()] }, { annotations: { "seccomp.security.alpha.kubernetes.io/pod": "unconfined" } }), ["security-opt"]],
    ["apparmor annotation", pod({ containers: [c()] }, { annotations: { "container.apparmor.security.beta.kubernetes.io/app": "unconfined" } }), ["security-opt"]],
    ["apparmor annotation other container", pod({ containers: [c()] }, { annotations: { "container.apparmor.security.beta.kubernetes.io/other": "unconfined" } }), []],
    ["apparmor field", pod({ containers: [c({ securityContext: { appArmorProfile: { type: "Unconfined" } } })] }), ["security-opt"]],
    ["procMount Unmasked", pod({ containers: [c({ securityContext: { procMount: "Unmasked" } })] }), ["security-opt"]],
    ["procMount Default", pod({ containers: [c({ securityContext: { procMount: "Default" } })] }), []],
  ];
  for (const [name, obj, concerns] of cases) assert.deepEqual(agree(name, review(obj), policy).denied, concerns, name);
});

test("every workload kind with a pod template, and ephemeral containers added through pods/ephemeralcontainers", () => {
  const policy = testPolicy();
  const spec = { containers: [{ name: "app", image: "x", volumeMounts: [{ name: "s", mountPath: "/s" }] }], volumes: [{ name: "s", hostPath: { path: "/run/containerd/containerd.sock" } }] };
  const tmpl = { metadata: { labels: { a: "b" } }, spec };
  const objs: Obj[] = [
    { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d" }, spec: { template: tmpl } },
    { apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "s" }, spec: { template: tmpl } },
    { apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "ds" }, spec: { template: tmpl } },
    { apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: "rs" }, spec: { template: tmpl } },
    { apiVersion: "v1", kind: "ReplicationController", metadata: { name: "rc" }, spec: { template: tmpl } },
    { apiVersion: "batch/v1", kind: "Job", metadata: { name: "j" }, spec: { template: tmpl } },
    { apiVersion: "batch/v1", kind: "CronJob", metadata: { name: "cj" }, spec: { schedule: "* * * * *", jobTemplate: { spec: { template: tmpl } } } },
    { apiVersion: "v1", kind: "PodTemplate", metadata: { name: "pt" }, template: tmpl },
  ];
  for (const o of objs) assert.deepEqual(agree(o.kind, review(o), policy).denied, ["socket-mount"], o.kind);
  // kubectl debug: UPDATE of pods/ephemeralcontainers adding a privileged debug container.
  const before = pod({ containers: [{ name: "app", image: "x" }] });
  const after = pod({ containers: [{ name: "app", image: "x" }], ephemeralContainers: [{ name: "debugger", image: "busybox", securityContext: { privileged: true } }] });
  assert.deepEqual(agree("ephemeral subresource", review(after, { operation: "UPDATE", oldObject: before, subResource: "ephemeralcontainers" }), policy).denied, ["privileged"]);
});

test("policy settings: warn concerns warn, off concerns are silent, allow-lists and break-glass apply; unchanged updates pass", () => {
  const warnHostPath = testPolicy({ rules: { "host-path": "warn", privileged: "off" } });
  const w = agree("warn host-path", review(hostPathPod("/var/log")), warnHostPath, true);
  assert.deepEqual(w.warned, ["host-path"]);
  agree("privileged off", review(pod({ containers: [{ name: "a", image: "x", securityContext: { privileged: true } }] })), warnHostPath, true);

  const allow = testPolicy({ allow: { hostPaths: ["/var/log/"], capabilities: ["net_admin", "SYS_ADMIN"], images: [] } });
  agree("allowed /var/log", review(hostPathPod("/var/log/pods", { readOnly: true })), allow, true);
  assert.deepEqual(agree("still /var/lib", review(hostPathPod("/var/lib")), allow).denied, ["host-path"]);
  agree("allowed SYS_ADMIN", review(pod({ containers: [{ name: "a", image: "x", securityContext: { capabilities: { add: ["SYS_ADMIN"] } } }] })), allow, true);
  // An allowed host path never allows a socket: socket-mount has no allow-list.
  assert.deepEqual(agree("allow-list is not for sockets", review(hostPathPod("/var/log/docker.sock")), allow).denied, ["socket-mount"]);

  const glass = testPolicy({
    webhook: {
      breakGlass: [
        { namespace: "node-debug", reason: "on-call node debugging", owner: "sre", expires: "2027-01-31" },
        { namespace: "old-debug", reason: "last year's incident", owner: "sre", expires: "2026-01-31" },
      ],
    },
  });
  const sock = hostPathPod("/var/run/docker.sock");
  agree("break-glass", review(sock, { namespace: "node-debug" }), glass, true);
  assert.deepEqual(agree("expired break-glass", review(sock, { namespace: "old-debug" }), glass).denied, ["socket-mount"]);
  const y = generatePolicy(glass, "vap", { now: NOW });
  assert.match(y, /# break-glass: namespace node-debug: on-call node debugging \(owner sre, expires 2027-01-31\)/);
  assert.match(y, /CEL has no clock/);
  assert.match(y, /old-debug, expired 2026-01-31/);
  assert.doesNotMatch(y, /"old-debug"\]/, "an expired entry is not in the expression");

  // Label change on a Deployment that already mounts the socket: admitted (as by the webhook).
  const dep = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d", namespace: "default" }, spec: { template: { spec: hostPathPod("/var/run/docker.sock").spec } } };
  const relabelled = { ...dep, metadata: { ...dep.metadata, labels: { team: "x" } } };
  agree("unchanged update", review(relabelled, { operation: "UPDATE", oldObject: dep }), testPolicy(), true);
  const changed = { ...dep, spec: { template: { spec: { ...dep.spec.template.spec, hostPID: true } } } };
  assert.deepEqual(agree("changed update", review(changed, { operation: "UPDATE", oldObject: dep }), testPolicy()).denied, ["host-namespace", "socket-mount"]);
  // kube-system is not judged by the binding; the webhook configuration excludes it too.
  for (const f of Object.keys(EVALUATORS) as Format[]) {
    assert.equal(vapVerdict(review(sock, { namespace: "kube-system" }), testPolicy(), ["kube-system"], f).allowed, true, f);
    assert.equal(vapVerdict(review(sock, { namespace: "default" }), testPolicy(), ["kube-system"], f).allowed, false, f);
  }
});

test("the generated socket and parent regexes say the same as socketExposure on every prefix of every well-known socket", () => {
  const facts = genFacts(defaultPolicy());
  const candidates = new Set<string>(["/", "/var", "/run", "/usr", "/var/lib", "/home/u", "/run/user", "/run/user/42", "/run/user/42/buildkit", "/run/docker", "/var/snap"]);
  for (const p of ["/run/docker.sock", "/run/user/7/podman/podman.sock", "/var/snap/microk8s/common/run/containerd.sock", "/run/k3s/containerd/containerd.sock", "/run/host-services/docker.proxy.sock"]) {
    const s = p.split("/").filter(Boolean);
    for (let n = 0; n <= s.length; n++) candidates.add("/" + s.slice(0, n).join("/"));
    candidates.add(p + "x");
    candidates.add(p.replace(/\/[^/]+$/, "/other"));
  }
  for (const c of candidates) {
    const n = normalizeHostPath(c);
    assert.equal(socketRelationByRegex(facts, n), socketExposure(n)?.relation, c);
  }
});

test("the peer suites' Kubernetes fixtures: the CEL agrees with the webhook on every object", () => {
  const peer = new URL("../../../shared/peer-suites/", import.meta.url);
  const records = readFileSync(new URL("expected.jsonl", peer), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
  // Objects the webhook cannot read (denied with "fails closed"), so no comparison: see webhook.test.ts.
  const UNREADABLE = new Set(["checkov/CKV_K8S_27/negative/scope-UNKNOWN.yaml"]);
  // Known disagreements, with why (none so far; see docs/kubernetes.md for what CEL cannot say).
  const DISAGREE: Record<string, string> = {};
  const policy = testPolicy();
  let compared = 0;
  const byConcern: Record<string, number> = {};
  for (const rec of records) {
    if (rec.format !== "kubernetes" || UNREADABLE.has(rec.file)) continue;
    const text = readFileSync(new URL(rec.file, peer), "utf8");
    const objects = parseAllDocuments(text, { version: "1.1" })
      .map((d) => d.toJS({ maxAliasCount: -1 }) as any)
      .flatMap((o) => (o?.kind === "List" ? (o.items ?? []) : [o]))
      .filter((o) => o && typeof o.kind === "string" && RESOURCES[o.kind]);
    for (const o of objects) {
      const rv = review(JSON.parse(JSON.stringify(o, (_k, v) => (v instanceof Date ? v.toISOString().slice(0, 10) : v))));
      const w = webhookVerdict(rv, policy);
      const vs = (Object.keys(EVALUATORS) as Format[]).map((f) => vapVerdict(rv, policy, [], f));
      const same = vs.every((v) => v.errors.length === 0 && v.allowed === w.allowed && JSON.stringify(v.denied) === JSON.stringify(w.denied) && JSON.stringify(v.warned) === JSON.stringify(w.warned));
      const v = vs.find((x) => JSON.stringify([x.allowed, x.denied, x.warned, x.errors]) !== JSON.stringify([w.allowed, w.denied, w.warned, []])) ?? vs[0]!;
      if (DISAGREE[rec.file]) {
        assert.ok(!same, `${rec.file}: listed as a disagreement but they agree now: remove it`);
        continue;
      }
      assert.ok(same, `${rec.file} ${o.kind}/${o.metadata?.name}: webhook ${JSON.stringify(w)} vs CEL ${JSON.stringify(v)}`);
      compared++;
      byConcern[rec.concern] = (byConcern[rec.concern] ?? 0) + 1;
    }
  }
  assert.ok(compared > 150, `${compared} objects compared`);
  for (const c of ["socket-mount", "privileged", "host-namespace", "host-path", "capabilities"]) assert.ok((byConcern[c] ?? 0) > 5, `${c}: ${byConcern[c]} objects`);
});

test("known disagreement: more path segments than the CEL can index is denied by the generated policies (fail closed), admitted by the webhook", () => {
  const policy = testPolicy();
  const deep = "/srv" + "/d".repeat(70); // 71 segments, an ordinary data directory
  const rv = review(hostPathPod(deep));
  assert.equal(webhookVerdict(rv, policy).allowed, true, "the webhook normalizes any length");
  for (const f of Object.keys(EVALUATORS) as Format[]) {
    const v = vapVerdict(rv, policy, [], f);
    assert.deepEqual(v.denied, ["socket-mount"], f);
    assert.deepEqual(v.errors, [], f);
  }
  // 64 segments is still within reach, and judged like the webhook.
  agree("64 segments", review(hostPathPod("/srv" + "/d".repeat(63))), policy, true);
  agree("64 segments, socket at the end", review(hostPathPod("/srv" + "/d".repeat(62) + "/docker.sock")), policy, false);
});

test("exceptions: namespace/name/kind globs are carried (live ones only) and agree with the webhook; a container match is not carried", () => {
  const exc = (concern: string, match: Record<string, string>, expires = "2027-06-30") => ({ concern, match, reason: "r", owner: "o", expires, source: "sockwarden.yaml" }) as Policy["exceptions"][number];
  const policy = testPolicy({
    exceptions: [
      exc("socket-mount", { namespace: "monitoring", name: "cadvisor*" }),
      exc("*", { kind: "daemonset", name: "node-?xporter" }),
      exc("privileged", { namespace: "ci" }, "2026-01-01"), // expired
      exc("host-namespace", { container: "debug" }), // not expressible: per container
    ],
  });
  const sockPod = (ns: string, name: string) => ({ ...hostPathPod("/var/run/docker.sock"), metadata: { name, namespace: ns } });
  agree("excepted", review(sockPod("monitoring", "cadvisor-7xk")), policy, true);
  assert.deepEqual(agree("other namespace", review(sockPod("default", "cadvisor-7xk")), policy).denied, ["socket-mount"]);
  assert.deepEqual(agree("other name", review(sockPod("monitoring", "prometheus")), policy).denied, ["socket-mount"]);
  // generateName: the webhook names it `cadvisor-*`, so does the CEL.
  const gen = { ...hostPathPod("/var/run/docker.sock"), metadata: { generateName: "cadvisor-", namespace: "monitoring" } };
  const rvGen = review(gen);
  delete rvGen.request.name;
  agree("generateName", rvGen, policy, true);
  // concern `*`, kind glob case-insensitive, `?`: every concern of that DaemonSet.
  const ds = { apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "node-exporter", namespace: "mon" }, spec: { template: { spec: { hostPID: true, hostNetwork: true, ...hostPathPod("/").spec } } } };
  agree("kind + name glob, all concerns", review(ds), policy, true);
  assert.deepEqual(agree("name glob miss", review({ ...ds, metadata: { name: "node-exporter2", namespace: "mon" } }), policy).denied, ["host-namespace", "host-path", "socket-mount"]);
  // Expired: not applied by either.
  const priv = pod({ containers: [{ name: "a", image: "x", securityContext: { privileged: true } }] }, { namespace: "ci" });
  assert.deepEqual(agree("expired exception", review(priv, { namespace: "ci" }), policy).denied, ["privileged"]);
  // Container match: the webhook admits, the generated policies deny (stricter; said in the file).
  const dbg = pod({ hostPID: true, containers: [{ name: "debug", image: "x" }] });
  assert.equal(webhookVerdict(review(dbg), policy).allowed, true);
  for (const f of Object.keys(EVALUATORS) as Format[]) assert.deepEqual(vapVerdict(review(dbg), policy, [], f).denied, ["host-namespace"], f);
  const text = generatePolicy(policy, "vap", { now: NOW });
  assert.match(text, /Exceptions carried/);
  assert.match(text, /other 1 exception\(s\) are NOT carried[\s\S]*host-namespace \{"container":"debug"\}/);
  assert.match(text, /Expired exceptions left out: privileged \{"namespace":"ci"\} \(expired 2026-01-01\)/);
});

test("property: the CEL normalization equals normalizeHostPath, and the verdict equals the webhook's, on random paths built from tricky segments", async () => {
  const fc = (await import("fast-check")).default;
  const { parse } = await import("@marcbachmann/cel-js");
  const policy = testPolicy();
  const vap = parseAllDocuments(generatePolicy(policy, "vap", { now: NOW, excludeNamespaces: [] })).map((d) => d.toJS() as Obj)[0]!;
  const vars: { name: string; expression: string }[] = vap.spec.variables;
  const compiledVars = vars.map((v) => ({ name: v.name, f: parse(v.expression) as unknown as (c: Obj) => unknown }));
  const SEG = ["", ".", "..", "var", "run", "docker.sock", "containerd", "containerd.sock", "etc", "lib", "docker", "user", "1000", "podman", "srv", "a"];
  const pathArb = fc.tuple(fc.boolean(), fc.array(fc.constantFrom(...SEG), { maxLength: 9 }), fc.boolean()).map(([abs, segs, trailing]) => (abs ? "/" : "") + segs.join("/") + (trailing ? "/" : ""));
  fc.assert(
    fc.property(pathArb, (path) => {
      const rv = review(hostPathPod(path));
      const variables: Obj = {};
      for (const v of compiledVars) variables[v.name] = v.f({ object: rv.request.object, oldObject: null, request: rv.request, variables });
      const n = normalizeHostPath(path);
      if (n.startsWith("/")) assert.equal(variables.mountNorm[0], n, path);
      else assert.equal(variables.mountBase[0], n === "." || n.endsWith("..") ? "" : n.slice(n.lastIndexOf("/") + 1), path);
      const w = webhookVerdict(rv, policy);
      const v = vapVerdict(rv, policy);
      assert.deepEqual({ allowed: v.allowed, denied: v.denied, warned: v.warned, errors: v.errors }, { ...w, errors: [] }, path);
    }),
    { numRuns: 400, seed: 20261128 },
  );
});
