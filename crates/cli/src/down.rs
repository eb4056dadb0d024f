//! `pipewright down | sweep`: remove a lab, or everything carrying one Pipewright tag.
//!
//! Both print what they will delete and ask first unless `--yes` (`--dry-run` only lists, and
//! makes no delete call). Progress is one line per resource state change (`--json`: one
//! `ProgressEvent` per line, then the `TeardownReport` as the last line). The end is the
//! inventory: exit 0 only when nothing is left and nothing failed.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;
use pipewright_core::ledger::Ledger;
use pipewright_core::progress::{Cancel, Progress};
use pipewright_core::teardown::sweep::{self, TagRule};
use pipewright_core::teardown::{self, TeardownOptions, TeardownReport};
use pipewright_core::{AwsContext, Error, identity};

use crate::account::AccountArgs;
use crate::output;

#[derive(Args)]
pub struct DownArgs {
    /// The lab's name (as in its spec).
    #[arg(long)]
    lab: String,
    /// Delete without asking.
    #[arg(long)]
    yes: bool,
    /// Only list what would be deleted, in order.
    #[arg(long)]
    dry_run: bool,
    /// Print progress as JSON lines, then the report.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    account: AccountArgs,
}

#[derive(Args)]
pub struct SweepArgs {
    /// The Pipewright tag to sweep: `pipewright:lab=NAME`, or `pipewright:lab=*` for every lab.
    #[arg(long)]
    tag: String,
    /// The region to sweep (default: the profile's or AWS_REGION).
    #[arg(long)]
    region: Option<String>,
    /// Delete without asking.
    #[arg(long)]
    yes: bool,
    /// Only list what would be deleted, in order.
    #[arg(long)]
    dry_run: bool,
    /// Print progress as JSON lines, then the report.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    account: AccountArgs,
}

pub(crate) fn print_report(r: &TeardownReport, json: bool) -> Result<(), Error> {
    if json {
        println!(
            "{}",
            serde_json::to_string(r).map_err(|e| Error::Internal(e.to_string()))?
        );
        return Ok(());
    }
    let mut out = std::io::stdout().lock();
    if r.dry_run {
        let _ = writeln!(out, "\nWould delete, in this order ({}):", r.would_delete.len());
        for (i, d) in r.would_delete.iter().enumerate() {
            let _ = writeln!(out, "{:>3}. {:<17} {}", i + 1, d.kind, d.name);
        }
    } else {
        let _ = writeln!(out, "\nDeleted {} resource(s).", r.deleted.len());
    }
    for s in &r.skipped {
        let _ = writeln!(out, "left alone: {} {} — {}", s.kind, s.name, s.reason);
    }
    for f in &r.failed {
        let _ = writeln!(
            out,
            "FAILED: {} {} [{}] {}\n  what to do: {}",
            f.kind, f.name, f.code, f.message, f.hint
        );
    }
    if !r.dry_run {
        if r.leftovers.is_empty() {
            let _ = writeln!(out, "Inventory of {}: nothing is left.", r.lab);
        } else {
            let _ = writeln!(out, "Inventory of {}: {} left:", r.lab, r.leftovers.len());
            for l in &r.leftovers {
                let _ = writeln!(
                    out,
                    "  {} {} ({}) — {}",
                    l.kind,
                    l.name,
                    l.id.as_deref().unwrap_or("-"),
                    l.reason
                );
            }
        }
    }
    Ok(())
}

fn exit_for(report: &TeardownReport) -> ExitCode {
    if report.dry_run || report.is_clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Runs `op` as a dry run first (unless `--yes`), asks, then for real.
async fn run<F, Fut>(yes: bool, dry_run: bool, json: bool, aws: &AwsContext, op: F) -> Result<ExitCode, Error>
where
    F: Fn(TeardownOptions, Progress, Cancel) -> Fut,
    Fut: std::future::Future<Output = Result<TeardownReport, Error>>,
{
    let mut options = TeardownOptions::for_context(aws);
    if dry_run || !yes {
        options.dry_run = true;
        let listing = op(options.clone(), Progress::none(), Cancel::never()).await?;
        print_report(&listing, json)?;
        if dry_run {
            return Ok(ExitCode::SUCCESS);
        }
        if listing.would_delete.is_empty() && listing.skipped.is_empty() {
            eprintln!("Nothing to delete.");
        }
        // Say where, so an instructor's shell pointed at the wrong account or region is seen
        // before anything is deleted.
        let me = identity::whoami(aws).await?;
        let question = format!(
            "Delete these resources in AWS account {}, region {}?",
            me.account,
            aws.region()
        );
        if !output::confirm(&question, "delete these resources")? {
            return Ok(ExitCode::FAILURE);
        }
        options.dry_run = false;
    }
    let progress = Progress::new(move |e| output::event(&e, json));
    match op(options, progress, output::cancel_on_ctrl_c(output::STOPPING)).await {
        Ok(report) => {
            print_report(&report, json)?;
            Ok(exit_for(&report))
        }
        Err(Error::Cancelled) => {
            eprintln!("Cancelled. Run the same command again to carry on.");
            Ok(ExitCode::from(output::CANCELLED))
        }
        Err(e) => Err(e),
    }
}

pub async fn down(args: DownArgs) -> Result<ExitCode, Error> {
    let ledger = Arc::new(Ledger::open_default()?);
    let aws = args.account.context(Some(&ledger.region_of(&args.lab)?)).await?;
    let lab = args.lab.clone();
    run(args.yes, args.dry_run, args.json, &aws, |options, progress, cancel| {
        teardown::teardown(&aws, ledger.clone(), &lab, options, progress, cancel)
    })
    .await
}

pub async fn sweep(args: SweepArgs) -> Result<ExitCode, Error> {
    let rule = TagRule::parse(&args.tag)?;
    let ledger = Arc::new(Ledger::open_default()?);
    let aws = args.account.context(args.region.as_deref()).await?;
    run(args.yes, args.dry_run, args.json, &aws, |options, progress, cancel| {
        sweep::sweep(&aws, ledger.clone(), &rule, options, progress, cancel)
    })
    .await
}
