import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { connection } from "../lib/connection.svelte";
import { setLanguage } from "../lib/i18n";
import { fakeBackend } from "../lib/fake/backend";
import Connect from "./Connect.svelte";

beforeEach(() => connection.reset());

describe("Connect", () => {
  it("checks the practice identity by default, starting the sandbox first", async () => {
    const user = userEvent.setup();
    render(Connect, { onnavigate: () => {} });
    expect(screen.getByTestId("choice-practice").querySelector("input")).toBeChecked();

    await user.click(screen.getByTestId("check-identity"));
    expect(await screen.findByTestId("whoami-account")).toHaveTextContent("123456789012");
    expect(screen.getByTestId("whoami-arn")).toHaveTextContent("practice sandbox's own user");
    expect(screen.getByTestId("whoami-arn")).not.toHaveTextContent("user/");
    expect(screen.getByTestId("whoami-region")).toHaveTextContent("Asia Pacific (Seoul)");
    expect(screen.getByTestId("practice-badge")).toHaveTextContent(
      "Practice — no AWS account, nothing is billed",
    );
    expect(fakeBackend.state().sandboxUrl).not.toBeNull();
  });

  it("shows progress while the sandbox starts", async () => {
    fakeBackend.state().sandboxStartMs = 200;
    const user = userEvent.setup();
    render(Connect, { onnavigate: () => {} });
    await user.click(screen.getByTestId("check-identity"));
    expect(await screen.findByTestId("busy")).toHaveTextContent("Starting the practice sandbox");
    expect(screen.getByTestId("check-identity")).toBeDisabled();
    expect(await screen.findByTestId("whoami-account")).toBeInTheDocument();
    expect(screen.queryByTestId("busy")).toBeNull();
  });

  it("checks a profile from ~/.aws", async () => {
    const user = userEvent.setup();
    render(Connect, { onnavigate: () => {} });
    await user.click(screen.getByTestId("choice-profile"));
    await user.selectOptions(await screen.findByTestId("profile-select"), "class-sso");
    await user.click(screen.getByTestId("check-identity"));
    expect(await screen.findByTestId("whoami-account")).toHaveTextContent("111122223333");
    expect(screen.getByTestId("whoami-arn")).toHaveTextContent("user/class-sso");
    expect(screen.queryByTestId("practice-badge")).toBeNull();
  });

  it("explains a failed check in the student's language", async () => {
    setLanguage("ko");
    fakeBackend.failNext("whoami", {
      code: "signature_mismatch",
      message: "SignatureDoesNotMatch: The request signature we calculated does not match",
      hint: null,
      field: null,
    });
    const user = userEvent.setup();
    render(Connect, { onnavigate: () => {} });
    await user.click(screen.getByTestId("check-identity"));
    expect(await screen.findByTestId("error-title")).toHaveTextContent(
      "비밀 액세스 키가 일치하지 않습니다",
    );
    expect(screen.getByTestId("error-hint")).toHaveTextContent("공백 없이");
    expect(screen.getByTestId("error-details")).toHaveTextContent("SignatureDoesNotMatch");
    expect(screen.queryByTestId("whoami-account")).toBeNull();
  });

  it("adds access keys without echoing the secret, then checks them", async () => {
    const log = vi.spyOn(console, "log");
    const user = userEvent.setup();
    render(Connect, { onnavigate: () => {} });
    await user.click(screen.getByTestId("choice-keyring"));
    await user.click(await screen.findByTestId("keys-add"));

    await user.type(screen.getByLabelText("Name"), "class");
    await user.type(screen.getByLabelText("Access key ID"), "AKIA123");
    await user.type(screen.getByLabelText("Secret access key"), "s3cr3t/VALUE");
    await user.click(screen.getByTestId("keys-save"));
    expect(screen.getByLabelText("Access key ID")).toHaveAttribute("aria-invalid", "true");
    expect(screen.getByLabelText("Access key ID")).toHaveFocus();

    const secret = screen.getByLabelText("Secret access key");
    expect(secret).toHaveAttribute("type", "password");
    await user.clear(screen.getByLabelText("Access key ID"));
    await user.type(screen.getByLabelText("Access key ID"), "AKIAABCDEFGHIJKLMNOP");
    await user.click(screen.getByTestId("keys-save"));

    expect(await screen.findByTestId("keys-select")).toHaveValue("class");
    expect(screen.queryByTestId("keys-form")).toBeNull();
    expect(document.body.textContent).not.toContain("s3cr3t/VALUE");
    expect(JSON.stringify(fakeBackend.state())).not.toContain("s3cr3t/VALUE");
    expect(log).not.toHaveBeenCalled();

    await user.click(screen.getByTestId("check-identity"));
    expect(await screen.findByTestId("whoami-account")).toHaveTextContent("444455556666");
  });

  it("goes on to Source once connected", async () => {
    const onnavigate = vi.fn();
    const user = userEvent.setup();
    render(Connect, { onnavigate });
    await user.click(screen.getByTestId("check-identity"));
    await user.click(await screen.findByTestId("next"));
    await waitFor(() => expect(onnavigate).toHaveBeenCalledWith("source"));
  });
});
