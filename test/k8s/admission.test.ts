// The pure part of the webhook: AdmissionReview → decision, and the small helpers. The HTTPS
// server is tested end to end in webhook.test.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { reviewAdmission, clip, MAX_WARNING_LENGTH } from "../../src/k8s/admission.js";
import { parseListen } from "../../src/k8s/webhook.js";
import { defaultPolicy } from "../../src/policy/types.js";

const wrap = (request: Record<string, unknown>) => ({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request });

test("parseListen: ADDR:PORT, :PORT, [IPv6]:PORT; anything else is a usage error", () => {
  assert.deepEqual(parseListen("127.0.0.1:8443"), { host: "127.0.0.1", port: 8443 });
  assert.deepEqual(parseListen(":9443"), { host: "0.0.0.0", port: 9443 });
  assert.deepEqual(parseListen("[::1]:443"), { host: "::1", port: 443 });
  assert.deepEqual(parseListen(undefined), { host: "0.0.0.0", port: 8443 });
  assert.throws(() => parseListen("8443"), /expected ADDR:PORT/);
  assert.throws(() => parseListen("host:70000"), /port out of range/);
});

test("clip: one line, under 120 characters", () => {
  assert.equal(clip("a\n  b"), "a b");
  const long = clip("x".repeat(300));
  assert.equal(long.length, MAX_WARNING_LENGTH);
  assert.ok(long.endsWith("…"));
});

test("legacy EphemeralContainers objects (clusters before 1.22) are judged inside the pod they join", () => {
  const oldPod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "api", namespace: "shop" },
    spec: { containers: [{ name: "web", image: "nginx" }], volumes: [{ name: "run", hostPath: { path: "/run" } }] },
  };
  const d = reviewAdmission(
    wrap({
      uid: "e1",
      kind: { group: "", version: "v1", kind: "EphemeralContainers" },
      subResource: "ephemeralcontainers",
      namespace: "shop",
      name: "api",
      operation: "UPDATE",
      // The new ephemeral container mounts the pod's existing hostPath volume `run` (/run).
      object: { apiVersion: "v1", kind: "EphemeralContainers", metadata: { name: "api", namespace: "shop" }, ephemeralContainers: [{ name: "dbg", image: "busybox", volumeMounts: [{ name: "run", mountPath: "/r" }] }] },
      oldObject: oldPod,
    }),
    defaultPolicy(),
  );
  assert.equal(d.outcome, "denied");
  assert.equal(d.concern, "socket-mount");
  assert.match(d.review.response.status!.message, /\[socket-mount\] Pod shop\/api container dbg/);
});

test("operations other than CREATE/UPDATE/DELETE/CONNECT and missing objects are denied as errors", () => {
  let d = reviewAdmission(wrap({ uid: "o1", operation: "PATCH", object: {} }), defaultPolicy());
  assert.equal(d.outcome, "error");
  assert.equal(d.review.response.uid, "o1");
  assert.match(d.review.response.status!.message, /unsupported operation PATCH/);
  d = reviewAdmission(wrap({ uid: "o2", operation: "CREATE" }), defaultPolicy());
  assert.equal(d.outcome, "error");
  assert.match(d.review.response.status!.message, /no `object`/);
  d = reviewAdmission(null, defaultPolicy());
  assert.equal(d.outcome, "error");
  assert.equal(d.review.response.allowed, false);
});

test("a Pod created by a controller (generateName, no namespace in the object) takes the request's namespace", () => {
  const d = reviewAdmission(
    wrap({
      uid: "g1",
      kind: { group: "", version: "v1", kind: "Pod" },
      namespace: "mon",
      operation: "CREATE",
      object: { apiVersion: "v1", kind: "Pod", metadata: { generateName: "agent-" }, spec: { hostNetwork: true, containers: [{ name: "a", image: "x" }] } },
    }),
    defaultPolicy(),
  );
  assert.equal(d.outcome, "denied");
  assert.match(d.review.response.status!.message, /\[host-namespace\] Pod mon\/agent-\* container a/);
  assert.deepEqual(d.summary.namespace, "mon");
});

test("objects that run nothing (Service, Scale) are admitted", () => {
  const d = reviewAdmission(wrap({ uid: "s1", operation: "CREATE", kind: { kind: "Service" }, object: { apiVersion: "v1", kind: "Service", metadata: { name: "s" }, spec: {} } }), defaultPolicy());
  assert.equal(d.outcome, "allowed");
  assert.deepEqual(d.review.response, { uid: "s1", allowed: true });
});
