// The doctor in the real app, practice mode: the lecture's sample repository with its own
// buildspec kept (file mode), so the first run's build pushes to the lecturer's account and
// fails. Progress offers the doctor under the failed Create, Watch under the failed run; both
// name the hard-coded account and the fix. Saves screenshots of each.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { click, completePendingConnections, launchApp, screenshot, startSandbox, stopProcess, waitForCodes, waitForText } from "./harness.mjs";

let sandbox;
before(async () => {
  sandbox = await startSandbox();
});
after(() => stopProcess(sandbox?.child));


async function askTheDoctor(b, where) {
  await click(b, '[data-testid="doctor-run"]');
  await waitForCodes(b, (c) => c.includes("buildspec_foreign_account"), `the doctor on ${where} named no foreign account`, 60_000);
  const text = await b.execute(
    () => document.querySelector('[data-code="buildspec_foreign_account"] [data-testid="finding-text"]').textContent,
  );
  assert.match(text, /111122223333/);
  assert.match(text, /\$REPOSITORY_URI/);
  await b.execute(() => document.querySelector('[data-testid="doctor"]').scrollIntoView());
  await screenshot(b, `doctor-${where}`);
}

test("the doctor names the lecture's hard-coded account on Progress and on Watch", async () => {
  const { browser: b, close } = await launchApp({ lang: "en_US.UTF-8", sandboxUrl: sandbox.url });
  try {
    await click(b, '[data-testid="check-identity"]');
    await waitForText(b, '[data-testid="whoami-account"]', "123456789012", 30_000);

    await click(b, '[data-testid="nav-source"]');
    await waitForText(b, '[data-testid="screen-title"]', "Source");
    await click(b, '[data-testid="preflight-use-sample"]');
    await waitForCodes(b, (c) => c.includes("branch_missing"), "the branch finding never showed");
    await click(b, '[data-code="branch_missing"] [data-testid="remedy"]');
    await waitForCodes(b, (c) => !c.includes("branch_missing"), "the branch fix did not clear the finding");

    // File mode, and the lecture's buildspec kept as it is.
    await click(b, '[data-testid="nav-build"]');
    await click(b, '[data-testid="choice-build.buildspec_mode-file"]');
    await click(b, '[data-testid="nav-review"]');
    const create = await b.$('[data-testid="review-create"]');
    await create.waitForEnabled({ timeout: 15_000 });
    await click(b, '[data-testid="review-create"]');
    const deadline = Date.now() + 60_000;
    while ((await completePendingConnections(sandbox.url)) === 0) {
      assert.ok(Date.now() < deadline, "no connection ever waited for the handshake");
      await new Promise((r) => setTimeout(r, 250));
    }
    const doctor = await b.$('[data-testid="doctor"]');
    await doctor.waitForExist({ timeout: 180_000, timeoutMsg: "Progress never offered the doctor" });
    await askTheDoctor(b, "progress");

    await click(b, '[data-testid="nav-watch"]');
    await waitForText(b, '[data-testid="screen-title"]', "Watch the pipeline");
    await b.waitUntil(
      async () =>
        (await b.execute(() => document.querySelector('[data-testid="watch-run-status"]')?.getAttribute("data-status"))) ===
        "Failed",
      { timeout: 60_000, interval: 200 },
    );
    await askTheDoctor(b, "watch");
  } finally {
    await close();
  }
});
