import { render, screen } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import type { LabSummary } from "../bindings";
import { fakeBackend, fakeTeardown } from "../fake/backend";
import { specDefault } from "../ipc";
import { labs } from "../labs.svelte";
import { specStore } from "../spec.svelte";
import ExpiryBar from "./ExpiryBar.svelte";

describe("the expiry bar", () => {
  it("goes as soon as the lab is torn down, not at its next look at AWS a minute later", async () => {
    const spec = await specDefault("ktb", "octo/sample-app");
    fakeBackend.state().currentLab = spec;
    const live: LabSummary = {
      name: "ktb",
      region: spec.region,
      createdAtMs: Date.now() - 3_600_000,
      liveResources: 22,
      removedAtMs: null,
    };
    fakeTeardown.state().summaries = [live];
    await specStore.load();
    await labs.refresh();
    render(ExpiryBar);
    await screen.findByTestId("expiry-countdown");
    // What Teardown does when it ends: the ledger says the lab went, and labs reads it.
    fakeTeardown.state().summaries = [{ ...live, liveResources: 0, removedAtMs: Date.now() }];
    await labs.refresh();
    await expect.poll(() => screen.queryByTestId("expiry-bar"), { timeout: 1000 }).toBeNull();
  });
});
