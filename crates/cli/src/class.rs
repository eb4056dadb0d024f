//! `pipewright class status | sweep`: the instructor's view of one class's labs across the
//! students' accounts (one `--profile` per account), found through AWS alone.

use std::io::Write;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use pipewright_core::api::CredentialSource;
use pipewright_core::class::status::{ClassLabState, ClassStatus};
use pipewright_core::class::sweep::ClassSweep;
use pipewright_core::class::{self, Place};
use pipewright_core::progress::{Cancel, Progress};
use pipewright_core::teardown::TeardownOptions;
use pipewright_core::{Error, regions};

use crate::down::print_report;
use crate::output;

#[derive(Args)]
pub struct ClassArgs {
    #[command(subcommand)]
    command: ClassCommand,
}

#[derive(Subcommand)]
enum ClassCommand {
    /// Every lab of the class: owner, account, region, age, state, expiry and cost so far.
    Status(StatusArgs),
    /// Tear down every lab of the class, account by account, as `down` would.
    Sweep(SweepArgs),
}

#[derive(Args)]
struct Where {
    /// The class: `pipewright:class=NAME`.
    #[arg(long)]
    tag: String,
    /// An AWS profile to look in (repeat for one per student account). Without it: the
    /// standard chain (AWS_PROFILE, the AWS_* keys...).
    #[arg(long)]
    profile: Vec<String>,
    /// A region to look in (repeatable). Without it: each profile's own region only.
    #[arg(long)]
    region: Vec<String>,
}

impl Where {
    /// The class name and the places, refused before any AWS call when malformed.
    fn parse(&self) -> Result<(String, Vec<Place>), Error> {
        let class = class::parse_class_tag(&self.tag)?;
        if let Some(bad) = self.region.iter().find(|r| !regions::is_known_region(r)) {
            return Err(Error::Invalid {
                field: "region".into(),
                message: format!("{bad:?} is not an AWS region code, e.g. ap-northeast-2 (리전 코드가 아닙니다)"),
            });
        }
        let sources: Vec<Option<CredentialSource>> = self
            .profile
            .iter()
            .map(|p| Some(CredentialSource::Profile { name: p.clone() }))
            .collect();
        Ok((class, Place::all(&sources, &self.region)))
    }
}

#[derive(Args)]
struct StatusArgs {
    #[command(flatten)]
    at: Where,
    /// Print JSON (a `ClassStatus`).
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct SweepArgs {
    #[command(flatten)]
    at: Where,
    /// Delete without asking.
    #[arg(long)]
    yes: bool,
    /// Only list what would be deleted.
    #[arg(long)]
    dry_run: bool,
    /// Print progress as JSON lines, then one `ClassSweep` per account as the last line.
    #[arg(long)]
    json: bool,
}

pub async fn run(args: ClassArgs) -> Result<ExitCode, Error> {
    match args.command {
        ClassCommand::Status(a) => status(a).await,
        ClassCommand::Sweep(a) => sweep(a).await,
    }
}

fn money(usd: f64) -> String {
    format!("${usd:.2}")
}

fn hours(h: f64) -> String {
    if h.abs() < 1.0 {
        format!("{:.0}m", h * 60.0)
    } else {
        format!("{h:.1}h")
    }
}

fn print_status(s: &ClassStatus) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "Class {}: {} lab(s)\n", s.class, s.labs.len());
    let _ = writeln!(
        out,
        "{:<16} {:<44} {:<13} {:<15} {:>6}  {:<8} {:<28} {:>8}",
        "LAB", "OWNER", "ACCOUNT", "REGION", "AGE", "STATE", "EXPIRES (LEFT)", "COST"
    );
    for l in &s.labs {
        let state = match l.state {
            ClassLabState::Running => "running",
            ClassLabState::Expired => "expired",
            ClassLabState::Partial => "partial",
        };
        let expires = match (&l.expires_at, l.hours_left) {
            (Some(at), Some(left)) => format!("{at} ({})", hours(left)),
            _ => "-".into(),
        };
        let _ = writeln!(
            out,
            "{:<16} {:<44} {:<13} {:<15} {:>6}  {:<8} {:<28} {:>8}",
            l.lab,
            l.owner.as_deref().unwrap_or("?"),
            l.account,
            l.region,
            l.age_hours.map(hours).unwrap_or_else(|| "?".into()),
            state,
            expires,
            money(l.usd)
        );
    }
    let t = &s.totals;
    let _ = writeln!(
        out,
        "\nTotal: {} lab(s), {} running at {}/h; {} so far (at the estimate's rates)",
        t.labs,
        t.running,
        money(t.usd_per_hour),
        money(t.usd)
    );
    for p in &s.places {
        let region = p.region.as_deref().unwrap_or("its region");
        match (&p.account, &p.error) {
            (_, Some(e)) => {
                let _ = writeln!(out, "{} ({region}): could not look: {e}", p.place);
            }
            (Some(a), None) => {
                let _ = writeln!(out, "{} ({region}): account {a}, {} lab(s)", p.place, p.labs);
            }
            (None, None) => {}
        }
    }
}

async fn status(args: StatusArgs) -> Result<ExitCode, Error> {
    let (class, places) = args.at.parse()?;
    let s = class::status::status(&class, &places, None).await;
    if args.json {
        println!(
            "{}",
            serde_json::to_string(&s).map_err(|e| Error::Internal(e.to_string()))?
        );
    } else {
        print_status(&s);
    }
    // A place that could not be asked is a failure: its labs may be billing unseen.
    Ok(if s.places.iter().any(|p| p.error.is_some()) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn print_sweep(s: &ClassSweep, json: bool) -> Result<(), Error> {
    if !json {
        for r in &s.labs {
            print_report(r, false)?;
        }
        let verb = if s.dry_run { "would remove" } else { "removed" };
        let count = if s.dry_run {
            s.labs.iter().map(|r| r.would_delete.len()).sum()
        } else {
            s.removed()
        };
        println!(
            "\nAccount {} ({}, {}): {verb} {count} resource(s) of {} lab(s).",
            s.account,
            s.place,
            s.region,
            s.labs.len()
        );
    }
    Ok(())
}

async fn sweep(args: SweepArgs) -> Result<ExitCode, Error> {
    let (class, places) = args.at.parse()?;
    let json = args.json;
    let mut done: Vec<ClassSweep> = Vec::new();
    let mut failed = false;
    for place in &places {
        let label = place.label();
        let aws = match place.context(None).await {
            Ok(aws) => aws,
            Err(e) => {
                eprintln!("{label}: could not sweep: {e}");
                failed = true;
                continue;
            }
        };
        let mut options = TeardownOptions::for_context(&aws);
        if args.dry_run || !args.yes {
            options.dry_run = true;
            let listing =
                match class::sweep::sweep(&aws, &label, &class, options.clone(), Progress::none(), Cancel::never())
                    .await
                {
                    Ok(l) => l,
                    Err(e) => {
                        eprintln!("{label}: could not sweep: {e}");
                        failed = true;
                        continue;
                    }
                };
            print_sweep(&listing, json)?;
            if args.dry_run {
                done.push(listing);
                continue;
            }
            if listing.labs.is_empty() {
                continue;
            }
            // The account and region, so a profile pointing somewhere unexpected is seen
            // before anything is deleted.
            let question = format!(
                "Delete these resources in AWS account {}, region {}?",
                listing.account, listing.region
            );
            if !output::confirm(&question, "delete these resources")? {
                failed = true;
                continue;
            }
            options.dry_run = false;
        }
        let progress = Progress::new(move |e| output::event(&e, json));
        let cancel = output::cancel_on_ctrl_c(output::STOPPING);
        match class::sweep::sweep(&aws, &label, &class, options, progress, cancel).await {
            Ok(s) => {
                print_sweep(&s, json)?;
                failed |= !s.is_clean();
                done.push(s);
            }
            Err(Error::Cancelled) => {
                eprintln!("Cancelled. Run the same command again to carry on.");
                return Ok(ExitCode::from(output::CANCELLED));
            }
            Err(e) => {
                eprintln!("{label}: the sweep stopped: {e}");
                failed = true;
            }
        }
    }
    if json {
        println!(
            "{}",
            serde_json::to_string(&done).map_err(|e| Error::Internal(e.to_string()))?
        );
    }
    Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}
