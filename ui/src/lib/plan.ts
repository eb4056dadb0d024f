// What a lab creates, step by step, in the order the lecture builds it: the same resources as
// core's `Plan` (crates/core/src/plan.rs), named by `spec_names`. Review lists them before
// anything is created; Progress uses the same kinds and names as its rows' keys.
import type { LabSpec, ResourceNames } from "./bindings";
import { STEP_IDS, type StepId } from "./steps";

export type PlanRow = {
  step: StepId;
  /** The ledger's kind: "iam_role", "ecr_repository", … (messages under `kinds.<kind>`). */
  kind: string;
  name: string;
  /** Set for a resource the student brings (an existing connection): used, not created. */
  reused: boolean;
};

/** Every resource, grouped by lecture step in the lecture's order. */
export function planRows(spec: LabSpec, names: ResourceNames, accountId: string): PlanRow[] {
  const rows: PlanRow[] = [];
  const add = (step: StepId, kind: string, name: string | null, reused = false) => {
    if (name !== null) rows.push({ step, kind, name, reused });
  };
  const c = spec.source.connection;
  add(
    "source",
    "connection",
    c.mode === "create" ? names.connection : c.arn,
    c.mode === "existing",
  );
  add(
    "pipeline",
    "s3_bucket",
    names.artifact_bucket_override ?? `pipewright-${names.lab_tag}-artifacts-${accountId}`,
  );
  add("pipeline", "iam_role", names.pipeline_role);
  add("pipeline", "pipeline", names.pipeline);
  add("build", "log_group", names.build_log_group);
  add("build", "iam_role", names.build_role);
  add("build", "codebuild_project", names.build_project);
  add("registry", "ecr_repository", names.repository);
  add("deploy", "log_group", names.task_log_group);
  add("deploy", "iam_role", names.task_execution_role);
  add("deploy", "security_group", names.alb_security_group);
  add("deploy", "security_group", names.task_security_group);
  add("deploy", "load_balancer", names.load_balancer);
  add("deploy", "target_group", names.target_group);
  add("deploy", "listener", `${names.load_balancer}:${spec.deploy.load_balancer.listener_port}`);
  add("deploy", "ecs_cluster", names.cluster);
  add("deploy", "task_definition", names.task_family);
  add("deploy", "ecs_service", names.service);
  // Not a resource: the pipeline's first run, which builds, pushes and deploys the app.
  add("deploy", "first_run", `${names.pipeline}#1`);
  return rows;
}

/** Rows grouped by step, steps in lecture order, empty steps left out. */
export function byStep<T extends { step: string }>(rows: T[]): [StepId, T[]][] {
  return STEP_IDS.map(
    (step) => [step, rows.filter((r) => r.step === step)] as [StepId, T[]],
  ).filter(([, list]) => list.length > 0);
}

/** A row's stable key, as in `progress-row-<kind>-<name>`. */
export function rowKey(row: { kind: string; name: string }): string {
  return `${row.kind}-${row.name}`;
}
