// The real app, in a real WebKit webview: the wizard's first screen in English and Korean,
// and practice mode's identity check against the sandbox.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { launchApp, screenshot, startSandbox, stopProcess, waitForText } from "./harness.mjs";

let sandbox;
before(async () => {
  sandbox = await startSandbox();
});
after(() => stopProcess(sandbox?.child));

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
    const sw = await browser.$('[data-testid="lang-switch"]');
    if ((await sw.getTagName()) === "select") {
      await sw.selectByAttribute("value", "en");
    } else {
      await (await browser.$('[data-testid="lang-switch"] [data-lang="en"]')).click();
    }
    await waitForText(browser, '[data-testid="nav-source"]', "Source");
  } finally {
    await close();
  }
});

test("practice mode: Check identity shows the sandbox's account", async () => {
  const { browser, close } = await launchApp({ lang: "en_US.UTF-8", sandboxUrl: sandbox.url });
  try {
    await (await browser.$('[data-testid="whoami-check"]')).click();
    await waitForText(browser, '[data-testid="whoami-account"]', "123456789012", 30_000);
    await screenshot(browser, "connect-practice-identity");
  } finally {
    await close();
  }
});
