/** Which files are shell, Makefile or Dockerfile. Cheap: the name, then the first line. */

export type ShellKind = "script" | "makefile" | "dockerfile";

const SHEBANG = /^#!\s*(?:\S*\/)?(?:env\s+(?:-\S+\s+)*)?(sh|bash|zsh|ash|dash|ksh)\b/;

function base(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

export function shellKind(path: string, text: string): ShellKind | undefined {
  const b = base(path);
  const lower = b.toLowerCase();
  if (lower.endsWith(".sh") || lower.endsWith(".bash") || lower.endsWith(".zsh") || lower.endsWith(".ksh")) return "script";
  if (b === "Makefile" || b === "makefile" || b === "GNUmakefile" || lower.endsWith(".mk")) return "makefile";
  if (lower === "dockerfile" || lower === "containerfile" || lower.endsWith(".dockerfile") || lower.endsWith(".containerfile") || /^(docker|container)file[.-]/.test(lower)) return "dockerfile";
  // No extension (or an unrelated one): only a shell shebang makes it a script.
  if (!lower.includes(".") || lower.endsWith(".in") || lower.endsWith(".cgi")) {
    if (text.startsWith("#!")) {
      const nl = text.indexOf("\n");
      const first = text.slice(0, nl < 0 ? Math.min(text.length, 200) : Math.min(nl, 200));
      if (SHEBANG.test(first)) return "script";
    }
  }
  return undefined;
}

/** A NUL byte in the first 8 KiB: a binary file with a script's name. */
export function looksBinary(text: string): boolean {
  const n = Math.min(text.length, 8192);
  for (let i = 0; i < n; i++) if (text.charCodeAt(i) === 0) return true;
  return false;
}
