import { render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { fakeBackend } from "../lib/fake/backend";
import Class from "./Class.svelte";

describe("Class", () => {
  it("lists the class's labs in the chosen accounts with totals, and sweeps after naming the accounts", async () => {
    fakeBackend.state().profiles = [
      { name: "student-a", kind: "static", region: "ap-northeast-2" },
      { name: "student-b", kind: "static", region: "ap-northeast-2" },
    ];
    const user = userEvent.setup();
    render(Class);
    const show = screen.getByTestId("class-show");
    expect(show).toBeDisabled();
    await user.type(screen.getByTestId("class-name"), "c1");
    const boxes = await screen.findAllByTestId("class-source");
    // Both profiles and practice mode are offered.
    expect(boxes).toHaveLength(3);
    await user.click(boxes[0]);
    await user.click(boxes[1]);
    await user.click(show);

    const rows = await screen.findAllByTestId("class-lab");
    expect(rows.map((r) => within(r).getAllByRole("cell")[0].textContent)).toEqual([
      "c1-1",
      "c1-2",
    ]);
    expect(rows[0]).toHaveTextContent("student-a");
    expect(rows[0]).toHaveTextContent("Running");
    expect(screen.getByTestId("class-totals")).toHaveTextContent("2 labs, 2 running");
    expect(screen.getByTestId("class-totals")).toHaveTextContent("$0.18");

    await user.click(screen.getByTestId("class-sweep"));
    const confirm = await screen.findByTestId("class-confirm");
    expect(confirm).toHaveTextContent("Delete these resources in AWS accounts 111122223333");
    expect(confirm).toHaveTextContent("44 resources of class c1");
    await user.click(screen.getByTestId("class-sweep-confirm"));
    const swept = await screen.findByTestId("class-swept");
    expect(swept).toHaveTextContent("removed 22 resources of 1 lab");
    expect(await screen.findByText("No lab of this class in these accounts.")).toBeInTheDocument();
  });
});
