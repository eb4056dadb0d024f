import { render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { watchSession } from "../lib/components/watch/session.svelte";
import { fakeNotifications, fakeWatch } from "../lib/fake/watch";
import { setLanguage } from "../lib/i18n";
import Watch from "./Watch.svelte";

// The session the fake replays was recorded from the sandbox (tests/tests/watch_session.rs):
// a lab whose last run failed in Build, then a push that succeeds, a push whose build fails,
// and its retry. Pushes must carry the recorded messages, in that order.
const { acts } = fakeWatch.session;
const SUCCEEDS = acts[1].message!;
const FAILS = acts[2].message!;
const opening = acts[0].events[0].event;
const before = opening.kind === "snapshot" ? opening.snapshot.executions : [];

const node = (stage: string) => screen.getByTestId(`watch-node-${stage}-${stage}`);
const runStatus = () => screen.getByTestId("watch-run-status").getAttribute("data-status");

async function push(message: string) {
  const user = userEvent.setup();
  const input = await screen.findByTestId("watch-push-message");
  await user.clear(input);
  await user.type(input, message);
  await user.click(screen.getByTestId("watch-push"));
}

describe("Watch", () => {
  beforeEach(() => {
    watchSession.reset();
    fakeWatch.state().stepMs = 30;
  });
  afterEach(() => watchSession.reset());

  it("shows the last run, and status in words as well as colour", async () => {
    render(Watch);
    await screen.findByTestId("watch-graph");
    expect(runStatus()).toBe("Failed");
    for (const name of ["Source"]) {
      expect(screen.getByRole("button", { name: new RegExp(`^${name}: Succeeded`) })).toBe(
        node(name),
      );
    }
    expect(screen.getByRole("button", { name: /^Build: Failed/ })).toBe(node("Build"));
    expect(screen.getByRole("button", { name: /^Deploy: Not started/ })).toBe(node("Deploy"));
    expect(node("Build")).toHaveTextContent("Failed");
  });

  it("lists the runs newest first", async () => {
    render(Watch);
    await screen.findByTestId("watch-graph");
    expect(before.map((e) => e.sourceRevision?.message)).toEqual([
      "Try the failing test",
      "Initial commit",
    ]);
    await push(SUCCEEDS);
    await expect.poll(() => screen.getAllByTestId("watch-execution").length).toBe(3);
    const rows = screen.getAllByTestId("watch-execution");
    expect(rows[0]).toHaveTextContent(SUCCEEDS);
    expect(rows[1]).toHaveTextContent("Try the failing test");
    expect(rows[2]).toHaveTextContent("Initial commit");
    await expect.poll(runStatus, { timeout: 5000 }).toBe("Succeeded");
    // The run's notification is delivered here, not into the next test (which replays the
    // same recorded commit and counts the notifications naming it).
    await expect.poll(() => fakeNotifications.length).toBe(1);
  });

  it("renders a run's state changes in order, then notifies once", async () => {
    render(Watch);
    await screen.findByTestId("watch-graph");
    const seen: Record<string, string[]> = { Source: [], Build: [], Deploy: [] };
    const record = () => {
      for (const stage of Object.keys(seen)) {
        const status = node(stage).getAttribute("data-status")!;
        if (seen[stage].at(-1) !== status) seen[stage].push(status);
      }
    };
    // Every state the DOM shows is recorded as it is rendered (a MutationObserver runs after
    // each update), not sampled by polling, so a busy machine cannot skip one.
    const observer = new MutationObserver(record);
    observer.observe(screen.getByTestId("watch-graph"), {
      attributes: true,
      attributeFilter: ["data-status"],
      childList: true,
      subtree: true,
    });
    await push(SUCCEEDS);
    await expect
      .poll(
        () =>
          screen.getByTestId("watch-run-commit").textContent?.includes(SUCCEEDS) &&
          runStatus() === "Succeeded"
            ? "done"
            : "running",
        { timeout: 10000 },
      )
      .toBe("done");
    observer.disconnect();
    record();
    for (const stage of ["Build", "Deploy"]) {
      expect(seen[stage].slice(-2), stage).toEqual(["InProgress", "Succeeded"]);
    }
    expect(seen.Deploy).not.toContain("Failed");
    expect(screen.getByRole("button", { name: /^Deploy: Succeeded/ })).toBeInTheDocument();
    // Once for this run (a run that ended in an earlier test may still land late, so the
    // count is of notifications naming this run's commit).
    const commit = screen.getByTestId("watch-run-commit").querySelector("code")!.textContent!;
    const ours = () => fakeNotifications.filter((n) => n.body.includes(commit));
    await expect.poll(() => ours().length).toBe(1);
    await new Promise((r) => setTimeout(r, 100));
    expect(ours()).toHaveLength(1);
    expect(ours()[0].title).toBe("Pipeline succeeded");
  });

  it("explains a failed build, enables Retry, and a retry turns it green", async () => {
    fakeWatch.state().stepMs = 5;
    fakeWatch.skipTo(2);
    render(Watch);
    await screen.findByTestId("watch-graph");
    await push(FAILS);
    await expect
      .poll(
        () => screen.getByTestId("watch-run-commit").textContent?.includes(FAILS) && runStatus(),
        { timeout: 5000 },
      )
      .toBe("Failed");
    const details = screen.getByTestId("watch-details");
    expect(within(details).getByTestId("watch-error-code")).toHaveTextContent("JobFailed");
    expect(within(details).getByTestId("watch-error-message")).toHaveTextContent(
      "COMMAND_EXECUTION_ERROR",
    );
    expect(within(details).getByTestId("watch-hint")).toHaveTextContent("build log");
    expect(within(details).getByTestId("watch-log")).toHaveTextContent("npm ERR! Test failed");
    expect(within(details).getByTestId("watch-phases")).toHaveTextContent("FAILED");
    expect(screen.getByRole("button", { name: /^Build: Failed/ })).toBe(node("Build"));
    const retry = screen.getByTestId("watch-retry");
    expect(retry).toBeEnabled();
    await expect.poll(() => fakeNotifications.map((n) => n.title)).toContain("Pipeline failed");

    await userEvent.setup().click(retry);
    await expect.poll(runStatus, { timeout: 5000 }).toBe("Succeeded");
    expect(screen.getByTestId("watch-retry")).toBeDisabled();
    expect(node("Deploy")).toHaveAttribute("data-status", "Succeeded");
  });

  it("pins the graph to a run picked from the list", async () => {
    render(Watch);
    await screen.findByTestId("watch-graph");
    const older = screen.getAllByTestId("watch-execution")[1];
    await userEvent.setup().click(within(older).getByTestId("watch-execution-show"));
    await expect.poll(runStatus).toBe("Succeeded");
    expect(screen.getByTestId("watch-run-commit")).toHaveTextContent("Initial commit");
    expect(screen.getByTestId("watch-follow-latest")).toBeInTheDocument();
  });

  it("writes times in the app's language, not the webview's", async () => {
    setLanguage("ko");
    render(Watch);
    await screen.findByTestId("watch-graph");
    expect(screen.getByTestId("watch-run-started").textContent).toMatch(
      /\d{4}\. \d{1,2}\. \d{1,2}\./,
    );
    expect(screen.getAllByTestId("watch-execution")[0].textContent).toMatch(/월/);
  });
});
