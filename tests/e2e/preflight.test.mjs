// The student's repository in the real app, practice mode: the preflight on the Source step
// offers the sandbox's sample repository and names the branch mistake (the lecture's sample has
// only master); in file mode Review names the lecture's hard-coded buildspec; the student takes
// the one-click fixes, the lab comes up, and a greeting edited and pushed from Watch goes
// through Source → Build → Deploy. Saves screenshots of each.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  click,
  completeHandshake,
  fill,
  launchApp,
  sandboxForFile,
  screenshot,
  waitForText,
} from "./harness.mjs";

const sandbox = sandboxForFile();

const codes = (b) =>
  b.execute(() => [...document.querySelectorAll('[data-testid="finding"]')].map((el) => el.getAttribute("data-code")));

async function waitForCodes(b, check, what) {
  await b.waitUntil(async () => check(await codes(b)), { timeout: 30_000, interval: 200, timeoutMsg: what });
}

test("preflight findings, their fixes, the lab up and a greeting pushed from Watch", async () => {
  const { browser: b, close } = await launchApp({ lang: "en_US.UTF-8", sandboxUrl: sandbox.url });
  try {
    await click(b, '[data-testid="check-identity"]');
    await waitForText(b, '[data-testid="whoami-account"]', "123456789012", 30_000);

    await click(b, '[data-testid="nav-source"]');
    await waitForText(b, '[data-testid="screen-title"]', "Source");
    await fill(b, '[data-testid="field-source.repository"] input', "someone/not-here");
    await waitForCodes(b, (c) => c.includes("repository_private_or_missing"), "no finding for a missing repository");
    await click(b, '[data-testid="preflight-use-sample"]');
    await waitForCodes(b, (c) => c.includes("branch_missing"), "the branch finding never showed");
    assert.ok(!(await codes(b)).includes("trigger_matches_no_branch"), "the branch fix covers the trigger");
    const text = await b.execute(
      () => document.querySelector('[data-code="branch_missing"] [data-testid="finding-text"]').textContent,
    );
    assert.match(text, /no branch "main"/);
    assert.match(text, /Use the branch "master"/);
    await screenshot(b, "preflight-source");

    await click(b, '[data-code="branch_missing"] [data-testid="remedy"]');
    await waitForCodes(b, (c) => !c.includes("branch_missing"), "the branch fix did not clear the finding");
    const branch = await b.execute(() => document.querySelector('[data-testid="field-source.branch"] input').value);
    assert.equal(branch, "master");

    // File mode: the lecture's own buildspec, as the sample has it.
    await click(b, '[data-testid="nav-build"]');
    await click(b, '[data-testid="choice-build.buildspec_mode-file"]');
    await click(b, '[data-testid="nav-review"]');
    await waitForCodes(
      b,
      (c) => ["buildspec_repository_uri", "buildspec_region", "buildspec_container_name"].every((x) => c.includes(x)),
      "Review never named the lecture's buildspec",
    );
    await b.execute(() => document.querySelector('[data-testid="preflight"]').scrollIntoView());
    await screenshot(b, "preflight-review");
    await click(b, '[data-code="buildspec_repository_uri"] [data-testid="remedy"]');
    await waitForCodes(b, (c) => !c.some((x) => x.startsWith("buildspec_")), "the buildspec fix did not clear the findings");

    const create = await b.$('[data-testid="review-create"]');
    await create.waitForEnabled({ timeout: 15_000 });
    await click(b, '[data-testid="review-create"]');
    await completeHandshake(sandbox.url);
    await waitForText(b, '[data-testid="progress-report"]', "elb", 180_000);
    const failed = await b.execute(() => document.querySelectorAll('[data-state="failed"]').length);
    assert.equal(failed, 0, "no resource failed");

    await click(b, '[data-testid="nav-watch"]');
    await waitForText(b, '[data-testid="screen-title"]', "Watch the pipeline");
    const runStatus = () =>
      b.execute(() => document.querySelector('[data-testid="watch-run-status"]')?.getAttribute("data-status") ?? null);
    await b.waitUntil(async () => (await runStatus()) === "Succeeded", { timeout: 120_000, interval: 200 });

    // Edit the greeting and push it.
    await b.execute(() => {
      document.querySelector('[data-testid="watch-edit"]').open = true;
    });
    await click(b, '[data-testid="watch-edit-load"]');
    const area = await b.$('[data-testid="watch-edit-text"]');
    await area.waitForExist({ timeout: 15_000 });
    const app = await b.execute((el) => el.value, area);
    assert.match(app, /Hello, KTB World!!!/);
    await fill(b, '[data-testid="watch-edit-text"]', app.replace("Hello, KTB World!!!", "Hello, World!"));
    await b.execute(() => document.querySelector('[data-testid="watch-edit-text"]').scrollIntoView({ block: "center" }));
    await screenshot(b, "watch-edit-greeting");
    await click(b, '[data-testid="watch-edit-push"]');
    await waitForText(b, '[data-testid="watch-run-commit"]', "Edit src/app.js", 30_000);
    await b.waitUntil(async () => (await runStatus()) === "Succeeded", {
      timeout: 120_000,
      interval: 200,
      timeoutMsg: "the pushed greeting was never deployed",
    });
    const stages = await b.execute(() =>
      Object.fromEntries(
        [...document.querySelectorAll('[data-testid^="watch-stage-"]')].map((el) => [
          el.getAttribute("data-testid").slice("watch-stage-".length),
          el.getAttribute("data-status"),
        ]),
      ),
    );
    assert.deepEqual(stages, { Source: "Succeeded", Build: "Succeeded", Deploy: "Succeeded" });
    await screenshot(b, "watch-greeting-deployed");

    // The commit the practice GitHub holds is the student's edit.
    const raw = await (await fetch(`${sandbox.url}/_github/raw/ktb-lecture/ktb-repo/master/src/app.js`)).text();
    assert.match(raw, /Hello, World!/);
  } finally {
    await close();
  }
});
