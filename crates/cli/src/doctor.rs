//! `pipewright doctor --lab NAME [--json] [--lang ko]`: after something failed, read the lab's
//! state from AWS and say what is wrong and what to do. Exit 0 when nothing is an error, 1
//! when a finding is, 2 for a bad flag or a lab the ledger does not know.

use std::process::ExitCode;

use clap::Args;
use pipewright_core::doctor;
use pipewright_core::github::GitHub;
use pipewright_core::ledger::Ledger;
use pipewright_core::preflight::Severity;
use pipewright_core::spec::Lang;
use pipewright_core::{CredentialStore, Error};

use crate::account::AccountArgs;
use crate::preflight::{endpoints, parse_lang, print_findings};

#[derive(Args)]
pub struct DoctorArgs {
    /// The lab's name.
    #[arg(long)]
    lab: String,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// Language of the findings: en or ko.
    #[arg(long, default_value = "en")]
    lang: String,
    #[command(flatten)]
    account: AccountArgs,
}

pub async fn doctor(args: DoctorArgs) -> Result<ExitCode, Error> {
    let lang = parse_lang(&args.lang)?;
    let ledger = Ledger::open_default()?;
    let spec = ledger.spec_of(&args.lab)?;
    let aws = args.account.context(Some(&ledger.region_of(&args.lab)?)).await?;
    // The repository is best effort: without it only the pushes that started no run go unchecked.
    let github = endpoints().await.ok().map(|e| {
        let token = CredentialStore::open()
            .ok()
            .and_then(|s| s.github_token().ok().flatten());
        GitHub::new(e, token)
    });
    let report = doctor::run(&aws, &spec, github.as_ref()).await?;
    if args.json {
        let json = serde_json::to_string_pretty(&report).map_err(|e| Error::Internal(e.to_string()))?;
        println!("{json}");
    } else {
        let run = report.execution_id.as_deref().unwrap_or("-");
        match lang {
            Lang::Ko => println!("{} 실습 ({}), 최근 실행: {run}", report.lab, report.region),
            Lang::En => println!("lab {} ({}), newest run: {run}", report.lab, report.region),
        }
        print_findings(&report.findings, lang);
    }
    let failing = report.findings.iter().any(|f| f.severity == Severity::Error);
    Ok(if failing { ExitCode::from(1) } else { ExitCode::SUCCESS })
}
