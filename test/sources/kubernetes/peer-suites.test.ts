// The Kubernetes door over every `format: kubernetes` file of the peer suites
// (../shared/peer-suites, see its README and expected.jsonl). This tests the door only — that each
// file is read, and that what a reader sees in the file (privileged, host namespaces, hostPath
// volumes) reaches the Workloads. Verdicts (findings) are the scan pipeline's peer test.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { kubernetesSource } from "../../../src/sources/kubernetes/index.js";
import type { Workload } from "../../../src/model/workload.js";

// The suites live beside the repository: <repo>/../shared/peer-suites (as issue 2 says).
const PEER = fileURLToPath(new URL("../../../../shared/peer-suites/", import.meta.url));
const ctx = { readFile: () => undefined, exists: () => false };

interface Expected {
  file: string;
  concern: string;
  expect: "finding" | "clean";
  format: string;
}

/** Files that legitimately give an error, and why. */
const EXPECTED_ERRORS: Record<string, RegExp> = {
  // `containers:` and `volumes:` are written as maps, not lists: the API server rejects this Pod,
  // and we cannot tell which containers it meant. Checkov reports it as UNKNOWN.
  "checkov/CKV_K8S_27/negative/scope-UNKNOWN.yaml": /`(containers|volumes)` is not a list/,
};
/** Files that legitimately give a notice: the object has no pod spec at all (`spec: null`,
 *  empty `spec:`), so there is nothing to check. */
const EXPECTED_NOTICES = new Set(["checkov/CKV_K8S_27/negative/CronJob-pass.yaml", "checkov/CKV_K8S_25/negative/cronjob-UNKOWN.yaml"]);

/** Where a line of the file says `privileged: true`/`hostPID: true`/… but no Workload may carry
 *  it, and why. */
const TEXT_DIFFERS: Record<string, { field: string; why: string }> = {
  "polaris/runAsPrivileged/negative/success.pod.yaml": {
    field: "privileged",
    why: "`privileged: true` is on the pod's securityContext and the only container says `privileged: false`: the container wins",
  },
  "checkov/CKV_K8S_27/negative/scope-UNKNOWN.yaml": { field: "privileged", why: "the container is unreadable (see EXPECTED_ERRORS)" },
};
/** Peer `finding` verdicts whose concern cannot show in a Workload, and why. */
const CONCERN_DIFFERS: Record<string, string> = {
  "kics/k8s.volume_mount_with_os_directory_write_permissions/positive/positive.yaml":
    "KICS fires on the *container-side* mountPath (/bin, /var/run) of a scaleIO volume: nothing of the host is mounted, so there is no hostPath mount",
};

function expectedRecords(): Expected[] {
  return readFileSync(join(PEER, "expected.jsonl"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Expected)
    .filter((d) => d.format === "kubernetes");
}

const fieldOf: Record<string, (ws: Workload[]) => boolean> = {
  privileged: (ws) => ws.some((w) => w.privileged?.value === true),
  hostPID: (ws) => ws.some((w) => w.namespaces.pid?.value.mode === "host"),
  hostNetwork: (ws) => ws.some((w) => w.namespaces.network?.value.mode === "host"),
  hostIPC: (ws) => ws.some((w) => w.namespaces.ipc?.value.mode === "host"),
  hostPath: (ws) => ws.some((w) => w.mounts.some((m) => m.type === "hostPath")),
};
// What a reader sees, line by line (YAML 1.1 `yes` and capitalised `True` count as true).
const textSays: Record<string, RegExp> = {
  privileged: /^\s*privileged:\s*(true|yes)\s*(#.*)?$/im,
  hostPID: /^\s*hostPID:\s*(true|yes)\b/im,
  hostNetwork: /^\s*hostNetwork:\s*(true|yes)\b/im,
  hostIPC: /^\s*hostIPC:\s*(true|yes)\b/im,
  hostPath: /^\s*(- )?hostPath:/m,
};
const concernField: Record<string, (ws: Workload[]) => boolean> = {
  privileged: fieldOf.privileged!,
  "host-namespace": (ws) => ws.some((w) => Object.values(w.namespaces).some((n) => n?.value.mode === "host")),
  "host-path": fieldOf.hostPath!,
  "socket-mount": fieldOf.hostPath!,
  capabilities: (ws) => ws.some((w) => w.capAdd.length > 0),
};

test("every peer Kubernetes file is detected and read; errors only where expected", () => {
  const recs = expectedRecords();
  assert.equal(recs.length, 252, "the README counts 252 Kubernetes files");
  let workloads = 0;
  for (const d of recs) {
    const text = readFileSync(join(PEER, d.file), "utf8");
    const file = { path: d.file, text };
    assert.ok(kubernetesSource.detect(file), `${d.file} detected`);
    const r = kubernetesSource.extract(file, ctx);
    workloads += r.workloads.length;
    const errors = r.errors.filter((e) => e.kind !== "notice");
    const notices = r.errors.filter((e) => e.kind === "notice");
    const allowed = EXPECTED_ERRORS[d.file];
    if (allowed) {
      assert.ok(errors.length > 0, `${d.file}: the expected error is reported`);
      for (const e of errors) assert.match(e.message, allowed, d.file);
    } else {
      assert.deepEqual(errors, [], `${d.file}: no error`);
    }
    assert.equal(notices.length > 0, EXPECTED_NOTICES.has(d.file), `${d.file}: notices ${JSON.stringify(notices)}`);
    for (const e of r.errors) {
      assert.equal(e.file, d.file);
      assert.ok(typeof e.line === "number" && e.line >= 1, `${d.file}: error has a line`);
    }
  }
  assert.ok(workloads >= 252, `at least one workload per file on average (${workloads})`);
});

test("what a peer file says (privileged, hostPID/hostNetwork/hostIPC, hostPath) reaches the Workloads", () => {
  for (const d of expectedRecords()) {
    const text = readFileSync(join(PEER, d.file), "utf8");
    const ws = kubernetesSource.extract({ path: d.file, text }, ctx).workloads;
    for (const [field, re] of Object.entries(textSays)) {
      const says = re.test(text);
      const differs = TEXT_DIFFERS[d.file]?.field === field;
      assert.equal(fieldOf[field]!(ws), differs ? !says : says, `${d.file}: ${field} (text says ${says})${differs ? `; ${TEXT_DIFFERS[d.file]!.why}` : ""}`);
    }
    if (d.expect === "finding" && !CONCERN_DIFFERS[d.file]) {
      assert.ok(concernField[d.concern]!(ws), `${d.file}: the peer finds ${d.concern}; the Workload field for it is set`);
    }
  }
});

test("peer spot checks, positions counted by hand", () => {
  const read = (f: string) => kubernetesSource.extract({ path: f, text: readFileSync(join(PEER, f), "utf8") }, ctx);

  // A DaemonSet without metadata: name unknown; the socket at the `path:` key, line 19 column 10
  // (nine spaces of indentation), mounted writable at /host/var/run/docker.sock.
  let r = read("kubesec/DockerSock/positive/score-0-daemonset-volume-host-docker-socket.yml");
  assert.deepEqual(
    r.workloads.map((w) => [w.source.object, w.mounts]),
    [
      [
        "DaemonSet default/(unnamed) container example-daemonset",
        [
          {
            type: "hostPath",
            source: "/var/run/docker.sock",
            hostPath: "/var/run/docker.sock",
            target: "/host/var/run/docker.sock",
            readOnly: false,
            via: "hostPath volume `docker-sock`",
            at: { line: 19, column: 10 },
          },
        ],
      ],
    ],
  );

  // Only an ephemeral container mounts the hostPath /tmp (read-only), `path:` at 16:7.
  r = read("gatekeeper/host-filesystem.psp-host-filesystem/positive/disallowed_ephemeral.yaml");
  assert.deepEqual(
    r.workloads.map((w) => [w.role, w.source.object, w.mounts.map((m) => [m.hostPath, m.target, m.readOnly, m.at])]),
    [["ephemeral", "Pod default/nginx-host-filesystem container nginx", [["/tmp", "/cache", true, { line: 16, column: 7 }]]]],
  );

  // Kyverno's test Pod declares the docker socket volume but no container mounts it: kept, as
  // "declared, not mounted", on the first container (15:7); the good pod's /data likewise (31:7).
  r = read("kyverno/disallow-cri-sock-mount/positive/kyverno-test-resource.yaml");
  assert.deepEqual(
    r.workloads.map((w) => [w.source.object, w.mounts.map((m) => [m.hostPath, m.via, m.at])]),
    [
      ["Pod default/pod-with-docker-sock-mount container myshell", [["/var/run/docker.sock", "hostPath volume `dockersock` (declared, not mounted)", { line: 15, column: 7 }]]],
      ["Pod default/goodpod01 container myshell", [["/data", "hostPath volume `data` (declared, not mounted)", { line: 31, column: 7 }]]],
    ],
  );
});
