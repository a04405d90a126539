import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { extractFixture, extractText, service, at, FIXTURES } from "./helpers.js";
import { composeSource } from "../../../src/sources/compose/index.js";
import { makeSourceContext } from "../../../src/scan/context.js";

test("anchors and merge keys: merged values keep the anchor's position, once per merging service (fixtures/compose/anchors)", () => {
  const r = extractFixture("anchors/docker-compose.yml");
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.workloads.map((w) => [w.source.object, at(w.source.at)]), [
    ["service a", "13:3"],
    ["service b", "16:3"],
    ["service c", "20:3"],
    ["service d", "25:3"],
  ]);
  for (const name of ["a", "b"]) {
    const w = service(r.workloads, name);
    assert.deepEqual(w.privileged, { value: true, at: { line: 9, column: 15 } }, name);
    assert.deepEqual(w.mounts.map((m) => [m.hostPath, at(m.at)]), [["/var/run/docker.sock", "11:7"]], name);
  }
  assert.deepEqual(service(r.workloads, "b").capAdd, [{ value: "SYS_ADMIN", at: { line: 19, column: 15 } }]);
  const c = service(r.workloads, "c");
  assert.deepEqual(c.privileged, { value: false, at: { line: 22, column: 17 } });
  assert.deepEqual(c.mounts.map((m) => [m.hostPath, at(m.at)]), [["/srv/c", "24:9"]]);
  const d = service(r.workloads, "d");
  assert.equal(d.privileged, undefined);
  assert.deepEqual(d.mounts.map((m) => [m.hostPath, at(m.at)]), [["/var/run/docker.sock", "11:7"]]);
});

test("a compose file with 300 services each merging `<<: *defaults` parses, each service gets the anchor's values", () => {
  const lines = ["x-defaults: &defaults", "  image: app:1", "  restart: always", "  volumes:", "    - /var/run/docker.sock:/var/run/docker.sock", "  environment:", "    LOG: info", "services:"];
  for (let i = 0; i < 300; i++) lines.push(`  s${i}:`, "    <<: *defaults", `    hostname: s${i}`);
  const r = extractText(lines.join("\n") + "\n");
  assert.deepEqual(r.errors, []);
  assert.equal(r.workloads.length, 300);
  for (const w of r.workloads) {
    assert.equal(w.image?.value, "app:1");
    // The anchor's volume item is line 5, column 7, for every service.
    assert.deepEqual(w.mounts.map((m) => [m.hostPath, at(m.at)]), [["/var/run/docker.sock", "5:7"]]);
  }
  assert.equal(at(r.workloads[299]!.source.at), `${9 + 299 * 3}:3`);
});

test("extends within the file and across files; the extending service wins; paths relative to the base file (fixtures/compose/extends)", () => {
  const r = extractFixture("extends/compose.yml");
  assert.equal(r.errors.length, 1);
  assert.equal(r.errors[0]!.file, "extends/compose.yml");
  assert.equal(r.errors[0]!.line, 36);
  assert.match(r.errors[0]!.message, /`nope`/);
  const BASE = "extends/common/base.yml";

  const web = service(r.workloads, "web");
  assert.equal(at(web.source.at), "20:3");
  assert.equal(web.image?.value, "web:1");
  assert.deepEqual(web.namespaces.pid, { value: { mode: "host", raw: "host" }, at: { line: 17, column: 10 } });
  assert.deepEqual(web.mounts.map((m) => [m.hostPath, m.readOnly, at(m.at)]), [["/proc", true, "19:9"]]);

  const mon = service(r.workloads, "mon");
  assert.equal(at(mon.source.at), "23:3");
  assert.equal(mon.source.file, "extends/compose.yml");
  assert.equal(mon.image?.value, "monitor:1");
  assert.deepEqual(mon.privileged, { value: true, at: { line: 7, column: 17, file: BASE } });
  assert.deepEqual(mon.mounts.map((m) => [m.hostPath, m.readOnly, at(m.at)]), [
    ["/var/run/docker.sock", true, `${BASE}:9:9`],
    ["extends/common/certs", false, `${BASE}:10:9`],
  ]);
  assert.deepEqual(mon.env, [{ value: { name: "DOCKER_HOST", value: "tcp://local:2376" }, at: { line: 28, column: 20 } }]);

  const replaced = service(r.workloads, "replaced");
  assert.equal(at(replaced.source.at), "29:3");
  assert.deepEqual(replaced.mounts.map((m) => [m.hostPath, at(m.at)]), [
    ["extends/common/certs", `${BASE}:10:9`],
    ["/srv/sock", "32:9"],
  ]);

  const chain = service(r.workloads, "chain");
  assert.equal(at(chain.source.at), "33:3");
  assert.deepEqual(chain.privileged, { value: true, at: { line: 7, column: 17, file: BASE } });
  assert.deepEqual(chain.capAdd, [{ value: "NET_ADMIN", at: { line: 15, column: 15, file: BASE } }]);

  const missing = service(r.workloads, "missing");
  assert.equal(at(missing.source.at), "35:3");
  assert.equal(missing.image?.value, "missing:1");
  assert.equal(r.workloads.length, 6);
});

test("an extends cycle is one error, and both services are still extracted (fixtures/compose/extends-cycle)", () => {
  const r = extractFixture("extends-cycle/compose.yml");
  assert.equal(r.errors.length, 1);
  assert.equal(r.errors[0]!.line, 11);
  assert.match(r.errors[0]!.message, /cycle/);
  const a = service(r.workloads, "a");
  assert.equal(a.image?.value, "a:1");
  assert.deepEqual(a.mounts.map((m) => [m.hostPath, at(m.at)]), [["/var/run/docker.sock", "9:9"]]);
  const b = service(r.workloads, "b");
  assert.equal(b.image?.value, "b:1");
  assert.deepEqual(b.mounts.map((m) => [m.hostPath, at(m.at)]), [["/var/run/docker.sock", "9:9"]]);
});

test("extends across files: a missing file is an error, and a file cycle is caught", () => {
  const r = extractText("services:\n  a:\n    extends: { file: gone.yml, service: x }\n    image: a\n");
  assert.equal(r.workloads.length, 1);
  assert.deepEqual(r.errors.map((e) => [e.line, /gone\.yml/.test(e.message)]), [[3, true]]);
  const files = {
    "one.yml": "services:\n  x:\n    extends: { file: two.yml, service: y }\n",
    "two.yml": "services:\n  y:\n    extends: { file: one.yml, service: x }\n    privileged: true\n",
  };
  const r2 = extractText("services:\n  a:\n    extends: { file: one.yml, service: x }\n", "docker-compose.yml", files);
  assert.equal(r2.workloads.length, 1);
  assert.equal(r2.errors.length, 1);
  assert.match(r2.errors[0]!.message, /cycle/);
  // Everything up to the cycle is merged: y's privileged reaches `a`, located in two.yml.
  assert.deepEqual(r2.workloads[0]!.privileged, { value: true, at: { line: 4, column: 17, file: "two.yml" } });
});

test("include: followed only for files the scan does not report itself; own .env; errors for missing files and cycles (fixtures/compose/include)", () => {
  const r = extractFixture("include/compose.yml", ["include/shared/compose.db.yml"]);
  assert.deepEqual(r.workloads.map((w) => [w.source.object, w.source.file, at(w.source.at)]), [
    ["service app", "include/compose.yml", "13:3"],
    ["service agent", "include/infra/agent.yaml", "5:3"],
  ]);
  const agent = service(r.workloads, "agent");
  assert.deepEqual(agent.mounts.map((m) => [m.hostPath, m.uncertain, at(m.at)]), [["/run/docker.sock", undefined, "8:9"]]);
  assert.deepEqual(
    r.errors.map((e) => [e.file, e.line]),
    [
      ["include/infra/agent.yaml", 10],
      ["include/compose.yml", 11],
    ],
  );
  assert.match(r.errors[0]!.message, /cycle/);
  assert.match(r.errors[1]!.message, /missing\.yml/);
});

test("include: when the scan does not report the shared file either, it is extracted under its own path", () => {
  const r = extractFixture("include/compose.yml");
  const db = service(r.workloads, "db");
  assert.equal(db.source.file, "include/shared/compose.db.yml");
  assert.deepEqual(db.privileged, { value: true, at: { line: 5, column: 17 } });
});

test("volumes_from: the source service's mounts at the volumes_from item, transitively; container refs are uncertain (fixtures/compose/volumes-from)", () => {
  const r = extractFixture("volumes-from/docker-compose.yml");
  assert.deepEqual(r.errors, []);
  const mid = service(r.workloads, "mid");
  assert.equal(at(mid.source.at), "14:3");
  assert.deepEqual(mid.mounts.map((m) => [m.hostPath, m.readOnly, m.via, at(m.at)]), [
    ["/srv/mid", false, undefined, "19:9"],
    ["/var/run/docker.sock", false, "volumes_from sock", "17:9"],
  ]);
  const reader = service(r.workloads, "reader");
  assert.equal(at(reader.source.at), "20:3");
  assert.deepEqual(reader.mounts.map((m) => [m.type, m.hostPath, m.readOnly, m.via, at(m.at)]), [
    ["bind", "/srv/mid", true, "volumes_from mid", "22:9"],
    ["bind", "/var/run/docker.sock", true, "volumes_from mid, volumes_from sock", "22:9"],
    ["unknown", undefined, false, "volumes_from container:legacy", "23:9"],
    ["unknown", undefined, false, "volumes_from ghost", "24:9"],
  ]);
  assert.match(reader.mounts[2]!.uncertain ?? "", /outside this file/);
  assert.match(reader.mounts[3]!.uncertain ?? "", /no such service/);
});

test("profiles hide nothing: a service behind a profile is extracted", () => {
  const r = extractText("services:\n  debug:\n    profiles: [debug]\n    privileged: true\n");
  assert.equal(r.workloads.length, 1);
  assert.deepEqual(r.workloads[0]!.privileged, { value: true, at: { line: 4, column: 17 } });
});

test("include with the scan's own SourceContext: files the scan reports itself are skipped, others followed", () => {
  const ctx = makeSourceContext(FIXTURES, 5 * 1024 * 1024, new Map());
  const text = readFileSync(join(FIXTURES, "include/compose.yml"), "utf8");
  const r = composeSource.extract({ path: "include/compose.yml", text }, ctx);
  // agent.yaml and compose.db.yml are in the tree and detected (by content, by name): skipped.
  assert.deepEqual(r.workloads.map((w) => w.source.object), ["service app"]);
  assert.deepEqual(r.errors.map((e) => [e.file, e.line]), [["include/compose.yml", 11]]);
  // A file whose name the scan does not take for Compose is followed and reported under its path.
  const files: Record<string, string> = { "svc.yml.tmpl": "services:\n  hidden:\n    privileged: true\n" };
  const r2 = composeSource.extract(
    { path: "compose.yml", text: "include:\n  - svc.yml.tmpl\nservices:\n  app:\n    image: a\n" },
    { readFile: (p) => files[p], exists: (p) => p in files },
  );
  assert.deepEqual(r2.workloads.map((w) => [w.source.object, w.source.file]), [["service app", "compose.yml"], ["service hidden", "svc.yml.tmpl"]]);
  assert.deepEqual(r2.workloads[1]!.privileged, { value: true, at: { line: 3, column: 17 } });
});
