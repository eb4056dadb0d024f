// A lab that stops billing by itself, in the real app (practice mode): the expiry chosen on
// Review, then, once the lab is created, the countdown to it and the running-cost meter on
// every screen, and "+1 h" moving it an hour later. Saves screenshots of Review's field and of
// the bar.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  click,
  completeHandshake,
  fill,
  launchApp,
  sandboxForFile,
  screenshot,
  waitForText,
} from "./harness.mjs";

const sandbox = sandboxForFile();

/** "AWS stops this lab's billing in 7 h 41 min" → minutes. */
function minutesLeft(text) {
  const h = /(\d+) h/.exec(text);
  const m = /(\d+) min/.exec(text);
  return (h ? Number(h[1]) * 60 : 0) + (m ? Number(m[1]) : 0);
}

test("the expiry chosen on Review counts down on every screen, with the cost so far, and extends", async () => {
  const { browser, close } = await launchApp({ lang: "en_US.UTF-8", sandboxUrl: sandbox.url });
  try {
    await click(browser, '[data-testid="check-identity"]');
    await waitForText(browser, '[data-testid="whoami-account"]', "123456789012", 30_000);
    await click(browser, '[data-testid="nav-source"]');
    await fill(browser, '[data-testid="field-source.repository"] input', "octo/expiry-ktb");

    await click(browser, '[data-testid="nav-review"]');
    await waitForText(browser, '[data-testid="review-resources"]', "expiry");
    // Rust refuses 0 hours at the field, in the student's language.
    await fill(browser, "#f-expiry-hours", "0");
    await waitForText(browser, '[data-testid="field-error-expiry.hours"]', "between 1 and 168 hours");
    const create = await browser.$('[data-testid="review-create"]');
    assert.equal(await create.isEnabled(), false, "Create is refused while the expiry is invalid");
    // Practice mode runs 10x faster: 8 hours on AWS's clock pass in 48 minutes.
    await fill(browser, "#f-expiry-hours", "8");
    await create.waitForEnabled({ timeout: 15_000, timeoutMsg: "Create stays disabled" });
    const field = await browser.$('[data-testid="expiry-field"]');
    await field.scrollIntoView();
    await screenshot(browser, "review-expiry");
    await click(browser, '[data-testid="review-create"]');

    await completeHandshake(sandbox.url);
    await waitForText(browser, '[data-testid="progress-report"]', "", 120_000);

    const countdown = await waitForText(browser, '[data-testid="expiry-countdown"]', "AWS stops this lab's billing in", 30_000);
    const before = minutesLeft(await countdown.getText());
    assert.ok(before > 0 && before <= 8 * 60, `the countdown starts under 8 h: ${before} min`);
    await waitForText(browser, '[data-testid="cost-meter"]', "$");
    const bar = await browser.$('[data-testid="expiry-bar"]');
    assert.match(await bar.getText(), /Practice mode runs \d+× faster: .+ from now/);
    await screenshot(browser, "expiry-countdown");

    // On another screen too.
    await click(browser, '[data-testid="nav-deploy"]');
    await waitForText(browser, '[data-testid="expiry-countdown"]', "AWS stops this lab's billing in");

    await click(browser, '[data-testid="expiry-extend"]');
    await browser.waitUntil(
      async () => minutesLeft(await (await browser.$('[data-testid="expiry-countdown"]')).getText()) > before + 30,
      { timeout: 30_000, timeoutMsg: "+1 h did not move the countdown an hour later" },
    );
    await screenshot(browser, "expiry-extended");
  } finally {
    await close();
  }
});
