// The instructor's class file, in the real app (practice mode): the student opens it on Source
// (a file they pick; WebDriver sets the file input to a file in the test's folder), the lab
// starts from the class's spec with its locked fields disabled and the instructor's reason
// beside them, a lab name without the class's prefix is refused on its field and fixed in one
// click, and the lab is created against the sandbox, with its countdown and cost meter. Then
// the instructor's Class screen finds it by the class tag alone and sweeps it.
// Saves class-open.png (the locks), class-created.png and class-status-e2e.png.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import {
  click,
  completeHandshake,
  fill,
  launchApp,
  sandboxCall,
  screenshot,
  startSandbox,
  stopProcess,
  waitForText,
} from "./harness.mjs";

const CLASS_FILE = `[class]
name = "ktb-2026-fall"
prefix = "ktb-"
limit_hours = 3

[lab]
region = "ap-northeast-2"
source.repository = "instructor/ktb-class"
source.branch = "main"
expiry.hours = 4
deploy.cpu = 256
deploy.memory = 512

[locked]
region = "The class accounts' quotas were raised in Seoul only."
"source.repository" = "Everyone deploys the same sample."
"deploy.cpu" = "Fargate's smallest size keeps the bill small."
`;

/** What sweeping the one class lab removes: its 22 resources (the expiry's four among them). */
const SWEPT = 22;

let sandbox;
before(async () => {
  sandbox = await startSandbox();
});
after(() => stopProcess(sandbox?.child));

/** Whether the control inside a field's frame is disabled (a disabled fieldset around it). */
async function controlDisabled(browser, field, control) {
  return browser.execute(
    (sel) => document.querySelector(sel)?.matches(":disabled") ?? null,
    `[data-testid="field-${field}"] ${control}`,
  );
}

test("a class file locks its fields with the instructor's reason, refuses a name without the prefix, and creates the lab", async () => {
  const dir = mkdtempSync(join(tmpdir(), "pipewright-class-"));
  const file = join(dir, "ktb-2026-fall.toml");
  writeFileSync(file, CLASS_FILE);
  const { browser, close } = await launchApp({ lang: "en_US.UTF-8", sandboxUrl: sandbox.url });
  try {
    await click(browser, '[data-testid="check-identity"]');
    await waitForText(browser, '[data-testid="whoami-account"]', "123456789012", 30_000);
    await click(browser, '[data-testid="nav-source"]');
    await fill(browser, '[data-testid="field-name"] input', "minsu");
    await waitForText(browser, '[data-testid="class-file"]', "Open class file");

    // The student picks the file: WebDriver types its path into the file input.
    const input = await browser.$('[data-testid="class-file-input"]');
    await browser.elementSendKeys(input.elementId, file);
    await waitForText(browser, '[data-testid="class-file-attached"]', "This lab belongs to class ktb-2026-fall.");

    // The class's fields, locked, with the instructor's reason; the student's own are not.
    assert.equal(await controlDisabled(browser, "region", "select"), true, "region is locked");
    assert.equal(await controlDisabled(browser, "source.repository", "input"), true, "repository is locked");
    assert.equal(await controlDisabled(browser, "name", "input"), false, "the lab name is the student's");
    assert.equal(await controlDisabled(browser, "source.branch", "input"), false, "the branch is not locked");
    await waitForText(browser, '[data-testid="field-lock-region"]', "The class accounts' quotas were raised in Seoul only.");
    await waitForText(browser, '[data-testid="field-lock-source.repository"]', "Everyone deploys the same sample.");
    const repository = await browser.$('[data-testid="field-source.repository"] input');
    assert.equal(await repository.getValue(), "instructor/ktb-class", "the spec starts from the class's");

    // The name breaks the class's rule: refused on its field, with the fix.
    await waitForText(browser, '[data-testid="field-error-name"]', 'Lab names in class ktb-2026-fall start with "ktb-".');
    await waitForText(browser, '[data-testid="field-fix-name"]', "ktb-minsu");
    await screenshot(browser, "class-open");

    // On another step too: Deploy's task size is locked.
    await click(browser, '[data-testid="nav-deploy"]');
    await waitForText(browser, '[data-testid="field-lock-deploy.cpu"]', "Fargate's smallest size keeps the bill small.");
    assert.equal(await controlDisabled(browser, "deploy.cpu", "select"), true, "the task size is locked");

    // Review lists the class's problem, and Create waits for it.
    await click(browser, '[data-testid="nav-review"]');
    await waitForText(browser, '[data-testid="review-errors"]', 'start with "ktb-"');
    const create = await browser.$('[data-testid="review-create"]');
    assert.equal(await create.isEnabled(), false, "Create is refused while the name breaks the class's rule");

    await click(browser, '[data-testid="nav-source"]');
    await click(browser, '[data-testid="field-fix-name"]');
    const name = await browser.$('[data-testid="field-name"] input');
    await browser.waitUntil(async () => (await name.getValue()) === "ktb-minsu", {
      timeout: 10_000,
      timeoutMsg: "the suggestion was not taken",
    });
    await browser.$('[data-testid="field-error-name"]').waitForExist({ reverse: true, timeout: 15_000 });

    await click(browser, '[data-testid="nav-review"]');
    await create.waitForEnabled({ timeout: 15_000, timeoutMsg: "Create stays disabled" });
    await click(browser, '[data-testid="review-create"]');
    await completeHandshake(sandbox.url);
    await waitForText(browser, '[data-testid="progress-report"]', "", 120_000);
    await waitForText(browser, '[data-testid="expiry-countdown"]', "AWS stops this lab's billing in", 30_000);
    await waitForText(browser, '[data-testid="cost-meter"]', "$");
    await screenshot(browser, "class-created");

    // The class stays attached to the lab: its locks are still there on Source.
    await click(browser, '[data-testid="nav-source"]');
    await waitForText(browser, '[data-testid="field-lock-region"]', "raised in Seoul only");
    assert.equal(await controlDisabled(browser, "region", "select"), true, "still locked after Create");

    // The instructor's Class screen finds the lab in AWS by the class tag, and sweeps it; a
    // resource of a lab of no class stays.
    await sandboxCall(sandbox.url, "ecr", "AmazonEC2ContainerRegistry_V20150921.CreateRepository", {
      repositoryName: "solo-repo",
      tags: [{ Key: "pipewright:lab", Value: "solo" }],
    });
    await click(browser, '[data-testid="nav-class"]');
    await waitForText(browser, '[data-testid="screen-title"]', "Class");
    await fill(browser, '[data-testid="class-name"]', "ktb-2026-fall");
    const sources = await browser.execute(() =>
      [...document.querySelectorAll('[data-testid="class-source"]')].map((el) => el.value),
    );
    assert.deepEqual(sources, ["practice"], "a test HOME has no profiles or saved keys");
    await click(browser, '[data-testid="class-source"]');
    await click(browser, '[data-testid="class-show"]');
    await (await browser.$('[data-testid="class-table"]')).waitForExist({ timeout: 60_000 });
    const cells = await browser.execute(() =>
      [...document.querySelectorAll('[data-testid="class-lab"]')].map((tr) =>
        [...tr.querySelectorAll("td")].map((td) => td.innerText.trim()),
      ),
    );
    assert.equal(cells.length, 1, JSON.stringify(cells));
    const [lab, owner, accountRegion, , state] = cells[0];
    assert.deepEqual([lab, accountRegion, state], ["ktb-minsu", "123456789012\nap-northeast-2", "Running"]);
    // The cost column is in view at the window's 1024 px, without scrolling the table.
    const costVisible = await browser.execute(() => {
      const cell = document.querySelector('[data-testid="class-lab"] td:last-child');
      const wrap = cell.closest(".table-wrap").getBoundingClientRect();
      return cell.getBoundingClientRect().right <= wrap.right + 1;
    });
    assert.equal(costVisible, true, "the Cost column needs the table scrolled");
    assert.notEqual(owner, "—", "the owner comes from the lab's pipewright:created-by tag");
    await waitForText(browser, '[data-testid="class-totals"]', "1 lab, 1 running");
    await screenshot(browser, "class-status-e2e");

    await click(browser, '[data-testid="class-sweep"]');
    const confirm = await waitForText(
      browser,
      '[data-testid="class-confirm"]',
      "Delete these resources in AWS accounts 123456789012 (ap-northeast-2)?",
      120_000,
    );
    const [, n] = (await confirm.getText()).match(/(\d+) resources of class ktb-2026-fall will be deleted/);
    assert.equal(Number(n), SWEPT, await confirm.getText());
    await click(browser, '[data-testid="class-sweep-confirm"]');
    await waitForText(
      browser,
      '[data-testid="class-swept"]',
      `Account 123456789012 (ap-northeast-2): removed ${SWEPT} resources of 1 lab.`,
      240_000,
    );
    await waitForText(browser, '[data-testid="class-table"]', "No lab of this class in these accounts.", 60_000);
    const { ResourceTagMappingList: left } = await sandboxCall(
      sandbox.url,
      "tagging",
      "ResourceGroupsTaggingAPI_20170126.GetResources",
      { TagFilters: [{ Key: "pipewright:class", Values: ["ktb-2026-fall"] }] },
    );
    // ECS keeps a deleted cluster and service for a while as INACTIVE, and the tagging API
    // still lists them; everything else of the class is gone.
    const leftArns = left.map((m) => m.ResourceARN);
    assert.deepEqual(
      leftArns.filter((a) => !a.startsWith("arn:aws:ecs:")),
      [],
      "nothing of the class is left in the account",
    );
    const { clusters } = await sandboxCall(sandbox.url, "ecs", "AmazonEC2ContainerServiceV20141113.DescribeClusters", {
      clusters: ["ktb-minsu-cluster"],
    });
    assert.deepEqual(
      clusters.map((c) => [c.clusterName, c.status]),
      [["ktb-minsu-cluster", "INACTIVE"]],
    );
    const { repositories } = await sandboxCall(
      sandbox.url,
      "ecr",
      "AmazonEC2ContainerRegistry_V20150921.DescribeRepositories",
      {},
    );
    assert.deepEqual(
      repositories.map((r) => r.repositoryName),
      ["solo-repo"],
      "the lab's repository went with the sweep; the other lab's stayed",
    );
  } finally {
    await close();
  }
});
