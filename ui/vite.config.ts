/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import { svelte } from "@sveltejs/vite-plugin-svelte";
import { svelteTesting } from "@testing-library/svelte/vite";

// Tauri loads the dev server from a fixed port (src-tauri/tauri.conf.json: devUrl) and the
// built files from ui/dist (frontendDist).
const host = process.env.TAURI_DEV_HOST;

export default defineConfig(({ command, mode }) => ({
  // The fake backend (src/lib/fake) is for the dev server and the tests: a build never
  // contains it (src/bundle.test.ts checks the built files).
  define: { __FAKE_BACKEND__: JSON.stringify(command === "serve" || mode === "test") },
  plugins: [svelte(), svelteTesting()],
  clearScreen: false,
  envPrefix: ["VITE_", "TAURI_ENV_"],
  server: {
    port: 5173,
    strictPort: true,
    host: host || false,
    watch: { ignored: ["**/src-tauri/**"] },
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // The webviews Tauri 2 supports: WebView2 (Chromium) on Windows, WebKit elsewhere.
    target: ["chrome105", "safari15"],
    sourcemap: false,
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.ts"],
    setupFiles: ["src/test-setup.ts"],
    restoreMocks: true,
  },
}));
