//! Pipewright's desktop shell. Commands are one-liners into `pipewright-core`; this crate only
//! owns windows, app state and the IPC registration (from the one list in `command_list.rs`).

mod class;
#[macro_use]
mod command_list;
mod commands;
mod labs;
mod watch;

use pipewright_core::practice::Sandbox;

macro_rules! handler {
    ($($module:ident :: $command:ident),* $(,)?) => {
        tauri::generate_handler![$($module::$command),*]
    };
}

pub fn run() {
    tauri::Builder::default()
        .plugin(tauri_plugin_notification::init())
        .manage(Sandbox::from_env())
        .manage(labs::Labs::default())
        .invoke_handler(app_commands!(handler))
        .run(tauri::generate_context!())
        .expect("error while running Pipewright");
}

#[cfg(test)]
mod tests;
