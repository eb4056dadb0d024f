//! The Class screen's commands: the instructor's view of one class's labs across the chosen
//! profiles or saved keys (`pipewright_core::class`), and its sweep.

use pipewright_core::api::CredentialSource;
use pipewright_core::class::status::ClassStatus;
use pipewright_core::class::sweep::ClassSweep;
use pipewright_core::class::{self, Place};
use pipewright_core::practice::Sandbox;
use pipewright_core::progress::{Cancel, Progress};
use pipewright_core::teardown::TeardownOptions;
use pipewright_core::{Error, ErrorPayload};
use tauri::State;

type Reply<T> = Result<T, ErrorPayload>;

/// The places to look in, and the sandbox when one of them is practice mode.
async fn places(
    sandbox: &Sandbox,
    sources: Vec<CredentialSource>,
) -> Result<(Vec<Place>, Option<pipewright_core::aws::SandboxAccess>), Error> {
    if sources.is_empty() {
        return Err(Error::Invalid {
            field: "profiles".into(),
            message: "choose at least one profile or saved key (프로필을 하나 이상 선택하세요)".into(),
        });
    }
    let access = if sources.contains(&CredentialSource::Practice) {
        Some(sandbox.ensure_started().await?)
    } else {
        None
    };
    let sources: Vec<Option<CredentialSource>> = sources.into_iter().map(Some).collect();
    Ok((Place::all(&sources, &[]), access))
}

/// Every lab of the class (`tag` = `pipewright:class=NAME`) in each source's account and region.
#[tauri::command]
pub async fn class_status(
    sandbox: State<'_, Sandbox>,
    tag: String,
    sources: Vec<CredentialSource>,
) -> Reply<ClassStatus> {
    let class = class::parse_class_tag(&tag)?;
    let (places, access) = places(&sandbox, sources).await?;
    Ok(class::status::status(&class, &places, access.as_ref()).await)
}

/// Removes (with `dry_run`, lists) every lab of the class, account by account. A place that
/// fails is left out of the answer and named in its error; the others are still swept.
#[tauri::command]
pub async fn class_sweep(
    sandbox: State<'_, Sandbox>,
    tag: String,
    sources: Vec<CredentialSource>,
    dry_run: bool,
) -> Reply<Vec<ClassSweep>> {
    let class = class::parse_class_tag(&tag)?;
    let (places, access) = places(&sandbox, sources).await?;
    let mut out = Vec::new();
    for place in places {
        let aws = place.context(access.as_ref()).await?;
        let mut options = TeardownOptions::for_context(&aws);
        options.dry_run = dry_run;
        out.push(class::sweep::sweep(&aws, &place.label(), &class, options, Progress::none(), Cancel::never()).await?);
    }
    Ok(out)
}
