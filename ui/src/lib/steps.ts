// The app's screens in sidebar order: Connect, the lecture's five steps (LECTURE.md), then
// the screens that come after the steps. Texts live in the i18n messages under
// `nav.<id>`, `steps.<id>.*` and `fields.<id>.<field>.*`.

export const STEP_IDS = ["source", "pipeline", "build", "registry", "deploy"] as const;
export type StepId = (typeof STEP_IDS)[number];

export const LATER_IDS = ["review", "progress", "watch", "teardown"] as const;
export type LaterId = (typeof LATER_IDS)[number];

export type ScreenId = "connect" | StepId | LaterId;

export type NavItem = {
  id: ScreenId;
  /** 1–5 for the lecture's steps. */
  step: number | null;
  /** Screens that are not built yet: shown, but not selectable. */
  comingNext: boolean;
};

export const NAV_ITEMS: readonly NavItem[] = [
  { id: "connect", step: null, comingNext: false },
  ...STEP_IDS.map((id, i) => ({ id, step: i + 1, comingNext: false })),
  ...LATER_IDS.map((id) => ({ id, step: null, comingNext: false })),
];

/** The fields each step asks for, in the order the lecture's console screens show them. */
export const STEP_FIELDS: Record<StepId, readonly string[]> = {
  source: ["connection", "repository", "branch", "outputFormat"],
  pipeline: [
    "name",
    "type",
    "executionMode",
    "serviceRole",
    "triggerType",
    "eventType",
    "filterType",
    "branches",
    "filePaths",
    "artifactStore",
  ],
  build: [
    "provider",
    "projectName",
    "provisioning",
    "image",
    "compute",
    "computeType",
    "serviceRole",
    "privileged",
    "timeout",
    "buildspec",
    "envVars",
    "buildType",
  ],
  registry: [
    "repositoryName",
    "visibility",
    "tagImmutability",
    "scanning",
    "encryption",
    "pushPermission",
    "lifecycle",
    "containerBuild",
  ],
  deploy: [
    "cluster",
    "infrastructure",
    "service",
    "taskSize",
    "architecture",
    "networkMode",
    "executionRole",
    "containerName",
    "image",
    "portMapping",
    "readonlyRoot",
    "desiredCount",
    "loadBalancer",
    "listener",
    "targetGroup",
    "healthCheck",
    "gracePeriod",
    "securityGroups",
    "deployStage",
  ],
};
