// The student's journey in the real app, practice mode: Connect, the five lecture steps,
// Review, then Create and watch every resource come up. Saves a screenshot of each screen.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  click,
  completePendingConnections,
  fill,
  launchApp,
  screenshot,
  startSandbox,
  stopProcess,
  waitForText,
} from "./harness.mjs";

let sandbox;
before(async () => {
  sandbox = await startSandbox();
});
after(() => stopProcess(sandbox?.child));

test("from Connect through the five steps and Review to a created lab", async () => {
  const { browser, close } = await launchApp({ lang: "en_US.UTF-8", sandboxUrl: sandbox.url });
  try {
    await click(browser, '[data-testid="check-identity"]');
    await waitForText(browser, '[data-testid="whoami-account"]', "123456789012", 30_000);

    await click(browser, '[data-testid="nav-source"]');
    await waitForText(browser, '[data-testid="screen-title"]', "Source");
    await fill(browser, '[data-testid="field-source.repository"] input', "octo/hello-ktb");
    await screenshot(browser, "step-source");

    for (const [id, title] of [
      ["pipeline", "CodePipeline"],
      ["build", "CodeBuild"],
      ["registry", "ECR"],
      ["deploy", "ECS"],
    ]) {
      await click(browser, `[data-testid="nav-${id}"]`);
      await waitForText(browser, '[data-testid="screen-title"]', title);
      await screenshot(browser, `step-${id}`);
    }

    await click(browser, '[data-testid="nav-review"]');
    await waitForText(browser, '[data-testid="review-resources"]', "ktb");
    const create = await browser.$('[data-testid="review-create"]');
    await create.waitForEnabled({ timeout: 15_000, timeoutMsg: "Create stays disabled: the spec has errors" });
    await screenshot(browser, "review");
    await click(browser, '[data-testid="review-create"]');

    // The GitHub handshake: a person completes it in the console; here the sandbox's page.
    const deadline = Date.now() + 60_000;
    while ((await completePendingConnections(sandbox.url)) === 0) {
      assert.ok(Date.now() < deadline, "no connection ever waited for the handshake");
      await new Promise((r) => setTimeout(r, 250));
    }
    await screenshot(browser, "progress-running");
    await waitForText(browser, '[data-testid="progress-report"]', "", 120_000);
    await screenshot(browser, "progress-done");
    const failed = await browser.execute(() => document.querySelectorAll('[data-state="failed"]').length);
    assert.equal(failed, 0, "no resource failed");
  } finally {
    await close();
  }
});
