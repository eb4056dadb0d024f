//! Does the deployed app answer? One plain HTTP/1.1 `GET /` to the load balancer, with a short
//! timeout. Pluggable, because the sandbox has no real load balancer: practice mode turns it
//! off, and tests point it at a listener of their own on 127.0.0.1.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::snapshot::{HealthState, HealthView};

/// How the app's URL is checked.
#[derive(Debug, Clone)]
pub enum HealthProbe {
    /// Not checked; the snapshot says `disabled`.
    Off,
    /// `GET http://<load balancer DNS>:<listener port>/`.
    Http { timeout: Duration },
    /// The request goes to `addr` instead (a test's local listener); the snapshot still shows
    /// the load balancer's URL.
    At { addr: SocketAddr, timeout: Duration },
}

impl HealthProbe {
    /// Real AWS: ask the load balancer; the sandbox: off (its DNS names lead nowhere).
    pub fn for_context(aws: &crate::AwsContext) -> HealthProbe {
        if aws.endpoint_url().is_some() {
            HealthProbe::Off
        } else {
            HealthProbe::Http {
                timeout: Duration::from_secs(3),
            }
        }
    }

    pub fn is_off(&self) -> bool {
        matches!(self, HealthProbe::Off)
    }

    /// Checks the app at `host` on the listener's `port`; never fails, an error is the
    /// `unreachable` state.
    pub async fn check(&self, host: &str, port: u32) -> HealthView {
        let url = Some(format!("{}/", crate::apply::app_url(host, port)));
        let (target, timeout) = match self {
            HealthProbe::Off => {
                return HealthView {
                    url,
                    state: HealthState::Disabled,
                    http_status: None,
                    message: Some("not checked here (practice mode has no real load balancer)".into()),
                };
            }
            HealthProbe::Http { timeout } => (format!("{host}:{port}"), *timeout),
            HealthProbe::At { addr, timeout } => (addr.to_string(), *timeout),
        };
        let host_header = if port == 80 {
            host.to_owned()
        } else {
            format!("{host}:{port}")
        };
        let (state, http_status, message) = match tokio::time::timeout(timeout, get(&target, &host_header)).await {
            Ok(Ok(code)) if (200..400).contains(&code) => (HealthState::Healthy, Some(code), None),
            Ok(Ok(code)) => (
                HealthState::Unhealthy,
                Some(code),
                Some(format!("the app answered HTTP {code}")),
            ),
            Ok(Err(e)) => (HealthState::Unreachable, None, Some(e.to_string())),
            Err(_) => (
                HealthState::Unreachable,
                None,
                Some(format!("no answer within {} ms", timeout.as_millis())),
            ),
        };
        HealthView {
            url,
            state,
            http_status,
            message,
        }
    }
}

/// Sends `GET /` to `target` with `Host: host`; returns the status code.
async fn get(target: &str, host: &str) -> std::io::Result<u16> {
    let mut stream = TcpStream::connect(target).await?;
    let request = format!("GET / HTTP/1.1\r\nHost: {host}\r\nUser-Agent: pipewright\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut head = Vec::with_capacity(256);
    let mut buf = [0u8; 256];
    while !head.windows(2).any(|w| w == b"\r\n") && head.len() < 4096 {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let line = String::from_utf8_lossy(&head);
    line.split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| std::io::Error::other("not an HTTP answer"))
}
