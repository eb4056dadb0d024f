// The UI's one door to the Rust side: typed functions over Tauri commands.
//
// This is the only module that imports @tauri-apps/api (eslint's no-restricted-imports and
// ipc.test.ts enforce it). Types come from bindings.ts, generated from Rust by ts-rs.
// Every command rejects with an `IpcError` whose `payload` is the Rust side's ErrorPayload
// ({ code, message, hint, field }); screens translate `code` (see errors.ts), never `message`.
//
// Outside Tauri (vitest, or `vite dev` in a plain browser) there is no backend: calls go to
// the test double in fake/backend.ts, which replays answers Rust generated. It is imported
// only when the build-time flag __FAKE_BACKEND__ is set (the dev server and vitest), so a
// production build does not contain it (src/bundle.test.ts checks); inside the app every call
// goes to Rust.
import { Channel, invoke } from "@tauri-apps/api/core";
import type {
  AppInfo,
  ApplyReport,
  ClassStatus,
  ClassSweep,
  ClassFile,
  CredentialSet,
  CredentialSource,
  CredentialSummary,
  DoctorReport,
  CostMeter,
  ErrorPayload,
  ExpiryView,
  ExportFormat,
  ExportText,
  Identity,
  LabSpec,
  LabStatus,
  LabSummary,
  PlanView,
  PreflightReport,
  ProfileSummary,
  ProgressEvent,
  RetryOutcome,
  SandboxStatus,
  SpecCheck,
  SpecEdit,
  StartedRun,
  TaskSize,
  TeardownReport,
  WatchEvent,
} from "./bindings";
import { get } from "svelte/store";
import type { Command } from "./commands";
import { languageFromLocale, locale } from "./i18n";

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

// Tauri refuses a payload it cannot deserialize into a command's arguments before the
// command runs, with a plain string (src-tauri's tests pin both shapes). Those are the UI's
// own malformed input: `invalid`, on the argument's field.
const INVALID_ARG = /^invalid args `([^`]+)` for command `[^`]+`: /;
const MISSING_ARG = /^command \S+ missing required key (\S+)$/;

/** Any rejection as an ErrorPayload: Rust's own, `invalid` for a malformed payload, or
 * `internal` for anything else. */
export function toErrorPayload(error: unknown): ErrorPayload {
  if (error instanceof IpcError) return error.payload;
  if (isErrorPayload(error)) {
    return { ...error, hint: error.hint ?? null, field: error.field ?? null };
  }
  const message =
    error instanceof Error ? error.message : typeof error === "string" ? error : String(error);
  const field = (INVALID_ARG.exec(message) ?? MISSING_ARG.exec(message))?.[1];
  if (field) return { code: "invalid", message, hint: null, field };
  return { code: "internal", message, hint: null, field: null };
}

/** The test double's answer; only the dev server and vitest have one (see the header). */
async function fake(command: Command, args?: Record<string, unknown>): Promise<unknown> {
  if (__FAKE_BACKEND__) {
    if (!warnedFake && import.meta.env.MODE !== "test") {
      warnedFake = true;
      console.info("Pipewright: not inside Tauri, using the fake backend (dev only).");
    }
    const { fakeInvoke } = await import("./fake/backend");
    return fakeInvoke(command, args);
  }
  throw {
    code: "internal",
    message: "Pipewright's window works only inside the app",
    hint: null,
    field: null,
  };
}

async function call<T>(command: Command, args?: Record<string, unknown>): Promise<T> {
  try {
    if (inTauri()) return await invoke<T>(command, args);
    return (await fake(command, args)) as T;
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

/** Practice mode's pace: 1 = AWS's own, 10 = ten times faster. Starts the emulator if needed. */
export function sandboxPace(speedup: number): Promise<SandboxStatus> {
  return call("sandbox_pace", { speedup });
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

/** The named profiles in ~/.aws, with what each gets its credentials from. */
export function profilesList(): Promise<ProfileSummary[]> {
  return call("profiles_list");
}

/** A spec with the lecture's defaults for a lab called `name`, building `repository`. */
export function specDefault(name: string, repository: string): Promise<LabSpec> {
  return call("spec_default", { name, repository });
}

/**
 * Everything the wizard shows about a spec, in one answer: its problems (each tied to its
 * field's dotted path), the names its resources get and would get, and what it costs.
 */
export function specCheck(spec: LabSpec, classFile: ClassFile | null = null): Promise<SpecCheck> {
  // With the lab's class, Rust adds every way the spec breaks the class's rules.
  return call("spec_check", classFile ? { spec, class: classFile } : { spec });
}

/**
 * An instructor's class file (the text of the file the student picked), checked by Rust,
 * and the spec the student's lab `name` starts from in that class. A bad file rejects with
 * `invalid` on the key at fault.
 */
export function classOpen(text: string, name: string): Promise<[ClassFile, LabSpec]> {
  return call("class_open", { text, name });
}

/**
 * The spec after `edit` and what follows from it: a branch trigger follows the branch, the
 * build follows the tasks' architecture.
 */
export function specEdit(spec: LabSpec, edit: SpecEdit): Promise<LabSpec> {
  return call("spec_edit", { spec, edit });
}

/** What the lab will create, in order; `account` names the bucket when known. */
export function specPlan(spec: LabSpec, account: string | null): Promise<PlanView> {
  return call("spec_plan", { spec, account });
}

/** The buildspec Pipewright sets on the project (or the buildspec.yml to commit). */
export function specBuildspec(spec: LabSpec): Promise<string> {
  return call("spec_buildspec", { spec });
}

/** Every CPU/memory pair Fargate accepts, smallest first. */
export function fargateSizes(): Promise<TaskSize[]> {
  return call("fargate_sizes");
}

let runs = 0;

/** A fresh id for a run, which `labCancel` names to stop exactly that run. */
export function newRunId(): string {
  runs += 1;
  return `run-${Date.now().toString(36)}-${runs}`;
}

/**
 * Creates every resource of the lab, reporting each step through `onEvent` as it happens.
 * Resolves with the final report; rejects with `cancelled` after `labCancel(runId)`.
 */
export function labApply(
  source: CredentialSource,
  spec: LabSpec,
  runId: string,
  onEvent: (event: ProgressEvent) => void,
): Promise<ApplyReport> {
  if (inTauri()) {
    const channel = new Channel<ProgressEvent>();
    channel.onmessage = onEvent;
    return call("lab_apply", { source, spec, runId, onEvent: channel });
  }
  return call("lab_apply", { source, spec, runId, onEvent });
}

/**
 * Removes everything the lab created, reporting each resource through `onEvent`; with
 * `dryRun`, only lists what would be removed, in order. Resolves with the report, whose
 * `leftovers` is the final inventory; rejects with `cancelled` after `labCancel(runId)`.
 */
export function labTeardown(
  source: CredentialSource,
  lab: string,
  dryRun: boolean,
  runId: string,
  onEvent: (event: ProgressEvent) => void,
): Promise<TeardownReport> {
  if (inTauri()) {
    const channel = new Channel<ProgressEvent>();
    channel.onmessage = onEvent;
    return call("lab_teardown", { source, lab, dryRun, runId, onEvent: channel });
  }
  return call("lab_teardown", { source, lab, dryRun, runId, onEvent });
}

/** Every lab in the ledger, with how many of its resources may still exist (and bill). */
export function labSummaries(): Promise<LabSummary[]> {
  return call("lab_summaries");
}

/** Asks run `runId` (an apply or a teardown) to stop after the call in flight; a run that
 * already ended is left alone, and so is any later run of the same lab. */
export function labCancel(runId: string): Promise<void> {
  return call("lab_cancel", { runId });
}

/** The lab in progress according to the ledger (to resume after reopening), if any. */
export function labCurrent(): Promise<LabSpec | null> {
  return call("lab_current");
}

/** What AWS and the ledger say about each of the lab's resources now. */
export function labStatus(source: CredentialSource, lab: string): Promise<LabStatus> {
  return call("lab_status", { source, lab });
}

/** When AWS itself stops the lab's billing (its expiry schedules), read from AWS now. */
export function labExpiry(source: CredentialSource, lab: string): Promise<ExpiryView> {
  return call("lab_expiry", { source, lab });
}

/** Moves the lab's expiry `hours` later; answers the new expiry. */
export function labExtend(
  source: CredentialSource,
  lab: string,
  hours: number,
): Promise<ExpiryView> {
  return call("lab_extend", { source, lab, hours });
}

/** What the lab has cost since it was created, at the estimate's rates (no AWS call). */
export function labMeter(lab: string): Promise<CostMeter> {
  return call("lab_meter", { lab });
}

/** Every lab of the class `tag` (`pipewright:class=NAME`) in each source's account. */
export function classStatus(tag: string, sources: CredentialSource[]): Promise<ClassStatus> {
  return call("class_status", { tag, sources });
}

/** Removes (with `dryRun`, lists) every lab of the class, account by account. */
export function classSweep(
  tag: string,
  sources: CredentialSource[],
  dryRun: boolean,
): Promise<ClassSweep[]> {
  return call("class_sweep", { tag, sources, dryRun });
}

/** Opens a page (e.g. the AWS console's connection page) in the system browser. */
/** Opens `url` in the browser; the sandbox's pages open in the app's language (`lang`). */
export function openUrl(url: string): Promise<void> {
  return call("open_url", { url, lang: languageFromLocale(get(locale)) });
}

/** A running `lab_watch`: `done` settles when it ends; `stop()` ignores any later event. */
export type WatchHandle = { done: Promise<void>; stop(): void };

/**
 * Follows the lab's pipeline: `onEvent` gets a snapshot, then changes and heartbeats (see
 * components/watch/changes.ts). `execution` pins it to one execution; `null`: the watcher
 * chooses (the oldest running, else the newest). The Rust side ends once it can no longer
 * send; after `stop()` events are dropped here.
 */
export function labWatch(
  source: CredentialSource,
  lab: string,
  execution: string | null,
  onEvent: (event: WatchEvent) => void,
): WatchHandle {
  let stopped = false;
  const deliver = (event: WatchEvent) => {
    if (!stopped) onEvent(event);
  };
  if (inTauri()) {
    const channel = new Channel<WatchEvent>();
    channel.onmessage = deliver;
    return {
      done: call("lab_watch", { source, lab, execution, onEvent: channel }),
      stop() {
        stopped = true;
        channel.onmessage = () => {};
      },
    };
  }
  return {
    done: call("lab_watch", { source, lab, execution, onEvent: deliver, alive: () => !stopped }),
    stop() {
      stopped = true;
    },
  };
}

/** Starts a run of the lab's pipeline ("Release change"); answers its execution id. */
export function labRun(source: CredentialSource, lab: string): Promise<string> {
  return call("lab_run", { source, lab });
}

/** Stops an execution (`null`: the newest running); `abandon` does not wait for actions. */
export function labStop(
  source: CredentialSource,
  lab: string,
  execution: string | null,
  abandon: boolean,
): Promise<string> {
  return call("lab_stop", { source, lab, execution, abandon });
}

/** Retries the failed actions of the execution's failed stage. */
export function labRetry(
  source: CredentialSource,
  lab: string,
  execution: string | null,
): Promise<RetryOutcome> {
  return call("lab_retry", { source, lab, execution });
}

/** What the lab built, as an AWS CLI script or a CloudFormation template (from the ledger). */
export function labExport(lab: string, format: ExportFormat): Promise<ExportText> {
  return call("lab_export", { lab, format, lang: languageFromLocale(get(locale)) });
}

/** The doctor: what is wrong with the lab and what to do, read from AWS. */
export function labDoctor(source: CredentialSource, lab: string): Promise<DoctorReport> {
  return call("lab_doctor", { source, lab });
}

/**
 * Practice mode only: a simulated `git push` to the lab's repository and branch. With `files`
 * (path → new text, or null to delete) the practice GitHub commits them first.
 */
export function practicePush(
  spec: LabSpec,
  message: string,
  files: Record<string, string | null> | null = null,
): Promise<StartedRun[]> {
  return call("practice_push", { spec, message, files });
}

/** Practice mode only: a file of the lab's repository at its branch's head (null: none). */
export function practiceFile(spec: LabSpec, path: string): Promise<string | null> {
  return call("practice_file", { spec, path });
}

/**
 * Reads the spec's GitHub repository (the practice GitHub in practice mode) and says what will
 * go wrong before anything is created. Never blocks Create.
 */
export function preflight(source: CredentialSource, spec: LabSpec): Promise<PreflightReport> {
  return call("preflight", { source, spec });
}

/** Shows an OS notification (the text already in the student's language). */
export function notify(title: string, body: string): Promise<void> {
  return call("notify", { title, body });
}
