import { render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { applyRun } from "../lib/apply.svelte";
import type { LabSpec } from "../lib/bindings";
import { fakeBackend } from "../lib/fake/backend";
import { specPlan } from "../lib/ipc";
import { specStore } from "../lib/spec.svelte";
import Progress from "./Progress.svelte";

async function startRun() {
  await specStore.load();
  specStore.spec!.source.repository = "octo/sample-app";
  const spec = JSON.parse(JSON.stringify(specStore.spec)) as LabSpec;
  const rows = (await specPlan(spec, "123456789012")).nodes;
  return { run: applyRun.start({ kind: "practice" }, spec, rows), rows };
}

describe("Progress", () => {
  it("renders the stream of events in order, then the report", async () => {
    const { run } = await startRun();
    render(Progress);
    await run;
    const shown = screen
      .getAllByTestId(/^progress-row-/)
      .map((el) => el.getAttribute("data-testid"));
    // The plan's order within each step, the steps in lecture order: written out, not
    // recomputed from the plan the screen renders.
    expect(shown).toEqual(
      [
        "connection-ktb-github",
        "s3_bucket-pipewright-ktb-artifacts-123456789012",
        "iam_role-ktb-pipeline-role",
        "pipeline-ktb-pipeline",
        "log_group-/pipewright/ktb/build",
        "iam_role-ktb-build-role",
        "codebuild_project-ktb-build",
        "ecr_repository-ktb-repo",
        "iam_role-ktb-task-exec-role",
        "log_group-/pipewright/ktb/app",
        "security_group-ktb-alb-sg",
        "security_group-ktb-task-sg",
        "load_balancer-ktb-alb",
        "target_group-ktb-tg",
        "listener-ktb-alb:80",
        "ecs_cluster-ktb-cluster",
        "task_definition-ktb-task",
        "ecs_service-ktb-svc",
        "iam_role-ktb-expiry-role",
        "schedule_group-ktb-expiry",
        "schedule-ktb-expiry/stop-service",
        "schedule-ktb-expiry/delete-load-balancer",
        "first_run-ktb-pipeline#1",
      ].map((r) => `progress-row-${r}`),
    );
    for (const el of screen.getAllByTestId(/^progress-row-/)) {
      expect(el).toHaveAttribute("data-state", "created");
      expect(el).toHaveTextContent("Created");
    }
    expect(screen.getByTestId("progress-report")).toHaveTextContent("The lab is ready");
    expect(screen.queryByTestId("progress-cancel")).toBeNull();
  });

  it("applies each event to its row as it arrives", async () => {
    fakeBackend.state().applyStepMs = 120;
    const { run } = await startRun();
    render(Progress);
    const row = await screen.findByTestId(
      "progress-row-s3_bucket-pipewright-ktb-artifacts-123456789012",
    );
    expect(row).toHaveAttribute("data-state", "pending");
    await expect.poll(() => row.getAttribute("data-state"), { timeout: 2000 }).toBe("creating");
    expect(row).toHaveTextContent("Creating");
    await expect.poll(() => row.getAttribute("data-state"), { timeout: 2000 }).toBe("created");
    await applyRun.cancel();
    await run;
  });

  it("offers the connection page while the connection waits, and cancels", async () => {
    fakeBackend.state().holdConnection = true;
    const { run } = await startRun();
    render(Progress);
    const row = await screen.findByTestId("progress-row-connection-ktb-github");
    const open = await within(row).findByTestId("connection-open");
    expect(row).toHaveAttribute("data-state", "waiting");
    // Practice mode says what practice does, and how long the real handshake takes on AWS.
    expect(row).toHaveTextContent("the sandbox's connection page stands in for the AWS console");
    expect(row).toHaveTextContent("a minute or two");
    expect(open).toHaveTextContent("Open the practice connection page");
    const user = userEvent.setup();
    await user.click(open);

    await user.click(screen.getByTestId("progress-cancel"));
    await run;
    expect(await screen.findByTestId("error")).toHaveAttribute("data-code", "cancelled");
  });

  it("shows a lab from an earlier session as it stands, with its address and what next", async () => {
    const { run } = await startRun();
    await run;
    applyRun.reset(); // the app was closed and reopened
    render(Progress);
    const report = await screen.findByTestId("progress-report");
    expect(report).toHaveTextContent("elb.amazonaws.com");
    expect(screen.getByTestId("progress-summary")).toHaveTextContent("checked just now");
    expect(screen.getByTestId("progress-watch")).toBeEnabled();
    expect(screen.getByTestId("progress-teardown")).toBeEnabled();
    expect(screen.queryByTestId("progress-resume")).toBeNull();
  });

  it("offers to finish a lab that was interrupted, and finishes it", async () => {
    const { run } = await startRun();
    await run;
    applyRun.reset();
    fakeBackend.state().missingKinds = ["ecs_service", "load_balancer"];
    render(Progress);
    const resume = await screen.findByTestId("progress-resume");
    expect(screen.getAllByTestId(/^progress-row-/)).toHaveLength(23);
    expect(resume).toHaveTextContent("21 of 23 resources exist");
    expect(screen.queryByTestId("progress-report")).toBeNull();
    const missing = screen
      .getAllByTestId(/^progress-row-/)
      .filter((el) => el.getAttribute("data-state") === "pending");
    expect(missing).toHaveLength(2);

    fakeBackend.state().missingKinds = [];
    await userEvent.setup().click(screen.getByTestId("progress-finish"));
    const report = await screen.findByTestId("progress-report", {}, { timeout: 5000 });
    expect(report).toHaveTextContent("The lab is ready");
    expect(screen.queryByTestId("progress-resume")).toBeNull();
  });
});
