// What the UI's tests checked only against the fake backend, in the real app against the
// sandbox: Watch's Retry of a failed run, the OS notification when a run ends (read off the
// session bus), pinning an older run while a new one starts, and Cancel on Teardown with the
// lab finished by "Carry on" afterwards. Every in-between state is held by the sandbox (a
// stage held by hold-run, an answer held by a fault rule) until the test has seen it.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { test } from "node:test";
import {
  click,
  createLab,
  fill,
  launchApp,
  sandboxCall,
  sandboxControl,
  sandboxForFile,
  sandboxKey,
  screenshot,
  stopProcess,
  waitForState,
  waitForText,
} from "./harness.mjs";

const sandbox = sandboxForFile();
const control = (method, path, body) => sandboxControl(sandbox.url, method, path, body);

/**
 * Watches the session bus (scripts/with-keyring.sh gives the tests a private one) for
 * desktop notifications: `texts` gathers every string argument of each Notify call, so the
 * title and the body the app sent can be looked for. No notification server is needed: the
 * monitor sees the call whether or not anything shows it.
 */
function notifications() {
  assert.ok(process.env.DBUS_SESSION_BUS_ADDRESS, "run under scripts/with-keyring.sh (a session bus)");
  const child = spawn("dbus-monitor", ["--session", "interface=org.freedesktop.Notifications,member=Notify"], {
    stdio: ["ignore", "pipe", "ignore"],
    detached: true,
  });
  const calls = [];
  let buffer = "";
  child.stdout.on("data", (chunk) => {
    buffer += chunk;
    const lines = buffer.split("\n");
    buffer = lines.pop();
    for (const line of lines) {
      if (line.startsWith("method call") && line.includes("member=Notify")) calls.push([]);
      const m = line.match(/^\s+string "(.*)"$/);
      if (m && calls.length) calls.at(-1).push(m[1]);
    }
  });
  return { calls, stop: () => stopProcess(child) };
}

/** The selected run and the list of runs, as the student sees them. */
function watchState(browser) {
  return browser.execute(() => {
    const run = document.querySelector('[data-testid="watch-run-status"]');
    return {
      status: run?.getAttribute("data-status") ?? null,
      commit: document.querySelector('[data-testid="watch-run-commit"]')?.textContent ?? "",
      shortCommit: document.querySelector('[data-testid="watch-run-commit"] code')?.textContent ?? "",
      rows: [...document.querySelectorAll('[data-testid="watch-execution"]')].map((el) => ({
        id: el.getAttribute("data-id"),
        status: el.getAttribute("data-status"),
        current: el.classList.contains("current"),
        text: el.textContent,
      })),
      followLatest: document.querySelector('[data-testid="watch-follow-latest"]') !== null,
    };
  });
}

const until = (browser, what, check, timeout) => waitForState(what, () => watchState(browser), check, timeout);

async function pushCommit(browser, message) {
  await fill(browser, '[data-testid="watch-push-message"]', message);
  await click(browser, '[data-testid="watch-push"]');
}

/** Group names of the sandbox's EC2 security groups (EC2 speaks the query protocol). */
async function securityGroupNames() {
  const res = await fetch(sandbox.url, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-www-form-urlencoded",
      Authorization: `AWS4-HMAC-SHA256 Credential=${sandboxKey(sandbox.url)}/20260101/ap-northeast-2/ec2/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: new URLSearchParams({ Action: "DescribeSecurityGroups", Version: "2016-11-15" }),
  });
  assert.ok(res.ok, `DescribeSecurityGroups: HTTP ${res.status}`);
  return [...(await res.text()).matchAll(/<groupName>([^<]*)<\/groupName>/g)].map((m) => m[1]);
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

test("Retry turns a failed run green, each end is notified, a pinned run stays, Cancel stops Teardown", async () => {
  const bus = notifications();
  const { browser, close } = await launchApp({ lang: "en_US.UTF-8", sandboxUrl: sandbox.url });
  try {
    await createLab(browser, sandbox.url);
    const { pipelines } = await sandboxCall(sandbox.url, "codepipeline", "CodePipeline_20150709.ListPipelines", {});
    assert.equal(pipelines.length, 1, JSON.stringify(pipelines));
    const pipeline = pipelines[0].name;
    const holdBuild = () => control("POST", "/_sandbox/hold-run", { pipelineName: pipeline, stageName: "Build" });
    const releaseBuild = () =>
      control("DELETE", `/_sandbox/hold-run?pipelineName=${encodeURIComponent(pipeline)}&stageName=Build`);

    await click(browser, '[data-testid="nav-watch"]');
    await waitForText(browser, '[data-testid="screen-title"]', "Watch the pipeline");
    await until(browser, "the run made on creation never ended", (s) => s.status !== null && s.status !== "InProgress");
    const firstRun = (await watchState(browser)).rows.find((r) => r.current).id;

    // The next run's Build fails; held there first, so the watch sees it running.
    await control("POST", "/_sandbox/fail-stage", { pipelineName: pipeline, stageName: "Build", times: 1 });
    await holdBuild();
    const broken = "Break the build for e2e";
    await pushCommit(browser, broken);
    let seen = await until(
      browser,
      "the pushed run never showed running",
      (s) => s.commit.includes(broken) && s.status === "InProgress",
    );
    const failedRun = seen.rows.find((r) => r.current).id;
    assert.notEqual(failedRun, firstRun);
    const retry = await browser.$('[data-testid="watch-retry"]');
    assert.equal(await retry.isEnabled(), false, "Retry is offered only for a failed run");
    await releaseBuild();
    seen = await until(browser, "the run never failed", (s) => s.status === "Failed");
    const commit = seen.shortCommit;
    assert.ok(commit.length >= 7, `the run's commit: ${JSON.stringify(seen)}`);
    await browser.waitUntil(() => bus.calls.some((c) => c.includes("Pipeline failed")), {
      timeout: 15_000,
      timeoutMsg: `no "Pipeline failed" notification; Notify calls: ${JSON.stringify(bus.calls)}`,
    });
    assert.ok(
      bus.calls.some(
        (c) => c.includes("Pipeline failed") && c.includes(`Lab ktb: the run of commit ${commit} failed. Open Pipewright to see why.`),
      ),
      JSON.stringify(bus.calls),
    );
    assert.ok(!bus.calls.some((c) => c.includes("Pipeline succeeded")), JSON.stringify(bus.calls));
    await screenshot(browser, "watch-run-failed");

    // The doctor reads the failed run from the sandbox and names the cause: the failed Build
    // stage's build stops in its BUILD phase at the app's tests (the sandbox's failing build).
    await click(browser, '[data-testid="doctor-run"]');
    const findings = await waitForState(
      "the doctor never named the failed build",
      () =>
        browser.execute(() =>
          [...document.querySelectorAll('[data-testid="doctor"] [data-testid="finding"]')].map((el) => [
            el.getAttribute("data-code"),
            el.querySelector('[data-testid="finding-text"]')?.textContent ?? "",
          ]),
        ),
      (f) => f.length > 0,
    );
    assert.deepEqual(
      findings.map(([code]) => code),
      ["build_tests_failed"],
    );
    assert.match(findings[0][1], /^The app's tests failed \(npm test\) in the BUILD phase/);
    await browser.execute(() => document.querySelector('[data-testid="doctor"]').scrollIntoView({ block: "start" }));
    await screenshot(browser, "watch-doctor");

    // Retry: the same run goes through Build again (held, so its running state is seen) and succeeds.
    await holdBuild();
    await retry.waitForEnabled({ timeout: 15_000, timeoutMsg: "Retry stays disabled on the failed run" });
    await click(browser, '[data-testid="watch-retry"]');
    await until(browser, "the retried run never ran again", (s) => s.status === "InProgress");
    await releaseBuild();
    seen = await until(browser, "the retried run never succeeded", (s) => s.status === "Succeeded", 120_000);
    assert.equal(seen.rows.find((r) => r.current).id, failedRun, "Retry retried the failed run, not a new one");
    assert.ok(seen.commit.includes(broken), seen.commit);
    await browser.waitUntil(() => bus.calls.some((c) => c.includes("Pipeline succeeded")), {
      timeout: 15_000,
      timeoutMsg: `no "Pipeline succeeded" notification; Notify calls: ${JSON.stringify(bus.calls)}`,
    });
    assert.ok(
      bus.calls.some((c) => c.includes("Pipeline succeeded") && c.includes(`Lab ktb: commit ${commit} is deployed.`)),
      JSON.stringify(bus.calls),
    );

    // Pin the first run; a push from outside the app (the student's terminal) starts a new
    // run, held at Build, while the pinned one stays shown. (The app's own push follows the
    // run it started, by design.)
    const row = await browser.$(`[data-testid="watch-execution"][data-id="${firstRun}"] [data-testid="watch-execution-show"]`);
    await row.waitForExist({ timeout: 15_000 });
    await browser.execute((node) => node.click(), row);
    await until(browser, "the pinned run is not shown", (s) => s.rows.find((r) => r.current)?.id === firstRun && s.followLatest);
    await holdBuild();
    const newest = "A newer run while pinned";
    const push = { repository: "octo/hello-ktb", branch: "main", message: newest };
    const pushed = await control("POST", "/_sandbox/push", {
      ...push,
      files: { "PINNED.md": "pushed from a terminal\n" },
    }).catch((e) => {
      // A repository the practice GitHub does not hold: its push is taken as given.
      if (!String(e).includes("HTTP 404")) throw e;
      return control("POST", "/_sandbox/push", { ...push, commitId: "5e".repeat(20), paths: ["PINNED.md"] });
    });
    assert.equal(pushed.started.length, 1, JSON.stringify(pushed));
    seen = await until(browser, "the new run never appeared in the list", (s) =>
      s.rows.some((r) => r.text.includes(newest) && r.status === "InProgress"),
    );
    assert.equal(seen.rows.find((r) => r.current)?.id, firstRun, "the pinned run stays selected");
    assert.ok(!seen.commit.includes(newest), `the graph still shows the pinned run: ${seen.commit}`);
    assert.ok(seen.followLatest, "Follow the newest is offered while pinned");
    await screenshot(browser, "watch-pinned");
    await click(browser, '[data-testid="watch-follow-latest"]');
    await until(browser, "Follow the newest never showed the new run", (s) => s.commit.includes(newest) && !s.followLatest);
    await releaseBuild();
    await until(browser, "the newest run never succeeded", (s) => s.commit.includes(newest) && s.status === "Succeeded", 120_000);

    // Teardown, cancelled while AWS deletes the load balancer (its answer held): the run
    // stops, what depends on that deletion is still there, and "Carry on" finishes it.
    await control("POST", "/_sandbox/faults", {
      rules: [{ service: "elasticloadbalancing", operation: "DeleteLoadBalancer", hold: true, count: 1 }],
    });
    const groupsBefore = (await securityGroupNames()).filter((n) => n.startsWith("ktb"));
    assert.equal(groupsBefore.length, 2, JSON.stringify(groupsBefore));
    await click(browser, '[data-testid="nav-teardown"]');
    await (await browser.$('[data-testid="teardown-plan"]')).waitForExist({ timeout: 60_000 });
    await click(browser, '[data-testid="teardown-start"]');
    await fill(browser, '[data-testid="teardown-confirm-input"]', "ktb");
    await click(browser, '[data-testid="teardown-confirm"]');
    await browser.waitUntil(async () => (await control("GET", "/_sandbox/holds")).held === 1, {
      timeout: 120_000,
      interval: 200,
      timeoutMsg: "DeleteLoadBalancer was never called",
    });
    await click(browser, '[data-testid="teardown-cancel"]');
    await control("DELETE", "/_sandbox/holds");
    await control("DELETE", "/_sandbox/faults");
    const cancelled = await browser.$('[data-testid="error"][data-code="cancelled"]');
    await cancelled.waitForExist({ timeout: 60_000, timeoutMsg: "Cancel never stopped the teardown" });
    assert.equal(await browser.execute(() => document.querySelector('[data-testid="teardown-cancel"]')), null);
    assert.equal(await browser.execute(() => document.querySelector('[data-testid="teardown-clean"]')), null);
    const stopped = await teardownRows(browser);
    assert.ok(
      stopped.some(([kind, state]) => kind === "security_group" && state !== "deleted"),
      `the load balancer's security group waits for its deletion: ${JSON.stringify(stopped)}`,
    );
    const groupsLeft = (await securityGroupNames()).filter((n) => n.startsWith("ktb"));
    assert.ok(
      groupsLeft.includes("ktb-alb-sg"),
      `the load balancer's security group is still there after Cancel: ${JSON.stringify(groupsLeft)}`,
    );
    await screenshot(browser, "teardown-cancelled");
    await waitForText(browser, '[data-testid="teardown-retry"]', "", 5_000);
    await click(browser, '[data-testid="teardown-retry"]');
    await waitForText(browser, '[data-testid="teardown-clean"]', "0 resources left", 180_000);
    for (const [kind, state] of await teardownRows(browser)) assert.equal(state, "deleted", kind);
    assert.deepEqual(
      (await securityGroupNames()).filter((n) => n.startsWith("ktb")),
      [],
      "the security groups are gone after carrying on",
    );
  } finally {
    await close();
    bus.stop();
  }
});
