// The lab being edited: one `LabSpec` shared by the five step forms, Review and Progress.
//
// It starts from the lab in progress (`lab_current`, to resume after reopening the app), else
// the saved draft, else `spec_default("ktb", "")`. Every change is saved as a draft in
// localStorage (a spec holds names and choices, never a secret) and, 200 ms after the
// student stops typing, sent to Rust, which answers everything derived from it: its problems
// by field, the names its resources get, what it costs (`spec_check`), and the plan
// (`spec_plan`). Nothing here computes any of it.
import { untrack } from "svelte";
import type {
  CostEstimate,
  ErrorPayload,
  FieldError,
  LabSpec,
  PlanView,
  ResourceNames,
  SpecCheck,
  SpecEdit,
  TaskSize,
  TriggerFilter,
} from "./bindings";
import {
  fargateSizes,
  labCurrent,
  specCheck,
  specDefault,
  specEdit,
  specPlan,
  toErrorPayload,
} from "./ipc";
import { STEP_IDS, type StepId } from "./steps";

export const DRAFT_KEY = "pipewright.spec.draft";
export const DEFAULT_LAB_NAME = "ktb";
const DEBOUNCE_MS = 200;

/** The step whose form holds a field: the path's first segment; `name` and `region` are on Source. */
export function stepOfField(path: string): StepId {
  const head = path.split(/[.[]/)[0];
  return (STEP_IDS as readonly string[]).includes(head) ? (head as StepId) : "source";
}

/** The id of a field's control, from its dotted path: `build.environment_variables[0].name` → `f-build-environment_variables-0-name`. */
export function controlId(path: string): string {
  return `f-${path.replace(/[.[\]]+/g, "-").replace(/-$/, "")}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A saved draft laid over today's defaults, so a draft from an older version still loads. */
function mergeDraft(base: unknown, draft: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(draft)) return draft ?? base;
  // Tagged unions (connection, roles, trigger) are taken whole: their fields depend on the tag.
  if ("mode" in draft || "kind" in draft) return draft;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(draft)) {
    if (key in base) out[key] = mergeDraft(base[key], value);
  }
  return out;
}

function readDraft(): unknown {
  try {
    const raw = localStorage.getItem(DRAFT_KEY);
    return raw ? JSON.parse(raw) : null;
  } catch {
    return null;
  }
}

class SpecStore {
  spec = $state<LabSpec | null>(null);
  /** Rust's answer for the spec as it was last checked. */
  check = $state<SpecCheck | null>(null);
  /** What the lab will create, named for `account` (see `setAccount`). */
  plan = $state<PlanView | null>(null);
  sizes = $state<TaskSize[]>([]);
  /** True while a change waits for (or is in) its check. */
  checking = $state(false);
  error = $state<ErrorPayload | null>(null);
  /** The branch filter last used, restored when the trigger goes back to "filter". */
  savedFilter: TriggerFilter | null = null;

  #account: string | null = null;
  #loading: Promise<void> | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #branchTimer: ReturnType<typeof setTimeout> | null = null;
  #branch = $state<string | null>(null);
  #seq = 0;
  #stopWatch: (() => void) | null = null;

  get errors(): FieldError[] {
    return this.check?.errors ?? [];
  }

  get names(): ResourceNames | null {
    return this.check?.names ?? null;
  }

  get cost(): CostEstimate | null {
    return this.check?.cost ?? null;
  }

  /** Loads the spec (once) and starts checking every change. */
  load(): Promise<void> {
    this.#loading ??= this.#load();
    return this.#loading;
  }

  async #load(): Promise<void> {
    try {
      const [current, base, sizes] = await Promise.all([
        labCurrent().catch(() => null),
        specDefault(DEFAULT_LAB_NAME, ""),
        fargateSizes(),
      ]);
      this.sizes = sizes;
      const draft = readDraft();
      this.spec = current ?? (draft ? (mergeDraft(base, draft) as LabSpec) : base);
      await this.refresh();
      this.#watch();
    } catch (e) {
      this.error = toErrorPayload(e);
    }
  }

  #watch(): void {
    if (this.#stopWatch) return;
    this.#stopWatch = $effect.root(() => {
      let first = true;
      $effect(() => {
        const json = JSON.stringify(this.spec);
        if (first) {
          first = false;
          return;
        }
        untrack(() => this.#changed(json));
      });
    });
  }

  #changed(json: string): void {
    try {
      localStorage.setItem(DRAFT_KEY, json);
    } catch {
      // storage full or disabled: the draft lasts for this session
    }
    this.checking = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.refresh(), DEBOUNCE_MS);
  }

  /** Checks the spec now, and gets its plan. */
  async refresh(): Promise<void> {
    if (!this.spec) return;
    const seq = ++this.#seq;
    const snapshot = $state.snapshot(this.spec) as LabSpec;
    this.checking = true;
    try {
      const [check, plan] = await Promise.all([
        specCheck(snapshot),
        specPlan(snapshot, this.#account),
      ]);
      if (seq !== this.#seq) return; // a newer change is being checked
      this.check = check;
      this.plan = plan;
      this.error = null;
    } catch (e) {
      if (seq === this.#seq) this.error = toErrorPayload(e);
    } finally {
      if (seq === this.#seq) this.checking = this.#branch !== null;
    }
  }

  /** The account the plan names its bucket with (the connected one), or null. */
  setAccount(account: string | null): void {
    if (account === this.#account) return;
    this.#account = account;
    if (this.spec && this.check) void this.refresh();
  }

  /** Errors of one field: its own, and with `items` those of its list's items (`path[i]`). */
  errorsAt(path: string, items = true): FieldError[] {
    return this.errors.filter(
      (e) =>
        e.field === path || (items && e.field.startsWith(`${path}[`) && !e.field.includes("].")),
    );
  }

  errorCount(step: StepId): number {
    return this.errors.filter((e) => stepOfField(e.field) === step).length;
  }

  /** The branch as typed: shown while Rust sets it (see `setBranch`). */
  get branch(): string {
    return this.#branch ?? this.spec?.source.branch ?? "";
  }

  /**
   * Sets the source branch, 200 ms after the typing stops, through Rust (`spec_edit`), which
   * keeps a branch trigger that only named the old branch in step with it, so changing the
   * branch never silently stops the pipeline from running.
   */
  setBranch(branch: string): void {
    this.#branch = branch;
    this.checking = true;
    if (this.#branchTimer) clearTimeout(this.#branchTimer);
    this.#branchTimer = setTimeout(() => void this.#applyBranch(), DEBOUNCE_MS);
  }

  async #applyBranch(): Promise<void> {
    const branch = this.#branch;
    if (!this.spec || branch === null) return;
    try {
      const edit: SpecEdit = { field: "branch", value: branch };
      const next = await specEdit($state.snapshot(this.spec) as LabSpec, edit);
      if (this.#branch !== branch) return; // typed on: the next call sets it
      this.spec.source.branch = next.source.branch;
      this.spec.pipeline.trigger = next.pipeline.trigger;
    } catch (e) {
      if (this.#branch !== branch) return;
      this.spec.source.branch = branch;
      this.error = toErrorPayload(e);
    }
    this.#branch = null;
    // Checked again whether or not the spec changed, which also ends `checking`.
    this.#changed(JSON.stringify(this.spec));
  }

  /**
   * A choice other fields follow (the tasks' architecture, the build environment): Rust
   * applies it and what follows, and the spec takes its answer.
   */
  async edit(edit: SpecEdit): Promise<void> {
    if (!this.spec) return;
    const before = $state.snapshot(this.spec) as LabSpec;
    try {
      const next = await specEdit(before, edit);
      // Changed meanwhile: what the student did since stands.
      if (JSON.stringify(this.spec) === JSON.stringify(before)) this.spec = next;
    } catch (e) {
      this.error = toErrorPayload(e);
    }
  }

  /** Starts over from the lecture's defaults. */
  async restoreDefaults(): Promise<void> {
    const name = this.spec?.name || DEFAULT_LAB_NAME;
    const repository = this.spec?.source.repository ?? "";
    this.spec = await specDefault(name, repository);
  }

  /** For tests: forget everything, as on a fresh start. */
  reset(): void {
    this.#stopWatch?.();
    this.#stopWatch = null;
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#branchTimer) clearTimeout(this.#branchTimer);
    this.#loading = null;
    this.#seq++;
    this.#branch = null;
    this.#account = null;
    this.spec = null;
    this.check = null;
    this.plan = null;
    this.sizes = [];
    this.checking = false;
    this.error = null;
    this.savedFilter = null;
  }
}

export const specStore = new SpecStore();
