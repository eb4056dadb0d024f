// The README's first command, as a student meets it: the sandbox started exactly as
// scripts/run-app.sh starts it (scripts/practice-sandbox.sh, its default pace, its
// environment), the app pointed at it the same way. From Connect to a ready lab, a pushed run
// deployed, and teardown with nothing left, at that pace and with the product's own
// deadlines. The lab is in another region than the practice credentials' (Seoul): it is
// created, watched and torn down there.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { after, before, test } from "node:test";
import {
  click,
  completeHandshake,
  fill,
  launchApp,
  repoRoot,
  sandboxCall,
  sandboxFrom,
  screenshot,
  stopProcess,
  waitForText,
} from "./harness.mjs";

const REGION = "us-east-1";

/** scripts/practice-sandbox.sh with run-app.sh's environment (no pace variable set). */
function startLikeRunApp() {
  const env = { ...process.env };
  delete env.PIPEWRIGHT_PRACTICE_SPEEDUP;
  const child = spawn(join(repoRoot, "scripts/practice-sandbox.sh"), [], {
    stdio: ["ignore", "pipe", "inherit"],
    detached: true,
    env,
  });
  return sandboxFrom(child, "practice sandbox");
}

let sandbox;
before(async () => {
  sandbox = await startLikeRunApp();
});
after(() => stopProcess(sandbox?.child));

test("the run command's practice pace carries a lab from Connect to teardown, in the lab's region", async () => {
  const health = await (await fetch(`${sandbox.url}/_sandbox/health`)).json();
  assert.equal(health.timeScale, 0.1, "run-app.sh's default: ten times faster than AWS");

  const { browser: b, close } = await launchApp({ lang: "en_US.UTF-8", sandboxUrl: sandbox.url });
  try {
    // The pace is shown and chosen on Connect; the default is the run command's.
    await (await b.$('[data-testid="practice-pace"]')).waitForExist({ timeout: 15_000 });
    const checked = await b.execute(
      () => document.querySelector('[data-testid="pace-10"] input')?.checked ?? false,
    );
    assert.ok(checked, "ten times faster is the default");
    await screenshot(b, "connect-practice-pace");
    await click(b, '[data-testid="check-identity"]');
    await waitForText(b, '[data-testid="whoami-account"]', "123456789012", 30_000);

    await click(b, '[data-testid="nav-source"]');
    await waitForText(b, '[data-testid="screen-title"]', "Source");
    await fill(b, '[data-testid="field-name"] input', "paced");
    await fill(b, '[data-testid="field-region"] select', REGION);
    await fill(b, '[data-testid="field-source.repository"] input', "octo/paced-app");

    await click(b, '[data-testid="nav-review"]');
    await waitForText(b, '[data-testid="review-resources"]', "paced");
    const create = await b.$('[data-testid="review-create"]');
    await create.waitForEnabled({ timeout: 15_000, timeoutMsg: "Create stays disabled" });
    await click(b, '[data-testid="review-create"]');

    await completeHandshake(sandbox.url, REGION);
    // While it waits, a row says how long this usually takes on AWS.
    await waitForText(b, '[data-testid^="progress-expect-"]', "on AWS", 60_000);
    await (await b.$('[data-testid="progress-run"]')).waitForExist({ timeout: 120_000 });
    await b.execute(() =>
      document.querySelector('[data-testid="progress-run"]').scrollIntoView({ block: "end" }),
    );
    await screenshot(b, "progress-first-run");
    await waitForText(b, '[data-testid="progress-report"]', "deployed", 300_000);
    await screenshot(b, "progress-paced-done");
    const failed = await b.execute(() => document.querySelectorAll('[data-state="failed"]').length);
    assert.equal(failed, 0, "no resource failed");
    const stages = await b.execute(() =>
      [...document.querySelectorAll('[data-testid^="progress-run-stage-"]')].map((el) => el.dataset.status),
    );
    assert.deepEqual(stages, ["Succeeded", "Succeeded", "Succeeded"], "the first run deployed");

    // Everything is in the lab's region, nothing in the credentials' region.
    const repos = await sandboxCall(sandbox.url, "ecr", "AmazonEC2ContainerRegistry_V20150921.DescribeRepositories", {}, REGION);
    assert.ok(
      repos.repositories.some((r) => r.repositoryName.startsWith("paced")),
      "the repository is in us-east-1",
    );
    const seoul = await sandboxCall(sandbox.url, "ecr", "AmazonEC2ContainerRegistry_V20150921.DescribeRepositories", {}, "ap-northeast-2");
    assert.ok(!seoul.repositories.some((r) => r.repositoryName.startsWith("paced")), "nothing in Seoul");

    // A pushed run, watched in the lab's region.
    await click(b, '[data-testid="progress-watch"]');
    await waitForText(b, '[data-testid="screen-title"]', "Watch the pipeline");
    await fill(b, '[data-testid="watch-push-message"]', "A change at practice pace");
    await click(b, '[data-testid="watch-push"]');
    await waitForText(b, '[data-testid="watch-run-commit"]', "A change at practice pace", 60_000);
    const runStatus = () =>
      b.execute(() => document.querySelector('[data-testid="watch-run-status"]')?.getAttribute("data-status") ?? null);
    await b.waitUntil(async () => (await runStatus()) === "Succeeded", {
      timeout: 300_000,
      interval: 500,
      timeoutMsg: "the pushed run never succeeded",
    });

    // Teardown there too, with nothing left.
    await click(b, '[data-testid="nav-teardown"]');
    await (await b.$('[data-testid="teardown-plan-item"]')).waitForExist({ timeout: 60_000 });
    await click(b, '[data-testid="teardown-start"]');
    await fill(b, '[data-testid="teardown-confirm-input"]', "paced");
    await click(b, '[data-testid="teardown-confirm"]');
    await (await b.$('[data-testid="teardown-clean"]')).waitForExist({
      timeout: 300_000,
      timeoutMsg: "teardown never showed that nothing is left",
    });
  } finally {
    await close();
  }
  const left = await sandboxCall(sandbox.url, "tagging", "ResourceGroupsTaggingAPI_20170126.GetResources", { TagFilters: [{ Key: "pipewright:lab", Values: ["paced"] }] }, REGION);
  const live = (left.ResourceTagMappingList ?? []).filter(
    (r) => !r.ResourceARN.includes(":cluster/") && !r.ResourceARN.includes(":service/"),
  );
  assert.deepEqual(live, [], "nothing tagged with the lab is left in us-east-1");
});
