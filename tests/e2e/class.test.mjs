// The instructor's class file, in the real app (practice mode): the student opens it on Source
// (a file they pick; WebDriver sets the file input to a file in the test's folder), the lab
// starts from the class's spec with its locked fields disabled and the instructor's reason
// beside them, a lab name without the class's prefix is refused on its field and fixed in one
// click, and the lab is created against the sandbox, with its countdown and cost meter.
// Saves class-open.png (the locks) and class-created.png.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
    const deadline = Date.now() + 60_000;
    while ((await completePendingConnections(sandbox.url)) === 0) {
      assert.ok(Date.now() < deadline, "no connection ever waited for the handshake");
      await new Promise((r) => setTimeout(r, 250));
    }
    await waitForText(browser, '[data-testid="progress-report"]', "", 120_000);
    await waitForText(browser, '[data-testid="expiry-countdown"]', "AWS stops this lab's billing in", 30_000);
    await waitForText(browser, '[data-testid="cost-meter"]', "$");
    await screenshot(browser, "class-created");

    // The class stays attached to the lab: its locks are still there on Source.
    await click(browser, '[data-testid="nav-source"]');
    await waitForText(browser, '[data-testid="field-lock-region"]', "raised in Seoul only");
    assert.equal(await controlDisabled(browser, "region", "select"), true, "still locked after Create");
  } finally {
    await close();
  }
});
