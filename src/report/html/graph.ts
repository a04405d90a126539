/**
 * The blast-radius graph of one host, derived from the report alone (pure): who can reach the
 * daemon and how. In the middle the daemon and each runtime socket the findings name; around them
 * containers, host users and TCP listeners; an edge per path of access, labelled with the path
 * (bind of the socket, parent directory, named volume, volumes-from of X, shared network namespace
 * with a loopback listener, docker group membership, TCP without TLS) and carrying the severity.
 *
 * Findings carry no structured "access path" field, so the path is read from the rule id and the
 * wording of the rule's message (`accessPath`). test/report/html.test.ts checks each label against
 * messages written in the rules' templates, and the browser test draws a real audit (bind of the
 * socket, dormant holder); a rule whose wording changes should update `accessPath` with it. An
 * optional structured access-path field on Finding would remove this coupling.
 *
 * Readability for large hosts: containers without findings are one node; when there are many
 * containers, those with the same image, the same access paths, severity and dormancy are one
 * node (`image ×N`), then by image alone, and past a hard cap the least severe go into one node.
 */
import type { Finding } from "../../model/finding.js";
import type { HostSummary, Report } from "../../model/report.js";
import { maxSeverity, severityRank, type Severity } from "../../model/severity.js";

export type NodeKind = "daemon" | "socket" | "container" | "group" | "clean" | "user" | "listener";

export interface GraphNode {
  id: string;
  kind: NodeKind;
  /** Short text drawn beside the node. */
  label: string;
  /** Full description (tooltip, details heading). */
  title: string;
  /** Most severe unsuppressed finding on the node. */
  severity?: Severity;
  /** Created / exited / dead containers (for a group: every member is). */
  dormant?: boolean;
  /** Indices into `report.findings`. */
  findings: number[];
  /** Containers a group or the clean node stands for. */
  members?: { name: string; image: string; state: string }[];
}

export interface GraphEdge {
  from: string;
  to: string;
  /** The path of access, in words. */
  label: string;
  severity: Severity;
  dormant?: boolean;
  findings: number[];
  /** Containers the edge stands for (groups). */
  count: number;
}

export interface HostGraph {
  host: string;
  summary?: HostSummary;
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** Containers folded into groups (0 when every container has its own node). */
  collapsed: number;
}

export interface AccessPath {
  /** `container`, `user`, `listener`: what kind of thing reaches the daemon. */
  from: "container" | "user" | "listener" | "everyone";
  /** Users (host-socket-access), or the listener address. */
  who?: string[];
  label: string;
  /** Socket paths the path leads to (empty: the daemon itself). */
  sockets: { path: string; runtime?: string }[];
}

const SOCKET_MOUNT_RULES = new Set(["runtime-socket-mount", "resolved-socket-mount"]);

/** The socket paths a socket-mount message names, with their runtime when it says so. */
function socketsIn(msg: string): { path: string; runtime?: string }[] {
  const out: { path: string; runtime?: string }[] = [];
  // "the docker socket /run/docker.sock", "the runtime socket /x (docker)", "runtime sockets /a (docker), /b (containerd)"
  // The path may hold spaces (host paths are anyone's choice): it ends where the message goes on.
  const one = /\bthe (\w+) socket (\/.+?)(?= at \/| \(via |[.,;] |[.,;]?$)/.exec(msg);
  if (one && one[1] !== "runtime") out.push({ path: one[2]!, runtime: one[1]! });
  const many = /\bthe runtime sockets? ((?:\/\S+(?: \(\w+\))?(?:, )?)+)/.exec(msg);
  if (many) {
    for (const m of many[1]!.matchAll(/(\/[^\s,]+)(?: \((\w+)\))?/g)) {
      const path = m[1]!.replace(/[.;]$/, "");
      if (!out.some((o) => o.path === path)) out.push(m[2] ? { path, runtime: m[2] } : { path });
    }
  }
  // ttrpc sockets are containerd's internal transport: the same runtime, not another door.
  return out.filter((s) => !s.path.endsWith(".ttrpc"));
}

/** The path of access a finding describes, or undefined when it is not one (an image, an event…). */
export function accessPath(f: Finding): AccessPath | undefined {
  const msg = f.message;
  if (SOCKET_MOUNT_RULES.has(f.rule)) {
    const sockets = socketsIn(msg);
    let label: string;
    const vf = /\(via VolumesFrom ([^;)]+)/.exec(msg);
    const vol = /named volume `([^`]+)`/.exec(msg);
    const pid = /via pid namespace of container ([^:;)]+)/.exec(msg);
    if (vf) label = `volumes-from of ${vf[1]!.trim()}`;
    else if (vol) label = `named volume ${vol[1]}`;
    else if (pid) label = `pid namespace of ${pid[1]!.trim()}`;
    else if (/directory (that )?holds|that directory holds/.test(msg)) {
      const dir = /^Mounts (\/\S+?)[,;]? /.exec(msg);
      label = dir ? `parent directory ${dir[1]}` : "parent directory";
    } else if (f.uncertain && /unresolved|could not be resolved/.test(msg)) label = "bind (unresolved source)";
    else label = "bind of the socket";
    return { from: "container", label, sockets };
  }
  if (f.rule === "daemon-tcp-client") {
    if (/host network/i.test(msg)) return { from: "container", label: "shared network namespace with loopback listener", sockets: [] };
    return { from: "container", label: "DOCKER_HOST over TCP without TLS", sockets: [] };
  }
  if (f.rule === "host-socket-access") {
    const sock = /^The (\w+) socket (\/\S+) \(([^)]*)\)/.exec(msg);
    const sockets = sock ? [{ path: sock[2]!, runtime: sock[1]! }] : [];
    if (/world-writable/.test(msg)) return { from: "everyone", who: ["every local user"], label: "world-writable socket", sockets };
    const who = /can be opened by (.+?): /.exec(msg);
    if (!who) return undefined; // "present but this user cannot open it": a fact about the audit, not a path
    const group = sock ? /:(\S+) \d{3,4}$/.exec(sock[3]!)?.[1] : undefined;
    return { from: "user", who: who[1]!.split(", ").map((s) => s.trim()).filter(Boolean), label: group ? `${group} group membership` : "can open the socket", sockets };
  }
  if (f.rule === "docker-api-listener") {
    const addr = /listens on (\S+) and answers/.exec(msg);
    return { from: "listener", who: [addr ? addr[1]! : f.object], label: "TCP without TLS", sockets: [] };
  }
  return undefined;
}

/** The container a finding is about (audit findings: `location.container` or `object: container:<name>`). */
export function containerOf(f: Finding): { name: string; state: string; id?: string } | undefined {
  const c = f.location?.container;
  if (c) return { name: c.name, state: c.state, id: c.id };
  const m = /^container:(.+)$/.exec(f.object ?? "");
  return m ? { name: m[1]!, state: "" } : undefined;
}

export const isDormantState = (s: string | undefined): boolean => s === "created" || s === "exited" || s === "dead";

/** The host a finding belongs to in a report (fleet: `host`; single audit: its target). */
export function hostOf(f: Finding, report: Report): string {
  return f.host ?? report.target ?? "local";
}

/** Hosts in report order: `hosts[]` first (fleet), then any others the findings name. */
export function hostsOf(report: Report): string[] {
  const out: string[] = (report.hosts ?? []).map((h) => h.host);
  for (const f of report.findings) {
    const h = hostOf(f, report);
    if (!out.includes(h)) out.push(h);
  }
  if (!out.length) out.push(report.target ?? "local");
  return out;
}

/** Compose-style replicas (`shop-web-1`, `shop_web_12`) share a stem. */
const stem = (name: string) => name.replace(/[-_.]\d+$/, "");

/** Limits that keep a drawing readable (nodes around the daemon). */
export const LIMITS = { collapseAbove: 24, imageOnlyAbove: 60, hardCap: 80 };

interface ContainerEntry {
  name: string;
  state: string;
  image: string;
  findings: number[];
  severity?: Severity;
  paths: { label: string; to: string; severity: Severity; findings: number[] }[];
}

export function buildHostGraph(report: Report, host: string, limits = LIMITS): HostGraph {
  const summary = report.hosts?.find((h) => h.host === host);
  const nodes = new Map<string, GraphNode>();
  const edges = new Map<string, GraphEdge>();
  const daemon: GraphNode = { id: "daemon", kind: "daemon", label: "daemon", title: `Docker daemon of ${host}${summary?.name ? ` (${summary.name})` : ""}`, findings: [] };
  nodes.set(daemon.id, daemon);
  const imageOf = new Map<string, string>();
  for (const c of summary?.inventory ?? []) imageOf.set(c.name, c.image);

  const socketNode = (path: string, runtime?: string): string => {
    const id = `socket:${path}`;
    if (!nodes.has(id)) {
      nodes.set(id, { id, kind: "socket", label: path.slice(path.lastIndexOf("/") + 1) || path, title: `${runtime ? `${runtime} ` : ""}socket ${path}`, findings: [] });
      edges.set(`${id}>daemon`, { from: id, to: "daemon", label: runtime && runtime !== "docker" ? `${runtime} API` : "API", severity: "info", findings: [], count: 0 });
    }
    return id;
  };
  const bump = (n: GraphNode, i: number, f: Finding) => {
    n.findings.push(i);
    if (!f.suppressed) n.severity = n.severity ? maxSeverity(n.severity, f.severity) : f.severity;
  };
  const addEdge = (from: string, to: string, label: string, f: Finding, i: number, dormant?: boolean) => {
    const k = `${from}>${to}>${label}`;
    const e = edges.get(k);
    const sev = f.suppressed ? "info" : f.severity;
    if (e) {
      e.findings.push(i);
      e.severity = maxSeverity(e.severity, sev);
    } else edges.set(k, { from, to, label, severity: sev, findings: [i], count: 1, ...(dormant ? { dormant } : {}) });
  };

  const containers = new Map<string, ContainerEntry>();
  report.findings.forEach((f, i) => {
    if (hostOf(f, report) !== host) return;
    const c = containerOf(f);
    const path = accessPath(f);
    const targets = path ? (path.sockets.length ? path.sockets.map((s) => socketNode(s.path, s.runtime)) : ["daemon"]) : [];
    if (c) {
      let e = containers.get(c.name);
      if (!e) {
        const im = imageOf.get(c.name) ?? /^Runs image (\S+?):? /.exec(f.rule === "live-image" ? f.message : "")?.[1] ?? "";
        containers.set(c.name, (e = { name: c.name, state: c.state, image: im, findings: [], paths: [] }));
      }
      if (!e.image && f.rule === "live-image") e.image = /^Runs image (\S+?):? /.exec(f.message)?.[1] ?? "";
      e.findings.push(i);
      if (!f.suppressed) e.severity = e.severity ? maxSeverity(e.severity, f.severity) : f.severity;
      if (path) for (const to of targets) e.paths.push({ label: path.label, to, severity: f.suppressed ? "info" : f.severity, findings: [i] });
      return;
    }
    if (path && (path.from === "user" || path.from === "everyone" || path.from === "listener")) {
      for (const who of path.who ?? []) {
        const id = `${path.from}:${who}`;
        let n = nodes.get(id);
        if (!n) {
          const title = path.from === "listener" ? `TCP listener ${who}` : path.from === "everyone" ? "every local user and service" : `host user ${who}`;
          nodes.set(id, (n = { id, kind: path.from === "listener" ? "listener" : "user", label: path.from === "listener" ? `tcp ${who}` : who, title, findings: [] }));
        }
        bump(n, i, f);
        for (const to of targets) addEdge(id, to, path.label, f, i);
      }
      return;
    }
    // Host-level findings that are not a path (persistence, events, daemon config): on the daemon.
    bump(daemon, i, f);
  });

  // Containers: one node each, or groups when there are many.
  const list = [...containers.values()];
  const sig = (e: ContainerEntry) => e.paths.map((p) => `${p.to}>${p.label}`).sort().join("|");
  const groupKey = (e: ContainerEntry, level: 1 | 2) =>
    level === 1 ? `${e.image || stem(e.name)}\u0000${sig(e)}\u0000${e.severity ?? ""}\u0000${isDormantState(e.state)}` : `${e.image || stem(e.name)}`;
  let groups: ContainerEntry[][] = list.map((e) => [e]);
  let collapsed = 0;
  const regroup = (level: 1 | 2) => {
    const m = new Map<string, ContainerEntry[]>();
    for (const g of groups) for (const e of g) {
      const k = groupKey(e, level);
      const l = m.get(k);
      if (l) l.push(e);
      else m.set(k, [e]);
    }
    groups = [...m.values()];
  };
  if (list.length > limits.collapseAbove) regroup(1);
  if (groups.length > limits.imageOnlyAbove) regroup(2);
  const groupSev = (g: ContainerEntry[]) => g.reduce<Severity | undefined>((s, e) => (e.severity ? (s ? maxSeverity(s, e.severity) : e.severity) : s), undefined);
  groups.sort((a, b) => severityRank(groupSev(b) ?? "info") - severityRank(groupSev(a) ?? "info") || b.length - a.length || a[0]!.name.localeCompare(b[0]!.name));
  if (groups.length > limits.hardCap) {
    const rest = groups.slice(limits.hardCap - 1).flat();
    groups = [...groups.slice(0, limits.hardCap - 1), rest];
  }
  groups.forEach((g, gi) => {
    const dormant = g.every((e) => isDormantState(e.state));
    const sev = groupSev(g);
    let id: string;
    if (g.length === 1) {
      const e = g[0]!;
      id = `container:${e.name}`;
      nodes.set(id, {
        id,
        kind: "container",
        label: e.name,
        title: `container ${e.name}${e.image ? ` (image ${e.image})` : ""}${e.state ? `, ${e.state}` : ""}`,
        findings: e.findings,
        ...(sev ? { severity: sev } : {}),
        ...(dormant ? { dormant } : {}),
      });
    } else {
      collapsed += g.length;
      const images = [...new Set(g.map((e) => e.image || stem(e.name)))];
      const what = images.length === 1 ? images[0]! : `${images.length} images`;
      id = `group:${gi}`;
      nodes.set(id, {
        id,
        kind: "group",
        label: `${what} ×${g.length}`,
        title: `${g.length} containers (${images.slice(0, 5).join(", ")}${images.length > 5 ? ", …" : ""})`,
        findings: g.flatMap((e) => e.findings),
        members: g.map((e) => ({ name: e.name, image: e.image, state: e.state })),
        ...(sev ? { severity: sev } : {}),
        ...(dormant ? { dormant } : {}),
      });
    }
    const merged = new Map<string, GraphEdge>();
    for (const e of g) {
      const seen = new Set<string>();
      for (const p of e.paths) {
        const k = `${p.to}>${p.label}`;
        const m = merged.get(k);
        if (m) {
          m.severity = maxSeverity(m.severity, p.severity);
          m.findings.push(...p.findings);
          if (!seen.has(k)) m.count++;
        } else merged.set(k, { from: id, to: p.to, label: p.label, severity: p.severity, findings: [...p.findings], count: 1, ...(dormant ? { dormant } : {}) });
        seen.add(k);
      }
    }
    for (const [k, e] of merged) edges.set(`${id}>${k}`, e);
  });

  // Containers with no finding at all: one node.
  const withFindings = new Set(list.map((e) => e.name));
  const clean = (summary?.inventory ?? []).filter((c) => !withFindings.has(c.name));
  const cleanCount = summary?.inventory ? clean.length : summary ? Math.max(0, summary.containers - withFindings.size) : 0;
  if (cleanCount > 0) {
    nodes.set("clean", {
      id: "clean",
      kind: "clean",
      label: `${cleanCount} without findings`,
      title: `${cleanCount} container${cleanCount === 1 ? "" : "s"} with no finding`,
      findings: [],
      ...(clean.length ? { members: clean } : {}),
    });
  }
  return { host, ...(summary ? { summary } : {}), nodes: [...nodes.values()], edges: [...edges.values()], collapsed };
}

/** Every access path of a host as rows (markdown and the HTML's no-graph fallback). */
export function accessRows(g: HostGraph): { who: string; path: string; to: string; severity: Severity; count: number }[] {
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  return g.edges
    // socket → daemon edges are the drawing's spine, not a path of access.
    .filter((e) => !e.from.startsWith("socket:"))
    .map((e) => ({ who: byId.get(e.from)?.label ?? e.from, path: e.label, to: byId.get(e.to)?.title ?? e.to, severity: e.severity, count: e.count }))
    .sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || a.who.localeCompare(b.who));
}
