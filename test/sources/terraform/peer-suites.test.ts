/**
 * The Terraform files of other scanners' suites (../shared/peer-suites, format == terraform):
 * every one extracts without error, and the positive files hand the rules the Workload field
 * their rule is about (a socket/hostPath mount, privileged, a host namespace, an added
 * capability). For Checkov's files, which mix passing and failing resources, each failing
 * resource must carry the field and each passing one must not. Whether a finding is raised is
 * the rules' business (the lead's agreement test).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { terraformSource } from "../../../src/sources/terraform/index.js";
import type { Workload } from "../../../src/model/workload.js";
import { PEER, noFiles } from "./helpers.js";

interface Rec {
  file: string;
  format: string;
  concern: string;
  expect: "finding" | "clean";
  objects?: { finding: string[]; clean: string[] };
}

/** Where the peer's rule is about something our model does not call an exposure, and why. */
const PEER_WIDER: Record<string, string> = {
  "kics/tf-k8s.volume_mount_with_os_directory_write_permissions/positive/positive1.tf":
    "KICS flags a writable volume_mount at an OS directory (/bin) whatever the volume is; here the volume is not a hostPath, so nothing of the host is mounted",
  "kics/tf-k8s.volume_mount_with_os_directory_write_permissions/positive/positive2.tf": "same as positive1: mount_path /bin of a non-hostPath volume",
  "kics/tf-k8s.volume_mount_with_os_directory_write_permissions/positive/positive3.tf": "same as positive1, attribute syntax",
};

/** Files Terraform itself would reject; we read what a reviewer sees and say so in a notice. */
const NOTICE_EXPECTED: Record<string, string> = {
  "checkov/CKV_K8S_27.terraform/positive/main.tf": "kubernetes_pod_v1.fail writes `volume = \"invalid\"` beside `volume { … }` blocks",
};

function has(w: Workload, concern: string): boolean {
  switch (concern) {
    case "socket-mount":
      return w.mounts.some((m) => /\.sock$/.test(m.hostPath ?? ""));
    case "host-path":
      return w.mounts.some((m) => m.hostPath !== undefined);
    case "privileged":
      return w.privileged?.value === true;
    case "host-namespace":
      return Object.values(w.namespaces).some((n) => n?.value.mode === "host");
    case "capabilities":
      return w.capAdd.length > 0;
    default:
      throw new Error(`unknown concern ${concern}`);
  }
}

test("peer suites: every Terraform file extracts without error and carries the field its rule is about", () => {
  assert.ok(existsSync(join(PEER, "expected.jsonl")), `peer suites not found at ${PEER}`);
  const recs = readFileSync(join(PEER, "expected.jsonl"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Rec)
    .filter((r) => r.format === "terraform");
  assert.equal(recs.length, 29, "the README lists 29 Terraform fixture records");
  let checkedObjects = 0;
  for (const r of recs) {
    const text = readFileSync(join(PEER, r.file), "utf8");
    assert.equal(terraformSource.detect({ path: r.file, text }), true, r.file);
    const res = terraformSource.extract({ path: r.file, text }, noFiles);
    const hard = res.errors.filter((e) => e.kind !== "notice");
    assert.deepEqual(hard, [], `${r.file}: ${JSON.stringify(hard)}`);
    assert.equal(res.errors.length > 0, r.file in NOTICE_EXPECTED, `${r.file}: notices ${JSON.stringify(res.errors)}`);
    assert.ok(res.workloads.length > 0, `${r.file}: no workloads`);
    for (const w of res.workloads) assert.equal(w.source.door, "iac");
    if (r.objects) {
      const resource = (w: Workload) => w.source.object.replace(/ container .*$/, "");
      for (const name of r.objects.finding) {
        const ws = res.workloads.filter((w) => resource(w) === name);
        assert.ok(ws.length > 0, `${r.file}: no workload for ${name}`);
        assert.ok(ws.some((w) => has(w, r.concern)), `${r.file}: ${name} should carry ${r.concern}`);
        checkedObjects++;
      }
      for (const name of r.objects.clean) {
        const ws = res.workloads.filter((w) => resource(w) === name);
        assert.ok(ws.length > 0, `${r.file}: no workload for ${name}`);
        // Checkov's `pass` resources for the socket rule mount /var/log: a host path, not a socket.
        assert.ok(!ws.some((w) => has(w, r.concern)), `${r.file}: ${name} should not carry ${r.concern}`);
        checkedObjects++;
      }
    } else if (r.expect === "finding" && !(r.file in PEER_WIDER)) {
      assert.ok(res.workloads.some((w) => has(w, r.concern)), `${r.file}: no workload carries ${r.concern}`);
    } else if (r.expect === "clean") {
      // The peers' negatives may still hold other exposures (a /data hostPath in a socket-rule
      // negative): only the socket concern is checked strictly, the others by their own rule files.
      if (r.concern === "socket-mount") assert.ok(!res.workloads.some((w) => has(w, "socket-mount")), `${r.file}: socket in a negative`);
      if (r.concern === "privileged" || r.concern === "capabilities" || r.concern === "host-namespace") {
        assert.ok(!res.workloads.some((w) => has(w, r.concern)), `${r.file}: ${r.concern} in a negative`);
      }
    } else {
      assert.ok(!res.workloads.some((w) => w.mounts.some((m) => m.hostPath !== undefined)), `${r.file}: ${PEER_WIDER[r.file]}`);
    }
  }
  assert.ok(checkedObjects >= 80, `only ${checkedObjects} Checkov resources checked`);
});
