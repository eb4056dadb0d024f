// DEVELOPMENT AND TESTS ONLY: the fake backend's teardown and lab list (see ipc-fake.ts).
// `lab_teardown` walks the lab's plan in reverse as Rust's engine does: a dry run lists what
// would be deleted (a `pending` event each), a real run reports `deleting` then `deleted`,
// and the report's `leftovers` is what is still "in the account" (what failed). A reused
// connection is skipped. Tests steer it through `fakeTeardown.state()`.
import type { LabSpec, LabSummary, ProgressEvent, TeardownReport } from "./bindings";
import { namesFor } from "./ipc-fake-spec";
import { planRows, type PlanRow } from "./plan";

type FakeTeardown = {
  /** Milliseconds between two events. */
  stepMs: number;
  /** The next real run fails to delete this kind (once: "Try again" then passes). */
  failKind: string | null;
  /** What lab_summaries answers. */
  summaries: LabSummary[];
  /** Labs a real run removed: nothing of them is left to find. */
  removed: Set<string>;
};

const dev = import.meta.env.MODE !== "test";

function initial(): FakeTeardown {
  return { stepMs: dev ? 120 : 0, failKind: null, summaries: [], removed: new Set() };
}

let ft = initial();

export const fakeTeardown = {
  reset(): void {
    ft = initial();
  },
  state(): FakeTeardown {
    return ft;
  },
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const REUSED = "reused, not created by this lab: left as is";

/** lab_teardown for `spec`'s lab; `cancelled` is the fake's set of labs asked to stop. */
export async function fakeTeardownRun(
  spec: LabSpec,
  account: string,
  dryRun: boolean,
  onEvent: (event: ProgressEvent) => void,
  cancelled: Set<string>,
): Promise<TeardownReport> {
  const lab = spec.name;
  const started = Date.now();
  cancelled.delete(lab);
  const report: TeardownReport = {
    lab,
    dryRun,
    deleted: [],
    wouldDelete: [],
    skipped: [],
    failed: [],
    leftovers: [],
  };
  const rows = ft.removed.has(lab)
    ? []
    : planRows(spec, namesFor(spec), account)
        .filter((r) => r.kind !== "first_run")
        .reverse();
  const emit = (row: PlanRow, state: ProgressEvent["state"], message: string | null = null) =>
    onEvent({
      lab,
      step: row.step,
      kind: row.kind,
      name: row.name,
      state,
      message,
      elapsedMs: Date.now() - started,
      detail:
        state === "failed"
          ? {
              url: null,
              physicalId: null,
              errorCode: "aws",
              typicalSecs: null,
              expectedSecs: null,
              run: null,
            }
          : null,
    });
  for (const row of rows) {
    if (cancelled.has(lab)) {
      cancelled.delete(lab);
      throw { code: "cancelled", message: `lab ${lab} was cancelled`, hint: null, field: null };
    }
    const item = { kind: row.kind, name: row.name, id: `arn:aws:fake:::${row.kind}/${row.name}` };
    await sleep(dryRun ? ft.stepMs / 4 : ft.stepMs);
    if (row.reused) {
      emit(row, "skipped", REUSED);
      report.skipped.push({ ...item, reason: REUSED });
    } else if (dryRun) {
      emit(row, "pending", "would be deleted (dry run)");
      report.wouldDelete.push(item);
    } else {
      await removeOne(row, item, report, emit);
    }
  }
  if (!dryRun && report.failed.length === 0) {
    ft.removed.add(lab);
    ft.summaries = ft.summaries.map((s) => (s.name === lab ? { ...s, liveResources: 0 } : s));
  }
  return report;
}

async function removeOne(
  row: PlanRow,
  item: TeardownReport["deleted"][number],
  report: TeardownReport,
  emit: (row: PlanRow, state: ProgressEvent["state"], message?: string | null) => void,
): Promise<void> {
  emit(row, "deleting");
  await sleep(ft.stepMs);
  if (row.kind === "security_group") {
    emit(row, "waiting", "DependencyViolation: network interfaces are draining");
    await sleep(ft.stepMs);
  }
  if (ft.failKind === row.kind) {
    ft.failKind = null;
    const message = "AccessDenied: not authorized to delete";
    emit(row, "failed", message);
    report.failed.push({
      kind: row.kind,
      name: row.name,
      code: "aws",
      awsCode: "AccessDenied",
      message,
      hint: "Ask for the permission to delete it, or delete it in the AWS console, then try again.",
    });
    report.leftovers.push({ ...item, reason: "still in the account: its delete failed" });
    return;
  }
  emit(row, "deleted");
  report.deleted.push(item);
}
