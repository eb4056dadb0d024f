# Shared settings for scripts/*.sh (sourced, not run).
# Build outputs and caches live outside the checkout so a fresh clone starts warm.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/pipewright-target}"
export PIPEWRIGHT_SANDBOX_VENV="${PIPEWRIGHT_SANDBOX_VENV:-/var/tmp/pipewright-sandbox-venv}"
export PIPEWRIGHT_TOOLS_VENV="${PIPEWRIGHT_TOOLS_VENV:-/var/tmp/pipewright-tools-venv}"
export npm_config_cache="${npm_config_cache:-/var/tmp/pipewright-npm-cache}"
export PIP_CACHE_DIR="${PIP_CACHE_DIR:-/var/tmp/pipewright-pip-cache}"
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
say() { printf '\n==> %s\n' "$*" >&2; }

# Starts Xvfb on a free display unless one is set; sets DISPLAY.
ensure_display() {
  if [ -n "${DISPLAY:-}" ]; then return; fi
  for n in $(seq 99 120); do
    [ -e "/tmp/.X11-unix/X$n" ] && continue
    Xvfb ":$n" -screen 0 1024x768x24 -nolisten tcp >/dev/null 2>&1 &
    XVFB_PID=$!
    export DISPLAY=":$n"
    for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X$n" ] && return; sleep 0.1; done
  done
  echo "could not start Xvfb" >&2
  return 1
}

# Builds the ui and the desktop binary that serves it (not the dev-server variant).
build_app() {
  say "build ui"
  (cd "$root/ui" && npm run build --silent)
  say "build app"
  cargo build -p pipewright-app --features custom-protocol
}
