/** A 1-based position in a source file. `file` is set when the value came from another file
 *  than the object that uses it (compose `extends`/`include`), relative to the scan root. */
export interface Pos {
  line: number;
  column: number;
  file?: string;
}

/** A value together with where it was written and, when it could not be resolved for sure
 *  (an unset `${VAR}`, a Helm template, a `$(pwd)` in a shell line), why it is uncertain. */
export interface Located<T> {
  value: T;
  at?: Pos;
  uncertain?: string;
}

export interface ContainerRef {
  id: string;
  name: string;
  state: string;
}

/** Where a finding points: a file position (scan, webhook), a container (audit, proxy, watch), or the host. */
export interface FindingLocation {
  file?: string;
  line?: number;
  column?: number;
  container?: ContainerRef;
  host?: string;
}

export function located<T>(value: T, at?: Pos, uncertain?: string): Located<T> {
  const l: Located<T> = { value };
  if (at) l.at = at;
  if (uncertain) l.uncertain = uncertain;
  return l;
}
