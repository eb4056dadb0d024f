// DEVELOPMENT AND TESTS ONLY: an in-memory stand-in for the Rust commands, used by ipc.ts
// when the UI runs outside Tauri (vitest, or `vite dev` in a plain browser). It answers with
// the same shapes as Rust and keeps no secret: a saved secret access key is dropped at once.
// Tests steer it through `fakeBackend` (delays, canned failures, stored keys).
import type {
  ApplyReport,
  CredentialSet,
  CredentialSource,
  CredentialSummary,
  ErrorPayload,
  Identity,
  LabSpec,
  ProfileSummary,
  LabStatus,
  ProgressEvent,
} from "./bindings";
import { costFor, defaultSpec, fargateSizes, namesFor, validate } from "./ipc-fake-spec";
import { fakeTeardown, fakeTeardownRun } from "./ipc-fake-teardown";
import { fakeWatch, fakeWatchInvoke } from "./ipc-fake-watch";
import { planRows } from "./plan";
import { REGIONS } from "./regions";

type FakeState = {
  /** Milliseconds every answer waits, to show progress indicators in dev. */
  delayMs: number;
  /** Extra wait for sandbox_start, as the real emulator takes a few seconds. */
  sandboxStartMs: number;
  sandboxUrl: string | null;
  sandboxSpeedup: number;
  profiles: ProfileSummary[];
  credentials: CredentialSummary[];
  /** The next call of a command rejects with this payload. */
  failures: Map<string, ErrorPayload>;
  /** lab_apply: milliseconds between two progress events. */
  applyStepMs: number;
  /** lab_apply: how long a new connection stays PENDING before it turns AVAILABLE. */
  connectionWaitMs: number;
  /** lab_apply: keep a new connection waiting until `completeConnection()` or cancel. */
  holdConnection: boolean;
  /** lab_apply: the resource (kind) that fails, if any. */
  failKind: string | null;
  /** What lab_current answers. */
  currentLab: LabSpec | null;
  /** lab_status: kinds that AWS no longer has (an interrupted or half-removed lab). */
  missingKinds: string[];
  /** Labs asked to stop by lab_cancel. */
  cancelled: Set<string>;
  connectionCompleted: boolean;
};

const PRACTICE_ACCOUNT = "123456789012";

function initialState(): FakeState {
  const dev = import.meta.env.MODE !== "test";
  return {
    delayMs: dev ? 400 : 0,
    sandboxStartMs: dev ? 1500 : 0,
    sandboxUrl: null,
    sandboxSpeedup: 10,
    profiles: [
      { name: "default", kind: "static", region: "ap-northeast-2" },
      { name: "class-sso", kind: "sso", region: "ap-northeast-2" },
    ],
    credentials: [],
    failures: new Map(),
    applyStepMs: dev ? 350 : 0,
    connectionWaitMs: dev ? 4000 : 0,
    holdConnection: false,
    failKind: null,
    currentLab: null,
    missingKinds: [],
    cancelled: new Set(),
    connectionCompleted: false,
  };
}

let state = initialState();

export const fakeBackend = {
  reset(): void {
    state = initialState();
    fakeWatch.reset();
    fakeTeardown.reset();
  },
  state(): FakeState {
    return state;
  },
  failNext(command: string, payload: ErrorPayload): void {
    state.failures.set(command, payload);
  },
  /** Plays the student completing the GitHub handshake in the console. */
  completeConnection(): void {
    state.connectionCompleted = true;
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

/** lab_status: the lab last created here, all present until torn down. */
function fakeStatus(lab: string): LabStatus {
  const spec = state.currentLab;
  if (!spec || spec.name !== lab || fakeTeardown.state().removed.has(lab)) {
    return { lab, url: null, resources: [] };
  }
  return {
    lab,
    url: `http://${namesFor(spec).load_balancer}-1234567890.${spec.region}.elb.amazonaws.com`,
    resources: planRows(spec, namesFor(spec), PRACTICE_ACCOUNT).map((row) => ({
      step: row.step,
      kind: row.kind,
      name: row.name,
      ledgerState: row.reused ? "reused" : "created",
      physicalId: `arn:aws:fake:::${row.kind}/${row.name}`,
      exists: !state.missingKinds.includes(row.kind),
      ours: true,
      message: null,
    })),
  };
}

/** lab_apply: walks the plan, reporting each resource, as the Rust engine does. */
async function fakeApply(
  spec: LabSpec,
  onEvent: (event: ProgressEvent) => void,
): Promise<ApplyReport> {
  const lab = spec.name;
  const started = Date.now();
  state.cancelled.delete(lab);
  state.connectionCompleted = false;
  state.currentLab = spec;
  fakeTeardown.state().removed.delete(lab);
  const rows = planRows(spec, namesFor(spec), PRACTICE_ACCOUNT);
  const emit = (
    row: (typeof rows)[number],
    nodeState: ProgressEvent["state"],
    message: string | null = null,
    url: string | null = null,
    errorCode: string | null = null,
  ) =>
    onEvent({
      lab,
      step: row.step,
      kind: row.kind,
      name: row.name,
      state: nodeState,
      message,
      elapsedMs: Date.now() - started,
      detail: {
        url,
        physicalId: nodeState === "created" ? `arn:aws:fake:::${row.kind}/${row.name}` : null,
        errorCode,
        typicalSecs: null,
        expectedSecs: null,
        run: null,
      },
    });
  const checkCancel = () => {
    if (state.cancelled.has(lab)) {
      throw { code: "cancelled", message: `lab ${lab} was cancelled`, hint: null, field: null };
    }
  };
  for (const row of rows) emit(row, "pending");
  const resources: ApplyReport["resources"] = [];
  for (const row of rows) {
    checkCancel();
    await sleep(state.applyStepMs);
    if (row.reused) {
      emit(row, "adopted", "Existing connection, AVAILABLE");
      resources.push({ ...row, state: "reused", physicalId: row.name });
      continue;
    }
    emit(row, "creating");
    await sleep(state.applyStepMs);
    if (state.failKind === row.kind) {
      emit(row, "failed", "AccessDenied: not authorized", null, "access_denied");
      throw {
        code: "access_denied",
        message: "AccessDenied: not authorized",
        hint: null,
        field: null,
      };
    }
    if (row.kind === "connection") {
      const url = `https://console.aws.amazon.com/codesuite/settings/connections?region=${spec.region}`;
      emit(row, "waiting", "PENDING: complete the GitHub handshake in the AWS console", url);
      const until = Date.now() + state.connectionWaitMs;
      while (state.holdConnection ? !state.connectionCompleted : Date.now() < until) {
        checkCancel();
        await sleep(50);
      }
    }
    emit(row, "created");
    resources.push({
      ...row,
      state: "created",
      physicalId: `arn:aws:fake:::${row.kind}/${row.name}`,
    });
  }
  return {
    lab,
    url: `http://${namesFor(spec).load_balancer}-1234567890.${spec.region}.elb.amazonaws.com`,
    resources: resources.map((r) => ({
      kind: r.kind,
      name: r.name,
      step: r.step,
      state: r.state,
      physicalId: r.physicalId,
    })),
  };
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
      return {
        running: state.sandboxUrl !== null,
        url: state.sandboxUrl,
        speedup: state.sandboxUrl === null ? null : state.sandboxSpeedup,
      };
    case "sandbox_pace":
      state.sandboxSpeedup = Number(args?.speedup);
      if (state.sandboxUrl === null) state.sandboxUrl = "http://127.0.0.1:4566";
      return { running: true, url: state.sandboxUrl, speedup: state.sandboxSpeedup };
    case "sandbox_start":
      if (state.sandboxUrl === null) {
        await sleep(state.sandboxStartMs);
        state.sandboxUrl = "http://127.0.0.1:4566";
      }
      return { running: true, url: state.sandboxUrl, speedup: state.sandboxSpeedup };
    case "whoami":
      return identityFor(args?.source as CredentialSource);
    case "profiles_list":
      return state.profiles;
    case "credentials_list":
      return state.credentials;
    case "credentials_save": {
      const set = args?.set as unknown as CredentialSet;
      const summary = { name: set.name, accessKeyId: set.accessKeyId, region: set.region };
      state.credentials = [...state.credentials.filter((c) => c.name !== set.name), summary];
      return summary;
    }
    case "credentials_delete":
      state.credentials = state.credentials.filter((c) => c.name !== args?.name);
      return null;
    case "regions":
      return REGIONS;
    case "spec_default":
      return defaultSpec(String(args?.name ?? ""), String(args?.repository ?? ""));
    case "spec_validate":
      return validate(args?.spec as LabSpec);
    case "spec_names":
      return namesFor(args?.spec as LabSpec);
    case "spec_buildspec":
      return "version: 0.2\nphases:\n  pre_build:\n    commands:\n      - echo fake buildspec (development only)\n";
    case "spec_cost":
      return costFor(args?.spec as LabSpec);
    case "fargate_sizes":
      return fargateSizes();
    case "lab_apply":
      return fakeApply(args?.spec as LabSpec, args?.onEvent as (event: ProgressEvent) => void);
    case "lab_cancel":
      state.cancelled.add(String(args?.lab));
      return null;
    case "lab_current":
      return state.currentLab;
    case "lab_status":
      return fakeStatus(String(args?.lab));
    case "lab_teardown": {
      const lab = String(args?.lab);
      const known = fakeTeardown.state().summaries.some((s) => s.name === lab);
      if (state.currentLab?.name !== lab && !known) {
        throw { code: "invalid", message: `no lab named "${lab}"`, hint: null, field: "lab" };
      }
      const spec =
        state.currentLab?.name === lab ? state.currentLab : defaultSpec(lab, "octo/sample-app");
      const onEvent = args?.onEvent as (event: ProgressEvent) => void;
      return fakeTeardownRun(
        spec,
        PRACTICE_ACCOUNT,
        Boolean(args?.dryRun),
        onEvent,
        state.cancelled,
      );
    }
    case "lab_summaries":
      return fakeTeardown.state().summaries;
    case "open_url":
      return null;
    case "lab_watch":
    case "lab_run":
    case "lab_stop":
    case "lab_retry":
    case "practice_push":
    case "notify":
      return fakeWatchInvoke(command, args, state.currentLab?.name ?? "ktb");
    default:
      throw notFound("internal", `command ${command} not found`);
  }
}
