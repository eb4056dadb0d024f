// The lab being torn down: the dry run that lists what will be removed (in the order it will
// be), the run with one row per resource, and the final report with its inventory. Kept
// outside the screen, like applyRun, so a run keeps streaming while the student looks at
// another screen, and so the "still running" reminder can open it on a given lab.
import type {
  CredentialSource,
  ErrorPayload,
  LeftoverReason,
  NodeState,
  ProgressEvent,
  ProgressNote,
  TeardownReport,
} from "./bindings";
import { applyRun } from "./apply.svelte";
import { labTeardown, newRunId, toErrorPayload } from "./ipc";
import { labs } from "./labs.svelte";
import { LabRun, rowKey } from "./run.svelte";
import type { StepId } from "./steps";

export type TeardownRow = {
  step: StepId;
  kind: string;
  name: string;
  /** `pending` (will be removed), `deleting`, `waiting`, `deleted`, `skipped` or `failed`. */
  state: NodeState;
  /** Core's words (English); `note` or `reasonKind` name them for the student's language. */
  message: string | null;
  note: ProgressNote | null;
  reasonKind: LeftoverReason | null;
  /** Run time (ms) when work on this resource began, and at its latest event. */
  startedMs: number | null;
  elapsedMs: number | null;
  errorCode: string | null;
};

/** States a row does not leave during a run. */
const SETTLED: readonly NodeState[] = ["deleted", "skipped"];

function rowOf(event: ProgressEvent): TeardownRow {
  return {
    step: event.step as StepId,
    kind: event.kind,
    name: event.name,
    state: event.state,
    message: event.message,
    note: event.detail?.note ?? null,
    reasonKind: event.detail?.reasonKind ?? null,
    startedMs: null,
    elapsedMs: null,
    errorCode: null,
  };
}

/** The lab this is about (`lab`) is set by the reminder, else the screen takes the spec's. */
class TeardownRun extends LabRun<TeardownReport> {
  /** The dry run's rows in removal order: `pending` (to remove) or `skipped` (left alone). */
  plan = $state<TeardownRow[] | null>(null);
  planning = $state(false);
  planError = $state<ErrorPayload | null>(null);
  rows = $state<TeardownRow[]>([]);
  /** Apply's report when the run started: a newer one means the lab was created again. */
  #applied: unknown = null;

  /** Points the screen at `lab`, forgetting what was shown for another one. */
  open(lab: string): void {
    if (this.lab === lab || this.running) return;
    this.reset();
    this.lab = lab;
  }

  /**
   * On opening the screen: forgets the plan (the account may have changed since) and a
   * finished run made stale by a later Apply, keeping the lab. A run in progress stays.
   */
  refresh(): void {
    if (this.running) return;
    const finished = this.report !== null || this.error !== null;
    const stale = applyRun.running || applyRun.report !== this.#applied;
    if (finished && !stale) return;
    const lab = this.lab;
    this.reset();
    this.lab = lab;
  }

  /** The dry run: what a real run would remove, in order. Changes nothing in the account. */
  async preview(source: CredentialSource, lab: string): Promise<void> {
    if (this.running || this.planning) return;
    this.open(lab);
    this.planning = true;
    this.planError = null;
    const found: TeardownRow[] = [];
    try {
      await labTeardown(source, lab, true, newRunId(), (event) => {
        // A dry run reports `pending` for what it would delete and `skipped` for what it
        // would leave; anything else (a row already gone) is not part of the plan.
        if (event.state === "pending" || event.state === "skipped") found.push(rowOf(event));
      });
      this.plan = found;
    } catch (e) {
      this.planError = toErrorPayload(e);
    } finally {
      this.planning = false;
    }
  }

  /**
   * Removes everything of the lab. The first run starts from the plan's rows; a retry keeps
   * what is already deleted and starts the rest again.
   */
  async start(source: CredentialSource, lab: string): Promise<void> {
    if (this.running) return;
    this.open(lab);
    const earlier = this.rows.length > 0 ? this.rows : (this.plan ?? []);
    this.rows = earlier.map((row) =>
      SETTLED.includes(row.state)
        ? row
        : {
            ...row,
            state: "pending",
            message: null,
            note: null,
            reasonKind: null,
            startedMs: null,
            elapsedMs: null,
          },
    );
    this.#applied = applyRun.report;
    await this.track(lab, async (runId) => {
      const report = await labTeardown(source, lab, false, runId, (event) => this.#onEvent(event));
      this.#settle(report);
      return report;
    });
    // The ledger now says when the lab went: the other screens follow it.
    await labs.refresh();
  }

  #onEvent(event: ProgressEvent): void {
    this.tick(event.elapsedMs);
    const key = rowKey(event);
    let row = this.rows.find((r) => rowKey(r) === key);
    if (!row) {
      this.rows.push(rowOf(event));
      row = this.rows[this.rows.length - 1];
    }
    row.state = event.state;
    row.message = event.message;
    row.note = event.detail?.note ?? null;
    row.reasonKind = event.detail?.reasonKind ?? null;
    row.elapsedMs = event.elapsedMs;
    row.startedMs ??= event.elapsedMs;
    row.errorCode = event.detail?.errorCode ?? null;
  }

  /**
   * A row the run never reported on was gone before it got there (deleted by hand, say).
   * The inventory is the proof: unless it lists the row, the row counts as deleted.
   */
  #settle(report: TeardownReport): void {
    for (const row of this.rows) {
      if (row.state !== "pending") continue;
      const left = report.leftovers.some((l) => l.kind === row.kind && l.name === row.name);
      if (!left) row.state = "deleted";
    }
  }

  reset(): void {
    super.reset();
    this.plan = null;
    this.planning = false;
    this.planError = null;
    this.rows = [];
  }
}

export const teardownRun = new TeardownRun();
