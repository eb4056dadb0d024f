//! The snapshot-diff model: a consumer gets one full [`PipelineSnapshot`], then lists of
//! [`Change`]s to apply to it, in order.
//!
//! A change is a JSON Patch (RFC 6902) operation on the snapshot's JSON form, using only two
//! of its operations:
//! - `{"op": "replace", "path": "/stages/1/actions/0/status", "value": "Succeeded"}`: set
//!   the value at a JSON Pointer (RFC 6901) path (`""` is the whole snapshot);
//! - `{"op": "add", "path": "/stages/1/actions/0/build/logTail/-", "value": {...}}`: append
//!   one element to an array (only ever with the `/-` suffix).
//!
//! Arrays that only grew at the end (log lines, build phases, service events that are
//! appended) are sent as `add`s, so a log line is sent exactly once. Any other array change
//! (a new execution at the top of `executions`, a trimmed log tail, another selected
//! execution) replaces the array whole. Objects are compared field by field; every field is
//! always present, so `replace` always finds its target.
//! [`apply_changes`] is the reference implementation (the CLI and the tests use it).

use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

use super::snapshot::PipelineSnapshot;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ChangeOp {
    Replace,
    Add,
}

/// One JSON Patch operation on the snapshot (see the module documentation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Change {
    pub op: ChangeOp,
    /// A JSON Pointer into the snapshot; for `add` it ends with `/-`.
    pub path: String,
    #[ts(type = "unknown")]
    pub value: Value,
}

/// The changes that turn `old` into `new` (empty when they are equal).
pub fn diff(old: &PipelineSnapshot, new: &PipelineSnapshot) -> Vec<Change> {
    let (a, b) = (to_value(old), to_value(new));
    let mut out = Vec::new();
    diff_values(String::new(), &a, &b, &mut out);
    out
}

pub fn to_value(s: &PipelineSnapshot) -> Value {
    serde_json::to_value(s).unwrap_or(Value::Null)
}

fn diff_values(path: String, a: &Value, b: &Value, out: &mut Vec<Change>) {
    if a == b {
        return;
    }
    match (a, b) {
        (Value::Object(x), Value::Object(y)) if x.len() == y.len() && x.keys().all(|k| y.contains_key(k)) => {
            for (k, v) in y {
                diff_values(format!("{path}/{}", escape(k)), &x[k], v, out);
            }
        }
        (Value::Array(x), Value::Array(y)) if y.len() > x.len() && y[..x.len()] == x[..] => {
            for v in &y[x.len()..] {
                out.push(Change {
                    op: ChangeOp::Add,
                    path: format!("{path}/-"),
                    value: v.clone(),
                });
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() && same_ids(x, y) => {
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                diff_values(format!("{path}/{i}"), v, w, out);
            }
        }
        _ => out.push(Change {
            op: ChangeOp::Replace,
            path,
            value: b.clone(),
        }),
    }
}

/// Elements identified by an `id` (or a `name`) must line up to be diffed one by one;
/// otherwise the list shifted and is replaced whole.
fn same_ids(x: &[Value], y: &[Value]) -> bool {
    let key = |v: &Value| v.get("id").or_else(|| v.get("name")).cloned();
    x.iter().zip(y).all(|(v, w)| key(v) == key(w))
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// Applies changes to a snapshot's JSON form, as a consumer does. Errs on a path that does
/// not exist (a consumer that missed a message should ask for a new snapshot).
pub fn apply_changes(doc: &mut Value, changes: &[Change]) -> Result<(), String> {
    for c in changes {
        let (parent, last) = match c.path.rfind('/') {
            None if c.path.is_empty() => {
                *doc = c.value.clone();
                continue;
            }
            None => return Err(format!("bad path {:?}", c.path)),
            Some(i) => (&c.path[..i], unescape(&c.path[i + 1..])),
        };
        let target = doc
            .pointer_mut(parent)
            .ok_or_else(|| format!("no {parent:?} in the snapshot"))?;
        match (c.op, target) {
            (ChangeOp::Add, Value::Array(items)) if last == "-" => items.push(c.value.clone()),
            (ChangeOp::Replace, Value::Object(map)) if map.contains_key(&last) => {
                map.insert(last, c.value.clone());
            }
            (ChangeOp::Replace, Value::Array(items)) => {
                let slot = last
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| items.get_mut(i))
                    .ok_or_else(|| format!("no {:?} in the snapshot", c.path))?;
                *slot = c.value.clone();
            }
            _ => return Err(format!("cannot {:?} at {:?}", c.op, c.path)),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::watch::snapshot::*;

    fn snap() -> PipelineSnapshot {
        PipelineSnapshot {
            pipeline: "p".into(),
            stages: vec![StageView {
                name: "Build".into(),
                status: Some(RunStatus::InProgress),
                waiting: false,
                actions: vec![ActionView {
                    name: "Build".into(),
                    run_order: 1,
                    provider: Some("CodeBuild".into()),
                    status: Some(RunStatus::InProgress),
                    started_at: Some(1.0),
                    updated_at: Some(1.0),
                    summary: None,
                    error_details: None,
                    external_id: None,
                    external_url: None,
                    console_url: None,
                    build: Some(BuildView {
                        id: "b:1".into(),
                        status: None,
                        current_phase: None,
                        phases: vec![],
                        log_tail: vec![LogLine {
                            at: 1.0,
                            text: "one".into(),
                        }],
                        logs_url: None,
                    }),
                    rollout: None,
                }],
            }],
            ..Default::default()
        }
    }

    #[test]
    fn new_log_lines_are_appends_and_statuses_are_replaces() {
        let old = snap();
        let mut new = snap();
        let action = &mut new.stages[0].actions[0];
        action.status = Some(RunStatus::Succeeded);
        let build = action.build.as_mut().unwrap();
        build.log_tail.push(LogLine {
            at: 2.0,
            text: "two".into(),
        });
        let changes = diff(&old, &new);
        assert_eq!(changes.len(), 2, "{changes:?}");
        assert!(changes.contains(&Change {
            op: ChangeOp::Add,
            path: "/stages/0/actions/0/build/logTail/-".into(),
            value: serde_json::json!({"at": 2.0, "text": "two"}),
        }));
        assert!(changes.contains(&Change {
            op: ChangeOp::Replace,
            path: "/stages/0/actions/0/status".into(),
            value: serde_json::json!("Succeeded"),
        }));
        let mut doc = to_value(&old);
        apply_changes(&mut doc, &changes).unwrap();
        assert_eq!(doc, to_value(&new));
        assert!(diff(&new, &new).is_empty());
    }

    #[test]
    fn shifted_lists_are_replaced_whole() {
        let exe = |id: &str| ExecutionSummary {
            id: id.into(),
            status: RunStatus::Succeeded,
            status_summary: None,
            started_at: None,
            updated_at: None,
            ended_at: None,
            source_revision: None,
            trigger: None,
            stop_reason: None,
        };
        let mut old = snap();
        old.executions = vec![exe("b"), exe("a")];
        let mut new = snap();
        new.executions = vec![exe("c"), exe("b")];
        let changes = diff(&old, &new);
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].path, "/executions");
        let mut doc = to_value(&old);
        apply_changes(&mut doc, &changes).unwrap();
        assert_eq!(doc, to_value(&new));
    }
}
