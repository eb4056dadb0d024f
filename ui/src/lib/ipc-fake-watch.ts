// DEVELOPMENT AND TESTS ONLY: the fake backend's pipeline, for the Watch screen outside Tauri
// (see ipc-fake.ts). One pipeline (Source → Build → Deploy) whose runs advance on a timer:
// the build goes through its phases writing log lines, the service rolls out, the app turns
// healthy. A push whose message contains "fail" fails its build (once: a retry passes).
// `lab_watch` behaves as Rust's watcher: a snapshot, then changes (a diff of each poll's
// snapshot against the last one sent), and heartbeats while nothing moves.
import type {
  ActionView,
  BuildPhaseView,
  ExecutionSummary,
  HealthView,
  PipelineSnapshot,
  RetryOutcome,
  StageView,
  StartedRun,
  WatchEvent,
} from "./bindings";
import { diff } from "./components/watch/changes";

type Run = {
  summary: ExecutionSummary;
  stages: StageView[];
  /** The build fails (the commit's message asked for it); a retry clears it. */
  failBuild: boolean;
  /** Bumped by stop and retry: a step of an older script sees it and gives up. */
  generation: number;
};

type FakeWatch = {
  /** Milliseconds between two steps of a run. */
  stepMs: number;
  /** Milliseconds between two polls of a watcher. */
  pollMs: number;
  /** Polls without change before a heartbeat. */
  heartbeatPolls: number;
  runs: Run[];
  health: HealthView;
  /** Ends every watcher and run script of an older state. */
  epoch: number;
};

const REGION = "ap-northeast-2";
const dev = import.meta.env.MODE !== "test";

function initial(): FakeWatch {
  return {
    stepMs: dev ? 700 : 12,
    pollMs: dev ? 200 : 4,
    heartbeatPolls: dev ? 25 : 50,
    runs: [],
    health: { url: null, state: "waiting", httpStatus: null, message: null },
    epoch: 0,
  };
}

let fw = initial();
let nextId = 1;

export const fakeWatch = {
  reset(): void {
    const epoch = fw.epoch + 1;
    fw = initial();
    fw.epoch = epoch;
    nextId = 1;
    fakeNotifications.length = 0;
  },
  state(): FakeWatch {
    return fw;
  },
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
const console = (path: string) =>
  `https://${REGION}.console.aws.amazon.com/${path}?region=${REGION}`;

function hex(n: number): string {
  let out = "";
  let x = n * 2654435761;
  while (out.length < 40) {
    x = (x * 1103515245 + 12345) % 2147483648;
    out += x.toString(16).padStart(8, "0");
  }
  return out.slice(0, 40);
}

function action(name: string, provider: string, consoleUrl: string): ActionView {
  return {
    name,
    runOrder: 1,
    provider,
    status: null,
    startedAt: null,
    updatedAt: null,
    summary: null,
    errorDetails: null,
    externalId: null,
    externalUrl: null,
    consoleUrl,
    build: null,
    rollout: null,
  };
}

function freshStages(lab: string): StageView[] {
  return [
    {
      name: "Source",
      status: null,
      waiting: false,
      actions: [
        action("Source", "CodeStarSourceConnection", console("codesuite/settings/connections")),
      ],
    },
    {
      name: "Build",
      status: null,
      waiting: false,
      actions: [action("Build", "CodeBuild", console(`codesuite/codebuild/projects/${lab}-build`))],
    },
    {
      name: "Deploy",
      status: null,
      waiting: false,
      actions: [action("Deploy", "ECS", console(`ecs/v2/clusters/${lab}-cluster/services`))],
    },
  ];
}

function newRun(lab: string, message: string, trigger: string, at: number): Run {
  const n = nextId++;
  return {
    summary: {
      id: `${hex(n).slice(0, 8)}-${hex(n + 7).slice(0, 4)}-4fa${n % 10}-9c1d-${hex(n + 3).slice(0, 12)}`,
      status: "InProgress",
      statusSummary: null,
      startedAt: at,
      updatedAt: at,
      endedAt: null,
      sourceRevision: { commitId: hex(n), message, branch: "main", url: null },
      trigger: { type: trigger, detail: null },
      stopReason: null,
    },
    stages: freshStages(lab),
    failBuild: /fail/i.test(message),
    generation: 0,
  };
}

const PHASES = [
  "SUBMITTED",
  "QUEUED",
  "PROVISIONING",
  "DOWNLOAD_SOURCE",
  "INSTALL",
  "PRE_BUILD",
  "BUILD",
  "POST_BUILD",
  "UPLOAD_ARTIFACTS",
  "FINALIZING",
  "COMPLETED",
];

const LOGS: Record<string, string[]> = {
  DOWNLOAD_SOURCE: ["[Container] Entering phase DOWNLOAD_SOURCE", "Downloading source… done"],
  INSTALL: ["[Container] Entering phase INSTALL", "Runtime version selected: nodejs 20"],
  PRE_BUILD: [
    "[Container] Entering phase PRE_BUILD",
    "Logging in to Amazon ECR…",
    "Login Succeeded",
  ],
  BUILD: [
    "[Container] Entering phase BUILD",
    "Running command npm ci",
    "added 212 packages in 6s",
    "Running command npm test",
  ],
  POST_BUILD: [
    "[Container] Entering phase POST_BUILD",
    "Running command docker build -t app .",
    "Successfully built 3f1c2a9d0b7e",
    "Running command docker push",
    "latest: digest: sha256:7d2c… size: 1786",
    "Writing imagedefinitions.json",
  ],
};

const FAIL_CONTEXT =
  "COMMAND_EXECUTION_ERROR: Error while executing command: npm test. Reason: exit status 1";

function setStage(run: Run, i: number, status: StageView["status"], at: number) {
  const stage = run.stages[i];
  stage.status = status;
  for (const a of stage.actions) {
    if (status === "InProgress") {
      a.status = "InProgress";
      a.startedAt = at;
      a.errorDetails = null;
    } else {
      a.status = status;
    }
    a.updatedAt = at;
  }
  run.summary.updatedAt = at;
}

function finish(run: Run, status: ExecutionSummary["status"], at: number) {
  run.summary.status = status;
  run.summary.updatedAt = at;
  run.summary.endedAt = at;
}

/** The run's steps from the Build stage on; `alive()` false once stopped or superseded. */
async function buildAndDeploy(run: Run, alive: () => boolean, lab: string): Promise<void> {
  const step = async () => {
    await sleep(fw.stepMs);
    return alive();
  };
  const now = () => Date.now();
  setStage(run, 1, "InProgress", now());
  const build = run.stages[1].actions[0];
  const buildId = `${lab}-build:${hex(nextId++).slice(0, 8)}-0000-4000-8000-${hex(nextId).slice(0, 12)}`;
  build.externalId = buildId;
  build.externalUrl = console(`codesuite/codebuild/projects/${lab}-build/build/${buildId}`);
  build.build = {
    id: buildId,
    status: "IN_PROGRESS",
    currentPhase: null,
    phases: [],
    logTail: [],
    logsUrl: console("cloudwatch/home#logsV2:log-groups"),
  };
  const view = build.build;
  for (const name of PHASES) {
    if (!(await step())) return;
    const at = now();
    const last = view.phases[view.phases.length - 1] as BuildPhaseView | undefined;
    if (last && last.status === null) {
      last.status = "SUCCEEDED";
      last.endedAt = at;
      last.durationSeconds = Math.max(0, Math.round((at - (last.startedAt ?? at)) / 1000));
    }
    view.phases.push({
      name,
      status: name === "COMPLETED" ? null : null,
      startedAt: at,
      endedAt: null,
      durationSeconds: null,
      contexts: [],
    });
    view.currentPhase = name;
    for (const text of LOGS[name] ?? []) view.logTail.push({ at, text });
    build.updatedAt = at;
    if (name === "BUILD" && run.failBuild) {
      if (!(await step())) return;
      const end = now();
      view.logTail.push(
        { at: end, text: "FAIL src/app.test.js" },
        { at: end, text: "  ✕ renders the greeting (12 ms)" },
        { at: end, text: "Tests: 1 failed, 4 passed, 5 total" },
        {
          at: end,
          text: "[Container] Command did not exit successfully npm test exit status 1",
        },
      );
      const phase = view.phases[view.phases.length - 1];
      phase.status = "FAILED";
      phase.endedAt = end;
      phase.durationSeconds = 1;
      phase.contexts = [FAIL_CONTEXT];
      view.status = "FAILED";
      view.currentPhase = "COMPLETED";
      setStage(run, 1, "Failed", end);
      build.errorDetails = {
        code: "JobFailed",
        message:
          "Build terminated with state: FAILED. Phase: BUILD, Code: COMMAND_EXECUTION_ERROR, " +
          "Message: Error while executing command: npm test. Reason: exit status 1",
      };
      build.summary = null;
      finish(run, "Failed", end);
      return;
    }
  }
  view.status = "SUCCEEDED";
  const done = view.phases[view.phases.length - 1];
  done.status = "SUCCEEDED";
  done.endedAt = now();
  done.durationSeconds = 0;
  setStage(run, 1, "Succeeded", now());
  build.summary = "Build succeeded";

  // Deploy: the new deployment replaces the old one's tasks.
  if (!(await step())) return;
  setStage(run, 2, "InProgress", now());
  const deploy = run.stages[2].actions[0];
  const cluster = `${lab}-cluster`;
  const service = `${lab}-service`;
  deploy.externalUrl = console(`ecs/v2/clusters/${cluster}/services/${service}/deployments`);
  const rev = 1 + fw.runs.filter((r) => r.summary.status === "Succeeded").length;
  deploy.rollout = {
    cluster,
    service,
    deployments: [
      {
        id: `ecs-svc/${hex(nextId++).slice(0, 19)}`,
        status: "PRIMARY",
        taskDefinition: `${lab}-task:${rev + 1}`,
        desired: 2,
        running: 0,
        pending: 2,
        failed: 0,
        rolloutState: "IN_PROGRESS",
        rolloutReason: "ECS deployment in progress.",
        updatedAt: now(),
      },
    ],
    events: [
      {
        id: `ev-${nextId++}`,
        at: now(),
        message: `(service ${service}) has started 2 tasks: (task 1a2b3c) (task 4d5e6f).`,
      },
    ],
    stoppedTasks: [],
  };
  const rollout = deploy.rollout;
  for (const running of [1, 2]) {
    if (!(await step())) return;
    const primary = rollout.deployments[0];
    primary.running = running;
    primary.pending = 2 - running;
    primary.updatedAt = now();
  }
  if (!(await step())) return;
  rollout.deployments[0].rolloutState = "COMPLETED";
  rollout.deployments[0].rolloutReason = "ECS deployment completed.";
  rollout.events = [
    {
      id: `ev-${nextId++}`,
      at: now(),
      message: `(service ${service}) has reached a steady state.`,
    },
    ...rollout.events,
  ].slice(0, 5);
  setStage(run, 2, "Succeeded", now());
  deploy.summary = null;
  fw.health = {
    url: `http://${lab}-alb-1234567890.${REGION}.elb.amazonaws.com/`,
    state: "healthy",
    httpStatus: 200,
    message: null,
  };
  finish(run, "Succeeded", now());
}

async function play(run: Run, lab: string, fromBuild: boolean): Promise<void> {
  const epoch = fw.epoch;
  const generation = ++run.generation;
  const alive = () => fw.epoch === epoch && run.generation === generation;
  if (!fromBuild) {
    setStage(run, 0, "InProgress", Date.now());
    await sleep(fw.stepMs);
    if (!alive()) return;
    const source = run.stages[0].actions[0];
    const rev = run.summary.sourceRevision!;
    source.externalId = rev.commitId;
    source.summary = rev.message;
    source.externalUrl = `https://github.com/octo/sample-app/commit/${rev.commitId}`;
    setStage(run, 0, "Succeeded", Date.now());
  }
  await buildAndDeploy(run, alive, lab);
}

function start(lab: string, message: string, trigger: string): Run {
  const run = newRun(lab, message, trigger, Date.now());
  fw.runs.unshift(run);
  void play(run, lab, false);
  return run;
}

/** A lab that was just created has run once (CreatePipeline), and failed once before. */
function seed(lab: string): void {
  if (fw.runs.length > 0) return;
  const hour = 3_600_000;
  const old = newRun(lab, "Add a health check route", "CreatePipeline", Date.now() - 3 * hour);
  const failed = newRun(lab, "Try the failing test", "WebhookV2", Date.now() - 2 * hour);
  for (const [run, ok] of [
    [old, true],
    [failed, false],
  ] as const) {
    const t0 = run.summary.startedAt!;
    run.stages.forEach((stage, i) => {
      const status = ok || i === 0 ? "Succeeded" : i === 1 ? "Failed" : null;
      stage.status = status;
      for (const a of stage.actions) {
        a.status = status;
        a.startedAt = status ? t0 + i * 60_000 : null;
        a.updatedAt = status ? t0 + (i + 1) * 60_000 : null;
      }
    });
    if (!ok) {
      run.stages[1].actions[0].errorDetails = {
        code: "JobFailed",
        message:
          "Build terminated with state: FAILED. Phase: BUILD, Code: COMMAND_EXECUTION_ERROR, " +
          "Message: Error while executing command: npm test. Reason: exit status 1",
      };
    }
    finish(run, ok ? "Succeeded" : "Failed", t0 + (ok ? 3 : 2) * 60_000);
  }
  fw.runs = [failed, old];
  fw.health = {
    url: `http://${lab}-alb-1234567890.${REGION}.elb.amazonaws.com/`,
    state: "healthy",
    httpStatus: 200,
    message: null,
  };
}

function chosen(execution: string | null): Run | undefined {
  if (execution) return fw.runs.find((r) => r.summary.id === execution);
  const running = fw.runs.filter((r) => r.summary.status === "InProgress");
  return running[running.length - 1] ?? fw.runs[0];
}

function snapshotFor(lab: string, execution: string | null): PipelineSnapshot {
  const run = chosen(execution);
  const active = fw.runs.some((r) => r.summary.status === "InProgress");
  return clone({
    pipeline: `${lab}-pipeline`,
    region: REGION,
    executions: fw.runs.map((r) => r.summary).slice(0, 20),
    selectedExecutionId: run?.summary.id ?? null,
    stages: run?.stages ?? freshStages(lab),
    health: run?.summary.status === "Succeeded" ? fw.health : { ...fw.health, state: "waiting" },
    polling: active ? "fast" : "slow",
    problem: null,
  });
}

async function watch(
  lab: string,
  execution: string | null,
  onEvent: (event: WatchEvent) => void,
  alive: () => boolean,
): Promise<void> {
  seed(lab);
  const epoch = fw.epoch;
  let sent: PipelineSnapshot | null = null;
  let quiet = 0;
  while (alive() && fw.epoch === epoch) {
    const snap = snapshotFor(lab, execution);
    if (sent === null) {
      onEvent({ kind: "snapshot", snapshot: snap });
    } else {
      const changes = diff(sent, snap);
      if (changes.length > 0) {
        onEvent({ kind: "changes", changes });
        quiet = 0;
      } else if (++quiet >= fw.heartbeatPolls) {
        onEvent({ kind: "heartbeat" });
        quiet = 0;
      }
    }
    sent = snap;
    await sleep(fw.pollMs);
  }
}

function find(execution: string | null, pred: (r: Run) => boolean): Run | undefined {
  return execution ? fw.runs.find((r) => r.summary.id === execution) : fw.runs.find(pred);
}

function invalid(message: string) {
  return { code: "invalid", message, hint: null, field: null };
}

/** The Watch commands; `undefined` for any other command. */
export async function fakeWatchInvoke(
  command: string,
  args: Record<string, unknown> | undefined,
  lab: string,
): Promise<unknown> {
  switch (command) {
    case "lab_watch":
      return watch(
        String(args?.lab ?? lab),
        (args?.execution as string | null) ?? null,
        args?.onEvent as (event: WatchEvent) => void,
        (args?.alive as (() => boolean) | undefined) ?? (() => true),
      );
    case "lab_run": {
      const name = String(args?.lab ?? lab);
      seed(name);
      const last = fw.runs[0]?.summary.sourceRevision?.message ?? "Initial commit";
      return start(name, last, "StartPipelineExecution").summary.id;
    }
    case "practice_push": {
      const message = String(args?.message ?? "");
      seed(lab);
      const run = start(lab, message, "WebhookV2");
      return [
        { pipelineName: `${lab}-pipeline`, pipelineExecutionId: run.summary.id },
      ] satisfies StartedRun[];
    }
    case "lab_stop": {
      const run = find((args?.execution as string | null) ?? null, (r) =>
        ["InProgress", "Stopping"].includes(r.summary.status),
      );
      if (!run || run.summary.status !== "InProgress") {
        throw invalid("no execution in progress to stop");
      }
      run.generation++;
      const at = Date.now();
      const abandon = Boolean(args?.abandon);
      for (const stage of run.stages) {
        if (stage.status !== "InProgress") continue;
        stage.status = "Stopped";
        for (const a of stage.actions) {
          if (a.status === "InProgress") a.status = abandon ? "Abandoned" : "Stopped";
          a.updatedAt = at;
        }
      }
      run.summary.stopReason = "Stopped from Pipewright";
      finish(run, "Stopped", at);
      return run.summary.id;
    }
    case "lab_retry": {
      const run = find(
        (args?.execution as string | null) ?? null,
        (r) => r.summary.status === "Failed",
      );
      if (!run || run.summary.status !== "Failed") {
        throw invalid("the execution has no failed stage to retry");
      }
      const stage = run.stages.find((s) => s.status === "Failed")!;
      run.failBuild = false;
      run.summary.status = "InProgress";
      run.summary.endedAt = null;
      void play(run, lab, true);
      return { executionId: run.summary.id, stage: stage.name } satisfies RetryOutcome;
    }
    case "notify":
      fakeNotifications.push({ title: String(args?.title), body: String(args?.body) });
      return null;
    default:
      return undefined;
  }
}

/** What `notify` was asked to show (tests read it). */
export const fakeNotifications: { title: string; body: string }[] = [];
