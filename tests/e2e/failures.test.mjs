// The failure paths the UI's fake backend shows, in the real app against the sandbox: a
// refused identity check, Cancel on Progress while the GitHub connection waits, the
// interrupted lab offered for finishing after the app is reopened, and a teardown step that
// fails, then Try again. The failures come from the sandbox's fault rules, the waits from
// the handshake the test withholds: nothing here races a timer.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  click,
  completeHandshake,
  fill,
  launchApp,
  sandboxCall,
  sandboxControl,
  sandboxForFile,
  screenshot,
  waitForText,
} from "./harness.mjs";

const sandbox = sandboxForFile();

const faults = (rules) => sandboxControl(sandbox.url, "POST", "/_sandbox/faults", { rules });
const noFaults = () => sandboxControl(sandbox.url, "DELETE", "/_sandbox/faults");

/** [kind-name, state] of every Progress row. */
function progressRows(browser) {
  return browser.execute(() =>
    [...document.querySelectorAll('[data-testid^="progress-row-"]')].map((el) => [
      el.getAttribute("data-testid").slice("progress-row-".length),
      el.getAttribute("data-state"),
    ]),
  );
}

/** [kind, state] of every Teardown row. */
function teardownRows(browser) {
  return browser.execute(() =>
    [...document.querySelectorAll('[data-testid="teardown-row"]')].map((el) => [
      el.getAttribute("data-kind"),
      el.getAttribute("data-state"),
    ]),
  );
}

/** Every connection in the sandbox (this file's only lab made them). */
async function labConnections() {
  const { Connections = [] } = await sandboxCall(
    sandbox.url,
    "codestar-connections",
    "CodeStar_connections_20191201.ListConnections",
    {},
  );
  return Connections;
}

test("identity refused, Cancel on Progress, finish after reopening, teardown failure then Try again", async () => {
  const first = await launchApp({ lang: "en_US.UTF-8", sandboxUrl: sandbox.url });
  try {
    const { browser } = first;
    // The identity check refused once, as for a mistyped secret: the student's explanation,
    // no account; checking again (the rule has fired) goes through.
    await faults([{ service: "sts", operation: "GetCallerIdentity", error: "SignatureDoesNotMatch", count: 1 }]);
    await click(browser, '[data-testid="check-identity"]');
    await waitForText(browser, '[data-testid="error-title"]', "The secret access key does not match", 30_000);
    const error = await browser.$('[data-testid="error"]');
    assert.equal(await error.getAttribute("data-code"), "signature_mismatch");
    await waitForText(browser, '[data-testid="error-details"]', "SignatureDoesNotMatch");
    assert.equal(await browser.execute(() => document.querySelector('[data-testid="whoami-account"]')), null);
    await screenshot(browser, "failures-whoami-refused");
    await click(browser, '[data-testid="check-identity"]');
    await waitForText(browser, '[data-testid="whoami-account"]', "123456789012", 30_000);
    await noFaults();

    // Create, and cancel while the connection waits for the handshake nobody gives.
    await click(browser, '[data-testid="nav-source"]');
    await waitForText(browser, '[data-testid="screen-title"]', "Source");
    await fill(browser, '[data-testid="field-source.repository"] input', "octo/hello-ktb");
    await click(browser, '[data-testid="nav-review"]');
    await waitForText(browser, '[data-testid="review-resources"]', "ktb");
    const create = await browser.$('[data-testid="review-create"]');
    await create.waitForEnabled({ timeout: 15_000, timeoutMsg: "Create stays disabled: the spec has errors" });
    await click(browser, '[data-testid="review-create"]');
    await browser.waitUntil(
      async () =>
        (await progressRows(browser)).some(([what, state]) => what.startsWith("connection-") && state === "waiting"),
      { timeout: 60_000, timeoutMsg: "the connection never waited for the handshake" },
    );
    await click(browser, '[data-testid="progress-cancel"]');
    const cancelled = await browser.$('[data-testid="error"][data-code="cancelled"]');
    await cancelled.waitForExist({ timeout: 60_000, timeoutMsg: "Cancel never stopped the run" });
    await browser.waitUntil(
      async () => (await browser.execute(() => document.querySelector('[data-testid="progress-cancel"]'))) === null,
      { timeout: 15_000, timeoutMsg: "Cancel is still offered after the run stopped" },
    );
    const stopped = await progressRows(browser);
    assert.ok(
      stopped.some(([, s]) => s !== "created"),
      `something was left to create: ${JSON.stringify(stopped)}`,
    );
    assert.equal(await browser.execute(() => document.querySelector('[data-testid="progress-report"]')), null);
    await screenshot(browser, "failures-progress-cancelled");
  } finally {
    await first.close();
  }

  // Reopened (same data folder): the lab is offered for finishing, with how much exists.
  const { browser, close } = await launchApp({ lang: "en_US.UTF-8", sandboxUrl: sandbox.url, home: first.home });
  try {
    await click(browser, '[data-testid="nav-progress"]');
    const resume = await waitForText(browser, '[data-testid="progress-resume"]', "resources exist", 60_000);
    const [, done, total] = (await resume.getText()).match(/(\d+) of (\d+) resources exist/);
    assert.ok(Number(done) > 0 && Number(done) < Number(total), `${done} of ${total}`);
    await screenshot(browser, "failures-progress-resume");
    await click(browser, '[data-testid="progress-finish"]');
    await completeHandshake(sandbox.url);
    await waitForText(browser, '[data-testid="progress-report"]', "The lab is ready", 180_000);
    assert.equal(await browser.execute(() => document.querySelector('[data-testid="progress-resume"]')), null);
    // The connection the cancelled run made was finished, not made again.
    assert.equal((await labConnections()).length, 1, JSON.stringify(await labConnections()));

    // Teardown: the repository's deletion is refused; the rest goes.
    await faults([{ service: "ecr", operation: "DeleteRepository", error: "AccessDenied" }]);
    await click(browser, '[data-testid="nav-teardown"]');
    await (await browser.$('[data-testid="teardown-plan"]')).waitForExist({ timeout: 60_000 });
    await click(browser, '[data-testid="teardown-start"]');
    await fill(browser, '[data-testid="teardown-confirm-input"]', "ktb");
    await click(browser, '[data-testid="teardown-confirm"]');
    const failed = await waitForText(
      browser,
      '[data-testid="teardown-failed"]',
      "1 resource could not be removed",
      180_000,
    );
    assert.match(await failed.getText(), /AccessDenied/);
    // What to do, worded by the app from core's hint kind and the error's code.
    assert.equal(
      await (await browser.$('[data-testid="teardown-failed-hint"]')).getText(),
      "What to do: This user or role lacks a permission this step needs. Ask your instructor or AWS administrator. Press Try again: it carries on where it stopped.",
    );
    assert.equal(await browser.execute(() => document.querySelector('[data-testid="teardown-clean"]')), null);
    const afterFailure = await teardownRows(browser);
    assert.deepEqual(
      afterFailure.filter(([, s]) => s !== "deleted"),
      [["ecr_repository", "failed"]],
      JSON.stringify(afterFailure),
    );
    await screenshot(browser, "failures-teardown-failed");

    await noFaults();
    await click(browser, '[data-testid="teardown-retry"]');
    await waitForText(browser, '[data-testid="teardown-clean"]', "0 resources left", 120_000);
    const done2 = await teardownRows(browser);
    for (const [kind, state] of done2) assert.equal(state, "deleted", kind);
    assert.equal(await browser.execute(() => document.querySelector('[data-testid="teardown-failed"]')), null);
    const repos = await sandboxCall(
      sandbox.url,
      "ecr",
      "AmazonEC2ContainerRegistry_V20150921.DescribeRepositories",
      {},
    );
    assert.deepEqual(
      repos.repositories.filter((r) => r.repositoryName.startsWith("ktb")),
      [],
      "the repository is gone after Try again",
    );
  } finally {
    await close();
  }
});
