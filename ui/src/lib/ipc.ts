// The UI's one door to the Rust side: typed functions over Tauri commands.
//
// This is the only module that imports @tauri-apps/api (eslint's no-restricted-imports and
// ipc.test.ts enforce it). Types come from bindings.ts, generated from Rust by ts-rs.
// Every command rejects with an `IpcError` whose `payload` is the Rust side's ErrorPayload
// ({ code, message, hint, field }); screens translate `code` (see errors.ts), never `message`.
//
// Outside Tauri (vitest, or `vite dev` in a plain browser) there is no backend: calls go to
// the in-memory fake in ipc-fake.ts instead, so the UI still runs. The fake is for
// development and tests only; inside the app every call goes to Rust.
import { invoke } from "@tauri-apps/api/core";
import type {
  AppInfo,
  CredentialSet,
  CredentialSource,
  CredentialSummary,
  ErrorPayload,
  Identity,
  ProfileSummary,
  SandboxStatus,
} from "./bindings";
import { fakeInvoke } from "./ipc-fake";

/** A rejected command, carrying the Rust side's error payload. */
export class IpcError extends Error {
  readonly payload: ErrorPayload;

  constructor(payload: ErrorPayload) {
    super(`${payload.code}: ${payload.message}`);
    this.name = "IpcError";
    this.payload = payload;
  }
}

/** True inside the Tauri webview, where Rust answers the commands. */
export function inTauri(): boolean {
  return typeof window !== "undefined" && "__TAURI_INTERNALS__" in window;
}

let warnedFake = false;

function isErrorPayload(value: unknown): value is ErrorPayload {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as ErrorPayload).code === "string" &&
    typeof (value as ErrorPayload).message === "string"
  );
}

/** Any rejection as an ErrorPayload: Rust's own, or `internal` for anything else. */
export function toErrorPayload(error: unknown): ErrorPayload {
  if (error instanceof IpcError) return error.payload;
  if (isErrorPayload(error)) {
    return { ...error, hint: error.hint ?? null, field: error.field ?? null };
  }
  const message =
    error instanceof Error ? error.message : typeof error === "string" ? error : String(error);
  return { code: "internal", message, hint: null, field: null };
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    if (inTauri()) return await invoke<T>(command, args);
    if (!warnedFake && import.meta.env.MODE !== "test") {
      warnedFake = true;
      console.info("Pipewright: not inside Tauri, using the in-memory fake backend (dev only).");
    }
    return (await fakeInvoke(command, args)) as T;
  } catch (error) {
    throw new IpcError(toErrorPayload(error));
  }
}

/** The app's version and the OS locale. */
export function appInfo(): Promise<AppInfo> {
  return call("app_info");
}

/** Who the given credentials are on AWS (STS GetCallerIdentity), in which region. */
export function whoami(source: CredentialSource): Promise<Identity> {
  return call("whoami", { source });
}

/** Whether practice mode's local AWS emulator is running, and where. */
export function sandboxStatus(): Promise<SandboxStatus> {
  return call("sandbox_status");
}

/** Starts practice mode's emulator if it is not running (takes a few seconds). */
export function sandboxStart(): Promise<SandboxStatus> {
  return call("sandbox_start");
}

/** The access keys saved in the OS keyring (ids only: secrets never leave Rust). */
export function credentialsList(): Promise<CredentialSummary[]> {
  return call("credentials_list");
}

/** Saves a set of access keys in the OS keyring under `set.name`. */
export function credentialsSave(set: CredentialSet): Promise<void> {
  return call("credentials_save", { set });
}

/** Removes a saved set of access keys; removing one that is gone is fine. */
export function credentialsDelete(name: string): Promise<void> {
  return call("credentials_delete", { name });
}

/**
 * The named profiles in ~/.aws. Accepts the older `string[]` answer too, so the UI works
 * with either shape of the command.
 */
export async function profilesList(): Promise<ProfileSummary[]> {
  const profiles = await call<Array<ProfileSummary | string>>("profiles_list");
  return profiles.map((p) =>
    typeof p === "string" ? { name: p, kind: "other" as const, region: null } : p,
  );
}
