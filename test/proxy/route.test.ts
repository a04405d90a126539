import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { parseTarget, matchRoute, buildTarget, encodePath, queryBool, parseQuery, resolveTarget } from "../../src/proxy/route.js";

function route(method: string, target: string) {
  const t = parseTarget(target);
  return { t, m: matchRoute(method, t.path) };
}

test("version prefixes: /v1.41, /v1.41.0 and none all reach the same route", () => {
  for (const target of ["/containers/create", "/v1.41/containers/create", "/v1.41.0/containers/create", "/v1.24/containers/create"]) {
    assert.equal(route("POST", target).m?.def.cls, "create", target);
  }
  assert.equal(parseTarget("/v1.41.0/containers/json").version, "1.41");
  assert.equal(parseTarget("/containers/json").version, undefined);
});

test("malformed versions are refused, never matched as a bare route", () => {
  for (const v of ["/v1..4/containers/json", "/v1./containers/json", "/v.1/containers/json", "/v1/containers/json"]) {
    assert.throws(() => parseTarget(v), /version/, v);
  }
});

test("percent-encoded letters are decoded before matching (Tecnativa #1)", () => {
  assert.equal(route("POST", "/containers/%63reate").m?.def.cls, "create");
  assert.equal(route("POST", "/v%31.41/containers/create").m?.def.cls, "create");
  assert.equal(parseTarget("/v%31.24/containers/json").version, "1.24");
});

test("non-canonical paths are refused instead of redirected", () => {
  for (const p of ["//containers/create", "/containers//create", "/containers/./create", "/x/../containers/create", "/containers/%2e%2e/create", "/containers/%2F/create", "/containers/create/."]) {
    assert.throws(() => parseTarget(p), /non-canonical/, p);
  }
  assert.throws(() => parseTarget("/containers/%zz"), /percent/);
  assert.throws(() => parseTarget("/containers/%00/json"), /control/);
});

test("names with slashes match from the right", () => {
  const r = route("GET", "/images/registry.example.com/team/app/json");
  assert.equal(r.m?.def.template, "/images/{name:.*}/json");
  assert.equal(r.m?.params.name, "registry.example.com/team/app");
  const tag = route("POST", "/images/a/json/tag");
  assert.equal(tag.m?.params.name, "a/json"); // the last segment decides the route
  const exec = route("POST", "/containers/web/exec");
  assert.equal(exec.m?.def.cls, "exec-create");
  assert.equal(exec.m?.params.name, "web");
});

test("GET routes that are not read-only are classed so they get judged", () => {
  assert.equal(route("GET", "/containers/x/archive?path=/etc").m?.def.cls, "read-container");
  assert.equal(route("HEAD", "/containers/x/archive?path=/etc").m?.def.cls, "read-container");
  assert.equal(route("GET", "/containers/x/export").m?.def.cls, "read-container");
  assert.equal(route("GET", "/containers/x/top?ps_args=aux").m?.def.cls, "read-container");
  assert.equal(route("GET", "/containers/x/attach/ws?stdin=1").m?.def.cls, "attach");
  assert.equal(route("POST", "/grpc").m?.def.cls, "untrusted");
  assert.equal(route("POST", "/session").m?.def.cls, "untrusted");
  assert.equal(route("POST", "/plugins/pull").m?.def.cls, "untrusted");
});

test("unknown routes and wrong methods do not match", () => {
  assert.equal(route("GET", "/containers/create").m, undefined);
  assert.equal(route("POST", "/containers/json").m, undefined);
  assert.equal(route("GET", "/v1.41/v1.40/containers/json").m, undefined);
  assert.equal(route("PATCH", "/containers/x").m, undefined);
});

test("a path two different routes would take is refused", () => {
  // DELETE /containers/{name:.*} and DELETE /containers/{name}/checkpoints/{checkpoint}
  assert.throws(() => matchRoute("DELETE", "/containers/x/checkpoints/c1"), /ambiguous/);
});

test("queries: first value wins, Go's BoolValue, semicolons refused", () => {
  const q = parseQuery("stdin=1&stdin=0&stream=%31&x=a+b");
  assert.equal(queryBool(q, "stdin"), true); // r.FormValue returns the first
  assert.equal(queryBool(q, "stream"), true);
  assert.equal(queryBool(parseQuery("stdin=no"), "stdin"), false);
  assert.equal(queryBool(parseQuery("stdin=None"), "stdin"), false);
  assert.equal(queryBool(parseQuery("stdin=%20true%20"), "stdin"), true);
  assert.equal(queryBool(parseQuery("Stdin=1"), "stdin"), false); // keys are case-sensitive
  assert.deepEqual(q[3], ["x", "a b"]);
  assert.throws(() => parseQuery("a=1;stdin=1"), /semicolon/);
});

test("the target sent upstream is rebuilt and reads back the same", () => {
  const t = parseTarget("/v1.41/containers/%63reate?name=a%20b&platform=linux%2Famd64");
  const out = buildTarget(t);
  assert.equal(out, "/v1.41/containers/create?name=a%20b&platform=linux%2Famd64");
});

test("property: rebuilding a parsed target is idempotent and routes the same", () => {
  const seg = fc.stringMatching(/^[a-zA-Z0-9._~%:@+-]{1,8}$/);
  fc.assert(
    fc.property(fc.array(seg, { minLength: 1, maxLength: 4 }), fc.array(fc.tuple(seg, seg), { maxLength: 3 }), (segs, qs) => {
      const target = "/" + segs.join("/") + (qs.length ? "?" + qs.map(([k, v]) => `${k}=${v}`).join("&") : "");
      let t;
      try {
        t = parseTarget(target);
      } catch {
        return; // refused: fine
      }
      const again = parseTarget(buildTarget(t));
      assert.deepEqual(again, t);
    }),
    { numRuns: 500 },
  );
});

test("property: the plain-path shortcut of buildTarget gives exactly the general encoding", () => {
  // Any path the shortcut takes must come out byte for byte as encodePath would write it; paths
  // with other characters (spaces, %, non-ASCII, NUL …) take encodePath itself.
  const ch = fc.constantFrom(..."aZ09-_.!~*'()/:@ %#?+&=\u00e9\u0000".split(""));
  fc.assert(
    fc.property(fc.array(ch, { maxLength: 24 }), (cs) => {
      const path = "/" + cs.join("");
      assert.equal(buildTarget({ path, query: [] }), encodePath(path));
    }),
    { numRuns: 2000 },
  );
  assert.equal(buildTarget({ path: "/containers/a b/json", query: [] }), "/containers/a%20b/json");
  assert.equal(buildTarget({ path: "/images/reg:5000/x@sha256:ab/json", query: [] }), "/images/reg:5000/x@sha256:ab/json");
});

test("resolveTarget (remembered per method and target) answers as parseTarget + matchRoute + buildTarget", () => {
  const targets = ["/_ping", "/v1.41/containers/json?all=1&filters=%7B%7D", "/containers/%63reate?name=x", "/containers/a/b/json", "/nope", "/v1.41.0/info", "/containers/json?all=1"];
  for (const method of ["GET", "POST", "HEAD"]) {
    for (const raw of targets) {
      for (let round = 0; round < 2; round++) {
        // Second round: from the memo, still equal to a fresh reading.
        const r = resolveTarget(method, raw);
        const t = parseTarget(raw);
        assert.deepEqual(r.target, t, raw);
        assert.deepEqual(r.match, matchRoute(method, t.path), raw);
        assert.equal(r.upstream, buildTarget(t), raw);
        assert.ok(Object.isFrozen(r) && Object.isFrozen(r.target) && Object.isFrozen(r.target.query), "a remembered answer is shared, so it cannot be changed");
      }
    }
  }
  assert.equal(resolveTarget("GET", "/_ping"), resolveTarget("GET", "/_ping"), "the same target is read once");
  // Refusals are thrown every time, never remembered as an answer.
  for (let i = 0; i < 2; i++) {
    assert.throws(() => resolveTarget("GET", "/containers//json"), /non-canonical/);
    assert.throws(() => resolveTarget("GET", "/v1..4/_ping"), /version/);
  }
});
