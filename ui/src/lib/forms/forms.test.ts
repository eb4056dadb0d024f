import { render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import { setLanguage } from "../i18n";
import { DRAFT_KEY, specStore } from "../spec.svelte";
import Step from "../../screens/Step.svelte";

beforeEach(() => setLanguage("en"));

describe("step forms", () => {
  it("shows a field's error under its control once Next is pressed, in English and Korean", async () => {
    const navigated: string[] = [];
    render(Step, { step: "source", onnavigate: (id: string) => navigated.push(id) });
    const wrapper = await screen.findByTestId("field-source.repository");
    const input = within(wrapper).getByRole("textbox");
    // Nothing is red before the student has done anything.
    await expect.poll(() => specStore.errorCount("source")).toBeGreaterThan(0);
    expect(screen.queryByTestId("field-error-source.repository")).toBeNull();
    expect(screen.getByTestId("step-status")).not.toHaveTextContent("need");
    expect(input).toHaveAttribute("aria-invalid", "false");

    const user = userEvent.setup();
    await user.click(screen.getByTestId("next"));
    expect(navigated).toEqual([]);
    const error = await screen.findByTestId("field-error-source.repository");
    expect(input).toHaveFocus();
    expect(error).toHaveTextContent("The repository is required.");
    expect(input).toHaveAttribute("aria-invalid", "true");
    expect(input.getAttribute("aria-describedby")).toContain(error.id);

    setLanguage("ko");
    expect(await screen.findByTestId("field-error-source.repository")).toHaveTextContent(
      "리포지토리를 입력해 주세요.",
    );

    await user.type(input, "octo/sample-app");
    await expect.poll(() => screen.queryByTestId("field-error-source.repository")).toBeNull();
    expect(input).toHaveAttribute("aria-invalid", "false");
    expect(JSON.parse(localStorage.getItem(DRAFT_KEY)!).source.repository).toBe("octo/sample-app");
  });

  it("names every bad character of a name at once and fixes it in one click", async () => {
    await specStore.load();
    specStore.spec!.source.repository = "octo/sample-app";
    specStore.spec!.name = "Minsu Lab";
    render(Step, { step: "source" });
    const error = await screen.findByTestId("field-error-name");
    expect(error).toHaveTextContent("('M', a space and 'L' are not allowed)");
    setLanguage("ko");
    expect(await screen.findByTestId("field-error-name")).toHaveTextContent(
      "(쓸 수 없는 문자: 'M', 공백, 'L')",
    );
    const fix = screen.getByTestId("field-fix-name");
    expect(fix).toHaveTextContent("minsu-lab 사용");
    await userEvent.setup().click(fix);
    expect(specStore.spec!.name).toBe("minsu-lab");
    await expect.poll(() => screen.queryByTestId("field-error-name")).toBeNull();
  });

  it("offers owner/repo for a pasted address", async () => {
    await specStore.load();
    specStore.spec!.source.repository = "https://github.com/minsu-kim/hello-ktb";
    render(Step, { step: "source" });
    const fix = await screen.findByTestId("field-fix-source.repository");
    expect(fix).toHaveTextContent("Use minsu-kim/hello-ktb");
    await userEvent.setup().click(fix);
    expect(specStore.spec!.source.repository).toBe("minsu-kim/hello-ktb");
    await expect.poll(() => screen.queryByTestId("field-error-source.repository")).toBeNull();
  });

  it("flags a branch the trigger excludes, on Source and on Pipeline", async () => {
    await specStore.load();
    const t = specStore.spec!.pipeline.trigger;
    if (t.kind !== "filter") throw new Error("the default trigger filters branches");
    t.exclude = ["dev*"];
    const user = userEvent.setup();
    const { unmount } = render(Step, { step: "source" });
    const branch = within(await screen.findByTestId("field-source.branch")).getByRole("textbox");
    await user.clear(branch);
    await user.type(branch, "develop");
    expect(await screen.findByTestId("field-error-source.branch")).toHaveTextContent(
      'The exclude pattern "dev*" matches the source branch "develop"',
    );
    // The include list followed the branch, as it only named the old one.
    const followed = specStore.spec!.pipeline.trigger;
    expect(followed.kind === "filter" && followed.include).toEqual(["develop"]);
    unmount();

    render(Step, { step: "pipeline" });
    expect(await screen.findByTestId("field-error-pipeline.trigger.exclude")).toHaveTextContent(
      "would never start the pipeline",
    );
  });

  it("offers only the CPU/memory pairs Fargate accepts", async () => {
    render(Step, { step: "deploy" });
    const select = within(await screen.findByTestId("field-deploy.cpu")).getByRole("combobox");
    const labels = within(select)
      .getAllByRole("option")
      .map((o) => o.textContent!.trim());
    expect(select).toHaveValue("1024/3072");
    expect(labels).toContain("1 vCPU / 3 GB — the lecture's choice");
    expect(labels).toContain("0.25 vCPU / 0.5 GB");
    expect(labels).not.toContain("1 vCPU / 1 GB");
    expect(labels).not.toContain("0.25 vCPU / 4 GB");
    expect(labels).toHaveLength(3 + 4 + 7 + 13 + 23 + 12 + 12);
  });

  it("marks privileged mode off as an error, with the reason", async () => {
    const user = userEvent.setup();
    render(Step, { step: "build" });
    const toggle = within(await screen.findByTestId("field-build.privileged")).getByRole("switch");
    await user.click(toggle);
    expect(await screen.findByTestId("field-error-build.privileged")).toHaveTextContent(
      "Cannot connect to the Docker daemon",
    );
  });
});
