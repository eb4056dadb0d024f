//! Errors at the core's boundary, and the one place that reads AWS's error answers.
//!
//! Every error has a stable `code` (the UI and the CLI match on it, never on text), keeps the
//! AWS error code and message when AWS said something, and carries a hint for the student.
//! Across IPC an error travels as [`ErrorPayload`].
//!
//! [`classify`] turns an SDK error into an [`Error`]; [`is_code`] asks which AWS code it
//! carries; [`retryable`] says whether AWS means "try again" (throttling, eventual consistency).

use aws_sdk_sts::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
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
    FirstRunFailed(Box<RunFailure>),
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

fn first_run_message(f: &RunFailure) -> String {
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

/// Why the lab's first pipeline run failed: the stage and action, AWS's message, and for a
/// build the failed phase and the log's last lines.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RunFailure {
    pub stage: String,
    pub action: String,
    pub message: String,
    pub build_phase: Option<String>,
    pub log_tail: Vec<String>,
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

// ---- Reading AWS's answers ----

/// The `aws_code` [`classify`] gives a missing or expired SSO token (no AWS call was made).
pub const SSO_TOKEN: &str = "SsoTokenMissingOrExpired";

/// Maps an SDK error to our codes, keeping AWS's own code and message. Failures to get
/// credentials at all (no AWS call made) are told apart by the SDK's error chain: an SSO
/// token that is missing or expired becomes `ExpiredToken` with `aws_code` [`SSO_TOKEN`].
pub fn classify<E, R>(operation: &'static str, err: SdkError<E, R>) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    let (code, aws_code, message) = match &err {
        SdkError::ServiceError(se) => {
            let e = se.err();
            let aws_code = e.code().unwrap_or("Unknown").to_owned();
            let message = e.message().unwrap_or_default().to_owned();
            (code_for(&aws_code, &message), aws_code, message)
        }
        SdkError::DispatchFailure(df) if df.is_io() || df.is_timeout() => (
            ErrorCode::NoNetwork,
            "DispatchFailure".into(),
            DisplayErrorContext(&err).to_string(),
        ),
        SdkError::TimeoutError(_) => (ErrorCode::NoNetwork, "Timeout".into(), err.to_string()),
        SdkError::DispatchFailure(_) | SdkError::ConstructionFailure(_) => {
            let chain = DisplayErrorContext(&err).to_string();
            match credentials_problem(&chain) {
                Some(ErrorCode::ExpiredToken) => (ErrorCode::ExpiredToken, SSO_TOKEN.into(), chain),
                Some(code) => (code, "NoCredentials".into(), chain),
                None if matches!(err, SdkError::DispatchFailure(_)) => {
                    (ErrorCode::Aws, "DispatchFailure".into(), chain)
                }
                None => (ErrorCode::Aws, "ConstructionFailure".into(), chain),
            }
        }
        _ => (ErrorCode::Aws, "Unknown".into(), err.to_string()),
    };
    Error::Aws {
        code,
        operation,
        aws_code,
        message,
    }
}

/// Reads the SDK's error chain for "could not get credentials" and why. Credential providers
/// fail before any request is sent, so there is no AWS error code to go by.
fn credentials_problem(chain: &str) -> Option<ErrorCode> {
    let sso = ["SSO token", "sso/cache", "SSO session", "SsoToken"];
    if sso.iter().any(|s| chain.contains(s)) {
        return Some(ErrorCode::ExpiredToken);
    }
    // "no providers in chain provided credentials", "the credential provider was not enabled"...
    chain.contains("credential").then_some(ErrorCode::NoCredentials)
}

fn code_for(aws_code: &str, message: &str) -> ErrorCode {
    match aws_code {
        "InvalidClientTokenId" | "UnrecognizedClientException" => ErrorCode::InvalidKeyId,
        "SignatureDoesNotMatch" if message.contains("Signature expired") => ErrorCode::ClockSkew,
        "SignatureDoesNotMatch" => ErrorCode::SignatureMismatch,
        "ExpiredToken" | "ExpiredTokenException" | "TokenRefreshRequired" => ErrorCode::ExpiredToken,
        "RequestTimeTooSkewed" | "RequestExpired" => ErrorCode::ClockSkew,
        "AccessDenied" | "AccessDeniedException" | "UnauthorizedOperation" => ErrorCode::AccessDenied,
        "LimitExceededException" | "LimitExceeded" | "ServiceQuotaExceededException" => ErrorCode::QuotaExceeded,
        _ => ErrorCode::Aws,
    }
}

/// AWS's error code, when AWS answered.
pub fn aws_code(e: &Error) -> Option<&str> {
    match e {
        Error::Aws { aws_code, .. } => Some(aws_code),
        _ => None,
    }
}

pub fn aws_message(e: &Error) -> &str {
    match e {
        Error::Aws { message, .. } => message,
        _ => "",
    }
}

pub fn is_code(e: &Error, codes: &[&str]) -> bool {
    aws_code(e).is_some_and(|c| codes.contains(&c))
}

/// What AWS says to retry: throttling and transient server errors, and what AWS's eventual
/// consistency answers for a few seconds after a create:
/// - IAM: a service cannot assume a new role, or be passed it, until it has propagated;
/// - EC2: other calls do not find a new security group yet (`InvalidGroup.NotFound`, or the
///   calling service's wording of it). Deleting or describing a group is never retried for
///   it: there "not found" means gone.
pub fn retryable(e: &Error) -> bool {
    const THROTTLING: &[&str] = &[
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "RequestThrottled",
        "RequestThrottledException",
        "SlowDown",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "InternalFailure",
        "InternalError",
        "InternalServerError",
    ];
    if is_code(e, THROTTLING) {
        return true;
    }
    // HEAD answers have no body, so a throttled or failed HeadBucket carries no error code at
    // all (404 and 403 do get one: NotFound, Forbidden).
    if matches!(e, Error::Aws { operation: "HeadBucket", aws_code, .. } if aws_code == "Unknown") {
        return true;
    }
    if let Error::Aws { operation, .. } = e
        && !matches!(*operation, "DeleteSecurityGroup" | "DescribeSecurityGroups")
        && security_group_not_visible_yet(e)
    {
        return true;
    }
    let message = aws_message(e).to_ascii_lowercase();
    let propagation = [
        "assume role",
        "assumerole",
        "cannot be assumed",
        "unable to assume",
        "not authorized to perform: iam:passrole",
        "role is not valid",
        // EventBridge Scheduler, CreateSchedule with a role IAM has not propagated yet.
        "to assume the role",
    ];
    is_code(
        e,
        &[
            "AccessDenied",
            "AccessDeniedException",
            "InvalidParameterException",
            "InvalidParameterValueException",
            "InvalidInputException",
            "InvalidStructureException",
            "ValidationException",
            "InvalidRequestException",
        ],
    ) && propagation.iter().any(|p| message.contains(p))
}

/// EC2's "not found" for a security group, as EC2 says it and as ELB and ECS pass it on.
fn security_group_not_visible_yet(e: &Error) -> bool {
    if is_code(e, &["InvalidGroup.NotFound"]) {
        return true;
    }
    let message = aws_message(e).to_ascii_lowercase();
    is_code(
        e,
        &[
            "InvalidSecurityGroup",
            "InvalidConfigurationRequest",
            "InvalidParameterException",
        ],
    ) && message.contains("security group")
        && (message.contains("does not exist") || message.contains("not found"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_str_is_each_codes_serialized_name() {
        // Every variant, read from the declaration ts-rs writes into bindings.ts (no list here
        // to forget a new code in).
        let decl = ErrorCode::decl(&ts_rs::Config::default());
        let names: Vec<&str> = decl.split('"').skip(1).step_by(2).collect();
        assert!(names.contains(&"no_region") && names.contains(&"internal"), "{decl}");
        for name in names {
            let code: ErrorCode = serde_json::from_value(serde_json::json!(name)).unwrap();
            assert_eq!(code.as_str(), name);
            assert_eq!(serde_json::to_value(code).unwrap(), serde_json::json!(code.as_str()));
        }
    }

    #[test]
    fn aws_codes_map_to_student_facing_codes() {
        assert_eq!(code_for("InvalidClientTokenId", ""), ErrorCode::InvalidKeyId);
        assert_eq!(code_for("SignatureDoesNotMatch", "bad"), ErrorCode::SignatureMismatch);
        assert_eq!(
            code_for(
                "SignatureDoesNotMatch",
                "Signature expired: 20200101T000000Z is now earlier than"
            ),
            ErrorCode::ClockSkew
        );
        assert_eq!(code_for("ExpiredToken", ""), ErrorCode::ExpiredToken);
        assert_eq!(code_for("Throttling", ""), ErrorCode::Aws);
    }

    #[test]
    fn credential_failures_are_told_apart() {
        assert_eq!(
            credentials_problem("dispatch failure: the SSO token has expired and cannot be refreshed"),
            Some(ErrorCode::ExpiredToken)
        );
        assert_eq!(
            credentials_problem("failed to read `/home/u/.aws/sso/cache/abc.json`: No such file"),
            Some(ErrorCode::ExpiredToken)
        );
        assert_eq!(
            credentials_problem(
                "an error occurred while loading credentials: no providers in chain provided credentials"
            ),
            Some(ErrorCode::NoCredentials)
        );
        assert_eq!(credentials_problem("connection reset"), None);
    }
}
