//! The one list of commands (`command_list.rs`) against the UI: `commands.ts` is generated
//! from it (rewritten with `PIPEWRIGHT_UPDATE_BINDINGS=1`, else checked), and `ipc.ts` must
//! call each command. (`build.rs` writes the capabilities from the same list.)

use std::path::{Path, PathBuf};

macro_rules! names {
    ($($module:ident :: $command:ident),* $(,)?) => {
        &[$(stringify!($command)),*]
    };
}

const COMMANDS: &[&str] = app_commands!(names);

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

/// Writes `want` to `path` when updating, else fails when the file differs.
fn fresh(path: &str, want: &str) {
    let file = repo(path);
    if std::env::var_os("PIPEWRIGHT_UPDATE_BINDINGS").is_some() {
        std::fs::write(&file, want).unwrap();
        return;
    }
    let have = std::fs::read_to_string(&file).unwrap_or_default();
    assert!(
        have == want,
        "{path} is stale: run `PIPEWRIGHT_UPDATE_BINDINGS=1 cargo test -p pipewright-app` and commit it"
    );
}

#[test]
fn the_ui_knows_the_commands() {
    let list: Vec<String> = COMMANDS.iter().map(|c| format!("  \"{c}\",")).collect();
    let text = format!(
        "// Generated from src-tauri/src/command_list.rs by \
         `PIPEWRIGHT_UPDATE_BINDINGS=1 cargo test -p pipewright-app`.\n\
         // Do not edit by hand.\n\n\
         /** Every command the app registers, in the order the list declares them. */\n\
         export const COMMANDS = [\n{}\n] as const;\n\n\
         /** The name of a command `ipc.ts` may call. */\n\
         export type Command = (typeof COMMANDS)[number];\n",
        list.join("\n")
    );
    fresh("ui/src/lib/commands.ts", &text);
}

#[test]
fn ipc_calls_every_command_and_no_other() {
    let ipc = std::fs::read_to_string(repo("ui/src/lib/ipc.ts")).unwrap();
    let mut called: Vec<&str> = ipc
        .match_indices("call")
        .filter_map(|(i, _)| quoted_argument(&ipc[i + "call".len()..]))
        .collect();
    called.sort_unstable();
    called.dedup();
    let mut listed = COMMANDS.to_vec();
    listed.sort_unstable();
    assert_eq!(
        called, listed,
        "ui/src/lib/ipc.ts must call each command of src/command_list.rs"
    );
}

/// The string literal `call<T>("name"` or `call("name"` starts with, if it does.
fn quoted_argument(rest: &str) -> Option<&str> {
    let mut rest = rest;
    if rest.starts_with('<') {
        let mut depth = 0;
        let end = rest.char_indices().find_map(|(i, c)| {
            depth += match c {
                '<' => 1,
                '>' => -1,
                _ => 0,
            };
            (depth == 0).then_some(i)
        })?;
        rest = &rest[end + 1..];
    }
    let name = rest.strip_prefix("(\"")?;
    name.find('"').map(|j| &name[..j])
}
