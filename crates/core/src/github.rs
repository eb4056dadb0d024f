//! Reading the student's GitHub repository for the preflight, without a token for a public one.
//!
//! GitHub lets an address make 60 unauthenticated API requests an hour, and a classroom sits
//! behind one address. So the branches come from git's own smart HTTP protocol (one
//! `info/refs` request lists every branch and names the default one) and files come from the
//! raw download host; neither counts against the API limit. The API is used only to tell a
//! private repository from a missing one when a token is saved. Every request is counted
//! ([`GitHub::requests`]) so the preflight can report what it cost.
//!
//! In practice mode the sandbox's practice GitHub answers the same paths
//! (`PIPEWRIGHT_GITHUB_URL`, or the URLs its `GET /_sandbox/health` reports).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::secret::Secret;

/// The API's base URL in practice mode (the sandbox's `githubUrl`).
pub const GITHUB_URL_ENV: &str = "PIPEWRIGHT_GITHUB_URL";
/// github.com's stand-in (clone URLs); derived from the API's URL when unset.
pub const GITHUB_WEB_URL_ENV: &str = "PIPEWRIGHT_GITHUB_WEB_URL";
/// raw.githubusercontent.com's stand-in; derived from the web URL when unset.
pub const GITHUB_RAW_URL_ENV: &str = "PIPEWRIGHT_GITHUB_RAW_URL";

/// Where GitHub answers: its API, its web host (git over HTTP) and its raw file host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    pub api: String,
    pub web: String,
    pub raw: String,
    /// The practice GitHub's seeded sample (`owner/name`), which practice mode offers.
    pub sample_repository: Option<String>,
}

impl Endpoints {
    /// Real GitHub.
    pub fn github() -> Endpoints {
        Endpoints {
            api: "https://api.github.com".into(),
            web: "https://github.com".into(),
            raw: "https://raw.githubusercontent.com".into(),
            sample_repository: None,
        }
    }

    /// The practice GitHub named by `PIPEWRIGHT_GITHUB_URL` (and optionally the web and raw
    /// URLs), if set. The sandbox serves the API under `<web>/api` and raw files under
    /// `<web>/raw`, which is what is derived when only the API's URL is given.
    pub fn from_env() -> Option<Endpoints> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let api = var(GITHUB_URL_ENV)?.trim_end_matches('/').to_owned();
        let web = var(GITHUB_WEB_URL_ENV)
            .map(|w| w.trim_end_matches('/').to_owned())
            .unwrap_or_else(|| api.strip_suffix("/api").unwrap_or(&api).to_owned());
        let raw = var(GITHUB_RAW_URL_ENV)
            .map(|r| r.trim_end_matches('/').to_owned())
            .unwrap_or_else(|| format!("{web}/raw"));
        Some(Endpoints {
            api,
            web,
            raw,
            sample_repository: None,
        })
    }

    /// The sandbox's practice GitHub, as its health answer reports it.
    pub async fn from_sandbox(sandbox_url: &str) -> crate::error::Result<Endpoints> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Health {
            github_url: Option<String>,
            github_web_url: Option<String>,
            github_raw_url: Option<String>,
            github_unavailable: Option<String>,
            sample_repository: Option<String>,
        }
        let url = format!("{}/_sandbox/health", sandbox_url.trim_end_matches('/'));
        let health: Health = http_client()
            .get(url)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(|e| crate::Error::Internal(format!("the sandbox's health: {e}")))?
            .json()
            .await
            .map_err(|e| crate::Error::Internal(format!("the sandbox's health answer: {e}")))?;
        match (health.github_url, health.github_web_url, health.github_raw_url) {
            (Some(api), Some(web), Some(raw)) => Ok(Endpoints {
                api,
                web,
                raw,
                sample_repository: health.sample_repository,
            }),
            _ => Err(crate::Error::Internal(format!(
                "the sandbox has no practice GitHub: {}",
                health
                    .github_unavailable
                    .unwrap_or_else(|| "its health answer names none".into())
            ))),
        }
    }

    /// Practice mode: the environment's URLs, else the sandbox's. On AWS: real GitHub.
    pub async fn for_mode(sandbox_url: Option<&str>) -> crate::error::Result<Endpoints> {
        match sandbox_url {
            Some(url) => match Endpoints::from_env() {
                Some(e) => Ok(e),
                None => Endpoints::from_sandbox(url).await,
            },
            None => Ok(Endpoints::github()),
        }
    }
}

/// How many requests of each kind a [`GitHub`] made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RequestCount {
    /// REST API requests: the only ones GitHub's 60-an-hour limit counts.
    pub api: u32,
    /// git smart HTTP (`info/refs`).
    pub git: u32,
    /// Raw file downloads.
    pub raw: u32,
}

impl RequestCount {
    pub fn total(&self) -> u32 {
        self.api + self.git + self.raw
    }
}

/// Why GitHub could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GitHubError {
    /// No answer at all (network, DNS, TLS).
    Unreachable(String),
    /// The API's unauthenticated hourly limit is used up.
    RateLimited,
    /// Any other unexpected answer.
    Status(u16, String),
}

impl std::fmt::Display for GitHubError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GitHubError::Unreachable(e) => write!(f, "GitHub could not be reached: {e}"),
            GitHubError::RateLimited => write!(f, "GitHub's API rate limit is used up for this address"),
            GitHubError::Status(s, m) => write!(f, "GitHub answered {s}: {m}"),
        }
    }
}

/// A repository's branches as git advertises them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Refs {
    /// What `HEAD` points at (the repository's default branch), when git says.
    pub default_branch: Option<String>,
    /// Branch name → head commit.
    pub branches: BTreeMap<String, String>,
}

/// A reader of one GitHub (real or practice), with an optional token.
pub struct GitHub {
    endpoints: Endpoints,
    http: Result<Client, String>,
    token: Option<Secret>,
    api: AtomicU32,
    git: AtomicU32,
    raw: AtomicU32,
}

type Client = hyper_util::client::legacy::Client<
    hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>,
    http_body_util::Empty<bytes::Bytes>,
>;

/// HTTPS with the OS's root certificates and aws-lc-rs (the AWS SDK's own provider), or plain
/// HTTP for the practice GitHub on 127.0.0.1.
fn client() -> Result<Client, String> {
    let provider = std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_native_roots(provider)
        .map_err(|e| format!("no TLS root certificates: {e}"))?
        .https_or_http()
        .enable_http1()
        .build();
    Ok(hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build(connector))
}

fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap_or_default()
}

const USER_AGENT: &str = concat!("pipewright/", env!("CARGO_PKG_VERSION"));

impl GitHub {
    pub fn new(endpoints: Endpoints, token: Option<Secret>) -> GitHub {
        GitHub {
            endpoints,
            http: client(),
            token,
            api: AtomicU32::new(0),
            git: AtomicU32::new(0),
            raw: AtomicU32::new(0),
        }
    }

    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }

    pub fn has_token(&self) -> bool {
        self.token.is_some()
    }

    pub fn requests(&self) -> RequestCount {
        RequestCount {
            api: self.api.load(Ordering::Relaxed),
            git: self.git.load(Ordering::Relaxed),
            raw: self.raw.load(Ordering::Relaxed),
        }
    }

    /// The repository's page, for findings to link to.
    pub fn html_url(&self, repo: &str) -> String {
        format!("{}/{repo}", self.endpoints.web)
    }

    /// A GET, following up to 3 redirects (a renamed repository), with the token if any: as
    /// the password of basic auth for git, as `token` for the API and raw files.
    async fn get(&self, url: &str, basic: bool, accept: Option<&str>) -> Result<(u16, Vec<u8>), GitHubError> {
        use base64::Engine;
        use http_body_util::BodyExt;
        let client = self.http.as_ref().map_err(|e| GitHubError::Unreachable(e.clone()))?;
        let mut url = url.to_owned();
        for _ in 0..4 {
            let mut request = http::Request::get(url.as_str()).header("user-agent", USER_AGENT);
            if let Some(accept) = accept {
                request = request.header("accept", accept);
            }
            if let Some(t) = &self.token {
                let value = if basic {
                    let pair = format!("x-access-token:{}", t.expose());
                    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(pair))
                } else {
                    format!("token {}", t.expose())
                };
                request = request.header("authorization", value);
            }
            let request = request
                .body(http_body_util::Empty::new())
                .map_err(|e| GitHubError::Unreachable(format!("bad address: {e}")))?;
            let response = tokio::time::timeout(Duration::from_secs(20), client.request(request))
                .await
                .map_err(|_| GitHubError::Unreachable("no answer within 20 s".into()))?
                .map_err(|e| GitHubError::Unreachable(e.to_string()))?;
            let status = response.status().as_u16();
            if matches!(status, 301 | 302 | 307 | 308)
                && let Some(next) = response.headers().get("location").and_then(|l| l.to_str().ok())
            {
                // A redirect to another host must not carry the token.
                if !same_origin(&url, next) && self.token.is_some() {
                    return Err(GitHubError::Status(status, "redirected to another host".into()));
                }
                url = if next.contains("://") {
                    next.to_owned()
                } else {
                    format!("{}{next}", origin(&url))
                };
                continue;
            }
            let body = tokio::time::timeout(Duration::from_secs(20), response.into_body().collect())
                .await
                .map_err(|_| GitHubError::Unreachable("the answer did not finish within 20 s".into()))?
                .map_err(|e| GitHubError::Unreachable(e.to_string()))?
                .to_bytes();
            return Ok((status, body.to_vec()));
        }
        Err(GitHubError::Status(310, "too many redirects".into()))
    }

    /// The branches and default branch, from git's ref advertisement (one request, not the
    /// API). `None`: GitHub does not show the repository to us (missing, or private without
    /// a token that reaches it; GitHub answers both alike).
    pub async fn refs(&self, repo: &str) -> Result<Option<Refs>, GitHubError> {
        let url = format!("{}/{repo}.git/info/refs?service=git-upload-pack", self.endpoints.web);
        self.git.fetch_add(1, Ordering::Relaxed);
        let (status, body) = self.get(&url, true, None).await?;
        match status {
            200 => parse_advertisement(&body)
                .map(Some)
                .ok_or_else(|| GitHubError::Status(200, "not a git ref advertisement".into())),
            401 | 403 | 404 => Ok(None),
            s => Err(GitHubError::Status(s, short(&body))),
        }
    }

    /// A file at `git_ref`, from the raw download host; `None` when it does not exist.
    pub async fn file(&self, repo: &str, git_ref: &str, path: &str) -> Result<Option<String>, GitHubError> {
        let url = format!(
            "{}/{repo}/{git_ref}/{}",
            self.endpoints.raw,
            path.trim_start_matches('/')
        );
        self.raw.fetch_add(1, Ordering::Relaxed);
        let (status, body) = self.get(&url, false, None).await?;
        match status {
            200 => Ok(Some(String::from_utf8_lossy(&body).into_owned())),
            404 => Ok(None),
            s => Err(GitHubError::Status(s, short(&body))),
        }
    }

    /// Whether the API shows the repository and says it is private (one API request). Only
    /// worth asking with a token: without one GitHub answers 404 for a private repository.
    pub async fn is_private(&self, repo: &str) -> Result<Option<bool>, GitHubError> {
        #[derive(Deserialize)]
        struct Repository {
            private: bool,
        }
        let url = format!("{}/repos/{repo}", self.endpoints.api);
        self.api.fetch_add(1, Ordering::Relaxed);
        let (status, body) = self.get(&url, false, Some("application/vnd.github+json")).await?;
        match status {
            200 => serde_json::from_slice::<Repository>(&body)
                .map(|r| Some(r.private))
                .map_err(|e| GitHubError::Status(200, e.to_string())),
            404 => Ok(None),
            403 if String::from_utf8_lossy(&body).contains("rate limit") => Err(GitHubError::RateLimited),
            s => Err(GitHubError::Status(s, short(&body))),
        }
    }
}

/// `https://host:port` of a URL.
fn origin(url: &str) -> String {
    url.split('/').take(3).collect::<Vec<_>>().join("/")
}

fn same_origin(a: &str, b: &str) -> bool {
    !b.contains("://") || origin(a) == origin(b)
}

fn short(body: &[u8]) -> String {
    String::from_utf8_lossy(body).chars().take(200).collect()
}

/// Reads git's smart HTTP ref advertisement (pkt-lines): `<sha> <ref>\0<capabilities>` then
/// `<sha> <ref>` lines; `symref=HEAD:refs/heads/<b>` in the capabilities names the default
/// branch. Protocol v0/v1 as GitHub sends it to a client that asks for no version.
pub fn parse_advertisement(body: &[u8]) -> Option<Refs> {
    let mut refs = Refs::default();
    let mut rest = body;
    let mut saw_line = false;
    while rest.len() >= 4 {
        let len = usize::from_str_radix(std::str::from_utf8(&rest[..4]).ok()?, 16).ok()?;
        if len == 0 {
            rest = &rest[4..];
            continue;
        }
        if len < 4 || len > rest.len() {
            return None;
        }
        let line = String::from_utf8_lossy(&rest[4..len]).into_owned();
        rest = &rest[len..];
        saw_line = true;
        let line = line.trim_end_matches('\n');
        if line.starts_with('#') {
            continue;
        }
        let (refpart, caps) = line.split_once('\0').unwrap_or((line, ""));
        for cap in caps.split(' ') {
            if let Some(target) = cap.strip_prefix("symref=HEAD:refs/heads/") {
                refs.default_branch = Some(target.to_owned());
            }
        }
        let Some((sha, name)) = refpart.split_once(' ') else {
            continue;
        };
        if let Some(branch) = name.strip_prefix("refs/heads/") {
            refs.branches.insert(branch.to_owned(), sha.to_owned());
        }
    }
    saw_line.then_some(refs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pkt(line: &str) -> String {
        format!("{:04x}{line}", line.len() + 4)
    }

    #[test]
    fn reads_branches_and_the_default_from_the_advertisement() {
        let sha = "fe560b13a816dd04a6a9f94a449c0c9f699dec4a";
        let body = format!(
            "{}0000{}{}{}0000",
            pkt("# service=git-upload-pack\n"),
            pkt(&format!(
                "{sha} HEAD\0multi_ack symref=HEAD:refs/heads/master agent=git/2\n"
            )),
            pkt(&format!("{sha} refs/heads/master\n")),
            pkt(&format!("{sha} refs/heads/feature/x\n")),
        );
        let refs = parse_advertisement(body.as_bytes()).unwrap();
        assert_eq!(refs.default_branch.as_deref(), Some("master"));
        assert_eq!(refs.branches.keys().collect::<Vec<_>>(), ["feature/x", "master"]);
        assert!(parse_advertisement(b"<html>not git</html>").is_none());
    }
}
