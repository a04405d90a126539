import { test } from "node:test";
import assert from "node:assert/strict";
import { exceptionMatches, imageMatches, isExpired, objectNames, parseImageRef, parseIsoDate, imageAllowed } from "../../src/policy/match.js";
import type { ExceptionMatch, MatchSubject } from "../../src/policy/types.js";

const compose: MatchSubject = { concern: "socket-mount", file: "deploy/traefik/compose.yml", object: "service traefik", image: "traefik:v3.1", labels: { "com.example.team": "platform", tier: "edge" } };
const k8s: MatchSubject = {
  concern: "host-path",
  file: "k8s/monitoring/node-exporter.yaml",
  object: "DaemonSet monitoring/node-exporter container exporter",
  container: "exporter",
  image: "quay.io/prometheus/node-exporter:v1.8.0",
  namespace: "monitoring",
  name: "node-exporter",
  kind: "DaemonSet",
};

// [match, subject, expected, why]
const table: [ExceptionMatch, MatchSubject, boolean, string][] = [
  [{ file: "deploy/traefik/*.yml" }, compose, true, "* within the directory"],
  [{ file: "deploy/*.yml" }, compose, false, "* does not cross directories in file globs"],
  [{ file: "deploy/**/*.yml" }, compose, true, "** crosses directories"],
  [{ file: "compose.yml" }, compose, false, "no basename matching: compose.yml is the root file only"],
  [{ file: "**/compose.yml" }, compose, true, "**/ for any depth"],
  [{ file: "./deploy/traefik/compose.yml" }, compose, true, "leading ./ ignored"],
  [{ object: "traefik" }, compose, true, "short name of `service traefik`"],
  [{ object: "service traefik" }, compose, true, "full object string"],
  [{ object: "service *" }, compose, true, "text glob"],
  [{ object: "traefik2" }, compose, false, "different name"],
  [{ object: "node-exporter" }, k8s, true, "short name of the Kubernetes object"],
  [{ object: "monitoring/node-exporter" }, k8s, true, "namespace/name"],
  [{ object: "DaemonSet monitoring/*" }, k8s, true, "* crosses / in text globs; object without container suffix"],
  [{ object: "exporter" }, k8s, false, "the container name is matched with container:, not object:"],
  [{ container: "exporter" }, k8s, true, "container name"],
  [{ container: "exporter" }, compose, false, "subject without a container never matches a container pattern"],
  [{ namespace: "monitor*" }, k8s, true, "namespace glob"],
  [{ namespace: "kube-system" }, k8s, false, "other namespace"],
  [{ name: "node-exporter" }, k8s, true, "name"],
  [{ kind: "daemonset" }, k8s, true, "kind is case-insensitive"],
  [{ kind: "Deployment" }, k8s, false, "other kind"],
  [{ label: "tier=edge" }, compose, true, "label key=value"],
  [{ label: "tier=ed*" }, compose, true, "label value glob"],
  [{ label: "tier=core" }, compose, false, "label value differs"],
  [{ label: "com.example.team" }, compose, true, "label key only"],
  [{ label: "missing" }, compose, false, "label absent"],
  [{ label: "tier" }, k8s, false, "subject without labels"],
  [{ image: "traefik" }, compose, true, "tagless pattern matches any tag of docker.io/library/traefik"],
  [{ image: "quay.io/prometheus/*" }, k8s, true, "registry prefix glob crosses /"],
  [{ image: "node-exporter" }, k8s, false, "a Hub short name does not match a quay.io image"],
  [{ file: "deploy/traefik/*.yml", object: "traefik" }, compose, true, "all fields match"],
  [{ file: "deploy/traefik/*.yml", object: "whoami" }, compose, false, "one field fails → no match"],
  [{}, compose, false, "empty match matches nothing"],
  [{ host: "node-*" }, { concern: "socket-mount", object: "container:x", host: "node-3" }, true, "host glob"],
  [{ host: "node-*" }, compose, false, "no host on subject"],
];

for (const [match, subject, want, why] of table) {
  test(`exceptionMatches ${JSON.stringify(match)} vs ${subject.object}: ${want} (${why})`, () => {
    assert.equal(exceptionMatches({ concern: subject.concern as never, match }, subject), want);
  });
}

test("exceptionMatches: concern must be equal or *", () => {
  const match = { object: "traefik" };
  assert.equal(exceptionMatches({ concern: "socket-mount", match }, compose), true);
  assert.equal(exceptionMatches({ concern: "privileged", match }, compose), false);
  assert.equal(exceptionMatches({ concern: "*", match }, compose), true);
});

test("objectNames", () => {
  assert.deepEqual(objectNames("service web"), ["service web", "web"]);
  assert.deepEqual(objectNames("Deployment ns/app container web"), ["Deployment ns/app container web", "Deployment ns/app", "ns/app", "app"]);
  assert.deepEqual(objectNames("Pod app"), ["Pod app", "app"]);
  assert.deepEqual(objectNames("container:/abc"), ["container:/abc", "abc"]);
  assert.deepEqual(objectNames("container abc"), ["container abc", "abc"]);
  assert.deepEqual(objectNames("solo"), ["solo"]);
});

test("parseImageRef follows the docker CLI's defaults", () => {
  assert.deepEqual(parseImageRef("nginx"), { domain: "docker.io", path: "library/nginx" });
  assert.deepEqual(parseImageRef("nginx:1.25"), { domain: "docker.io", path: "library/nginx", tag: "1.25" });
  assert.deepEqual(parseImageRef("bitnami/redis:7"), { domain: "docker.io", path: "bitnami/redis", tag: "7" });
  assert.deepEqual(parseImageRef("localhost:5000/app"), { domain: "localhost:5000", path: "app" });
  assert.deepEqual(parseImageRef("index.docker.io/library/nginx@sha256:abc"), { domain: "docker.io", path: "library/nginx", digest: "sha256:abc" });
  assert.deepEqual(parseImageRef("GHCR.io/o/r:t@sha256:1"), { domain: "ghcr.io", path: "o/r", tag: "t", digest: "sha256:1" });
  assert.equal(parseImageRef(""), undefined);
  assert.equal(parseImageRef("a b"), undefined);
});

// [pattern, image, expected, why]
const images: [string, string, boolean, string][] = [
  ["nginx", "docker.io/library/nginx:latest", true, "short name ≡ canonical"],
  ["docker.io/library/nginx:latest", "nginx", true, "canonical with implicit latest"],
  ["nginx:latest", "nginx", true, "implicit tag is latest"],
  ["nginx:latest", "nginx:1.25", false, "explicit other tag"],
  ["nginx", "nginx:1.25", true, "tagless pattern matches any tag"],
  ["nginx:1.25", "docker.io/nginx:1.25", true, "docker.io/<short> spelling"],
  ["docker.io/nginx", "nginx", true, "docker.io/<short> pattern"],
  ["library/nginx", "nginx@sha256:aa", true, "digest-only reference, tagless pattern"],
  ["nginx@sha256:aa", "nginx:1.25@sha256:aa", true, "digest pattern vs tag+digest"],
  ["nginx:latest", "nginx@sha256:aa", false, "a digest reference has no implicit latest"],
  ["nginx", "evil.example.com/nginx", false, "other registry"],
  ["nginx", "someone/nginx", false, "other Hub repository"],
  ["registry.example.com/*", "registry.example.com/team/app:1.0", true, "* crosses /"],
  ["registry.example.com/*", "registry.example.com.evil.io/app", false, "prefix must include the /"],
  ["ghcr.io/org/tool:v*", "ghcr.io/org/tool:v2.1", true, "tag glob"],
  ["", "nginx", false, "empty pattern"],
];
for (const [pattern, image, want, why] of images) {
  test(`imageMatches(${JSON.stringify(pattern)}, ${image}) = ${want} (${why})`, () => {
    assert.equal(imageMatches(pattern, image), want);
  });
}

test("imageAllowed: any pattern", () => {
  assert.equal(imageAllowed("traefik:v3", ["nginx", "traefik"]), true);
  assert.equal(imageAllowed("traefik:v3", []), false);
});

test("isExpired: the expiry day is inclusive in UTC", () => {
  assert.equal(isExpired("2027-03-31", new Date("2027-03-31T00:00:00.000Z")), false);
  assert.equal(isExpired("2027-03-31", new Date("2027-03-31T23:59:59.999Z")), false, "last millisecond of the day still holds");
  assert.equal(isExpired("2027-03-31", new Date("2027-04-01T00:00:00.000Z")), true, "first millisecond of the next day");
  assert.equal(isExpired("2027-03-31", new Date("2026-11-28T12:00:00Z")), false);
  assert.equal(isExpired("2024-02-29", new Date("2024-03-01T00:00:00Z")), true, "leap day");
  assert.equal(isExpired("2024-02-29", new Date("2024-02-29T23:00:00-00:30")), false, "23:30Z on the day");
  assert.equal(isExpired("2027-02-30", new Date("2000-01-01T00:00:00Z")), true, "not a date → fail closed");
  assert.equal(isExpired("tomorrow", new Date("2000-01-01T00:00:00Z")), true, "not a date → fail closed");
});

test("parseIsoDate: strict calendar dates", () => {
  assert.equal(parseIsoDate("2027-03-31"), Date.UTC(2027, 2, 31));
  assert.equal(parseIsoDate("2023-02-29"), undefined);
  assert.equal(parseIsoDate("2027-3-31"), undefined);
  assert.equal(parseIsoDate("2027-13-01"), undefined);
  assert.equal(parseIsoDate("2027-03-31T00:00:00Z"), undefined);
});
