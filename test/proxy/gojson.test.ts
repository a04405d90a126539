import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { CREATE_BODY, decodeBody, foldKey, getBool, getStrings, getStruct, getStr, getMap, getList, isStruct, parseFirstValue, splitCreateBody, EXEC_BODY } from "../../src/proxy/gojson.js";

const body = (s: string) => Buffer.from(s, "utf8");
const create = (s: string) => splitCreateBody(decodeBody(CREATE_BODY as never, body(s)));

test("keys match case-insensitively, exact spelling first", () => {
  const r = create('{"image":"mini","hostconfig":{"privileged":true,"BINDS":["/:/h"]}}');
  assert.equal(getStr(r.config, "Image"), "mini");
  assert.equal(getBool(r.hostConfig, "Privileged"), true);
  assert.deepEqual(getStrings(r.hostConfig, "Binds"), ["/:/h"]);
  // canonical body: one spelling per field, what the daemon will read
  assert.equal(r.canonical, '{"Image":"mini","HostConfig":{"Privileged":true,"Binds":["/:/h"]}}');
});

test("Unicode simple folding: ſ (U+017F) is s, KELVIN SIGN (U+212A) is k", () => {
  assert.equal(foldKey("Privileged"), "privileged");
  assert.equal(foldKey("\u017fecurityOpt"), "securityopt");
  assert.equal(foldKey("Networ\u212aMode"), "networkmode");
  const r = create('{"HostConfig":{"\u017fecurityOpt":["seccomp=unconfined"],"Networ\u212aMode":"host","Privileged":false}}');
  assert.deepEqual(getStrings(r.hostConfig, "SecurityOpt"), ["seccomp=unconfined"]);
  assert.equal(getStr(r.hostConfig, "NetworkMode"), "host");
  // Other non-ASCII lookalikes do not fold to ASCII: Go ignores these keys
  const x = create('{"HostConfig":{"Pr\u0131vileged":true}}'); // dotless i
  assert.equal(getBool(x.hostConfig, "Privileged"), undefined);
});

test("the last duplicate wins, and repeated objects merge like Go decoding into the same struct", () => {
  const r = create('{"HostConfig":{"Binds":["/:/host"]},"hostconfig":{"Memory":1},"Image":"a","image":"b"}');
  assert.deepEqual(getStrings(r.hostConfig, "Binds"), ["/:/host"]); // kept across the merge
  assert.equal(getStr(r.config, "Image"), "b");
  const p = create('{"HostConfig":{"Privileged":true},"HostConfig":{"Privileged":false}}');
  assert.equal(getBool(p.hostConfig, "Privileged"), false);
  // null resets a pointer: what came before is gone
  const n = create('{"HostConfig":{"Privileged":true},"HostConfig":null,"HostConfig":{"CapAdd":"SYS_ADMIN"}}');
  assert.equal(getBool(n.hostConfig, "Privileged"), undefined);
  assert.deepEqual(getStrings(n.hostConfig, "CapAdd"), ["SYS_ADMIN"]); // StrSlice accepts a bare string
});

test("maps merge across duplicates; their keys are case-sensitive", () => {
  const r = create('{"Labels":{"a":"1"},"labels":{"A":"2"}}');
  assert.deepEqual(getMap(r.config, "Labels"), { a: "1", A: "2" });
});

test("slices of structs merge element-wise (Go decodes into existing elements)", () => {
  // Second Mounts array names only a Target: Go keeps Type/Source of element 0.
  const r = create('{"HostConfig":{"Mounts":[{"Type":"bind","Source":"/","Target":"/a"}],"Mounts":[{"Target":"/b"}]}}');
  const m = getList(r.hostConfig, "Mounts")[0];
  assert.ok(isStruct(m));
  assert.equal(getStr(m, "Type"), "bind");
  assert.equal(getStr(m, "Source"), "/");
  assert.equal(getStr(m, "Target"), "/b");
  // shrink then grow: stale elements depend on Go's capacity rules → refused
  assert.throws(() => create('{"HostConfig":{"Mounts":[{"Type":"bind","Source":"/"},{"Type":"bind","Source":"/etc"}],"Mounts":[{}],"Mounts":[{},{}]}}'), /ambiguous/);
  // string slices are plainly replaced
  const s = create('{"HostConfig":{"Binds":["/:/a","/etc:/b"],"Binds":["/tmp:/c"]}}');
  assert.deepEqual(getStrings(s.hostConfig, "Binds"), ["/tmp:/c"]);
});

test("top-level host-config fields are the host config when HostConfig is absent", () => {
  const r = create('{"Image":"mini","Privileged":true,"Binds":["/:/h"]}');
  assert.equal(getBool(r.hostConfig, "Privileged"), true);
  assert.equal(r.canonical, '{"Image":"mini","HostConfig":{"Privileged":true,"Binds":["/:/h"]}}');
  // … and ignored (except the legacy five) when it is present
  const q = create('{"Image":"mini","Privileged":true,"VolumeDriver":"x","HostConfig":{}}');
  assert.equal(getBool(q.hostConfig, "Privileged"), undefined);
  assert.equal(getStr(q.hostConfig, "VolumeDriver"), "x");
  assert.equal(q.canonical, '{"Image":"mini","HostConfig":{"VolumeDriver":"x"}}');
});

test("first JSON value used, trailing bytes ignored and not forwarded", () => {
  const r = create('{"Image":"mini"} {"HostConfig":{"Privileged":true}}');
  assert.equal(r.hostConfig, undefined);
  assert.equal(r.canonical, '{"Image":"mini"}');
  assert.equal(parseFirstValue(body('  [1] garbage')).end, 5);
});

test("escapes in keys are decoded before matching (no regex on raw bytes)", () => {
  const r = create('{"HostConfig":{"Privil\\u0065ged":true}}');
  assert.equal(getBool(r.hostConfig, "Privileged"), true);
});

test("type mismatches are refused (the daemon would refuse them too)", () => {
  assert.throws(() => create('{"HostConfig":{"Privileged":"true"}}'), /boolean/);
  assert.throws(() => create('{"HostConfig":{"Binds":"/:/h"}}'), /list/);
  assert.throws(() => create('[1]'), /object/);
  assert.throws(() => create(''), /empty/);
  assert.throws(() => create('{"a":'), /invalid JSON/);
});

test("opaque fields: kept verbatim, duplicates inside refused", () => {
  const r = create('{"Image":"m","Cmd":["sh","-c","echo \\"hi\\""],"Healthcheck":{"Test":["NONE"]}}');
  assert.equal(r.canonical, '{"Image":"m","Cmd":["sh","-c","echo \\"hi\\""],"Healthcheck":{"Test":["NONE"]}}');
  assert.throws(() => create('{"Healthcheck":{"Test":["NONE"],"test":["CMD"]}}'), /duplicate/);
  assert.throws(() => create('{"Cmd":["a"],"cmd":["b"]}'), /more than once/);
});

test("unknown keys are dropped like Go drops them", () => {
  assert.equal(create('{"Image":"m","NotAField":{"Privileged":true}}').canonical, '{"Image":"m"}');
});

test("invalid UTF-8 and lone surrogates become U+FFFD", () => {
  const raw = Buffer.concat([body('{"Image":"a'), Buffer.from([0xff]), body('b\\ud800"}')]);
  const r = splitCreateBody(decodeBody(CREATE_BODY as never, raw));
  assert.equal(getStr(r.config, "Image"), "a\ufffdb\ufffd");
});

test("exec body", () => {
  const e = decodeBody(EXEC_BODY as never, body('{"privileged":true,"USER":"0","Cmd":["sh"]}'));
  assert.equal(getBool(e, "Privileged"), true);
  assert.equal(getStr(e, "User"), "0");
});

const FIELDS = ["Privileged", "Image", "NetworkMode", "CapAdd"];
function variants(name: string) {
  return fc.array(fc.boolean(), { minLength: name.length, maxLength: name.length }).map((flags) =>
    [...name].map((c, i) => {
      if (!flags[i]) return c;
      if (c === "s" || c === "S") return "\u017f";
      if (c === "k" || c === "K") return "\u212a";
      return c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase();
    }).join(""),
  );
}

test("property: any case-folded spelling of a field decodes to that field, last one wins", () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.constantFrom(...FIELDS).chain((f) => fc.tuple(fc.constant(f), variants(f))), fc.boolean()), { minLength: 1, maxLength: 6 }),
      (entries) => {
        const parts = entries.map(([[f, spelled], v]) => {
          const val = f === "Privileged" ? String(v) : f === "CapAdd" ? (v ? '"SYS_ADMIN"' : '["NET_ADMIN"]') : v ? '"host"' : '"none"';
          return `${JSON.stringify(spelled)}:${val}`;
        });
        const hc = decodeBody(CREATE_BODY as never, body(`{"HostConfig":{${parts.join(",")}}}`));
        const h = getStruct(hc, "HostConfig");
        // expected: for each field, the value of its last occurrence
        for (const f of FIELDS) {
          const last = [...entries].reverse().find(([[g]]) => g === f);
          if (!last) continue;
          const v = last[1];
          if (f === "Privileged") assert.equal(getBool(h, f), v);
          else if (f === "CapAdd") assert.deepEqual(getStrings(h, f), v ? ["SYS_ADMIN"] : ["NET_ADMIN"]);
          else if (f === "NetworkMode") assert.equal(getStr(h, f), v ? "host" : "none");
        }
      },
    ),
    { numRuns: 500 },
  );
});

test("property: the canonical body decodes to the same thing (idempotent)", () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.constantFrom("Privileged", "privileged", "PRIVILEGED"), fc.boolean())), fc.array(fc.constantFrom("/:/a", "/etc:/b:ro", "vol:/c")), (ps, binds) => {
      const src = `{"Image":"m","HostConfig":{${[...ps.map(([k, v]) => `"${k}":${v}`), `"Binds":${JSON.stringify(binds)}`].join(",")}}}`;
      const once = create(src);
      const twice = create(once.canonical);
      assert.equal(twice.canonical, once.canonical);
    }),
    { numRuns: 300 },
  );
});
