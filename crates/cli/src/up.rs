//! `pipewright plan | up | status`: show what a spec will create, create it, and compare the
//! ledger with what AWS has.
//!
//! `up` checks the spec before any AWS call (problems: printed, exit 2), asks before creating
//! unless `--yes`, and prints one line per resource state change (`--json`: one JSON object
//! per line, the same `ProgressEvent` the app receives). Exit 0 only when every resource
//! exists; Ctrl-C stops between AWS calls (exit 130) and a rerun carries on.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;
use pipewright_core::api::CredentialSource;
use pipewright_core::apply::{self, ApplyOptions};
use pipewright_core::ledger::Ledger;
use pipewright_core::plan::{Facts, Plan};
use pipewright_core::progress::{Cancel, NodeState, Progress, ProgressEvent};
use pipewright_core::spec::LabSpec;
use pipewright_core::{AwsContext, AwsSettings, CredentialStore, Error, credentials};

#[derive(Args)]
pub struct PlanArgs {
    /// The lab spec (TOML).
    #[arg(long)]
    spec: PathBuf,
}

/// Where the AWS calls go: saved keys, a profile, or the standard chain (which honours
/// AWS_PROFILE, AWS_ENDPOINT_URL and the AWS_* keys). The region is always the spec's.
#[derive(Args)]
pub struct AccountArgs {
    /// Keys saved with `pipewright login --name`.
    #[arg(long, conflicts_with = "profile")]
    name: Option<String>,
    /// An AWS profile from ~/.aws/config.
    #[arg(long)]
    profile: Option<String>,
}

#[derive(Args)]
pub struct UpArgs {
    /// The lab spec (TOML).
    #[arg(long)]
    spec: PathBuf,
    /// Create without asking.
    #[arg(long)]
    yes: bool,
    /// Print progress as JSON lines (one ProgressEvent per line).
    #[arg(long)]
    json: bool,
    /// AWS calls in flight at once.
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    #[command(flatten)]
    account: AccountArgs,
}

#[derive(Args)]
pub struct StatusArgs {
    /// The lab's name.
    #[arg(long)]
    lab: String,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    account: AccountArgs,
}

/// Prints an error the way `main` does, for the commands that choose their own exit code.
pub fn finish(result: Result<ExitCode, Error>) -> ExitCode {
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error[{}]: {e}", e.code().as_str());
            if let Some(hint) = e.hint() {
                eprintln!("hint: {hint}");
            }
            ExitCode::FAILURE
        }
    }
}

fn read_spec(path: &PathBuf) -> Result<LabSpec, Error> {
    let text =
        std::fs::read_to_string(path).map_err(|e| Error::Internal(format!("cannot read {}: {e}", path.display())))?;
    LabSpec::from_toml(&text)
}

/// Prints the spec's problems; true if there were any.
fn print_problems(spec: &LabSpec) -> bool {
    let problems = spec.validate();
    for p in &problems {
        println!("{}: {}", p.field, p.en);
    }
    !problems.is_empty()
}

pub fn plan(args: PlanArgs) -> Result<ExitCode, Error> {
    let spec = read_spec(&args.spec)?;
    if print_problems(&spec) {
        return Ok(ExitCode::from(2));
    }
    // Offline: the account id and the VPC stay placeholders until `up` asks AWS.
    let plan = Plan::new(&spec, Facts::placeholder(&spec.region));
    print!("{}", plan.describe(Some(&spec)));
    Ok(ExitCode::SUCCESS)
}

pub async fn context(account: &AccountArgs, region: &str) -> Result<AwsContext, Error> {
    let mut settings = if let Some(name) = &account.name {
        CredentialStore::open()?.settings_for_set(name)?
    } else if let Some(profile) = &account.profile {
        credentials::settings_for(&CredentialSource::Profile { name: profile.clone() }, None).await?
    } else {
        AwsSettings::default()
    };
    settings.region = Some(region.to_owned());
    AwsContext::load(&settings).await
}

fn confirm(plan: &Plan, spec: &LabSpec) -> Result<bool, Error> {
    eprint!("{}", plan.describe(Some(spec)));
    if !std::io::stdin().is_terminal() {
        eprintln!("Not a terminal: pass --yes to create these resources.");
        return Ok(false);
    }
    eprint!("Create these resources? [y/N] ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Error::Internal(e.to_string()))?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes"))
}

fn print_event(e: &ProgressEvent, json: bool) {
    let mut out = std::io::stdout().lock();
    if json {
        let _ = writeln!(out, "{}", serde_json::to_string(e).unwrap_or_default());
    } else {
        let state = format!("{:?}", e.state).to_lowercase();
        let msg = e.message.as_deref().unwrap_or("");
        let secs = f64::from(e.elapsed_ms) / 1000.0;
        let _ = writeln!(
            out,
            "[{secs:>6.1}s] {:<8} {:<17} {:<40} {state:<8} {msg}",
            e.step, e.kind, e.name
        );
        if e.state == NodeState::Waiting
            && let Some(url) = e.detail.as_ref().and_then(|d| d.url.as_deref())
        {
            let _ = writeln!(out, "           open {url} and complete the GitHub connection");
        }
        if e.state == NodeState::Waiting
            && let Some(typical) = e.detail.as_ref().and_then(|d| d.typical_secs)
        {
            let here = e.detail.as_ref().and_then(|d| d.expected_secs).unwrap_or(typical);
            let pace = if here < typical {
                format!(" (about {here} s here)")
            } else {
                String::new()
            };
            let _ = writeln!(out, "           usually takes about {typical} s on AWS{pace}");
        }
    }
    let _ = out.flush();
}

pub async fn up(args: UpArgs) -> Result<ExitCode, Error> {
    let spec = read_spec(&args.spec)?;
    if print_problems(&spec) {
        return Ok(ExitCode::from(2));
    }
    if !args.yes && !confirm(&Plan::new(&spec, Facts::placeholder(&spec.region)), &spec)? {
        return Ok(ExitCode::FAILURE);
    }
    let aws = context(&args.account, &spec.region).await?;
    let ledger = Arc::new(Ledger::open_default()?);
    let (handle, cancel) = Cancel::new();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("Stopping after the calls in flight...");
            handle.cancel();
        }
    });
    let json = args.json;
    let progress = Progress::new(move |e| print_event(&e, json));
    let mut options = ApplyOptions::for_context(&aws);
    options.concurrency = args.concurrency.max(1);
    match apply::apply(&aws, ledger, &spec, options, progress, cancel).await {
        Ok(report) => {
            eprintln!(
                "Lab {} is up: {} resources, and the pipeline's first run has deployed the app.",
                report.lab,
                report.resources.len()
            );
            if let Some(url) = report.url {
                eprintln!("The app answers at {url}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(Error::Cancelled) => {
            eprintln!("Cancelled. Run the same command again to carry on.");
            Ok(ExitCode::from(130))
        }
        Err(e) => Err(e),
    }
}

pub async fn status(args: StatusArgs) -> Result<ExitCode, Error> {
    let ledger = Arc::new(Ledger::open_default()?);
    let spec = ledger.spec_of(&args.lab)?;
    let aws = context(&args.account, &spec.region).await?;
    let status = apply::status(&aws, ledger, &args.lab).await?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&status).map_err(|e| Error::Internal(e.to_string()))?
        );
    } else {
        for r in &status.resources {
            let ledger_state = r.ledger_state.map(|s| s.as_str()).unwrap_or("-");
            let aws_state = match (r.exists, r.ours) {
                (Some(true), Some(true)) => "exists",
                (Some(true), _) => "exists (NOT ours)",
                (Some(false), _) => "missing",
                (None, _) => "unknown",
            };
            println!(
                "{:<8} {:<17} {:<40} ledger: {ledger_state:<8} aws: {aws_state} {}",
                r.step,
                r.kind,
                r.name,
                r.message.as_deref().unwrap_or("")
            );
        }
    }
    if !args.json
        && let Some(url) = &status.url
    {
        println!("app: {url}");
    }
    Ok(if status.complete() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
