/**
 * Kubernetes manifests for sockwarden itself. Pure: options in, multi-document YAML out.
 * - `installManifests`: `sockwarden webhook install-manifests` — Namespace, ServiceAccount,
 *   ConfigMap (the policy), Deployment, PodDisruptionBudget, Service, the certificate (cert-manager
 *   Issuer + Certificate, CA injected by annotation; or a given CA bundle) and the
 *   ValidatingWebhookConfiguration.
 * - `nodeAuditManifests`: `sockwarden k8s manifests` (deploy/node-audit.yaml) — a DaemonSet that
 *   audits each node from the runtime's state files, read-only, and never mounts a socket.
 */
import { createHash } from "node:crypto";
import { VERSION } from "../version.js";
import { resourceRules } from "./generate/notes.js";
import { renderDocs, type OutDoc } from "./generate/render.js";

export const DEFAULT_IMAGE = `ghcr.io/sockwarden/sockwarden:${VERSION}`;
const LABELS = (component: string) => ({ "app.kubernetes.io/name": "sockwarden", "app.kubernetes.io/component": component, "app.kubernetes.io/managed-by": "sockwarden" });

export class ManifestOptionError extends Error {}

export interface InstallOptions {
  namespace: string;
  service: string;
  image?: string;
  /** PEM text of the CA that signed the serving certificate (`--ca-bundle FILE`); without it,
   *  cert-manager issues the certificate and injects the CA. */
  caBundle?: string;
  /** The policy file's text for the ConfigMap (default: an empty policy, every concern denies). */
  policyText?: string;
  /** 1–30 (default 10). */
  timeoutSeconds?: number;
  replicas?: number;
}

/** A DNS-1123 label, as Kubernetes requires for namespace and Service names. */
function checkLabel(what: string, v: string): void {
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(v)) throw new ManifestOptionError(`${what} ${JSON.stringify(v)} is not a valid Kubernetes name (lower-case letters, digits and '-', at most 63, starting and ending with a letter or digit)`);
}
function checkImage(v: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._\-/:@]*$/.test(v) || v.length > 512) throw new ManifestOptionError(`image ${JSON.stringify(v)} is not a valid image reference`);
}

/** PEM certificates → base64 of the PEM (what `caBundle` holds). Throws on anything else. */
export function caBundleBase64(pem: string): string {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
  if (!blocks) throw new ManifestOptionError("--ca-bundle: no PEM certificate (-----BEGIN CERTIFICATE-----) in the file");
  return Buffer.from(blocks.join("\n") + "\n").toString("base64");
}

export function installManifests(opts: InstallOptions): string {
  const { namespace: ns, service } = opts;
  checkLabel("--namespace", ns);
  checkLabel("--service", service);
  const image = opts.image ?? DEFAULT_IMAGE;
  checkImage(image);
  const timeoutSeconds = opts.timeoutSeconds ?? 10;
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > 30) throw new ManifestOptionError(`--timeout ${timeoutSeconds}: Kubernetes accepts 1 to 30 seconds`);
  const replicas = opts.replicas ?? 2;
  if (!Number.isInteger(replicas) || replicas < 1) throw new ManifestOptionError(`--replicas ${replicas}: at least 1`);
  const ca = opts.caBundle !== undefined ? caBundleBase64(opts.caBundle) : undefined;
  const policyText = opts.policyText ?? "version: 1\n";
  const tlsSecret = `${service}-tls`;
  const dns = [`${service}.${ns}.svc`, `${service}.${ns}.svc.cluster.local`];
  const labels = LABELS("webhook");
  const selector = { "app.kubernetes.io/name": "sockwarden", "app.kubernetes.io/component": "webhook" };
  const docs: OutDoc[] = [];

  docs.push({ obj: { apiVersion: "v1", kind: "Namespace", metadata: { name: ns, labels } } });
  docs.push({
    comment: "The webhook needs no Kubernetes API access: no token is mounted.",
    obj: { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: service, namespace: ns, labels }, automountServiceAccountToken: false },
  });
  docs.push({
    comment: "The policy (sockwarden.yaml). Editing it changes the Deployment's checksum annotation when regenerated, so pods roll.",
    obj: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: `${service}-policy`, namespace: ns, labels }, data: { "sockwarden.yaml": policyText } },
  });
  docs.push({
    obj: {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: service, namespace: ns, labels },
      spec: {
        replicas,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels, annotations: { "sockwarden.io/policy-sha256": createHash("sha256").update(policyText).digest("hex") } },
          spec: {
            serviceAccountName: service,
            automountServiceAccountToken: false,
            securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: "RuntimeDefault" } },
            containers: [
              {
                name: "webhook",
                image,
                args: ["webhook", "--listen", "0.0.0.0:8443", "--tls-cert", "/etc/sockwarden/tls/tls.crt", "--tls-key", "/etc/sockwarden/tls/tls.key", "--policy", "/etc/sockwarden/sockwarden.yaml"],
                ports: [{ name: "https", containerPort: 8443, protocol: "TCP" }],
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ["ALL"] } },
                readinessProbe: { httpGet: { path: "/readyz", port: "https", scheme: "HTTPS" }, periodSeconds: 5 },
                livenessProbe: { httpGet: { path: "/healthz", port: "https", scheme: "HTTPS" }, periodSeconds: 10, failureThreshold: 3 },
                resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "256Mi" } },
                volumeMounts: [
                  { name: "policy", mountPath: "/etc/sockwarden/sockwarden.yaml", subPath: "sockwarden.yaml", readOnly: true },
                  { name: "tls", mountPath: "/etc/sockwarden/tls", readOnly: true },
                ],
              },
            ],
            volumes: [
              { name: "policy", configMap: { name: `${service}-policy` } },
              { name: "tls", secret: { secretName: tlsSecret } },
            ],
          },
        },
      },
    },
  });
  docs.push({
    comment: "failurePolicy is Fail: keep a replica up during node drains, or pod creation stops cluster-wide.",
    obj: { apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name: service, namespace: ns, labels }, spec: { minAvailable: 1, selector: { matchLabels: selector } } },
  });
  docs.push({
    obj: {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: service, namespace: ns, labels },
      spec: { selector, ports: [{ name: "https", port: 443, targetPort: "https", protocol: "TCP" }] },
    },
  });
  if (ca === undefined) {
    docs.push({
      comment: "Certificates by cert-manager (https://cert-manager.io): a self-signed issuer; the API server trusts the\nCertificate through the cert-manager.io/inject-ca-from annotation on the webhook configuration.",
      obj: { apiVersion: "cert-manager.io/v1", kind: "Issuer", metadata: { name: `${service}-selfsigned`, namespace: ns, labels }, spec: { selfSigned: {} } },
    });
    docs.push({
      obj: {
        apiVersion: "cert-manager.io/v1",
        kind: "Certificate",
        metadata: { name: tlsSecret, namespace: ns, labels },
        spec: { secretName: tlsSecret, dnsNames: dns, issuerRef: { name: `${service}-selfsigned`, kind: "Issuer" }, privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" } },
      },
    });
  }
  const webhook: Record<string, unknown> = {
    name: "validate.sockwarden.io",
    admissionReviewVersions: ["v1"],
    sideEffects: "None",
    failurePolicy: "Fail",
    matchPolicy: "Equivalent",
    timeoutSeconds,
    clientConfig: { service: { namespace: ns, name: service, path: "/validate", port: 443 }, ...(ca !== undefined ? { caBundle: ca } : {}) },
    namespaceSelector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "NotIn", values: [...new Set([ns, "kube-system"])] }] },
    rules: resourceRules().map((r) => ({ ...r, scope: "Namespaced" })),
  };
  docs.push({
    comment:
      (ca === undefined
        ? ""
        : `The serving certificate is yours: create the Secret ${ns}/${tlsSecret} (kubernetes.io/tls) for\n${dns.join(", ")}, signed by the CA in caBundle:\n  kubectl -n ${ns} create secret tls ${tlsSecret} --cert=tls.crt --key=tls.key\n\n`) +
      `The webhook's own namespace (${ns}) and kube-system are not judged, so a broken webhook cannot lock itself or\nthe control plane out.`,
    obj: {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingWebhookConfiguration",
      metadata: { name: service === "sockwarden" ? "sockwarden" : `sockwarden-${service}`, labels, ...(ca === undefined ? { annotations: { "cert-manager.io/inject-ca-from": `${ns}/${tlsSecret}` } } : {}) },
      webhooks: [webhook],
    },
  });
  return renderDocs(docs, `Generated by sockwarden ${VERSION} (webhook install-manifests --namespace ${ns} --service ${service}). Apply with kubectl apply -f -.`);
}

export interface NodeAuditOptions {
  namespace?: string;
  image?: string;
}

/** Read-only host state the node audit reads: [host path, why]. Never a socket, never a parent of one. */
export const NODE_AUDIT_HOST_PATHS: readonly (readonly [string, string])[] = [
  ["/var/lib/docker/containers", "Docker's per-container config.v2.json and hostconfig.json (what audit --from-disk reads)"],
  ["/var/lib/docker/image", "image digests (repositories.json) so findings name the image"],
  ["/run/containerd/io.containerd.runtime.v2.task", "containerd's task bundles (OCI config.json per container); a sibling of containerd.sock, not its parent"],
];

export function nodeAuditManifests(opts: NodeAuditOptions = {}): string {
  const ns = opts.namespace ?? "sockwarden";
  checkLabel("--namespace", ns);
  const image = opts.image ?? DEFAULT_IMAGE;
  checkImage(image);
  const labels = LABELS("node-audit");
  const selector = { "app.kubernetes.io/name": "sockwarden", "app.kubernetes.io/component": "node-audit" };
  const vols = NODE_AUDIT_HOST_PATHS.map(([p], i) => ({ name: `state-${i}`, hostPath: { path: p, type: "" }, mountPath: `/host${p}` }));
  const doc: OutDoc = {
    comment: [
      "Audits every node's containers from the runtime's state files, read-only: no runtime socket is mounted",
      "(the audit never needs to talk to the daemon), so compromising this pod does not hand over the node.",
      "Findings are JSON lines on stdout for the cluster's log pipeline.",
      "",
      "sockwarden's own scan reports these read-only host paths as host-path findings (they are sensitive",
      "state, read here on purpose). Record that in the sockwarden.yaml that scans this repository:",
      "  allow:",
      "    hostPaths:",
      ...NODE_AUDIT_HOST_PATHS.map(([p]) => `      - ${p}   # node audit, read-only`),
      "",
      "A DaemonSet restarts a container that exits: the audit runs again after each restart (with back-off).",
      "Nodes without Docker or containerd get an empty directory at the missing path (hostPath type \"\").",
    ].join("\n"),
    obj: {
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      metadata: { name: "sockwarden-node-audit", namespace: ns, labels },
      spec: {
        selector: { matchLabels: selector },
        updateStrategy: { type: "RollingUpdate" },
        template: {
          metadata: { labels },
          spec: {
            automountServiceAccountToken: false,
            tolerations: [{ operator: "Exists" }],
            // Root only to read root-owned 0600 state files (owner permission, no capability needed).
            securityContext: { runAsUser: 0, runAsGroup: 0, seccompProfile: { type: "RuntimeDefault" } },
            containers: [
              {
                name: "audit",
                image,
                // --interval keeps the agent running (one JSON line per audit for the log pipeline);
                // a one-shot audit would exit and the DaemonSet would restart it in a loop.
                args: ["audit", "--from-disk", "/host", "--format", "json", "--interval", "1h"],
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, privileged: false, capabilities: { drop: ["ALL"] } },
                resources: { requests: { cpu: "20m", memory: "64Mi" }, limits: { memory: "256Mi" } },
                volumeMounts: vols.map((v) => ({ name: v.name, mountPath: v.mountPath, readOnly: true })),
              },
            ],
            volumes: vols.map((v) => ({ name: v.name, hostPath: v.hostPath })),
          },
        },
      },
    },
  };
  return renderDocs(
    [{ obj: { apiVersion: "v1", kind: "Namespace", metadata: { name: ns, labels } } }, doc],
    `Generated by sockwarden (k8s manifests). Regenerate with: sockwarden k8s manifests > deploy/node-audit.yaml`,
  );
}
