// The port of Rust's change.rs tests, and the edge cases of `apply_changes`.
import { describe, expect, it } from "vitest";
import type { Change, PipelineSnapshot } from "../../bindings";
import { ChangeError, applyChanges } from "./changes";

function snap(): PipelineSnapshot {
  return {
    pipeline: "p",
    region: "",
    executions: [],
    selectedExecutionId: null,
    stages: [
      {
        name: "Build",
        status: "InProgress",
        waiting: false,
        actions: [
          {
            name: "Build",
            runOrder: 1,
            provider: "CodeBuild",
            status: "InProgress",
            startedAt: 1.0,
            updatedAt: 1.0,
            summary: null,
            errorDetails: null,
            externalId: null,
            externalUrl: null,
            consoleUrl: null,
            build: {
              id: "b:1",
              status: null,
              currentPhase: null,
              phases: [],
              logTail: [{ at: 1.0, text: "one" }],
              logsUrl: null,
            },
            rollout: null,
          },
        ],
      },
    ],
    health: { url: null, state: "waiting", httpStatus: null, message: null },
    polling: "slow",
    problem: null,
  };
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

describe("applyChanges (port of watch::apply_changes)", () => {
  it("appends new log lines and replaces statuses", () => {
    const old = snap();
    const next = snap();
    const action = next.stages[0].actions[0];
    action.status = "Succeeded";
    action.build!.logTail.push({ at: 2.0, text: "two" });
    // What Rust's `diff` sends for it (crates/core/src/watch/change.rs tests it).
    const changes: Change[] = [
      { op: "replace", path: "/stages/0/actions/0/status", value: "Succeeded" },
      { op: "add", path: "/stages/0/actions/0/build/logTail/-", value: { at: 2.0, text: "two" } },
    ];
    const doc = applyChanges(clone(old), changes);
    expect(doc).toEqual(next);
  });

  it("replaces shifted lists whole", () => {
    const exe = (id: string) => ({
      id,
      status: "Succeeded" as const,
      statusSummary: null,
      startedAt: null,
      updatedAt: null,
      endedAt: null,
      sourceRevision: null,
      trigger: null,
      stopReason: null,
    });
    const old = snap();
    old.executions = [exe("b"), exe("a")];
    const next = snap();
    next.executions = [exe("c"), exe("b")];
    const changes: Change[] = [{ op: "replace", path: "/executions", value: next.executions }];
    expect(applyChanges(clone(old), changes)).toEqual(next);
  });

  it("replaces at nested paths, array indexes and the root", () => {
    const doc = snap();
    const changes: Change[] = [
      { op: "replace", path: "/stages/0/actions/0/build/currentPhase", value: "BUILD" },
      { op: "replace", path: "/stages/0/actions/0/build/logTail/0", value: { at: 3, text: "x" } },
      { op: "replace", path: "/health/state", value: "healthy" },
      { op: "add", path: "/stages/0/actions/0/build/phases/-", value: { name: "QUEUED" } },
    ];
    const out = applyChanges(doc, changes);
    expect(out).toBe(doc); // in place
    expect(out.stages[0].actions[0].build!.currentPhase).toBe("BUILD");
    expect(out.stages[0].actions[0].build!.logTail).toEqual([{ at: 3, text: "x" }]);
    expect(out.stages[0].actions[0].build!.phases).toHaveLength(1);
    expect(out.health.state).toBe("healthy");
    const whole = applyChanges(doc, [{ op: "replace", path: "", value: { pipeline: "q" } }]);
    expect(whole).toEqual({ pipeline: "q" });
  });

  it("unescapes ~1 and ~0 in keys", () => {
    const doc = { "a/b": { "c~d": 1 } };
    applyChanges(doc, [{ op: "replace", path: "/a~1b/c~0d", value: 2 }]);
    expect(doc).toEqual({ "a/b": { "c~d": 2 } });
  });

  it("fails on paths that do not exist, as Rust does", () => {
    const bad: Change[][] = [
      [{ op: "replace", path: "/nope/x", value: 1 }],
      [{ op: "replace", path: "/missing", value: 1 }],
      [{ op: "replace", path: "/stages/5", value: 1 }],
      [{ op: "add", path: "/stages/0/name/-", value: 1 }],
      [{ op: "add", path: "/stages/0", value: 1 }],
      [{ op: "replace", path: "stages", value: 1 }],
    ];
    for (const changes of bad) {
      expect(() => applyChanges(snap(), changes), changes[0].path).toThrow(ChangeError);
    }
  });
});
