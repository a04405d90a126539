import { readFileSync } from "node:fs";
import { generatePolicy, type PolicyFormat } from "../k8s/generate/index.js";
import { installManifests, nodeAuditManifests, ManifestOptionError } from "../k8s/manifests.js";
import { loadPolicy } from "../policy/load.js";
import { EXIT, UsageError, emit } from "./io.js";

function readText(what: string, file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    throw new UsageError(`${what} ${file}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`);
  }
}

function intFlag(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new UsageError(`${name} takes a whole number, not ${JSON.stringify(v)}`);
  return Number(v);
}

export function k8sPolicyCommand(flags: { format: PolicyFormat; policy?: string; excludeNamespace: string[]; name?: string; output?: string }): number {
  const policy = loadPolicy({ file: flags.policy, root: process.cwd() });
  const text = generatePolicy(policy, flags.format, {
    now: new Date(),
    name: flags.name,
    excludeNamespaces: flags.excludeNamespace.length ? flags.excludeNamespace : undefined,
  });
  emit(text, flags.output);
  return EXIT.OK;
}

export function installManifestsCommand(flags: { namespace: string; service: string; image?: string; caBundle?: string; policy?: string; timeout?: string; replicas?: string; output?: string }): number {
  try {
    const text = installManifests({
      namespace: flags.namespace,
      service: flags.service,
      image: flags.image,
      caBundle: flags.caBundle ? readText("--ca-bundle", flags.caBundle) : undefined,
      // Validate the policy before shipping it to a cluster: a broken one would stop the webhook.
      policyText: flags.policy ? (loadPolicy({ file: flags.policy }), readText("--policy", flags.policy)) : undefined,
      timeoutSeconds: intFlag("--timeout", flags.timeout),
      replicas: intFlag("--replicas", flags.replicas),
    });
    emit(text, flags.output);
    return EXIT.OK;
  } catch (e) {
    if (e instanceof ManifestOptionError) throw new UsageError(e.message);
    throw e;
  }
}

export function nodeManifestsCommand(flags: { namespace?: string; image?: string; output?: string }): number {
  try {
    emit(nodeAuditManifests({ namespace: flags.namespace, image: flags.image }), flags.output);
    return EXIT.OK;
  } catch (e) {
    if (e instanceof ManifestOptionError) throw new UsageError(e.message);
    throw e;
  }
}
