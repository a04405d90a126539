import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { contextDirId, parseDockerHost, parseSshUrl, sshArgv, EndpointError, resolveEndpoint, type EndpointFlags, type Env } from "../../src/engine/index.js";

test("context directory id is the hex sha256 of the name (REFERENCE §1.3 test vector)", () => {
  assert.equal(contextDirId("test"), "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
});

/** A temp config dir with a config.json, contexts and TLS files as asked. */
function configDir(spec: { current?: string; contexts?: Record<string, { host?: string; skipTLS?: boolean; tls?: string[]; rawMeta?: unknown }>; certs?: string[] }): string {
  const dir = mkdtempSync(join(tmpdir(), "swd-cfg-"));
  if (spec.current !== undefined) writeFileSync(join(dir, "config.json"), JSON.stringify({ auths: {}, currentContext: spec.current }));
  for (const [name, c] of Object.entries(spec.contexts ?? {})) {
    const id = contextDirId(name);
    mkdirSync(join(dir, "contexts", "meta", id), { recursive: true });
    const meta = c.rawMeta ?? { Name: name, Metadata: {}, Endpoints: { docker: { Host: c.host, SkipTLSVerify: !!c.skipTLS } } };
    writeFileSync(join(dir, "contexts", "meta", id, "meta.json"), JSON.stringify(meta));
    if (c.tls) {
      mkdirSync(join(dir, "contexts", "tls", id, "docker"), { recursive: true });
      for (const f of c.tls) writeFileSync(join(dir, "contexts", "tls", id, "docker", f), "pem");
    }
  }
  for (const f of spec.certs ?? []) writeFileSync(join(dir, f), "pem");
  return dir;
}

interface Case {
  name: string;
  cfg: Parameters<typeof configDir>[0];
  flags?: EndpointFlags;
  env?: Env;
  /** Expected: url, context, tls (undefined = no TLS), or an error pattern. */
  want?: { url: string; context: string; tls?: { verify: boolean; files: string[] } };
  error?: RegExp;
}

const cases: Case[] = [
  { name: "nothing set: the built-in unix socket", cfg: {}, want: { url: "unix:///var/run/docker.sock", context: "default" } },
  { name: "currentContext names a stored context", cfg: { current: "colima", contexts: { colima: { host: "unix:///home/me/.colima/default/docker.sock" } } }, want: { url: "unix:///home/me/.colima/default/docker.sock", context: "colima" } },
  { name: "DOCKER_CONTEXT beats currentContext", cfg: { current: "colima", contexts: { colima: { host: "unix:///a.sock" }, prod: { host: "tcp://prod:2376" } } }, env: { DOCKER_CONTEXT: "prod" }, want: { url: "tcp://prod:2376", context: "prod" } },
  { name: "DOCKER_HOST beats DOCKER_CONTEXT and currentContext (silently)", cfg: { current: "colima", contexts: { colima: { host: "unix:///a.sock" } } }, env: { DOCKER_HOST: "tcp://10.0.0.1", DOCKER_CONTEXT: "colima" }, want: { url: "tcp://10.0.0.1:2375", context: "default" } },
  { name: "-H beats DOCKER_HOST", cfg: {}, flags: { host: "unix:///tmp/x.sock" }, env: { DOCKER_HOST: "tcp://h:1" }, want: { url: "unix:///tmp/x.sock", context: "default" } },
  { name: "--context beats DOCKER_HOST", cfg: { contexts: { test: { host: "ssh://ops@host1" } } }, flags: { context: "test" }, env: { DOCKER_HOST: "tcp://h:1" }, want: { url: "ssh://ops@host1", context: "test" } },
  { name: "--context with -H is an error", cfg: {}, flags: { context: "x1", host: "tcp://h" }, error: /conflicting options: cannot specify both --host and --context/ },
  { name: "two -H is an error", cfg: {}, flags: { host: ["tcp://a", "tcp://b"] }, error: /specify only one -H/ },
  { name: "a missing named context is an error naming it", cfg: { current: "gone" }, error: /context "gone" does not exist/ },
  { name: "a context without a docker endpoint is an error", cfg: { current: "k8s", contexts: { k8s: { rawMeta: { Name: "k8s", Endpoints: { kubernetes: {} } } } } }, error: /cannot find docker endpoint in context/ },
  { name: "meta.json keys are matched case-insensitively like Go's json", cfg: { current: "lc", contexts: { lc: { rawMeta: { name: "lc", endpoints: { docker: { host: "unix:///lc.sock" } } } } } }, want: { url: "unix:///lc.sock", context: "lc" } },
  { name: "`default` in currentContext is the default context", cfg: { current: "default" }, env: {}, want: { url: "unix:///var/run/docker.sock", context: "default" } },
  { name: "empty currentContext is the default context", cfg: { current: "" }, want: { url: "unix:///var/run/docker.sock", context: "default" } },
  { name: "DOCKER_TLS_VERIFY=0 still turns verification on; no host → tcp://localhost:2376", cfg: { certs: ["ca.pem", "cert.pem", "key.pem"] }, env: { DOCKER_TLS_VERIFY: "0" }, want: { url: "tcp://localhost:2376", context: "default", tls: { verify: true, files: ["ca.pem", "cert.pem", "key.pem"] } } },
  { name: "DOCKER_TLS is TLS without verification; missing cert files are dropped", cfg: { certs: ["ca.pem"] }, env: { DOCKER_HOST: "tcp://h:2376", DOCKER_TLS: "1" }, want: { url: "tcp://h:2376", context: "default", tls: { verify: false, files: ["ca.pem"] } } },
  { name: "TLS is ignored for a unix host", cfg: {}, env: { DOCKER_HOST: "unix:///run/docker.sock", DOCKER_TLS_VERIFY: "1" }, want: { url: "unix:///run/docker.sock", context: "default" } },
  { name: "a context with TLS files uses them and verifies", cfg: { current: "secure", contexts: { secure: { host: "tcp://s:2376", tls: ["ca.pem", "cert.pem", "key.pem"] } } }, want: { url: "tcp://s:2376", context: "secure", tls: { verify: true, files: ["ca.pem", "cert.pem", "key.pem"] } } },
  { name: "a context with SkipTLSVerify and no files: TLS without verification", cfg: { current: "skip", contexts: { skip: { host: "tcp://s:2376", skipTLS: true } } }, want: { url: "tcp://s:2376", context: "skip", tls: { verify: false, files: [] } } },
  { name: "a tcp context without TLS data is plain TCP even with DOCKER_TLS_VERIFY (env applies to default only)", cfg: { current: "plain", contexts: { plain: { host: "tcp://p:2375" } } }, env: { DOCKER_TLS_VERIFY: "1" }, want: { url: "tcp://p:2375", context: "plain" } },
  { name: "invalid context name", cfg: {}, flags: { context: "x" }, error: /invalid context name/ },
];

for (const c of cases) {
  test(`resolve: ${c.name}`, () => {
    const dir = configDir(c.cfg);
    try {
      const env: Env = { DOCKER_CONFIG: dir, ...(c.env ?? {}) };
      const run = () => resolveEndpoint({ flags: c.flags ?? {}, env, home: "/nonexistent-home" });
      if (c.error) {
        assert.throws(run, (e: unknown) => e instanceof EndpointError && c.error!.test((e as Error).message));
        return;
      }
      const ep = run();
      assert.equal(ep.url, c.want!.url);
      assert.equal(ep.context, c.want!.context);
      if (!c.want!.tls) assert.equal(ep.tls, undefined);
      else {
        assert.equal(ep.tls?.verify, c.want!.tls.verify);
        const files = [ep.tls?.ca, ep.tls?.cert, ep.tls?.key].filter(Boolean).map((p) => p!.slice(p!.lastIndexOf("/") + 1));
        assert.deepEqual(files, c.want!.tls.files);
        for (const p of [ep.tls?.ca, ep.tls?.cert, ep.tls?.key].filter(Boolean)) assert.ok(p!.startsWith(dir), `${p} is under the config dir`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test("DOCKER_CERT_PATH overrides where default-context certs are looked for", () => {
  const dir = configDir({});
  const certs = configDir({ certs: ["ca.pem", "cert.pem", "key.pem"] });
  try {
    const ep = resolveEndpoint({ env: { DOCKER_CONFIG: dir, DOCKER_HOST: "tcp://h:2376", DOCKER_TLS_VERIFY: "yes", DOCKER_CERT_PATH: certs }, home: "/x" });
    assert.equal(ep.tls?.ca, join(certs, "ca.pem"));
    assert.equal(ep.tls?.key, join(certs, "key.pem"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(certs, { recursive: true, force: true });
  }
});

test("config dir: --config beats DOCKER_CONFIG beats ~/.docker", () => {
  const a = configDir({ current: "aa", contexts: { aa: { host: "unix:///a.sock" } } });
  const b = configDir({ current: "bb", contexts: { bb: { host: "unix:///b.sock" } } });
  try {
    assert.equal(resolveEndpoint({ flags: { config: a }, env: { DOCKER_CONFIG: b }, home: "/x" }).url, "unix:///a.sock");
    assert.equal(resolveEndpoint({ env: { DOCKER_CONFIG: b }, home: "/x" }).url, "unix:///b.sock");
    // home/.docker: make `a` look like a home directory.
    const home = mkdtempSync(join(tmpdir(), "swd-home-"));
    mkdirSync(join(home, ".docker"));
    writeFileSync(join(home, ".docker", "config.json"), '{"currentContext":"zz"}');
    mkdirSync(join(home, ".docker", "contexts", "meta", contextDirId("zz")), { recursive: true });
    writeFileSync(join(home, ".docker", "contexts", "meta", contextDirId("zz"), "meta.json"), '{"Endpoints":{"docker":{"Host":"unix:///home.sock"}}}');
    assert.equal(resolveEndpoint({ env: {}, home }).url, "unix:///home.sock");
    rmSync(home, { recursive: true, force: true });
  } finally {
    rmSync(a, { recursive: true, force: true });
    rmSync(b, { recursive: true, force: true });
  }
});

test("a broken config.json is a clear error naming the file", () => {
  const dir = mkdtempSync(join(tmpdir(), "swd-cfg-"));
  writeFileSync(join(dir, "config.json"), "{not json");
  try {
    assert.throws(() => resolveEndpoint({ env: { DOCKER_CONFIG: dir }, home: "/x" }), /config\.json is not valid JSON/);
    // …but DOCKER_HOST decides before config.json is needed.
    assert.equal(resolveEndpoint({ env: { DOCKER_CONFIG: dir, DOCKER_HOST: "unix:///s" }, home: "/x" }).url, "unix:///s");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("host parsing (opts.ParseHost)", () => {
  const t: [string, string][] = [
    ["tcp://", "tcp://localhost:2375"],
    ["10.1.2.3", "tcp://10.1.2.3:2375"],
    ["tcp://h:2376/prefix", "tcp://h:2376/prefix"],
    ["tcp://[::1]:2375", "tcp://[::1]:2375"],
    ["unix://", "unix:///var/run/docker.sock"],
    ["npipe://", "npipe:////./pipe/docker_engine"],
  ];
  for (const [input, url] of t) assert.equal(parseDockerHost(input, false).url, url, input);
  assert.equal(parseDockerHost("tcp://h:2376/prefix", false).basePath, "/prefix");
  assert.throws(() => parseDockerHost("udp://h:1", false), /invalid bind address format/);
  assert.throws(() => parseDockerHost("tcp://h:notaport", false), /invalid bind address format/);
});

test("ssh URLs and the argv given to the system ssh (like the CLI)", () => {
  assert.deepEqual(sshArgv(parseSshUrl("ssh://ops@host1")), ["-l", "ops", "-o", "ConnectTimeout=30", "-T", "--", "host1", "docker", "system", "dial-stdio"]);
  assert.deepEqual(sshArgv(parseSshUrl("ssh://host2:2222/run/user/1000/docker.sock")), ["-p", "2222", "-o", "ConnectTimeout=30", "-T", "--", "host2", "docker", "--host=unix:///run/user/1000/docker.sock", "system", "dial-stdio"]);
  // A caller's own ConnectTimeout and -T are not duplicated.
  assert.deepEqual(sshArgv(parseSshUrl("ssh://h3"), ["-o", "ConnectTimeout=5", "-T"]), ["-o", "ConnectTimeout=5", "-T", "--", "h3", "docker", "system", "dial-stdio"]);
  assert.throws(() => parseSshUrl("ssh://u:secret@h"), /password/);
  assert.throws(() => parseSshUrl("ssh://h?x=1"), /query/);
  assert.throws(() => parseSshUrl("ssh://h#frag"), /fragment/);
  // A host or user that looks like an option is refused (it would follow `--` anyway).
  assert.throws(() => parseSshUrl("ssh://-oProxyCommand=x"), /cannot start with "-"/);
  assert.throws(() => parseSshUrl("ssh://-lroot@h"), /cannot start with "-"/);
});
