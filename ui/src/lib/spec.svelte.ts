// The lab being edited: one `LabSpec` shared by the five step forms, Review and Progress.
//
// It starts from the lab in progress (`lab_current`, to resume after reopening the app), else
// the saved draft, else `spec_default("ktb", "")`. Every change is saved as a draft in
// localStorage (a spec holds names and choices, never a secret) and, 200 ms after the
// student stops typing, sent to Rust, which answers everything derived from it: its problems
// by field, the names its resources get, what it costs (`spec_check`), and the plan
// (`spec_plan`). Nothing here computes any of it.
//
// A lab of an instructor's class keeps its class file attached: the file's text is saved in
// localStorage beside the draft (CLASS_KEY) and read again by Rust on every start, so the
// locks survive reopening the app. It stays attached while the spec's `[class]` names that
// class; its rules join every check (`spec_check` with the class).
import { untrack } from "svelte";
import { SvelteSet } from "svelte/reactivity";
import type {
  ClassFile,
  CostEstimate,
  ErrorPayload,
  FieldError,
  LabSpec,
  LockedField,
  PlanView,
  ResourceNames,
  SpecCheck,
  SpecEdit,
  TaskSize,
  TriggerFilter,
} from "./bindings";
import {
  classOpen,
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
/** The attached class file's text (it holds the class's choices and reasons, no secret). */
export const CLASS_KEY = "pipewright.class";
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

/**
 * The paths (as FieldError names them) where two versions of a spec differ: changed values,
 * keys one side lacks, and lists whose length changed.
 */
export function changedPaths(
  before: unknown,
  after: unknown,
  path = "",
  out: string[] = [],
): string[] {
  const join = (key: string) => (path ? `${path}.${key}` : key);
  if (Array.isArray(before) && Array.isArray(after)) {
    if (before.length !== after.length) out.push(path);
    after.forEach((item, i) => changedPaths(before[i], item, `${path}[${i}]`, out));
  } else if (isPlainObject(before) && isPlainObject(after)) {
    const keys = Object.keys(after).concat(Object.keys(before).filter((k) => !(k in after)));
    for (const key of keys) {
      changedPaths(before[key], after[key], join(key), out);
    }
  } else if (JSON.stringify(before) !== JSON.stringify(after)) {
    out.push(path);
  }
  return out;
}

/** Whether an edit at `touched` concerns the field `field` (itself, or inside it). */
function covers(touched: string, field: string): boolean {
  return (
    touched === field ||
    field.startsWith(`${touched}.`) ||
    field.startsWith(`${touched}[`) ||
    touched.startsWith(`${field}.`) ||
    touched.startsWith(`${field}[`)
  );
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

function readClassText(): string | null {
  try {
    return localStorage.getItem(CLASS_KEY);
  } catch {
    return null;
  }
}

function writeClassText(text: string | null): void {
  try {
    if (text === null) localStorage.removeItem(CLASS_KEY);
    else localStorage.setItem(CLASS_KEY, text);
  } catch {
    // storage disabled: the class stays attached for this session
  }
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
  /** The instructor's class file the lab belongs to, as Rust read it; null: a lab of one's own. */
  classFile = $state<ClassFile | null>(null);
  #classText: string | null = null;

  #account: string | null = null;
  #loading: Promise<void> | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #branchTimer: ReturnType<typeof setTimeout> | null = null;
  #branch = $state<string | null>(null);
  #seq = 0;
  #stopWatch: (() => void) | null = null;
  #lastJson: string | null = null;
  /** Fields the student has edited: their errors show at once. */
  #touched = new SvelteSet<string>();
  /** Steps whose every error shows: left with Next, or seen from Review. */
  #revealed = new SvelteSet<StepId>();

  get errors(): FieldError[] {
    return this.check?.errors ?? [];
  }

  /** Whether an error is shown yet: not before its field was edited or its step revealed. */
  shown(error: FieldError): boolean {
    return this.#revealed.has(stepOfField(error.field)) || this.edited(error.field);
  }

  /** Whether the student has edited the field at `path` (or something inside it). */
  edited(path: string): boolean {
    for (const t of this.#touched) if (covers(t, path)) return true;
    return false;
  }

  /** The errors shown now (see `shown`). */
  get shownErrors(): FieldError[] {
    return this.errors.filter((e) => this.shown(e));
  }

  /** Shows every error of `steps` from now on (Next, Review). */
  reveal(...steps: StepId[]): void {
    for (const step of steps) this.#revealed.add(step);
  }

  isRevealed(step: StepId): boolean {
    return this.#revealed.has(step);
  }

  /** Takes an error's suggested value into its field (the one-click fix). */
  applySuggestion(error: FieldError): void {
    const value = error.suggestion;
    if (!this.spec || value === undefined) return;
    if (error.field === "source.branch") {
      this.setBranch(value);
      return;
    }
    const keys = error.field.split(".");
    let target = this.spec as unknown as Record<string, unknown>;
    for (const key of keys.slice(0, -1)) {
      const next = target[key];
      if (!isPlainObject(next)) return;
      target = next;
    }
    target[keys[keys.length - 1]] = value;
  }

  /** The class's lock on the field at `path` (the instructor's reason and value), if any. */
  lockOf(path: string): LockedField | null {
    return this.classFile?.locked.find((l) => l.field === path) ?? null;
  }

  /**
   * Attaches the class file `text`: Rust reads it (a bad file rejects with `invalid` on its
   * key), and the spec starts over from the class's, keeping the student's lab name.
   */
  async openClass(text: string): Promise<ClassFile> {
    const name = this.spec?.name || DEFAULT_LAB_NAME;
    const [classFile, spec] = await classOpen(text, name);
    this.classFile = classFile;
    this.#classText = text;
    writeClassText(text);
    this.spec = spec;
    // The class's rule on the name is news to the student: it shows at once.
    this.#touched.add("name");
    await this.refresh();
    return classFile;
  }

  /** The saved class file, read again, if the spec still belongs to its class. */
  async #restoreClass(spec: LabSpec): Promise<void> {
    const text = readClassText();
    if (text === null) return;
    try {
      const [classFile] = await classOpen(text, spec.name);
      if (spec.class.name === classFile.name) {
        this.classFile = classFile;
        this.#classText = text;
        return;
      }
    } catch {
      // A file this version no longer reads: the lab goes on as a lab of its own.
    }
    writeClassText(null);
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
      const spec = current ?? (draft ? (mergeDraft(base, draft) as LabSpec) : base);
      await this.#restoreClass(spec);
      this.spec = spec;
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
          this.#lastJson = json;
          return;
        }
        untrack(() => this.#changed(json));
      });
    });
  }

  #changed(json: string): void {
    if (this.#lastJson !== null && this.#lastJson !== json) {
      for (const path of changedPaths(JSON.parse(this.#lastJson), JSON.parse(json))) {
        this.#touched.add(path);
      }
    }
    this.#lastJson = json;
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
    const classFile = this.classFile ? ($state.snapshot(this.classFile) as ClassFile) : null;
    this.checking = true;
    try {
      const [check, plan] = await Promise.all([
        specCheck(snapshot, classFile),
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

  /** Shown errors of one field: its own, and with `items` those of its list's items (`path[i]`). */
  errorsAt(path: string, items = true): FieldError[] {
    return this.shownErrors.filter(
      (e) =>
        e.field === path || (items && e.field.startsWith(`${path}[`) && !e.field.includes("].")),
    );
  }

  /** Errors on a step, shown or not yet. */
  errorCount(step: StepId): number {
    return this.errors.filter((e) => stepOfField(e.field) === step).length;
  }

  /** Errors shown on a step (the sidebar's badge, the step's status line). */
  shownErrorCount(step: StepId): number {
    return this.shownErrors.filter((e) => stepOfField(e.field) === step).length;
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

  /** Starts over from the lecture's defaults, or from the class's spec in a class. */
  async restoreDefaults(): Promise<void> {
    const name = this.spec?.name || DEFAULT_LAB_NAME;
    if (this.#classText !== null) {
      this.spec = (await classOpen(this.#classText, name))[1];
      return;
    }
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
    this.#lastJson = null;
    this.#touched.clear();
    this.#revealed.clear();
    this.spec = null;
    this.check = null;
    this.plan = null;
    this.sizes = [];
    this.checking = false;
    this.error = null;
    this.savedFilter = null;
    this.classFile = null;
    this.#classText = null;
  }
}

export const specStore = new SpecStore();
