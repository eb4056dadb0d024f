import { render, screen } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { locale } from "../i18n";
import FirstRun, { WELCOMED_KEY } from "./FirstRun.svelte";

describe("first-run page", () => {
  it("explains practice mode and instructor keys until dismissed, then never again", async () => {
    const user = userEvent.setup();
    const first = render(FirstRun);
    expect(screen.getByTestId("first-run-practice")).toHaveTextContent("no AWS account needed");
    expect(screen.getByTestId("first-run-keys")).toHaveTextContent("ask your instructor");
    await user.click(screen.getByTestId("first-run-dismiss"));
    expect(screen.queryByTestId("first-run")).toBeNull();
    expect(localStorage.getItem(WELCOMED_KEY)).toBe("1");
    first.unmount();
    render(FirstRun);
    expect(screen.queryByTestId("first-run")).toBeNull();
  });

  it("speaks Korean", () => {
    locale.set("ko");
    render(FirstRun);
    expect(screen.getByTestId("first-run")).toHaveTextContent("연습 모드");
    expect(screen.getByTestId("first-run-keys")).toHaveTextContent("강사");
  });
});
