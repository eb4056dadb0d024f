// Starts the real Pipewright binary under tauri-driver (which drives WebKitWebDriver) and
// hands back a WebdriverIO browser. The display is Xvfb's, set up by scripts/test.sh.
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { after, before } from "node:test";
import { remote } from "webdriverio";

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, "../..");
export const screenshotDir = resolve(repoRoot, process.env.PIPEWRIGHT_SCREENSHOTS ?? "artifacts/screenshots");

function freePort() {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.on("error", fail);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => ok(port));
    });
  });
}

export function appBinary() {
  const target = process.env.CARGO_TARGET_DIR ?? join(repoRoot, "target");
  return process.env.PIPEWRIGHT_APP ?? join(target, "debug", "pipewright-app");
}

// Each sandbox's key (it refuses every client without it), by URL: the helpers below take
// the URL alone and find the key here.
const sandboxKeys = new Map();

/** The key of a sandbox this harness started (see `sandboxFrom`). */
export function sandboxKey(url) {
  const key = sandboxKeys.get(url);
  if (!key) throw new Error(`no key known for the sandbox at ${url}`);
  return key;
}

/**
 * Resolves with { url, key, child } once `child` (sandbox/run or a script that execs it) has
 * printed its key and URL lines.
 */
export function sandboxFrom(child, what = "sandbox") {
  return new Promise((ok, fail) => {
    let key;
    createInterface({ input: child.stdout }).on("line", (line) => {
      if (line.startsWith("PIPEWRIGHT_SANDBOX_KEY=")) key = line.split("=")[1].trim();
      if (line.startsWith("PIPEWRIGHT_SANDBOX_URL=")) {
        const url = line.split("=")[1].trim();
        sandboxKeys.set(url, key);
        ok({ url, key, child });
      }
    });
    child.on("exit", (code) => fail(new Error(`${what} exited with ${code}`)));
  });
}

/** Starts `sandbox/run` and resolves with its URL, key and process. */
export function startSandbox() {
  const child = spawn(join(repoRoot, "sandbox/run"), ["--time-scale", "0.01"], {
    stdio: ["ignore", "pipe", "inherit"],
    detached: true,
  });
  return sandboxFrom(child);
}

/**
 * One sandbox for the calling test file: started before its first test, stopped after its
 * last. Returns the object `startSandbox` resolves with ({ url, key, child }), filled in once
 * the sandbox is up (read its fields inside tests, not at import time).
 */
export function sandboxForFile() {
  const sandbox = {};
  before(async () => {
    Object.assign(sandbox, await startSandbox());
  });
  after(() => stopProcess(sandbox.child));
  return sandbox;
}

export function stopProcess(child) {
  if (!child || child.exitCode !== null) return;
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {
    child.kill("SIGTERM");
  }
}

async function waitForPort(port, deadlineMs) {
  const end = Date.now() + deadlineMs;
  while (Date.now() < end) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/status`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`tauri-driver did not listen on ${port}`);
}

/**
 * Launches the app with the given OS language (LANG) and returns { browser, close }.
 * Each launch gets its own HOME and XDG folders so nothing leaks between runs.
 */
export async function launchApp({ lang = "en_US.UTF-8", sandboxUrl, env: extraEnv = {}, home: givenHome } = {}) {
  const home = givenHome ?? mkdtempSync(join(tmpdir(), "pipewright-e2e-"));
  for (const d of ["data", "config", "cache"]) mkdirSync(join(home, d), { recursive: true });
  const port = await freePort();
  const nativePort = await freePort();
  const env = {
    ...process.env,
    HOME: home,
    XDG_DATA_HOME: join(home, "data"),
    XDG_CONFIG_HOME: join(home, "config"),
    XDG_CACHE_HOME: join(home, "cache"),
    PIPEWRIGHT_HOME: join(home, "pipewright"),
    LANG: lang,
    LANGUAGE: lang.split(".")[0],
    LC_ALL: lang,
    PIPEWRIGHT_SANDBOX_URL: sandboxUrl ?? "",
    PIPEWRIGHT_SANDBOX_KEY: sandboxUrl ? sandboxKey(sandboxUrl) : "",
    ...extraEnv,
  };
  const driver = spawn("tauri-driver", ["--port", String(port), "--native-port", String(nativePort)], {
    env,
    stdio: ["ignore", "ignore", "inherit"],
    detached: true,
  });
  await waitForPort(port, 20_000);
  const browser = await remote({
    hostname: "127.0.0.1",
    port,
    logLevel: "warn",
    connectionRetryCount: 5,
    capabilities: { "tauri:options": { application: appBinary() } },
  });
  const close = async () => {
    try {
      await browser.deleteSession();
    } finally {
      stopProcess(driver);
    }
  };
  return { browser, close, home };
}

/** Waits for `selector` to show `text` (WebDriver screenshots lag the DOM). */
export async function waitForText(browser, selector, text, timeout = 15_000) {
  const el = await browser.$(selector);
  await el.waitUntil(async () => (await el.getText()).includes(text), {
    timeout,
    timeoutMsg: `${selector} never showed "${text}"`,
  });
  return el;
}

export async function screenshot(browser, name) {
  mkdirSync(screenshotDir, { recursive: true });
  await new Promise((r) => setTimeout(r, 800));
  await browser.saveScreenshot(join(screenshotDir, `${name}.png`));
}

/**
 * Clicks through the DOM. WebKitWebDriver's pointer clicks land off target under Xvfb with no
 * window manager (the button never sees them), so the element's own click() is used: it
 * fires the same handlers a person's click does.
 */
export async function click(browser, selector) {
  const el = await browser.$(selector);
  await el.waitForClickable({ timeout: 15_000 });
  await browser.execute((node) => node.click(), el);
}

/**
 * Types into an input the way the student does (value set, then an `input` event, which is
 * what Svelte's bindings listen to).
 */
export async function fill(browser, selector, value) {
  const el = await browser.$(selector);
  await el.waitForExist({ timeout: 15_000 });
  await browser.execute(
    (node, v) => {
      node.focus();
      node.value = v;
      node.dispatchEvent(new Event("input", { bubbles: true }));
      node.dispatchEvent(new Event("change", { bubbles: true }));
    },
    el,
    value,
  );
}

/** Calls one JSON-protocol operation on the sandbox (it checks the key, not the signature), in `region`. */
export async function sandboxCall(url, service, target, body, region = "ap-northeast-2") {
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-amz-json-1.0",
      "X-Amz-Target": target,
      Authorization: `AWS4-HMAC-SHA256 Credential=${sandboxKey(url)}/20260101/${region}/${service}/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${target}: HTTP ${res.status} ${text}`);
  // Some operations (DeleteLogGroup) answer with an empty body.
  return text ? JSON.parse(text) : {};
}

/**
 * Calls one of the sandbox's `/_sandbox/...` control routes with its key (faults, holds):
 * `method` POST with a JSON `body`, or GET / DELETE without one. Resolves with the JSON answer.
 */
export async function sandboxControl(url, method, path, body) {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { "Content-Type": "application/json", "X-Pipewright-Sandbox-Key": sandboxKey(url) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

/** Plays the console's "complete connection" handshake for every PENDING connection in `region`. */
export async function completePendingConnections(url, region = "ap-northeast-2") {
  const { Connections = [] } = await sandboxCall(
    url,
    "codestar-connections",
    "CodeStar_connections_20191201.ListConnections",
    {},
    region,
  );
  const pending = Connections.filter((c) => c.ConnectionStatus === "PENDING");
  for (const c of pending) {
    const res = await fetch(`${url}/_sandbox/connections/complete`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Pipewright-Sandbox-Key": sandboxKey(url) },
      body: JSON.stringify({ connectionArn: c.ConnectionArn, status: "AVAILABLE" }),
    });
    if (!res.ok) throw new Error(`complete ${c.ConnectionArn}: HTTP ${res.status}`);
  }
  return pending.length;
}

/**
 * Clicks the header's theme toggle and checks it took: <html data-theme> becomes `want` and
 * the page's background colour changes with it (a screenshot alone would prove nothing).
 */
export async function switchTheme(browser, want) {
  const read = () =>
    browser.execute(() => [document.documentElement.dataset.theme, getComputedStyle(document.body).backgroundColor]);
  const [was, wasBg] = await read();
  await click(browser, '[data-testid="theme-toggle"]');
  await browser.waitUntil(async () => (await read())[0] === want, {
    timeout: 5_000,
    timeoutMsg: `the theme went from ${was} to ${want}`,
  });
  const [, bg] = await read();
  if (bg === wasBg) throw new Error(`the background stayed ${bg} when the theme went ${was} -> ${want}`);
}

/**
 * Connect (practice) → Source → Review → Create, completing the GitHub handshake through the
 * sandbox's page, until Progress reports the lab ready.
 */
export async function createLab(browser, sandboxUrl, repository = "octo/hello-ktb") {
  await click(browser, '[data-testid="check-identity"]');
  await waitForText(browser, '[data-testid="whoami-account"]', "123456789012", 30_000);
  await click(browser, '[data-testid="nav-source"]');
  await waitForText(browser, '[data-testid="screen-title"]', "Source");
  await fill(browser, '[data-testid="field-source.repository"] input', repository);
  await click(browser, '[data-testid="nav-review"]');
  await waitForText(browser, '[data-testid="review-resources"]', "ktb");
  const create = await browser.$('[data-testid="review-create"]');
  await create.waitForEnabled({ timeout: 15_000, timeoutMsg: "Create stays disabled: the spec has errors" });
  await click(browser, '[data-testid="review-create"]');
  await completeHandshake(sandboxUrl);
  await waitForText(browser, '[data-testid="progress-report"]', "", 120_000);
}

/**
 * Reads `read()` every 100 ms until `check` holds of it, and returns it; after `timeout` ms
 * throws naming `what` and the last value read (WebdriverIO's timeoutMsg is fixed up front,
 * so it cannot show what was last seen).
 */
export async function waitForState(what, read, check, timeout = 60_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const last = await read();
    if (check(last)) return last;
    if (Date.now() > deadline) throw new Error(`${what}; last seen: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Completes the GitHub handshake a run waits for, as the student would in the console: waits
 * up to a minute for its PENDING connection to appear in `region`.
 */
export async function completeHandshake(sandboxUrl, region) {
  const deadline = Date.now() + 60_000;
  while ((await completePendingConnections(sandboxUrl, region)) === 0) {
    if (Date.now() > deadline) throw new Error("no connection ever waited for the handshake");
    await new Promise((r) => setTimeout(r, 250));
  }
}
