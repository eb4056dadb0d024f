//! `pipewright preflight --spec FILE [--json] [--lang ko]`: read the spec's GitHub repository
//! and say what will go wrong before anything is created; `pipewright github login|logout`:
//! the optional token for private repositories, kept in the OS keyring like AWS keys.
//!
//! Practice mode (the sandbox's practice GitHub) when `PIPEWRIGHT_GITHUB_URL` is set, or when
//! `PIPEWRIGHT_SANDBOX_URL` names a running sandbox; real GitHub otherwise. Exit 0 when
//! nothing is an error, 1 when a finding is (the lab would fail), 2 for a spec that does not
//! parse.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use pipewright_core::github::{Endpoints, GitHub};
use pipewright_core::preflight::{self, Finding, Severity};
use pipewright_core::spec::{LabSpec, Lang};
use pipewright_core::{CredentialStore, Error, Secret};

#[derive(Args)]
pub struct PreflightArgs {
    /// The lab spec (TOML).
    #[arg(long)]
    spec: PathBuf,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// Language of the findings: en or ko.
    #[arg(long, default_value = "en")]
    lang: String,
}

#[derive(Args)]
pub struct GithubArgs {
    #[command(subcommand)]
    command: GithubCommand,
}

#[derive(Subcommand)]
enum GithubCommand {
    /// Save a GitHub token (read from a prompt or stdin) for the preflight of private repositories.
    Login,
    /// Remove the saved GitHub token.
    Logout,
}

/// `--lang`: en or ko.
pub fn parse_lang(lang: &str) -> Result<Lang, Error> {
    match lang {
        "ko" => Ok(Lang::Ko),
        "en" => Ok(Lang::En),
        other => Err(Error::Invalid {
            field: "lang".into(),
            message: format!("{other:?}: use en or ko"),
        }),
    }
}

/// Findings as text: `severity [code] field: text`, then the evidence and the link.
pub fn print_findings(findings: &[Finding], lang: Lang) {
    for f in findings {
        let severity = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        };
        let text = match lang {
            Lang::Ko => &f.ko,
            Lang::En => &f.en,
        };
        println!("\n{severity} [{}] {}: {text}", f.code, f.field);
        for line in &f.evidence {
            println!("    | {line}");
        }
        if let Some(link) = &f.link {
            println!("    {link}");
        }
    }
}

/// The GitHub the checks read: the practice one or real GitHub.
pub async fn endpoints() -> Result<Endpoints, Error> {
    if let Some(e) = Endpoints::from_env() {
        return Ok(e);
    }
    match std::env::var("PIPEWRIGHT_SANDBOX_URL").ok().filter(|u| !u.is_empty()) {
        Some(url) => Endpoints::from_sandbox(&url).await,
        None => Ok(Endpoints::github()),
    }
}

pub async fn preflight(args: PreflightArgs) -> Result<ExitCode, Error> {
    let lang = parse_lang(&args.lang)?;
    let text = std::fs::read_to_string(&args.spec)
        .map_err(|e| Error::Internal(format!("cannot read {}: {e}", args.spec.display())))?;
    let spec = match LabSpec::from_toml(&text) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return Ok(ExitCode::from(2));
        }
    };
    // A token is optional: a missing or locked keyring only means public repositories.
    let token = CredentialStore::open()
        .ok()
        .and_then(|s| s.github_token().ok().flatten());
    let github = GitHub::new(endpoints().await?, token);
    let report = preflight::run(&spec, &github).await;
    if args.json {
        let json = serde_json::to_string_pretty(&report).map_err(|e| Error::Internal(e.to_string()))?;
        println!("{json}");
    } else {
        println!("{} ({})", report.repository, report.branch);
        if report.findings.is_empty() {
            println!(
                "{}",
                match lang {
                    Lang::Ko => "발견된 문제가 없습니다.",
                    Lang::En => "Nothing found.",
                }
            );
        }
        print_findings(&report.findings, lang);
        let r = report.requests;
        println!(
            "\nGitHub requests: {} (API {}, git {}, raw files {})",
            r.total(),
            r.api,
            r.git,
            r.raw
        );
    }
    let failing = report.findings.iter().any(|f| f.severity == Severity::Error);
    Ok(if failing { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

pub fn github(args: GithubArgs) -> Result<ExitCode, Error> {
    let store = CredentialStore::open()?;
    match args.command {
        GithubCommand::Login => {
            let io = |e: std::io::Error| Error::Internal(format!("reading the token: {e}"));
            let token = if std::io::stdin().is_terminal() {
                rpassword::prompt_password("GitHub token (hidden): ").map_err(io)?
            } else {
                std::io::stdin()
                    .lock()
                    .lines()
                    .next()
                    .transpose()
                    .map_err(io)?
                    .unwrap_or_default()
            };
            store.save_github_token(&Secret::new(token))?;
            println!("Saved the GitHub token in the OS keyring.");
        }
        GithubCommand::Logout => {
            store.delete_github_token()?;
            println!("Removed the GitHub token from the OS keyring (if one was saved).");
        }
    }
    Ok(ExitCode::SUCCESS)
}
