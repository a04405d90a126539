/**
 * A radial layout, computed here (no layout library, nothing fetched): the daemon at the centre,
 * sockets on an inner ring, everything else on one or two outer rings sorted by kind and severity
 * so that the dangerous nodes sit together at the top. Pure: same graph, same picture.
 */
import { severityRank } from "../../model/severity.js";
import type { GraphNode, HostGraph } from "./graph.js";

export interface Placed {
  x: number;
  y: number;
  /** Angle of the node around the centre (for label placement). */
  angle: number;
}

export interface Layout {
  width: number;
  height: number;
  cx: number;
  cy: number;
  pos: Map<string, Placed>;
}

const KIND_ORDER: Record<string, number> = { listener: 0, user: 1, container: 2, group: 2, clean: 3 };

export function layoutGraph(g: HostGraph): Layout {
  const inner = g.nodes.filter((n) => n.kind === "socket");
  // Where each outer node leads: its first socket (or the daemon). Nodes that lead to the same
  // socket sit side by side, and the socket is turned towards them, so edges stay short and radial.
  const leadsTo = new Map<string, string>();
  for (const e of g.edges) if (!e.from.startsWith("socket:") && !leadsTo.has(e.from)) leadsTo.set(e.from, e.to);
  const innerIdx = new Map(inner.map((n, i) => [n.id, i]));
  const lead = (n: GraphNode) => {
    const t = leadsTo.get(n.id);
    return t === undefined ? 1e6 : t === "daemon" ? -1 : innerIdx.get(t) ?? 1e6;
  };
  const outer = g.nodes
    .filter((n) => n.kind !== "socket" && n.kind !== "daemon")
    .sort((a, b) => (KIND_ORDER[a.kind] ?? 9) - (KIND_ORDER[b.kind] ?? 9) || lead(a) - lead(b) || rank(b) - rank(a) || a.label.localeCompare(b.label));
  const twoRings = outer.length > 18;
  // Enough circumference for ~46 px per node on a ring; at least 230 px away from the centre.
  const perRing = twoRings ? Math.ceil(outer.length / 2) : outer.length;
  const r2 = Math.max(230, (perRing * 46) / (2 * Math.PI));
  const r3 = r2 + 80;
  const r1 = Math.max(100, (inner.length * 64) / (2 * Math.PI));
  // Room for labels (up to ~28 characters) beyond the outermost ring.
  const margin = 200;
  const radius = (twoRings ? r3 : r2) + margin;
  const width = Math.ceil(radius * 2);
  const height = Math.ceil(radius * 2);
  const cx = width / 2;
  const cy = height / 2;
  const pos = new Map<string, Placed>();
  pos.set("daemon", { x: cx, y: cy, angle: 0 });
  const start = -Math.PI / 2;
  outer.forEach((n, i) => {
    const a = start + (2 * Math.PI * i) / Math.max(1, outer.length);
    const r = twoRings && i % 2 === 1 ? r3 : r2;
    pos.set(n.id, { x: cx + r * Math.cos(a), y: cy + r * Math.sin(a), angle: a });
  });
  // Each socket at the circular mean of the nodes that lead to it; then pushed apart to ≥ minGap.
  const want = inner.map((s, i) => {
    let sx = 0;
    let sy = 0;
    for (const e of g.edges) {
      if (e.to !== s.id) continue;
      const p = pos.get(e.from);
      if (p && !e.from.startsWith("socket:")) {
        sx += Math.cos(p.angle);
        sy += Math.sin(p.angle);
      }
    }
    return { id: s.id, a: sx === 0 && sy === 0 ? start + (2 * Math.PI * i) / Math.max(1, inner.length) : Math.atan2(sy, sx) };
  });
  want.sort((x, y) => x.a - y.a);
  const minGap = Math.min((2 * Math.PI) / Math.max(1, want.length), 0.7);
  for (let pass = 0; pass < 3; pass++) {
    for (let i = 1; i < want.length; i++) if (want[i]!.a - want[i - 1]!.a < minGap) want[i]!.a = want[i - 1]!.a + minGap;
  }
  for (const w of want) pos.set(w.id, { x: cx + r1 * Math.cos(w.a), y: cy + r1 * Math.sin(w.a), angle: w.a });
  return { width, height, cx, cy, pos };
}

function rank(n: GraphNode): number {
  return n.severity ? severityRank(n.severity) : -1;
}
