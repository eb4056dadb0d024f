//! Which credentials a command acts with: keys saved with `pipewright login` (`--name`), an
//! AWS profile (`--profile`), or neither: the SDK's standard chain (AWS_PROFILE,
//! AWS_ENDPOINT_URL, the AWS_* keys, SSO...).

use clap::Args;
use pipewright_core::api::CredentialSource;
use pipewright_core::{AwsContext, Error, credentials};

#[derive(Args)]
pub struct AccountArgs {
    /// Keys saved with `pipewright login --name`.
    #[arg(long, conflicts_with = "profile")]
    name: Option<String>,
    /// An AWS profile from ~/.aws/config. Without --name or --profile: the standard chain.
    #[arg(long)]
    profile: Option<String>,
}

impl AccountArgs {
    fn source(&self) -> Option<CredentialSource> {
        match (&self.name, &self.profile) {
            (Some(name), _) => Some(CredentialSource::Keyring { name: name.clone() }),
            (None, Some(name)) => Some(CredentialSource::Profile { name: name.clone() }),
            (None, None) => None,
        }
    }

    /// A context acting in `region` (a lab's own), or with `None` in the credentials' own.
    pub async fn context(&self, region: Option<&str>) -> Result<AwsContext, Error> {
        credentials::context_for(self.source().as_ref(), None, region).await
    }
}
