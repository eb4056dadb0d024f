import { render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { specStore } from "../lib/spec.svelte";
import Review from "./Review.svelte";

describe("Review", () => {
  it("lists what will be created, sums the hourly cost, and keeps Create disabled with errors", async () => {
    const onnavigate = vi.fn();
    render(Review, { onnavigate });
    await screen.findByTestId("review-row-ecr_repository-ktb-repo");
    const resources = screen.getByTestId("review-resources");
    expect(within(resources).getByTestId("review-row-connection-ktb-github")).toBeInTheDocument();

    const hourly = specStore.cost!.lines.filter((l) => l.per === "hour");
    const sum = hourly.reduce((s, l) => s + l.usd, 0);
    expect(hourly.length).toBeGreaterThan(2);
    expect(screen.getByTestId("cost-total")).toHaveTextContent(`$${sum.toFixed(3)}`);
    expect(sum).toBeCloseTo(0.0225 + 0.008 + 0.04656 + 3 * 0.00511 + 0.015, 6);
    expect(screen.getByTestId("review-billing")).toHaveTextContent("bills until you tear it down");
    expect(screen.getByTestId("review-billing")).toHaveTextContent("Practice mode");

    // The default spec has no repository yet: Create waits, and the error links to its field.
    expect(screen.getByTestId("review-create")).toBeDisabled();
    const user = userEvent.setup();
    await user.click(screen.getByTestId("review-error-source.repository"));
    expect(onnavigate).toHaveBeenCalledWith("source", "f-source-repository");

    specStore.spec!.source.repository = "octo/sample-app";
    await expect.poll(() => screen.getByTestId("review-create")).toBeEnabled();
    expect(screen.queryByTestId("review-errors")).toBeNull();
  });
});
