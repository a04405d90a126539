/**
 * The blast-radius report of a real audit, opened in headless Chromium (Debian's `chromium`, driven
 * by playwright-core through its executablePath). A private dockerd runs:
 * - `b-sock`: root, binds the daemon socket → a critical socket-mount edge "bind of the socket";
 * - `b-holder`: created (dormant) with the socket bound → high, drawn dormant;
 * - `b-evil`: binds a path whose directory is named `<img src=x onerror=alert(1)>` (container names
 *   cannot hold `<`, host paths can): its finding quotes the path, the page must show it as text;
 * - `b-clean`: nothing risky.
 * Plus one endpoint that is down. The test clicks b-sock's node, filters the table, checks labels
 * and contrast, and saves the page and a screenshot under test-artifacts/ (kept by CI).
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { startDockerd, type Dockerd } from "../harness/dockerd.js";
import { auditFleet } from "../../src/fleet/index.js";
import { defaultPolicy } from "../../src/policy/types.js";
import { renderHtml } from "../../src/report/html/index.js";
import type { Report } from "../../src/model/report.js";

const CHROMIUM = "/usr/bin/chromium";
const XSS = "<img src=x onerror=alert(1)>";
const ARTIFACTS = resolve("test-artifacts");

/** Debian's chromium: installed here when missing and we are root; otherwise a clear failure. */
function ensureChromium(): void {
  if (existsSync(CHROMIUM)) return;
  if (process.getuid?.() !== 0) throw new Error(`${CHROMIUM} is missing and this is not root: install it with \`apt-get install -y chromium\` (Debian's package), then run the test again`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
  execFileSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", "chromium"], { stdio: "inherit", env });
  if (!existsSync(CHROMIUM)) throw new Error(`apt-get install chromium did not provide ${CHROMIUM}`);
}

let d: Dockerd;
let tmp: string;
let report: Report;
let ctx: BrowserContext;
let page: Page;
const dialogs: string[] = [];
const requests: string[] = [];

before(async () => {
  ensureChromium();
  d = await startDockerd();
  tmp = mkdtempSync(join(tmpdir(), "swhtml-"));
  const evilDir = join(d.dir, XSS);
  mkdirSync(evilDir);
  await Promise.all([
    d.docker(["run", "-d", "--name", "b-sock", "--network", "none", "-v", `${d.socket}:/var/run/docker.sock`, "mini:latest", "sleep", "600"]),
    d.docker(["create", "--name", "b-holder", "--network", "none", "-v", `${d.socket}:/var/run/docker.sock`, "mini:latest", "sleep", "600"]),
    d.docker(["create", "--name", "b-evil", "--network", "none", "-v", `${join(evilDir, "docker.sock")}:/var/run/docker.sock`, "mini:latest", "sleep", "600"]),
    d.docker(["run", "-d", "--name", "b-clean", "--network", "none", "-u", "1000", "mini:latest", "sleep", "600"]),
  ]);
  report = await auditFleet([{ host: d.host }, { host: `unix://${join(tmp, "down.sock")}` }], {
    policy: defaultPolicy(),
    all: true,
    progress: false,
    env: d.env,
    audit: { events: false, probeListeners: false },
  });
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = join(ARTIFACTS, "blast-radius.html");
  writeFileSync(file, renderHtml(report));
  ctx = await chromium.launchPersistentContext(join(tmp, "profile"), {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    viewport: { width: 1400, height: 1000 },
  });
  page = ctx.pages()[0] ?? (await ctx.newPage());
  page.on("dialog", (dl) => {
    dialogs.push(dl.message());
    void dl.dismiss();
  });
  page.on("request", (r) => requests.push(r.url()));
  await page.goto("file://" + file);
});

after(async () => {
  await ctx?.close();
  await d?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test("the evil path is text: no dialog, no injected element, no request but the file itself", async () => {
  await page.waitForTimeout(300); // let any (wrongly) injected handler fire
  assert.deepEqual(dialogs, []);
  assert.equal(await page.locator("img").count(), 0);
  assert.ok((await page.locator("#findings").innerText()).includes(XSS), "the payload shows as text in the table");
  assert.ok(requests.every((u) => u.startsWith("file://")), requests.join("\n"));
  // The down host: its reason, and no (empty, reassuring-looking) graph.
  assert.match(await page.locator("#host-1").innerText(), /Not audited: daemon-down: cannot connect/);
  assert.equal(await page.locator("#host-1 svg").count(), 0);
});

test("clicking a container node shows its findings with meaning and decision", async () => {
  const node = page.locator('[data-node][aria-label^="container b-sock "]');
  assert.equal(await node.count(), 1);
  await node.click();
  const panel = page.locator("#details-0");
  assert.match(await panel.locator("h3").innerText(), /^container b-sock \(image mini:latest\), running/);
  const text = await panel.innerText();
  assert.match(text, /critical\s+Container runtime socket mounted into a container/);
  assert.match(text, /container:b-sock: Mounts the docker socket .*docker\.sock at \/var\/run\/docker\.sock/);
  assert.match(text, /Meaning: A runtime's control socket/);
  assert.match(text, /Decision: Remove the mount\./);
  // The dormant holder is drawn dormant; its edge says how it reaches the socket.
  assert.equal(await page.locator('.node.dormant[aria-label^="container b-holder "]').count(), 1);
  assert.ok((await page.locator("svg").first().textContent())!.includes("bind of the socket"));
  // Keyboard: focus + Enter selects too.
  await page.locator('[data-node][aria-label^="container b-holder "]').focus();
  await page.keyboard.press("Enter");
  assert.match(await panel.locator("h3").innerText(), /^container b-holder .*created \(dormant\)/);
});

test("the table filters by host, concern and severity, and sorts", async () => {
  const visible = () => page.locator("#findings tbody tr:not([hidden])");
  const total = report.findings.length;
  assert.equal(await visible().count(), total);
  // socket-mount at ≥ critical: only b-sock (the holder is high because dormant, b-evil low: nothing is there).
  await page.selectOption("#f-concern", "socket-mount");
  await page.selectOption("#f-sev", "4");
  assert.equal(await visible().count(), 1);
  assert.match(await visible().first().innerText(), /container:b-sock/);
  assert.equal(await page.locator("#f-status").innerText(), `1 of ${total} findings shown`);
  await page.selectOption("#f-sev", "0");
  await page.fill("#f-text", "b-holder");
  assert.ok((await visible().count()) >= 1);
  for (const t of await visible().allInnerTexts()) assert.match(t, /b-holder/);
  // The down host has no findings.
  await page.fill("#f-text", "");
  await page.selectOption("#f-concern", "");
  await page.selectOption("#f-host", "1");
  assert.equal(await visible().count(), 0);
  await page.selectOption("#f-host", "");
  // Sort by severity, ascending: the least severe first.
  await page.locator("#findings thead th", { hasText: "Severity" }).locator("button").click();
  assert.equal(await page.locator("#findings thead th", { hasText: "Severity" }).getAttribute("aria-sort"), "ascending");
  const sevs = await page.locator("#findings tbody tr td:nth-child(2) .sev").allInnerTexts();
  const rank = ["info", "low", "medium", "high", "critical"];
  for (let i = 1; i < sevs.length; i++) assert.ok(rank.indexOf(sevs[i - 1]!) <= rank.indexOf(sevs[i]!), sevs.join(","));
  await page.screenshot({ path: join(ARTIFACTS, "blast-radius.png"), fullPage: true });
});

/** WCAG 2.x relative luminance and contrast ratio. */
function luminance([r, g, b]: number[]): number {
  const c = [r!, g!, b!].map((v) => {
    const s = v / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * c[0]! + 0.7152 * c[1]! + 0.0722 * c[2]!;
}
const contrast = (a: number[], b: number[]) => {
  const [l1, l2] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (l1! + 0.05) / (l2! + 0.05);
};

test("accessibility of the table: every control labelled, text contrast ≥ 4.5:1", async () => {
  const controls = await page.evaluate(() =>
    Array.from(document.querySelectorAll<HTMLElement>(".controls select, .controls input, #findings button")).map((c) => {
      const labels = (c as HTMLInputElement).labels;
      const name = labels && labels.length ? Array.from(labels).map((l) => l.textContent ?? "").join(" ") : c.getAttribute("aria-label") ?? (c.tagName === "BUTTON" ? c.textContent ?? "" : "");
      return { tag: c.tagName, id: c.id, name: name.trim() };
    }),
  );
  assert.ok(controls.length >= 10, "4 filters + 6 sort buttons");
  for (const c of controls) assert.ok(c.name.length > 0, `unlabelled control ${c.tag}#${c.id}`);
  // Colours of every element with text in the controls and the table, against its effective background.
  // A string, not a function: tsx would wrap named inner functions in a helper the page does not have.
  const pairs = (await page.evaluate(`(() => {
    const rgb = (s) => (s.match(/[\\d.]+/g) || []).map(Number);
    const bg = (e) => {
      for (let x = e; x; x = x.parentElement) {
        const c = rgb(getComputedStyle(x).backgroundColor);
        if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c.slice(0, 3);
      }
      return [255, 255, 255];
    };
    const out = [];
    for (const e of Array.from(document.querySelectorAll(".controls *, #findings *, #fleet-summary *"))) {
      const own = Array.from(e.childNodes).some((n) => n.nodeType === 3 && (n.textContent || "").trim() !== "");
      if (!own || e.closest("[hidden]") || e.closest(".sr-only")) continue;
      out.push({ text: (e.textContent || "").trim().slice(0, 30), fg: rgb(getComputedStyle(e).color).slice(0, 3), bg: bg(e) });
    }
    return out;
  })()`)) as { text: string; fg: number[]; bg: number[] }[];
  assert.ok(pairs.length > 20);
  for (const p of pairs) {
    const ratio = contrast(p.fg, p.bg);
    assert.ok(ratio >= 4.5, `contrast ${ratio.toFixed(2)} < 4.5 for "${p.text}" (${p.fg} on ${p.bg})`);
  }
});
