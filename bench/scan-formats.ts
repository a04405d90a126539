// The issue-3 formats for bench/scan.ts: shell scripts, Makefiles, Dockerfiles, GitHub and
// GitLab CI, Jenkinsfiles, Terraform, Ansible, Nomad, daemon.json and systemd units, written
// into one generated service directory at a time.
//
// Mix per service (s = the service's index), mostly ordinary files with a few risky ones:
//   every service  Dockerfile, Makefile, scripts/build.sh, scripts/deploy.sh
//   s % 2 == 0     .github/workflows/ci.yml
//   s % 3 == 0     Jenkinsfile
//   s % 4 == 1     .gitlab-ci.yml
//   s % 3 == 1     infra/main.tf, infra/variables.tf
//   s % 4 == 2     ansible/site.yml
//   s % 5 == 3     deploy/nomad/<svc>.nomad
//   s % 25 == 7    host/etc/docker/daemon.json, host/etc/systemd/system/docker.service.d/override.conf
//
// Risky ones are planted so that each adds exactly ONE critical finding, worked out by hand
// from the rules (no `user`, so the identity is unknown → a socket mount is critical; a daemon
// listening on a non-loopback address with TLS explicitly off is critical; see
// src/rules/socket-mount.ts and src/rules/daemon-tcp.ts). Each risky file mounts only the socket
// (no privileged, no host namespaces, no other host paths) so no second rule can fire on it:
//   s % 10 == 0  scripts/deploy.sh     `docker run -v /var/run/docker.sock:/var/run/docker.sock`  → 1
//   s % 10 == 5  Makefile              recipe `docker run --rm -v /var/run/docker.sock:…`        → 1
//   s % 20 == 0  .github/workflows/ci.yml step `run: docker run -v /var/run/docker.sock:…`     → 1
//   s % 8 == 1   .gitlab-ci.yml        docker:27-dind service with DOCKER_TLS_CERTDIR: "" → the
//                dind daemon listens on tcp://docker:2375 with TLS off, a non-loopback host → 1
//                (the job's DOCKER_HOST client of it is "high", not counted)
//   s % 12 == 0  Jenkinsfile           agent docker args '-v /var/run/docker.sock:…'             → 1
//   s % 9 == 1   infra/main.tf         docker_container volumes { host_path = docker.sock }      → 1
//   s % 9 == 4   infra/main.tf         kubernetes_pod hostPath /var/run/docker.sock              → 1
//   s % 8 == 2   ansible/site.yml      docker_container volumes: [/var/run/docker.sock:…]        → 1
//   s % 10 == 3  deploy/nomad/*.nomad  docker driver volumes = ["/var/run/docker.sock:…"]        → 1
//   s % 50 == 7  daemon.json           "hosts": ["tcp://0.0.0.0:2375"], "tls": false            → 1
// Look-alikes that must stay silent: every Dockerfile with `VOLUME /var/run/docker.sock` on
// s % 10 == 0 (declares a mount point, binds nothing), shell `echo` lines naming the socket, the
// systemd drop-ins (dockerd -H tcp://0.0.0.0:2376 with --tlsverify → verified, not a finding).
//
// `planted` counts the critical findings a call adds, following the table above.

import { parseHcl } from "../src/sources/terraform/hclparse.js";

export interface FormatsWritten {
  /** Critical findings planted by this call, counted from the table above. */
  critical: number;
  /** Files written, by format (for the bench's file-mix line). */
  byFormat: Record<string, number>;
}

export type Put = (rel: string, text: string) => void;

const IMAGES = ["nginx:1.27", "postgres:16", "redis:7", "node:20-alpine", "python:3.12-slim", "ghcr.io/acme/api:1.4.2"];
const img = (s: number, k = 0): string => IMAGES[(s + k) % IMAGES.length]!;

function dockerfile(svc: string, s: number): string {
  const lookalike = s % 10 === 0 ? "# The build agent talks to the daemon; this only declares the mount point.\nVOLUME /var/run/docker.sock\n" : "";
  return `# syntax=docker/dockerfile:1
FROM node:20-alpine AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-alpine
ENV NODE_ENV=production PORT=8080
RUN apk add --no-cache tini curl \\
 && addgroup -S app && adduser -S app -G app
WORKDIR /app
COPY --from=build /src/dist ./dist
COPY --from=build /src/node_modules ./node_modules
${lookalike}USER app
EXPOSE 8080
HEALTHCHECK --interval=30s CMD curl -fsS http://localhost:8080/health || exit 1
ENTRYPOINT ["/sbin/tini", "--"]
CMD ["node", "dist/${svc}.js"]
`;
}

function makefile(svc: string, s: number): { text: string; critical: number } {
  const risky = s % 10 === 5;
  const it = risky ? `\ndocker-integration:\n\tdocker run --rm -v /var/run/docker.sock:/var/run/docker.sock -v $(PWD):/src -w /src golang:1.22 go test ./integration/...\n` : "";
  const text = `IMAGE ?= ghcr.io/acme/${svc}
TAG ?= $(shell git rev-parse --short HEAD)
.PHONY: build test lint push run clean

build:
\tdocker build -t $(IMAGE):$(TAG) .

test:
\tdocker run --rm -v $(PWD):/src -w /src node:20-alpine npm test

lint:
\tnpx eslint src --max-warnings 0

run: build
\tdocker run --rm -p 8080:8080 -e LOG_LEVEL=debug $(IMAGE):$(TAG)

push: build
\tdocker push $(IMAGE):$(TAG)
${it}
clean:
\trm -rf dist coverage
`;
  return { text, critical: risky ? 1 : 0 };
}

function buildScript(svc: string, s: number): string {
  const lines = ["#!/usr/bin/env bash", "set -euo pipefail", `cd "$(dirname "$0")/.."`, "", `IMAGE="ghcr.io/acme/${svc}"`, 'TAG="${TAG:-$(git rev-parse --short HEAD)}"', ""];
  for (let k = 0; k < 10 + (s % 20); k++) lines.push(`step_${k}() {\n  echo "step ${k}: building part ${k}"\n  npm run build:part${k} -- --out "dist/part${k}"\n}\n`);
  lines.push('echo "note: the CI agent reaches /var/run/docker.sock through its proxy"');
  lines.push('docker build --pull -t "$IMAGE:$TAG" .');
  lines.push('docker run --rm "$IMAGE:$TAG" node dist/selftest.js');
  return lines.join("\n") + "\n";
}

function deployScript(svc: string, s: number): { text: string; critical: number } {
  const risky = s % 10 === 0;
  const run = risky
    ? `docker run -d --name ${svc}-agent --restart unless-stopped \\\n  -v /var/run/docker.sock:/var/run/docker.sock \\\n  -e AGENT_MODE=deploy \\\n  ghcr.io/acme/deploy-agent:2.3`
    : `docker run -d --name ${svc} --restart unless-stopped \\\n  -p 8080:8080 -v "${svc}-data:/var/lib/${svc}" \\\n  --env-file .env "$IMAGE:$TAG"`;
  return {
    text: `#!/bin/sh
# Deploys ${svc} on a single host.
set -eu
IMAGE=ghcr.io/acme/${svc}
TAG=\${1:-latest}
if docker ps -a --format '{{.Names}}' | grep -qx "${svc}"; then
  docker rm -f "${svc}"
fi
docker pull "$IMAGE:$TAG"
${run}
for i in 1 2 3 4 5; do
  if curl -fsS http://localhost:8080/health >/dev/null; then echo "up"; exit 0; fi
  sleep 2
done
echo "${svc} did not come up" >&2
exit 1
`,
    critical: risky ? 1 : 0,
  };
}

function githubWorkflow(svc: string, s: number): { text: string; critical: number } {
  const risky = s % 20 === 0;
  const it = risky
    ? `      - name: integration tests against the host daemon\n        run: docker run --rm -v /var/run/docker.sock:/var/run/docker.sock -v "$PWD:/src" -w /src golang:1.22 go test ./it/...\n`
    : "";
  return {
    text: `name: ci
on:
  push:
    branches: [main]
  pull_request:
permissions:
  contents: read
jobs:
  test:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        node: [18, 20, 22]
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: \${{ matrix.node }}
          cache: npm
      - run: npm ci
      - run: npm test -- --coverage
${it}  image:
    needs: test
    runs-on: ubuntu-latest
    if: github.ref == 'refs/heads/main'
    steps:
      - uses: actions/checkout@v4
      - uses: docker/setup-buildx-action@v3
      - uses: docker/build-push-action@v6
        with:
          context: .
          push: false
          tags: ghcr.io/acme/${svc}:\${{ github.sha }}
`,
    critical: risky ? 1 : 0,
  };
}

function gitlabCi(svc: string, s: number): { text: string; critical: number } {
  const risky = s % 8 === 1;
  const dind =
    risky
      ? `
build-image:
  stage: build
  image: docker:27
  services:
    - docker:27-dind
  variables:
    DOCKER_HOST: tcp://docker:2375
    DOCKER_TLS_CERTDIR: ""
  script:
    - docker build -t registry.example.com/acme/${svc}:$CI_COMMIT_SHORT_SHA .
    - docker push registry.example.com/acme/${svc}:$CI_COMMIT_SHORT_SHA
`
      : `
build-image:
  stage: build
  image:
    name: gcr.io/kaniko-project/executor:v1.23.0-debug
    entrypoint: [""]
  script:
    - /kaniko/executor --context "$CI_PROJECT_DIR" --destination "registry.example.com/acme/${svc}:$CI_COMMIT_SHORT_SHA"
`;
  const text = `stages: [test, build, deploy]
default:
  image: node:20-alpine
  cache:
    key: \${CI_COMMIT_REF_SLUG}
    paths: [node_modules/]
test:
  stage: test
  script:
    - npm ci
    - npm test
  artifacts:
    reports:
      junit: junit.xml
${dind}
deploy:
  stage: deploy
  image: alpine:3.20
  when: manual
  script:
    - apk add --no-cache curl
    - curl -fsS -X POST "$DEPLOY_HOOK?service=${svc}"
`;
  return { text, critical: risky ? 1 : 0 };
}

function jenkinsfile(svc: string, s: number): { text: string; critical: number } {
  const risky = s % 12 === 0;
  const agent = risky
    ? `  agent {\n    docker {\n      image 'docker:27-cli'\n      args '-v /var/run/docker.sock:/var/run/docker.sock'\n    }\n  }`
    : `  agent {\n    docker {\n      image 'node:20-alpine'\n      args '-v $HOME/.npm:/root/.npm'\n    }\n  }`;
  return {
    text: `pipeline {
${agent}
  options { timeout(time: 20, unit: 'MINUTES') }
  environment { SERVICE = '${svc}' }
  stages {
    stage('install') { steps { sh 'npm ci' } }
    stage('test') {
      steps {
        sh 'npm test'
        junit 'junit.xml'
      }
    }
    stage('package') {
      when { branch 'main' }
      steps { sh 'tar czf ${svc}.tgz dist' }
    }
  }
  post { always { cleanWs() } }
}
`,
    critical: risky ? 1 : 0,
  };
}

function terraformMain(svc: string, s: number): { text: string; critical: number } {
  let risky = "";
  let critical = 0;
  if (s % 9 === 1) {
    risky = `
resource "docker_container" "${svc}_agent" {
  name  = "${svc}-agent"
  image = "ghcr.io/acme/deploy-agent:2.3"
  volumes {
    host_path      = "/var/run/docker.sock"
    container_path = "/var/run/docker.sock"
  }
}
`;
    critical = 1;
  } else if (s % 9 === 4) {
    risky = `
resource "kubernetes_pod" "${svc}_agent" {
  metadata {
    name      = "${svc}-agent"
    namespace = var.namespace
  }
  spec {
    container {
      name  = "agent"
      image = "ghcr.io/acme/deploy-agent:2.3"
      volume_mount {
        name       = "sock"
        mount_path = "/var/run/docker.sock"
      }
    }
    volume {
      name = "sock"
      host_path {
        path = "/var/run/docker.sock"
      }
    }
  }
}
`;
    critical = 1;
  }
  const text = `terraform {
  required_providers {
    docker     = { source = "kreuzwerker/docker", version = "~> 3.0" }
    kubernetes = { source = "hashicorp/kubernetes", version = "~> 2.31" }
  }
}

locals {
  labels = { app = "${svc}", team = var.team }
}

resource "docker_image" "${svc}" {
  name         = "${img(s)}"
  keep_locally = true
}

resource "docker_container" "${svc}" {
  name    = "${svc}"
  image   = docker_image.${svc}.image_id
  restart = "unless-stopped"
  user    = "10001"
  ports {
    internal = 8080
    external = ${8000 + (s % 1000)}
  }
  volumes {
    volume_name    = "${svc}-data"
    container_path = "/var/lib/${svc}"
  }
  env = ["PORT=8080", "LOG_LEVEL=info"]
}

resource "kubernetes_deployment_v1" "${svc}" {
  metadata {
    name      = "${svc}"
    namespace = var.namespace
    labels    = local.labels
  }
  spec {
    replicas = 2
    selector { match_labels = local.labels }
    template {
      metadata { labels = local.labels }
      spec {
        container {
          name  = "${svc}"
          image = "${img(s, 1)}"
          port { container_port = 8080 }
          resources {
            limits = { cpu = "500m", memory = "256Mi" }
          }
        }
      }
    }
  }
}
${risky}`;
  return { text, critical };
}

function terraformVars(svc: string): string {
  return `variable "namespace" {
  type    = string
  default = "${svc.slice(0, 6)}"
}

variable "team" {
  type        = string
  description = "Owning team, used in labels"
  default     = "platform"
}

output "container_name" {
  value = docker_container.${svc}.name
}
`;
}

function ansible(svc: string, s: number): { text: string; critical: number } {
  const risky = s % 8 === 2;
  const vols = risky ? `              - /var/run/docker.sock:/var/run/docker.sock` : `              - ${svc}-data:/var/lib/${svc}`;
  return {
    text: `- hosts: app_servers
  become: true
  vars:
    service_name: ${svc}
  tasks:
    - name: install docker python sdk
      ansible.builtin.pip:
        name: docker
    - name: deploy ${svc}
      block:
        - name: pull the image
          community.docker.docker_image:
            name: ${img(s)}
            source: pull
        - name: run ${svc}
          community.docker.docker_container:
            name: ${risky ? svc + "-agent" : svc}
            image: ${img(s)}
            restart_policy: unless-stopped
            ports:
              - "8080:8080"
            volumes:
${vols}
            env:
              LOG_LEVEL: info
    - name: tell the operator
      ansible.builtin.debug:
        msg: "${svc} deployed"
`,
    critical: risky ? 1 : 0,
  };
}

function nomad(svc: string, s: number): { text: string; critical: number } {
  const risky = s % 10 === 3;
  const vols = risky ? `        volumes = ["/var/run/docker.sock:/var/run/docker.sock"]\n` : `        volumes = ["local/config:/etc/${svc}"]\n`;
  return {
    text: `job "${svc}" {
  datacenters = ["dc1"]
  type        = "service"

  group "${svc}" {
    count = 2
    network {
      port "http" { to = 8080 }
    }
    service {
      name = "${svc}"
      port = "http"
      check {
        type     = "http"
        path     = "/health"
        interval = "10s"
        timeout  = "2s"
      }
    }
    task "${svc}" {
      driver = "docker"
      config {
        image = "${img(s)}"
        ports = ["http"]
${vols}      }
      resources {
        cpu    = 500
        memory = 256
      }
    }
  }
}
`,
    critical: risky ? 1 : 0,
  };
}

function daemonJson(s: number): { text: string; critical: number } {
  const risky = s % 50 === 7;
  const o = risky
    ? { hosts: ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2375"], tls: false, "log-driver": "json-file", "log-opts": { "max-size": "10m", "max-file": "3" } }
    : { "log-driver": "json-file", "log-opts": { "max-size": "10m", "max-file": "3" }, "live-restore": true, "default-address-pools": [{ base: "10.200.0.0/16", size: 24 }] };
  return { text: JSON.stringify(o, null, 2) + "\n", critical: risky ? 1 : 0 };
}

// A verified TCP listener: not a finding (the look-alike of issue 3's systemd case).
const SYSTEMD_DROPIN = `[Service]
ExecStart=
ExecStart=/usr/bin/dockerd -H fd:// -H tcp://0.0.0.0:2376 --tlsverify --tlscacert=/etc/docker/ca.pem --tlscert=/etc/docker/cert.pem --tlskey=/etc/docker/key.pem
LimitNOFILE=1048576
`;

/** Writes the issue-3 formats for service `svc` (index `s`) under `base` via `put`. */
export function writeFormats(put: Put, base: string, svc: string, s: number): FormatsWritten {
  let critical = 0;
  const byFormat: Record<string, number> = {};
  const w = (format: string, rel: string, r: string | { text: string; critical: number }): void => {
    const text = typeof r === "string" ? r : r.text;
    if (typeof r !== "string") critical += r.critical;
    put(`${base}/${rel}`, text);
    byFormat[format] = (byFormat[format] ?? 0) + 1;
  };
  w("dockerfile", "Dockerfile", dockerfile(svc, s));
  w("makefile", "Makefile", makefile(svc, s));
  w("shell", "scripts/build.sh", buildScript(svc, s));
  w("shell", "scripts/deploy.sh", deployScript(svc, s));
  if (s % 2 === 0) w("github", ".github/workflows/ci.yml", githubWorkflow(svc, s));
  if (s % 3 === 0) w("jenkins", "Jenkinsfile", jenkinsfile(svc, s));
  if (s % 4 === 1) w("gitlab", ".gitlab-ci.yml", gitlabCi(svc, s));
  if (s % 3 === 1) {
    w("terraform", "infra/main.tf", terraformMain(svc, s));
    w("terraform", "infra/variables.tf", terraformVars(svc));
  }
  if (s % 4 === 2) w("ansible", "ansible/site.yml", ansible(svc, s));
  if (s % 5 === 3) w("nomad", `deploy/nomad/${svc}.nomad`, nomad(svc, s));
  if (s % 25 === 7) {
    w("daemon", "host/etc/docker/daemon.json", daemonJson(s));
    w("systemd", "host/etc/systemd/system/docker.service.d/override.conf", SYSTEMD_DROPIN);
  }
  return { critical, byFormat };
}

// ---------------------------------------------------------------------------------------------
// What the floor means for these formats. The issue's floor is "read every file and parse every
// YAML file with the same parser": the YAML formats here (GitHub/GitLab CI, Ansible) are in it
// already. Shell, Makefiles, Dockerfiles, Jenkinsfiles, daemon.json and systemd units have no
// parser shared with a floor (the scan's readers for them are its own work), so they are only
// read. HCL (Terraform .tf, Nomad .nomad/.hcl) does have one: the scan parses it with the same
// wasm HCL parser a floor could call. The bench's goal stays judged against the floor
// (the stricter one); the floor that also parses HCL with `parseHcl` is printed beside it.

const HCL_FILE = /\.(tf|nomad|hcl)$/;

/** For the "floor + HCL" variant: parse an HCL file with the scan's own parser. */
export function parseIfHcl(path: string, text: string): number {
  return HCL_FILE.test(path) ? (parseHcl(text).ok ? 1 : 0) : 0;
}

// The files writeFormats() may write (paths end like this), for checking the scan's findings in
// them against `critical`.
const FORMAT_FILE = /(\/Dockerfile|\/Makefile|\/scripts\/(build|deploy)\.sh|\/\.github\/workflows\/ci\.yml|\/Jenkinsfile|\/\.gitlab-ci\.yml|\/infra\/[^/]+\.tf|\/ansible\/site\.yml|\.nomad|\/host\/etc\/.+)$/;

/** One line for the bench: critical findings the scan reported in these formats' files vs planted. */
export function formatsCheck(findings: readonly { severity: string; location: { file?: string } }[], planted: number): string {
  const found = findings.filter((f) => f.severity === "critical" && FORMAT_FILE.test("/" + (f.location.file ?? ""))).length;
  return `issue-3 formats: ${found} critical findings in their files, ${planted} planted${found === planted ? "" : "  ← MISMATCH"}`;
}
