import { Command, CommanderError, Option } from "commander";
import { VERSION } from "../version.js";
import { EXIT } from "./io.js";
import { SEVERITIES } from "../model/severity.js";
import { SCAN_FORMATS } from "./scan-args.js";
import { userErrorExit } from "./errors.js";

/** Builds the command tree. Each action imports its own module, so `sockwarden rules` never
 *  loads the YAML parser and `sockwarden scan` never loads the proxy. */
export function program(): Command {
  const p = new Command("sockwarden")
    .description("Find and contain container-runtime socket exposure.")
    .version(VERSION, "-V, --version")
    .showHelpAfterError()
    .exitOverride();

  p.command("scan")
    .description("Scan a repository (or one file) for runtime-socket exposure: compose, Kubernetes, CI configs, scripts, IaC, daemon config.")
    .argument("[path]", "directory or file to scan", ".")
    // Keep in step with parseScanFast (scan-args.ts), which reads the same flags without commander.
    .addOption(new Option("-f, --format <format>", "output format").choices([...SCAN_FORMATS]).default("text"))
    .option("-o, --output <file>", "write the report to a file instead of stdout")
    .addOption(new Option("--fail-on <severity>", "exit 1 when a finding at or above this severity is denied by policy").choices([...SEVERITIES]).default("high"))
    .option("-p, --policy <file>", "policy file (default: sockwarden.yaml at the scan root or above, up to the git top)")
    .option("-e, --exclude <glob>", "leave out matching paths (repeatable)", collect, [] as string[])
    .option("--max-file-size <size>", "skip (and report) files larger than this", "5MiB")
    .option("--include-docs", "also read fenced code blocks in Markdown documentation")
    .option("--exit-zero", "always exit 0 when the scan ran (report only)")
    .option("--color", "force colours")
    .option("--no-color", "no colours")
    .action(async (path: string, opts) => {
      const { scanCommand } = await import("./scan.js");
      return setExit(await scanCommand(path, opts));
    });

  p.command("audit")
    .description("Audit a live host (or many): socket files and who can open them, daemon flags and listeners, every container, recent events, persistence signs.")
    .option("-H, --host <endpoint>", "daemon endpoint (unix://, tcp://, ssh://); repeat for a fleet", collect, [] as string[])
    .option("-c, --context <name>", "docker context; repeat for a fleet", collect, [] as string[])
    .option("--all-contexts", "audit every context in the context store")
    .option("--hosts-file <file>", "one endpoint per line (# comments allowed)")
    .option("--concurrency <n>", "hosts (fleet) or inspects (one host) at the same time")
    .option("-a, --all", "created and exited containers too (dormant: lower urgency, never dropped)")
    .option("--from-disk <dir>", "no socket: read the daemon's own state (e.g. /var/lib/docker) and containerd task bundles")
    .addOption(new Option("-f, --format <format>", "output format").choices(["text", "json", "sarif", "html", "markdown"]).default("text"))
    .option("-o, --output <file>", "write the report to a file instead of stdout")
    .addOption(new Option("--fail-on <severity>", "exit 1 when a finding at or above this severity is denied by policy").choices([...SEVERITIES]).default("high"))
    .option("-p, --policy <file>", "policy file (default: sockwarden.yaml in the working directory)")
    .option("--since <when>", "events from (duration like 1h, RFC 3339 time or unix seconds; default 1h ago)")
    .option("--until <when>", "events until (default now)")
    .option("--no-events", "do not read recent events")
    .option("--no-host-facts", "do not read host facts (sockets, daemon flags, listeners, persistence) even when the daemon is local")
    .option("--timeout <ms>", "per-request timeout in milliseconds")
    .option("--interval <duration>", "repeat the audit every DURATION until stopped (one report per run; JSON as one line)")
    .option("--exit-zero", "always exit 0 when the audit ran (report only)")
    .option("--tls", "use TLS")
    .option("--tlsverify", "use TLS and verify the daemon")
    .option("--tlscacert <file>", "CA certificate")
    .option("--tlscert <file>", "client certificate")
    .option("--tlskey <file>", "client key")
    .option("--config <dir>", "docker client config directory (default ~/.docker or $DOCKER_CONFIG)")
    .option("--color", "force colours")
    .option("--no-color", "no colours")
    .action(async (opts) => {
      const { auditCommand } = await import("./audit.js");
      return setExit(await auditCommand(opts));
    });

  p.command("inside")
    .description("Run inside a container: can this container reach a runtime API (and so control the host)?")
    .addOption(new Option("-f, --format <format>", "output format").choices(["text", "json"]).default("text"))
    .option("--print-sh", "print the same check as a POSIX sh script, for images without Node")
    .option("--timeout <ms>", "per-probe timeout in milliseconds")
    .action(async (opts) => {
      const { insideCommand } = await import("./audit.js");
      return setExit(await insideCommand(opts));
    });

  p.command("watch")
    .description("Follow the daemon's events: judge every container at create (even one that lives a second), alert, export metrics.")
    .option("-H, --host <endpoint>", "daemon endpoint (default: resolved like the docker CLI)")
    .option("-c, --context <name>", "docker context")
    .option("-p, --policy <file>", "policy file (default: sockwarden.yaml in the working directory)")
    .option("--sink <spec>", "where alerts go: stdout, file=PATH (reopened on SIGHUP), webhook=URL (repeatable)", collect, [] as string[])
    .option("--metrics <addr:port>", "serve Prometheus metrics on /metrics")
    .option("--interval <duration>", "full audit every DURATION (e.g. 10m), besides the event stream")
    .option("--state <file>", "state file (first-seen images and findings), default under $XDG_STATE_HOME/sockwarden/")
    .option("--once", "one full audit plus the events since the last run, then exit (cron style)")
    .action(async (opts) => {
      const { watchCommand } = await import("./watch.js");
      return setExit(await watchCommand(opts));
    });

  p.command("proxy")
    .description("A policy-enforcing Docker API proxy for the few clients that must keep access: body-aware, unbypassable, logged.")
    .option("--listen <addr>", "unix:///run/sockwarden/docker.sock or tcp://127.0.0.1:2375 (non-loopback TCP needs mutual TLS)")
    .option("--upstream <addr>", "the daemon (default unix:///var/run/docker.sock)")
    .option("--preset <name>", "guarded, readonly, traefik, homepage, dozzle, watchtower, cadvisor, datadog, portainer-readonly, testcontainers, jenkins, …")
    .option("-p, --policy <file>", "policy file; its proxy: section configures the proxy (flags win)")
    .option("--socket-mode <octal>", "mode of the listening unix socket (default 660)")
    .option("--socket-group <group>", "group of the listening unix socket (name or gid)")
    .option("--tls-cert <file>", "server certificate (TCP)")
    .option("--tls-key <file>", "server key")
    .option("--tls-ca <file>", "CA that client certificates must chain to")
    .option("--allow-bare-lf", "accept bare-LF request lines (Jenkins docker-plugin); loosens framing checks for this listener")
    .option("--audit-log <file>", "one JSON line per request (never credentials or env values)")
    .option("--metrics <addr:port>", "serve Prometheus metrics on a separate listener")
    .option("--busy-poll <duration>", "spin up to this long (e.g. 250us, 1ms) instead of sleeping while a request usually answered that fast waits for the daemon; off to never spin (default 250us)")
    .action(async (opts) => {
      const { proxyCommand } = await import("./proxy.js");
      return setExit(await proxyCommand(opts));
    });

  p.command("rules")
    .description("List the rule catalog: id, concern, severity, what it means and what to do.")
    .addOption(new Option("-f, --format <format>", "output format").choices(["text", "json", "markdown"]).default("text"))
    .action(async (opts) => {
      const { rulesCommand } = await import("./rules.js");
      return setExit(rulesCommand(opts));
    });

  p.command("diff")
    .description("What appeared, disappeared or changed severity between two JSON reports (scan or audit): drift over time.")
    .argument("<old>", "the earlier report (JSON)")
    .argument("<new>", "the later report (JSON)")
    .addOption(new Option("-f, --format <format>", "output format").choices(["text", "json"]).default("text"))
    .addOption(new Option("--fail-on <severity>", "exit 1 when a new or worsened finding is at or above this severity").choices([...SEVERITIES]).default("high"))
    .action(async (oldPath: string, newPath: string, opts) => {
      const { diffCommand } = await import("../report/diff.js");
      return setExit(diffCommand(oldPath, newPath, { format: opts.format, failOn: opts.failOn }));
    });

  const webhook = p.command("webhook").description("Kubernetes validating admission webhook: the same rules at the cluster's door.");
  webhook
    .command("serve", { isDefault: true })
    .description("serve AdmissionReview v1 over HTTPS on POST /validate")
    .option("--listen <addr>", "ADDR:PORT, :PORT or [IPv6]:PORT", ":8443")
    .option("--tls-cert <file>", "server certificate (PEM); reloaded when the file changes")
    .option("--tls-key <file>", "server key (PEM)")
    .option("-p, --policy <file>", "policy file (default: sockwarden.yaml in the working directory)")
    .action(async (opts) => {
      const { webhookCommand } = await import("./webhook.js");
      return setExit(await webhookCommand(opts));
    });

  webhook
    .command("install-manifests")
    .description("print the Deployment, Service, policy ConfigMap and ValidatingWebhookConfiguration to install the webhook")
    .requiredOption("--namespace <ns>", "namespace of the webhook (excluded from its own checks)", "sockwarden")
    .requiredOption("--service <name>", "Service name the API server calls", "sockwarden")
    .option("--image <ref>", "sockwarden container image")
    .option("--ca-bundle <file>", "PEM CA of a serving certificate you provide (default: cert-manager issues and injects it)")
    .option("-p, --policy <file>", "policy file to ship in the ConfigMap (validated first)")
    .option("--timeout <seconds>", "webhook timeoutSeconds (1-30)")
    .option("--replicas <n>", "webhook replicas")
    .option("-o, --output <file>", "write to a file instead of stdout")
    .action(async (opts) => {
      const { installManifestsCommand } = await import("./k8s.js");
      return setExit(installManifestsCommand(opts));
    });

  const k8s = p.command("k8s").description("Kubernetes: native admission policies and node audit manifests generated from sockwarden.yaml.");
  k8s
    .command("policy")
    .description("generate a ValidatingAdmissionPolicy, Kyverno ClusterPolicy or Gatekeeper template enforcing the same rules")
    .addOption(new Option("-f, --format <format>", "target").choices(["vap", "kyverno", "gatekeeper"]).makeOptionMandatory())
    .option("-p, --policy <file>", "policy file (default: sockwarden.yaml in the working directory)")
    .option("--exclude-namespace <ns>", "namespace left out of the policy (repeatable; default kube-system)", collect, [] as string[])
    .option("--name <prefix>", "name prefix of the generated objects")
    .option("-o, --output <file>", "write to a file instead of stdout")
    .action(async (opts) => {
      const { k8sPolicyCommand } = await import("./k8s.js");
      return setExit(k8sPolicyCommand(opts));
    });
  k8s
    .command("manifests")
    .description("print the node-audit DaemonSet: `audit --from-disk` on every node, never handed the socket")
    .option("--namespace <ns>", "namespace", "sockwarden")
    .option("--image <ref>", "sockwarden container image")
    .option("-o, --output <file>", "write to a file instead of stdout")
    .action(async (opts) => {
      const { nodeManifestsCommand } = await import("./k8s.js");
      return setExit(nodeManifestsCommand(opts));
    });

  return p;
}

let exitCode: number = EXIT.OK;
function setExit(code: number): void {
  exitCode = code;
}

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

export async function run(argv: string[]): Promise<number> {
  exitCode = EXIT.OK;
  const p = program();
  try {
    await p.parseAsync(argv, { from: "user" });
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version are not errors.
      if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help") return EXIT.OK;
      return EXIT.USAGE;
    }
    return userErrorExit(e);
  }
}
