/**
 * Property tests: the parser never throws, whatever the flag order, quoting or garbage; and a
 * socket bind written with any quoting style, anywhere among other flags, is always found.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { tokenizeShell } from "../../../src/sources/dockerargs/words.js";
import { parseDockerCommand } from "../../../src/sources/dockerargs/parse.js";
import { scanShell } from "../../../src/sources/dockerargs/scan.js";

const FLAGS = ["-d", "-it", "--rm", "--privileged", "--name x", "-p 80:80", "--network=host", "--pid host", "-u 0", "-e A=1", "--cap-add SYS_ADMIN", "--mount type=tmpfs,dst=/t", "-w /app", "--restart=always", "--entrypoint sh", "-l a=b", "--security-opt seccomp=unconfined", "--gpus all", "--tmpfs /run", "--device /dev/fuse"];

/** Quote a word one of five ways the shell reads identically. */
function quote(word: string, style: number): string {
  switch (style) {
    case 0: return word;
    case 1: return `'${word}'`;
    case 2: return `"${word}"`;
    case 3: return word.replace(/([/:])/g, "\\$1");
    default: return `${word.slice(0, 3)}"${word.slice(3)}"`;
  }
}

test("never throws on arbitrary text (tokenizer + scanner)", () => {
  fc.assert(
    fc.property(fc.string({ unit: "binary", maxLength: 400 }), (s) => {
      const r = scanShell(s, { door: "shell", file: "x.sh" });
      assert.ok(Array.isArray(r.workloads));
    }),
    { numRuns: 2000 },
  );
});

test("never throws on docker-shaped garbage", () => {
  const tok = fc.oneof(
    fc.constantFrom("docker", "run", "-v", "--mount", "-itv", "--", "=", "'", '"', "\\", "$(", ")", "`", "${", "}", "|", "&&", ";", "\n", "<<EOF", "EOF", "-e", "--privileged=", "--pid", "sudo", "-H", "type=bind,src=", ",", ":", "/var/run/docker.sock", "$X", "#"),
    fc.string({ maxLength: 6 }),
  );
  fc.assert(
    fc.property(fc.array(tok, { maxLength: 40 }), fc.array(fc.constantFrom(" ", "", "\t", "\\\n"), { minLength: 40, maxLength: 40 }), (toks, seps) => {
      const text = "docker run " + toks.map((t, i) => t + seps[i]).join("");
      const r = scanShell(text, { door: "shell" });
      assert.ok(r.workloads.length >= 0);
      for (const c of tokenizeShell(text).commands) parseDockerCommand(c.words, { door: "shell" });
    }),
    { numRuns: 3000 },
  );
});

test("a socket bind is found whatever the flag order and quoting", () => {
  fc.assert(
    fc.property(
      fc.shuffledSubarray(FLAGS),
      fc.nat({ max: 20 }),
      fc.nat({ max: 4 }),
      // [flag, separator, value prefix]: separated forms quote the whole value word, glued forms the whole word.
      fc.constantFrom(["-v", " ", ""], ["--volume", " ", ""], ["--volume", "=", ""], ["-v", "=", ""], ["-itv", " ", ""], ["-v", "", ""], ["--mount", " ", "type=bind,src="], ["--mount", "=", "type=bind,source="]),
      fc.boolean(),
      (flags, posRaw, style, form, continued) => {
        const pos = posRaw % (flags.length + 1);
        const [flag, sep, prefix] = form;
        const spec = prefix + (flag === "--mount" ? "/var/run/docker.sock,dst=/s" : "/var/run/docker.sock:/s");
        const sockArg = sep === " " ? `${flag} ${quote(spec, style)}` : quote(flag + sep + spec, style === 3 ? 0 : style);
        const all = [...flags];
        all.splice(pos, 0, sockArg);
        const text = "docker run " + all.join(continued ? " \\\n  " : " ") + " img cmd -v /etc:/etc";
        const r = scanShell(text, { door: "shell" });
        assert.equal(r.workloads.length, 1, text);
        const w = r.workloads[0]!;
        assert.equal(w.image?.value, "img", text);
        const socks = w.mounts.filter((m) => m.hostPath === "/var/run/docker.sock");
        assert.equal(socks.length, 1, text);
        assert.equal(w.mounts.some((m) => m.hostPath === "/etc"), false, "after the image: the container's argv");
      },
    ),
    { numRuns: 1500 },
  );
});

test("positions: every plain word is found in the text at its own line and column", () => {
  const atom = fc.oneof(
    fc.stringMatching(/^[a-z0-9/_.:=-]{1,8}$/),
    fc.constantFrom(" ", "  ", "\t", "\n", " \\\n ", ";", " && ", " | ", "'q q'", '"d $X"', "$(a b)", "# c\n"),
  );
  fc.assert(
    fc.property(fc.array(atom, { maxLength: 30 }), (parts) => {
      const text = parts.join("");
      const lines = text.split("\n");
      for (const c of tokenizeShell(text).commands) {
        for (const w of c.words) {
          if (!w.plain) continue;
          const line = lines[w.line - 1];
          assert.ok(line !== undefined, `line ${w.line} exists`);
          assert.equal(line.slice(w.column - 1, w.column - 1 + w.value.length), w.value, JSON.stringify({ text, w }));
        }
      }
    }),
    { numRuns: 1500 },
  );
});
