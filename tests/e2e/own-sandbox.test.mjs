// Practice mode with no sandbox of the tests' own: the app starts `sandbox/run` itself on the
// first identity check, and stops it when it closes (no process left, the port free again).
// The installed app's kill -9 case is tests/e2e/installed (scripts/package.sh --test).
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { appBinary, click, launchApp, repoRoot, waitForText } from "./harness.mjs";
import { alive, listeningPorts, processes, refused } from "./procs.mjs";

/** Polls `check` every 200 ms until it returns true; false after `ms`. */
async function within(ms, check) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

test("practice mode starts its own sandbox and stops it when the app closes", async () => {
  const app = appBinary();
  const { browser, close } = await launchApp({
    lang: "en_US.UTF-8",
    sandboxUrl: "",
    env: { PIPEWRIGHT_SANDBOX_RUN: join(repoRoot, "sandbox", "run") },
  });
  let closed = false;
  try {
    const mine = () => processes().filter((p) => p.exe === app && alive(p));
    const [appProcess, ...others] = mine();
    assert.ok(appProcess && others.length === 0, `exactly one ${app} runs`);
    const sandboxes = () =>
      processes().filter((p) => p.ppid === appProcess.pid && alive(p) && p.cmdline.includes("pipewright_sandbox"));
    assert.deepEqual(sandboxes(), [], "no sandbox before practice mode is used");

    await click(browser, '[data-testid="check-identity"]');
    await waitForText(browser, '[data-testid="whoami-account"]', "123456789012", 90_000);
    const started = sandboxes();
    assert.equal(started.length, 1, `one sandbox child: ${JSON.stringify(started)}`);
    const [sandbox] = started;
    const ports = listeningPorts(sandbox.pid);
    assert.equal(ports.length, 1, "the sandbox listens on one port");
    assert.equal(await refused(ports[0]), false, "the sandbox answers on its port");

    await close();
    closed = true;
    assert.ok(await within(15_000, () => mine().length === 0), "the app exits");
    const gone = await within(15_000, async () => {
      const left = processes().filter((p) => p.pid === sandbox.pid && alive(p));
      return left.length === 0 && (await refused(ports[0]));
    });
    assert.ok(gone, `the sandbox (pid ${sandbox.pid}) ended and port ${ports[0]} is free`);
  } finally {
    if (!closed) await close();
  }
});
