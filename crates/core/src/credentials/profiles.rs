//! AWS profiles from `~/.aws/config` and `~/.aws/credentials` (or `AWS_CONFIG_FILE` and
//! `AWS_SHARED_CREDENTIALS_FILE`), read with aws-config's own parser so that Pipewright sees
//! exactly the profiles the SDK will use. Read-only: Pipewright never edits these files.

use aws_config::profile::{Profile, ProfileSet};
use aws_runtime::env_config::file::EnvConfigFiles;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_types::os_shim_internal::{Env, Fs};

use crate::api::{ProfileKind, ProfileSummary};
use crate::error::{Error, Result};

/// Every profile in the user's AWS files, sorted by name.
pub async fn list_profiles() -> Result<Vec<ProfileSummary>> {
    load(&Fs::real(), &Env::real()).await
}

async fn load(fs: &Fs, env: &Env) -> Result<Vec<ProfileSummary>> {
    let set = aws_config::profile::load(fs, env, &EnvConfigFiles::default(), None)
        .await
        .map_err(|e| Error::Internal(format!("cannot read the AWS config files: {}", DisplayErrorContext(&e))))?;
    Ok(summarize(&set))
}

fn summarize(set: &ProfileSet) -> Vec<ProfileSummary> {
    let mut profiles: Vec<ProfileSummary> = set
        .profiles()
        .filter_map(|name| set.get_profile(name))
        .map(|p| ProfileSummary {
            name: p.name().to_owned(),
            kind: kind_of(p),
            region: p.get("region").map(str::to_owned),
        })
        .collect();
    profiles.sort_by(|a, b| a.name.cmp(&b.name));
    profiles
}

impl ProfileKind {
    /// The name the UI and the CLI show, as serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            ProfileKind::Static => "static",
            ProfileKind::Sso => "sso",
            ProfileKind::AssumeRole => "assumeRole",
            ProfileKind::Process => "process",
            ProfileKind::Other => "other",
        }
    }
}

/// In the SDK's own precedence: a role to assume wins over the keys that assume it.
fn kind_of(p: &Profile) -> ProfileKind {
    if p.get("role_arn").is_some() && p.get("web_identity_token_file").is_none() {
        ProfileKind::AssumeRole
    } else if p.get("sso_session").is_some() || p.get("sso_start_url").is_some() {
        ProfileKind::Sso
    } else if p.get("credential_process").is_some() {
        ProfileKind::Process
    } else if p.get("aws_access_key_id").is_some() {
        ProfileKind::Static
    } else {
        ProfileKind::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = "\
[default]
region = ap-northeast-2

[profile sso-dev]
sso_session = school
sso_account_id = 123456789012
sso_role_name = Student
region = us-east-1

[sso-session school]
sso_start_url = https://example.invalid/start
sso_region = us-east-1

[profile legacy-sso]
sso_start_url = https://example.invalid/start
sso_region = us-east-1
sso_account_id = 123456789012
sso_role_name = Student

[profile admin]
role_arn = arn:aws:iam::123456789012:role/Admin
source_profile = default

[profile tool]
credential_process = /bin/false
";

    const CREDENTIALS: &str = "\
[default]
aws_access_key_id = AKIAPIPEWRIGHTTEST01
aws_secret_access_key = not-a-secret

[only-keys]
aws_access_key_id = AKIAPIPEWRIGHTTEST02
aws_secret_access_key = not-a-secret
";

    async fn profiles_from(config: &str, credentials: &str) -> Vec<ProfileSummary> {
        let fs = Fs::from_slice(&[
            ("/home/u/.aws/config", config),
            ("/home/u/.aws/credentials", credentials),
        ]);
        let env = Env::from_slice(&[("HOME", "/home/u")]);
        load(&fs, &env).await.unwrap()
    }

    #[tokio::test]
    async fn lists_both_files_with_kinds_and_regions() {
        let got = profiles_from(CONFIG, CREDENTIALS).await;
        let got: Vec<_> = got
            .iter()
            .map(|p| (p.name.as_str(), p.kind, p.region.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("admin", ProfileKind::AssumeRole, None),
                ("default", ProfileKind::Static, Some("ap-northeast-2")),
                ("legacy-sso", ProfileKind::Sso, None),
                ("only-keys", ProfileKind::Static, None),
                ("sso-dev", ProfileKind::Sso, Some("us-east-1")),
                ("tool", ProfileKind::Process, None),
            ]
        );
    }

    #[tokio::test]
    async fn honours_the_file_overrides() {
        let fs = Fs::from_slice(&[("/elsewhere/config", "[profile moved]\nregion = eu-west-1\n")]);
        let env = Env::from_slice(&[("HOME", "/home/u"), ("AWS_CONFIG_FILE", "/elsewhere/config")]);
        let got = load(&fs, &env).await.unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].name, "moved");
        assert_eq!(got[0].kind, ProfileKind::Other);
    }

    #[tokio::test]
    async fn kind_names_match_their_serialization() {
        for kind in [
            ProfileKind::Static,
            ProfileKind::Sso,
            ProfileKind::AssumeRole,
            ProfileKind::Process,
            ProfileKind::Other,
        ] {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        }
    }

    #[tokio::test]
    async fn no_files_means_no_profiles() {
        assert!(profiles_from("", "").await.is_empty());
    }
}
