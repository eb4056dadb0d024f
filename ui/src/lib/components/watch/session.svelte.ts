// The Watch screen's live picture: one `lab_watch` at a time (the lab, and an execution when
// one is pinned), the snapshot it keeps up to date by applying changes, and the actions on
// the pipeline. It lives outside the screen so leaving Watch neither loses the picture nor
// misses the end of a run: a run seen running that succeeds or fails raises an OS
// notification (never one that had already ended when the watch started).
import { get } from "svelte/store";
import type {
  CredentialSource,
  ErrorPayload,
  ExecutionSummary,
  PipelineSnapshot,
  RunStatus,
  WatchEvent,
} from "../../bindings";
import { _ } from "../../i18n";
import {
  labRetry,
  labRun,
  labStop,
  labWatch,
  notify,
  practicePush,
  toErrorPayload,
  type WatchHandle,
} from "../../ipc";
import type { LabSpec } from "../../bindings";
import { ChangeError, applyChanges } from "./changes";
import { isActive, shortCommit } from "./status";

export type Busy = "run" | "stop" | "abandon" | "retry" | "push" | null;

class WatchSession {
  snapshot = $state<PipelineSnapshot | null>(null);
  /** The watch itself failed (the lab does not exist, credentials stopped working). */
  error = $state<ErrorPayload | null>(null);
  /** The last action (run, stop, retry, push) failed. */
  actionError = $state<ErrorPayload | null>(null);
  busy = $state<Busy>(null);
  lab = $state<string | null>(null);
  /** The execution the graph is pinned to; null: the watcher chooses. */
  pinned = $state<string | null>(null);
  /** Epoch ms of the last event (a heartbeat included). */
  lastEventAt = $state(0);

  #source: CredentialSource | null = null;
  #handle: WatchHandle | null = null;
  #key = "";
  /** The status each execution had when last seen. */
  #seen = new Map<string, RunStatus>();

  /** Follows `lab` (again only if the lab, source or pin changed, or the watch ended). */
  start(source: CredentialSource, lab: string, pinned: string | null = this.pinned): void {
    const key = JSON.stringify([source, lab, pinned]);
    if (this.#handle && key === this.#key) return;
    this.#handle?.stop();
    if (lab !== this.lab) {
      this.snapshot = null;
      this.#seen.clear();
    }
    this.#key = key;
    this.#source = source;
    this.lab = lab;
    this.pinned = pinned;
    this.error = null;
    const handle = labWatch(source, lab, pinned, (event) => this.#event(event));
    this.#handle = handle;
    handle.done
      .catch((e: unknown) => {
        if (this.#handle === handle) this.error = toErrorPayload(e);
      })
      .finally(() => {
        if (this.#handle === handle) this.#handle = null;
      });
  }

  /** Pins the graph to one execution (null: follow the newest again). */
  pin(execution: string | null): void {
    if (!this.#source || !this.lab) return;
    this.start(this.#source, this.lab, execution);
  }

  stop(): void {
    this.#handle?.stop();
    this.#handle = null;
    this.#key = "";
  }

  get selected(): ExecutionSummary | null {
    const s = this.snapshot;
    if (!s?.selectedExecutionId) return null;
    return s.executions.find((e) => e.id === s.selectedExecutionId) ?? null;
  }

  get running(): boolean {
    return this.snapshot?.executions.some((e) => isActive(e.status)) ?? false;
  }

  #event(event: WatchEvent): void {
    this.lastEventAt = Date.now();
    if (event.kind === "snapshot") {
      this.snapshot = event.snapshot;
      this.#note(false);
    } else if (event.kind === "changes" && this.snapshot) {
      try {
        this.snapshot = applyChanges(this.snapshot, event.changes);
      } catch (e) {
        if (!(e instanceof ChangeError) || !this.#source || !this.lab) throw e;
        // A message was missed: start over from a fresh snapshot.
        const [source, lab, pinned] = [this.#source, this.lab, this.pinned];
        this.stop();
        this.start(source, lab, pinned);
        return;
      }
      this.#note(true);
    }
  }

  /** Remembers each execution's status; `live`: notify runs that just ended. */
  #note(live: boolean): void {
    for (const exe of this.snapshot?.executions ?? []) {
      const before = this.#seen.get(exe.id);
      this.#seen.set(exe.id, exe.status);
      if (!live || !before || !isActive(before)) continue;
      if (exe.status === "Succeeded" || exe.status === "Failed") this.#notify(exe);
    }
  }

  #notify(exe: ExecutionSummary): void {
    const t = get(_);
    const values = {
      lab: this.lab ?? "",
      commit: shortCommit(exe.sourceRevision?.commitId) || exe.id.slice(0, 8),
    };
    const ok = exe.status === "Succeeded";
    void notify(
      t(ok ? "watch.notify.succeededTitle" : "watch.notify.failedTitle", { values }),
      t(ok ? "watch.notify.succeededBody" : "watch.notify.failedBody", { values }),
    ).catch(() => {
      // notifications turned off: the screen shows the result anyway
    });
  }

  async #act(kind: Exclude<Busy, null>, action: () => Promise<unknown>): Promise<boolean> {
    this.busy = kind;
    this.actionError = null;
    try {
      await action();
      return true;
    } catch (e) {
      this.actionError = toErrorPayload(e);
      return false;
    } finally {
      this.busy = null;
    }
  }

  /** "Release change": a new run of the pipeline's latest commit; the graph follows it. */
  release(): Promise<boolean> {
    return this.#act("run", async () => {
      await labRun(this.#source!, this.lab!);
      if (this.pinned) this.pin(null);
    });
  }

  stopRun(abandon: boolean): Promise<boolean> {
    const id = this.selected && isActive(this.selected.status) ? this.selected.id : null;
    return this.#act(abandon ? "abandon" : "stop", () =>
      labStop(this.#source!, this.lab!, id, abandon),
    );
  }

  retry(): Promise<boolean> {
    const id = this.selected?.id ?? null;
    return this.#act("retry", () => labRetry(this.#source!, this.lab!, id));
  }

  /** Practice mode's push; with `files` (path → text, null deletes) a commit of them first. */
  push(
    spec: LabSpec,
    message: string,
    files: Record<string, string | null> | null = null,
  ): Promise<boolean> {
    return this.#act("push", async () => {
      await practicePush(spec, message, files);
      if (this.pinned) this.pin(null);
    });
  }

  /** For tests: forget everything. */
  reset(): void {
    this.stop();
    this.snapshot = null;
    this.error = null;
    this.actionError = null;
    this.busy = null;
    this.lab = null;
    this.pinned = null;
    this.lastEventAt = 0;
    this.#source = null;
    this.#seen.clear();
  }
}

export const watchSession = new WatchSession();
