import { fireEvent, render, screen } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import type { DoctorReport } from "../bindings";
import { fakeBackend } from "../fake/backend";
import { setLanguage } from "../i18n";
import Doctor from "./Doctor.svelte";

// What core says about the lecture's buildspec pushed unchanged (tests/tests/doctor.rs).
const foreign: DoctorReport = {
  lab: "ktb",
  region: "ap-northeast-2",
  execution_id: "e-1",
  healthy: false,
  findings: [
    {
      code: "buildspec_foreign_account",
      severity: "error",
      field: "repository:buildspec.yml",
      en: "The build pushed to account 111122223333's registry, not this lab's (123456789012).",
      ko: "빌드가 이 실습의 계정(123456789012)이 아닌 계정 111122223333의 레지스트리에 푸시했습니다.",
      evidence: ["denied: User: ... is not authorized to perform: ecr:InitiateLayerUpload"],
      link: null,
      remedy: null,
    },
  ],
};

describe("Doctor", () => {
  it("asks only when the student does, then shows the cause and its evidence", async () => {
    fakeBackend.state().doctor = foreign;
    render(Doctor, { lab: "ktb" });
    expect(screen.queryByTestId("finding")).not.toBeInTheDocument();
    await fireEvent.click(screen.getByTestId("doctor-run"));
    const finding = await screen.findByTestId("finding");
    expect(finding).toHaveAttribute("data-code", "buildspec_foreign_account");
    expect(screen.getByTestId("finding-text")).toHaveTextContent("account 111122223333");
    expect(screen.getByTestId("finding-evidence")).toHaveTextContent("ecr:InitiateLayerUpload");
    expect(screen.getByTestId("doctor-summary")).toHaveTextContent("Most likely cause first");
  });

  it("speaks Korean, and says so when nothing is wrong", async () => {
    setLanguage("ko");
    render(Doctor, { lab: "ktb" });
    await fireEvent.click(screen.getByTestId("doctor-run"));
    expect(await screen.findByTestId("doctor-summary")).toHaveTextContent("문제가 없습니다");
    expect(screen.getByTestId("finding")).toHaveAttribute("data-code", "all_healthy");
    expect(screen.getByTestId("finding-text")).toHaveTextContent("로드 밸런서의 대상이 정상");
  });

  it("shows why it could not examine", async () => {
    fakeBackend.failNext("lab_doctor", {
      code: "access_denied",
      message: "AccessDenied: not allowed",
      hint: null,
      field: null,
    });
    render(Doctor, { lab: "ktb" });
    await fireEvent.click(screen.getByTestId("doctor-run"));
    expect(await screen.findByRole("alert")).toBeInTheDocument();
  });
});
