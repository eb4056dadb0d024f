//! `pipewright login | logout | whoami | credentials`: access keys saved in the OS keyring,
//! the profiles in `~/.aws`, and who Pipewright acts as.
//!
//! `login` reads keys from a prompt (the secret and token without echo) or, when stdin is not
//! a terminal, from stdin: the access key id, the secret access key and optionally a session
//! token, one per line. Never from flags or environment variables, which end up in shell
//! history and process listings.
//!
//! `login` checks the format locally, then asks STS who the keys belong to, and saves them
//! only if STS accepts them, so a typo never gets saved. `--no-verify` saves without asking
//! (offline, or keys for an account you cannot reach yet).

use std::io::{BufRead, IsTerminal, Write};

use clap::{Args, Subcommand};
use pipewright_core::api::{CredentialSet, Identity};
use pipewright_core::credentials::{self, CredentialStore, list_profiles, mask_key_id, validate};
use pipewright_core::practice::PRACTICE_REGION;
use pipewright_core::{AwsContext, Error, Secret, identity};

use crate::account::AccountArgs;

#[derive(Args)]
pub struct LoginArgs {
    /// The name to save the keys under (letters, digits, '_', '.', '-').
    #[arg(long)]
    name: String,
    /// The default region for these keys.
    #[arg(long, default_value = PRACTICE_REGION)]
    region: String,
    /// Save without checking the keys with STS first.
    #[arg(long)]
    no_verify: bool,
}

#[derive(Args)]
pub struct LogoutArgs {
    /// The saved set to remove from the OS keyring.
    #[arg(long)]
    name: String,
}

#[derive(Args)]
pub struct WhoamiArgs {
    #[command(flatten)]
    account: AccountArgs,
    /// The region to ask in (default: the saved set's, the profile's, or AWS_REGION).
    #[arg(long)]
    region: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct CredentialsArgs {
    #[command(subcommand)]
    command: CredentialsCommand,
}

#[derive(Subcommand)]
enum CredentialsCommand {
    /// Saved key sets (key ids masked) and AWS profiles. Never shows a secret.
    List {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Rename a saved key set.
    Rename { from: String, to: String },
}

pub async fn login(args: LoginArgs) -> Result<(), Error> {
    validate::name(&args.name)?;
    validate::region(&args.region)?;
    let store = CredentialStore::open()?;
    // Before asking for anything: fails now if there is no keyring to save into.
    let replacing = store.get(&args.name)?.is_some();
    let set = read_keys(&args.name, &args.region)?;
    validate::credential_set(&set)?;

    let identity = if args.no_verify {
        None
    } else {
        match verify(&set).await {
            Ok(id) => Some(id),
            Err(e) => {
                eprintln!("The keys were not saved: STS did not accept them (use --no-verify to save anyway).");
                return Err(e);
            }
        }
    };
    let summary = store.save(&set)?;
    println!(
        "{} {:?} ({}, {}) in the OS keyring.",
        if replacing { "Replaced" } else { "Saved" },
        summary.name,
        mask_key_id(&summary.access_key_id),
        summary.region
    );
    match identity {
        Some(id) => print_identity(&id),
        None => println!("Not verified: check with `pipewright whoami --name {}`.", summary.name),
    }
    Ok(())
}

pub fn logout(args: LogoutArgs) -> Result<(), Error> {
    let store = CredentialStore::open()?;
    let listed = store.list()?.iter().any(|c| c.name == args.name);
    store.delete(&args.name)?;
    if listed {
        println!("Removed {:?} from the OS keyring.", args.name);
    } else {
        println!("Nothing was saved as {:?}; nothing to remove.", args.name);
    }
    Ok(())
}

pub async fn whoami(args: WhoamiArgs) -> Result<(), Error> {
    let aws = args.account.context(args.region.as_deref()).await?;
    let id = identity::whoami(&aws).await?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string(&id).map_err(|e| Error::Internal(e.to_string()))?
        );
    } else {
        print_identity(&id);
    }
    Ok(())
}

pub async fn credentials(args: CredentialsArgs) -> Result<(), Error> {
    match args.command {
        CredentialsCommand::List { json } => list(json).await,
        CredentialsCommand::Rename { from, to } => {
            CredentialStore::open()?.rename(&from, &to)?;
            println!("Renamed {from:?} to {to:?}.");
            Ok(())
        }
    }
}

async fn list(json: bool) -> Result<(), Error> {
    let mut saved = CredentialStore::open()?.list()?;
    for c in &mut saved {
        c.access_key_id = mask_key_id(&c.access_key_id);
    }
    let profiles = list_profiles().await?;
    if json {
        let out = serde_json::json!({ "keyring": saved, "profiles": profiles });
        println!("{out}");
        return Ok(());
    }
    println!("Saved keys (OS keyring):");
    if saved.is_empty() {
        println!("  none: add some with `pipewright login --name <name>`");
    }
    for c in &saved {
        println!("  {:<24} {:<12} {}", c.name, c.access_key_id, c.region);
    }
    println!("AWS profiles (~/.aws):");
    if profiles.is_empty() {
        println!("  none");
    }
    for p in &profiles {
        let region = p.region.as_deref().unwrap_or("-");
        println!("  {:<24} {:<12} {region}", p.name, p.kind.as_str());
    }
    Ok(())
}

async fn verify(set: &CredentialSet) -> Result<Identity, Error> {
    let aws = AwsContext::load(&credentials::settings_for_keys(set)).await?;
    identity::whoami(&aws).await
}

fn print_identity(id: &Identity) {
    println!("Account:  {}", id.account);
    println!("ARN:      {}", id.arn);
    println!("Region:   {}", id.region);
    if let Some(endpoint) = &id.endpoint {
        println!("Endpoint: {endpoint} (not AWS: practice sandbox)");
    }
}

/// The keys, from prompts on a terminal or from stdin's first lines otherwise.
fn read_keys(name: &str, region: &str) -> Result<CredentialSet, Error> {
    let io = |e: std::io::Error| Error::Internal(format!("reading the keys: {e}"));
    let (access_key_id, secret, token) = if std::io::stdin().is_terminal() {
        eprint!("AWS access key id: ");
        std::io::stderr().flush().map_err(io)?;
        let mut id = String::new();
        std::io::stdin().lock().read_line(&mut id).map_err(io)?;
        let secret = Secret::new(rpassword::prompt_password("AWS secret access key (hidden): ").map_err(io)?);
        let token = Secret::new(rpassword::prompt_password("Session token (hidden; Enter if none): ").map_err(io)?);
        (id, secret, token)
    } else {
        let mut lines = std::io::stdin().lock().lines();
        let mut next = || lines.next().transpose().map_err(io).map(Option::unwrap_or_default);
        let id = next()?;
        let secret = Secret::new(next()?);
        let token = Secret::new(next()?);
        if id.trim().is_empty() || secret.expose().trim().is_empty() {
            return Err(Error::Invalid {
                field: "secretAccessKey".into(),
                message: "expected the access key id and the secret access key on stdin, one per line".into(),
            });
        }
        (id, secret, token)
    };
    let token = token.expose().trim();
    Ok(CredentialSet {
        name: name.to_owned(),
        access_key_id: access_key_id.trim().to_owned(),
        secret_access_key: Secret::new(secret.expose().trim()),
        session_token: (!token.is_empty()).then(|| Secret::new(token)),
        region: region.to_owned(),
    })
}
