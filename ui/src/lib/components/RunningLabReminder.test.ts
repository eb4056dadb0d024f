import { render, screen } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import App from "../../App.svelte";
import { fakeTeardown } from "../fake/backend";

const HOUR = 3_600_000;

function ledgerHas(live: number) {
  fakeTeardown.state().summaries = [
    {
      name: "ktb",
      region: "ap-northeast-2",
      createdAtMs: Date.now() - 2 * HOUR,
      removedAtMs: null,
      liveResources: live,
    },
  ];
}

describe("the running lab reminder", () => {
  it("says on start that a lab is still running, and opens Teardown on it", async () => {
    ledgerHas(18);
    const user = userEvent.setup();
    render(App);
    const banner = await screen.findByTestId("running-lab-reminder");
    expect(banner).toHaveTextContent(
      "Lab ktb is still running (created 2 hours ago) — it bills until torn down.",
    );
    expect(banner).toHaveTextContent("18 resources in ap-northeast-2");
    await user.click(screen.getByTestId("running-lab-open"));
    expect(screen.getByTestId("screen-title")).toHaveTextContent("Tear down the lab");
    expect(await screen.findByTestId("teardown-lab")).toHaveTextContent("ktb");
    expect(screen.queryByTestId("running-lab-reminder")).toBeNull();
  });

  it("is dismissed with its close button", async () => {
    ledgerHas(3);
    const user = userEvent.setup();
    render(App);
    await screen.findByTestId("running-lab-reminder");
    await user.click(screen.getByTestId("running-lab-dismiss"));
    expect(screen.queryByTestId("running-lab-reminder")).toBeNull();
  });

  it("stays away when nothing is left, and by default", async () => {
    ledgerHas(0);
    render(App);
    await screen.findByTestId("screen-title");
    await new Promise((r) => setTimeout(r, 20));
    expect(screen.queryByTestId("running-lab-reminder")).toBeNull();
  });
});
