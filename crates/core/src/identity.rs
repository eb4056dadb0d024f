//! Who are we acting as? STS GetCallerIdentity. Failures are mapped to codes a student can act
//! on by `error::classify`; a missing or expired SSO session names the profile to log in with.

use crate::api::Identity;
use crate::aws::AwsContext;
use crate::error::{Error, ErrorCode, Result, SSO_TOKEN, classify};

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sso_errors_name_the_command_to_run() {
        let e = Error::SsoLoginNeeded {
            profile: "school".into(),
        };
        assert_eq!(e.code(), ErrorCode::ExpiredToken);
        assert!(e.to_string().contains("aws sso login --profile school"), "{e}");
    }
}
