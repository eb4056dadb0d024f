import { render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import App from "./App.svelte";
import { LANGUAGE_KEY } from "./lib/i18n";

describe("the app shell", () => {
  it("switches every text to Korean and back, and remembers the choice", async () => {
    const user = userEvent.setup();
    render(App);
    expect(screen.getByTestId("screen-title")).toHaveTextContent("Connect to AWS");
    expect(screen.getByTestId("nav-source")).toHaveTextContent("Source");

    await user.selectOptions(screen.getByTestId("lang-switch"), "ko");
    expect(screen.getByTestId("screen-title")).toHaveTextContent("AWS에 연결");
    expect(screen.getByTestId("nav-source")).toHaveTextContent("소스");
    expect(screen.getByTestId("check-identity")).toHaveTextContent("자격 증명 확인");
    expect(document.documentElement.lang).toBe("ko");
    expect(localStorage.getItem(LANGUAGE_KEY)).toBe("ko");

    await user.selectOptions(screen.getByTestId("lang-switch"), "en");
    expect(screen.getByTestId("screen-title")).toHaveTextContent("Connect to AWS");
    expect(document.documentElement.lang).toBe("en");
    expect(localStorage.getItem(LANGUAGE_KEY)).toBe("en");
  });

  it("lists Connect, the five steps, then Review, Progress, Watch and Teardown, all enabled", () => {
    render(App);
    const ids = [
      "connect",
      "source",
      "pipeline",
      "build",
      "registry",
      "deploy",
      "review",
      "progress",
      "watch",
      "teardown",
    ];
    for (const id of ids) expect(screen.getByTestId(`nav-${id}`)).toBeEnabled();
    expect(screen.getByTestId("nav-teardown")).not.toHaveTextContent("coming next");
  });

  it("opens a step from the sidebar with the keyboard alone", async () => {
    const user = userEvent.setup();
    render(App);
    // Skip link, language, theme, then the sidebar's one tab stop.
    for (let i = 0; i < 4; i++) await user.tab();
    expect(screen.getByTestId("nav-connect")).toHaveFocus();
    await user.keyboard("{ArrowDown}{ArrowDown}{Enter}");
    expect(screen.getByTestId("screen-title")).toHaveTextContent("Pipeline: CodePipeline");
    expect(screen.getByTestId("nav-pipeline")).toHaveAttribute("aria-current", "page");
    const mode = await screen.findByTestId("field-pipeline.execution_mode");
    expect(within(mode).getByRole("radio", { name: /Queued/ })).toBeChecked();
  });

  it("shows each step's why and fields in Korean too", async () => {
    const user = userEvent.setup();
    render(App);
    await user.selectOptions(screen.getByTestId("lang-switch"), "ko");
    await user.click(screen.getByTestId("nav-registry"));
    expect(screen.getByTestId("screen-title")).toHaveTextContent("레지스트리: Amazon ECR");
    expect(screen.getByTestId("step-why")).toHaveTextContent("컨테이너 레지스트리");
    expect(await screen.findByTestId("field-registry.tag_immutability")).toHaveTextContent(
      "태그 변경 불가능성",
    );
  });

  it("toggles the theme and remembers it", async () => {
    const user = userEvent.setup();
    render(App);
    const before = document.documentElement.dataset.theme;
    await user.click(screen.getByTestId("theme-toggle"));
    const after = document.documentElement.dataset.theme;
    expect(after).not.toBe(before);
    expect(localStorage.getItem("pipewright.theme")).toBe(after);
  });

  it("reopens on the screen the student left, and remembers the next one", async () => {
    localStorage.setItem("pipewright.screen", "review");
    render(App);
    expect(screen.getByTestId("screen-title")).toHaveTextContent("Review");
    await userEvent.setup().click(screen.getByTestId("nav-build"));
    expect(localStorage.getItem("pipewright.screen")).toBe("build");
  });
});
