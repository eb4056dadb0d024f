// The app's screens in sidebar order: Connect, the lecture's five steps (LECTURE.md), then
// the screens that come after the steps. Texts live in the i18n messages under `nav.<id>`
// and `steps.<id>.*`.

export const STEP_IDS = ["source", "pipeline", "build", "registry", "deploy"] as const;
export type StepId = (typeof STEP_IDS)[number];

export const LATER_IDS = ["review", "progress", "watch", "teardown", "class"] as const;
export type LaterId = (typeof LATER_IDS)[number];

export type ScreenId = "connect" | StepId | LaterId;

export type NavItem = {
  id: ScreenId;
  /** 1–5 for the lecture's steps. */
  step: number | null;
};

export const NAV_ITEMS: readonly NavItem[] = [
  { id: "connect", step: null },
  ...STEP_IDS.map((id, i) => ({ id, step: i + 1 })),
  ...LATER_IDS.map((id) => ({ id, step: null })),
];

/** Rows grouped by step, steps in lecture order, empty steps left out. */
export function byStep<T extends { step: string }>(rows: T[]): [StepId, T[]][] {
  return STEP_IDS.map(
    (step) => [step, rows.filter((r) => r.step === step)] as [StepId, T[]],
  ).filter(([, list]) => list.length > 0);
}
