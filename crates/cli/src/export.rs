//! `pipewright export --lab NAME --format aws-cli|cloudformation [--out FILE]`: what the lab
//! built, as a commented AWS CLI script or a CloudFormation template, for the student to keep.
//! Reads the ledger only (no AWS call); an unknown lab is refused with exit 2.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use pipewright_core::Error;
use pipewright_core::export::{self, Format};
use pipewright_core::ledger::Ledger;

use crate::preflight::parse_lang;

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    /// A bash script of AWS CLI commands, in lecture order, each with its step and why.
    AwsCli,
    /// A CloudFormation template (YAML) of the same resources.
    Cloudformation,
}

#[derive(Args)]
pub struct ExportArgs {
    /// The lab's name.
    #[arg(long)]
    lab: String,
    #[arg(long, value_enum)]
    format: FormatArg,
    /// Write to this file instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Language of the error messages: en or ko.
    #[arg(long, default_value = "en")]
    lang: String,
}

pub fn export(args: ExportArgs) -> Result<ExitCode, Error> {
    let lang = parse_lang(&args.lang)?;
    let format = match args.format {
        FormatArg::AwsCli => Format::AwsCli,
        FormatArg::Cloudformation => Format::Cloudformation,
    };
    let ledger = Ledger::open_default()?;
    let text = export::for_lab(&ledger, &args.lab, format, lang)?.text;
    match &args.out {
        None => print!("{text}"),
        Some(path) => {
            std::fs::write(path, &text).map_err(|e| Error::Internal(format!("{}: {e}", path.display())))?;
            #[cfg(unix)]
            if format == Format::AwsCli {
                use std::os::unix::fs::PermissionsExt;
                let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755));
            }
            eprintln!("wrote {}", path.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}
