//! The ledger: the durable record of what each lab created, in SQLite under the data folder.
//!
//! An intent row is written *before* every create call and completed after it, so a crash at
//! any point leaves a row that Apply can finish and Teardown can undo. An audit row is kept
//! for every AWS call (operation, resource, outcome, duration), never a secret: the API takes
//! no request or response bodies at all.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::error::{Error, Result};

/// Schema migrations, applied in order; `PRAGMA user_version` records how many ran.
/// Append only: never edit a migration that has shipped.
const MIGRATIONS: &[&str] = &[
    // 1: labs, resources with their lifecycle, and the audit trail.
    "CREATE TABLE labs (
        name        TEXT PRIMARY KEY,
        region      TEXT NOT NULL,
        account     TEXT,
        spec_toml   TEXT NOT NULL,
        created_at  INTEGER NOT NULL,
        updated_at  INTEGER NOT NULL
     );
     CREATE TABLE resources (
        lab         TEXT NOT NULL REFERENCES labs(name),
        kind        TEXT NOT NULL,
        name        TEXT NOT NULL,
        step        TEXT NOT NULL,
        state       TEXT NOT NULL,
        physical_id TEXT,
        created_at  INTEGER NOT NULL,
        updated_at  INTEGER NOT NULL,
        PRIMARY KEY (lab, kind, name)
     );
     CREATE TABLE audit (
        id          INTEGER PRIMARY KEY,
        lab         TEXT,
        at_ms       INTEGER NOT NULL,
        service     TEXT NOT NULL,
        operation   TEXT NOT NULL,
        resource    TEXT,
        outcome     TEXT NOT NULL,
        duration_ms INTEGER NOT NULL
     );
     CREATE INDEX audit_by_lab ON audit(lab, at_ms);",
];

/// Where a resource is in its life. `Intent` means "a create call may have been sent": the
/// resource may or may not exist, so Apply describes it before creating and Teardown deletes
/// it if found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ResourceState {
    Intent,
    Created,
    /// It existed already, carrying our lab tag, and was taken over.
    Adopted,
    /// It existed already, is not ours (e.g. a GitHub connection the student completed for
    /// another lab), and the lab uses it: Teardown must leave it alone.
    Reused,
    Deleting,
    Deleted,
}

impl ResourceState {
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceState::Intent => "intent",
            ResourceState::Created => "created",
            ResourceState::Adopted => "adopted",
            ResourceState::Reused => "reused",
            ResourceState::Deleting => "deleting",
            ResourceState::Deleted => "deleted",
        }
    }

    fn parse(s: &str) -> Result<Self> {
        Ok(match s {
            "intent" => ResourceState::Intent,
            "created" => ResourceState::Created,
            "adopted" => ResourceState::Adopted,
            "reused" => ResourceState::Reused,
            "deleting" => ResourceState::Deleting,
            "deleted" => ResourceState::Deleted,
            other => return Err(Error::Internal(format!("ledger: unknown resource state {other:?}"))),
        })
    }

    /// True while the resource may exist in the account (and bill): intent, created, adopted
    /// or deleting. Reused resources are not the lab's; deleted ones are gone.
    pub fn is_live(self) -> bool {
        matches!(
            self,
            ResourceState::Intent | ResourceState::Created | ResourceState::Adopted | ResourceState::Deleting
        )
    }
}

/// One resource of a lab as the ledger knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LedgerResource {
    pub kind: String,
    pub name: String,
    /// The lecture step it belongs to ("source", "pipeline", "build", "registry", "deploy").
    pub step: String,
    pub state: ResourceState,
    /// ARN or id once AWS has answered the create call.
    pub physical_id: Option<String>,
}

/// A lab in the ledger and how much of it may still be in the account, for the app's
/// "this lab is still running" reminder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LabSummary {
    pub name: String,
    pub region: String,
    /// When the lab was first recorded, in milliseconds since the Unix epoch.
    #[ts(type = "number")]
    pub created_at_ms: i64,
    /// Resources that may still exist (see `ResourceState::is_live`): 0 once torn down.
    pub live_resources: u32,
    /// When the lab was torn down (its last resource deleted), in milliseconds since the Unix
    /// epoch; `null` while anything of it may still exist, or if nothing was ever deleted.
    #[ts(type = "number | null")]
    pub removed_at_ms: Option<i64>,
}

/// One AWS call, as the audit trail keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntry {
    pub at_ms: i64,
    pub service: String,
    pub operation: String,
    pub resource: Option<String>,
    pub outcome: String,
    pub duration_ms: i64,
}

pub struct Ledger {
    conn: Mutex<Connection>,
    /// The file, for messages and for the lab locks beside it; `None` in memory.
    path: Option<std::path::PathBuf>,
    /// In memory there is no folder for lock files: the locks held, by lab.
    memory_locks: Arc<Mutex<std::collections::HashSet<String>>>,
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn db_err(e: rusqlite::Error) -> Error {
    Error::Internal(format!("ledger: {e}"))
}

/// Owner-only permissions: the ledger names the student's account, labs and resources.
#[cfg(unix)]
pub(crate) fn owner_only(path: &Path, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(|e| Error::Internal(format!("cannot restrict {}: {e}", path.display())))
}

#[cfg(not(unix))]
pub(crate) fn owner_only(_path: &Path, _mode: u32) -> Result<()> {
    // Windows: the per-user app-data folder is private to the user already.
    Ok(())
}

impl Ledger {
    /// Opens (creating and migrating if needed) the ledger at `path`. A damaged file or one
    /// written by a newer Pipewright is refused with its path and what to do.
    pub fn open(path: &Path) -> Result<Ledger> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| Error::Internal(format!("ledger folder {}: {e}", dir.display())))?;
        }
        let mut create = std::fs::OpenOptions::new();
        create.write(true).create(true).truncate(false);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut create, 0o600);
        create
            .open(path)
            .map_err(|e| Error::Internal(format!("cannot open the ledger {}: {e}", path.display())))?;
        owner_only(path, 0o600)?;
        let damaged = |e: Error| match e {
            Error::Internal(m) if !m.contains("newer") => Error::Internal(format!(
                "the ledger {} cannot be read ({m}). It may be damaged or not a Pipewright ledger: move it aside (keep it: it lists what your labs created) and run again, which starts a new ledger; then check your account for leftovers with `pipewright sweep`.",
                path.display()
            )),
            Error::Internal(m) => Error::Internal(format!("{}: {m}", path.display())),
            other => other,
        };
        let conn = Connection::open(path).map_err(db_err).map_err(damaged)?;
        let mut ledger = Self::init(conn).map_err(damaged)?;
        ledger.path = Some(path.to_owned());
        Ok(ledger)
    }

    /// The ledger in the data folder (`PIPEWRIGHT_HOME` or the OS app-data folder).
    pub fn open_default() -> Result<Ledger> {
        Self::open(&crate::paths::data_dir()?.join("ledger.sqlite3"))
    }

    pub fn in_memory() -> Result<Ledger> {
        Self::init(Connection::open_in_memory().map_err(db_err)?)
    }

    fn init(mut conn: Connection) -> Result<Ledger> {
        // First, so that two processes creating the same new ledger wait for each other
        // instead of failing with "database is locked".
        conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(db_err)?;
        // WAL + synchronous=FULL: a write that returned survives a crash of the process or the OS.
        conn.pragma_update(None, "journal_mode", "WAL").map_err(db_err)?;
        conn.pragma_update(None, "synchronous", "FULL").map_err(db_err)?;
        conn.pragma_update(None, "foreign_keys", true).map_err(db_err)?;
        migrate(&mut conn)?;
        Ok(Ledger {
            conn: Mutex::new(conn),
            path: None,
            memory_locks: Arc::default(),
        })
    }

    /// Takes `lab`'s lock for `what` ("apply", "teardown"): one run per lab at a time, across
    /// the app and the command line. The lock is a file beside the ledger, locked by the OS
    /// (so a crashed process never leaves it held) and holding who took it; a second run is
    /// refused, naming that holder.
    pub fn lock_lab(&self, lab: &str, what: &str) -> Result<LabLock> {
        if lab.is_empty() || !lab.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
            return Err(Error::Invalid {
                field: "lab".into(),
                message: format!("{lab:?} is not a lab name"),
            });
        }
        let Some(ledger_path) = &self.path else {
            let mut held = self.memory_locks.lock().unwrap_or_else(|e| e.into_inner());
            if !held.insert(lab.to_owned()) {
                return Err(busy(lab, "another run in this process".into()));
            }
            return Ok(LabLock::Memory(self.memory_locks.clone(), lab.to_owned()));
        };
        let dir = ledger_path.with_file_name("locks");
        std::fs::create_dir_all(&dir).map_err(|e| Error::Internal(format!("{}: {e}", dir.display())))?;
        owner_only(&dir, 0o700)?;
        let path = dir.join(format!("{lab}.lock"));
        let mut open = std::fs::OpenOptions::new();
        open.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut open, 0o600);
        let mut file = open
            .open(&path)
            .map_err(|e| Error::Internal(format!("{}: {e}", path.display())))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let holder = std::fs::read_to_string(&path).unwrap_or_default();
                let holder = holder.trim();
                return Err(busy(
                    lab,
                    if holder.is_empty() {
                        "another Pipewright".into()
                    } else {
                        holder.to_owned()
                    },
                ));
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(Error::Internal(format!("cannot lock {}: {e}", path.display())));
            }
        }
        use std::io::{Seek, Write};
        let me = std::env::current_exe()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "pipewright".into());
        let note = format!("{me} (pid {}) running {what}", std::process::id());
        let _ = file.set_len(0);
        let _ = file.seek(std::io::SeekFrom::Start(0));
        let _ = file.write_all(note.as_bytes());
        let _ = file.sync_all();
        Ok(LabLock::File(file))
    }

    fn with<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T> {
        let conn = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        f(&conn).map_err(db_err)
    }

    /// Records (or updates) a lab and the spec it was applied with.
    pub fn upsert_lab(&self, name: &str, region: &str, account: Option<&str>, spec_toml: &str) -> Result<()> {
        let now = now_ms();
        self.with(|c| {
            c.execute(
                "INSERT INTO labs (name, region, account, spec_toml, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5)
                 ON CONFLICT(name) DO UPDATE SET region = ?2, account = COALESCE(?3, account),
                    spec_toml = ?4, updated_at = ?5",
                params![name, region, account, spec_toml, now],
            )
            .map(drop)
        })
    }

    pub fn lab_spec(&self, name: &str) -> Result<Option<String>> {
        self.with(|c| {
            c.query_row("SELECT spec_toml FROM labs WHERE name = ?1", [name], |r| r.get(0))
                .optional()
        })
    }

    /// The spec lab `name` was applied with; a field error naming the lab when there is none.
    pub fn spec_of(&self, name: &str) -> Result<crate::spec::LabSpec> {
        let text = self.lab_spec(name)?.ok_or_else(|| Error::Invalid {
            field: "lab".into(),
            message: format!(
                "no lab named {name:?} in the ledger: create it first (Create on Review, or `pipewright up`)"
            ),
        })?;
        crate::spec::LabSpec::from_toml(&text)
    }

    /// The spec of the lab the student worked on last, so reopening the app returns to it.
    pub fn current_spec(&self) -> Result<Option<crate::spec::LabSpec>> {
        let Some(name) = self.latest_lab()? else {
            return Ok(None);
        };
        match self.lab_spec(&name)? {
            Some(text) => Ok(Some(crate::spec::LabSpec::from_toml(&text)?)),
            None => Ok(None),
        }
    }

    /// The region a lab lives in: the one it was created in (see [`Ledger::lab_region`]), else
    /// its spec's. Every call for the lab acts there.
    pub fn region_of(&self, name: &str) -> Result<String> {
        match self.lab_region(name)? {
            Some(region) => Ok(region),
            None => Ok(self.spec_of(name)?.region),
        }
    }

    /// The region the lab was created in: every later call for it (status, watch, teardown)
    /// acts there, whatever region the credentials carry.
    pub fn lab_region(&self, name: &str) -> Result<Option<String>> {
        self.with(|c| {
            c.query_row("SELECT region FROM labs WHERE name = ?1", [name], |r| r.get(0))
                .optional()
        })
    }

    /// The account the lab was created in, when Apply recorded it.
    pub fn lab_account(&self, name: &str) -> Result<Option<String>> {
        self.with(|c| {
            c.query_row("SELECT account FROM labs WHERE name = ?1", [name], |r| r.get(0))
                .optional()
                .map(Option::flatten)
        })
    }

    /// Refuses to touch lab `name` from another account than the one it was created in: a
    /// rerun or a teardown there would act on whatever carries the same tag in that account.
    pub fn check_account(&self, name: &str, actual: &str) -> Result<()> {
        match self.lab_account(name)? {
            Some(expected) if !expected.is_empty() && !actual.is_empty() && expected != actual => {
                Err(Error::WrongAccount {
                    lab: name.to_owned(),
                    expected,
                    actual: actual.to_owned(),
                })
            }
            _ => Ok(()),
        }
    }

    /// The lab touched last (applied or torn down), for the app to reopen where the student was.
    pub fn latest_lab(&self) -> Result<Option<String>> {
        self.with(|c| {
            c.query_row(
                "SELECT name FROM labs ORDER BY updated_at DESC, name LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()
        })
    }

    pub fn labs(&self) -> Result<Vec<String>> {
        self.with(|c| {
            let mut st = c.prepare("SELECT name FROM labs ORDER BY name")?;
            st.query_map([], |r| r.get(0))?.collect()
        })
    }

    /// Every lab, oldest first, with its count of live resources.
    pub fn lab_summaries(&self) -> Result<Vec<LabSummary>> {
        let labs: Vec<(String, String, i64)> = self.with(|c| {
            let mut st = c.prepare("SELECT name, region, created_at FROM labs ORDER BY created_at, name")?;
            st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect()
        })?;
        labs.into_iter()
            .map(|(name, region, created_at_ms)| {
                let live = self.resources(&name)?.iter().filter(|r| r.state.is_live()).count();
                let removed_at_ms = if live == 0 {
                    self.with(|c| {
                        c.query_row(
                            "SELECT MAX(updated_at) FROM resources WHERE lab = ?1 AND state = ?2",
                            params![name, ResourceState::Deleted.as_str()],
                            |r| r.get::<_, Option<i64>>(0),
                        )
                    })?
                } else {
                    None
                };
                Ok(LabSummary {
                    live_resources: u32::try_from(live).unwrap_or(u32::MAX),
                    removed_at_ms,
                    name,
                    region,
                    created_at_ms,
                })
            })
            .collect()
    }

    /// Written before the create call is sent. Keeps an existing row's later state (a rerun
    /// must not forget that a resource was already created).
    pub fn record_intent(&self, lab: &str, kind: &str, name: &str, step: &str) -> Result<()> {
        let now = now_ms();
        self.with(|c| {
            c.execute(
                "INSERT INTO resources (lab, kind, name, step, state, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, 'intent', ?5, ?5)
                 ON CONFLICT(lab, kind, name) DO UPDATE SET
                    state = CASE WHEN state = 'deleted' THEN 'intent' ELSE state END,
                    updated_at = ?5",
                params![lab, kind, name, step, now],
            )
            .map(drop)
        })
    }

    /// Moves a resource to `state`, keeping its physical id unless a new one is given.
    pub fn set_state(
        &self,
        lab: &str,
        kind: &str,
        name: &str,
        state: ResourceState,
        physical_id: Option<&str>,
    ) -> Result<()> {
        let changed = self.with(|c| {
            c.execute(
                "UPDATE resources SET state = ?4, physical_id = COALESCE(?5, physical_id), updated_at = ?6
                 WHERE lab = ?1 AND kind = ?2 AND name = ?3",
                params![lab, kind, name, state.as_str(), physical_id, now_ms()],
            )
        })?;
        if changed == 0 {
            return Err(Error::Internal(format!(
                "ledger: {kind} {name} of lab {lab} has no intent row (a bug: intents come first)"
            )));
        }
        Ok(())
    }

    pub fn resources(&self, lab: &str) -> Result<Vec<LedgerResource>> {
        let rows: Vec<(String, String, String, String, Option<String>)> = self.with(|c| {
            let mut st = c.prepare(
                "SELECT kind, name, step, state, physical_id FROM resources WHERE lab = ?1 ORDER BY created_at, kind, name",
            )?;
            st.query_map([lab], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?
                .collect()
        })?;
        rows.into_iter()
            .map(|(kind, name, step, state, physical_id)| {
                Ok(LedgerResource {
                    kind,
                    name,
                    step,
                    state: ResourceState::parse(&state)?,
                    physical_id,
                })
            })
            .collect()
    }

    /// One AWS call. Takes names and outcomes only, so a secret cannot end up here.
    pub fn audit(
        &self,
        lab: Option<&str>,
        service: &str,
        operation: &str,
        resource: Option<&str>,
        outcome: &str,
        duration_ms: i64,
    ) -> Result<()> {
        self.with(|c| {
            c.execute(
                "INSERT INTO audit (lab, at_ms, service, operation, resource, outcome, duration_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![lab, now_ms(), service, operation, resource, outcome, duration_ms],
            )
            .map(drop)
        })
    }

    pub fn audit_trail(&self, lab: &str) -> Result<Vec<AuditEntry>> {
        self.with(|c| {
            let mut st = c.prepare(
                "SELECT at_ms, service, operation, resource, outcome, duration_ms FROM audit
                 WHERE lab = ?1 ORDER BY id",
            )?;
            st.query_map([lab], |r| {
                Ok(AuditEntry {
                    at_ms: r.get(0)?,
                    service: r.get(1)?,
                    operation: r.get(2)?,
                    resource: r.get(3)?,
                    outcome: r.get(4)?,
                    duration_ms: r.get(5)?,
                })
            })?
            .collect()
        })
    }
}

fn busy(lab: &str, holder: String) -> Error {
    Error::Invalid {
        field: "lab".into(),
        message: format!(
            "lab {lab} is busy: {holder}. Wait for it to finish, or stop it there, then try again (랩 {lab}은(는) 다른 작업이 사용 중입니다: {holder})"
        ),
    }
}

/// A held lab lock ([`Ledger::lock_lab`]); dropping it releases the lab.
pub enum LabLock {
    /// The OS releases the lock when the file is closed, or the process ends however it ends.
    File(std::fs::File),
    Memory(Arc<Mutex<std::collections::HashSet<String>>>, String),
}

impl Drop for LabLock {
    fn drop(&mut self) {
        if let LabLock::Memory(held, lab) = self {
            held.lock().unwrap_or_else(|e| e.into_inner()).remove(lab.as_str());
        }
    }
}

/// Runs the migrations not yet applied. The version is read inside an IMMEDIATE transaction
/// (which takes the write lock first), so two processes opening a new ledger at once migrate
/// it once: the second waits, then finds it done.
fn migrate(conn: &mut Connection) -> Result<()> {
    let done: usize = conn
        .pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0))
        .map_err(db_err)? as usize;
    if done > MIGRATIONS.len() {
        return Err(Error::Internal(format!(
            "ledger: it was written by a newer Pipewright (schema version {done}; this one knows {}): update Pipewright to use it, and keep the file as it is",
            MIGRATIONS.len()
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(done) {
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(db_err)?;
        let now: i64 = tx
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(db_err)?;
        if now as usize > i {
            continue; // another process ran it while we waited for the lock
        }
        tx.execute_batch(sql).map_err(db_err)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64).map_err(db_err)?;
        tx.commit().map_err(db_err)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ledger_with_lab() -> Ledger {
        let l = Ledger::in_memory().unwrap();
        l.upsert_lab("ktb", "ap-northeast-2", None, "name = \"ktb\"").unwrap();
        l
    }

    #[test]
    fn intent_then_created_keeps_the_physical_id() {
        let l = ledger_with_lab();
        l.record_intent("ktb", "ecr_repository", "ktb-repo", "registry")
            .unwrap();
        assert_eq!(l.resources("ktb").unwrap()[0].state, ResourceState::Intent);
        l.set_state(
            "ktb",
            "ecr_repository",
            "ktb-repo",
            ResourceState::Created,
            Some("arn:x"),
        )
        .unwrap();
        l.set_state("ktb", "ecr_repository", "ktb-repo", ResourceState::Deleting, None)
            .unwrap();
        let r = &l.resources("ktb").unwrap()[0];
        assert_eq!(r.state, ResourceState::Deleting);
        assert_eq!(r.physical_id.as_deref(), Some("arn:x"));
    }

    #[test]
    fn a_rerun_intent_does_not_forget_a_created_resource() {
        let l = ledger_with_lab();
        l.record_intent("ktb", "ecs_cluster", "ktb-cluster", "deploy").unwrap();
        l.set_state(
            "ktb",
            "ecs_cluster",
            "ktb-cluster",
            ResourceState::Created,
            Some("arn:c"),
        )
        .unwrap();
        l.record_intent("ktb", "ecs_cluster", "ktb-cluster", "deploy").unwrap();
        assert_eq!(l.resources("ktb").unwrap()[0].state, ResourceState::Created);
        assert_eq!(l.resources("ktb").unwrap().len(), 1);
    }

    #[test]
    fn summaries_count_only_what_may_still_bill() {
        let l = ledger_with_lab();
        l.upsert_lab("old", "us-east-1", None, "name = \"old\"").unwrap();
        let rows = [
            ("s3_bucket", "b", None),
            ("iam_role", "r", Some(ResourceState::Created)),
            ("ecs_cluster", "c", Some(ResourceState::Adopted)),
            ("load_balancer", "lb", Some(ResourceState::Deleting)),
            ("connection", "gh", Some(ResourceState::Reused)),
            ("ecr_repository", "repo", Some(ResourceState::Deleted)),
        ];
        for (kind, name, state) in rows {
            l.record_intent("ktb", kind, name, "deploy").unwrap();
            if let Some(state) = state {
                l.set_state("ktb", kind, name, state, None).unwrap();
            }
        }
        l.record_intent("old", "iam_role", "r", "build").unwrap();
        l.set_state("old", "iam_role", "r", ResourceState::Deleted, None)
            .unwrap();

        let summaries = l.lab_summaries().unwrap();
        let ktb = summaries.iter().find(|s| s.name == "ktb").unwrap();
        assert_eq!(ktb.live_resources, 4, "intent, created, adopted and deleting");
        assert_eq!(ktb.region, "ap-northeast-2");
        assert!(ktb.created_at_ms > 0);
        let old = summaries.iter().find(|s| s.name == "old").unwrap();
        assert_eq!((old.live_resources, old.region.as_str()), (0, "us-east-1"));
        assert_eq!(ktb.removed_at_ms, None, "still live");
        assert!(old.removed_at_ms.is_some_and(|t| t >= old.created_at_ms), "torn down");
        assert_eq!(summaries.len(), 2);
    }

    #[test]
    fn state_change_without_intent_is_refused() {
        let l = ledger_with_lab();
        let err = l
            .set_state("ktb", "s3_bucket", "b", ResourceState::Created, None)
            .unwrap_err();
        assert!(err.to_string().contains("no intent row"), "{err}");
    }

    #[test]
    fn survives_reopen_and_migrates_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.sqlite3");
        {
            let l = Ledger::open(&path).unwrap();
            l.upsert_lab("ktb", "us-east-1", Some("123456789012"), "x").unwrap();
            l.record_intent("ktb", "iam_role", "ktb-build-role", "build").unwrap();
            l.audit(Some("ktb"), "iam", "CreateRole", Some("ktb-build-role"), "ok", 12)
                .unwrap();
        }
        let l = Ledger::open(&path).unwrap();
        assert_eq!(l.labs().unwrap(), vec!["ktb".to_string()]);
        assert_eq!(l.resources("ktb").unwrap().len(), 1);
        let trail = l.audit_trail("ktb").unwrap();
        assert_eq!(trail.len(), 1);
        assert_eq!(trail[0].operation, "CreateRole");
        let conn = Connection::open(&path).unwrap();
        let v: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
        assert_eq!(v as usize, MIGRATIONS.len());
    }

    #[test]
    fn a_newer_schema_is_refused_rather_than_misread() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.sqlite3");
        Connection::open(&path)
            .unwrap()
            .pragma_update(None, "user_version", 99)
            .unwrap();
        let err = Ledger::open(&path).err().unwrap();
        let msg = err.to_string();
        assert!(msg.contains("newer") && msg.contains("update Pipewright"), "{msg}");
        assert!(msg.contains(&path.display().to_string()), "names the file: {msg}");
    }

    #[test]
    fn a_damaged_ledger_names_the_file_and_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        for (name, bytes) in [
            (
                "garbage.sqlite3",
                b"this is not a database, it is a shopping list\n".repeat(200),
            ),
            ("truncated.sqlite3", b"SQLite format 3\0".to_vec()),
        ] {
            let path = dir.path().join(name);
            std::fs::write(&path, &bytes).unwrap();
            let msg = Ledger::open(&path).err().expect("refused").to_string();
            assert!(msg.contains(&path.display().to_string()), "{msg}");
            assert!(msg.contains("move it aside"), "{msg}");
            assert_eq!(
                std::fs::read(&path).unwrap(),
                bytes,
                "the damaged file is left as it was"
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn the_ledger_and_its_locks_are_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.sqlite3");
        let l = Ledger::open(&path).unwrap();
        l.upsert_lab("ktb", "ap-northeast-2", None, "name = \"ktb\"").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        let _lock = l.lock_lab("ktb", "apply").unwrap();
        assert_eq!(mode(&dir.path().join("locks")), 0o700);
        assert_eq!(mode(&dir.path().join("locks/ktb.lock")), 0o600);
        // A file left world-readable by an older version is tightened on open.
        drop(l);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        Ledger::open(&path).unwrap();
        assert_eq!(mode(&path), 0o600);
    }

    #[test]
    fn two_processes_creating_a_ledger_at_once_migrate_it_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.sqlite3");
        let opened: Vec<_> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8).map(|_| s.spawn(|| Ledger::open(&path).map(|_| ()))).collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        for r in opened {
            r.expect("every opener succeeds");
        }
        let v: i64 = Connection::open(&path)
            .unwrap()
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v as usize, MIGRATIONS.len());
    }

    #[test]
    fn one_run_per_lab_naming_who_holds_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.sqlite3");
        let app = Ledger::open(&path).unwrap();
        let cli = Ledger::open(&path).unwrap();
        let held = app.lock_lab("ktb", "apply").unwrap();
        let err = cli.lock_lab("ktb", "teardown").err().expect("refused");
        assert_eq!(err.field(), Some("lab"));
        let msg = err.to_string();
        assert!(
            msg.contains("busy") && msg.contains(&format!("pid {}", std::process::id())),
            "{msg}"
        );
        assert!(msg.contains("running apply"), "{msg}");
        let other = cli.lock_lab("lab2", "apply").expect("another lab is free");
        drop(held);
        cli.lock_lab("ktb", "teardown").expect("free once released");
        drop(other);
        assert!(app.lock_lab("../etc", "apply").is_err(), "no paths in lab names");
        let mem = Ledger::in_memory().unwrap();
        let _a = mem.lock_lab("ktb", "apply").unwrap();
        assert!(mem.lock_lab("ktb", "teardown").is_err());
    }

    #[test]
    fn a_lab_is_only_touched_from_the_account_it_was_created_in() {
        let l = Ledger::in_memory().unwrap();
        l.check_account("ktb", "111111111111")
            .expect("unknown lab: nothing to compare");
        l.upsert_lab("ktb", "us-east-1", Some("111111111111"), "x").unwrap();
        l.check_account("ktb", "111111111111").unwrap();
        let err = l.check_account("ktb", "222222222222").unwrap_err();
        assert_eq!(err.code(), crate::error::ErrorCode::WrongAccount);
        assert!(err.to_string().contains("111111111111") && err.to_string().contains("222222222222"));
        // A rerun without an account (never recorded) keeps the first one.
        l.upsert_lab("ktb", "us-east-1", None, "x").unwrap();
        assert_eq!(l.lab_account("ktb").unwrap().as_deref(), Some("111111111111"));
    }
}
