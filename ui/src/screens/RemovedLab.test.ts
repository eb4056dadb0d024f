// A torn-down lab, as every screen shows it: Progress and Watch say when it went and that
// nothing bills, Watch does not poll, and Source offers a new lab.
import { render, screen } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { watchSession } from "../lib/components/watch/session.svelte";
import { fakeTeardown } from "../lib/fake/backend";
import { setLanguage } from "../lib/i18n";
import { specStore } from "../lib/spec.svelte";
import Progress from "./Progress.svelte";
import Step from "./Step.svelte";
import Watch from "./Watch.svelte";

const REMOVED_AT = new Date(2026, 10, 30, 14, 5).getTime();

function ledgerSays(removed: boolean) {
  fakeTeardown.state().summaries = [
    {
      name: "ktb",
      region: "ap-northeast-2",
      createdAtMs: REMOVED_AT - 3_600_000,
      liveResources: removed ? 0 : 18,
      removedAtMs: removed ? REMOVED_AT : null,
    },
  ];
}

describe("a torn-down lab", () => {
  beforeEach(() => watchSession.reset());
  afterEach(() => watchSession.reset());

  it("is shown removed on Progress, with when and that nothing bills", async () => {
    ledgerSays(true);
    render(Progress);
    const panel = await screen.findByTestId("lab-removed");
    expect(panel).toHaveTextContent("Lab ktb was torn down");
    expect(panel).toHaveTextContent("Removed on Nov 30, 2026 at 2:05");
    expect(panel).toHaveTextContent("nothing bills");
    expect(screen.queryByTestId("progress-report")).toBeNull();
    setLanguage("ko");
    expect(await screen.findByTestId("lab-removed")).toHaveTextContent("ktb 실습을 정리했습니다");
    expect(screen.getByTestId("lab-removed")).toHaveTextContent("요금이 청구되지 않습니다");
  });

  it("stops Watch from polling and offers nothing to act on", async () => {
    ledgerSays(true);
    render(Watch);
    expect(await screen.findByTestId("lab-removed")).toBeInTheDocument();
    await new Promise((r) => setTimeout(r, 100));
    expect(watchSession.snapshot).toBeNull();
    expect(screen.queryByTestId("watch-polling")).toBeNull();
    expect(screen.queryByTestId("watch-push")).toBeNull();
    expect(screen.queryByTestId("watch-release")).toBeNull();
  });

  it("is watched as usual while it exists", async () => {
    ledgerSays(false);
    render(Watch);
    expect(await screen.findByTestId("watch-polling")).toBeInTheDocument();
    expect(screen.queryByTestId("lab-removed")).toBeNull();
  });

  it("offers a new lab on Source", async () => {
    ledgerSays(true);
    await specStore.load();
    specStore.spec!.source.repository = "octo/sample-app";
    specStore.spec!.deploy.container_port = 80;
    render(Step, { step: "source" });
    await userEvent.setup().click(await screen.findByTestId("lab-removed-new"));
    await expect.poll(() => screen.queryByTestId("lab-removed")).toBeNull();
    expect(specStore.spec!.deploy.container_port).toBe(3000);
    expect(specStore.spec!.source.repository).toBe("octo/sample-app");
  });
});
