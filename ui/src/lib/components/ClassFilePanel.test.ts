import { render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it } from "vitest";
import type { LabSpec } from "../bindings";
import { fakeBackend, fakeTeardown } from "../fake/backend";
import fixtures from "../fake/fixtures.json";
import { fakeNotifications } from "../fake/watch";
import { setLanguage } from "../i18n";
import { CLASS_KEY, specStore } from "../spec.svelte";
import Step from "../../screens/Step.svelte";
import Review from "../../screens/Review.svelte";
import ExpiryBar from "./ExpiryBar.svelte";

beforeEach(() => setLanguage("en"));

async function openClass(text = fixtures.classFile) {
  const user = userEvent.setup();
  render(Step, { step: "source" });
  const input = await screen.findByTestId("class-file-input");
  const file = new File([text], "ktb-2026-fall.toml", { type: "text/plain" });
  // jsdom's File has no text(); the webview's has.
  Object.defineProperty(file, "text", { value: () => Promise.resolve(text) });
  await user.upload(input, file);
  return user;
}

describe("the class file", { timeout: 20_000 }, () => {
  it("starts the lab from the class, locks its fields with the reason, and refuses a name without the prefix", async () => {
    const user = await openClass();
    expect(await screen.findByTestId("class-file-attached")).toHaveTextContent(
      "This lab belongs to class ktb-2026-fall.",
    );
    expect(specStore.spec!.name).toBe("ktb");
    expect(specStore.spec!.class.name).toBe("ktb-2026-fall");

    const region = screen.getByTestId("field-region");
    expect(within(region).getByRole("combobox")).toBeDisabled();
    expect(screen.getByTestId("field-lock-region")).toHaveTextContent(
      "Locked by your class: The class accounts' quotas were raised in Seoul only.",
    );
    const repository = within(screen.getByTestId("field-source.repository")).getByRole("textbox");
    expect(repository).toBeDisabled();
    expect(repository).toHaveValue("instructor/ktb-sample");
    expect(repository.getAttribute("aria-describedby")).toContain("f-source-repository-lock");
    // Not locked: the student's own.
    expect(within(screen.getByTestId("field-name")).getByRole("textbox")).toBeEnabled();
    expect(screen.queryByTestId("field-lock-source.branch")).toBeNull();

    const error = await screen.findByTestId("field-error-name");
    expect(error).toHaveTextContent('Lab names in class ktb-2026-fall start with "fall26-".');
    setLanguage("ko");
    expect(await screen.findByTestId("field-lock-region")).toHaveTextContent("클래스에서 고정됨:");
    expect(screen.getByTestId("field-error-name")).toHaveTextContent(
      'ktb-2026-fall 클래스의 랩 이름은 "fall26-"로 시작해야 합니다.',
    );
    await user.click(screen.getByTestId("field-fix-name"));
    expect(specStore.spec!.name).toBe("fall26-ktb");
    await expect.poll(() => screen.queryByTestId("field-error-name")).toBeNull();
    expect(specStore.errors).toEqual([]);
    expect(localStorage.getItem(CLASS_KEY)).toBe(fixtures.classFile);
  });

  it("lists the class's problems on Review and keeps Create disabled until they are fixed", async () => {
    await openClass();
    await screen.findByTestId("class-file-attached");
    await expect.poll(() => specStore.errors.map((e) => e.code)).toEqual(["class_prefix"]);
    render(Review);
    const problems = await screen.findByTestId("review-errors");
    expect(problems).toHaveTextContent('start with "fall26-"');
    expect(screen.getByTestId("review-create")).toBeDisabled();
    // Review's own field is locked too.
    expect(screen.getByTestId("field-lock-expiry.hours")).toHaveTextContent(
      "The class ends at 6 pm.",
    );
    expect(within(screen.getByTestId("field-expiry.hours")).getByRole("spinbutton")).toBeDisabled();
    specStore.spec!.name = "fall26-ktb";
    await expect.poll(() => screen.queryByTestId("review-errors")).toBeNull();
    await expect.poll(() => screen.getByTestId("review-create")).toBeEnabled();
  });

  it("keeps the class attached when the app opens again", async () => {
    await openClass();
    await screen.findByTestId("class-file-attached");
    specStore.spec!.name = "fall26-ktb";
    await expect.poll(() => specStore.errors.length).toBe(0);
    specStore.reset();
    await specStore.load();
    expect(specStore.classFile?.name).toBe("ktb-2026-fall");
    expect(specStore.lockOf("region")?.value).toBe("ap-northeast-2");
  });

  it("shows a refused class file with the key at fault", async () => {
    await openClass(fixtures.badClassFile);
    const refused = await screen.findByTestId("class-file-refused");
    expect(refused).toHaveTextContent("This class file cannot be used");
    expect(screen.getByTestId("class-file-refused-detail")).toHaveTextContent(
      "invalid input at class.prefix: The name prefix may contain only lowercase letters",
    );
    expect(specStore.classFile).toBeNull();
    expect(screen.queryByTestId("field-lock-region")).toBeNull();
  });
});

/** A class lab (limit 3 h) that has run `hours`, open in the app; `passed` is what core's
 * meter says of the limit (`meter::a_class_lab_passes_its_limit_when_its_hours_reach_it`). */
async function classLabThatRan(hours: number, passed: boolean, limit = 3) {
  const [, spec] = fixtures.class_open[1].answer as unknown as [unknown, LabSpec];
  fakeBackend.state().currentLab = spec;
  fakeBackend.state().meterHours = hours;
  fakeBackend.state().meterLimitHours = limit;
  fakeBackend.state().meterLimitPassed = passed;
  fakeTeardown.state().summaries = [
    {
      name: spec.name,
      region: spec.region,
      createdAtMs: Date.now() - hours * 3_600_000,
      liveResources: 12,
      removedAtMs: null,
    },
  ];
  fakeNotifications.length = 0;
  localStorage.setItem(CLASS_KEY, fixtures.classFile);
  await specStore.load();
  render(ExpiryBar);
}

describe("the class's limit", () => {
  it("notifies once and says so on the bar when the lab has run longer than the class allows", async () => {
    await classLabThatRan(3.5, true);
    expect(await screen.findByTestId("class-limit-passed")).toHaveTextContent(
      "Past class ktb-2026-fall's 3 h limit: this lab has run 3.5 h.",
    );
    await expect
      .poll(() => fakeNotifications.filter((n) => n.title.includes("past the class's limit")))
      .toHaveLength(1);
    // The bar ticks every second: still one notification after a tick.
    await new Promise((r) => setTimeout(r, 1_100));
    expect(
      fakeNotifications.filter((n) => n.title.includes("past the class's limit")),
    ).toHaveLength(1);
    expect(fakeNotifications.at(-1)!.body).toContain(
      "longer than the 3 h class ktb-2026-fall allows",
    );
  });

  it("says nothing before the limit", async () => {
    await classLabThatRan(2, false);
    await screen.findByTestId("cost-meter");
    expect(screen.queryByTestId("class-limit-passed")).toBeNull();
    expect(fakeNotifications).toEqual([]);
  });

  it("takes the verdict from the meter, not from the class file", async () => {
    // The meter says passed at 2.9 h (as it would with a limit of 2 in the lab's own ledger);
    // the bar does not second-guess it with the open class file's 3 h.
    await classLabThatRan(2.9, true, 2);
    expect(await screen.findByTestId("class-limit-passed")).toHaveTextContent(
      "Past class ktb-2026-fall's 2 h limit: this lab has run 2.9 h.",
    );
  });
});
