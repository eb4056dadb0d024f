//! Which pages the app opens in the student's browser: only AWS console pages, a load
//! balancer's own address (the student's deployed app), the student's repository on GitHub
//! (the preflight's links) and the running sandbox's own pages,
//! never an arbitrary URL the webview hands over.

use crate::error::{Error, Result};

/// `Ok` when the app may open `url`; `sandbox_url` is the running sandbox's address, if any.
pub fn check(url: &str, sandbox_url: Option<&str>) -> Result<()> {
    if may_open(url, sandbox_url) {
        return Ok(());
    }
    Err(Error::Invalid {
        field: "url".into(),
        message: "only AWS console pages and the practice sandbox's pages can be opened".into(),
    })
}

/// AWS console pages (any region's console host) over https, a load balancer's own address
/// (served over plain http on port 80 as the lecture sets it up), or the running sandbox's
/// own `/_sandbox/` pages.
fn may_open(url: &str, sandbox_base: Option<&str>) -> bool {
    if let Some(base) = sandbox_base
        && (url.starts_with(&format!("{base}/_sandbox/")) || url.starts_with(&format!("{base}/_github/")))
    {
        return true;
    }
    let host_of = |rest: &str| rest.split(['/', '?', '#']).next().unwrap_or_default().to_owned();
    if let Some(rest) = url.strip_prefix("http://") {
        let host = host_of(rest);
        let plain = host
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.');
        return plain && (host.ends_with(".elb.amazonaws.com") || host.ends_with(".elb.amazonaws.com.cn"));
    }
    let Some(rest) = url.strip_prefix("https://") else {
        return false;
    };
    let host = host_of(rest);
    // github.com: the student's repository and its files, which the preflight links to.
    host == "console.aws.amazon.com" || host.ends_with(".console.aws.amazon.com") || host == "github.com"
}

#[cfg(test)]
mod tests {
    use super::may_open as openable;

    #[test]
    fn only_console_load_balancer_and_sandbox_pages_open() {
        let sandbox = Some("http://127.0.0.1:4566");
        assert!(openable(
            "https://console.aws.amazon.com/codesuite/settings/connections",
            None
        ));
        assert!(openable(
            "https://ap-northeast-2.console.aws.amazon.com/ecs/v2/clusters",
            None
        ));
        assert!(openable("http://127.0.0.1:4566/_sandbox/connections", sandbox));
        assert!(!openable("http://127.0.0.1:4566/_sandbox/connections", None));
        assert!(openable(
            "http://127.0.0.1:4566/_github/me/app/blob/master/Dockerfile",
            sandbox
        ));
        assert!(openable("https://github.com/me/app/blob/main/Dockerfile", None));
        assert!(!openable("https://github.com.evil.example/", None));
        assert!(!openable("https://console.aws.amazon.com.evil.example/", None));
        assert!(!openable("http://console.aws.amazon.com/", None));
        assert!(!openable("https://evil.example/?console.aws.amazon.com/", None));
        assert!(!openable("file:///etc/passwd", sandbox));
        assert!(openable(
            "http://ktb-alb-1234567890.ap-northeast-2.elb.amazonaws.com",
            None
        ));
        assert!(openable(
            "http://ktb-alb-1.ap-northeast-2.elb.amazonaws.com/health",
            None
        ));
        assert!(!openable("http://evil.example/.elb.amazonaws.com", None));
        assert!(!openable("http://user@ktb-alb.elb.amazonaws.com", None));
        assert!(!openable("http://elb.amazonaws.com.evil.example/", None));
        assert!(super::check("file:///etc/passwd", None).is_err());
    }
}
