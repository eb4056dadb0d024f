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

/// The window may call exactly the listed commands and the core event plugin's defaults;
/// anything wider (another plugin's permission, a second capability, a remote URL) fails.
#[test]
fn capabilities_grant_exactly_the_listed_commands() {
    let dir = repo("src-tauri/capabilities");
    let files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(files, ["default.json"], "one capability file only");
    let cap: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("default.json")).unwrap()).unwrap();
    let mut want = vec!["core:event:default".to_owned()];
    want.extend(COMMANDS.iter().map(|c| format!("allow-{}", c.replace('_', "-"))));
    let have: Vec<String> = cap["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            p.as_str()
                .expect("plain permission names, no scoped objects")
                .to_owned()
        })
        .collect();
    assert_eq!(have, want);
    assert_eq!(cap["windows"], serde_json::json!(["main"]));
    let mut keys: Vec<&String> = cap.as_object().unwrap().keys().collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["$schema", "description", "identifier", "permissions", "windows"],
        "no remote URLs, webviews or platforms"
    );
}

/// The content security policy, directive by directive, and the other security settings.
#[test]
fn csp_is_exactly_todays() {
    let conf: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo("src-tauri/tauri.conf.json")).unwrap()).unwrap();
    let security = &conf["app"]["security"];
    assert_eq!(
        security["csp"],
        serde_json::json!({
            "default-src": "'self'",
            "script-src": "'self'",
            "style-src": "'self'",
            "img-src": "'self' data:",
            "font-src": "'self'",
            "connect-src": "ipc: http://ipc.localhost",
            "object-src": "'none'",
            "base-uri": "'none'",
            "form-action": "'none'",
            "frame-ancestors": "'none'"
        })
    );
    assert_eq!(security["freezePrototype"], true);
    let mut keys: Vec<&String> = security.as_object().unwrap().keys().collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["csp", "freezePrototype"],
        "no devCsp, no dangerous* switches, no asset protocol"
    );
    assert!(conf["app"].get("withGlobalTauri").is_none(), "no window.__TAURI__");
    let package: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo("src-tauri/tauri.package.conf.json")).unwrap()).unwrap();
    assert!(
        package.get("app").is_none(),
        "the package config must not change app or security settings"
    );
}

/// Tauri refuses a malformed payload before the command runs; `ipc.ts` (`toErrorPayload`)
/// types that refusal as `invalid` on the argument by its wording, pinned here. Every
/// argument type refuses malformed JSON with an error, never a panic or a default.
#[test]
fn malformed_payloads_are_refused_in_the_shape_the_ui_reads() {
    use pipewright_core::api::{CredentialSet, CredentialSource};
    use pipewright_core::spec::{LabSpec, SpecEdit};
    let e = serde_json::from_value::<LabSpec>(serde_json::json!({ "nmae": "x" })).unwrap_err();
    let text = tauri::Error::InvalidArgs("spec_check", "spec", e).to_string();
    assert!(
        text.starts_with("invalid args `spec` for command `spec_check`: "),
        "{text}"
    );
    let bad = [
        serde_json::json!(null),
        serde_json::json!(42),
        serde_json::json!("spec"),
        serde_json::json!({ "deploy": { "container_port": -1 } }),
        serde_json::json!({ "deploy": { "desired_count": 4294967296u64 } }),
        serde_json::json!({ "pipeline": { "trigger": { "kind": "none", "include": ["main"] } } }),
        serde_json::json!({ "pipeline": { "trigger": { "kind": "sometimes" } } }),
        serde_json::json!({ "name": { "$gt": "" } }),
    ];
    for v in &bad {
        assert!(
            serde_json::from_value::<LabSpec>(v.clone()).is_err(),
            "LabSpec from {v}"
        );
        assert!(
            serde_json::from_value::<SpecEdit>(v.clone()).is_err(),
            "SpecEdit from {v}"
        );
        assert!(
            serde_json::from_value::<CredentialSource>(v.clone()).is_err(),
            "source from {v}"
        );
        assert!(
            serde_json::from_value::<CredentialSet>(v.clone()).is_err(),
            "set from {v}"
        );
    }
    assert!(serde_json::from_value::<CredentialSource>(serde_json::json!({ "kind": "profile" })).is_err());
    assert!(
        serde_json::from_value::<u32>(serde_json::json!(-1)).is_err(),
        "sandbox_pace's speedup"
    );
}
