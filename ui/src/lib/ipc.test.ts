import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { fakeBackend } from "./fake/backend";
import { IpcError, inTauri, toErrorPayload, whoami } from "./ipc";

const SRC = join(import.meta.dirname, "..");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|js|svelte)$/.test(entry.name) ? [path] : [];
  });
}

describe("ipc", () => {
  it("is the only module that imports @tauri-apps/api", () => {
    const files = sourceFiles(SRC);
    expect(files.length).toBeGreaterThan(10);
    const importers = files
      .filter((file) => /["']@tauri-apps\/api(\/[^"']*)?["']/.test(readFileSync(file, "utf8")))
      .map((file) => relative(SRC, file).replaceAll("\\", "/"));
    // This test file names the package in its regex only, without quotes around it.
    expect(importers).toEqual(["lib/ipc.ts"]);
  });

  it("falls back to the in-memory fake outside Tauri", async () => {
    expect(inTauri()).toBe(false);
    const identity = await whoami({ kind: "practice" });
    expect(identity.account).toBe("123456789012");
  });

  it("rejects with the Rust side's payload", async () => {
    const payload = { code: "access_denied" as const, message: "nope", hint: null, field: null };
    fakeBackend.failNext("whoami", payload);
    const error = await whoami({ kind: "practice" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IpcError);
    expect((error as IpcError).payload).toEqual(payload);
  });

  it("turns any other rejection into an internal error", () => {
    expect(toErrorPayload("command x not found")).toEqual({
      code: "internal",
      message: "command x not found",
      hint: null,
      field: null,
    });
    expect(toErrorPayload(new Error("boom")).message).toBe("boom");
  });

  it("types Tauri's refusals of malformed payloads as invalid, on the argument", () => {
    const bad = "invalid args `spec` for command `spec_check`: unknown field `nmae`";
    expect(toErrorPayload(bad)).toEqual({
      code: "invalid",
      message: bad,
      hint: null,
      field: "spec",
    });
    const missing = "command lab_cancel missing required key lab";
    expect(toErrorPayload(missing)).toMatchObject({ code: "invalid", field: "lab" });
  });
});
