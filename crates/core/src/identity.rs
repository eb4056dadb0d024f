//! Who are we acting as? STS GetCallerIdentity, with each failure mapped to a code a student
//! can act on.

use aws_sdk_sts::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

use crate::api::Identity;
use crate::aws::AwsContext;
use crate::error::{Error, ErrorCode, Result};

pub async fn whoami(aws: &AwsContext) -> Result<Identity> {
    let out = aws
        .sts()
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| match classify("GetCallerIdentity", e) {
            Error::Aws {
                code: ErrorCode::ExpiredToken,
                aws_code,
                ..
            } if aws_code == SSO_TOKEN => Error::SsoLoginNeeded {
                profile: aws.profile().unwrap_or("default").to_owned(),
            },
            other => other,
        })?;
    Ok(Identity {
        account: out.account().unwrap_or_default().to_owned(),
        arn: out.arn().unwrap_or_default().to_owned(),
        user_id: out.user_id().unwrap_or_default().to_owned(),
        region: aws.region().to_owned(),
        endpoint: aws.endpoint_url().map(str::to_owned),
    })
}

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

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn sso_errors_name_the_command_to_run() {
        let e = Error::SsoLoginNeeded {
            profile: "school".into(),
        };
        assert_eq!(e.code(), ErrorCode::ExpiredToken);
        assert!(e.to_string().contains("aws sso login --profile school"), "{e}");
    }
}
