/**
 * JSON decoding with Go `encoding/json` (v1) semantics, for the request bodies the daemon reads.
 *
 * What the daemon does and JavaScript's JSON.parse does not:
 * - struct keys match case-insensitively with Unicode simple folding (`ſ` ≡ `s`, KELVIN SIGN ≡ `k`),
 *   an exact spelling preferred;
 * - of two keys naming the same field the last wins, and decoding an object into a struct, map or
 *   pointer that already holds a value *merges* into it (so `{"HostConfig":{"Binds":[…]},
 *   "hostconfig":{"Memory":1}}` keeps the binds);
 * - a slice is decoded element-wise into the existing elements (structs in it merge too) and then
 *   truncated;
 * - the first JSON value is used, trailing bytes are not looked at;
 * - invalid UTF-8 and lone surrogates become U+FFFD.
 *
 * Fields the proxy does not model are "opaque": kept as they were written, but any duplicate or
 * case-colliding key inside them is refused (we cannot know the Go type, so we cannot know
 * which reading wins). Keys no Go field would take are dropped, as Go drops them. The result is
 * re-serialized canonically and *that* is what goes to the daemon. Pure.
 */
import { HttpError } from "./http1.js";

// ───────────────────────────── raw JSON tree (duplicates kept) ─────────────────────────────

export type JNode =
  | { t: "obj"; entries: [string, JNode][] }
  | { t: "arr"; items: JNode[] }
  | { t: "str"; v: string }
  | { t: "num"; raw: string }
  | { t: "bool"; v: boolean }
  | { t: "null" };

export const MAX_DEPTH = 256;

class Parser {
  i = 0;
  constructor(readonly s: string) {}
  fail(msg: string): never {
    throw new HttpError(400, `invalid JSON body: ${msg} at offset ${this.i}`);
  }
  ws(): void {
    const s = this.s;
    while (this.i < s.length) {
      const c = s.charCodeAt(this.i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) this.i++;
      else break;
    }
  }
  value(depth: number): JNode {
    if (depth > MAX_DEPTH) this.fail("nesting too deep");
    this.ws();
    const c = this.s[this.i];
    if (c === "{") return this.object(depth);
    if (c === "[") return this.array(depth);
    if (c === '"') return { t: "str", v: this.string() };
    if (c === "t") return this.lit("true", { t: "bool", v: true });
    if (c === "f") return this.lit("false", { t: "bool", v: false });
    if (c === "n") return this.lit("null", { t: "null" });
    if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) return this.number();
    return this.fail(c === undefined ? "unexpected end" : `unexpected ${JSON.stringify(c)}`);
  }
  lit(word: string, n: JNode): JNode {
    if (this.s.startsWith(word, this.i)) {
      this.i += word.length;
      return n;
    }
    return this.fail("invalid literal");
  }
  number(): JNode {
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(this.s.slice(this.i, this.i + 400));
    if (!m) return this.fail("invalid number");
    this.i += m[0].length;
    return { t: "num", raw: m[0] };
  }
  string(): string {
    const s = this.s;
    this.i++; // opening quote
    let out = "";
    let start = this.i;
    for (;;) {
      if (this.i >= s.length) this.fail("unterminated string");
      const c = s.charCodeAt(this.i);
      if (c === 0x22) {
        out += s.slice(start, this.i);
        this.i++;
        return fixSurrogates(out);
      }
      if (c < 0x20) this.fail("control character in string");
      if (c === 0x5c) {
        out += s.slice(start, this.i);
        const e = s[this.i + 1];
        this.i += 2;
        switch (e) {
          case '"': out += '"'; break;
          case "\\": out += "\\"; break;
          case "/": out += "/"; break;
          case "b": out += "\b"; break;
          case "f": out += "\f"; break;
          case "n": out += "\n"; break;
          case "r": out += "\r"; break;
          case "t": out += "\t"; break;
          case "u": {
            const hex = s.slice(this.i, this.i + 4);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail("invalid \\u escape");
            out += String.fromCharCode(parseInt(hex, 16));
            this.i += 4;
            break;
          }
          default:
            this.fail("invalid escape");
        }
        start = this.i;
        continue;
      }
      this.i++;
    }
  }
  object(depth: number): JNode {
    this.i++;
    const entries: [string, JNode][] = [];
    this.ws();
    if (this.s[this.i] === "}") {
      this.i++;
      return { t: "obj", entries };
    }
    for (;;) {
      this.ws();
      if (this.s[this.i] !== '"') this.fail("expected object key");
      const k = this.string();
      this.ws();
      if (this.s[this.i] !== ":") this.fail("expected ':'");
      this.i++;
      entries.push([k, this.value(depth + 1)]);
      this.ws();
      const c = this.s[this.i];
      if (c === ",") {
        this.i++;
        continue;
      }
      if (c === "}") {
        this.i++;
        return { t: "obj", entries };
      }
      this.fail("expected ',' or '}'");
    }
  }
  array(depth: number): JNode {
    this.i++;
    const items: JNode[] = [];
    this.ws();
    if (this.s[this.i] === "]") {
      this.i++;
      return { t: "arr", items };
    }
    for (;;) {
      items.push(this.value(depth + 1));
      this.ws();
      const c = this.s[this.i];
      if (c === ",") {
        this.i++;
        continue;
      }
      if (c === "]") {
        this.i++;
        return { t: "arr", items };
      }
      this.fail("expected ',' or ']'");
    }
  }
}

/** Go turns unpaired surrogates (from \u escapes) into U+FFFD. */
function fixSurrogates(s: string): string {
  // fast path: no surrogates at all
  if (!/[\ud800-\udfff]/.test(s)) return s;
  return s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");
}

/** Parse the first JSON value of a body (Go's Decoder.Decode); trailing bytes are ignored. */
export function parseFirstValue(body: Buffer): { node: JNode; end: number } {
  // Invalid UTF-8 becomes U+FFFD, as Go does when it decodes strings.
  const s = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true }).decode(body);
  const p = new Parser(s);
  p.ws();
  if (p.i >= s.length) throw new HttpError(400, "invalid JSON body: empty");
  const node = p.value(0);
  return { node, end: p.i };
}

// ───────────────────────────── Go key folding ─────────────────────────────

/** Fold a key the way `bytes.EqualFold` compares: ASCII case, plus the two non-ASCII runes
 *  whose simple-fold orbit holds an ASCII letter (U+017F ſ → s, U+212A KELVIN SIGN → k). */
export function foldKey(k: string): string {
  let out = "";
  for (const ch of k) {
    if (ch === "\u017f") out += "s";
    else if (ch === "\u212a") out += "k";
    else if (ch.length === 1 && ch >= "A" && ch <= "Z") out += ch.toLowerCase();
    else out += ch;
  }
  return out;
}

// ───────────────────────────── Go types (the part of the schema we model) ─────────────────────────────

export type GoType =
  | { k: "bool" }
  | { k: "string" }
  | { k: "int" }
  | { k: "strslice" } // docker's StrSlice: a string or an array of strings
  | { k: "slice"; of: GoType }
  | { k: "map"; of: GoType }
  | { k: "struct"; fields: Record<string, GoType>; ptr?: boolean }
  | { k: "opaque" };

/** A decoded Go value: what the daemon's struct would hold. `undefined` = zero/nil/absent. */
export type GoValue = boolean | string | number | string[] | GoValue[] | GoStruct | GoMap | OpaqueValue | undefined;
export interface GoStruct {
  kind: "struct";
  fields: Map<string, GoValue>; // keyed by the field's canonical name
}
export interface GoMap {
  kind: "map";
  entries: Map<string, GoValue>;
}
export interface OpaqueValue {
  kind: "opaque";
  node: JNode;
}
/** A slice with Go's hidden capacity: elements past `len` that an earlier, longer array left. */
export interface GoSlice {
  kind: "slice";
  items: GoValue[];
  /** Stale elements beyond items.length still in the backing array (only matter for merging kinds). */
  stale: number;
}

const B: GoType = { k: "bool" };
const S: GoType = { k: "string" };
const I: GoType = { k: "int" };
const SS: GoType = { k: "strslice" };
const LS: GoType = { k: "slice", of: S };
const MS: GoType = { k: "map", of: S };
const O: GoType = { k: "opaque" };
const st = (fields: Record<string, GoType>, ptr = false): GoType => ({ k: "struct", fields, ptr });

export const DRIVER_CONFIG = st({ Name: S, Options: MS }, true);
export const MOUNT = st({
  Type: S,
  Source: S,
  Target: S,
  ReadOnly: B,
  Consistency: S,
  BindOptions: st({ Propagation: S, NonRecursive: B, CreateMountpoint: B, ReadOnlyNonRecursive: B, ReadOnlyForceRecursive: B }, true),
  VolumeOptions: st({ NoCopy: B, Labels: MS, DriverConfig: DRIVER_CONFIG, Subpath: S }, true),
  TmpfsOptions: O,
  ImageOptions: O,
  ClusterOptions: O,
});
export const DEVICE = st({ PathOnHost: S, PathInContainer: S, CgroupPermissions: S });

/** container.Resources (embedded in HostConfig, top level of an update body). */
export const RESOURCES_FIELDS: Record<string, GoType> = {
  CpuShares: O, Memory: O, NanoCpus: O, CgroupParent: S, BlkioWeight: O, BlkioWeightDevice: O, BlkioDeviceReadBps: O,
  BlkioDeviceWriteBps: O, BlkioDeviceReadIOps: O, BlkioDeviceWriteIOps: O, CpuPeriod: O, CpuQuota: O, CpuRealtimePeriod: O,
  CpuRealtimeRuntime: O, CpusetCpus: O, CpusetMems: O, Devices: { k: "slice", of: DEVICE }, DeviceCgroupRules: LS,
  DeviceRequests: O, KernelMemory: O, KernelMemoryTCP: O, MemoryReservation: O, MemorySwap: O, MemorySwappiness: O,
  OomKillDisable: O, PidsLimit: O, Ulimits: O, CpuCount: O, CpuPercent: O, IOMaximumIOps: O, IOMaximumBandwidth: O,
};

export const HOST_CONFIG_FIELDS: Record<string, GoType> = {
  Binds: LS, ContainerIDFile: O, LogConfig: O, NetworkMode: S, PortBindings: O, RestartPolicy: O, AutoRemove: O,
  VolumeDriver: S, VolumesFrom: LS, ConsoleSize: O, Annotations: O, CapAdd: SS, CapDrop: SS, CgroupnsMode: S, Dns: O,
  DnsOptions: O, DnsSearch: O, ExtraHosts: O, GroupAdd: LS, IpcMode: S, Cgroup: S, Links: O, OomScoreAdj: O, PidMode: S,
  Privileged: B, PublishAllPorts: O, ReadonlyRootfs: O, SecurityOpt: LS, StorageOpt: O, Tmpfs: O, UTSMode: S,
  UsernsMode: S, ShmSize: O, Sysctls: MS, Runtime: S, Isolation: O, ...RESOURCES_FIELDS,
  Mounts: { k: "slice", of: MOUNT }, MaskedPaths: LS, ReadonlyPaths: LS, Init: O,
  // Deprecated fields still in the struct of older daemons.
  Capabilities: SS,
};
export const HOST_CONFIG = st(HOST_CONFIG_FIELDS, true);

export const CONFIG_FIELDS: Record<string, GoType> = {
  Hostname: O, Domainname: O, User: S, AttachStdin: O, AttachStdout: O, AttachStderr: O, ExposedPorts: O, Tty: O,
  OpenStdin: O, StdinOnce: O, Env: LS, Cmd: O, Healthcheck: O, ArgsEscaped: O, Image: S, Volumes: O, WorkingDir: O,
  Entrypoint: O, NetworkDisabled: O, MacAddress: O, OnBuild: O, Labels: MS, StopSignal: O, StopTimeout: O, Shell: O,
};

/**
 * The create body the daemon decodes (`runconfig.ContainerConfigWrapper`): the embedded Config,
 * `HostConfig`, `NetworkingConfig`, the deprecated `Cpuset`, and — deprecated but still read by
 * older daemons when `HostConfig` is absent — every HostConfig field at the top level.
 * Embedded fields are one level deeper than HostConfig/NetworkingConfig/Cpuset, so those win.
 */
export const CREATE_TOP: Record<string, GoType> = {
  ...CONFIG_FIELDS,
  ...HOST_CONFIG_FIELDS,
  HostConfig: HOST_CONFIG,
  NetworkingConfig: O,
  Cpuset: O,
};
export const CREATE_BODY = st(CREATE_TOP);

export const EXEC_BODY = st({
  User: S, Privileged: B, Tty: O, ConsoleSize: O, AttachStdin: B, AttachStderr: O, AttachStdout: O, Detach: O,
  DetachKeys: O, Env: LS, WorkingDir: O, Cmd: O,
});
export const UPDATE_BODY = st({ ...RESOURCES_FIELDS, RestartPolicy: O });
export const VOLUME_BODY = st({ Name: S, Driver: S, DriverOpts: MS, Labels: MS, ClusterVolumeSpec: O });

// ───────────────────────────── decoding ─────────────────────────────

function typeError(what: string, n: JNode, path: string): never {
  throw new HttpError(400, `invalid JSON body: cannot read ${n.t === "obj" ? "object" : n.t === "arr" ? "array" : n.t === "str" ? "string" : n.t === "num" ? "number" : n.t} as ${what} at ${path}`);
}

/** Refuse duplicate (or case-colliding) keys anywhere inside an opaque value. */
function checkOpaque(n: JNode, path: string): void {
  if (n.t === "obj") {
    const seen = new Set<string>();
    for (const [k, v] of n.entries) {
      const f = foldKey(k);
      if (seen.has(f)) throw new HttpError(400, `ambiguous JSON body: duplicate key ${JSON.stringify(k)} at ${path}`);
      seen.add(f);
      checkOpaque(v, path + "." + k);
    }
  } else if (n.t === "arr") n.items.forEach((x, i) => checkOpaque(x, `${path}[${i}]`));
}

/** Which field a key names: the exact spelling, else the case-folded one (Go's rule). */
function fieldFor(fields: Record<string, GoType>, key: string, foldIndex: Map<string, string>): string | undefined {
  if (Object.prototype.hasOwnProperty.call(fields, key)) return key;
  return foldIndex.get(foldKey(key));
}
const foldIndexCache = new WeakMap<Record<string, GoType>, Map<string, string>>();
function foldIndexOf(fields: Record<string, GoType>): Map<string, string> {
  let m = foldIndexCache.get(fields);
  if (!m) {
    m = new Map();
    for (const name of Object.keys(fields)) m.set(foldKey(name), name);
    foldIndexCache.set(fields, m);
  }
  return m;
}

type Slot = GoValue | GoSlice;

/** Decode `n` into a Go value of type `t` that currently holds `cur` (Go's decode-into-existing). */
export function decodeInto(t: GoType, cur: Slot, n: JNode, path = "$"): Slot {
  switch (t.k) {
    case "opaque":
      checkOpaque(n, path);
      if (cur !== undefined) throw new HttpError(400, `ambiguous JSON body: ${path} given more than once`);
      return { kind: "opaque", node: n };
    case "bool":
      if (n.t === "null") return cur;
      if (n.t !== "bool") typeError("a boolean", n, path);
      return n.v;
    case "string":
      if (n.t === "null") return cur;
      if (n.t !== "str") typeError("a string", n, path);
      return n.v;
    case "int":
      if (n.t === "null") return cur;
      if (n.t !== "num" || !/^-?[0-9]+$/.test(n.raw)) typeError("an integer", n, path);
      return Number(n.raw);
    case "strslice": {
      // StrSlice.UnmarshalJSON: null → nil; a string → [s]; else []string (replaces).
      if (n.t === "null") return undefined;
      if (n.t === "str") return [n.v];
      if (n.t !== "arr") typeError("a string or list of strings", n, path);
      return n.items.map((x, i) => {
        if (x.t !== "str") typeError("a string", x, `${path}[${i}]`);
        return x.v;
      });
    }
    case "slice": {
      if (n.t === "null") return undefined;
      if (n.t !== "arr") typeError("a list", n, path);
      const old = cur && typeof cur === "object" && "kind" in cur && cur.kind === "slice" ? cur : undefined;
      const items: Slot[] = old ? [...old.items] : [];
      const merging = t.of.k === "struct" || t.of.k === "map" || t.of.k === "slice" || t.of.k === "opaque";
      if (n.items.length === 0) return { kind: "slice", items: [], stale: 0 }; // Go makes a fresh empty slice
      const stale = old ? old.stale : 0;
      const oldLen = items.length;
      if (merging && n.items.length > oldLen && stale > 0) {
        // Elements between len and cap keep stale data the way Go grows slices; which of them
        // survive depends on the Go version's capacity rules. Do not guess.
        throw new HttpError(400, `ambiguous JSON body: ${path} given more than once with different lengths`);
      }
      n.items.forEach((x, i) => {
        items[i] = decodeInto(t.of, i < oldLen ? items[i] : undefined, x, `${path}[${i}]`) as Slot;
      });
      const newLen = n.items.length;
      const truncated = Math.max(0, oldLen + stale - newLen);
      return { kind: "slice", items: items.slice(0, newLen) as GoValue[], stale: merging ? truncated : 0 };
    }
    case "map": {
      if (n.t === "null") return undefined;
      if (n.t !== "obj") typeError("an object", n, path);
      const entries = new Map<string, GoValue>(cur && typeof cur === "object" && "kind" in cur && cur.kind === "map" ? cur.entries : []);
      for (const [k, v] of n.entries) entries.set(k, decodeInto(t.of, entries.get(k), v, `${path}[${JSON.stringify(k)}]`) as GoValue);
      return { kind: "map", entries };
    }
    case "struct": {
      if (n.t === "null") return t.ptr ? undefined : cur;
      if (n.t !== "obj") typeError("an object", n, path);
      const fields = new Map<string, Slot>(cur && typeof cur === "object" && "kind" in cur && cur.kind === "struct" ? (cur.fields as Map<string, Slot>) : []);
      const idx = foldIndexOf(t.fields);
      for (const [k, v] of n.entries) {
        const name = fieldFor(t.fields, k, idx);
        if (name === undefined) continue; // Go ignores keys no field takes
        fields.set(name, decodeInto(t.fields[name]!, fields.get(name), v, `${path}.${name}`));
      }
      return { kind: "struct", fields: fields as Map<string, GoValue> };
    }
  }
}

/** Decode a whole body as type `t` (first value only). */
export function decodeBody(t: GoType & { k: "struct" }, body: Buffer): GoStruct {
  const { node } = parseFirstValue(body);
  if (node.t !== "obj") throw new HttpError(400, "invalid JSON body: expected an object");
  return decodeInto(t, undefined, node) as GoStruct;
}

// ───────────────────────────── accessors ─────────────────────────────

export function isStruct(v: unknown): v is GoStruct {
  return typeof v === "object" && v !== null && (v as GoStruct).kind === "struct";
}
export function get(s: GoStruct | undefined, name: string): GoValue | GoSlice {
  return s ? (s.fields as Map<string, GoValue | GoSlice>).get(name) : undefined;
}
export function getStruct(s: GoStruct | undefined, name: string): GoStruct | undefined {
  const v = get(s, name);
  return isStruct(v) ? v : undefined;
}
export function getStr(s: GoStruct | undefined, name: string): string | undefined {
  const v = get(s, name);
  return typeof v === "string" ? v : undefined;
}
export function getBool(s: GoStruct | undefined, name: string): boolean | undefined {
  const v = get(s, name);
  return typeof v === "boolean" ? v : undefined;
}
/** A []string or StrSlice field (empty slice and nil both give [] — use `has` to tell). */
export function getStrings(s: GoStruct | undefined, name: string): string[] {
  const v = get(s, name) as unknown;
  if (Array.isArray(v)) return v as string[];
  if (v && typeof v === "object" && (v as GoSlice).kind === "slice") return (v as GoSlice).items as string[];
  return [];
}
export function getList(s: GoStruct | undefined, name: string): GoValue[] {
  const v = get(s, name) as unknown;
  if (v && typeof v === "object" && (v as GoSlice).kind === "slice") return (v as GoSlice).items;
  return [];
}
export function getMap(s: GoStruct | undefined, name: string): Record<string, string> {
  const v = get(s, name) as unknown;
  const out: Record<string, string> = {};
  if (v && typeof v === "object" && (v as GoMap).kind === "map") for (const [k, x] of (v as GoMap).entries) if (typeof x === "string") out[k] = x;
  return out;
}
/** Field present (even as an empty slice): the daemon treats nil and [] differently for some. */
export function has(s: GoStruct | undefined, name: string): boolean {
  return s !== undefined && s.fields.get(name) !== undefined;
}
export function setField(s: GoStruct, name: string, v: GoValue | GoSlice): void {
  (s.fields as Map<string, GoValue | GoSlice>).set(name, v);
}
export function deleteField(s: GoStruct, name: string): void {
  s.fields.delete(name);
}

// ───────────────────────────── canonical serialization ─────────────────────────────

function nodeToJson(n: JNode): string {
  switch (n.t) {
    case "obj":
      return "{" + n.entries.map(([k, v]) => JSON.stringify(k) + ":" + nodeToJson(v)).join(",") + "}";
    case "arr":
      return "[" + n.items.map(nodeToJson).join(",") + "]";
    case "str":
      return JSON.stringify(n.v);
    case "num":
      return n.raw;
    case "bool":
      return n.v ? "true" : "false";
    case "null":
      return "null";
  }
}

/** Serialize a decoded value: one spelling per field (the canonical Go name), no duplicates. */
export function toJson(v: GoValue | GoSlice): string {
  if (v === undefined) return "null";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "number") return String(v);
  if (typeof v === "string") return JSON.stringify(v);
  if (Array.isArray(v)) return "[" + (v as GoValue[]).map((x) => toJson(x)).join(",") + "]";
  switch ((v as { kind: string }).kind) {
    case "opaque":
      return nodeToJson((v as OpaqueValue).node);
    case "slice":
      return "[" + (v as GoSlice).items.map((x) => (x === undefined ? "null" : toJson(x))).join(",") + "]";
    case "map": {
      const parts: string[] = [];
      for (const [k, x] of (v as GoMap).entries) parts.push(JSON.stringify(k) + ":" + toJson(x));
      return "{" + parts.join(",") + "}";
    }
    case "struct": {
      const parts: string[] = [];
      for (const [k, x] of (v as GoStruct).fields) if (x !== undefined) parts.push(JSON.stringify(k) + ":" + toJson(x));
      return "{" + parts.join(",") + "}";
    }
  }
  throw new Error("unreachable");
}

// ───────────────────────────── the create body's host config ─────────────────────────────

const WRAPPER_ONLY = new Set(["HostConfig", "NetworkingConfig", "Cpuset"]);

/**
 * Split a decoded create body into (Config, HostConfig, NetworkingConfig) the way the daemon's
 * `getHostConfig` does: with a `HostConfig` object, the top-level Memory, MemorySwap, CpuShares,
 * CpusetCpus and VolumeDriver fill its zero fields; without one, the top-level host-config fields
 * are the host config. The canonical body puts everything under `HostConfig`, so daemons that
 * no longer read top-level fields and those that still do read the same thing.
 */
export function splitCreateBody(body: GoStruct): { config: GoStruct; hostConfig?: GoStruct; networking?: GoValue; canonical: string } {
  const config: GoStruct = { kind: "struct", fields: new Map() };
  const topHost: GoStruct = { kind: "struct", fields: new Map() };
  for (const [k, v] of body.fields) {
    if (WRAPPER_ONLY.has(k)) continue;
    if (k in CONFIG_FIELDS) config.fields.set(k, v);
    else if (k in HOST_CONFIG_FIELDS) topHost.fields.set(k, v);
  }
  const inner = getStruct(body, "HostConfig");
  let hc: GoStruct | undefined;
  if (!inner) hc = topHost.fields.size > 0 ? topHost : undefined;
  else {
    hc = { kind: "struct", fields: new Map(inner.fields) };
    for (const k of ["Memory", "MemorySwap", "CpuShares", "CpusetCpus", "VolumeDriver"]) {
      if (!isZero(get(hc, k)) || isZero(get(topHost, k))) continue;
      setField(hc, k, get(topHost, k));
    }
  }
  const cpuset = get(body, "Cpuset");
  if (hc && !isZero(cpuset) && isZero(get(hc, "CpusetCpus"))) setField(hc, "CpusetCpus", cpuset);
  const networking = get(body, "NetworkingConfig") as GoValue;
  const canonical = joinCreate(config, hc, networking);
  const out: { config: GoStruct; hostConfig?: GoStruct; networking?: GoValue; canonical: string } = { config, canonical };
  if (hc) out.hostConfig = hc;
  if (networking !== undefined) out.networking = networking;
  return out;
}

function isZero(v: unknown): boolean {
  if (v === undefined || v === "" || v === 0 || v === false) return true;
  if (v && typeof v === "object" && (v as OpaqueValue).kind === "opaque") {
    const n = (v as OpaqueValue).node;
    return n.t === "null" || (n.t === "num" && Number(n.raw) === 0) || (n.t === "str" && n.v === "");
  }
  return false;
}

/** The canonical create body: Config fields, then `HostConfig`, then `NetworkingConfig`. */
export function joinCreate(config: GoStruct, hc: GoStruct | undefined, networking: GoValue): string {
  const whole: GoStruct = { kind: "struct", fields: new Map(config.fields) };
  if (hc) whole.fields.set("HostConfig", hc);
  if (networking !== undefined) whole.fields.set("NetworkingConfig", networking);
  return toJson(whole);
}
