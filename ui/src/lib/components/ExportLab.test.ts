import { fireEvent, render, screen } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import { setLanguage } from "../i18n";
import ExportLab from "./ExportLab.svelte";

describe("ExportLab", () => {
  it("shows the chosen format and offers it as a file named after the lab", async () => {
    setLanguage("en");
    const created = vi.fn(() => "blob:lab");
    vi.stubGlobal(
      "URL",
      Object.assign(URL, { createObjectURL: created, revokeObjectURL: vi.fn() }),
    );
    render(ExportLab, { lab: "ktb" });
    expect(screen.queryByTestId("export-preview")).not.toBeInTheDocument();
    await fireEvent.click(screen.getByTestId("export-cloudformation"));
    const preview = await screen.findByTestId("export-preview");
    expect(preview).toHaveTextContent("ktb as cloudformation");
    const save = screen.getByTestId("export-save");
    expect(save).toHaveAttribute("download", "ktb-cloudformation.yaml");
    expect(save).toHaveAttribute("href", "blob:lab");
    expect(save).toHaveTextContent("Save ktb-cloudformation.yaml");
    await fireEvent.click(screen.getByTestId("export-aws-cli"));
    expect(await screen.findByText(/ktb as aws-cli/)).toBeInTheDocument();
    expect(screen.getByTestId("export-save")).toHaveAttribute("download", "ktb-aws-cli.sh");
  });

  it("speaks Korean", async () => {
    setLanguage("ko");
    render(ExportLab, { lab: "ktb" });
    expect(screen.getByTestId("export")).toHaveTextContent("실습을 코드로 가져가기");
    expect(screen.getByTestId("export-aws-cli")).toHaveTextContent("AWS CLI 스크립트");
  });
});
