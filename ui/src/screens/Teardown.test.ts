import { configure, render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { applyRun } from "../lib/apply.svelte";
import type { LabSpec } from "../lib/bindings";
import { fakeBackend, fakeTeardown } from "../lib/fake/backend";
import { specDefault } from "../lib/ipc";
import { teardownRun } from "../lib/teardown.svelte";
import Teardown from "./Teardown.svelte";

// A lab has 22 resources (the expiry's four included): on a loaded machine rendering a whole
// walk can take longer than the default second to find what it ends with.
configure({ asyncUtilTimeout: 5000 });

/** A lab the fake backend "created": lab_current answers it, lab_teardown finds it. */
async function createdLab(): Promise<LabSpec> {
  const spec = await specDefault("ktb", "octo/sample-app");
  fakeBackend.state().currentLab = spec;
  return spec;
}

const planKinds = () =>
  screen.getAllByTestId("teardown-plan-item").map((el) => el.getAttribute("data-kind"));

async function confirmRemoval(user: ReturnType<typeof userEvent.setup>) {
  await user.click(await screen.findByTestId("teardown-start", {}, { timeout: 5000 }));
  const input = screen.getByTestId("teardown-confirm-input");
  expect(input).toHaveFocus();
  await user.keyboard("ktb{Enter}");
}

const NOT_OURS_KO =
  "pipewright:lab=ktb 태그 없이 존재합니다. 이 실습의 것이 아니므로 그대로 둡니다";

describe("Teardown", () => {
  it("lists what will be removed, in reverse order, grouped by step", async () => {
    await createdLab();
    render(Teardown);
    const plan = await screen.findByTestId("teardown-plan");
    expect(screen.getByTestId("teardown-lab")).toHaveTextContent("ktb");
    expect(screen.getByTestId("teardown-summary")).toHaveTextContent(
      "22 resources will be removed",
    );
    const kinds = planKinds();
    // The expiry schedules go first (before what they act on), then the service, and the
    // GitHub connection last: the reverse of creation.
    expect(kinds[0]).toBe("schedule");
    expect(kinds.indexOf("schedule")).toBeLessThan(kinds.indexOf("ecs_service"));
    expect(kinds.at(-1)).toBe("connection");
    expect(kinds).toContain("load_balancer");
    expect(kinds).not.toContain("first_run");
    const steps = within(plan)
      .getAllByRole("heading", { level: 3 })
      .map((h) => h.textContent?.trim());
    // Each step where its first resource is removed: the plan's reverse order.
    expect(steps).toEqual(["5 Deploy", "2 Pipeline", "3 Build", "4 Registry", "1 Source"]);
    for (const item of screen.getAllByTestId("teardown-plan-item")) {
      expect(item).toHaveAttribute("data-state", "pending");
      expect(item).toHaveTextContent("To remove");
    }
  });

  it("asks for the lab's name before removing, and backs out with Escape", async () => {
    await createdLab();
    const user = userEvent.setup();
    render(Teardown);
    await user.click(await screen.findByTestId("teardown-start", {}, { timeout: 5000 }));
    const confirm = screen.getByTestId("teardown-confirm");
    expect(confirm).toBeDisabled();
    expect(confirm).toHaveTextContent("Remove 22 resources");
    await user.keyboard("kt");
    expect(confirm).toBeDisabled();
    await user.keyboard("{Escape}");
    expect(screen.queryByTestId("teardown-confirm")).toBeNull();
    expect(screen.queryByTestId("teardown-row")).toBeNull();
    expect(screen.getByTestId("teardown-start")).toBeInTheDocument();
  });

  it("removes every resource, row by row, then proves nothing is left", async () => {
    await createdLab();
    fakeTeardown.state().stepMs = 15;
    const user = userEvent.setup();
    render(Teardown);
    await confirmRemoval(user);
    expect(await screen.findByTestId("teardown-cancel")).toBeInTheDocument();
    const states = () => screen.queryAllByTestId("teardown-row").map((r) => r.dataset.state);
    await expect.poll(() => states().includes("deleting"), { timeout: 2000 }).toBe(true);
    const clean = await screen.findByTestId("teardown-clean", {}, { timeout: 8000 });
    expect(clean).toHaveTextContent("0 resources left — nothing is billing");
    expect(clean).toHaveTextContent("22 resources removed");
    const rows = screen.getAllByTestId("teardown-row");
    expect(rows).toHaveLength(22);
    for (const row of rows) {
      expect(row).toHaveAttribute("data-state", "deleted");
      expect(row).toHaveTextContent("Deleted");
    }
    expect(screen.getByTestId("teardown-summary")).toHaveTextContent("22 of 22 removed");
    expect(screen.queryByTestId("teardown-cancel")).toBeNull();
    expect(screen.queryByTestId("teardown-leftovers")).toBeNull();
    expect(screen.queryByTestId("teardown-start")).toBeNull();
  });

  it("shows a failure with what to do, and Try again finishes the job", async () => {
    await createdLab();
    fakeTeardown.state().failKind = "load_balancer";
    const user = userEvent.setup();
    render(Teardown);
    await confirmRemoval(user);
    const failed = await screen.findByTestId("teardown-failed");
    expect(failed).toHaveTextContent("1 resource could not be removed");
    // Worded by the app from core's hintKind and the error's code, not core's English (which
    // tells a CLI user to rerun `pipewright down`).
    expect(screen.getByTestId("teardown-failed-hint")).toHaveTextContent(
      "What to do: This user or role lacks a permission this step needs. Ask your instructor or AWS administrator. Press Try again: it carries on where it stopped.",
    );
    expect(failed).not.toHaveTextContent("pipewright down");
    expect(screen.getByTestId("teardown-leftovers")).toHaveTextContent("ktb-alb");
    expect(screen.getByTestId("teardown-leftover-reason")).toHaveTextContent(
      "— still exists and carries pipewright:lab=ktb",
    );
    expect(screen.queryByTestId("teardown-clean")).toBeNull();
    const lb = screen
      .getAllByTestId("teardown-row")
      .find((r) => r.getAttribute("data-kind") === "load_balancer")!;
    expect(lb).toHaveAttribute("data-state", "failed");

    await user.click(screen.getByTestId("teardown-retry"));
    await screen.findByTestId("teardown-clean");
    expect(lb).toHaveAttribute("data-state", "deleted");
    for (const row of screen.getAllByTestId("teardown-row")) {
      expect(row).toHaveAttribute("data-state", "deleted");
    }
  });

  it("stops when cancelled and offers to remove the rest", async () => {
    await createdLab();
    fakeTeardown.state().stepMs = 40;
    const user = userEvent.setup();
    render(Teardown);
    await confirmRemoval(user);
    await user.click(await screen.findByTestId("teardown-cancel"));
    expect(await screen.findByTestId("error")).toHaveAttribute("data-code", "cancelled");
    const left = screen
      .getAllByTestId("teardown-row")
      .filter((r) => r.getAttribute("data-state") !== "deleted");
    expect(left.length).toBeGreaterThan(0);

    fakeTeardown.state().stepMs = 0;
    expect(screen.getByTestId("teardown-retry")).toHaveTextContent("Remove the rest");
    await user.click(screen.getByTestId("teardown-retry"));
    await screen.findByTestId("teardown-clean");
  });

  it("keeps the proof when reopened, and checks afresh once the lab is created again", async () => {
    const spec = await createdLab();
    const user = userEvent.setup();
    const first = render(Teardown);
    await confirmRemoval(user);
    await screen.findByTestId("teardown-clean");
    first.unmount();

    const again = render(Teardown);
    expect(screen.getByTestId("teardown-clean")).toBeInTheDocument();
    again.unmount();

    await applyRun.start({ kind: "practice" }, spec, []);
    render(Teardown);
    await screen.findByTestId("teardown-plan");
    expect(screen.queryByTestId("teardown-clean")).toBeNull();
    expect(screen.getAllByTestId("teardown-plan-item")).toHaveLength(22);
  });

  it("says so when no lab has been created", async () => {
    render(Teardown);
    expect(await screen.findByTestId("teardown-no-lab")).toHaveTextContent(
      "No lab has been created yet",
    );
    expect(screen.queryByTestId("teardown-start")).toBeNull();
  });

  it("speaks Korean", async () => {
    await createdLab();
    const { setLanguage } = await import("../lib/i18n");
    setLanguage("ko");
    render(Teardown);
    await screen.findByTestId("teardown-plan");
    expect(screen.getByTestId("screen-title")).toHaveTextContent("실습 정리");
    expect(screen.getByTestId("teardown-start")).toHaveTextContent("모두 삭제");
    expect(teardownRun.plan?.length).toBe(22);
  });

  it("words each row's note and reason in Korean, not in core's English", async () => {
    await createdLab();
    fakeTeardown.state().goneKind = "log_group";
    fakeTeardown.state().foreignKind = "ecr_repository";
    const { setLanguage } = await import("../lib/i18n");
    setLanguage("ko");
    const user = userEvent.setup();
    render(Teardown);
    await confirmRemoval(user);
    await screen.findByTestId("teardown-result");
    const rows = screen.getAllByTestId("teardown-row");
    const messages = (kind: string) =>
      rows
        .filter((r) => r.getAttribute("data-kind") === kind)
        .map((r) => r.querySelector(".resource-message")?.textContent?.trim());
    expect(messages("log_group")).toEqual(["이미 없음", "이미 없음"]);
    expect(screen.getByTestId("teardown-clean")).toHaveTextContent("리소스 19개 삭제");
    expect(screen.getByTestId("teardown-clean")).toHaveTextContent("이미 없던 것 2개.");
    expect(messages("ecr_repository")).toEqual([NOT_OURS_KO]);
    expect(messages("ecs_cluster")).toEqual([""]);
  });

  it("says what to do about a failure in Korean", async () => {
    await createdLab();
    fakeTeardown.state().failKind = "ecr_repository";
    const { setLanguage } = await import("../lib/i18n");
    setLanguage("ko");
    const user = userEvent.setup();
    render(Teardown);
    await confirmRemoval(user);
    expect(await screen.findByTestId("teardown-failed-hint")).toHaveTextContent(
      "해결 방법: 이 사용자나 역할에 이 단계에 필요한 권한이 없습니다. 강사나 AWS 관리자에게 문의하세요. 다시 시도를 누르세요. 멈춘 곳부터 이어서 진행합니다.",
    );
    expect(screen.getByTestId("teardown-leftover-reason")).toHaveTextContent(
      "— pipewright:lab=ktb 태그를 단 채 아직 존재합니다",
    );
  });
});
