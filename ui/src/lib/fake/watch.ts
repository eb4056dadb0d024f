// DEVELOPMENT AND TESTS ONLY: the Watch screen's commands outside Tauri (see backend.ts). It
// replays watch-session.json, a session recorded from the sandbox by a Rust test
// (tests/tests/watch_session.rs): the first snapshot, then, step by step, a push that
// succeeds, a push whose build fails and its retry, each with every event Rust's watcher sent,
// plus the snapshot of a watch pinned to each run of the first snapshot. Steps play in the
// order they were recorded; a push with another message, or a step the session lacks, is
// refused with what the session expects. Tests steer it through `fakeWatch`.
import type { Change, PipelineSnapshot, WatchEvent } from "../bindings";
import { applyChanges } from "../components/watch/changes";
import recording from "./watch-session.json";

type Recorded = { afterMs: number; event: WatchEvent };
type Act = { command: string | null; message?: string; answer?: unknown; events: Recorded[] };
type Session = { lab: string; acts: Act[]; pinned: Record<string, PipelineSnapshot> };

const session = recording as unknown as Session;

type Watcher = { onEvent: (event: WatchEvent) => void; alive: () => boolean; pinned: boolean };

type FakeWatch = {
  /** Milliseconds between two replayed events; null: the pace they were recorded at. */
  stepMs: number | null;
  /** Milliseconds between heartbeats to a watcher. */
  heartbeatMs: number;
};

const dev = import.meta.env.MODE !== "test";
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let fw: FakeWatch = initial();
/** Bumped by reset: what an older state started stops. */
let epoch = 0;
let doc: PipelineSnapshot = opening();
/** The next act to play. */
let next = 1;
let playing: Promise<void> = Promise.resolve();
const watchers = new Set<Watcher>();

function initial(): FakeWatch {
  return { stepMs: dev ? null : 4, heartbeatMs: dev ? 5000 : 200 };
}

function apply(to: PipelineSnapshot, event: WatchEvent): PipelineSnapshot {
  if (event.kind === "snapshot") return clone(event.snapshot);
  if (event.kind === "changes") return applyChanges(to, clone(event.changes) as Change[]);
  return to;
}

/** The state after the first act (the opening snapshot and what followed it). */
function opening(): PipelineSnapshot {
  let s = null as unknown as PipelineSnapshot;
  for (const { event } of session.acts[0].events) s = apply(s, event);
  return s;
}

export const fakeWatch = {
  reset(): void {
    epoch++;
    fw = initial();
    doc = opening();
    next = 1;
    playing = Promise.resolve();
    watchers.clear();
    fakeNotifications.length = 0;
  },
  state(): FakeWatch {
    return fw;
  },
  /** Plays the acts before act `n` at once, unseen: the next step is act `n`. */
  skipTo(n: number): void {
    for (; next < n; next++)
      for (const { event } of session.acts[next].events) doc = apply(doc, event);
  },
  /** The recorded session: tests push the messages it was recorded with. */
  session,
};

/** What `notify` was asked to show (tests read it). */
export const fakeNotifications: { title: string; body: string }[] = [];

function invalid(message: string) {
  return { code: "invalid", message, hint: null, field: null };
}

async function play(act: Act): Promise<void> {
  const mine = epoch;
  let at = 0;
  for (const { afterMs, event } of act.events) {
    await sleep(fw.stepMs ?? Math.max(0, afterMs - at));
    at = afterMs;
    if (epoch !== mine) return;
    doc = apply(doc, event);
    for (const w of watchers) if (!w.pinned && w.alive()) w.onEvent(clone(event));
  }
}

/** The next recorded act, if it is `command` (with `message` for a push). */
function take(command: string, message?: string): Act {
  const act = session.acts[next];
  if (!act || act.command !== command || (message !== undefined && act.message !== message)) {
    const expected = act
      ? `${act.command}${act.message ? ` "${act.message}"` : ""}`
      : "nothing more";
    throw invalid(
      `the recorded watch session has no ${command} here: it continues with ${expected}`,
    );
  }
  next++;
  playing = playing.then(() => play(act));
  return act;
}

/** Delivers `first`, then what plays, until the watcher is gone or the fake is reset. */
async function follow(first: PipelineSnapshot, watcher: Watcher): Promise<void> {
  const mine = epoch;
  watchers.add(watcher);
  watcher.onEvent({ kind: "snapshot", snapshot: clone(first) });
  while (epoch === mine && watcher.alive()) {
    await sleep(fw.heartbeatMs);
    if (epoch === mine && watcher.alive()) watcher.onEvent({ kind: "heartbeat" });
  }
  watchers.delete(watcher);
}

/** The Watch commands. */
export async function fakeWatchInvoke(
  command: string,
  args: Record<string, unknown>,
): Promise<unknown> {
  switch (command) {
    case "lab_watch": {
      const execution = (args.execution as string | null) ?? null;
      const watcher = {
        onEvent: args.onEvent as (event: WatchEvent) => void,
        alive: (args.alive as (() => boolean) | undefined) ?? (() => true),
        pinned: execution !== null && execution !== doc.selectedExecutionId,
      };
      if (!watcher.pinned) return follow(doc, watcher);
      const pinned = session.pinned[execution!];
      if (!pinned) throw invalid(`the recorded watch session has no watch pinned to ${execution}`);
      return follow(pinned, watcher);
    }
    case "practice_push":
      return take("practice_push", String(args.message ?? "")).answer;
    case "lab_retry":
      return take("lab_retry").answer;
    case "lab_run":
    case "lab_stop":
      throw invalid(`the recorded watch session has no ${command}`);
    case "notify":
      fakeNotifications.push({ title: String(args.title), body: String(args.body) });
      return null;
    default:
      throw invalid(`${command} is not a Watch command`);
  }
}
