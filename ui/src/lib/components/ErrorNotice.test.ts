import { render, screen } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import { setLanguage } from "../i18n";
import ErrorNotice from "./ErrorNotice.svelte";

const expired = {
  code: "expired_token" as const,
  message: "ExpiredToken: The security token included in the request is expired",
  hint: null,
  field: null,
};

describe("ErrorNotice", () => {
  it("shows the translated title and hint, with AWS's message as details", () => {
    render(ErrorNotice, { error: expired });
    expect(screen.getByRole("alert")).toBeInTheDocument();
    expect(screen.getByTestId("error-title")).toHaveTextContent("The session has expired");
    expect(screen.getByTestId("error-hint")).toHaveTextContent("Temporary keys expire");
    expect(screen.getByTestId("error-details")).toHaveTextContent(
      "The security token included in the request is expired",
    );
  });

  it("speaks Korean when the app does", () => {
    setLanguage("ko");
    render(ErrorNotice, { error: expired });
    expect(screen.getByTestId("error-title")).toHaveTextContent("세션이 만료되었습니다");
    expect(screen.getByTestId("error-hint")).toHaveTextContent("임시 키는");
  });

  it("reads an unknown code from a newer backend as an internal error", () => {
    const error = { ...expired, code: "brand_new" as unknown as "internal" };
    render(ErrorNotice, { error });
    expect(screen.getByTestId("error-title")).toHaveTextContent(
      "Something went wrong inside Pipewright",
    );
  });
});
