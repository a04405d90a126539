/**
 * The HTML report and the Markdown one on hand-made reports: escaping of attacker-controlled
 * strings, self-containment, the access paths read from the rules' messages, and readability at
 * 300 containers. Messages below follow the rules' own templates (src/rules/socket-mount.ts,
 * src/rules/audit/*.ts); the expected labels are the path each message describes.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import type { Finding } from "../../src/model/finding.js";
import type { HostSummary, Report } from "../../src/model/report.js";
import type { Severity } from "../../src/model/severity.js";
import { renderHtml, accessPath, buildHostGraph } from "../../src/report/html/index.js";
import { renderMarkdown, mdEscape } from "../../src/report/markdown.js";

const XSS = "<img src=x onerror=alert(1)>";

function f(over: Partial<Finding> & { rule: string; object: string; message: string }): Finding {
  const name = over.object.replace(/^container:/, "");
  return {
    concern: "socket-mount",
    severity: "critical",
    title: "Container runtime socket mounted into a container",
    location: over.object.startsWith("container:") ? { container: { id: "0123456789ab", name, state: "running" } } : {},
    suppressed: false,
    meaning: "MEANING",
    decision: "DECISION",
    action: "deny",
    fingerprint: `fp-${over.rule}-${over.object}`,
    docs: "",
    ...over,
  } as Finding;
}

const zero = (): Record<Severity, number> => ({ info: 0, low: 0, medium: 0, high: 0, critical: 0 });

function report(findings: Finding[], hosts?: HostSummary[]): Report {
  const r: Report = { version: 1, tool: { name: "sockwarden", version: "0.0.0" }, kind: "audit", target: "h1", findings, errors: [], summary: { bySeverity: zero(), byConcern: {}, total: findings.length, suppressed: 0, errors: 0 } };
  if (hosts) r.hosts = hosts;
  return r;
}

test("access paths read from the rules' messages", () => {
  const cases: [Finding, string, string[]][] = [
    [f({ rule: "runtime-socket-mount", object: "container:a", message: "Mounts the docker socket /var/run/docker.sock at /var/run/docker.sock. It runs as root (…)." }), "bind of the socket", ["/var/run/docker.sock"]],
    [f({ rule: "runtime-socket-mount", object: "container:b", message: "Mounts /var/run at /host/run; that directory holds the runtime socket /var/run/docker.sock. It runs as root." }), "parent directory /var/run", ["/var/run/docker.sock"]],
    [f({ rule: "runtime-socket-mount", object: "container:c", message: "Mounts the docker socket /run/docker.sock at /s (via VolumesFrom holder). The container's user can open it." }), "volumes-from of holder", ["/run/docker.sock"]],
    [f({ rule: "resolved-socket-mount", object: "container:d", message: "Mounts /srv/x, a directory that holds the runtime sockets /srv/x/docker.sock (docker), /srv/x/c/containerd.sock (containerd), /srv/x/c/containerd.sock.ttrpc (containerd) at /v (via named volume `sockvol` (driver options device=/srv/x,o=bind,type=none)). The container's user can open it." }), "named volume sockvol", ["/srv/x/docker.sock", "/srv/x/c/containerd.sock"]],
    [f({ rule: "daemon-tcp-client", concern: "daemon-tcp", object: "container:e", message: "DOCKER_HOST=tcp://127.0.0.1:2375 points the Docker client at a daemon over plain TCP without TLS verification. With the host network, the host's loopback daemon is reachable from this container: it controls the host." }), "shared network namespace with loopback listener", []],
    [f({ rule: "host-socket-access", concern: "socket-access", severity: "high", object: "host", message: "The docker socket /run/docker.sock (root:docker 0660) can be opened by alice, ci-runner: each of them is root on this host in effect." }), "docker group membership", ["/run/docker.sock"]],
    [f({ rule: "docker-api-listener", concern: "daemon-tcp", severity: "high", object: "host", message: "socat (pid 42) listens on 127.0.0.1:2375 and answers the Docker API without TLS: loopback only, but every local user and host-network container is root through it." }), "TCP without TLS", []],
    // A host path with spaces and markup: the path runs up to " at /".
    [f({ rule: "runtime-socket-mount", severity: "low", object: "container:g", message: "Mounts the docker socket /tmp/a b/<x y>/docker.sock at /var/run/docker.sock. The path does not exist on the host right now." }), "bind of the socket", ["/tmp/a b/<x y>/docker.sock"]],
  ];
  for (const [fi, label, sockets] of cases) {
    const p = accessPath(fi);
    assert.equal(p?.label, label, fi.message);
    assert.deepEqual(p!.sockets.map((s) => s.path), sockets, fi.message);
  }
  assert.deepEqual(accessPath(cases[5]![0])?.who, ["alice", "ci-runner"]);
  assert.deepEqual(accessPath(cases[6]![0])?.who, ["127.0.0.1:2375"]);
  // Not a path of access: an image finding.
  assert.equal(accessPath(f({ rule: "live-image", concern: "image", object: "container:a", message: "Runs image x:1: never pulled." })), undefined);
});

test("attacker-controlled strings never become markup or script", () => {
  const evil = f({
    rule: "runtime-socket-mount",
    object: `container:${XSS}`,
    message: `Mounts the docker socket /tmp/${XSS}/docker.sock at /x. </script><script>alert(2)</script> \u2028`,
    title: `"'><svg onload=alert(3)>`,
  });
  const r = report([evil], [{ host: `h"><script>alert(4)</script>`, bySeverity: zero(), findings: 1, suppressed: 0, containers: 1, inventory: [{ name: XSS, image: "i<b>", state: "running" }] }]);
  evil.host = r.hosts![0]!.host;
  const html = renderHtml(r);
  for (const bad of ["<img", "<script>alert", "<svg onload", "onerror=alert(1)>", "</script><script>"]) assert.ok(!html.includes(bad), `found ${bad}`);
  assert.ok(html.includes("&#60;img src=x onerror=alert(1)&#62;"), "the name is shown, escaped");
  // The data for the script gives the exact strings back.
  const m = /<script type="application\/json" id="sw-data">([\s\S]*?)<\/script>/.exec(html)!;
  const data = JSON.parse(m[1]!);
  assert.equal(data.findings[0].object, `container:${XSS}`);
  assert.equal(data.findings[0].message, evil.message);
  // Exactly two script elements: the data and the code; no element came from the report.
  assert.equal(html.match(/<script/g)!.length, 2);
});

test("self-contained: no external resource, CSP forbids fetches and allows only its own script", () => {
  const html = renderHtml(report([f({ rule: "runtime-socket-mount", object: "container:a", message: "Mounts the docker socket /var/run/docker.sock at /s." })]));
  assert.ok(!/<link\b/i.test(html) && !/@import|url\(|@font-face/i.test(html), "no stylesheet, import, font or url()");
  assert.ok(!/\ssrc=/i.test(html), "no src attribute");
  assert.ok(!/href="(?!#)/.test(html), "only in-page links");
  const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)![1]!.replace(/&#39;/g, "'");
  assert.match(csp, /default-src 'none'/);
  const script = /<script>([\s\S]*?)<\/script>/.exec(html)![1]!;
  const hash = createHash("sha256").update(script).digest("base64");
  assert.ok(csp.includes(`script-src 'sha256-${hash}'`), "the CSP hash is the inline script's");
});

test("300 containers on one host: clean ones are one node, the others collapse by image and path", () => {
  const inventory: { name: string; image: string; state: string }[] = [];
  const findings: Finding[] = [];
  for (let i = 1; i <= 200; i++) inventory.push({ name: `web-${i}`, image: "nginx:1.27", state: "running" });
  for (let i = 1; i <= 60; i++) {
    inventory.push({ name: `agent-${i}`, image: "agent:3", state: "running" });
    findings.push(f({ rule: "runtime-socket-mount", object: `container:agent-${i}`, message: "Mounts the docker socket /var/run/docker.sock at /var/run/docker.sock. It runs as root." }));
  }
  for (let i = 1; i <= 40; i++) {
    inventory.push({ name: `job-${i}`, image: "job:7", state: "exited" });
    findings.push(f({ rule: "runtime-socket-mount", object: `container:job-${i}`, severity: "high", location: { container: { id: "x", name: `job-${i}`, state: "exited" } }, message: "Mounts the docker socket /var/run/docker.sock at /s. The container is exited." }));
  }
  const r = report(findings, [{ host: "h1", bySeverity: { ...zero(), critical: 60, high: 40 }, findings: 100, suppressed: 0, containers: 300, inventory }]);
  for (const x of findings) x.host = "h1";
  const g = buildHostGraph(r, "h1");
  // daemon, the socket, agent:3 ×60, job:7 ×40 (dormant), 200 without findings.
  assert.deepEqual(g.nodes.map((n) => `${n.kind}:${n.label}${n.dormant ? ":dormant" : ""}`).sort(), ["clean:200 without findings", "daemon:daemon", "group:agent:3 ×60", "group:job:7 ×40:dormant", "socket:docker.sock"]);
  const agentEdge = g.edges.find((e) => e.from.startsWith("group:") && e.severity === "critical")!;
  assert.equal(agentEdge.count, 60);
  assert.equal(agentEdge.label, "bind of the socket");
  assert.equal(g.collapsed, 100);
  const html = renderHtml(r);
  assert.ok(html.includes("agent:3 ×60") && html.includes("200 without findings"));
  // Every finding is still in the table.
  assert.equal(html.match(/<tr data-host=/g)!.length, 100);
});

test("many distinct images still stay under the node cap", () => {
  const findings: Finding[] = [];
  for (let i = 0; i < 150; i++) findings.push(f({ rule: "live-image", concern: "image", severity: i < 5 ? "high" : "medium", object: `container:c${i}`, message: `Runs image img${i}:latest: never pulled.` }));
  const g = buildHostGraph(report(findings), "h1");
  const outer = g.nodes.filter((n) => n.kind !== "daemon" && n.kind !== "socket");
  // 150 images: each its own group after collapsing, so the hard cap (80) folds the least severe rest into one node.
  assert.equal(outer.length, 80);
  const rest = outer.find((n) => (n.members?.length ?? 0) > 1)!;
  assert.equal(rest.members!.length, 150 - 79);
});

test("markdown: the same tables, escaped for pipes, markup and line breaks", () => {
  const evil = f({ rule: "runtime-socket-mount", object: `container:a|b`, message: `Mounts the docker socket /var/run/docker.sock at /s.\n${XSS} | *bold*` , host: "h1"});
  const r = report([evil], [
    { host: "h1", bySeverity: { ...zero(), critical: 1 }, findings: 1, suppressed: 0, containers: 3, inventory: [{ name: "a|b", image: "x", state: "running" }, { name: "c", image: "y", state: "running" }, { name: "d", image: "y", state: "exited" }] },
    { host: "h2", bySeverity: zero(), findings: 0, suppressed: 0, containers: 0, error: { kind: "daemon-down", message: "connection refused" } },
  ]);
  const md = renderMarkdown(r);
  assert.ok(!md.includes("<img"), "no raw HTML");
  assert.ok(md.includes("&lt;img src=x onerror=alert(1)&gt; \\| \\*bold\\*"));
  assert.ok(md.includes("container:a\\|b"));
  assert.match(md, /\| h1 \| 1 \| 0 \| 0 \| 0 \| 0 \| 3 \| audited \|/);
  assert.match(md, /\| h2 \| 0 \| 0 \| 0 \| 0 \| 0 \| 0 \| \*\*daemon-down\*\*: connection refused \|/);
  assert.match(md, /\| a\\\|b \| bind of the socket \| docker socket \/var\/run\/docker\.sock \| critical \| 1 \|/);
  assert.match(md, /2 containers with no finding\./);
  // The unaudited host gets its reason, not a "no path found" that nobody checked.
  assert.ok(!/## h2[\s\S]*No path of access/.test(md));
  // Every table row has the same number of unescaped pipes as its header.
  for (const block of md.split("\n\n").filter((b) => b.startsWith("| "))) {
    const counts = block.split("\n").filter((l) => l !== "").map((l) => l.replace(/\\\|/g, "").split("|").length);
    assert.ok(counts.every((c) => c === counts[0]), block);
  }
  assert.equal(mdEscape("a\r\nb"), "a b");
});
