// Teardown in the real app, practice mode: create the lab, reopen the app (same data folder)
// and see the "still running" reminder, open Teardown from it, check the plan, remove
// everything, and see the proof that nothing is left. Saves screenshots of the plan, the
// run, and the result (English, Korean, dark).
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import {
  click,
  createLab,
  fill,
  launchApp,
  sandboxCall,
  sandboxForFile,
  screenshot,
  screenshotDir,
  switchTheme,
  waitForState,
  waitForText,
} from "./harness.mjs";

const sandbox = sandboxForFile();

/** Every row of the run as [kind, name, state]. */
function rows(browser) {
  return browser.execute(() =>
    [...document.querySelectorAll('[data-testid="teardown-row"]')].map((el) => [
      el.getAttribute("data-kind"),
      el.getAttribute("data-name"),
      el.getAttribute("data-state"),
    ]),
  );
}

test("a reopened app reminds of the running lab; Teardown removes it and proves nothing is left", async () => {
  const first = await launchApp({ lang: "en_US.UTF-8", sandboxUrl: sandbox.url });
  try {
    await createLab(first.browser, sandbox.url);
  } finally {
    await first.close();
  }
  // Deleted by hand while the app was closed: Teardown finds it gone and says so.
  const handDeleted = "/pipewright/ktb/build";
  await sandboxCall(sandbox.url, "logs", "Logs_20140328.DeleteLogGroup", { logGroupName: handDeleted });

  // Same HOME: the same ledger, so the app knows the lab is still there.
  const { browser, close } = await launchApp({ lang: "en_US.UTF-8", sandboxUrl: sandbox.url, home: first.home });
  try {
    const reminder = await waitForText(browser, '[data-testid="running-lab-reminder"]', "Lab ktb is still running");
    assert.match(await reminder.getText(), /bills until torn down/);
    await screenshot(browser, "running-lab-reminder");
    await click(browser, '[data-testid="running-lab-open"]');
    await waitForText(browser, '[data-testid="screen-title"]', "Tear down the lab");

    // The dry run: what will be removed, grouped by step, with why Review counts one more.
    const plan = await browser.$('[data-testid="teardown-plan"]');
    await plan.waitForExist({ timeout: 60_000, timeoutMsg: "the dry run never listed the plan" });
    const planned = await browser.execute(() =>
      [...document.querySelectorAll('[data-testid="teardown-plan-item"]')].map((el) => el.getAttribute("data-kind")),
    );
    assert.ok(planned.includes("load_balancer"), `the plan lists the load balancer: ${planned}`);
    // The expiry's schedules go first (they act on the service and the load balancer), then
    // the service before everything it runs on.
    assert.equal(planned[0], "schedule", `the expiry schedules go first: ${planned}`);
    const service = planned.indexOf("ecs_service");
    for (const kind of ["ecs_cluster", "load_balancer", "security_group", "connection"]) {
      assert.ok(service < planned.indexOf(kind), `the service goes before the ${kind}: ${planned}`);
    }
    assert.ok(planned.length >= 15, `the plan lists the lab's resources: ${planned}`);
    await waitForText(browser, '[data-testid="teardown-count-note"]', "the pipeline's first run is a step of the lab");
    await waitForText(browser, '[data-testid="expiry-countdown"]', "AWS stops this lab's billing");
    await screenshot(browser, "teardown-plan");
    await switchTheme(browser, "dark");
    await screenshot(browser, "teardown-plan-dark");
    await switchTheme(browser, "light");

    await click(browser, '[data-testid="teardown-start"]');
    await fill(browser, '[data-testid="teardown-confirm-input"]', "ktb");
    await screenshot(browser, "teardown-confirm");
    await click(browser, '[data-testid="teardown-confirm"]');

    // The run: catch it while something is being deleted, if it is not over first.
    const until = Date.now() + 180_000;
    let shotRunning = false;
    for (;;) {
      const clean = await browser.execute(() => document.querySelector('[data-testid="teardown-clean"]') !== null);
      if (clean) break;
      const failed = await browser.execute(
        () => document.querySelector('[data-testid="teardown-failed"], [data-testid="error"]')?.textContent ?? null,
      );
      assert.equal(failed, null, "teardown reported a problem");
      if (!shotRunning) {
        const states = (await rows(browser)).map(([, , s]) => s);
        if (states.includes("deleted") && states.some((s) => s === "deleting" || s === "waiting")) {
          shotRunning = true;
          mkdirSync(screenshotDir, { recursive: true });
          await browser.saveScreenshot(join(screenshotDir, "teardown-running.png"));
        }
      }
      assert.ok(Date.now() < until, `teardown never came back clean: ${JSON.stringify(await rows(browser))}`);
      await new Promise((r) => setTimeout(r, 100));
    }

    await waitForText(browser, '[data-testid="teardown-clean"]', "0 resources left");
    await waitForText(browser, '[data-testid="teardown-clean"]', "21 resources removed");
    await waitForText(browser, '[data-testid="teardown-clean"]', "1 was already gone.");
    const done = await rows(browser);
    assert.ok(done.length >= planned.length, `a row per planned resource: ${JSON.stringify(done)}`);
    for (const [kind, name, state] of done) assert.equal(state, "deleted", `${kind} ${name}`);
    const leftovers = await browser.execute(() => document.querySelector('[data-testid="teardown-leftovers"]'));
    assert.equal(leftovers, null, "no leftovers");
    // Nothing is left to count down to or extend.
    await waitForState(
      "the expiry bar of the removed lab",
      () => browser.execute(() => document.querySelector('[data-testid="expiry-bar"]')?.textContent ?? null),
      (bar) => bar === null,
      3_000,
    );
    await screenshot(browser, "teardown-done");

    await switchTheme(browser, "dark");
    await screenshot(browser, "teardown-done-dark");
    await switchTheme(browser, "light");
    await browser.execute(() => {
      const select = document.querySelector('[data-testid="lang-switch"]');
      select.value = "ko";
      select.dispatchEvent(new Event("change", { bubbles: true }));
    });
    await waitForText(browser, '[data-testid="teardown-clean"]', "남은 리소스 0개");
    // The row's note is the app's words in the student's language, not core's English.
    const notes = await browser.execute(() =>
      [...document.querySelectorAll('[data-testid="teardown-row"][data-kind="log_group"]')].map((el) => [
        el.getAttribute("data-name"),
        el.querySelector(".resource-message")?.textContent?.trim(),
      ]),
    );
    assert.deepEqual(
      notes.find(([name]) => name === handDeleted),
      [handDeleted, "이미 없음"],
      `the log group deleted by hand: ${JSON.stringify(notes)}`,
    );
    await screenshot(browser, "teardown-done-ko");

    // With the lab gone, no other screen reminds of it any more.
    await click(browser, '[data-testid="nav-review"]');
    await waitForText(browser, '[data-testid="screen-title"]', "검토");
    const still = await browser.execute(() => document.querySelector('[data-testid="running-lab-reminder"]'));
    assert.equal(still, null, "the reminder is gone after a clean teardown");

    // Every screen follows the removed lab: Progress and Watch say when it went and that
    // nothing bills, Watch polls nothing and offers no action, Source offers a new lab.
    await click(browser, '[data-testid="nav-progress"]');
    await waitForText(browser, '[data-testid="lab-removed"]', "ktb 실습을 정리했습니다");
    await waitForText(browser, '[data-testid="lab-removed"]', "요금이 청구되지 않습니다");
    assert.equal(await browser.execute(() => document.querySelector('[data-testid="progress-report"]')), null);
    await screenshot(browser, "progress-removed-ko");
    await click(browser, '[data-testid="nav-watch"]');
    await waitForText(browser, '[data-testid="screen-title"]', "파이프라인 모니터링");
    await waitForText(browser, '[data-testid="lab-removed"]', "더 이상 확인하지 않습니다");
    const acting = await browser.execute(() =>
      ["watch-polling", "watch-push", "watch-release", "watch-run"].filter((id) =>
        document.querySelector(`[data-testid="${id}"]`),
      ),
    );
    assert.deepEqual(acting, [], "Watch still polls or offers actions on a removed lab");
    await (await browser.$('[data-testid="theme-toggle"]')).waitForExist();
    await browser.execute(() => {
      const select = document.querySelector('[data-testid="lang-switch"]');
      select.value = "en";
      select.dispatchEvent(new Event("change", { bubbles: true }));
    });
    await waitForText(browser, '[data-testid="lab-removed"]', "Lab ktb was torn down");
    await waitForText(browser, '[data-testid="lab-removed"]', "nothing bills");
    await screenshot(browser, "watch-removed");
    await click(browser, '[data-testid="nav-source"]');
    await waitForText(browser, '[data-testid="lab-removed"]', "Start a new lab");
    await click(browser, '[data-testid="lab-removed-new"]');
    await browser.waitUntil(
      async () => (await browser.execute(() => document.querySelector('[data-testid="lab-removed"]'))) === null,
      { timeout: 10_000, timeoutMsg: "Source still shows the removed lab after Start a new lab" },
    );
  } finally {
    await close();
  }
});
