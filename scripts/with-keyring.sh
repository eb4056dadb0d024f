#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with an unlocked gnome-keyring Secret Service,
# so keyring tests run headless (CI, containers, SSH). The keyring file lives in a fresh
# temporary folder that is removed afterwards; the user's own keyring is never touched.
#
#   scripts/with-keyring.sh cargo test --workspace
#
# Needs dbus-run-session (dbus / dbus-x11) and gnome-keyring; scripts/setup.sh installs both.
set -euo pipefail

if (($# == 0)); then
  echo "usage: $0 COMMAND [ARGS...]" >&2
  exit 2
fi
for tool in dbus-run-session gnome-keyring-daemon; do
  if ! command -v "$tool" >/dev/null; then
    echo "$0: $tool is missing: install dbus-x11 and gnome-keyring (scripts/setup.sh does)" >&2
    exit 1
  fi
done

scratch="$(mktemp -d "${TMPDIR:-/tmp}/pipewright-keyring.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/data" "$scratch/runtime"
chmod 700 "$scratch/runtime"

# gnome-keyring writes $XDG_DATA_HOME/keyrings/login.keyring; the daemon's control socket goes
# under $XDG_RUNTIME_DIR. The password only unlocks this throwaway keyring.
export XDG_DATA_HOME="$scratch/data"
export XDG_RUNTIME_DIR="$scratch/runtime"

# Not `exec`: the trap above must still remove the scratch folder.
dbus-run-session -- sh -c '
  printf %s pipewright | gnome-keyring-daemon --unlock --components=secrets >/dev/null || {
    echo "with-keyring.sh: gnome-keyring-daemon failed to start" >&2; exit 1; }
  exec "$@"' with-keyring "$@"
