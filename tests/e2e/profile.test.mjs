// Checking an AWS profile on the Connect screen, in the real app: the profile comes from the
// credentials and config files in the test's HOME (as `aws configure` writes them), its calls
// go to the sandbox (AWS_ENDPOINT_URL), and the check shows the account it answers as.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { click, launchApp, sandboxForFile, screenshot, waitForText } from "./harness.mjs";

const sandbox = sandboxForFile();

test("a profile from ~/.aws is listed and its check shows the account", async () => {
  const home = mkdtempSync(join(tmpdir(), "pipewright-e2e-"));
  mkdirSync(join(home, ".aws"));
  // The sandbox's key is the key id it accepts; the secret is made up (signatures are not checked).
  writeFileSync(
    join(home, ".aws", "credentials"),
    `[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = not-this-one\n\n` +
      `[class-profile]\naws_access_key_id = ${sandbox.key}\naws_secret_access_key = e2e-made-up-secret\n`,
  );
  writeFileSync(
    join(home, ".aws", "config"),
    `[default]\nregion = ap-northeast-2\n\n[profile class-profile]\nregion = ap-northeast-2\n`,
  );
  const { browser, close } = await launchApp({
    lang: "en_US.UTF-8",
    sandboxUrl: sandbox.url,
    env: { AWS_ENDPOINT_URL: sandbox.url },
    home,
  });
  try {
    await click(browser, '[data-testid="choice-profile"] input');
    const select = await browser.$('[data-testid="profile-select"]');
    await select.waitForExist({ timeout: 15_000, timeoutMsg: "no profile was listed" });
    const listed = await browser.execute(() =>
      [...document.querySelectorAll('[data-testid="profile-select"] option')].map((o) => o.value),
    );
    assert.deepEqual([...listed].sort(), ["class-profile", "default"]);
    await browser.execute((node) => {
      node.value = "class-profile";
      node.dispatchEvent(new Event("change", { bubbles: true }));
    }, select);
    assert.match(await select.getText(), /class-profile · ap-northeast-2/);
    await click(browser, '[data-testid="check-identity"]');
    await waitForText(browser, '[data-testid="whoami-account"]', "123456789012", 30_000);
    await screenshot(browser, "connect-profile-checked");

    // The default profile's key is not the sandbox's: the same check is refused, no account.
    await browser.execute((node) => {
      node.value = "default";
      node.dispatchEvent(new Event("change", { bubbles: true }));
    }, select);
    await click(browser, '[data-testid="check-identity"]');
    const error = await browser.$('[data-testid="error"]');
    await error.waitForExist({ timeout: 30_000, timeoutMsg: "the default profile's key was not refused" });
    assert.equal(await error.getAttribute("data-code"), "invalid_key_id");
    assert.equal(await browser.execute(() => document.querySelector('[data-testid="whoami-account"]')), null);
  } finally {
    await close();
  }
});
