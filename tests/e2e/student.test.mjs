// What a student sees while filling in the wizard, in the real app (practice mode), in English
// and Korean: no error before a field is touched, every bad character named at once with a
// one-click fix, a pasted address turned into owner/repo, Review's problems by step and label
// and its summary, the Deploy step's sections, and the practice identity. At 1024 px, as the
// issue measured. Saves screenshots of each.
import assert from "node:assert/strict";
import { test } from "node:test";
import { click, fill, launchApp, sandboxForFile, screenshot, waitForText } from "./harness.mjs";

const sandbox = sandboxForFile();

const text = (browser, selector) =>
  browser.execute((s) => document.querySelector(s)?.textContent ?? null, selector);

async function setLanguage(browser, lang) {
  await browser.execute((l) => {
    const select = document.querySelector('[data-testid="lang-switch"]');
    select.value = l;
    select.dispatchEvent(new Event("change", { bubbles: true }));
  }, lang);
}

for (const [lang, words] of [
  [
    "en",
    {
      locale: "en_US.UTF-8",
      practiceUser: "practice sandbox's own user",
      source: "Source",
      chars: "('M', a space and 'L' are not allowed)",
      fixName: "Use minsu-lab",
      fixRepo: "Use minsu-kim/hello-ktb",
      where: "Step 1 of 5 · Source · Repository (owner/repo)",
      review: "Review",
      summary: "load balancer 80 → container 3000",
      deploy: "ECS",
      healthChecks: "Health checks",
    },
  ],
  [
    "ko",
    {
      locale: "ko_KR.UTF-8",
      practiceUser: "연습용 샌드박스 사용자",
      source: "소스",
      chars: "(쓸 수 없는 문자: 'M', 공백, 'L')",
      fixName: "minsu-lab 사용",
      fixRepo: "minsu-kim/hello-ktb 사용",
      where: "5단계 중 1단계 · 소스 · 리포지토리 (owner/repo)",
      review: "검토",
      summary: "로드 밸런서 80 → 컨테이너 3000",
      deploy: "ECS",
      healthChecks: "상태 검사",
    },
  ],
]) {
  test(`input that helps, ${lang}`, async () => {
    const { browser, close } = await launchApp({ lang: words.locale, sandboxUrl: sandbox.url });
    const suffix = lang === "en" ? "" : "-ko";
    try {
      await browser.setWindowSize(1024, 768);
      await setLanguage(browser, lang);
      await click(browser, '[data-testid="check-identity"]');
      await waitForText(browser, '[data-testid="whoami-account"]', "123456789012", 30_000);
      const who = await text(browser, '[data-testid="whoami-arn"]');
      assert.ok(who.includes(words.practiceUser), `the practice identity: ${who}`);
      assert.ok(!who.includes("user/moto"), "no emulator user name");
      await screenshot(browser, `connect-practice-identity${suffix}`);

      // Source opens without a red field: nothing was touched yet.
      await click(browser, '[data-testid="nav-source"]');
      await waitForText(browser, '[data-testid="screen-title"]', words.source);
      await (await browser.$('[data-testid="field-source.repository"] input')).waitForExist();
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(await text(browser, '[data-testid="field-error-source.repository"]'), null);

      // Every bad character at once, a space by its name, and the fix in one click.
      await fill(browser, '[data-testid="field-name"] input', "Minsu Lab");
      const nameError = await waitForText(browser, '[data-testid="field-error-name"]', words.chars);
      assert.ok((await nameError.getText()).includes(words.fixName));
      await fill(browser, '[data-testid="field-source.repository"] input', "https://github.com/minsu-kim/hello-ktb");
      await waitForText(browser, '[data-testid="field-error-source.repository"]', words.fixRepo);
      await screenshot(browser, `step-source-fix${suffix}`);
      await click(browser, '[data-testid="field-fix-name"]');
      await click(browser, '[data-testid="field-fix-source.repository"]');
      const values = await browser.execute(() => [
        document.querySelector('[data-testid="field-name"] input').value,
        document.querySelector('[data-testid="field-source.repository"] input').value,
      ]);
      assert.deepEqual(values, ["minsu-lab", "minsu-kim/hello-ktb"]);
      await browser.waitUntil(
        async () => (await text(browser, '[data-testid="field-error-name"]')) === null,
        { timeout: 10_000, timeoutMsg: "the fixed name is still refused" },
      );

      // Review: a problem by its step and label, and the settings at a glance.
      await fill(browser, '[data-testid="field-source.repository"] input', "");
      await click(browser, '[data-testid="nav-review"]');
      await waitForText(browser, '[data-testid="screen-title"]', words.review);
      const problem = await waitForText(browser, '[data-testid="review-error-source.repository"]', words.where);
      assert.ok(!(await problem.getText()).includes("source.repository"), "no internal path");
      await waitForText(browser, '[data-testid="review-summary"]', words.summary);
      await screenshot(browser, `review-errors${suffix}`);
      await click(browser, '[data-testid="review-error-source.repository"]');
      await fill(browser, '[data-testid="field-source.repository"] input', "minsu-kim/hello-ktb");
      await click(browser, '[data-testid="nav-review"]');
      const create = await browser.$('[data-testid="review-create"]');
      await create.waitForEnabled({ timeout: 15_000, timeoutMsg: "Create stays disabled: the spec has errors" });
      // At 1024 px no resource name is cut inside a word: each fits or wraps at a separator.
      const cut = await browser.execute(() =>
        [...document.querySelectorAll('[data-testid="review-resources"] .name')]
          .filter((el) => el.scrollWidth > el.clientWidth + 1)
          .map((el) => el.textContent),
      );
      assert.deepEqual(cut, [], "names overflow their column");
      await screenshot(browser, `review${suffix}`);

      // Deploy: a sub-navigation to its sections, Health checks among them.
      await click(browser, '[data-testid="nav-deploy"]');
      await waitForText(browser, '[data-testid="screen-title"]', words.deploy);
      await waitForText(browser, '[data-testid="deploy-subnav"]', words.healthChecks);
      await click(browser, '[data-testid="deploy-subnav-healthChecks"]');
      const focused = await browser.execute(() => document.activeElement?.id ?? null);
      assert.equal(focused, "deploy-section-healthChecks");
      await screenshot(browser, `step-deploy${suffix}`);
    } finally {
      await close();
    }
  });
}
