// Vitest setup: DOM matchers, fresh storage and fake backend, and the messages loaded.
import "@testing-library/jest-dom/vitest";
import { configure } from "@testing-library/svelte";
import { beforeEach } from "vitest";
import { setupI18n } from "./lib/i18n";
import { applyRun } from "./lib/apply.svelte";
import { fakeBackend } from "./lib/fake/backend";
import { labs } from "./lib/labs.svelte";
import { specStore } from "./lib/spec.svelte";
import { teardownRun } from "./lib/teardown.svelte";

// findBy*/waitFor wait for the fake's replayed runs; their default second is too short on a
// busy machine (a wait that ends at its deadline fails the test, it never hangs).
configure({ asyncUtilTimeout: 10_000 });

beforeEach(() => {
  // Tests in the node environment (the bundle check) have no DOM to reset.
  if (typeof localStorage === "undefined") return;
  localStorage.clear();
  history.replaceState(null, "", "/");
  fakeBackend.reset();
  specStore.reset();
  applyRun.reset();
  teardownRun.reset();
  labs.reset();
  setupI18n();
});
