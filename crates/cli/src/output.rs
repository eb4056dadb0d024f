//! What every command prints the same way: errors (with their code and hint), the yes/no
//! prompt before a change, one line per progress event, a spec's problems, and Ctrl-C.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use pipewright_core::Error;
use pipewright_core::error::ErrorCode;
use pipewright_core::progress::{Cancel, NodeState, ProgressEvent};
use pipewright_core::spec::{FieldError, Lang};

/// Prints an error as `error[<code>]: <message>` and its hint, on stderr.
pub fn error(e: &Error) {
    eprintln!("error[{}]: {e}", e.code().as_str());
    if let Some(hint) = e.hint() {
        eprintln!("hint: {hint}");
    }
}

/// Exit codes, the same for every command (the README's command-line section lists them):
/// 0 done; 1 failed (AWS refused or something is left); 2 refused before any change (a
/// spec's problems, a bad flag or value, a lab another run holds), which is also clap's
/// code for a bad command line; 130 cancelled with Ctrl-C.
pub const REFUSED: u8 = 2;
pub const CANCELLED: u8 = 130;

/// The exit code for an error: a refusal of the input is 2, anything else 1.
pub fn exit_for(e: &Error) -> ExitCode {
    match e.code() {
        ErrorCode::Invalid | ErrorCode::UnknownRegion => ExitCode::from(REFUSED),
        _ => ExitCode::FAILURE,
    }
}

/// The exit code of a command that chooses its own, printing the error that ended it.
pub fn finish(result: Result<ExitCode, Error>) -> ExitCode {
    result.unwrap_or_else(|e| {
        error(&e);
        exit_for(&e)
    })
}

/// Asks `question` on the terminal; no terminal (a script) is a no, with a word on `--yes`
/// that `to_do` (e.g. "create these resources") needs.
pub fn confirm(question: &str, to_do: &str) -> Result<bool, Error> {
    if !std::io::stdin().is_terminal() {
        eprintln!("Not a terminal: pass --yes to {to_do}.");
        return Ok(false);
    }
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Error::Internal(e.to_string()))?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes"))
}

/// One progress event on stdout: a line of text, or with `json` the event itself (the same
/// `ProgressEvent` the app receives).
pub fn event(e: &ProgressEvent, json: bool) {
    let mut out = std::io::stdout().lock();
    if json {
        let _ = writeln!(out, "{}", serde_json::to_string(e).unwrap_or_default());
        let _ = out.flush();
        return;
    }
    let state = format!("{:?}", e.state).to_lowercase();
    let msg = e.message.as_deref().unwrap_or("");
    let secs = f64::from(e.elapsed_ms) / 1000.0;
    let _ = writeln!(
        out,
        "[{secs:>6.1}s] {:<8} {:<17} {:<40} {state:<8} {msg}",
        e.step, e.kind, e.name
    );
    if e.state == NodeState::Waiting
        && let Some(url) = e.detail.as_ref().and_then(|d| d.url.as_deref())
    {
        let _ = writeln!(out, "           open {url} and complete the GitHub connection");
    }
    if e.state == NodeState::Waiting
        && let Some(typical) = e.detail.as_ref().and_then(|d| d.typical_secs)
    {
        let here = e.detail.as_ref().and_then(|d| d.expected_secs).unwrap_or(typical);
        let pace = if here < typical {
            format!(" (about {here} s here)")
        } else {
            String::new()
        };
        let _ = writeln!(out, "           usually takes about {typical} s on AWS{pace}");
    }
    let _ = out.flush();
}

/// A spec's problems, one `field: message` line each, in `lang`, and the corrected value
/// under it when there is one.
pub fn problems(out: &mut impl Write, problems: &[FieldError], lang: Lang) {
    for p in problems {
        let _ = writeln!(out, "{}: {}", p.field, p.message(lang));
        if let Some(fix) = &p.suggestion {
            let offer = match lang {
                Lang::En => "did you mean",
                Lang::Ko => "이 값으로 바꿀까요?",
            };
            let _ = writeln!(out, "    {offer} {fix}");
        }
    }
}

/// A cancel token that Ctrl-C trips: the operation stops between AWS calls and the ledger
/// keeps what was done. `say` is printed when it happens.
pub fn cancel_on_ctrl_c(say: Option<&'static str>) -> Cancel {
    let (handle, cancel) = Cancel::new();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            if let Some(say) = say {
                eprintln!("{say}");
            }
            handle.cancel();
        }
    });
    cancel
}

/// What Ctrl-C prints for a command that changes AWS.
pub const STOPPING: Option<&str> = Some("Stopping after the calls in flight...");
