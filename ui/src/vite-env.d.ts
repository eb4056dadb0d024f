/// <reference types="svelte" />
/// <reference types="vite/client" />

/** Set for the dev server and vitest only: ipc.ts may load the fake backend (see vite.config.ts). */
declare const __FAKE_BACKEND__: boolean;
