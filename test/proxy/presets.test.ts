import { test } from "node:test";
import assert from "node:assert/strict";
import { endpointPolicy, presetKeys, keyOf, PRESET_NAMES } from "../../src/proxy/presets.js";
import { ROUTES } from "../../src/proxy/route.js";
import { PROXY_PRESETS } from "../../src/policy/load.js";

test("every preset the policy file accepts exists here, and the other way round", () => {
  assert.deepEqual([...PRESET_NAMES].sort(), [...PROXY_PRESETS].sort());
});

test("every preset allows the handshake (HEAD/GET /_ping, GET /version)", () => {
  for (const p of PRESET_NAMES) {
    const k = presetKeys(p);
    for (const e of ["HEAD /_ping", "GET /_ping", "GET /version"]) assert.ok(k.has(keyOf(e)), `${p} lacks ${e}`);
  }
});

test("every endpoint a preset names is a real route (no typo silently allows nothing)", () => {
  const known = new Set(ROUTES.map((d) => keyOf(`${d.method} ${d.template}`)));
  for (const p of PRESET_NAMES) for (const k of presetKeys(p)) assert.ok(known.has(k), `${p}: ${k}`);
});

test("guarded denies what the rules cannot judge", () => {
  const g = presetKeys("guarded");
  for (const e of ["POST /plugins/pull", "POST /plugins/{name}/enable", "POST /services/create", "POST /swarm/join", "POST /grpc", "POST /session", "GET /swarm/unlockkey", "POST /secrets/create"]) {
    assert.ok(!g.has(keyOf(e)), e);
  }
  for (const e of ["POST /containers/create", "POST /containers/{id}/exec", "PUT /containers/{id}/archive", "POST /build", "GET /events"]) assert.ok(g.has(keyOf(e)), e);
});

test("read-only presets never include archive, export, attach, exec or image export", () => {
  for (const p of ["readonly", "portainer-readonly", "traefik", "homepage", "dozzle", "cadvisor", "datadog"] as const) {
    for (const k of presetKeys(p)) {
      assert.doesNotMatch(k, /archive|export|attach|\/exec\/\{\}\/start|\/containers\/\{\}\/exec|\/get$|unlockkey|secrets|configs/, `${p}: ${k}`);
      assert.match(k, /^(GET|HEAD) /, `${p}: ${k}`);
    }
  }
});

test("endpoints.allow adds, endpoints.deny removes, unknown endpoints are errors", () => {
  const e = endpointPolicy("traefik", ["GET /containers/{id}/logs", "* /containers/{name}/archive"], ["GET /events"]);
  assert.ok(e.allow.has(keyOf("GET /containers/{x}/logs")));
  assert.ok(e.allow.has(keyOf("GET /containers/{x}/archive")));
  assert.ok(e.allow.has(keyOf("PUT /containers/{x}/archive")));
  assert.ok(!e.allow.has(keyOf("GET /events")));
  assert.throws(() => endpointPolicy("guarded", ["GET /nope"]), /not an Engine API endpoint/);
  assert.throws(() => endpointPolicy("nosuch"), /unknown proxy preset/);
});
