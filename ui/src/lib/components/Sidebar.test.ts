import { render, screen } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import Sidebar from "./Sidebar.svelte";

describe("Sidebar keyboard navigation", () => {
  it("has one tab stop, the current screen", () => {
    render(Sidebar, { current: "build", onselect: () => {} });
    expect(screen.getByTestId("nav-build")).toHaveAttribute("tabindex", "0");
    expect(screen.getByTestId("nav-connect")).toHaveAttribute("tabindex", "-1");
    expect(screen.getByTestId("nav-build")).toHaveAttribute("aria-current", "page");
  });

  it("moves with arrows, Home and End", async () => {
    const user = userEvent.setup();
    render(Sidebar, { current: "connect", onselect: () => {} });
    screen.getByTestId("nav-connect").focus();
    await user.keyboard("{ArrowDown}");
    expect(screen.getByTestId("nav-source")).toHaveFocus();
    await user.keyboard("{End}");
    expect(screen.getByTestId("nav-class")).toHaveFocus();
    await user.keyboard("{ArrowDown}");
    expect(screen.getByTestId("nav-connect")).toHaveFocus();
    await user.keyboard("{ArrowUp}");
    expect(screen.getByTestId("nav-class")).toHaveFocus();
    await user.keyboard("{Home}");
    expect(screen.getByTestId("nav-connect")).toHaveFocus();
  });

  it("opens the focused screen with Enter or Space", async () => {
    const user = userEvent.setup();
    const onselect = vi.fn();
    render(Sidebar, { current: "connect", onselect });
    screen.getByTestId("nav-connect").focus();
    await user.keyboard("{ArrowDown}{Enter}");
    expect(onselect).toHaveBeenLastCalledWith("source");
    await user.keyboard("{ArrowDown} ");
    expect(onselect).toHaveBeenLastCalledWith("pipeline");
  });
});
