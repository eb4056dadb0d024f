// What a lab's long runs share, Apply's (apply.svelte.ts) and Teardown's (teardown.svelte.ts):
// the lab, whether it runs or is being cancelled, its report or error, its clock, and cancel.
// Each streams one row per resource, keyed by kind and name.
import type { ErrorPayload } from "./bindings";
import { labCancel, newRunId, toErrorPayload } from "./ipc";

/** A row's stable key, as in `progress-row-<kind>-<name>`. */
export function rowKey(row: { kind: string; name: string }): string {
  return `${row.kind}-${row.name}`;
}

export class LabRun<Report> {
  lab = $state<string | null>(null);
  /** The id of the run in progress (or the last one): what cancel names. */
  runId: string | null = null;
  running = $state(false);
  cancelling = $state(false);
  report = $state<Report | null>(null);
  error = $state<ErrorPayload | null>(null);
  /** Milliseconds since the run started, from its latest event. */
  elapsedMs = $state(0);
  /** When the run started (Date.now()), for the rows' live clocks; null before any run. */
  startedAt = $state<number | null>(null);

  /** Runs `work` for `lab` under a new run id, keeping the flags, the report and the error;
   * never rejects. */
  protected async track(lab: string, work: (runId: string) => Promise<Report>): Promise<void> {
    const runId = newRunId();
    this.runId = runId;
    this.lab = lab;
    this.running = true;
    this.cancelling = false;
    this.report = null;
    this.error = null;
    this.elapsedMs = 0;
    this.startedAt = Date.now();
    try {
      this.report = await work(runId);
    } catch (e) {
      this.error = toErrorPayload(e);
    } finally {
      this.running = false;
      this.cancelling = false;
    }
  }

  /** Moves the run's clock to an event's time. */
  protected tick(elapsedMs: number): void {
    this.elapsedMs = Math.max(this.elapsedMs, elapsedMs);
  }

  /** Asks the run to stop after the AWS call in flight. */
  async cancel(): Promise<void> {
    if (!this.running || !this.runId) return;
    this.cancelling = true;
    try {
      await labCancel(this.runId);
    } catch (e) {
      this.error = toErrorPayload(e);
      this.cancelling = false;
    }
  }

  reset(): void {
    this.lab = null;
    this.running = false;
    this.cancelling = false;
    this.report = null;
    this.error = null;
    this.elapsedMs = 0;
    this.startedAt = null;
  }
}
