// Generated from src-tauri/src/command_list.rs by `PIPEWRIGHT_UPDATE_BINDINGS=1 cargo test -p pipewright-app`.
// Do not edit by hand.

/** Every command the app registers, in the order the list declares them. */
export const COMMANDS = [
  "app_info",
  "whoami",
  "sandbox_status",
  "sandbox_start",
  "sandbox_pace",
  "credentials_list",
  "credentials_save",
  "credentials_delete",
  "profiles_list",
  "spec_default",
  "spec_check",
  "class_open",
  "spec_edit",
  "spec_plan",
  "fargate_sizes",
  "spec_buildspec",
  "practice_push",
  "practice_file",
  "preflight",
  "notify",
  "open_url",
  "lab_apply",
  "lab_teardown",
  "lab_cancel",
  "lab_current",
  "lab_status",
  "lab_summaries",
  "lab_expiry",
  "lab_extend",
  "lab_meter",
  "lab_export",
  "lab_watch",
  "lab_run",
  "lab_stop",
  "lab_retry",
  "lab_doctor",
  "class_status",
  "class_sweep",
] as const;

/** The name of a command `ipc.ts` may call. */
export type Command = (typeof COMMANDS)[number];
