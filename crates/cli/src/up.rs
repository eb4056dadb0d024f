//! `pipewright plan | up | status`: show what a spec will create, create it, and compare the
//! ledger with what AWS has.
//!
//! `up` checks the spec before any AWS call (problems: printed, exit 2), asks before creating
//! unless `--yes`, and prints one line per resource state change (`--json`: one JSON object
//! per line, the same `ProgressEvent` the app receives). Exit 0 only when every resource
//! exists; Ctrl-C stops between AWS calls (exit 130) and a rerun carries on.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;
use pipewright_core::Error;
use pipewright_core::apply::{self, ApplyOptions};
use pipewright_core::ledger::Ledger;
use pipewright_core::plan::Plan;
use pipewright_core::progress::Progress;
use pipewright_core::spec::{ClassFile, LabSpec, Lang};

use crate::account::AccountArgs;
use crate::output;

#[derive(Args)]
pub struct PlanArgs {
    /// The lab spec (TOML).
    #[arg(long)]
    spec: PathBuf,
}

#[derive(Args)]
pub struct UpArgs {
    /// The lab spec (TOML).
    #[arg(long)]
    spec: PathBuf,
    /// The instructor's class file: a spec that breaks its rules is refused before any AWS call.
    #[arg(long)]
    class: Option<PathBuf>,
    /// Create without asking.
    #[arg(long)]
    yes: bool,
    /// Print progress as JSON lines (one ProgressEvent per line).
    #[arg(long)]
    json: bool,
    /// AWS calls in flight at once (1–16; AWS throttles beyond that anyway).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=16))]
    concurrency: u16,
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

fn read_spec(path: &PathBuf) -> Result<LabSpec, Error> {
    let text =
        std::fs::read_to_string(path).map_err(|e| Error::Internal(format!("cannot read {}: {e}", path.display())))?;
    LabSpec::from_toml(&text)
}

/// Prints the spec's problems (with the class's, when there is one); true if there were any.
fn print_problems(spec: &LabSpec, class: Option<&ClassFile>) -> bool {
    let problems = crate::spec::problems_of(spec, class);
    output::problems(&mut std::io::stdout(), &problems, Lang::En);
    !problems.is_empty()
}

pub fn plan(args: PlanArgs) -> Result<ExitCode, Error> {
    let spec = read_spec(&args.spec)?;
    if print_problems(&spec, None) {
        return Ok(ExitCode::from(output::REFUSED));
    }
    // Offline: the account id and the VPC stay placeholders until `up` asks AWS.
    print!("{}", Plan::preview(&spec, None).describe(Some(&spec)));
    Ok(ExitCode::SUCCESS)
}

pub async fn up(args: UpArgs) -> Result<ExitCode, Error> {
    let spec = read_spec(&args.spec)?;
    let class = args.class.as_ref().map(crate::spec::read_class).transpose()?;
    if print_problems(&spec, class.as_ref()) {
        return Ok(ExitCode::from(output::REFUSED));
    }
    if !args.yes {
        eprint!("{}", Plan::preview(&spec, None).describe(Some(&spec)));
        if !output::confirm("Create these resources?", "create these resources")? {
            return Ok(ExitCode::FAILURE);
        }
    }
    let aws = args.account.context(Some(&spec.region)).await?;
    let ledger = Arc::new(Ledger::open_default()?);
    let cancel = output::cancel_on_ctrl_c(output::STOPPING);
    let json = args.json;
    let progress = Progress::new(move |e| output::event(&e, json));
    let mut options = ApplyOptions::for_context(&aws);
    options.concurrency = usize::from(args.concurrency);
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
            Ok(ExitCode::from(output::CANCELLED))
        }
        Err(e) => Err(e),
    }
}

pub async fn status(args: StatusArgs) -> Result<ExitCode, Error> {
    let ledger = Arc::new(Ledger::open_default()?);
    let aws = args.account.context(Some(&ledger.region_of(&args.lab)?)).await?;
    let status = apply::status(&aws, ledger.clone(), &args.lab).await?;
    let expiry = pipewright_core::expiry::read(&aws, ledger.clone(), &args.lab).await?;
    let meter = pipewright_core::meter::meter(&ledger, &args.lab, pipewright_core::meter::now_ms())?;
    if args.json {
        let mut out = serde_json::to_value(&status).map_err(|e| Error::Internal(e.to_string()))?;
        out["expiry"] = serde_json::to_value(&expiry).map_err(|e| Error::Internal(e.to_string()))?;
        out["meter"] = serde_json::to_value(&meter).map_err(|e| Error::Internal(e.to_string()))?;
        println!(
            "{}",
            serde_json::to_string_pretty(&out).map_err(|e| Error::Internal(e.to_string()))?
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
    if !args.json {
        if let Some(url) = &status.url {
            println!("app: {url}");
        }
        println!("{}", crate::expiry::describe(&expiry));
        println!(
            "cost so far: ${:.2} ({:.1} h at ${:.3}/h, the estimate's rates)",
            meter.usd, meter.hours, meter.usd_per_hour
        );
        if let (true, Some(limit)) = (meter.limit_passed, meter.limit_hours) {
            println!("class limit: past the class's {limit} h limit; `pipewright down` removes the lab");
        }
    }
    Ok(if status.complete() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
