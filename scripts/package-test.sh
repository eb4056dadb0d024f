#!/usr/bin/env bash
# Installs a Pipewright .deb on this machine (as root), drives the installed app through
# practice mode with WebDriver, and uninstalls it, checking that nothing is left.
#
#   scripts/package-test.sh artifacts/package/pipewright_0.1.0_amd64.deb
#
# `scripts/package.sh --test` builds the .deb and runs this. The app runs in a private mount
# namespace in which every Python on this machine (system, pyenv, the project's venvs) and the
# checkout's sandbox/ folder are hidden, from a bare environment (no venv, no PYTHONPATH), so
# practice mode can only work through the frozen sandbox inside the package.
set -euo pipefail
source "$(dirname "$0")/env.sh"
deb="$(realpath "${1:?usage: $0 PACKAGE.deb}")"
pkg="$(dpkg-deb -f "$deb" Package)"
app=/usr/bin/pipewright-app
resources=/usr/lib/Pipewright

say "install $(basename "$deb")"
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$deb" >/dev/null
uninstall() {
  say "uninstall $pkg"
  DEBIAN_FRONTEND=noninteractive apt-get remove --purge -y -qq "$pkg" >/dev/null
}
trap 'uninstall || true; [ -n "${XVFB_PID:-}" ] && kill "$XVFB_PID" 2>/dev/null; true' EXIT

say "installed files"
test -x "$app"
test -x "$resources/sandbox/pipewright-sandbox"
desktop="$(dpkg -L "$pkg" | grep '\.desktop$')"
grep -q '^Name\[ko\]=파이프라이트$' "$desktop"
echo "$(dpkg -L "$pkg" | grep -c "^$resources/sandbox/") paths under $resources/sandbox" >&2
dpkg -L "$pkg" | grep '/usr/share/icons/hicolor/.*/apps/' >&2

ensure_display
screens="$root/artifacts/package/screenshots"
mkdir -p "$screens"
# Paths to hide: every Python interpreter and library folder, pyenv, the project's venvs, and
# the checkout's sandbox/ (the app's development fallback).
hide=(/usr/bin/python* /usr/local/bin/python* /usr/lib/python3* /usr/local/lib/python3*
  "$HOME/.pyenv" "$PIPEWRIGHT_SANDBOX_VENV" "${PIPEWRIGHT_FREEZE_VENV:-/var/tmp/pipewright-freeze-venv}"
  "$root/sandbox")
isolate=(unshare --mount --propagation private)
if ! "${isolate[@]}" true 2>/dev/null; then
  echo "package-test: cannot make a mount namespace here; Python stays visible (the test still checks where the sandbox runs from)" >&2
  isolate=()
fi

say "the installed app, end to end (WebDriver, practice mode, kill -9), with no Python"
status=0
"${isolate[@]}" env -i HOME="$HOME" PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$HOME/.cargo/bin" \
  DISPLAY="$DISPLAY" LANG=C.UTF-8 PIPEWRIGHT_APP="$app" PIPEWRIGHT_SCREENSHOTS="$screens" \
  PIPEWRIGHT_EXPECT_SANDBOX_DIR="$resources/sandbox/" ISOLATED="${#isolate[@]}" \
  bash -c '
    set -euo pipefail
    if [ "$ISOLATED" != 0 ]; then
      empty="$(mktemp -d)"
      for p in "$@"; do
        if [ -d "$p" ]; then mount --bind "$empty" "$p"; elif [ -e "$p" ]; then mount --bind /dev/null "$p"; fi
      done
      if python3 -c "" 2>/dev/null; then echo "package-test: python3 still runs" >&2; exit 1; fi
      echo "package-test: no Python can run here (python3: $(python3 -c "" 2>&1 | head -1))" >&2
    fi
    cd "'"$root"'/tests/e2e"
    exec "'"$root"'/scripts/with-keyring.sh" node --test installed/installed-app.test.mjs
  ' hide "${hide[@]}" || status=$?

trap '[ -n "${XVFB_PID:-}" ] && kill "$XVFB_PID" 2>/dev/null; true' EXIT
uninstall
say "nothing left after uninstalling"
left=0
for p in "$app" "$resources" "$desktop"; do
  if [ -e "$p" ]; then echo "still there: $p" >&2; left=1; fi
done
if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q installed; then echo "$pkg is still installed" >&2; left=1; fi
if pgrep -f "$resources/sandbox/pipewright-sandbox" >/dev/null; then echo "a frozen sandbox still runs" >&2; left=1; fi
((left == 0)) && echo "uninstalled cleanly" >&2
exit $((status || left))
