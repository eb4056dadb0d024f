//! Which pages the app opens in the student's browser: only AWS console pages, a load
//! balancer's own address (the student's deployed app) and the running sandbox's own pages,
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

/// AWS console pages (any region's console host) over https, a load balancer's own address
/// (served over plain http on port 80 as the lecture sets it up), or the running sandbox's
/// own `/_sandbox/` pages.
fn may_open(url: &str, sandbox_base: Option<&str>) -> bool {
    if let Some(base) = sandbox_base
        && url.starts_with(&format!("{base}/_sandbox/"))
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
    host == "console.aws.amazon.com" || host.ends_with(".console.aws.amazon.com")
}

#[cfg(test)]
mod tests {
    use super::may_open as openable;

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
