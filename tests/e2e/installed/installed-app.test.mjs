// The installed app, as a student gets it: the binary from the .deb (PIPEWRIGHT_APP, e.g.
// /usr/bin/pipewright-app), started from its installed location with no sandbox of the
// tests' own, so practice mode starts the frozen sandbox shipped inside the package. Run by
// scripts/package-test.sh (not by `npm test`: it needs the package installed), inside a mount
// namespace where no Python exists.
//
// It reads the first-run page, connects in practice mode to the sandbox's account, checks that
// the sandbox is the packaged one, then kill -9s the app and checks that the sandbox went with
// it: no process left, no port bound.
import assert from "node:assert/strict";
import { test } from "node:test";
import { click, launchApp, screenshot, waitForText } from "../harness.mjs";
import { alive, listeningPorts, processes, refused } from "../procs.mjs";

const app = process.env.PIPEWRIGHT_APP;
const sandboxDir = process.env.PIPEWRIGHT_EXPECT_SANDBOX_DIR ?? "/usr/lib/Pipewright/sandbox/";

test("the installed app runs practice mode on its own frozen sandbox, which dies with it", async () => {
  assert.ok(app, "PIPEWRIGHT_APP names the installed binary");
  const { browser, close } = await launchApp({ lang: "en_US.UTF-8", env: { PIPEWRIGHT_SANDBOX_RUN: "" } });
  let killed = false;
  try {
    // A first start: the first-run page explains practice mode and instructor keys.
    await waitForText(browser, '[data-testid="first-run-practice"]', "no AWS account needed");
    await screenshot(browser, "installed-first-run");
    await click(browser, '[data-testid="first-run-dismiss"]');

    // Practice mode is the default source: Check identity starts the packaged sandbox.
    await click(browser, '[data-testid="check-identity"]');
    await waitForText(browser, '[data-testid="whoami-account"]', "123456789012", 90_000);
    await waitForText(browser, '[data-testid="practice-badge"]', "Practice");
    await screenshot(browser, "installed-connect-practice");

    const [appProcess, ...others] = processes().filter((p) => p.exe === app && alive(p));
    assert.ok(appProcess && others.length === 0, `exactly one ${app} runs`);
    // The app's children: WebKit's processes and the sandbox, run from the package.
    const children = processes().filter((p) => p.ppid === appProcess.pid && alive(p));
    const sandboxes = children.filter((p) => !p.exe.includes("WebKit"));
    assert.equal(sandboxes.length, 1, `one child besides WebKit's: ${JSON.stringify(children)}`);
    const [sandbox] = sandboxes;
    assert.ok(
      sandbox.exe.startsWith(sandboxDir),
      `the sandbox runs from the package (${sandbox.exe}), not from a Python environment`,
    );
    const ports = listeningPorts(sandbox.pid);
    assert.equal(ports.length, 1, "the sandbox listens on one port");
    assert.equal(await refused(ports[0]), false, "the sandbox answers on its port");

    // The app crashes (kill -9: no clean-up code runs). The sandbox must go too.
    process.kill(appProcess.pid, "SIGKILL");
    killed = true;
    const deadline = Date.now() + 10_000;
    let left = [sandbox];
    while (Date.now() < deadline) {
      left = processes().filter((p) => p.pid === sandbox.pid && alive(p));
      if (left.length === 0 && (await refused(ports[0]))) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.deepEqual(left, [], "no sandbox process outlives the killed app");
    assert.ok(await refused(ports[0]), `port ${ports[0]} is free again`);
    assert.deepEqual(
      processes().filter((p) => p.exe.startsWith(sandboxDir) && alive(p)),
      [],
      "no frozen sandbox runs at all",
    );
  } finally {
    await close().catch((e) => {
      if (!killed) throw e;
    });
  }
});
