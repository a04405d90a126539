/**
 * `--format html`: the blast-radius report. ONE self-contained file: inline CSS, inline JS, inline
 * SVG computed here, no fonts, no network (a Content-Security-Policy forbids any fetch, and allows
 * only this file's own script by hash, so even an injected inline handler could not run).
 *
 * It opens with the fleet summary (hosts × severity counts), then per host a graph (./graph.ts,
 * ./layout.ts): click or press Enter on a node to see its findings with meaning and decision. Then a
 * table of every finding, sortable and filterable by host, concern and severity.
 *
 * Every string from the report goes through `esc` (text, attributes) or `jsonForScript` (data for
 * the script, which puts it in the page with textContent only).
 */
import { createHash } from "node:crypto";
import type { Finding } from "../../model/finding.js";
import type { Report } from "../../model/report.js";
import { SEVERITIES, severityRank, type Severity } from "../../model/severity.js";
import { esc, jsonForScript } from "./escape.js";
import { buildHostGraph, hostOf, hostsOf, type GraphNode, type HostGraph } from "./graph.js";
import { layoutGraph } from "./layout.js";

export { buildHostGraph, accessPath, accessRows, hostsOf, type HostGraph, type GraphNode, type GraphEdge } from "./graph.js";
export { esc, jsonForScript } from "./escape.js";

const SEV_DESC = [...SEVERITIES].reverse() as Severity[];

/** Severity colours: each is ≥ 4.5:1 against white as text, and white on it (badges). */
export const SEVERITY_COLOURS: Record<Severity, string> = {
  critical: "#9b1c1c",
  high: "#a33c00",
  medium: "#6d5300",
  low: "#1d5a92",
  info: "#4a4a4a",
};

const CSS = `
:root{color-scheme:light}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#1a1a1a;background:#fff}
header,main{max-width:1400px;margin:0 auto;padding:12px 20px}
header{border-bottom:1px solid #c8c8c8}
h1{font-size:1.5rem;margin:.3em 0}h2{font-size:1.25rem;margin:1.2em 0 .4em}h3{font-size:1.05rem;margin:.8em 0 .3em}
.meta{color:#4a4a4a;margin:0}
table{border-collapse:collapse;width:100%;margin:.4em 0 1em}
th,td{border:1px solid #c8c8c8;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f0f0f0}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.sev{display:inline-block;min-width:5.2em;padding:0 6px;border-radius:3px;color:#fff;font-weight:600;text-align:center}
${SEV_DESC.map((s) => `.sev-${s}{background:${SEVERITY_COLOURS[s]}}.txt-${s}{color:${SEVERITY_COLOURS[s]}}`).join("\n")}
.err{color:#9b1c1c}
.host{border-top:2px solid #1a1a1a;margin-top:1.5em}
.graphwrap{display:flex;gap:16px;align-items:flex-start;flex-wrap:wrap}
.graph{flex:1 1 640px;min-width:320px;border:1px solid #c8c8c8;background:#fff}
.graph svg{width:100%;height:auto;display:block}
.details{flex:0 1 420px;min-width:280px;border:1px solid #c8c8c8;padding:8px 12px;max-height:80vh;overflow:auto}
.details h3{margin-top:0}
.finding{border-top:1px solid #dedede;padding:6px 0}
.finding p{margin:.2em 0}
.legend{display:flex;flex-wrap:wrap;gap:12px;margin:.3em 0;color:#1a1a1a}
.legend span{display:inline-flex;align-items:center;gap:4px}
.sw{display:inline-block;width:22px;height:4px}
svg text{font:12px system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;fill:#1a1a1a}
svg .elabel{font-size:10.5px;paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round}
svg .nlabel{paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round}
svg .node{cursor:pointer}
svg .node:focus{outline:none}
svg .node:focus .shape,svg .node.selected .shape{stroke:#000;stroke-width:3.5px}
svg .shape{stroke:#1a1a1a;stroke-width:1.5px;fill:#fff}
svg .kind-daemon .shape{fill:#1a1a1a}
svg .kind-socket .shape{fill:#e8e8e8}
svg .kind-clean .shape{fill:#f4f4f4;stroke:#767676;stroke-dasharray:3 3}
svg .dormant .shape{stroke-dasharray:5 3;fill:#fff}
svg .edge{fill:none;stroke-width:2px}
svg .edge.dormant{stroke-dasharray:6 4}
svg .edge.spine{stroke:#767676;stroke-width:1.5px}
${SEV_DESC.map((s) => `svg .edge.sev-${s}{stroke:${SEVERITY_COLOURS[s]}}svg .node.sev-${s} .shape{fill:${SEVERITY_COLOURS[s]}}svg .node.dormant.sev-${s} .shape{fill:#fff;stroke:${SEVERITY_COLOURS[s]};stroke-width:3px}`).join("\n")}
svg .edge.sev-critical{stroke-width:3.5px}svg .edge.sev-high{stroke-width:2.8px}
.controls{display:flex;flex-wrap:wrap;gap:12px;align-items:flex-end;margin:.5em 0}
.controls label{display:flex;flex-direction:column;font-weight:600;font-size:.9rem}
.controls select,.controls input{font:inherit;font-weight:400;padding:3px 6px;border:1px solid #767676;border-radius:3px;background:#fff;color:#1a1a1a}
th button{font:inherit;font-weight:700;background:none;border:0;padding:0;color:#1a1a1a;cursor:pointer;text-decoration:underline}
th[aria-sort=ascending] button::after{content:" ▲"}th[aria-sort=descending] button::after{content:" ▼"}
.count{color:#4a4a4a}
.msg{max-width:60em}
.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
`;

/** The page script: node details and the table's filters and sorting. Report data only through textContent. */
const SCRIPT = String.raw`(function(){
"use strict";
var data=JSON.parse(document.getElementById("sw-data").textContent);
var SEV=["info","low","medium","high","critical"];
function el(tag,cls,text){var e=document.createElement(tag);if(cls)e.className=cls;if(text!=null)e.textContent=String(text);return e;}
function showNode(g){
  var key=g.getAttribute("data-node");var hostIdx=Number(g.getAttribute("data-host"));
  var n=null;var list=data.nodes[hostIdx]||[];for(var i=0;i<list.length;i++){if(list[i].key===key){n=list[i];break;}}
  if(!n)return;
  var panel=document.getElementById("details-"+hostIdx);
  var prev=g.ownerSVGElement.querySelectorAll(".node.selected");for(var j=0;j<prev.length;j++)prev[j].classList.remove("selected");
  g.classList.add("selected");
  panel.textContent="";
  panel.appendChild(el("h3",null,n.title));
  if(n.members&&n.members.length){
    var p=el("p",null,n.members.length+" containers: ");
    p.appendChild(el("span",null,n.members.slice(0,50).map(function(m){return m.name+(m.image?" ("+m.image+")":"")+(m.state?" ["+m.state+"]":"");}).join(", ")+(n.members.length>50?", …":"")));
    panel.appendChild(p);
  }
  if(!n.findings.length){panel.appendChild(el("p",null,"No findings on this node."));return;}
  var fs=n.findings.slice().sort(function(a,b){return SEV.indexOf(data.findings[b].severity)-SEV.indexOf(data.findings[a].severity);});
  var shown=fs.slice(0,200);
  panel.appendChild(el("p","count",fs.length+" finding"+(fs.length===1?"":"s")+(fs.length>shown.length?" (the 200 most severe shown; all are in the table below)":"")));
  shown.forEach(function(i){
    var f=data.findings[i];var r=data.rules[f.rule]||{};
    var d=el("div","finding");d.setAttribute("data-finding",String(i));
    var h=el("p");h.appendChild(el("span","sev sev-"+f.severity,f.severity));h.appendChild(document.createTextNode(" "));
    h.appendChild(el("strong",null,f.title));if(f.suppressed)h.appendChild(el("em",null," (suppressed)"));
    d.appendChild(h);
    d.appendChild(el("p","msg",f.object+": "+f.message));
    var m=el("p");m.appendChild(el("strong",null,"Meaning: "));m.appendChild(document.createTextNode(r.meaning||""));d.appendChild(m);
    var dc=el("p");dc.appendChild(el("strong",null,"Decision: "));dc.appendChild(document.createTextNode((r.decision||"")+" (policy action: "+f.action+")"));d.appendChild(dc);
    panel.appendChild(d);
  });
}
var nodes=document.querySelectorAll("[data-node]");
for(var i=0;i<nodes.length;i++){(function(g){
  g.addEventListener("click",function(){showNode(g);});
  g.addEventListener("keydown",function(e){if(e.key==="Enter"||e.key===" "){e.preventDefault();showNode(g);}});
})(nodes[i]);}
var table=document.getElementById("findings");if(!table)return;
var tbody=table.tBodies[0];var rows=Array.prototype.slice.call(tbody.rows);
var fHost=document.getElementById("f-host"),fConcern=document.getElementById("f-concern"),fSev=document.getElementById("f-sev"),fText=document.getElementById("f-text"),status=document.getElementById("f-status");
function apply(){
  var h=fHost.value,c=fConcern.value,s=Number(fSev.value),t=fText.value.toLowerCase();var shown=0;
  rows.forEach(function(r){
    var ok=(h===""||r.getAttribute("data-host")===h)&&(c===""||r.getAttribute("data-concern")===c)&&Number(r.getAttribute("data-sev"))>=s&&(t===""||r.textContent.toLowerCase().indexOf(t)>=0);
    r.hidden=!ok;if(ok)shown++;
  });
  status.textContent=shown+" of "+rows.length+" findings shown";
}
[fHost,fConcern,fSev].forEach(function(x){x.addEventListener("change",apply);});fText.addEventListener("input",apply);
var ths=table.tHead.rows[0].cells;
Array.prototype.forEach.call(ths,function(th,col){
  var b=th.querySelector("button");if(!b)return;
  b.addEventListener("click",function(){
    var dir=th.getAttribute("aria-sort")==="ascending"?"descending":"ascending";
    Array.prototype.forEach.call(ths,function(o){o.removeAttribute("aria-sort");});th.setAttribute("aria-sort",dir);
    var num=th.hasAttribute("data-numeric");
    rows.sort(function(a,b){
      var x=a.cells[col].getAttribute("data-v")||a.cells[col].textContent,y=b.cells[col].getAttribute("data-v")||b.cells[col].textContent;
      var c=num?Number(x)-Number(y):x.localeCompare(y);return dir==="ascending"?c:-c;
    });
    rows.forEach(function(r){tbody.appendChild(r);});
  });
});
apply();
})();`;

function sevCounts(findings: Finding[]): Record<Severity, number> {
  const c = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of findings) if (!f.suppressed) c[f.severity]++;
  return c;
}

function fleetTable(report: Report, hosts: string[]): string {
  const rows = hosts.map((h, i) => {
    const s = report.hosts?.find((x) => x.host === h);
    const counts = s?.bySeverity ?? sevCounts(report.findings.filter((f) => hostOf(f, report) === h));
    const status = s?.error ? `<span class="err">${esc(s.error.kind)}: ${esc(s.error.message)}</span>` : "audited";
    return `<tr><th scope="row"><a href="#host-${i}">${esc(h)}</a>${s?.name && s.name !== h ? ` <span class="count">(${esc(s.name)})</span>` : ""}</th>${SEV_DESC.map((sev) => `<td class="num${counts[sev] ? ` txt-${sev}` : ""}">${counts[sev]}</td>`).join("")}<td class="num">${s ? s.containers : "–"}</td><td>${status}</td></tr>`;
  });
  return `<table id="fleet-summary"><caption class="sr-only">Findings per host and severity</caption><thead><tr><th scope="col">Host</th>${SEV_DESC.map((s) => `<th scope="col" class="num">${s}</th>`).join("")}<th scope="col" class="num">Containers</th><th scope="col">Status</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

const trunc = (s: string, n: number) => (s.length > n ? s.slice(0, n - 1) + "…" : s);

function nodeShape(n: GraphNode): string {
  switch (n.kind) {
    case "daemon":
      return `<circle class="shape" r="26"/>`;
    case "socket":
      return `<rect class="shape" x="-16" y="-12" width="32" height="24" rx="5"/>`;
    case "user":
      return `<rect class="shape" x="-11" y="-11" width="22" height="22"/>`;
    case "listener":
      return `<polygon class="shape" points="0,-14 14,0 0,14 -14,0"/>`;
    case "group":
      return `<circle class="shape" r="17"/><circle r="12" fill="none" stroke="#fff" stroke-width="1.5"/>`;
    case "clean":
      return `<circle class="shape" r="15"/>`;
    default:
      return `<circle class="shape" r="11"/>`;
  }
}

function hostSvg(g: HostGraph, hi: number): { svg: string; keys: Map<string, string> } {
  const L = layoutGraph(g);
  const keys = new Map<string, string>();
  g.nodes.forEach((n, i) => keys.set(n.id, `h${hi}n${i}`));
  const labelled = new Set<string>();
  const edges = g.edges.map((e) => {
    const a = L.pos.get(e.from);
    const b = L.pos.get(e.to);
    if (!a || !b) return "";
    const spine = e.from.startsWith("socket:");
    const cls = spine ? "edge spine" : `edge sev-${e.severity}${e.dormant ? " dormant" : ""}`;
    const label = `${e.label}${e.count > 1 ? ` (×${e.count})` : ""}`;
    // The label sits near the outer node, where edges are furthest apart.
    const lx = a.x + (b.x - a.x) * 0.3;
    const ly = a.y + (b.y - a.y) * 0.3;
    // One label per node and path: a parent directory reaching two sockets says it once.
    const once = `${e.from}\u0000${label}`;
    const drawLabel = !spine && !labelled.has(once);
    labelled.add(once);
    const text = !drawLabel ? "" : `<text class="elabel" x="${lx.toFixed(1)}" y="${ly.toFixed(1)}" text-anchor="middle">${esc(trunc(label, 44))}</text>`;
    return `<g><title>${esc(spine ? `${e.label}` : `${label}: ${e.severity}`)}</title><line class="${cls}" x1="${a.x.toFixed(1)}" y1="${a.y.toFixed(1)}" x2="${b.x.toFixed(1)}" y2="${b.y.toFixed(1)}"/>${text}</g>`;
  });
  const nodes = g.nodes.map((n) => {
    const p = L.pos.get(n.id)!;
    const cls = `node kind-${n.kind}${n.severity ? ` sev-${n.severity}` : ""}${n.dormant ? " dormant" : ""}`;
    const state = n.dormant ? " (dormant)" : "";
    const aria = `${n.title}${state}${n.severity ? `, most severe: ${n.severity}` : ""}, ${n.findings.length} finding${n.findings.length === 1 ? "" : "s"}`;
    let label = "";
    if (n.kind === "daemon") label = `<text class="nlabel" y="44" text-anchor="middle">${esc(trunc(g.summary?.name ?? "daemon", 30))}</text>`;
    else if (n.kind === "socket") label = `<text class="nlabel" y="28" text-anchor="middle">${esc(trunc(n.label, 28))}</text>`;
    else {
      const right = Math.cos(p.angle) >= -0.01;
      const dx = Math.cos(p.angle) * 22;
      const dy = Math.sin(p.angle) * 22 + 4;
      label = `<text class="nlabel" x="${dx.toFixed(1)}" y="${dy.toFixed(1)}" text-anchor="${right ? "start" : "end"}">${esc(trunc(n.label, 28) + state)}</text>`;
    }
    return `<g class="${cls}" data-node="${esc(keys.get(n.id))}" data-host="${hi}" tabindex="0" role="button" aria-label="${esc(aria)}" transform="translate(${p.x.toFixed(1)} ${p.y.toFixed(1)})"><title>${esc(aria)}</title>${nodeShape(n)}${label}</g>`;
  });
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${L.width} ${L.height}" role="group" aria-label="Blast-radius graph of ${esc(g.host)}">${edges.join("")}${nodes.join("")}</svg>`;
  return { svg, keys };
}

function legend(): string {
  return `<div class="legend" aria-label="Legend">${SEV_DESC.map((s) => `<span><span class="sw" style="background:${SEVERITY_COLOURS[s]}"></span>${s}</span>`).join("")}<span>● container</span><span>◎ containers grouped by image</span><span>■ host user</span><span>◆ TCP listener</span><span>▢ runtime socket</span><span>dashed: dormant (created/exited) or without findings</span></div>`;
}

function findingsTable(report: Report, hosts: string[]): string {
  const hostIdx = new Map(hosts.map((h, i) => [h, i]));
  const concerns = [...new Set(report.findings.map((f) => f.concern))].sort();
  const ordered = report.findings
    .map((f, i) => ({ f, i }))
    .sort((a, b) => severityRank(b.f.severity) - severityRank(a.f.severity) || (hostIdx.get(hostOf(a.f, report)) ?? 0) - (hostIdx.get(hostOf(b.f, report)) ?? 0) || a.f.object.localeCompare(b.f.object));
  const rows = ordered.map(({ f, i }) => {
    const h = hostOf(f, report);
    const r = severityRank(f.severity);
    return `<tr data-host="${hostIdx.get(h) ?? ""}" data-concern="${esc(f.concern)}" data-sev="${r}" data-finding="${i}"><td>${esc(h)}</td><td data-v="${r}"><span class="sev sev-${f.severity}">${f.severity}</span>${f.suppressed ? " (suppressed)" : ""}</td><td>${esc(f.concern)}</td><td>${esc(f.object)}</td><td><strong>${esc(f.title)}</strong><div class="msg">${esc(f.message)}</div></td><td>${esc(f.action)}</td></tr>`;
  });
  const th = (label: string, numeric = false) => `<th scope="col"${numeric ? " data-numeric" : ""}><button type="button">${label}</button></th>`;
  return `<div class="controls" role="search">
<label for="f-host">Host<select id="f-host"><option value="">All hosts</option>${hosts.map((h, i) => `<option value="${i}">${esc(h)}</option>`).join("")}</select></label>
<label for="f-concern">Concern<select id="f-concern"><option value="">All concerns</option>${concerns.map((c) => `<option value="${esc(c)}">${esc(c)}</option>`).join("")}</select></label>
<label for="f-sev">Severity at least<select id="f-sev">${[...SEVERITIES].map((s, i) => `<option value="${i}">${s}</option>`).join("")}</select></label>
<label for="f-text">Text contains<input id="f-text" type="search" autocomplete="off"></label>
<p id="f-status" role="status" aria-live="polite"></p>
</div>
<table id="findings"><caption class="sr-only">All findings</caption><thead><tr>${th("Host")}${th("Severity", true)}${th("Concern")}${th("Object")}${th("Finding")}${th("Action")}</tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

export interface HtmlOptions {
  /** Page title (default "sockwarden blast radius"). */
  title?: string;
  /** Stamp shown in the header (default: none, so output is reproducible). */
  generatedAt?: string;
}

export function renderHtml(report: Report, opts: HtmlOptions = {}): string {
  const hosts = hostsOf(report);
  const graphs = hosts.map((h) => buildHostGraph(report, h));
  const nodeData: { key: string; title: string; findings: number[]; members?: GraphNode["members"] }[][] = [];
  const sections = graphs.map((g, hi) => {
    const { svg, keys } = hostSvg(g, hi);
    nodeData.push(g.nodes.map((n) => ({ key: keys.get(n.id)!, title: n.title + (n.dormant ? " (dormant)" : ""), findings: n.findings, ...(n.members ? { members: n.members.slice(0, 500) } : {}) })));
    const s = g.summary;
    const err = s?.error ? `<p class="err" role="alert">Not audited: ${esc(s.error.kind)}: ${esc(s.error.message)}</p>` : "";
    const note = g.collapsed ? `<p class="count">${g.collapsed} containers are drawn as groups (same image and the same paths of access); click a group to list them.</p>` : "";
    // Nobody could look at this host: no picture, only the reason (an empty graph would read as "safe").
    if (s?.error && !g.nodes.some((n) => n.id !== "daemon") && !g.nodes[0]!.findings.length) {
      return `<section class="host" id="host-${hi}" aria-labelledby="host-${hi}-h"><h2 id="host-${hi}-h">${esc(g.host)}</h2>${err}</section>`;
    }
    return `<section class="host" id="host-${hi}" aria-labelledby="host-${hi}-h"><h2 id="host-${hi}-h">${esc(g.host)}${s?.name && s.name !== g.host ? ` <span class="count">(${esc(s.name)})</span>` : ""}</h2>${err}${note}
<div class="graphwrap"><div class="graph">${svg}</div><aside class="details" id="details-${hi}" aria-live="polite" aria-label="Findings of the selected node"><h3>Select a node</h3><p>Click a node (or focus it and press Enter) to see its findings, what they mean and what to do.</p></aside></div></section>`;
  });
  const rules: Record<string, { meaning: string; decision: string }> = {};
  for (const f of report.findings) if (!Object.prototype.hasOwnProperty.call(rules, f.rule)) rules[f.rule] = { meaning: f.meaning, decision: f.decision };
  const data = {
    findings: report.findings.map((f) => ({ rule: f.rule, severity: f.severity, title: f.title, message: f.message, object: f.object, action: f.action, suppressed: f.suppressed, concern: f.concern })),
    rules: Object.entries(rules).reduce<Record<string, unknown>>((o, [k, v]) => {
      Object.defineProperty(o, k, { value: v, enumerable: true });
      return o;
    }, {}),
    nodes: nodeData,
  };
  const scriptHash = createHash("sha256").update(SCRIPT).digest("base64");
  const csp = `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${scriptHash}'; img-src data:; base-uri 'none'; form-action 'none'`;
  const errors = report.errors.filter((e) => e.kind !== "notice");
  const s = report.summary;
  const title = opts.title ?? "sockwarden blast radius";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${esc(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${CSS}</style></head>
<body><header><h1>${esc(title)}</h1><p class="meta">${esc(report.tool.name)} ${esc(report.tool.version)} · ${hosts.length} host${hosts.length === 1 ? "" : "s"} · ${s.total} finding${s.total === 1 ? "" : "s"}${s.suppressed ? `, ${s.suppressed} suppressed` : ""}${s.containersAudited !== undefined ? ` · ${s.containersAudited} containers` : ""}${opts.generatedAt ? ` · ${esc(opts.generatedAt)}` : ""}</p></header>
<main>
<h2 id="fleet">Fleet summary</h2>
${fleetTable(report, hosts)}
${errors.length ? `<h3>Errors</h3><ul>${errors.map((e) => `<li class="err">${e.host ? `${esc(e.host)}: ` : ""}${e.file !== e.host ? `${esc(e.file)}${e.line ? `:${e.line}` : ""}: ` : ""}${esc(e.message)}</li>`).join("")}</ul>` : ""}
<h2 id="graphs">Who can reach the daemon, and how</h2>
${legend()}
${sections.join("\n")}
<h2 id="all-findings">All findings</h2>
${findingsTable(report, hosts)}
</main>
<script type="application/json" id="sw-data">${jsonForScript(data)}</script>
<script>${SCRIPT}</script>
</body></html>
`;
}
