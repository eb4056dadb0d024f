// The student's journey in the real app, practice mode: Connect, the five lecture steps,
// Review, then Create and watch every resource come up; close the app and reopen it on the
// finished lab; see the pipeline's first run succeed in the graph; tear everything down and
// see the proof that nothing is left. Saves a screenshot of each screen.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  click,
  completeHandshake,
  fill,
  launchApp,
  sandboxCall,
  sandboxForFile,
  screenshot,
  waitForText,
} from "./harness.mjs";

const sandbox = sandboxForFile();

test("from Connect through the five steps, Review, Progress, the graph and teardown", async () => {
  const first = await launchApp({ lang: "en_US.UTF-8", sandboxUrl: sandbox.url });
  const { browser, close, home } = first;
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
    await completeHandshake(sandbox.url);
    await screenshot(browser, "progress-running");
    await waitForText(browser, '[data-testid="progress-report"]', "", 120_000);
    await screenshot(browser, "progress-done");
    const failed = await browser.execute(() => document.querySelectorAll('[data-state="failed"]').length);
    assert.equal(failed, 0, "no resource failed");
    const url = await browser.execute(() => document.querySelector('[data-testid="progress-report"]').textContent);
    assert.match(url, /http:\/\/\S+elb/, "the report shows the app's address");

    // The Done panel offers the lab as code: core's AWS CLI script, saved through a Blob link.
    await click(browser, '[data-testid="export-aws-cli"]');
    await waitForText(browser, '[data-testid="export-preview"]', "aws sts get-caller-identity", 15_000);
    const save = await browser.$('[data-testid="export-save"]');
    assert.equal(await save.getAttribute("download"), "ktb-aws-cli.sh");
    assert.match(await save.getAttribute("href"), /^blob:/);
    await browser.execute(() => document.querySelector('[data-testid="export"]').scrollIntoView());
    await screenshot(browser, "progress-export");
  } finally {
    await close();
  }

  // Reopened, the app returns to the lab: Progress, as the ledger and AWS have it now.
  const again = await launchApp({ lang: "en_US.UTF-8", sandboxUrl: sandbox.url, home });
  try {
    const b = again.browser;
    await waitForText(b, '[data-testid="screen-title"]', "Progress", 30_000);
    await waitForText(b, '[data-testid="progress-summary"]', "checked just now", 60_000);
    await waitForText(b, '[data-testid="progress-report"]', "elb", 30_000);
    await screenshot(b, "progress-resumed");

    await click(b, '[data-testid="progress-watch"]');
    await waitForText(b, '[data-testid="screen-title"]', "Watch the pipeline");
    // The run the pipeline started on creation built, pushed and deployed the first image.
    const stages = () =>
      b.execute(() =>
        Object.fromEntries(
          [...document.querySelectorAll('[data-testid^="watch-stage-"]')].map((el) => [
            el.getAttribute("data-testid").slice("watch-stage-".length),
            el.getAttribute("data-status"),
          ]),
        ),
      );
    const runStatus = () =>
      b.execute(() => document.querySelector('[data-testid="watch-run-status"]')?.getAttribute("data-status") ?? null);
    await b.waitUntil(async () => (await runStatus()) === "Succeeded", {
      timeout: 120_000,
      interval: 200,
      timeoutMsg: "the first run never succeeded in the graph",
    });
    let seen = await stages();
    assert.deepEqual(seen, { Source: "Succeeded", Build: "Succeeded", Deploy: "Succeeded" });
    await screenshot(b, "watch-first-run");

    // The lecture's last step: push a change, and Source → Build → Deploy all succeed.
    await fill(b, '[data-testid="watch-push-message"]', "Say hello from the pipeline");
    await click(b, '[data-testid="watch-push"]');
    await waitForText(b, '[data-testid="watch-run-commit"]', "Say hello from the pipeline", 30_000);
    await b.waitUntil(async () => (await runStatus()) === "Succeeded", {
      timeout: 120_000,
      interval: 200,
      timeoutMsg: "the pushed run never succeeded",
    });
    seen = await stages();
    assert.deepEqual(seen, { Source: "Succeeded", Build: "Succeeded", Deploy: "Succeeded" });
    await screenshot(b, "watch-pushed-run");

    await click(b, '[data-testid="nav-teardown"]');
    await (await b.$('[data-testid="teardown-plan-item"]')).waitForExist({ timeout: 60_000 });
    const planned = await b.execute(() =>
      [...document.querySelectorAll('[data-testid="teardown-plan-item"]')].map((el) => el.getAttribute("data-kind")),
    );
    assert.ok(planned.includes("load_balancer"), `the plan lists the load balancer: ${planned}`);
    await screenshot(b, "journey-teardown-plan");
    await click(b, '[data-testid="teardown-start"]');
    await fill(b, '[data-testid="teardown-confirm-input"]', "ktb");
    await click(b, '[data-testid="teardown-confirm"]');
    await (await b.$('[data-testid="teardown-clean"]')).waitForExist({
      timeout: 180_000,
      timeoutMsg: "teardown never showed that nothing is left",
    });
    const leftovers = await b.execute(() => document.querySelectorAll('[data-testid="teardown-failed"]').length);
    assert.equal(leftovers, 0, "no deletion failed");
    await screenshot(b, "journey-teardown-done");
  } finally {
    await again.close();
  }

  // And AWS agrees: nothing tagged with the lab is left in the sandbox.
  const { ResourceTagMappingList: left = [] } = await sandboxCall(
    sandbox.url,
    "tagging",
    "ResourceGroupsTaggingAPI_20170126.GetResources",
    { TagFilters: [{ Key: "pipewright:lab", Values: ["ktb"] }] },
  );
  // ECS keeps listing a deleted cluster or service (status INACTIVE) for about an hour, tags
  // and all; AWS bills nothing for those, so they count as gone.
  const ecs = (op, body) => sandboxCall(sandbox.url, "ecs", `AmazonEC2ContainerServiceV20141113.${op}`, body);
  const live = [];
  for (const { ResourceARN: arn } of left) {
    let status = null;
    if (arn.includes(":cluster/")) {
      status = (await ecs("DescribeClusters", { clusters: [arn] })).clusters?.[0]?.status;
    } else if (arn.includes(":service/")) {
      const cluster = arn.split("/").at(-2);
      status = (await ecs("DescribeServices", { cluster, services: [arn] })).services?.[0]?.status;
    }
    if (status !== "INACTIVE") live.push(`${arn} (${status ?? "present"})`);
  }
  assert.deepEqual(live, [], "resources tagged pipewright:lab=ktb are left");
});
