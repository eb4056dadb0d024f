// @vitest-environment node
// The production bundle contains no fake backend: ipc.ts loads src/lib/fake only behind the
// build-time flag __FAKE_BACKEND__, which `vite build` leaves off (vite.config.ts). This builds
// the ui as `npm run build` does, and once more with the flag on to show the check would see
// the fake if it were there.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "vite";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..");
const dirs: string[] = [];

/** Strings only the fake has: the replay's refusal, a fixture key, a recorded commit message. */
const FAKE = ["the fake backend has no recorded answer", "practiceAccount", "Try the failing test"];

async function bundle(fake: boolean): Promise<string> {
  const outDir = mkdtempSync(join(tmpdir(), "pipewright-bundle-"));
  dirs.push(outDir);
  await build({
    root: ROOT,
    configFile: join(ROOT, "vite.config.ts"),
    mode: "production",
    logLevel: "silent",
    build: { outDir, emptyOutDir: true },
    ...(fake ? { define: { __FAKE_BACKEND__: "true" } } : {}),
  });
  const files = readdirSync(outDir, { recursive: true, encoding: "utf8" }).filter((f) =>
    /\.(js|html|css)$/.test(f),
  );
  expect(files.some((f) => f.endsWith(".js"))).toBe(true);
  return files.map((f) => readFileSync(join(outDir, f), "utf8")).join("\n");
}

afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("the production bundle", () => {
  it("has no fake backend, and the check would find one", { timeout: 120_000 }, async () => {
    const shipped = await bundle(false);
    for (const s of FAKE) expect(shipped, s).not.toContain(s);
    const withFake = await bundle(true);
    for (const s of FAKE) expect(withFake, s).toContain(s);
  });
});
