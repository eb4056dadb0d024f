#!/usr/bin/env bash
# Runs every test: formatting and lints, Rust (core, CLI, against the sandbox, with a real
# Secret Service), ui (vitest, svelte-check, eslint), sandbox (pytest), and the real app end to
# end through WebDriver under Xvfb. Installs what it needs first (scripts/setup.sh).
set -euo pipefail
source "$(dirname "$0")/env.sh"
"$root/scripts/setup.sh"
cd "$root"

say "rust: format"
cargo fmt --all --check

# One cargo invocation shape for the build, the tests and the app binary the e2e tests drive:
# the same feature set everywhere, so each dependency compiles once (the AWS SDK crates are
# most of the build). The app embeds ui/dist, so the ui is built first.
say "build ui"
(cd ui && npm run build --silent)
rust=(--workspace --features pipewright-app/custom-protocol)

say "rust: build (libraries, binaries incl. the app, tests, and the benchmarks so they cannot rot)"
cargo build "${rust[@]}" --bins --tests --benches

say "rust: tests (inside a D-Bus session with an unlocked gnome-keyring)"
scripts/with-keyring.sh cargo test "${rust[@]}" --no-fail-fast

say "ui: lint, types, unit tests"
(cd ui && npm run lint --silent && npm run check --silent && npm test --silent)

say "sandbox: pytest"
"$PIPEWRIGHT_SANDBOX_VENV/bin/python" -m pytest -q sandbox/tests

say "packaging: the frozen sandbox's recipe and watchdog (from source), the CI workflow (actionlint)"
"$PIPEWRIGHT_SANDBOX_VENV/bin/python" -m pytest -q -p no:cacheprovider sandbox/packaging/tests
"$PIPEWRIGHT_TOOLS_VENV/bin/actionlint" .github/workflows/*.yml

say "app: end to end (tauri-driver + WebKitWebDriver under Xvfb, with a real Secret Service)"
ensure_display
trap '[ -n "${XVFB_PID:-}" ] && kill "$XVFB_PID" 2>/dev/null || true' EXIT
(cd tests/e2e && PIPEWRIGHT_SCREENSHOTS=artifacts/screenshots ../../scripts/with-keyring.sh npm test)
