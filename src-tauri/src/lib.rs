//! Pipewright's desktop shell. Commands are one-liners into `pipewright-core`; this crate only
//! owns windows, app state and the IPC registration.

mod commands;
mod labs;
mod watch;

use commands::Practice;

pub fn run() {
    tauri::Builder::default()
        .plugin(tauri_plugin_notification::init())
        .manage(Practice::from_env())
        .manage(labs::Labs::default())
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::whoami,
            commands::sandbox_status,
            commands::sandbox_start,
            commands::sandbox_pace,
            commands::credentials_list,
            commands::credentials_save,
            commands::credentials_delete,
            commands::profiles_list,
            commands::regions,
            commands::spec_default,
            commands::spec_validate,
            commands::spec_names,
            commands::spec_cost,
            commands::fargate_sizes,
            commands::spec_buildspec,
            commands::practice_push,
            commands::notify,
            labs::lab_apply,
            labs::lab_teardown,
            labs::lab_cancel,
            labs::lab_current,
            labs::lab_status,
            labs::lab_summaries,
            labs::open_url,
            watch::lab_watch,
            watch::lab_run,
            watch::lab_stop,
            watch::lab_retry,
        ])
        .run(tauri::generate_context!())
        .expect("error while running Pipewright");
}
