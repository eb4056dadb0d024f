// Stored access keys in the real app: add a set on the Connect screen, check who it is, prove
// the secret went only to the OS keyring (Secret Service under scripts/with-keyring.sh), then
// relaunch the app and use the saved set.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { click, fill, launchApp, sandboxForFile, screenshot, waitForText } from "./harness.mjs";

const sandbox = sandboxForFile();

function filesUnder(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return filesUnder(path);
    return e.isFile() ? [path] : [];
  });
}

test("add keys on the Connect screen, check identity, and find the secret in no file", async () => {
  // Made at run time and obviously fake; the sandbox checks only the key id, which must be
  // its own key (made at its start, shaped as an access key id).
  const secret = ("e2eSecret" + randomBytes(24).toString("hex")).slice(0, 40);
  const keyId = sandbox.key;
  // AWS_ENDPOINT_URL keeps every call of the stored keys on the local sandbox.
  const { browser, close, home } = await launchApp({
    lang: "en_US.UTF-8",
    sandboxUrl: sandbox.url,
    env: { AWS_ENDPOINT_URL: sandbox.url },
  });
  try {
    await click(browser, '[data-testid="choice-keyring"] input');
    await click(browser, '[data-testid="keys-add"]');
    await fill(browser, "#keys-name", "class-1");
    await fill(browser, "#keys-accessKeyId", keyId);
    await fill(browser, "#keys-secretAccessKey", secret);
    await screenshot(browser, "connect-add-keys");
    await click(browser, '[data-testid="keys-save"]');
    await (await browser.$('[data-testid="keys-form"]')).waitForExist({ reverse: true, timeout: 15_000 });
    await click(browser, '[data-testid="check-identity"]');
    await waitForText(browser, '[data-testid="whoami-account"]', "123456789012", 30_000);
    const shown = await browser.execute(() => document.body.innerText);
    assert.ok(!shown.includes(secret), "the secret is never shown back");
  } finally {
    await close();
  }
  const leaks = filesUnder(home).filter((f) => statSync(f).size < 50_000_000 && readFileSync(f).includes(secret));
  assert.deepEqual(leaks, [], "no file under the app's HOME holds the secret");

  // Relaunched: the saved set is listed and signs calls, so the keyring (no file) holds it.
  const again = await launchApp({
    lang: "en_US.UTF-8",
    sandboxUrl: sandbox.url,
    env: { AWS_ENDPOINT_URL: sandbox.url },
    home,
  });
  try {
    const browser = again.browser;
    await click(browser, '[data-testid="choice-keyring"] input');
    const select = await browser.$('[data-testid="keys-select"]');
    await select.waitForExist({ timeout: 15_000 });
    assert.equal(await select.getValue(), "class-1");
    assert.match(await select.getText(), new RegExp(keyId));
    await click(browser, '[data-testid="check-identity"]');
    await waitForText(browser, '[data-testid="whoami-account"]', "123456789012", 30_000);
  } finally {
    await again.close();
  }
});
