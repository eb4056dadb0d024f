//! The one place that builds the AWS SDK configuration and hands out clients.
//!
//! Credentials come from the standard chain (environment, `~/.aws` profiles, SSO, process,
//! IMDS) unless the caller passes explicit keys (from the OS keyring, or the sandbox's dummy
//! keys); a chosen profile is used alone, never keys that happen to be in the environment.
//! An explicit endpoint (practice mode) wins; endpoints from the environment or a profile
//! (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_<SERVICE>`, `endpoint_url`) count only when they are
//! local, i.e. the sandbox.

use std::time::Duration;

use aws_config::{BehaviorVersion, Region, retry::RetryConfig, timeout::TimeoutConfig};
use aws_credential_types::Credentials;
use aws_types::SdkConfig;

use crate::error::{Error, Result};
use crate::regions::is_known_region;
use crate::secret::Secret;

/// Access keys handed in explicitly. The secret never leaves this struct except into the SDK.
#[derive(Clone)]
pub struct StaticKeys {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

/// Wiped when dropped, like [`crate::Secret`]: the copy handed to the SDK is the SDK's to wipe
/// (its `Credentials` zeroize their secret), this one is ours.
impl Drop for StaticKeys {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.secret_access_key.zeroize();
        self.session_token.zeroize();
    }
}

impl zeroize::ZeroizeOnDrop for StaticKeys {}

impl std::fmt::Debug for StaticKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaticKeys")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .field("session_token", &self.session_token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// What to build the SDK config from. Every field is optional: unset means "the standard chain".
#[derive(Debug, Clone, Default)]
pub struct AwsSettings {
    pub profile: Option<String>,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    pub keys: Option<StaticKeys>,
}

/// What it takes to talk to a practice sandbox: where it listens and the key it made at
/// start (`sandbox/pipewright_sandbox/guard.py`), without which it refuses every AWS call and
/// every control request that changes something.
#[derive(Clone, PartialEq, Eq)]
pub struct SandboxAccess {
    pub url: String,
    pub key: Secret,
}

/// The header that carries [`SandboxAccess::key`] on the sandbox's control routes.
pub const SANDBOX_KEY_HEADER: &str = "X-Pipewright-Sandbox-Key";

impl SandboxAccess {
    pub fn new(url: impl Into<String>, key: impl Into<String>) -> Self {
        SandboxAccess {
            url: url.into().trim_end_matches('/').to_owned(),
            key: Secret::new(key.into()),
        }
    }

    /// A request to one of the sandbox's `/_sandbox/...` routes, carrying the key.
    pub fn control(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        reqwest::Client::new()
            .request(method, format!("{}{path}", self.url))
            .header(SANDBOX_KEY_HEADER, self.key.expose())
    }
}

impl std::fmt::Debug for SandboxAccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxAccess")
            .field("url", &self.url)
            .field("key", &self.key)
            .finish()
    }
}

impl AwsSettings {
    /// Settings for the local sandbox: its URL, a fixed region, and its key as the access key
    /// id (the sandbox checks no signature, only that key).
    pub fn sandbox(access: &SandboxAccess, region: impl Into<String>) -> Self {
        AwsSettings {
            profile: None,
            region: Some(region.into()),
            endpoint_url: Some(access.url.clone()),
            keys: Some(StaticKeys {
                access_key_id: access.key.expose().to_owned(),
                secret_access_key: "sandbox".into(),
                session_token: None,
            }),
        }
    }
}

/// A loaded SDK configuration. Cheap to clone; clients share its HTTP connection pool.
#[derive(Debug, Clone)]
pub struct AwsContext {
    config: SdkConfig,
    /// The profile in use (from the settings or `AWS_PROFILE`), to name it in SSO errors.
    profile: Option<String>,
    /// Local endpoints need S3 path-style addressing (no bucket-name subdomains on 127.0.0.1).
    path_style_s3: bool,
    /// How fast simulated AWS work runs at this endpoint, relative to AWS (1.0 = AWS's own
    /// pace). The sandbox reports it; anything else runs at AWS's pace.
    time_scale: f64,
}

impl AwsContext {
    pub async fn load(settings: &AwsSettings) -> Result<Self> {
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .retry_config(RetryConfig::standard().with_max_attempts(5))
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(5))
                    .operation_attempt_timeout(Duration::from_secs(30))
                    .build(),
            );
        if let Some(profile) = &settings.profile {
            loader = loader.profile_name(profile);
            // The default chain reads AWS_ACCESS_KEY_ID and friends before any profile, so a
            // chosen profile would quietly act as whatever keys the shell happens to hold.
            if settings.keys.is_none() {
                loader = loader.credentials_provider(
                    aws_config::profile::ProfileFileCredentialsProvider::builder()
                        .profile_name(profile)
                        .build(),
                );
            }
        }
        if let Some(region) = &settings.region {
            loader = loader.region(Region::new(region.clone()));
        }
        if let Some(url) = &settings.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        if let Some(keys) = &settings.keys {
            loader = loader.credentials_provider(Credentials::new(
                keys.access_key_id.clone(),
                keys.secret_access_key.clone(),
                keys.session_token.clone(),
                None,
                "pipewright",
            ));
        }
        let mut config = loader.load().await;
        if settings.endpoint_url.is_none() {
            config = local_endpoints_only(config);
        }
        match config.region() {
            None => return Err(Error::NoRegion),
            // Checked here: an unknown region has no endpoint, and would read as "no network".
            Some(region) if !is_known_region(region.as_ref()) => {
                return Err(Error::UnknownRegion(region.to_string()));
            }
            Some(_) => {}
        }
        let profile = match &settings.keys {
            Some(_) => None,
            None => settings
                .profile
                .clone()
                .or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty())),
        };
        let path_style_s3 = config.endpoint_url().is_some();
        let time_scale = match config.endpoint_url() {
            Some(url) => sandbox_time_scale(url).await.unwrap_or(1.0),
            None => 1.0,
        };
        Ok(AwsContext {
            config,
            profile,
            path_style_s3,
            time_scale,
        })
    }

    /// The pace of the endpoint: 1.0 on AWS, the sandbox's time scale in practice mode. Every
    /// deadline and poll interval is derived from it (see `resources::Timing`).
    pub fn time_scale(&self) -> f64 {
        self.time_scale
    }

    pub fn region(&self) -> &str {
        self.config.region().map(|r| r.as_ref()).unwrap_or_default()
    }

    /// The named profile credentials come from, if any (`None` for explicit keys).
    pub fn profile(&self) -> Option<&str> {
        self.profile.as_deref()
    }

    pub fn endpoint_url(&self) -> Option<&str> {
        self.config.endpoint_url()
    }

    pub fn sdk_config(&self) -> &SdkConfig {
        &self.config
    }

    pub fn sts(&self) -> aws_sdk_sts::Client {
        aws_sdk_sts::Client::new(&self.config)
    }
    pub fn iam(&self) -> aws_sdk_iam::Client {
        aws_sdk_iam::Client::new(&self.config)
    }
    pub fn s3(&self) -> aws_sdk_s3::Client {
        let conf = aws_sdk_s3::config::Builder::from(&self.config)
            .force_path_style(self.path_style_s3)
            .build();
        aws_sdk_s3::Client::from_conf(conf)
    }
    pub fn ec2(&self) -> aws_sdk_ec2::Client {
        aws_sdk_ec2::Client::new(&self.config)
    }
    pub fn elbv2(&self) -> aws_sdk_elasticloadbalancingv2::Client {
        aws_sdk_elasticloadbalancingv2::Client::new(&self.config)
    }
    pub fn ecs(&self) -> aws_sdk_ecs::Client {
        aws_sdk_ecs::Client::new(&self.config)
    }
    pub fn ecr(&self) -> aws_sdk_ecr::Client {
        aws_sdk_ecr::Client::new(&self.config)
    }
    pub fn codebuild(&self) -> aws_sdk_codebuild::Client {
        aws_sdk_codebuild::Client::new(&self.config)
    }
    pub fn codepipeline(&self) -> aws_sdk_codepipeline::Client {
        aws_sdk_codepipeline::Client::new(&self.config)
    }
    pub fn connections(&self) -> aws_sdk_codestarconnections::Client {
        aws_sdk_codestarconnections::Client::new(&self.config)
    }
    pub fn logs(&self) -> aws_sdk_cloudwatchlogs::Client {
        aws_sdk_cloudwatchlogs::Client::new(&self.config)
    }
    pub fn tagging(&self) -> aws_sdk_resourcegroupstagging::Client {
        aws_sdk_resourcegroupstagging::Client::new(&self.config)
    }
    pub fn scheduler(&self) -> aws_sdk_scheduler::Client {
        aws_sdk_scheduler::Client::new(&self.config)
    }

    /// Now on the clock AWS keeps (epoch seconds): wall time on AWS; in practice mode the
    /// sandbox's `awsTime`, which runs faster than the wall clock, and is when its
    /// EventBridge schedules fire. A schedule's `at(...)` is computed from this.
    pub async fn aws_now(&self) -> f64 {
        let wall = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0);
        match self.config.endpoint_url() {
            Some(url) => sandbox_aws_time(url).await.unwrap_or(wall),
            None => wall,
        }
    }
}

/// Whether an endpoint from the environment or a profile may be used: only a local one
/// (practice mode's sandbox listens on 127.0.0.1). Anything else would send requests signed
/// with the student's real keys to a host a stray `AWS_ENDPOINT_URL` names.
pub fn is_local_endpoint(url: &str) -> bool {
    match url::Url::parse(url).ok().and_then(|u| u.host().map(|h| h.to_owned())) {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// The config with every configured endpoint that is not local dropped: `AWS_ENDPOINT_URL`
/// and `endpoint_url` in a profile (the config's own), and the per-service
/// `AWS_ENDPOINT_URL_<SERVICE>` each client reads through the service config.
fn local_endpoints_only(config: SdkConfig) -> SdkConfig {
    let mut builder = config.to_builder();
    if config.endpoint_url().is_some_and(|u| !is_local_endpoint(u)) {
        builder.set_endpoint_url(None);
    }
    builder.set_service_config(Some(LocalEndpointsOnly(config)));
    builder.build()
}

#[derive(Debug)]
struct LocalEndpointsOnly(SdkConfig);

impl aws_types::service_config::LoadServiceConfig for LocalEndpointsOnly {
    fn load_config(&self, key: aws_types::service_config::ServiceConfigKey<'_>) -> Option<String> {
        let endpoint = key.env() == "AWS_ENDPOINT_URL";
        let value = self.0.service_config()?.load_config(key)?;
        (!endpoint || is_local_endpoint(&value)).then_some(value)
    }
}

async fn sandbox_health(endpoint: &str) -> Option<serde_json::Value> {
    let url = format!("{}/_sandbox/health", endpoint.trim_end_matches('/'));
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(3))
        .build()
        .ok()?;
    client.get(url).send().await.ok()?.json().await.ok()
}

/// The sandbox's AWS clock (`awsTime` at `GET /_sandbox/health`).
async fn sandbox_aws_time(endpoint: &str) -> Option<f64> {
    let t = sandbox_health(endpoint).await?.get("awsTime")?.as_f64()?;
    (t.is_finite() && t > 0.0).then_some(t)
}

/// The time scale a Pipewright sandbox at `endpoint` reports (`GET /_sandbox/health`), or
/// `None` when the endpoint is not one (another emulator, a proxy): then AWS's pace applies.
pub async fn sandbox_time_scale(endpoint: &str) -> Option<f64> {
    let scale = sandbox_health(endpoint).await?.get("timeScale")?.as_f64()?;
    (scale.is_finite() && scale > 0.0).then_some(scale)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_types::service_config::{LoadServiceConfig, ServiceConfigKey};

    #[derive(Debug)]
    struct Configured(&'static str);

    impl LoadServiceConfig for Configured {
        fn load_config(&self, _key: ServiceConfigKey<'_>) -> Option<String> {
            Some(self.0.to_owned())
        }
    }

    fn key(env: &'static str) -> ServiceConfigKey<'static> {
        ServiceConfigKey::builder()
            .service_id("STS")
            .env(env)
            .profile("endpoint_url")
            .build()
            .unwrap()
    }

    #[test]
    fn only_local_endpoints_count_from_the_environment() {
        for local in [
            "http://127.0.0.1:4566",
            "http://localhost:4566",
            "http://[::1]:4566",
            "http://127.0.0.9",
        ] {
            assert!(is_local_endpoint(local), "{local}");
        }
        for remote in [
            "https://evil.example",
            "http://127.0.0.1.evil.example",
            "http://localhost.evil.example",
            "https://sts.amazonaws.com",
            "http://10.0.0.1:4566",
            "not a url",
        ] {
            assert!(!is_local_endpoint(remote), "{remote}");
        }
        let remote = SdkConfig::builder()
            .endpoint_url("https://evil.example")
            .service_config(Configured("https://evil.example"))
            .build();
        let kept = local_endpoints_only(remote);
        assert_eq!(kept.endpoint_url(), None);
        let sc = kept.service_config().unwrap();
        assert_eq!(
            sc.load_config(key("AWS_ENDPOINT_URL")),
            None,
            "AWS_ENDPOINT_URL_STS dropped"
        );
        assert_eq!(
            sc.load_config(key("AWS_USE_FIPS_ENDPOINT")).as_deref(),
            Some("https://evil.example"),
            "other service settings pass through"
        );
        let local = SdkConfig::builder()
            .endpoint_url("http://127.0.0.1:4566")
            .service_config(Configured("http://127.0.0.1:4566"))
            .build();
        let kept = local_endpoints_only(local);
        assert_eq!(kept.endpoint_url(), Some("http://127.0.0.1:4566"));
        assert_eq!(
            kept.service_config()
                .unwrap()
                .load_config(key("AWS_ENDPOINT_URL"))
                .as_deref(),
            Some("http://127.0.0.1:4566")
        );
    }
}
