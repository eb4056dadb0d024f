// The lab being edited: one `LabSpec` shared by the five step forms, Review and Progress.
//
// It starts from the lab in progress (`lab_current`, to resume after reopening the app), else
// the saved draft, else `spec_default("ktb", "")`. Every change is saved as a draft in
// localStorage (a spec holds names and choices, never a secret) and, 200 ms after the
// student stops typing, checked by Rust (`spec_validate`), which also answers the derived
// names (`spec_names`) and the cost (`spec_cost`). Screens read the errors by field path.
import { untrack } from "svelte";
import type {
  CostEstimate,
  ErrorPayload,
  FieldError,
  LabSpec,
  Region,
  ResourceNames,
  TaskSize,
  TriggerFilter,
} from "./bindings";
import {
  fargateSizes,
  labCurrent,
  regions,
  specCost,
  specDefault,
  specNames,
  specValidate,
  toErrorPayload,
} from "./ipc";
import { REGIONS } from "./regions";
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
  errors = $state<FieldError[]>([]);
  names = $state<ResourceNames | null>(null);
  cost = $state<CostEstimate | null>(null);
  sizes = $state<TaskSize[]>([]);
  regions = $state<Region[]>([...REGIONS]);
  /** True while a change waits for (or is in) validation. */
  checking = $state(false);
  error = $state<ErrorPayload | null>(null);
  /** The branch filter last used, restored when the trigger goes back to "filter". */
  savedFilter: TriggerFilter | null = null;

  #loading: Promise<void> | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #seq = 0;
  #stopWatch: (() => void) | null = null;

  /** Loads the spec (once) and starts checking every change. */
  load(): Promise<void> {
    this.#loading ??= this.#load();
    return this.#loading;
  }

  async #load(): Promise<void> {
    try {
      const [current, base, sizes, regionList] = await Promise.all([
        labCurrent().catch(() => null),
        specDefault(DEFAULT_LAB_NAME, ""),
        fargateSizes(),
        regions().catch(() => [...REGIONS]),
      ]);
      this.sizes = sizes;
      if (regionList.length > 0) this.regions = regionList;
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

  /** Validates now, and refreshes the derived names and the cost. */
  async refresh(): Promise<void> {
    if (!this.spec) return;
    const seq = ++this.#seq;
    const snapshot = $state.snapshot(this.spec) as LabSpec;
    this.checking = true;
    try {
      const [errors, names, cost] = await Promise.all([
        specValidate(snapshot),
        specNames(snapshot),
        specCost(snapshot),
      ]);
      if (seq !== this.#seq) return; // a newer change is being checked
      this.errors = errors;
      this.names = names;
      this.cost = cost;
      this.error = null;
    } catch (e) {
      if (seq === this.#seq) this.error = toErrorPayload(e);
    } finally {
      if (seq === this.#seq) this.checking = false;
    }
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

  /**
   * Sets the source branch and keeps a branch trigger that only named the old branch in step
   * with it (as core's `LabSpec::set_branch`), so changing the branch never silently stops
   * the pipeline from running.
   */
  setBranch(branch: string): void {
    if (!this.spec) return;
    const old = this.spec.source.branch;
    this.spec.source.branch = branch;
    const t = this.spec.pipeline.trigger;
    if (
      t.kind === "filter" &&
      t.filter_type === "branches" &&
      t.include.length === 1 &&
      t.include[0] === old
    ) {
      t.include = [branch];
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
    this.#loading = null;
    this.#seq++;
    this.spec = null;
    this.errors = [];
    this.names = null;
    this.cost = null;
    this.sizes = [];
    this.regions = [...REGIONS];
    this.checking = false;
    this.error = null;
    this.savedFilter = null;
  }
}

export const specStore = new SpecStore();
