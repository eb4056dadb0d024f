// How the Watch screen words and times a run: status keys and tones, durations, short
// commit ids, and the "what to do" hint for the failures students meet most.
import type { ActionView, ExecutionSummary, RunStatus } from "../../bindings";

/** `null`: not started (yet). */
export type Status = RunStatus | null;

/** The i18n key of a status's word. */
export function statusKey(status: Status): string {
  return `watch.status.${status ?? "none"}`;
}

/** The colour family a status is drawn in (always with an icon and a word as well). */
export function tone(status: Status): "ok" | "danger" | "active" | "warn" | "muted" {
  switch (status) {
    case "Succeeded":
      return "ok";
    case "Failed":
      return "danger";
    case "InProgress":
    case "Stopping":
      return "active";
    case "Stopped":
    case "Abandoned":
    case "Cancelled":
      return "warn";
    default:
      return "muted";
  }
}

export function isActive(status: Status): boolean {
  return status === "InProgress" || status === "Stopping";
}

/** 4.2 s, 59 s, 1:05, 1:02:03: fixed-width digits, for a ticking clock. */
export function formatDuration(ms: number | null, locale?: string | null): string {
  if (ms === null || !Number.isFinite(ms) || ms < 0) return "";
  // Korean writes seconds as 초, right after the number.
  const unit = (locale ?? "").startsWith("ko") ? "초" : " s";
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)}${unit}`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}${unit}`;
  const two = (n: number) => String(n).padStart(2, "0");
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}:${two(m)}:${two(s % 60)}` : `${m}:${two(s % 60)}`;
}

/** How long an action ran (or has been running, at `now`). */
export function actionElapsed(action: ActionView, now: number): number | null {
  if (action.startedAt === null || action.status === null) return null;
  const end = isActive(action.status) ? now : (action.updatedAt ?? now);
  return Math.max(0, end - action.startedAt);
}

/** How long an execution ran (or has been running, at `now`). */
export function executionElapsed(exe: ExecutionSummary, now: number): number | null {
  if (exe.startedAt === null) return null;
  const end = exe.endedAt ?? (isActive(exe.status) ? now : (exe.updatedAt ?? now));
  return Math.max(0, end - exe.startedAt);
}

export function shortCommit(id: string | null | undefined): string {
  return id ? id.slice(0, 7) : "";
}

/** What to do about a failed action: a key under `watch.hints`, or null. */
export type Hint = "commandError" | "connection" | "permissions" | "rollout" | "generic";

export function hintFor(action: ActionView): Hint | null {
  const contexts = action.build?.phases.flatMap((p) => p.contexts) ?? [];
  const text = [action.errorDetails?.code, action.errorDetails?.message, ...contexts]
    .filter(Boolean)
    .join(" ");
  if (action.status !== "Failed" && !action.errorDetails) return null;
  if (/COMMAND_EXECUTION_ERROR/.test(text)) return "commandError";
  if (/connection/i.test(text) && /(not available|unavailable|pending|not found)/i.test(text)) {
    return "connection";
  }
  if (/AccessDenied|not authorized|UnauthorizedOperation|permission/i.test(text)) {
    return "permissions";
  }
  if (action.rollout || /circuit breaker|steady state|rollback|deployment failed|ECS/i.test(text)) {
    return "rollout";
  }
  return "generic";
}
