// The Kubernetes door over hand-written fixtures (test/fixtures/kubernetes/). Every expected value
// below comes from the fixture's header comment, worked out by hand from the file.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { kubernetesSource } from "../../../src/sources/kubernetes/index.js";
import type { Workload } from "../../../src/model/workload.js";
import type { ExtractResult } from "../../../src/sources/types.js";

const FIX = new URL("../../fixtures/kubernetes/", import.meta.url);
const ctx = { readFile: () => undefined, exists: () => false };

function load(name: string): ExtractResult {
  const file = { path: `k8s/${name}`, text: readFileSync(new URL(name, FIX), "utf8") };
  assert.ok(kubernetesSource.detect(file), `${name} is detected as Kubernetes`);
  return kubernetesSource.extract(file, ctx);
}
const at = (line: number, column: number) => ({ line, column });
const byName = (ws: Workload[], c: string) => {
  const w = ws.find((x) => x.source.containerName === c);
  assert.ok(w, `workload for container ${c}`);
  return w;
};

test("pod-socket.yaml: read-only Socket hostPath joined to its mount; container securityContext wins", () => {
  const r = load("pod-socket.yaml");
  assert.deepEqual(r.errors, []);
  assert.equal(r.workloads.length, 1);
  const w = r.workloads[0]!;
  assert.deepEqual(w.source, {
    door: "kubernetes",
    file: "k8s/pod-socket.yaml",
    at: at(19, 7),
    object: "Pod ci/builder container docker",
    kind: "Pod",
    namespace: "ci",
    name: "builder",
    containerName: "docker",
  });
  assert.equal(w.role, "container");
  assert.deepEqual(w.image, { value: "docker:27-cli", at: at(20, 7) });
  assert.deepEqual(w.mounts, [
    {
      type: "hostPath",
      source: "/var/run/docker.sock",
      hostPath: "/var/run/docker.sock",
      target: "/var/run/docker.sock",
      readOnly: true,
      via: "hostPath volume `sock`",
      hostPathType: "Socket",
      at: at(32, 9),
    },
  ]);
  assert.deepEqual(w.namespaces, { pid: { value: { mode: "host", raw: "hostPID: true" }, at: at(14, 3) } });
  assert.deepEqual(w.runAsUser, { value: 0, at: at(22, 9) });
  assert.deepEqual(w.runAsNonRoot, { value: false, at: at(17, 5) });
  assert.equal(w.privileged, undefined);
});

test("deployment-yaml11.yaml: YAML 1.1 booleans, capabilities normalized, pod-level privileged is uncertain, annotations merged", () => {
  const r = load("deployment-yaml11.yaml");
  assert.deepEqual(r.errors, []);
  assert.deepEqual(
    r.workloads.map((w) => [w.source.object, w.role]),
    [
      ["Deployment default/agent container agent", "container"],
      ["Deployment default/agent container helper", "container"],
      ["Deployment default/agent container setup", "init"],
    ],
  );
  const [agent, helper, setup] = r.workloads as [Workload, Workload, Workload];
  assert.deepEqual(agent.privileged, { value: true, at: at(36, 13) });
  assert.deepEqual(agent.allowPrivilegeEscalation, { value: true, at: at(37, 13) });
  assert.deepEqual(agent.capAdd, [
    { value: "SYS_ADMIN", at: at(39, 21) },
    { value: "NET_ADMIN", at: at(39, 32) },
  ]);
  assert.deepEqual(agent.capDrop, [{ value: "ALL", at: at(41, 19) }]);
  assert.equal(helper.privileged?.value, true);
  assert.deepEqual(helper.privileged?.at, at(31, 9));
  assert.match(helper.privileged?.uncertain ?? "", /pod's securityContext/);
  assert.deepEqual(setup.privileged, { value: false, at: at(48, 13) });
  for (const w of r.workloads) {
    assert.deepEqual(w.namespaces, { network: { value: { mode: "host", raw: "hostNetwork: true" }, at: at(28, 7) } });
    assert.deepEqual(w.annotations, { team: "pods", owner: "alice" });
    assert.deepEqual(w.labels, { app: "agent" });
  }
});

test("all-kinds.yaml: every workload kind, other kinds ignored silently", () => {
  const r = load("all-kinds.yaml");
  assert.deepEqual(r.errors, []);
  assert.deepEqual(
    r.workloads.map((w) => w.source.object),
    [
      "StatefulSet db/sts container c-sts",
      "DaemonSet kube-system/ds container c-ds",
      "ReplicaSet default/rs container c-rs",
      "ReplicationController default/rc container c-rc",
      "Job default/job container c-job",
      "CronJob default/cron container c-cron",
      "PodTemplate default/pt container c-pt",
      "Rollout default/ro container c-ro",
    ],
  );
  assert.deepEqual(
    r.workloads.map((w) => w.source.kind),
    ["StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob", "PodTemplate", "Rollout"],
  );
  const cron = byName(r.workloads, "c-cron");
  assert.deepEqual(cron.privileged, { value: true, at: at(56, 17) });
  assert.equal(r.workloads.filter((w) => w.privileged?.value).length, 1);
});

test("list.yaml: List items, nested List, non-workload items ignored", () => {
  const r = load("list.yaml");
  assert.deepEqual(r.errors, []);
  assert.deepEqual(
    r.workloads.map((w) => w.source.object),
    ["Pod web/a container app", "Deployment default/b container app", "Pod default/c container inner"],
  );
  assert.deepEqual(r.workloads[0]!.namespaces.ipc, { value: { mode: "host", raw: "hostIPC: true" }, at: at(16, 7) });
  assert.deepEqual(r.workloads[2]!.image, { value: "busybox", at: at(34, 15) });
});

test("multidoc-broken.yaml: a broken document is one error; the others are scanned", () => {
  const r = load("multidoc-broken.yaml");
  assert.equal(r.errors.length, 1, JSON.stringify(r.errors));
  const e = r.errors[0]!;
  assert.equal(e.file, "k8s/multidoc-broken.yaml");
  assert.notEqual(e.kind, "notice");
  assert.match(e.message, /^document 2: YAML parse error/);
  assert.ok(e.line !== undefined && e.line >= 15 && e.line <= 19, `line ${e.line} is in document 2`);
  assert.deepEqual(
    r.workloads.map((w) => w.source.object),
    ["Pod default/first container a", "Pod default/third container c"],
  );
  assert.deepEqual(r.workloads[0]!.privileged, { value: true, at: at(13, 25) });
  assert.deepEqual(r.workloads[1]!.namespaces.ipc?.at, at(25, 3));
});

test("deployment.json: JSON manifests keep positions; `//var/run/docker.sock` is kept as written", () => {
  const r = load("deployment.json");
  assert.deepEqual(r.errors, []);
  assert.equal(r.workloads.length, 1);
  const w = r.workloads[0]!;
  assert.equal(w.source.object, "Deployment edge/traefik container traefik");
  assert.deepEqual(w.source.at, at(10, 13));
  assert.deepEqual(w.image, { value: "traefik:v3", at: at(11, 13) });
  assert.deepEqual(w.mounts, [
    {
      type: "hostPath",
      source: "//var/run/docker.sock",
      hostPath: "//var/run/docker.sock",
      target: "/var/run/docker.sock",
      readOnly: false,
      via: "hostPath volume `docker`",
      at: at(18, 43),
    },
  ]);
});

test("pod-ephemeral.yaml: init and ephemeral containers, subPath, unmounted hostPath, seccomp/AppArmor, groups, userns, env", () => {
  const r = load("pod-ephemeral.yaml");
  assert.deepEqual(r.errors, []);
  assert.deepEqual(
    r.workloads.map((w) => [w.source.containerName, w.role]),
    [
      ["app", "container"],
      ["tools", "init"],
      ["debugger", "ephemeral"],
    ],
  );
  const [app, tools, debuggerW] = r.workloads as [Workload, Workload, Workload];
  assert.equal(app.source.object, "Pod ops/debug container app");
  assert.deepEqual(app.mounts, [
    { type: "hostPath", source: "/", hostPath: "/", readOnly: false, via: "hostPath volume `root` (declared, not mounted)", at: at(64, 9) },
  ]);
  assert.deepEqual(app.securityOpt, [
    { value: "seccomp=unconfined", at: at(24, 5) },
    { value: "apparmor=unconfined", at: at(25, 5) },
  ]);
  assert.deepEqual(app.groups, [
    { value: "2000", at: at(30, 9) },
    { value: "3000", at: at(31, 5) },
  ]);
  assert.deepEqual(app.namespaces, { userns: { value: { mode: "private", raw: "hostUsers: false" }, at: at(27, 3) } });
  assert.deepEqual(app.env, [
    { value: { name: "DOCKER_HOST", value: "tcp://127.0.0.1:2375" }, at: at(36, 11) },
    { value: { name: "API_TOKEN" }, at: at(38, 11) },
  ]);
  assert.ok(!JSON.stringify(r.workloads).includes("s3cr3t"), "a secret env value is never stored");

  assert.deepEqual(tools.securityOpt, [
    { value: "procMount=Unmasked", at: at(47, 9) },
    { value: "apparmor=unconfined", at: at(46, 11) },
  ]);
  assert.deepEqual(tools.mounts, []);

  assert.deepEqual(debuggerW.mounts, [
    {
      type: "hostPath",
      source: "/var/run",
      hostPath: "/var/run/docker.sock",
      target: "/host/docker.sock",
      readOnly: false,
      via: "hostPath volume `run`",
      at: at(61, 9),
    },
  ]);
  assert.deepEqual(debuggerW.capAdd, [{ value: "SYS_PTRACE", at: at(53, 17) }]);
  assert.deepEqual(debuggerW.securityOpt, [{ value: "seccomp=unconfined", at: at(24, 5) }]);
});

test("cronjob.yaml: template annotations over the CronJob's; one hostPath mounted twice", () => {
  const r = load("cronjob.yaml");
  assert.deepEqual(r.errors, []);
  assert.equal(r.workloads.length, 1);
  const w = r.workloads[0]!;
  assert.equal(w.source.object, "CronJob maint/prune container prune");
  assert.deepEqual(w.annotations, {
    team: "pods",
    "sockwarden.io/ignore.host-path": "prune needs docker's image store",
    "container.seccomp.security.alpha.kubernetes.io/prune": "unconfined",
  });
  assert.deepEqual(w.securityOpt, [{ value: "seccomp=unconfined", at: at(26, 13) }]);
  const common = { type: "hostPath", source: "/var/lib/docker", via: "hostPath volume `lib`", hostPathType: "Directory", at: at(42, 17) };
  assert.deepEqual(w.mounts, [
    { ...common, hostPath: "/var/lib/docker", target: "/data", readOnly: true },
    { ...common, hostPath: "/var/lib/docker/tmp", target: "/scratch", readOnly: false },
  ]);
});

test("malformed.yaml: wrong shapes are errors for their object; pod-level settings of a container-less pod are kept", () => {
  const r = load("malformed.yaml");
  const errs = r.errors.filter((e) => e.kind !== "notice");
  const notices = r.errors.filter((e) => e.kind === "notice");
  assert.deepEqual(
    errs.map((e) => [e.line, /`containers` is not a list/.test(e.message) || /hostPath volume `h` has no path/.test(e.message)]),
    [
      [16, true],
      [39, true],
    ],
  );
  assert.equal(notices.length, 1);
  assert.match(notices[0]!.message, /CronJob default\/empty.*no pod spec/);
  assert.deepEqual(
    r.workloads.map((w) => w.source.object),
    ["Deployment default/bare (pod spec without containers)", "Pod default/nopath container c"],
  );
  const bare = r.workloads[0]!;
  assert.equal(bare.source.containerName, undefined);
  assert.deepEqual(bare.namespaces.pid?.at, at(26, 7));
  assert.deepEqual(bare.mounts.map((m) => [m.hostPath, m.via, m.at]), [["/run", "hostPath volume `r` (declared, not mounted)", at(30, 13)]]);
  assert.deepEqual(r.workloads[1]!.mounts, []);
});

test("detect: by content, not by name", () => {
  const d = (path: string, text: string) => kubernetesSource.detect({ path, text });
  assert.equal(d("a.yaml", "apiVersion: v1\nkind: Pod\n"), true);
  assert.equal(d("a.yml", "# c\n---\nkind: ConfigMap\napiVersion: v1\n"), true, "order does not matter");
  assert.equal(d("a.json", '{\n  "kind": "Pod",\n  "apiVersion": "v1"\n}'), true);
  assert.equal(d("l.yaml", "kind: List\nitems: []\n"), true, "a List without apiVersion");
  assert.equal(d("crlf.yaml", "kind: List\r\nitems: []\r\n"), true, "CRLF line ends");
  assert.equal(d("crlf2.yaml", "apiVersion: v1\r\nkind: Pod\r\n"), true, "CRLF line ends");
  assert.equal(d("compose.yaml", "services:\n  web:\n    image: nginx\n"), false);
  assert.equal(d("Chart.yaml", "apiVersion: v2\nname: x\nversion: 1.0.0\n"), false, "Helm Chart.yaml has no kind");
  assert.equal(d("x.yaml", "spec:\n  kind: Pod\n  apiVersion: v1\n"), false, "nested keys are not top-level");
  assert.equal(d("p.json", '{"name": "x", "version": "1.0.0"}'), false);
});

test("extract never throws: garbage, alias bombs and absurd nesting become errors", () => {
  const bomb =
    "apiVersion: v1\nkind: Pod\na: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n";
  const deep = "apiVersion: v1\nkind: Pod\nspec: " + "[".repeat(500) + "]".repeat(500) + "\n";
  for (const [name, text] of [
    ["bomb.yaml", bomb],
    ["deep.yaml", deep],
    ["bin.yaml", "apiVersion: v1\nkind: Pod\n\u0000\u0001\u0002: ["],
    ["scalar.yaml", "apiVersion: v1\nkind: Pod\nspec: 42\n"],
    ["nullkind.yaml", "apiVersion: v1\nkind:\n"],
  ] as const) {
    const r = kubernetesSource.extract({ path: name, text }, ctx);
    assert.equal(r.workloads.length, 0, name);
    if (name !== "nullkind.yaml") assert.ok(r.errors.length >= 1, `${name} gives an error`);
    for (const e of r.errors) assert.equal(e.file, name);
  }
});

test("anchors and aliases: a shared securityContext counts for every container, at the anchor's line; a redefined anchor is the latest one", () => {
  const text = [
    "apiVersion: v1", //                                   1
    "kind: Pod", //                                        2
    "metadata: {name: anchors}", //                        3
    "spec:", //                                            4
    "  containers:", //                                    5
    "    - name: a", //                                    6
    "      image: x", //                                   7
    "      securityContext: &sc {privileged: true}", //    8: `privileged` at column 29
    "    - name: b", //                                    9
    "      image: x", //                                   10
    "      securityContext: *sc", //                       11
    "    - name: c", //                                    12
    "      image: x", //                                   13
    "      securityContext: &sc {privileged: false}", //   14: redefines `sc`
    "    - name: d", //                                    15
    "      image: x", //                                   16
    "      securityContext: *sc", //                       17: the latest `sc` (false)
  ].join("\n");
  const r = kubernetesSource.extract({ path: "anchors.yaml", text }, ctx);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(
    r.workloads.map((w) => [w.source.containerName, w.privileged]),
    [
      ["a", { value: true, at: at(8, 29) }],
      ["b", { value: true, at: at(8, 29) }],
      ["c", { value: false, at: at(14, 29) }],
      ["d", { value: false, at: at(14, 29) }],
    ],
  );
});

test("an unquoted date in an annotation stays the text Kubernetes keeps (YAML 1.1 would read a timestamp)", () => {
  const text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    review-by: 2027-01-31\nspec:\n  containers: [{name: c, image: x}]\n";
  const r = kubernetesSource.extract({ path: "date.yaml", text }, ctx);
  assert.deepEqual(r.workloads[0]!.annotations, { "review-by": "2027-01-31" });
});
