// The Watch screen in the real app, practice mode: create the lab, then simulate a push and
// follow the run on the graph until every stage succeeded. The run is held at Build (the
// sandbox's hold-run) until the graph has shown it running, so the in-between state is waited
// for, not caught by polling fast enough. Saves screenshots of the running and the finished
// run (light and dark, English and Korean).
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  click,
  createLab,
  fill,
  launchApp,
  sandboxCall,
  sandboxControl,
  sandboxForFile,
  screenshot,
  switchTheme,
  waitForState,
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

/** The status of `testid` in a [testid, status] list. */
const status = (list, testid) => list.find(([id]) => id === testid)?.[1] ?? null;

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

    const { pipelines } = await sandboxCall(sandbox.url, "codepipeline", "CodePipeline_20150709.ListPipelines", {});
    assert.deepEqual(
      pipelines.map((p) => p.name),
      ["ktb-pipeline"],
    );
    await sandboxControl(sandbox.url, "POST", "/_sandbox/hold-run", { pipelineName: "ktb-pipeline", stageName: "Build" });

    const message = "Change the greeting for e2e";
    await fill(browser, '[data-testid="watch-push-message"]', message);
    await click(browser, '[data-testid="watch-push"]');

    let last = await waitForState(
      "the pushed run never showed Build running",
      () => graphState(browser),
      (g) => g.commit.includes(message) && g.run === "InProgress" && status(g.stages, "watch-stage-Build") === "InProgress",
    );
    assert.equal(status(last.stages, "watch-stage-Source"), "Succeeded", JSON.stringify(last));
    assert.equal(status(last.nodes, "watch-node-Build-Build"), "InProgress", JSON.stringify(last));
    assert.notEqual(status(last.stages, "watch-stage-Deploy"), "Succeeded", JSON.stringify(last));
    await screenshot(browser, "watch-running");

    await sandboxControl(
      sandbox.url,
      "DELETE",
      "/_sandbox/hold-run?pipelineName=ktb-pipeline&stageName=Build",
    );
    last = await waitForState(
      "the run never succeeded",
      () => graphState(browser),
      (g) => {
        assert.notEqual(g.run, "Failed", `the run failed: ${JSON.stringify(g)}`);
        return g.commit.includes(message) && g.run === "Succeeded";
      },
      120_000,
    );
    assert.deepEqual(last.stages, [
      ["watch-stage-Source", "Succeeded"],
      ["watch-stage-Build", "Succeeded"],
      ["watch-stage-Deploy", "Succeeded"],
    ]);
    for (const [id, st] of last.nodes) assert.equal(st, "Succeeded", id);
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
