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

say "rust: build"
cargo build --workspace --exclude pipewright-app --tests

say "rust: tests (inside a D-Bus session with an unlocked gnome-keyring)"
scripts/with-keyring.sh cargo test --workspace --exclude pipewright-app --no-fail-fast

build_app
say "app shell: unit tests (same features as the app build, so Tauri compiles once)"
cargo test -p pipewright-app --features custom-protocol

say "ui: lint, types, unit tests"
(cd ui && npm run lint --silent && npm run check --silent && npm test --silent)

say "sandbox: pytest"
"$PIPEWRIGHT_SANDBOX_VENV/bin/python" -m pytest -q sandbox/tests

say "app: end to end (tauri-driver + WebKitWebDriver under Xvfb, with a real Secret Service)"
ensure_display
trap '[ -n "${XVFB_PID:-}" ] && kill "$XVFB_PID" 2>/dev/null || true' EXIT
(cd tests/e2e && PIPEWRIGHT_SCREENSHOTS=artifacts/screenshots ../../scripts/with-keyring.sh npm test)
