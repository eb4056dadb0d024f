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

    // Seoul's prices: the load balancer 0.0225 and 1 LCU 0.008, Fargate 1 vCPU 0.04656 and
    // 3 GB 3 x 0.00511 (0.06189), 3 public IPv4 addresses 0.015: $0.10739 an hour, shown as $0.107.
    const hourly = specStore.cost!.lines.filter((l) => l.per === "hour");
    expect(hourly.map((l) => [l.key, l.usd])).toEqual([
      ["alb_hour", 0.0225],
      ["alb_lcu", 0.008],
      ["fargate", 0.06189],
      ["public_ipv4", 0.015],
    ]);
    expect(screen.getByTestId("cost-total")).toHaveTextContent("$0.107");
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
