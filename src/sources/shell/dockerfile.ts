/**
 * Dockerfile → the shell text of its `RUN` instructions, line for line (other lines blanked, so
 * positions stay true), plus `ENV`/`ARG` values. `VOLUME /var/run/docker.sock` only declares a
 * mount point inside the image and binds nothing from the host: it is deliberately not read.
 */
export interface DockerfileText {
  text: string;
  vars: Map<string, { value: string; where?: string }>;
  /** `ENV DOCKER_HOST=…` baked into the image: line/column of the value. */
  envHosts: { name: string; value: string; line: number; column: number }[];
}

export function dockerfileRuns(text: string): DockerfileText {
  const lines = text.split("\n").map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
  const out: string[] = lines.map(() => "");
  const vars = new Map<string, { value: string; where?: string }>();
  const envHosts: DockerfileText["envHosts"] = [];
  let escape = "\\";
  const m0 = /^#\s*escape\s*=\s*(\S)/i.exec(lines[0] ?? "");
  if (m0) escape = m0[1]!;
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    const m = /^(\s*)([A-Za-z]+)(\s+|$)/.exec(line);
    if (!m || line.trimStart().startsWith("#")) {
      i++;
      continue;
    }
    const instr = m[2]!.toUpperCase();
    // Gather the instruction's physical lines (escape-continued; comment and empty lines inside
    // a continuation are dropped by the Dockerfile parser).
    const first = i;
    const body: number[] = [i];
    let cont = line.endsWith(escape);
    i++;
    while (cont && i < lines.length) {
      const l = lines[i]!;
      body.push(i);
      i++;
      if (l.trimStart().startsWith("#") || l.trim() === "") continue;
      cont = l.endsWith(escape);
    }
    if (instr === "RUN") {
      const kwEnd = m[0].length;
      let rest = line.slice(kwEnd);
      // Flags of RUN (`--mount=type=cache,…`, `--network=host`) are BuildKit's, not the command's.
      let pad = kwEnd;
      const fl = /^(--\S+\s+)+/.exec(rest);
      if (fl) {
        pad += fl[0].length;
        rest = rest.slice(fl[0].length);
      }
      const heredoc = /^<<-?\s*["']?([A-Za-z_][A-Za-z0-9_]*)["']?/.exec(rest.trim());
      if (heredoc) {
        // `RUN <<EOF … EOF`: the body is the script.
        const delim = heredoc[1]!;
        let j = first + 1;
        while (j < lines.length && lines[j]!.trim() !== delim) {
          out[j] = lines[j]!;
          j++;
        }
        i = Math.max(i, j + 1);
        continue;
      }
      if (rest.trimStart().startsWith("[")) {
        // Exec form: a JSON array of argv; quote each element for the tokenizer.
        try {
          const arr = JSON.parse(body.map((k) => lines[k]).join("\n").slice(pad)) as unknown;
          if (Array.isArray(arr) && arr.every((x) => typeof x === "string")) {
            out[first] = " ".repeat(pad) + arr.map((a) => "'" + a.replace(/'/g, `'\\''`) + "'").join(" ");
          }
        } catch {
          /* not valid JSON: Docker would run it as shell form */
          out[first] = " ".repeat(pad) + rest;
        }
        continue;
      }
      for (const k of body) {
        let l = k === first ? " ".repeat(pad) + rest : lines[k]!;
        if (k !== first && (l.trimStart().startsWith("#") || l.trim() === "")) l = "\\";
        if (escape !== "\\" && l.endsWith(escape)) l = l.slice(0, -1) + "\\";
        out[k] = l;
      }
      continue;
    }
    if (instr === "ENV" || instr === "ARG") {
      const rest = line.slice(m[0].length);
      const col0 = m[0].length + 1;
      const pairs: { name: string; value: string; col: number }[] = [];
      const re = /([A-Za-z_][A-Za-z0-9_]*)=("([^"]*)"|'([^']*)'|(\S*))/g;
      let pm: RegExpExecArray | null;
      let any = false;
      while ((pm = re.exec(rest))) {
        any = true;
        pairs.push({ name: pm[1]!, value: pm[3] ?? pm[4] ?? pm[5] ?? "", col: col0 + pm.index + pm[1]!.length + 1 });
      }
      if (!any && instr === "ENV") {
        const legacy = /^([A-Za-z_][A-Za-z0-9_]*)\s+(.*)$/.exec(rest);
        if (legacy) pairs.push({ name: legacy[1]!, value: legacy[2]!.trim(), col: col0 + rest.indexOf(legacy[2]!) });
      }
      for (const p of pairs) {
        vars.set(p.name, { value: p.value, where: `${instr} on line ${first + 1}` });
        if (instr === "ENV" && (p.name === "DOCKER_HOST" || p.name === "CONTAINER_HOST")) envHosts.push({ name: p.name, value: p.value, line: first + 1, column: p.col });
      }
    }
  }
  return { text: out.join("\n"), vars, envHosts };
}
