//! The IPC surface: every type that crosses between the UI and the core, declared once here.
//! TypeScript declarations are generated from these (see `bindings`), never written by hand.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::secret::Secret;

/// The caller identity STS reports, plus where we asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Identity {
    pub account: String,
    pub arn: String,
    pub user_id: String,
    pub region: String,
    /// Set when talking to a non-AWS endpoint (the sandbox in practice mode).
    pub endpoint: Option<String>,
}

/// Which credentials a command acts with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum CredentialSource {
    /// The local sandbox: no AWS account involved.
    Practice,
    /// A named profile from `~/.aws/config`.
    Profile { name: String },
    /// A named set of keys stored in the OS keyring.
    Keyring { name: String },
}

/// A named set of access keys: what the Connect screen sends to save, and what the keyring
/// gives back. Secrets are [`Secret`]s, so formatting this struct never shows them, and it has
/// no `Serialize`: it only ever travels from the UI to the core.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CredentialSet {
    /// 1 to 64 of `A-Z a-z 0-9 _ . -`.
    pub name: String,
    /// `AKIA…` (long-term) or `ASIA…` (temporary) and 16 more uppercase letters or digits.
    pub access_key_id: String,
    #[ts(type = "string")]
    pub secret_access_key: Secret,
    /// Only for temporary (`ASIA…`) keys.
    #[serde(default)]
    #[ts(type = "string | null")]
    pub session_token: Option<Secret>,
    /// The default region for this set, e.g. "ap-northeast-2".
    pub region: String,
}

/// A saved credential set as the UI lists it: never the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CredentialSummary {
    pub name: String,
    pub access_key_id: String,
    pub region: String,
}

/// What an AWS profile gets its credentials from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum ProfileKind {
    /// `aws_access_key_id` / `aws_secret_access_key` in the profile.
    Static,
    /// IAM Identity Center: `sso_session` or `sso_start_url`; needs `aws sso login`.
    Sso,
    /// `role_arn` with a source profile or credential source.
    AssumeRole,
    /// `credential_process`: an external command prints the keys.
    Process,
    /// Anything else (web identity, or only settings such as `region`).
    Other,
}

/// A profile from `~/.aws/config` or `~/.aws/credentials` (read-only: Pipewright never edits them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ProfileSummary {
    pub name: String,
    pub kind: ProfileKind,
    pub region: Option<String>,
}

/// What the app shows about practice mode's sandbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SandboxStatus {
    pub running: bool,
    pub url: Option<String>,
    /// How many times faster than AWS it runs (1: AWS's own pace), when it answers.
    pub speedup: Option<u32>,
}

/// Static facts the UI needs at start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    pub version: String,
    /// The OS locale as reported by the system, e.g. "ko-KR"; the UI picks its language from it.
    pub locale: Option<String>,
}
