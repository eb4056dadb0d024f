// Vitest setup: DOM matchers, fresh storage and fake backend, and the messages loaded.
import "@testing-library/jest-dom/vitest";
import { beforeEach } from "vitest";
import { setupI18n } from "./lib/i18n";
import { fakeBackend } from "./lib/ipc-fake";

beforeEach(() => {
  localStorage.clear();
  history.replaceState(null, "", "/");
  fakeBackend.reset();
  setupI18n();
});
