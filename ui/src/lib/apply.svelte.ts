// The lab being created: started by Review's "Create", shown by Progress. Kept outside the
// screens so a run keeps streaming while the student looks at another screen. After the app
// is reopened, `resume` fills the same rows from the ledger and AWS (`lab_status`), so the
// student sees the lab where they left it and can finish it with one click.
import type {
  ApplyReport,
  CredentialSource,
  LabSpec,
  LabStatus,
  NodeState,
  PlanNode,
  ProgressEvent,
  ResourceKind,
  RunProgress,
  Step,
} from "./bindings";
import { labApply, labStatus, toErrorPayload } from "./ipc";
import { LabRun, rowKey } from "./run.svelte";

export type RunRow = {
  step: Step;
  kind: ResourceKind;
  name: string;
  /** An existing connection the lab uses as it is. */
  reused: boolean;
  state: NodeState;
  message: string | null;
  elapsedMs: number | null;
  url: string | null;
  errorCode: string | null;
  /** How long what the row waits for usually takes on AWS, and here (seconds). */
  typicalSecs: number | null;
  expectedSecs: number | null;
  /** The run's `elapsedMs` when the row started waiting (null: not waiting). */
  waitingSinceMs: number | null;
  /** The first pipeline run, stage by stage (the `first_run` row). */
  run: RunProgress | null;
};

const fresh = {
  message: null,
  elapsedMs: null,
  url: null,
  errorCode: null,
  typicalSecs: null,
  expectedSecs: null,
  waitingSinceMs: null,
  run: null,
} as const;

/**
 * The run's stages stay on the row after it is reached or failed, to read them; a failure
 * event carries only the failure, which is added to what the row already shows.
 */
function mergeRun(before: RunProgress | null, now: RunProgress | null): RunProgress | null {
  if (!now) return before;
  if (now.stages.length === 0 && before) return { ...before, failure: now.failure };
  return now;
}

class ApplyRun extends LabRun<ApplyReport> {
  rows = $state<RunRow[]>([]);
  /** Set when the rows came from `lab_status` (a lab from an earlier session), not a run. */
  resumed = $state<LabStatus | null>(null);
  /** True while `resume` asks AWS what exists. */
  checking = $state(false);

  /** Creates the lab, with `plan`'s nodes as the rows shown before the first event arrives. */
  async start(source: CredentialSource, spec: LabSpec, plan: PlanNode[]): Promise<void> {
    if (this.running) return;
    this.rows = plan.map((n) => ({
      step: n.step,
      kind: n.kind,
      name: n.name,
      reused: n.reused,
      ...fresh,
      state: "pending",
    }));
    this.resumed = null;
    await this.track(spec.name, (runId) =>
      labApply(source, spec, runId, (event) => this.#onEvent(event)),
    );
  }

  /**
   * Shows a lab from an earlier session as it stands now. Does nothing while a run is shown.
   * A complete lab gets the same report a finished run has (its address included).
   */
  async resume(source: CredentialSource, lab: string): Promise<void> {
    if (this.running || this.checking || (this.lab !== null && this.resumed === null)) return;
    this.checking = true;
    this.error = null;
    try {
      const status = await labStatus(source, lab);
      if (this.running) return;
      if (status.resources.length === 0) {
        this.reset();
        return;
      }
      this.lab = status.lab;
      this.resumed = status;
      this.elapsedMs = 0;
      this.rows = status.resources.map((r) => ({
        step: r.step as Step,
        kind: r.kind as ResourceKind,
        name: r.name,
        reused: r.ledgerState === "reused",
        ...fresh,
        state:
          r.exists === true ? (r.ledgerState === "created" ? "created" : "adopted") : "pending",
        message: r.exists === null ? r.message : null,
      }));
      const complete = status.resources.every((r) => r.exists === true);
      this.report = complete
        ? {
            lab: status.lab,
            url: status.url,
            resources: status.resources.map((r) => ({
              kind: r.kind,
              name: r.name,
              step: r.step,
              state: r.ledgerState ?? "created",
              physicalId: r.physicalId,
            })),
          }
        : null;
    } catch (e) {
      this.error = toErrorPayload(e);
    } finally {
      this.checking = false;
    }
  }

  #onEvent(event: ProgressEvent): void {
    this.tick(event.elapsedMs);
    const key = rowKey(event);
    // A name Review could only guess (the bucket's account id) is replaced by the real one.
    const row =
      this.rows.find((r) => rowKey(r) === key) ??
      this.rows.find((r) => r.kind === event.kind && r.name.includes("<account-id>"));
    if (row) row.name = event.name;
    const waiting = event.state === "waiting";
    const update = {
      state: event.state,
      message: event.message,
      elapsedMs: event.elapsedMs,
      url: event.detail?.url ?? null,
      errorCode: event.detail?.errorCode ?? null,
      typicalSecs: waiting ? (event.detail?.typicalSecs ?? null) : null,
      expectedSecs: waiting ? (event.detail?.expectedSecs ?? null) : null,
      waitingSinceMs: waiting ? (row?.waitingSinceMs ?? event.elapsedMs) : null,
      run: mergeRun(row?.run ?? null, event.detail?.run ?? null),
    };
    if (row) Object.assign(row, update);
    else
      this.rows.push({
        step: event.step as Step,
        kind: event.kind as ResourceKind,
        name: event.name,
        reused: false,
        ...update,
      });
  }

  reset(): void {
    super.reset();
    this.resumed = null;
    this.rows = [];
  }
}

export const applyRun = new ApplyRun();
