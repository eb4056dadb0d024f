// The real app, in a real WebKit webview: the wizard's first screen in English and Korean,
// and practice mode's identity check against the sandbox.
import assert from "node:assert/strict";
import { test } from "node:test";
import { click, launchApp, sandboxForFile, screenshot, waitForText } from "./harness.mjs";

const sandbox = sandboxForFile();

const steps = ["source", "pipeline", "build", "registry", "deploy"];

test("English OS: the wizard shell with the five lecture steps", async () => {
  const { browser, close } = await launchApp({ lang: "en_US.UTF-8", sandboxUrl: sandbox.url });
  try {
    await waitForText(browser, '[data-testid="nav-source"]', "Source");
    for (const id of steps) {
      assert.ok(await browser.$(`[data-testid="nav-${id}"]`).isDisplayed(), `nav-${id} visible`);
    }
    assert.equal(await browser.execute(() => document.documentElement.lang), "en");
    await screenshot(browser, "connect-en");
  } finally {
    await close();
  }
});

test("Korean OS: the same screen in Korean, and the switch goes back to English", async () => {
  const { browser, close } = await launchApp({ lang: "ko_KR.UTF-8", sandboxUrl: sandbox.url });
  try {
    await waitForText(browser, '[data-testid="nav-source"]', "소스");
    assert.equal(await browser.execute(() => document.documentElement.lang), "ko");
    await screenshot(browser, "connect-ko");
    await (await browser.$('[data-testid="lang-switch"]')).selectByAttribute("value", "en");
    await waitForText(browser, '[data-testid="nav-source"]', "Source");
    assert.equal(await browser.execute(() => document.documentElement.lang), "en");
  } finally {
    await close();
  }
});

test("practice mode: Check identity shows the sandbox's account", async () => {
  const { browser, close } = await launchApp({ lang: "en_US.UTF-8", sandboxUrl: sandbox.url });
  try {
    await click(browser, '[data-testid="check-identity"]');
    await waitForText(browser, '[data-testid="whoami-account"]', "123456789012", 30_000);
    await waitForText(browser, '[data-testid="practice-badge"]', "Practice");
    await screenshot(browser, "connect-practice-identity");
  } finally {
    await close();
  }
});

test("a lecture step opens from the sidebar, in Korean", async () => {
  const { browser, close } = await launchApp({ lang: "ko_KR.UTF-8", sandboxUrl: sandbox.url });
  try {
    await click(browser, '[data-testid="nav-build"]');
    await waitForText(browser, '[data-testid="screen-title"]', "CodeBuild");
    await screenshot(browser, "step-build-ko");
  } finally {
    await close();
  }
});
