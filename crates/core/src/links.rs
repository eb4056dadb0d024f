//! Which pages the app opens in the student's browser: AWS console pages, the lab's own app
//! (its load balancer's address, as the app itself reported it), the student's repository on
//! GitHub (the preflight's links) and the running sandbox's own pages, never an arbitrary URL
//! the webview hands over.
//!
//! The URL is parsed (the `url` crate, WHATWG rules, as browsers parse it), and the decision is
//! made on the parsed host, never on the text: `https://console.aws.amazon.com@evil.example`
//! is a user-info part and the host `evil.example`; a backslash is a path separator to a
//! browser, so any backslash is refused outright.

use url::{Host, Url};

use crate::error::{Error, Result};

/// What may be opened besides AWS console pages.
#[derive(Debug, Clone, Copy, Default)]
pub struct Openable<'a> {
    /// The running sandbox's address, if any: its `/_sandbox/` pages may open.
    pub sandbox_url: Option<&'a str>,
    /// The app's own addresses (`http://<load balancer DNS>[:port]`) as `apply`, `status` or
    /// the watch reported them for the student's labs.
    pub app_urls: &'a [String],
}

/// `Ok` when the app may open `url`.
pub fn check(url: &str, openable: Openable<'_>) -> Result<()> {
    if may_open(url, openable) {
        return Ok(());
    }
    Err(Error::Invalid {
        field: "url".into(),
        message: "only AWS console pages, the lab's own app and the practice sandbox's pages can be opened (AWS 콘솔, 실습 앱, 연습 샌드박스 페이지만 열 수 있습니다)".into(),
    })
}

/// `url` as opened in the app's language `lang` (`en`, `ko`): the sandbox's own pages take it as
/// a `lang` query parameter (its handshake page speaks both); every other page is left as it is.
pub fn localized(url: &str, sandbox_url: Option<&str>, lang: Option<&str>) -> String {
    let ours = sandbox_url.is_some_and(|base| url.starts_with(&format!("{base}/_sandbox/")));
    match lang.filter(|l| ours && matches!(*l, "en" | "ko")) {
        Some(lang) => format!("{url}{}lang={lang}", if url.contains('?') { '&' } else { '?' }),
        None => url.to_owned(),
    }
}

/// A page AWS names for something the lab runs (a console page, a run's page, a log, the
/// commit on GitHub), as the student may be offered it: in practice mode (`practice`) only the
/// sandbox's own pages, since the AWS pages need an account the student does not have and the
/// practice repository exists only in the sandbox; the UI says such pages are on AWS only.
pub fn for_student(url: Option<&str>, practice: bool) -> Option<String> {
    url.filter(|u| !practice || is_local(u)).map(str::to_owned)
}

/// A page served on this computer (the sandbox's).
fn is_local(url: &str) -> bool {
    ["http://127.0.0.1:", "http://localhost:", "http://[::1]:"]
        .iter()
        .any(|p| url.starts_with(p))
}

/// AWS console hosts: the global one and each region's.
fn is_console_host(host: &str) -> bool {
    host == "console.aws.amazon.com"
        || host.strip_suffix(".console.aws.amazon.com").is_some_and(|region| {
            !region.is_empty()
                && region
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

fn may_open(text: &str, openable: Openable<'_>) -> bool {
    if text.contains('\\') || text.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return false;
    }
    let Ok(url) = Url::parse(text) else {
        return false;
    };
    if !url.username().is_empty() || url.password().is_some() {
        return false;
    }
    let same_origin = |allowed: &str| Url::parse(allowed).is_ok_and(|a| a.origin() == url.origin());
    if let Some(base) = openable.sandbox_url
        && same_origin(base)
        && (url.path().starts_with("/_sandbox/") || url.path().starts_with("/_github/"))
    {
        return true;
    }
    if url.scheme() == "http" {
        // The lab's app is plain http (no certificate in a lab), and only at the exact
        // address the app reported: another account's load balancer is someone else's page.
        return matches!(url.host(), Some(Host::Domain(_))) && openable.app_urls.iter().any(|a| same_origin(a));
    }
    // github.com: the student's repository and its files, which the preflight links to.
    url.scheme() == "https"
        && url.port().is_none()
        && matches!(url.host(), Some(Host::Domain(host)) if is_console_host(host) || host == "github.com")
}

#[cfg(test)]
mod tests {
    use super::*;

    const APP: &str = "http://ktb-alb-1234567890.ap-northeast-2.elb.amazonaws.com";

    fn openable(url: &str) -> bool {
        let apps = [
            APP.to_owned(),
            "http://lab2-alb-1.us-east-1.elb.amazonaws.com:8080".to_owned(),
        ];
        may_open(
            url,
            Openable {
                sandbox_url: Some("http://127.0.0.1:4566"),
                app_urls: &apps,
            },
        )
    }

    #[test]
    fn sandbox_pages_open_in_the_apps_language() {
        let base = Some("http://127.0.0.1:4566");
        let page = "http://127.0.0.1:4566/_sandbox/connections";
        assert_eq!(super::localized(page, base, Some("ko")), format!("{page}?lang=ko"));
        assert_eq!(
            super::localized(&format!("{page}?x=1"), base, Some("en")),
            format!("{page}?x=1&lang=en")
        );
        assert_eq!(
            super::localized(page, base, Some("fr&x")),
            page,
            "only the two languages"
        );
        let console = "https://console.aws.amazon.com/codesuite/settings/connections";
        assert_eq!(super::localized(console, base, Some("ko")), console);
        assert_eq!(super::localized(page, None, Some("ko")), page);
    }

    #[test]
    fn practice_mode_offers_no_aws_page() {
        let console = Some("https://ap-northeast-2.console.aws.amazon.com/codesuite/codebuild/projects/x");
        assert_eq!(super::for_student(console, false).as_deref(), console);
        assert_eq!(super::for_student(console, true), None);
        let sandbox = Some("http://127.0.0.1:4566/_sandbox/connections");
        assert_eq!(super::for_student(sandbox, true).as_deref(), sandbox);
        let commit = Some("https://github.com/octo/app/commit/3f2a9c1");
        assert_eq!(
            super::for_student(commit, true),
            None,
            "the practice repository is the sandbox's"
        );
        assert_eq!(super::for_student(commit, false).as_deref(), commit);
        assert_eq!(super::for_student(None, false), None);
    }

    #[test]
    fn console_pages_open() {
        for ok in [
            "https://console.aws.amazon.com/codesuite/settings/connections",
            "https://ap-northeast-2.console.aws.amazon.com/ecs/v2/clusters",
            "https://ap-northeast-2.console.aws.amazon.com/codesuite/codebuild/projects?region=ap-northeast-2#x",
            "HTTPS://CONSOLE.AWS.AMAZON.COM/ecs",
        ] {
            assert!(openable(ok), "{ok}");
        }
    }

    #[test]
    fn the_labs_own_app_and_the_sandbox_open() {
        assert!(openable(APP));
        assert!(openable(&format!("{APP}/health")));
        assert!(openable(&format!("{APP}:80/")));
        assert!(openable("http://lab2-alb-1.us-east-1.elb.amazonaws.com:8080/"));
        assert!(openable("http://127.0.0.1:4566/_sandbox/connections"));
        assert!(!may_open(
            "http://127.0.0.1:4566/_sandbox/connections",
            Openable::default()
        ));
        assert!(!may_open(APP, Openable::default()), "no app reported yet");
        // The preflight's links: the student's repository on GitHub, or the practice GitHub.
        assert!(openable("http://127.0.0.1:4566/_github/me/app/blob/master/Dockerfile"));
        assert!(openable("https://github.com/me/app/blob/main/Dockerfile"));
        assert!(!openable("https://github.com.evil.example/"));
        assert!(!openable("http://github.com/me/app"));
    }

    /// Each named hostile URL; every one is refused.
    #[test]
    fn bypass_attempts_are_refused() {
        for (why, url) in [
            ("backslash host trick", "https://evil.example\\.console.aws.amazon.com/"),
            ("backslash path", "https://console.aws.amazon.com\\@evil.example/"),
            ("user-info", "https://console.aws.amazon.com@evil.example"),
            (
                "user-info with password",
                "https://console.aws.amazon.com:x@evil.example/",
            ),
            ("user-info on the console", "https://user@console.aws.amazon.com/"),
            ("suffix domain", "https://console.aws.amazon.com.evil.example"),
            ("lookalike parent", "https://evilconsole.aws.amazon.com/"),
            ("not a region label", "https://a.b.console.aws.amazon.com/"),
            ("query mention", "https://evil.example/?console.aws.amazon.com/"),
            ("plain http console", "http://console.aws.amazon.com/"),
            ("console on another port", "https://console.aws.amazon.com:8443/"),
            ("file", "file:///etc/passwd"),
            ("javascript", "javascript:alert(1)"),
            ("javascript hidden", "javascript://console.aws.amazon.com/%0aalert(1)"),
            ("data", "data:text/html,<script>alert(1)</script>"),
            (
                "another account's load balancer",
                "http://other-alb-999.ap-northeast-2.elb.amazonaws.com/",
            ),
            (
                "the app over https",
                "https://ktb-alb-1234567890.ap-northeast-2.elb.amazonaws.com",
            ),
            (
                "the app on another port",
                "http://ktb-alb-1234567890.ap-northeast-2.elb.amazonaws.com:81/",
            ),
            (
                "user-info on the app",
                "http://x@ktb-alb-1234567890.ap-northeast-2.elb.amazonaws.com/",
            ),
            ("sandbox outside _sandbox", "http://127.0.0.1:4566/moto-api/reset"),
            (
                "sandbox path traversal",
                "http://127.0.0.1:4566/_sandbox/../moto-api/reset",
            ),
            ("sandbox on another port", "http://127.0.0.1:4567/_sandbox/connections"),
            ("ip literal", "http://3.3.3.3/"),
            ("newline", "https://console.aws.amazon.com/\nx"),
            ("tab inside the host", "https://console.aws.\tamazon.com/"),
            ("empty", ""),
            ("relative", "/ecs/v2/clusters"),
            ("protocol-relative", "//console.aws.amazon.com/"),
        ] {
            assert!(!openable(url), "{why}: {url} should be refused");
        }
        let err = check("file:///etc/passwd", Openable::default()).unwrap_err();
        assert_eq!(err.field(), Some("url"));
    }
}
