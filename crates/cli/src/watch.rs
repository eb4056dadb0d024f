//! `pipewright watch | run | stop | retry`: follow a lab's pipeline, and act on it.
//!
//! `watch` draws the pipeline as the app's Watch screen does: stages as columns with a status
//! symbol (✔ succeeded, ✖ failed or stopped, ⟳ running, ◌ not reached), elapsed times, the
//! commit, the build's newest log lines, the rollout and the app's health. On a terminal it
//! redraws in place (plain ANSI); otherwise it appends one line per change (and one per new
//! log line). `--json`: one `WatchEvent` per line (the snapshot, then changes), as the app
//! receives them. `--exit-when-done`: follow the run in progress (or, when none is, the next
//! one to start) and exit 0 when it succeeds, 1 when it fails or is stopped.

use std::collections::HashSet;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use clap::Args;
use pipewright_core::ledger::Ledger;
use pipewright_core::spec::LabSpec;
use pipewright_core::watch::{
    self, ActionView, PipelineSnapshot, RunStatus, WatchEvent, WatchOptions, WatchTarget, apply_changes,
};
use pipewright_core::{AwsContext, Error};
use serde_json::Value;

use crate::account::AccountArgs;
use crate::output;

#[derive(Args)]
pub struct WatchArgs {
    /// The lab's name.
    #[arg(long)]
    lab: String,
    /// Print JSON lines: the snapshot, then changes (JSON Patch operations).
    #[arg(long)]
    json: bool,
    /// Follow one run (in progress, or the next to start); exit 0 if it succeeds, 1 if not.
    #[arg(long)]
    exit_when_done: bool,
    #[command(flatten)]
    account: AccountArgs,
}

#[derive(Args)]
pub struct RunArgs {
    /// The lab's name.
    #[arg(long)]
    lab: String,
    #[command(flatten)]
    account: AccountArgs,
}

#[derive(Args)]
pub struct StopArgs {
    /// The lab's name.
    #[arg(long)]
    lab: String,
    /// The execution to stop (default: the newest in progress).
    #[arg(long)]
    execution: Option<String>,
    /// Stop at once, abandoning running actions, instead of letting them finish.
    #[arg(long)]
    abandon: bool,
    #[command(flatten)]
    account: AccountArgs,
}

#[derive(Args)]
pub struct RetryArgs {
    /// The lab's name.
    #[arg(long)]
    lab: String,
    /// Only retry a stage of this execution.
    #[arg(long)]
    execution: Option<String>,
    #[command(flatten)]
    account: AccountArgs,
}

/// The lab's spec and a context in the region it lives in.
async fn lab(account: &AccountArgs, lab: &str) -> Result<(LabSpec, AwsContext), Error> {
    let ledger = Ledger::open_default()?;
    let aws = account.context(Some(&ledger.region_of(lab)?)).await?;
    Ok((ledger.spec_of(lab)?, aws))
}

pub async fn run(args: RunArgs) -> Result<ExitCode, Error> {
    let (spec, aws) = lab(&args.account, &args.lab).await?;
    let id = watch::run(&aws, &spec.names().pipeline).await?;
    println!("started execution {id}");
    Ok(ExitCode::SUCCESS)
}

pub async fn stop(args: StopArgs) -> Result<ExitCode, Error> {
    let (spec, aws) = lab(&args.account, &args.lab).await?;
    let id = watch::stop(&aws, &spec.names().pipeline, args.execution.as_deref(), args.abandon).await?;
    println!("stopping execution {id}");
    Ok(ExitCode::SUCCESS)
}

pub async fn retry(args: RetryArgs) -> Result<ExitCode, Error> {
    let (spec, aws) = lab(&args.account, &args.lab).await?;
    let out = watch::retry(&aws, &spec.names().pipeline, args.execution.as_deref()).await?;
    println!("retrying stage {} of execution {}", out.stage, out.execution_id);
    Ok(ExitCode::SUCCESS)
}

pub async fn watch(args: WatchArgs) -> Result<ExitCode, Error> {
    let (spec, aws) = lab(&args.account, &args.lab).await?;
    let cancel = output::cancel_on_ctrl_c(None);
    let outcome = Arc::new(Mutex::new(None::<ExitCode>));
    let mut view = View {
        json: args.json,
        tty: std::io::stdout().is_terminal(),
        doc: Value::Null,
        last_line: String::new(),
        logs_printed: (String::new(), 0),
        done: args.exit_when_done.then(DoneWhen::default),
        outcome: outcome.clone(),
    };
    let sink = move |event: WatchEvent| view.on_event(event);
    watch::watch(
        &aws,
        WatchTarget::for_spec(&spec),
        WatchOptions::for_context(&aws),
        cancel,
        sink,
    )
    .await?;
    let code = outcome.lock().unwrap_or_else(|e| e.into_inner()).take();
    Ok(code.unwrap_or(if args.exit_when_done {
        ExitCode::from(130)
    } else {
        ExitCode::SUCCESS
    }))
}

/// `--exit-when-done`: which run to wait for.
#[derive(Default)]
struct DoneWhen {
    /// Executions that existed when the watch began (None until the snapshot came).
    known: Option<HashSet<String>>,
    target: Option<String>,
}

struct View {
    json: bool,
    tty: bool,
    /// The snapshot as JSON, kept current by applying changes.
    doc: Value,
    last_line: String,
    /// Build id and how many of its log lines were printed (append mode).
    logs_printed: (String, usize),
    done: Option<DoneWhen>,
    outcome: Arc<Mutex<Option<ExitCode>>>,
}

impl View {
    /// Returns false to end the watch.
    fn on_event(&mut self, event: WatchEvent) -> bool {
        match &event {
            WatchEvent::Snapshot { snapshot } => self.doc = watch::change::to_value(snapshot),
            WatchEvent::Changes { changes } => {
                if let Err(e) = apply_changes(&mut self.doc, changes) {
                    output::error(&Error::Internal(format!("a change did not apply: {e}")));
                    return false;
                }
            }
            WatchEvent::Heartbeat => return true,
        }
        let Ok(snap) = serde_json::from_value::<PipelineSnapshot>(self.doc.clone()) else {
            return false;
        };
        let mut out = std::io::stdout().lock();
        if self.json {
            let _ = writeln!(out, "{}", serde_json::to_string(&event).unwrap_or_default());
        } else if self.tty {
            let _ = write!(out, "\x1b[H\x1b[2J{}", render(&snap, now_ms()));
        } else {
            self.append(&mut out, &snap);
        }
        let _ = out.flush();
        drop(out);
        match self.done.as_mut().and_then(|d| d.check(&snap)) {
            Some(code) => {
                *self.outcome.lock().unwrap_or_else(|e| e.into_inner()) = Some(code);
                false
            }
            None => true,
        }
    }

    fn append(&mut self, out: &mut impl Write, snap: &PipelineSnapshot) {
        let line = one_line(snap);
        if line != self.last_line {
            let _ = writeln!(out, "{line}");
            self.last_line = line;
        }
        if let Some(build) = snap
            .stages
            .iter()
            .flat_map(|s| &s.actions)
            .find_map(|a| a.build.as_ref())
        {
            if self.logs_printed.0 != build.id {
                self.logs_printed = (build.id.clone(), 0);
            }
            for l in build.log_tail.iter().skip(self.logs_printed.1) {
                let _ = writeln!(out, "    | {}", l.text);
            }
            self.logs_printed.1 = build.log_tail.len();
        }
    }
}

impl DoneWhen {
    fn check(&mut self, snap: &PipelineSnapshot) -> Option<ExitCode> {
        let known = self
            .known
            .get_or_insert_with(|| snap.executions.iter().map(|e| e.id.clone()).collect());
        if self.target.is_none() {
            // The oldest run in progress (when the watch began), else the first new one.
            self.target = snap
                .executions
                .iter()
                .rev()
                .find(|e| e.status.is_active() || !known.contains(&e.id))
                .map(|e| e.id.clone());
        }
        let exe = snap.executions.iter().find(|e| Some(&e.id) == self.target.as_ref())?;
        match exe.status {
            RunStatus::Succeeded => Some(ExitCode::SUCCESS),
            s if s.is_active() => None,
            _ => Some(ExitCode::FAILURE),
        }
    }
}

fn now_ms() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as f64)
        .unwrap_or(0.0)
}

fn symbol(s: Option<RunStatus>) -> &'static str {
    match s {
        Some(RunStatus::Succeeded) => "✔",
        Some(RunStatus::InProgress | RunStatus::Stopping) => "⟳",
        None => "◌",
        Some(_) => "✖",
    }
}

fn status_text(s: Option<RunStatus>) -> String {
    s.map(|s| format!("{s:?}")).unwrap_or_else(|| "waiting".into())
}

fn secs(from: Option<f64>, to: f64) -> String {
    from.map(|f| format!("{:.1}s", ((to - f) / 1000.0).max(0.0)))
        .unwrap_or_default()
}

fn action_end(a: &ActionView, now: f64) -> f64 {
    match a.status {
        Some(s) if !s.is_active() => a.updated_at.unwrap_or(now),
        _ => now,
    }
}

/// What an action is doing, in a few words.
fn action_detail(a: &ActionView) -> String {
    if let Some(e) = &a.error_details {
        return e.message.clone().unwrap_or_default();
    }
    if let Some(b) = &a.build
        && a.status.is_some_and(|s| s.is_active())
    {
        return b.current_phase.clone().unwrap_or_default();
    }
    if let Some(r) = &a.rollout
        && let Some(d) = r.deployments.first()
    {
        return format!(
            "{}/{} running {}",
            d.running,
            d.desired,
            d.rollout_state.as_deref().unwrap_or("")
        );
    }
    a.summary.clone().unwrap_or_default()
}

fn one_line(snap: &PipelineSnapshot) -> String {
    let exe = snap
        .executions
        .iter()
        .find(|e| Some(&e.id) == snap.selected_execution_id.as_ref());
    let head = match exe {
        Some(e) => format!("{} {} {:?}", symbol(Some(e.status)), short(&e.id), e.status),
        None => "no runs yet".into(),
    };
    let stages: Vec<String> = snap
        .stages
        .iter()
        .map(|s| {
            let detail = s.actions.first().map(action_detail).unwrap_or_default();
            let detail = if detail.is_empty() {
                String::new()
            } else {
                format!(" ({detail})")
            };
            format!("{} {} {}{detail}", symbol(s.status), s.name, status_text(s.status))
        })
        .collect();
    format!("{head} | {}", stages.join(" | "))
}

fn short(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

/// The whole screen.
fn render(snap: &PipelineSnapshot, now: f64) -> String {
    const W: usize = 30;
    let mut s = format!(
        "Pipeline {} ({})  polling: {:?}\n",
        snap.pipeline, snap.region, snap.polling
    );
    if let Some(p) = &snap.problem {
        s += &format!("! {}\n", p.message);
    }
    let exe = snap
        .executions
        .iter()
        .find(|e| Some(&e.id) == snap.selected_execution_id.as_ref());
    match exe {
        None => s += "No runs yet: push to the branch, or `pipewright run`.\n",
        Some(e) => {
            let end = e.ended_at.unwrap_or(now);
            s += &format!(
                "Run {}  {} {:?}  {}",
                short(&e.id),
                symbol(Some(e.status)),
                e.status,
                secs(e.started_at, end)
            );
            if let Some(r) = &e.source_revision {
                s += &format!(
                    "  commit {} {:?}{}",
                    r.commit_id.get(..7).unwrap_or(&r.commit_id),
                    r.message.as_deref().unwrap_or(""),
                    r.branch.as_deref().map(|b| format!(" on {b}")).unwrap_or_default()
                );
            }
            if let Some(t) = &e.trigger {
                s += &format!("  ({})", t.kind);
            }
            s += "\n";
        }
    }
    s += "\n";
    let cell = |text: String| {
        let t: String = text.chars().take(W - 2).collect();
        format!("{t:<W$}")
    };
    let rows = snap.stages.iter().map(|st| st.actions.len()).max().unwrap_or(0);
    s += &snap.stages.iter().map(|st| cell(st.name.clone())).collect::<String>();
    s += "\n";
    s += &snap
        .stages
        .iter()
        .map(|st| {
            let wait = if st.waiting { " (queued)" } else { "" };
            cell(format!("{} {}{wait}", symbol(st.status), status_text(st.status)))
        })
        .collect::<String>();
    s += "\n";
    for i in 0..rows {
        for line in 0..2 {
            for st in &snap.stages {
                let text = match st.actions.get(i) {
                    None => String::new(),
                    Some(a) if line == 0 => format!(
                        "{} {} {}",
                        symbol(a.status),
                        a.name,
                        secs(a.started_at, action_end(a, now))
                    ),
                    Some(a) => format!("  {}", action_detail(a)),
                };
                s += &cell(text);
            }
            s += "\n";
        }
    }
    let actions: Vec<&ActionView> = snap.stages.iter().flat_map(|st| &st.actions).collect();
    if let Some(b) = actions.iter().find_map(|a| a.build.as_ref()) {
        s += &format!("\nBuild {} {}\n", b.id, b.status.as_deref().unwrap_or(""));
        for l in b.log_tail.iter().rev().take(8).rev() {
            s += &format!("  | {}\n", l.text);
        }
    }
    if let Some(r) = actions.iter().find_map(|a| a.rollout.as_ref()) {
        s += &format!("\nService {}/{}\n", r.cluster, r.service);
        for d in &r.deployments {
            s += &format!(
                "  {} {}: {}/{} running, {} pending  {}\n",
                d.status.as_deref().unwrap_or(""),
                d.id,
                d.running,
                d.desired,
                d.pending,
                d.rollout_reason.as_deref().unwrap_or("")
            );
        }
        for t in &r.stopped_tasks {
            s += &format!("  stopped: {}\n", t.stopped_reason.as_deref().unwrap_or("?"));
        }
    }
    let h = &snap.health;
    s += &format!(
        "\nApp: {} {:?}{}\n",
        h.url.as_deref().unwrap_or("-"),
        h.state,
        h.message.as_deref().map(|m| format!(" ({m})")).unwrap_or_default()
    );
    s += "\nRecent runs:\n";
    for e in snap.executions.iter().take(5) {
        let msg = e
            .source_revision
            .as_ref()
            .and_then(|r| r.message.clone())
            .unwrap_or_default();
        s += &format!(
            "  {} {} {:<10?} {msg}\n",
            symbol(Some(e.status)),
            short(&e.id),
            e.status
        );
    }
    s
}
