//! `pipewright spec init | check`: write a lab spec with the lecture's defaults, and check one
//! with the same rules the app's wizard applies.
//!
//! Exit codes: 0 when the spec is fine (or was written), 2 when it has problems, 1 when it
//! cannot be read or written. Problems go to stdout (they are the command's answer), failures to
//! stderr.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use pipewright_core::Error;
use pipewright_core::spec::{ClassFile, FieldError, LabSpec, Lang};

use crate::output;

#[derive(Args)]
pub struct SpecArgs {
    #[command(subcommand)]
    command: SpecCommand,
}

#[derive(Subcommand)]
enum SpecCommand {
    /// Write a lab spec (TOML) with the lecture's defaults.
    Init(InitArgs),
    /// Check a lab spec and print every problem as `field: message`.
    Check(CheckArgs),
}

#[derive(Args)]
struct InitArgs {
    /// The lab's name: 3–20 lowercase letters, digits and hyphens; prefixes every resource.
    #[arg(long)]
    name: String,
    /// The GitHub repository to build, as owner/repo.
    #[arg(long)]
    repository: Option<String>,
    /// The branch to build (the lecture's sample repository uses master).
    #[arg(long)]
    branch: Option<String>,
    /// The AWS region, e.g. ap-northeast-2.
    #[arg(long)]
    region: Option<String>,
    /// Start from the instructor's class file (its region, sample, expiry, locked fields).
    #[arg(long)]
    class: Option<PathBuf>,
    /// Write to this file instead of stdout.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Overwrite --out if it exists.
    #[arg(long)]
    force: bool,
}

#[derive(Args)]
struct CheckArgs {
    /// The spec file to check.
    #[arg(long)]
    spec: PathBuf,
    /// Also check the spec against the instructor's class file.
    #[arg(long)]
    class: Option<PathBuf>,
    /// The language of the messages: en or ko.
    #[arg(long, default_value = "en", value_parser = parse_lang)]
    lang: Lang,
    /// Print the problems as a JSON array of {field, code, en, ko}.
    #[arg(long)]
    json: bool,
}

fn parse_lang(s: &str) -> Result<Lang, String> {
    s.parse()
}

pub fn run(args: SpecArgs) -> ExitCode {
    let result = match args.command {
        SpecCommand::Init(args) => init(args),
        SpecCommand::Check(args) => check(args),
    };
    output::finish(result)
}

/// Reads the instructor's class file; a refusal names the key.
pub fn read_class(path: &PathBuf) -> Result<ClassFile, Error> {
    let text =
        std::fs::read_to_string(path).map_err(|e| Error::Internal(format!("cannot read {}: {e}", path.display())))?;
    ClassFile::from_toml(&text).map_err(|e| match e {
        Error::Invalid { field, message } => Error::Invalid {
            field: format!("{} ({field})", path.display()),
            message,
        },
        other => other,
    })
}

/// Every problem of `spec`: its own rules, then the class's.
pub fn problems_of(spec: &LabSpec, class: Option<&ClassFile>) -> Vec<FieldError> {
    let mut problems = spec.validate();
    if let Some(class) = class {
        problems.extend(class.check(spec));
    }
    problems
}

fn init(args: InitArgs) -> Result<ExitCode, Error> {
    let class = args.class.as_ref().map(read_class).transpose()?;
    let mut spec = match &class {
        Some(class) => class.spec_for(&args.name),
        None => LabSpec::new(&args.name, ""),
    };
    if let Some(repository) = &args.repository {
        spec.source.repository = repository.clone();
    }
    let missing_repository = spec.source.repository.is_empty();
    if let Some(branch) = &args.branch {
        spec.set_branch(branch);
    }
    if let Some(region) = &args.region {
        spec.region = region.clone();
    }
    // Refuse bad arguments now rather than write a file that `check` will reject; a missing
    // repository is fine, it is the one field the student fills in afterwards.
    let problems: Vec<FieldError> = problems_of(&spec, class.as_ref())
        .into_iter()
        .filter(|e| !(missing_repository && e.field == "source.repository" && e.code == "required"))
        .collect();
    if !problems.is_empty() {
        output::problems(&mut std::io::stderr(), &problems, Lang::En);
        return Ok(ExitCode::from(output::REFUSED));
    }
    let text = format!(
        "{}{}{}",
        header(&spec, missing_repository),
        class.as_ref().map(class_header).unwrap_or_default(),
        spec.to_toml()?
    );
    match &args.out {
        None => print!("{text}"),
        Some(path) => {
            let mut options = OpenOptions::new();
            options.write(true);
            if args.force {
                options.create(true).truncate(true);
            } else {
                // create_new makes the existence check and the create one step.
                options.create_new(true);
            }
            let mut file = options.open(path).map_err(|e| {
                let why = if e.kind() == std::io::ErrorKind::AlreadyExists {
                    "it already exists (use --force to overwrite)".to_owned()
                } else {
                    e.to_string()
                };
                Error::Internal(format!("cannot write {}: {why}", path.display()))
            })?;
            file.write_all(text.as_bytes())
                .map_err(|e| Error::Internal(format!("cannot write {}: {e}", path.display())))?;
            eprintln!("Wrote {}", path.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Comments that show the derived names, since the TOML itself leaves them unset so that
/// renaming the lab renames everything.
fn header(spec: &LabSpec, missing_repository: bool) -> String {
    let n = spec.names();
    let mut out = String::from("# Pipewright lab spec. Check it with `pipewright spec check --spec <file>`.\n");
    if missing_repository {
        out.push_str("# Set source.repository (owner/repo) before applying.\n");
    }
    out.push_str("#\n# Names derived from `name` (set the field to override):\n");
    let rows = [
        ("pipeline.name", Some(n.pipeline.as_str())),
        ("build.project_name", Some(n.build_project.as_str())),
        ("registry.repository_name", Some(n.repository.as_str())),
        ("deploy.cluster_name", Some(n.cluster.as_str())),
        ("deploy.service_name", Some(n.service.as_str())),
        ("deploy.container_name", Some(n.container.as_str())),
        ("deploy.load_balancer.name", Some(n.load_balancer.as_str())),
        ("deploy.target_group.name", Some(n.target_group.as_str())),
        ("source.connection.name", n.connection.as_deref()),
        ("pipeline.service_role.name", n.pipeline_role.as_deref()),
        ("build.service_role.name", n.build_role.as_deref()),
        ("deploy.task_execution_role.name", n.task_execution_role.as_deref()),
    ];
    for (field, name) in rows {
        if let Some(name) = name {
            out.push_str(&format!("#   {field:<33} {name}\n"));
        }
    }
    out.push_str(&format!(
        "#   {:<33} {}\n\n",
        "pipeline.artifact_bucket",
        n.artifact_bucket("<account-id>")
    ));
    out
}

/// What the class fixes, so a student reading the file knows which lines not to edit.
fn class_header(class: &ClassFile) -> String {
    let mut out = format!("# A lab of class {}", class.name);
    if !class.prefix.is_empty() {
        out.push_str(&format!(" (lab names start with \"{}\")", class.prefix));
    }
    out.push_str(". Check it with `pipewright spec check --spec <file> --class <class file>`.\n");
    if !class.locked.is_empty() {
        out.push_str("# Fixed by the class (changing them is refused):\n");
        for l in &class.locked {
            out.push_str(&format!("#   {:<33} {} — {}\n", l.field, l.value, l.reason));
        }
    }
    out.push('\n');
    out
}

fn check(args: CheckArgs) -> Result<ExitCode, Error> {
    let class = args.class.as_ref().map(read_class).transpose()?;
    let text = std::fs::read_to_string(&args.spec)
        .map_err(|e| Error::Internal(format!("cannot read {}: {e}", args.spec.display())))?;
    let problems = match LabSpec::from_toml(&text) {
        Ok(spec) => problems_of(&spec, class.as_ref()),
        Err(e) => {
            let detail = match &e {
                Error::Invalid { message, .. } => message.clone(),
                other => other.to_string(),
            };
            vec![FieldError {
                field: "spec".into(),
                code: "invalid_toml".into(),
                en: format!("The file is not a valid lab spec: {detail}"),
                ko: format!("올바른 실습 스펙 파일이 아닙니다: {detail}"),
                suggestion: None,
            }]
        }
    };
    if args.json {
        let json = serde_json::to_string_pretty(&problems).map_err(|e| Error::Internal(e.to_string()))?;
        println!("{json}");
    } else if problems.is_empty() {
        println!("OK");
    } else {
        output::problems(&mut std::io::stdout(), &problems, args.lang);
    }
    Ok(if problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(output::REFUSED)
    })
}
