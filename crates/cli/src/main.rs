//! `pipewright`: the command line over the same core as the desktop app.

use std::process::ExitCode;

mod account;
mod class;
mod credentials;
mod doctor;
mod down;
mod expiry;
mod export;
mod output;
mod preflight;
mod spec;
mod up;
mod watch;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "pipewright",
    version,
    about = "Build, watch and tear down the lecture's CI/CD pipeline on AWS"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Show who Pipewright would act as (STS GetCallerIdentity).
    Whoami(credentials::WhoamiArgs),
    /// Save access keys in the OS keyring (read from a prompt or stdin, never from flags).
    Login(credentials::LoginArgs),
    /// Remove saved access keys from the OS keyring.
    Logout(credentials::LogoutArgs),
    /// List or rename saved keys, and list AWS profiles.
    Credentials(credentials::CredentialsArgs),
    /// Write or check a lab spec (the wizard's answers, as TOML).
    Spec(spec::SpecArgs),
    /// Read the spec's GitHub repository and say what will go wrong, before anything is created.
    Preflight(preflight::PreflightArgs),
    /// Save or remove the GitHub token the preflight reads private repositories with.
    Github(preflight::GithubArgs),
    /// Show what a lab spec will create, in order, and what it costs per hour.
    Plan(up::PlanArgs),
    /// Create (or finish creating) every resource of a lab spec.
    Up(up::UpArgs),
    /// Compare what the ledger recorded for a lab with what AWS has, and show its expiry.
    Status(up::StatusArgs),
    /// Move a lab's expiry (when AWS itself stops its billing) later.
    Extend(expiry::ExtendArgs),
    /// Delete everything a lab created, then show the inventory that proves nothing is left.
    Down(down::DownArgs),
    /// Delete every resource carrying one Pipewright tag (instructors: all labs of an account).
    Sweep(down::SweepArgs),
    /// An instructor's class: every lab tagged pipewright:class=NAME across students' accounts.
    Class(class::ClassArgs),
    /// After something failed: read the lab's state from AWS and say what is wrong and what to do.
    Doctor(doctor::DoctorArgs),
    /// Write what a lab built as a commented AWS CLI script or a CloudFormation template.
    Export(export::ExportArgs),
    /// Follow a lab's pipeline live: stages, build phases and logs, the rollout, the app's health.
    Watch(watch::WatchArgs),
    /// Start a run of a lab's pipeline (StartPipelineExecution).
    Run(watch::RunArgs),
    /// Stop a run of a lab's pipeline (the newest in progress unless --execution).
    Stop(watch::StopArgs),
    /// Retry the failed actions of the pipeline's latest failed stage.
    Retry(watch::RetryArgs),
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Whoami(args) => credentials::whoami(args).await,
        Command::Login(args) => credentials::login(args).await,
        Command::Logout(args) => credentials::logout(args),
        Command::Credentials(args) => credentials::credentials(args).await,
        Command::Spec(args) => return spec::run(args),
        Command::Preflight(args) => return output::finish(preflight::preflight(args).await),
        Command::Github(args) => return output::finish(preflight::github(args)),
        Command::Plan(args) => return output::finish(up::plan(args)),
        Command::Up(args) => return output::finish(up::up(args).await),
        Command::Status(args) => return output::finish(up::status(args).await),
        Command::Extend(args) => return output::finish(expiry::extend(args).await),
        Command::Down(args) => return output::finish(down::down(args).await),
        Command::Sweep(args) => return output::finish(down::sweep(args).await),
        Command::Class(args) => return output::finish(class::run(args).await),
        Command::Doctor(args) => return output::finish(doctor::doctor(args).await),
        Command::Export(args) => return output::finish(export::export(args)),
        Command::Watch(args) => return output::finish(watch::watch(args).await),
        Command::Run(args) => return output::finish(watch::run(args).await),
        Command::Stop(args) => return output::finish(watch::stop(args).await),
        Command::Retry(args) => return output::finish(watch::retry(args).await),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            output::error(&e);
            output::exit_for(&e)
        }
    }
}
