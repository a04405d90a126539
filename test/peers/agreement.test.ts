/**
 * Agreement with other scanners' own fixtures (../shared/peer-suites, see its README): every
 * compose, Kubernetes and Terraform fixture is scanned on its own, and our verdict for the
 * fixture's concern is compared with the peer's. Where we differ, DIFFERENCES below names the
 * file (or the whole peer rule) and why the peer's verdict is not ours; the test fails both when
 * an unexplained difference appears and when an explained one disappears (so the list stays true).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { scan } from "../../src/scan/index.js";
import { defaultPolicy } from "../../src/policy/types.js";
import type { Concern } from "../../src/model/concern.js";

const SUITES = fileURLToPath(new URL("../../../shared/peer-suites/", import.meta.url));

interface Expected {
  file: string;
  tool: string;
  rule: string;
  concern: Concern;
  expect: "finding" | "clean";
  format: string;
}

/** Our concerns that answer a peer concern. A peer's "host-path" is "the host filesystem is
 *  exposed": a runtime socket mount is our socket-mount finding, not a host-path one. */
const EQUIVALENT: Record<string, Concern[]> = {
  "socket-mount": ["socket-mount"],
  privileged: ["privileged"],
  "host-namespace": ["host-namespace"],
  "host-path": ["host-path", "socket-mount"],
  capabilities: ["capabilities"],
};

/** Peer rules whose scope differs from ours, with the reason; files matched by a key here are
 *  allowed to differ in the direction given. Keys: "tool/rule" or a file path. */
const DIFFERENCES: Record<string, { ours: "finding" | "clean"; why: string }> = {
  // Peers that fire on any added capability; we judge which one (NET_BIND_SERVICE, IPC_LOCK and
  // the runtime's default set do not lead out of a container).
  "kics/tf-k8s.container_with_added_capabilities": { ours: "clean", why: "adds only NET_BIND_SERVICE" },
  "checkov/CKV_K8S_25": { ours: "clean", why: "adds only NET_BIND_SERVICE or IPC_LOCK" },
  "trivy/KSV022": { ours: "clean", why: "adds only NET_BIND_SERVICE" },
  "kics/compose.container_capabilities_unrestricted": { ours: "clean", why: "KICS also fires on a missing cap_drop; we report what is added, not what is left" },
  // Peers that judge the container-side mountPath (/bin inside the container) whatever backs it:
  // a scaleIO/configMap volume at /bin exposes nothing of the host.
  "kics/k8s.volume_mount_with_os_directory_write_permissions": { ours: "clean", why: "the host side is not a host path" },
  "kics/tf-k8s.volume_mount_with_os_directory_write_permissions": { ours: "clean", why: "the host side is not a host path" },
  // Peers that fire on any hostPath, or any writable one: /config, /tmp, /foo/bar, /var/data are
  // ordinary directories (issue 2: /mnt/data and /srv/app are not findings).
  "kube-linter/writable-host-mount": { ours: "clean", why: "hostPath /config is not sensitive" },
  "gatekeeper/host-filesystem.psp-host-filesystem": { ours: "clean", why: "/tmp and /foo are not sensitive; Gatekeeper flags anything outside its allow-list" },
  "gatekeeper/host-filesystem.no-host-paths": { ours: "clean", why: "any hostPath at all; /foo/bar is not sensitive" },
  "kics/compose.volume_has_sensitive_host_directory/positive/positive3.yaml": {
    ours: "clean",
    why: "KICS prefix-matches /var; a local-persist volume at /var/data is an ordinary data directory (and no service uses it)",
  },
  // Peers that let a label, an annotation or a namespace waive the rule. Anyone who can edit the
  // object can add a label; sockwarden's exceptions live in sockwarden.yaml with an owner and expiry.
  "kyverno/docker-socket-requires-label": { ours: "finding", why: "the allow-docker label is not an exception" },
  "kics/k8s.non_kube_system_pod_with_host_mount": { ours: "finding", why: "kube-system is not a mitigation: /var/lib/docker/containers and /sys are still mounted" },
  "gatekeeper/privileged-containers.psp-privileged-container/negative/example_allowed_exempt.yaml": { ours: "finding", why: "exempted by image in the constraint" },
  "kubeaudit/mounts": { ours: "finding", why: "kubeaudit.io/allow-* override annotation" },
  "kubeaudit/privileged": { ours: "finding", why: "kubeaudit.io/allow-* override annotation" },
  "kubeaudit/hostns": { ours: "finding", why: "kubeaudit.io/allow-* override annotation" },
  // A read-only mount of a sensitive directory (/var/log) still exposes it for reading: we report
  // it at a lower severity; Kyverno's rule is only about writability.
  "kyverno/ensure-readonly-hostpath": { ours: "finding", why: "read-only /var/log is still a (low) host-path finding" },
};

const FORMATS = new Set(["compose", "kubernetes", "terraform"]);

function load(): Expected[] {
  return readFileSync(join(SUITES, "expected.jsonl"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Expected)
    .filter((r) => FORMATS.has(r.format));
}

test("peer suites: our verdicts agree with the peers', or the difference is explained", async () => {
  assert.ok(existsSync(SUITES), `peer suites missing at ${SUITES} (CI lays ../shared beside the clone)`);
  const records = load();
  assert.ok(records.length > 250, `expected the peer fixtures, found ${records.length}`);
  const unexplained: string[] = [];
  const stale: string[] = [];
  let agree = 0;
  for (const r of records) {
    const report = await scan(join(SUITES, r.file), { policy: defaultPolicy() });
    const concerns = new Set(report.findings.map((f) => f.concern));
    const ours = EQUIVALENT[r.concern]!.some((c) => concerns.has(c)) ? "finding" : "clean";
    const diff = DIFFERENCES[r.file] ?? DIFFERENCES[`${r.tool}/${r.rule}`];
    if (ours === r.expect) {
      agree++;
      if (DIFFERENCES[r.file]) stale.push(`${r.file}: listed as a difference but we now agree (${r.expect})`);
    } else if (!diff || diff.ours !== ours) {
      unexplained.push(`${r.file} [${r.tool}/${r.rule}, ${r.concern}]: peer ${r.expect}, ours ${ours}; errors: ${report.errors.map((e) => e.message).join("; ") || "none"}`);
    }
  }
  console.log(`peer agreement: ${agree}/${records.length} fixtures agree outright`);
  assert.deepEqual(unexplained, [], "unexplained differences");
  assert.deepEqual(stale, [], "stale explanations");
});
