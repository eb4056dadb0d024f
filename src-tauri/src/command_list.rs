// The app's commands: the one list. `lib.rs` registers them (`app_commands!(handler)`),
// `build.rs` declares each one a permission and writes `capabilities/default.json` granting
// exactly these, and this crate's tests generate `ui/src/lib/commands.ts` (the UI's `Command`
// type) from it and check that `ui/src/lib/ipc.ts` calls each one.
//
// Adding a command: write its handler in `commands.rs`, `labs.rs` or `watch.rs`, add it here,
// run `PIPEWRIGHT_UPDATE_BINDINGS=1 cargo test -p pipewright-app` (which builds, so the
// capabilities follow, and writes commands.ts), and add its typed wrapper to `ui/src/lib/ipc.ts`.
//
// Plain `//` comments only: `build.rs` includes this file.
macro_rules! app_commands {
    ($then:ident) => {
        $then! {
            commands::app_info,
            commands::whoami,
            commands::sandbox_status,
            commands::sandbox_start,
            commands::sandbox_pace,
            commands::credentials_list,
            commands::credentials_save,
            commands::credentials_delete,
            commands::profiles_list,
            commands::spec_default,
            commands::spec_check,
            commands::class_open,
            commands::spec_edit,
            commands::spec_plan,
            commands::fargate_sizes,
            commands::spec_buildspec,
            commands::practice_push,
            commands::practice_file,
            commands::preflight,
            commands::notify,
            commands::open_url,
            labs::lab_apply,
            labs::lab_teardown,
            labs::lab_cancel,
            labs::lab_current,
            labs::lab_status,
            labs::lab_summaries,
            labs::lab_expiry,
            labs::lab_extend,
            labs::lab_meter,
            labs::lab_export,
            watch::lab_watch,
            watch::lab_run,
            watch::lab_stop,
            watch::lab_retry,
            watch::lab_doctor,
            class::class_status,
            class::class_sweep,
        }
    };
}
