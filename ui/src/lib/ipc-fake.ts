// DEVELOPMENT AND TESTS ONLY: an in-memory stand-in for the Rust commands, used by ipc.ts
// when the UI runs outside Tauri (vitest, or `vite dev` in a plain browser). It answers with
// the same shapes as Rust and keeps no secret: a saved secret access key is dropped at once.
// Tests steer it through `fakeBackend` (delays, canned failures, stored keys).
import type {
  CredentialSet,
  CredentialSource,
  CredentialSummary,
  ErrorPayload,
  Identity,
  ProfileSummary,
} from "./bindings";

type FakeState = {
  /** Milliseconds every answer waits, to show progress indicators in dev. */
  delayMs: number;
  /** Extra wait for sandbox_start, as the real emulator takes a few seconds. */
  sandboxStartMs: number;
  sandboxUrl: string | null;
  profiles: ProfileSummary[];
  credentials: CredentialSummary[];
  /** The next call of a command rejects with this payload. */
  failures: Map<string, ErrorPayload>;
};

const PRACTICE_ACCOUNT = "123456789012";

function initialState(): FakeState {
  const dev = import.meta.env.MODE !== "test";
  return {
    delayMs: dev ? 400 : 0,
    sandboxStartMs: dev ? 1500 : 0,
    sandboxUrl: null,
    profiles: [
      { name: "default", kind: "static", region: "ap-northeast-2" },
      { name: "class-sso", kind: "sso", region: "ap-northeast-2" },
    ],
    credentials: [],
    failures: new Map(),
  };
}

let state = initialState();

export const fakeBackend = {
  reset(): void {
    state = initialState();
  },
  state(): FakeState {
    return state;
  },
  failNext(command: string, payload: ErrorPayload): void {
    state.failures.set(command, payload);
  },
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function identityFor(source: CredentialSource): Identity {
  switch (source.kind) {
    case "practice":
      return {
        account: PRACTICE_ACCOUNT,
        arn: `arn:aws:iam::${PRACTICE_ACCOUNT}:user/practice`,
        userId: "AIDAPRACTICE0000000",
        region: "ap-northeast-2",
        endpoint: state.sandboxUrl,
      };
    case "profile": {
      const profile = state.profiles.find((p) => p.name === source.name);
      if (!profile) throw notFound("profile_not_found", `profile ${source.name} not found`);
      return {
        account: "111122223333",
        arn: `arn:aws:iam::111122223333:user/${source.name}`,
        userId: "AIDAFAKEPROFILE0000",
        region: profile.region ?? "ap-northeast-2",
        endpoint: null,
      };
    }
    case "keyring": {
      const keys = state.credentials.find((c) => c.name === source.name);
      if (!keys) throw notFound("credential_not_found", `no saved keys named ${source.name}`);
      return {
        account: "444455556666",
        arn: `arn:aws:iam::444455556666:user/${source.name}`,
        userId: "AIDAFAKEKEYRING0000",
        region: keys.region,
        endpoint: null,
      };
    }
  }
}

function notFound(code: ErrorPayload["code"], message: string): ErrorPayload {
  return { code, message, hint: null, field: null };
}

/** Answers one command as the Rust side would, or rejects with an ErrorPayload. */
export async function fakeInvoke(
  command: string,
  args?: Record<string, unknown>,
): Promise<unknown> {
  await sleep(state.delayMs);
  const failure = state.failures.get(command);
  if (failure) {
    state.failures.delete(command);
    throw failure;
  }
  switch (command) {
    case "app_info":
      return { version: "0.0.0-dev", locale: globalThis.navigator?.language ?? null };
    case "sandbox_status":
      return { running: state.sandboxUrl !== null, url: state.sandboxUrl };
    case "sandbox_start":
      if (state.sandboxUrl === null) {
        await sleep(state.sandboxStartMs);
        state.sandboxUrl = "http://127.0.0.1:4566";
      }
      return { running: true, url: state.sandboxUrl };
    case "whoami":
      return identityFor(args?.source as CredentialSource);
    case "profiles_list":
      return state.profiles;
    case "credentials_list":
      return state.credentials;
    case "credentials_save": {
      const set = args as unknown as CredentialSet;
      const summary = { name: set.name, accessKeyId: set.accessKeyId, region: set.region };
      state.credentials = [...state.credentials.filter((c) => c.name !== set.name), summary];
      return null;
    }
    case "credentials_delete":
      state.credentials = state.credentials.filter((c) => c.name !== args?.name);
      return null;
    default:
      throw notFound("internal", `command ${command} not found`);
  }
}
