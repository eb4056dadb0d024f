//! The app's own commands: who the student is, practice mode, saved keys, the spec's derived
//! facts, opening pages. Each is a one-liner into core; errors cross IPC as `ErrorPayload`.

use pipewright_core::api::{
    AppInfo, CredentialSet, CredentialSource, CredentialSummary, Identity, ProfileSummary, SandboxStatus,
};
use pipewright_core::credentials::{CredentialStore, profiles};
use pipewright_core::github::{Endpoints, GitHub};
use pipewright_core::plan::{Plan, PlanView};
use pipewright_core::practice::{FileChanges, Sandbox, StartedRun};
use pipewright_core::preflight::PreflightReport;
use pipewright_core::spec::{ClassFile, LabSpec, SpecCheck, SpecEdit, TaskSize};
use pipewright_core::{ErrorPayload, buildspec, identity, links, preflight};
use tauri::State;

use crate::labs::Labs;

type Reply<T> = Result<T, ErrorPayload>;

#[tauri::command]
pub fn app_info() -> AppInfo {
    AppInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        locale: sys_locale::get_locale(),
    }
}

#[tauri::command]
pub async fn sandbox_status(sandbox: State<'_, Sandbox>) -> Reply<SandboxStatus> {
    Ok(sandbox.status().await)
}

#[tauri::command]
pub async fn sandbox_start(sandbox: State<'_, Sandbox>) -> Reply<SandboxStatus> {
    sandbox.ensure_started().await?;
    Ok(sandbox.status().await)
}

/// Practice mode's pace: AWS's own (1) or ten times faster (10). Starts the sandbox if needed.
#[tauri::command]
pub async fn sandbox_pace(sandbox: State<'_, Sandbox>, speedup: u32) -> Reply<SandboxStatus> {
    Ok(sandbox.set_pace(speedup).await?)
}

#[tauri::command]
pub async fn whoami(sandbox: State<'_, Sandbox>, source: CredentialSource) -> Reply<Identity> {
    Ok(identity::whoami(&sandbox.context(&source, None).await?).await?)
}

/// Runs `work` on the blocking pool, off the window's thread: a synchronous Tauri command
/// runs on the main thread, where a slow keyring (a D-Bus prompt), SQLite or a large spec
/// would freeze the window.
pub async fn off_ui<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, ErrorPayload> {
    tauri::async_runtime::spawn_blocking(work)
        .await
        .map_err(|e| pipewright_core::Error::Internal(format!("background work failed: {e}")).into())
}

#[tauri::command]
pub async fn credentials_list() -> Reply<Vec<CredentialSummary>> {
    Ok(off_ui(|| CredentialStore::open()?.list()).await??)
}

#[tauri::command]
pub async fn credentials_save(set: CredentialSet) -> Reply<CredentialSummary> {
    Ok(off_ui(move || CredentialStore::open()?.save(&set)).await??)
}

#[tauri::command]
pub async fn credentials_delete(name: String) -> Reply<()> {
    Ok(off_ui(move || CredentialStore::open()?.delete(&name)).await??)
}

#[tauri::command]
pub async fn profiles_list() -> Reply<Vec<ProfileSummary>> {
    Ok(profiles::list_profiles().await?)
}

#[tauri::command]
pub async fn spec_default(name: String, repository: String) -> Reply<LabSpec> {
    off_ui(move || LabSpec::new(&name, &repository)).await
}

/// The spec's problems, names and cost, in one answer; with the class the lab belongs to, also
/// every way it breaks the class's rules, on their fields. Off the window's thread: the
/// webview may send any spec, however long its lists or patterns.
#[tauri::command]
pub async fn spec_check(spec: LabSpec, class: Option<ClassFile>) -> Reply<SpecCheck> {
    off_ui(move || {
        let mut check = spec.check();
        if let Some(class) = class {
            check.errors.extend(class.check(&spec));
        }
        check
    })
    .await
}

/// An instructor's class file (its text: the webview reads the file the student picked),
/// checked, and the spec the student's lab `name` starts from in that class.
#[tauri::command]
pub async fn class_open(text: String, name: String) -> Reply<(ClassFile, LabSpec)> {
    Ok(off_ui(move || {
        let class = ClassFile::from_toml(&text)?;
        let spec = class.spec_for(&name);
        Ok::<_, pipewright_core::Error>((class, spec))
    })
    .await??)
}

/// The spec after `edit` and what follows from it (a branch trigger follows the branch, the
/// build follows the tasks' architecture).
#[tauri::command]
pub async fn spec_edit(mut spec: LabSpec, edit: SpecEdit) -> Reply<LabSpec> {
    off_ui(move || {
        spec.edit(edit);
        spec
    })
    .await
}

/// What the lab will create, in order; `account` names the artifact bucket when known.
#[tauri::command]
pub async fn spec_plan(spec: LabSpec, account: Option<String>) -> Reply<PlanView> {
    off_ui(move || Plan::preview(&spec, account.as_deref()).view(&spec)).await
}

#[tauri::command]
pub fn fargate_sizes() -> Vec<TaskSize> {
    pipewright_core::spec::fargate_sizes()
}

/// The buildspec Pipewright gives the project for this spec: inline on the project, or the
/// `buildspec.yml` the student commits. Neither names an account or a region.
#[tauri::command]
pub async fn spec_buildspec(spec: LabSpec) -> Reply<String> {
    off_ui(move || buildspec::for_spec(&spec)).await
}

/// Practice mode's `git push`: a commit on the lab's repository and branch, which starts the
/// pipeline through its trigger as GitHub would. Only the sandbox has this.
#[tauri::command]
pub async fn practice_push(
    sandbox: State<'_, Sandbox>,
    spec: LabSpec,
    message: String,
    files: Option<FileChanges>,
) -> Reply<Vec<StartedRun>> {
    Ok(sandbox.push(&spec, &message, files.as_ref()).await?)
}

/// Practice mode: a file of the lab's repository at the head of its branch, as the practice
/// GitHub has it (`None`: no such file), for the student to edit and push from Watch.
#[tauri::command]
pub async fn practice_file(sandbox: State<'_, Sandbox>, spec: LabSpec, path: String) -> Reply<Option<String>> {
    let access = sandbox.ensure_started().await?;
    let github = GitHub::new(Endpoints::for_mode(Some(&access.url)).await?, None);
    github
        .file(&spec.source.repository, &spec.source.branch, &path)
        .await
        .map_err(|e| pipewright_core::Error::Internal(e.to_string()).into())
}

/// The preflight: reads the spec's repository (the practice GitHub in practice mode) and says
/// what will go wrong. The GitHub token, if one is saved, reads private repositories.
#[tauri::command]
pub async fn preflight(sandbox: State<'_, Sandbox>, source: CredentialSource, spec: LabSpec) -> Reply<PreflightReport> {
    let sandbox = match source {
        CredentialSource::Practice => Some(sandbox.ensure_started().await?),
        _ => None,
    };
    let endpoints = Endpoints::for_mode(sandbox.as_ref().map(|a| a.url.as_str())).await?;
    // A missing or locked keyring only means no private repositories.
    let token = CredentialStore::open()
        .ok()
        .and_then(|s| s.github_token().ok().flatten());
    Ok(preflight::run(&spec, &GitHub::new(endpoints, token)).await)
}

/// A desktop notification (a run finished). The UI writes the text in the student's language.
#[tauri::command]
pub fn notify(app: tauri::AppHandle, title: String, body: String) -> Reply<()> {
    use tauri_plugin_notification::NotificationExt;
    app.notification()
        .builder()
        .title(title)
        .body(body)
        .show()
        .map_err(|e| pipewright_core::Error::Internal(format!("notification: {e}")).into())
}

/// Opens a page in the student's browser, if `links` allows it: the lab's app only at an
/// address this app reported (`Labs::app_urls`); the sandbox's pages in `lang`.
#[tauri::command]
pub fn open_url(sandbox: State<'_, Sandbox>, labs: State<'_, Labs>, url: String, lang: Option<String>) -> Reply<()> {
    let sandbox_url = sandbox.url();
    let app_urls = labs.app_urls();
    let openable = links::Openable {
        sandbox_url: sandbox_url.as_deref(),
        app_urls: &app_urls,
    };
    links::check(&url, openable)?;
    let url = links::localized(&url, sandbox_url.as_deref(), lang.as_deref());
    tauri_plugin_opener::open_url(&url, None::<&str>)
        .map_err(|e| pipewright_core::Error::Internal(format!("cannot open {url}: {e}")))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLASS: &str = r#"
[class]
name = "ktb-2026-fall"
prefix = "ktb-"
limit_hours = 3

[lab]
region = "ap-northeast-2"
source.repository = "instructor/ktb-sample"

[locked]
region = "The class accounts' quotas were raised in Seoul only."
"#;

    fn run<T>(f: impl std::future::Future<Output = T>) -> T {
        tauri::async_runtime::block_on(f)
    }

    #[test]
    fn a_class_file_opens_into_the_students_spec_and_its_rules_join_the_check() {
        let (class, spec) = run(class_open(CLASS.into(), "ktb-minsu".into())).unwrap();
        assert_eq!(spec.name, "ktb-minsu", "the student's lab name is kept");
        assert_eq!(spec.source.repository, "instructor/ktb-sample");
        assert_eq!(spec.class.name.as_deref(), Some("ktb-2026-fall"));
        assert_eq!(class.lock("region").map(|l| l.value.as_str()), Some("ap-northeast-2"));
        let check = run(spec_check(spec.clone(), Some(class.clone()))).unwrap();
        assert!(check.errors.is_empty(), "{:?}", check.errors);

        let mut broken = spec;
        broken.name = "minsu".into();
        broken.region = "us-east-1".into();
        let fields = |errors: &[pipewright_core::spec::FieldError]| -> Vec<(String, String)> {
            errors.iter().map(|e| (e.field.clone(), e.code.clone())).collect()
        };
        let with_class = run(spec_check(broken.clone(), Some(class))).unwrap();
        let got = fields(&with_class.errors);
        assert!(got.contains(&("name".into(), "class_prefix".into())), "{got:?}");
        assert!(got.contains(&("region".into(), "class_locked".into())), "{got:?}");
        let prefix = with_class.errors.iter().find(|e| e.code == "class_prefix").unwrap();
        assert_eq!(prefix.suggestion.as_deref(), Some("ktb-minsu"));
        let without = run(spec_check(broken, None)).unwrap();
        assert!(
            without.errors.iter().all(|e| !e.code.starts_with("class_")),
            "a lab of one's own has no class rules: {:?}",
            fields(&without.errors)
        );
    }

    #[test]
    fn a_bad_class_file_is_refused_as_invalid_on_its_key() {
        let e = run(class_open(
            "[class]\nname = \"c\"\nprefix = \"KTB\"\n".into(),
            "ktb".into(),
        ))
        .unwrap_err();
        assert_eq!(e.code, pipewright_core::error::ErrorCode::Invalid);
        assert_eq!(e.field.as_deref(), Some("class.prefix"));
        assert!(e.message.contains("접두사"), "both languages: {}", e.message);
        let e = run(class_open("not toml [".into(), "ktb".into())).unwrap_err();
        assert_eq!(
            (e.code, e.field.as_deref()),
            (pipewright_core::error::ErrorCode::Invalid, Some("class file"))
        );
    }
}
