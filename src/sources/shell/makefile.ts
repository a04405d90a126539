/**
 * Makefile → the shell text its recipes run, line for line (every other line blanked, so positions
 * in the result are positions in the Makefile), plus simple variable assignments.
 * Recipe prefixes `@ - +` become spaces: columns stay true.
 */
export interface MakeText {
  text: string;
  vars: Map<string, { value: string; where?: string }>;
}

const ASSIGN = /^(?:export\s+|override\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*(?:::?:?=|\?=|\+=|!=|=)\s*(.*)$/;

export function makefileRecipes(text: string): MakeText {
  const lines = text.split("\n");
  const out: string[] = new Array(lines.length);
  const vars = new Map<string, { value: string; where?: string }>();
  let inRule = false;
  let inDefine = false;
  let continued = false; // the previous recipe line ended with a backslash
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (inDefine) {
      out[i] = "";
      if (/^\s*endef\b/.test(line)) inDefine = false;
      continue;
    }
    if (line.startsWith("\t") && (inRule || continued)) {
      let body = " " + line.slice(1);
      if (!continued) body = body.replace(/^(\s*)([@+-]+)/, (_m, sp: string, pre: string) => sp + " ".repeat(pre.length));
      out[i] = body;
      continued = /\\$/.test(line);
      continue;
    }
    if (continued && inRule) {
      // A continued recipe line need not start with a tab.
      out[i] = line;
      continued = /\\$/.test(line);
      continue;
    }
    continued = false;
    out[i] = "";
    if (/^\s*define\s/.test(line)) {
      inDefine = true;
      continue;
    }
    if (line.trim() === "" || line.trimStart().startsWith("#")) continue;
    const m = ASSIGN.exec(line);
    if (m && !/^[^=]*:[^=]/.test(line.replace(/::?=|\?=|\+=|!=/, "="))) {
      vars.set(m[1]!, { value: m[2]!.replace(/\s+#.*$/, "").trim(), where: `make variable set on line ${i + 1}` });
      continue;
    }
    // A rule line `target: prereqs` (also `target: ; recipe`).
    if (/^[^\t#=][^=]*?:(?!=)/.test(line)) {
      inRule = true;
      const semi = line.indexOf(";");
      if (semi > 0) out[i] = " ".repeat(semi + 1) + line.slice(semi + 1);
      continue;
    }
    // Conditionals inside a rule keep the rule open; anything else ends it.
    if (!/^\s*(ifeq|ifneq|ifdef|ifndef|else|endif)\b/.test(line)) inRule = false;
  }
  return { text: out.join("\n"), vars };
}
