//! Errors at the core's boundary.
//!
//! Every error has a stable `code` (the UI and the CLI match on it, never on text), keeps the
//! AWS error code and message when AWS said something, and carries a hint for the student.
//! Across IPC an error travels as [`ErrorPayload`].

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Stable codes for every error the core reports. Renaming one is a breaking change for the
/// UI's translations (`ui/src/lib/i18n/*.json`, key `errors.<code>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// No region anywhere in the chain (profile, environment, settings).
    NoRegion,
    /// No credentials found by the standard chain.
    NoCredentials,
    /// The access key id does not exist (InvalidClientTokenId).
    InvalidKeyId,
    /// The secret does not match the key id (SignatureDoesNotMatch).
    SignatureMismatch,
    /// A session token or SSO session has expired.
    ExpiredToken,
    /// The machine's clock is too far from AWS's.
    ClockSkew,
    /// AWS could not be reached at all.
    NoNetwork,
    /// The region name is not one AWS knows.
    UnknownRegion,
    /// AWS refused the call for lack of permission.
    AccessDenied,
    /// AWS answered with an error not listed above.
    Aws,
    /// Input failed validation before anything reached AWS.
    Invalid,
    /// No OS keyring could be reached (no Secret Service on Linux, a locked keychain...).
    /// Pipewright never falls back to storing keys in a file.
    KeyringUnavailable,
    /// No credential set with that name is saved in the keyring.
    CredentialNotFound,
    /// No profile with that name in `~/.aws/config` or `~/.aws/credentials`.
    ProfileNotFound,
    /// A resource with the name the lab needs exists but does not carry the lab's tag: it is
    /// someone else's, and Pipewright neither adopts nor changes it.
    NotOurs,
    /// The account has no default VPC in the region (the lab runs in the default VPC).
    NoDefaultVpc,
    /// The lab was created in another AWS account than the credentials in use.
    WrongAccount,
    /// Something AWS had to finish (a connection handshake, a load balancer, a service
    /// rollout) did not finish before the deadline.
    WaitTimeout,
    /// An AWS quota (service limit) is reached, e.g. the number of connections in the account.
    QuotaExceeded,
    /// The lab's first pipeline run failed: the stage, AWS's message and the build's log say why.
    FirstRunFailed,
    /// The student (or the app) stopped the operation; what was done so far is in the ledger.
    Cancelled,
    /// Something inside Pipewright failed (I/O, a bug).
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::NoRegion => "no_region",
            ErrorCode::NoCredentials => "no_credentials",
            ErrorCode::InvalidKeyId => "invalid_key_id",
            ErrorCode::SignatureMismatch => "signature_mismatch",
            ErrorCode::ExpiredToken => "expired_token",
            ErrorCode::ClockSkew => "clock_skew",
            ErrorCode::NoNetwork => "no_network",
            ErrorCode::UnknownRegion => "unknown_region",
            ErrorCode::AccessDenied => "access_denied",
            ErrorCode::Aws => "aws",
            ErrorCode::Invalid => "invalid",
            ErrorCode::KeyringUnavailable => "keyring_unavailable",
            ErrorCode::CredentialNotFound => "credential_not_found",
            ErrorCode::ProfileNotFound => "profile_not_found",
            ErrorCode::NotOurs => "not_ours",
            ErrorCode::NoDefaultVpc => "no_default_vpc",
            ErrorCode::WrongAccount => "wrong_account",
            ErrorCode::WaitTimeout => "wait_timeout",
            ErrorCode::QuotaExceeded => "quota_exceeded",
            ErrorCode::FirstRunFailed => "first_run_failed",
            ErrorCode::Cancelled => "cancelled",
            ErrorCode::Internal => "internal",
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An AWS call failed. `aws_code` and `message` are AWS's own words.
    #[error("{operation}: {aws_code}: {message}")]
    Aws {
        code: ErrorCode,
        operation: &'static str,
        aws_code: String,
        message: String,
    },
    #[error("no AWS region is set")]
    NoRegion,
    #[error("invalid input at {field}: {message}")]
    Invalid { field: String, message: String },
    #[error("unknown AWS region {0:?}")]
    UnknownRegion(String),
    /// The SSO session behind a profile is missing or expired; `aws sso login` fixes it.
    #[error(
        "the SSO session for profile {profile:?} has expired or was never started: run `aws sso login --profile {profile}`"
    )]
    SsoLoginNeeded { profile: String },
    /// The OS keyring could not be reached. The text is the platform's, never a secret.
    #[error("the OS keyring is not available: {0}")]
    KeyringUnavailable(String),
    #[error("no saved credentials named {0:?}")]
    CredentialNotFound(String),
    #[error("no AWS profile named {0:?} in the AWS config or credentials file")]
    ProfileNotFound(String),
    /// `kind` `name` exists in the account without `pipewright:lab=<lab>`.
    #[error(
        "a {kind} named {name:?} already exists and is not part of lab {lab:?} (it lacks the tag pipewright:lab={lab}); Pipewright will not take it over"
    )]
    NotOurs { kind: String, name: String, lab: String },
    #[error("region {region} has no default VPC")]
    NoDefaultVpc { region: String },
    /// The ledger recorded the lab in `expected`; the credentials belong to `actual`.
    #[error("lab {lab:?} was created in AWS account {expected}, but these credentials belong to account {actual}")]
    WrongAccount {
        lab: String,
        expected: String,
        actual: String,
    },
    #[error("gave up waiting for {what} after {seconds} s")]
    WaitTimeout { what: String, seconds: u64 },
    /// The first pipeline run failed in `failure.stage`; the lab's resources all exist.
    #[error("{}", first_run_message(.0))]
    FirstRunFailed(Box<crate::progress::RunFailure>),
    #[error("cancelled")]
    Cancelled,
    #[error("{0}")]
    Internal(String),
}

impl From<aws_smithy_types::error::operation::BuildError> for Error {
    /// An SDK request built without a required field: a bug of ours, not the student's.
    fn from(e: aws_smithy_types::error::operation::BuildError) -> Self {
        Error::Internal(format!("building an AWS request: {e}"))
    }
}

#[cfg(target_os = "linux")]
const KEYRING_HINT: &str = "Pipewright keeps access keys only in the OS keyring, through the Secret Service. Install and start one (gnome-keyring, or KeePassXC with its Secret Service integration on), unlock the login keyring, and try again.";
#[cfg(target_os = "macos")]
const KEYRING_HINT: &str = "Pipewright keeps access keys only in the macOS Keychain: unlock the login keychain (Keychain Access) and allow Pipewright when asked.";
#[cfg(target_os = "windows")]
const KEYRING_HINT: &str = "Pipewright keeps access keys only in the Windows Credential Manager: sign in to Windows normally (not a restricted session) and try again.";
#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
const KEYRING_HINT: &str =
    "Pipewright keeps access keys only in an OS keyring, and this OS has none it supports: use an AWS profile instead.";

pub type Result<T, E = Error> = std::result::Result<T, E>;

fn first_run_message(f: &crate::progress::RunFailure) -> String {
    let phase = f
        .build_phase
        .as_deref()
        .map(|p| format!(" (build phase {p})"))
        .unwrap_or_default();
    let mut text = format!(
        "the pipeline's first run failed in stage {} at action {}{phase}: {}",
        f.stage, f.action, f.message
    );
    if !f.log_tail.is_empty() {
        text.push_str("\nlast lines of the build log:");
        for line in &f.log_tail {
            text.push_str("\n  ");
            text.push_str(line);
        }
    }
    text
}

impl Error {
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Aws { code, .. } => *code,
            Error::NoRegion => ErrorCode::NoRegion,
            Error::Invalid { .. } => ErrorCode::Invalid,
            Error::UnknownRegion(_) => ErrorCode::UnknownRegion,
            Error::SsoLoginNeeded { .. } => ErrorCode::ExpiredToken,
            Error::KeyringUnavailable(_) => ErrorCode::KeyringUnavailable,
            Error::CredentialNotFound(_) => ErrorCode::CredentialNotFound,
            Error::ProfileNotFound(_) => ErrorCode::ProfileNotFound,
            Error::NotOurs { .. } => ErrorCode::NotOurs,
            Error::NoDefaultVpc { .. } => ErrorCode::NoDefaultVpc,
            Error::WrongAccount { .. } => ErrorCode::WrongAccount,
            Error::WaitTimeout { .. } => ErrorCode::WaitTimeout,
            Error::FirstRunFailed(_) => ErrorCode::FirstRunFailed,
            Error::Cancelled => ErrorCode::Cancelled,
            Error::Internal(_) => ErrorCode::Internal,
        }
    }

    /// What the student can do about it, in English; the UI translates by `code`.
    pub fn hint(&self) -> Option<&'static str> {
        Some(match self.code() {
            ErrorCode::NoRegion => "Choose a region, set AWS_REGION, or add `region` to your AWS profile.",
            ErrorCode::NoCredentials => "Add access keys on the Connect screen, or choose an AWS profile.",
            ErrorCode::InvalidKeyId => "Check the access key id: it may be mistyped, deleted or deactivated.",
            ErrorCode::SignatureMismatch => "The secret access key does not match the key id: paste it again.",
            ErrorCode::ExpiredToken => {
                "Your session has expired. For SSO run `aws sso login --profile <name>`; for temporary keys get new ones."
            }
            ErrorCode::ClockSkew => "Your computer's clock is wrong: turn on automatic time and try again.",
            ErrorCode::NoNetwork => "AWS could not be reached: check the network (or start practice mode).",
            ErrorCode::UnknownRegion => "Pick a region from the list, e.g. ap-northeast-2 (Seoul).",
            ErrorCode::AccessDenied => "These credentials lack a permission this step needs; ask your instructor.",
            ErrorCode::KeyringUnavailable => KEYRING_HINT,
            ErrorCode::CredentialNotFound => {
                "Save the keys first (Connect screen, or `pipewright login --name <name>`), or pick another set."
            }
            ErrorCode::ProfileNotFound => {
                "Check the name with `aws configure list-profiles`, or pick a profile from the list."
            }
            ErrorCode::NotOurs => {
                "Rename the lab (or the resource in the spec), or delete that resource yourself if you know it is unused."
            }
            ErrorCode::NoDefaultVpc => {
                "Create one in the VPC console (Actions → Create default VPC), or pick another region."
            }
            ErrorCode::WrongAccount => {
                "Connect with the credentials of the account the lab was created in, or give this lab another name."
            }
            ErrorCode::WaitTimeout => "Run the same command again: it carries on from where it stopped.",
            ErrorCode::QuotaExceeded => {
                "An AWS quota is reached: delete what you no longer use (e.g. old connections), or ask AWS for a higher quota."
            }
            ErrorCode::FirstRunFailed => {
                "Every resource exists; the pipeline's run failed. Fix what the message and the log show (usually in your repository), push, and run the same command again."
            }
            ErrorCode::Cancelled => "Run the same command again to carry on; nothing is lost.",
            ErrorCode::Aws | ErrorCode::Invalid | ErrorCode::Internal => return None,
        })
    }

    pub fn field(&self) -> Option<&str> {
        match self {
            Error::Invalid { field, .. } => Some(field),
            _ => None,
        }
    }

    pub fn payload(&self) -> ErrorPayload {
        ErrorPayload {
            code: self.code(),
            message: self.to_string(),
            hint: self.hint().map(str::to_owned),
            field: self.field().map(str::to_owned),
        }
    }
}

/// An error as the UI receives it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ErrorPayload {
    pub code: ErrorCode,
    pub message: String,
    pub hint: Option<String>,
    pub field: Option<String>,
}

impl From<Error> for ErrorPayload {
    fn from(e: Error) -> Self {
        e.payload()
    }
}
