// The Watch screen in the real app, practice mode: create the lab, then simulate a push and
// follow the run on the graph until every stage succeeded. Saves screenshots of the running
// and the finished run (light and dark, English and Korean).
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import {
  click,
  createLab,
  fill,
  launchApp,
  sandboxForFile,
  screenshot,
  screenshotDir,
  switchTheme,
  waitForText,
} from "./harness.mjs";

const sandbox = sandboxForFile();

/** The graph as the student sees it: each node's and stage's status, and the run's. */
function graphState(browser) {
  return browser.execute(() => {
    const pick = (sel) =>
      [...document.querySelectorAll(sel)].map((el) => [el.getAttribute("data-testid"), el.getAttribute("data-status")]);
    return {
      nodes: pick('[data-testid^="watch-node-"]'),
      stages: pick('[data-testid^="watch-stage-"]'),
      run: document.querySelector('[data-testid="watch-run-status"]')?.getAttribute("data-status") ?? null,
      commit: document.querySelector('[data-testid="watch-run-commit"]')?.textContent ?? "",
      labels: [...document.querySelectorAll('[data-testid^="watch-node-"]')].map((el) => el.getAttribute("aria-label")),
    };
  });
}

test("a simulated push runs through the graph to every stage succeeded", async () => {
  const { browser, close } = await launchApp({ lang: "en_US.UTF-8", sandboxUrl: sandbox.url });
  try {
    await createLab(browser, sandbox.url);

    await click(browser, '[data-testid="nav-watch"]');
    await waitForText(browser, '[data-testid="screen-title"]', "Watch the pipeline");
    await (await browser.$('[data-testid="watch-graph"]')).waitForExist({ timeout: 30_000 });
    // Whatever the pipeline ran on creation may still be going: let it finish first.
    await browser.waitUntil(async () => (await graphState(browser)).run !== "InProgress", {
      timeout: 60_000,
      interval: 100,
      timeoutMsg: "the pipeline's first run never ended",
    });

    const message = "Change the greeting for e2e";
    await fill(browser, '[data-testid="watch-push-message"]', message);
    await click(browser, '[data-testid="watch-push"]');

    const seen = new Set();
    let shotRunning = false;
    let last;
    const until = Date.now() + 120_000;
    for (;;) {
      last = await graphState(browser);
      const ours = last.commit.includes(message);
      if (ours) {
        for (const [id, status] of last.nodes) seen.add(`${id}=${status}`);
        const running = last.nodes.some(([, s]) => s === "InProgress");
        if (running && !shotRunning) {
          shotRunning = true;
          // No waiting here (screenshot() waits 800 ms): the run is over in a few seconds.
          mkdirSync(screenshotDir, { recursive: true });
          await browser.saveScreenshot(join(screenshotDir, "watch-running.png"));
        }
        if (last.run === "Succeeded") break;
        assert.notEqual(last.run, "Failed", `the run failed: ${JSON.stringify(last)}`);
      }
      assert.ok(Date.now() < until, `the run never succeeded: ${JSON.stringify(last)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(
      [...seen].some((s) => s.endsWith("=InProgress")),
      `no node was ever seen in progress: ${[...seen].join(", ")}`,
    );
    assert.ok(last.stages.length >= 3, `stages: ${JSON.stringify(last.stages)}`);
    for (const [id, status] of last.stages) assert.equal(status, "Succeeded", id);
    for (const [id, status] of last.nodes) assert.equal(status, "Succeeded", id);
    // Status in words, not only colour: every node's accessible name says it.
    for (const label of last.labels) assert.match(label, /Succeeded/);
    // The run is in the list of runs, newest first.
    const first = await browser.execute(
      () => document.querySelector('[data-testid="watch-execution"]')?.textContent ?? "",
    );
    assert.ok(first.includes(message.slice(0, 20)), `newest run first: ${first}`);

    await screenshot(browser, "watch-succeeded");
    // The build's details: phases and the log tail.
    await click(browser, '[data-testid="watch-node-Build-Build"]');
    await waitForText(browser, '[data-testid="watch-details"]', "COMPLETED");
    await browser.execute(() => document.querySelector("main").scrollTo({ top: document.querySelector('[data-testid="watch-details"]').offsetTop - 80 }));
    await screenshot(browser, "watch-build-details");
    await browser.execute(() => document.querySelector("main").scrollTo({ top: 0 }));
    await switchTheme(browser, "dark");
    await screenshot(browser, "watch-succeeded-dark");
    await browser.execute(() => {
      const select = document.querySelector('[data-testid="lang-switch"]');
      select.value = "ko";
      select.dispatchEvent(new Event("change", { bubbles: true }));
    });
    await waitForText(browser, '[data-testid="screen-title"]', "파이프라인");
    await screenshot(browser, "watch-succeeded-ko-dark");
    await switchTheme(browser, "light");
    await screenshot(browser, "watch-succeeded-ko");
  } finally {
    await close();
  }
});
