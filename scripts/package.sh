#!/usr/bin/env bash
# Builds the installers on Debian/Ubuntu: the frozen sandbox (PyInstaller, one folder), its
# start-up smoke test, the release app and the .deb and .rpm with the frozen sandbox inside.
# Prints the sizes and the frozen sandbox's start-up time (also in artifacts/package/sizes.json).
#
#   scripts/package.sh           build (about 20-30 minutes cold on 2 cores, most of it Rust)
#   scripts/package.sh --test    build, then install the .deb on this machine, run the installed
#                                app's practice mode end to end through WebDriver with no Python
#                                at all, kill -9 it and check that its sandbox went with it, and
#                                uninstall it (scripts/package-test.sh)
#
# AppImage is not built: its bundler downloads tools at build time. macOS and Windows installers
# are built by .github/workflows/build.yml on their own runners (PyInstaller and the WebView
# toolchains do not cross-compile).
set -euo pipefail
source "$(dirname "$0")/env.sh"
test_after=0
for arg in "$@"; do
  case "$arg" in
    --test) test_after=1 ;;
    *) echo "usage: $0 [--test]" >&2; exit 2 ;;
  esac
done

freeze_venv="${PIPEWRIGHT_FREEZE_VENV:-/var/tmp/pipewright-freeze-venv}"
freeze_work="${PIPEWRIGHT_FREEZE_WORK:-/var/tmp/pipewright-freeze}"
frozen="$root/sandbox/packaging/dist/pipewright-sandbox"
out="$root/artifacts/package"

"$root/scripts/setup.sh"
# PyInstaller links the frozen program against the shared libpython (Debian: libpython3.X).
if [ -z "$(python3 -c 'import sysconfig; print(sysconfig.get_config_var("Py_ENABLE_SHARED") or "")')" ] &&
  ! dpkg-query -W -f='${Status}' libpython3-dev 2>/dev/null | grep -q "install ok installed"; then
  say "apt-get install libpython3-dev (PyInstaller needs the shared libpython)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libpython3-dev >/dev/null
fi

say "freeze venv ($freeze_venv, exact pins from sandbox/packaging/requirements.txt)"
want="$(cat "$root/sandbox/requirements.txt" "$root/sandbox/packaging/requirements.txt" | sha256sum | cut -d' ' -f1)"
if [ ! -x "$freeze_venv/bin/python" ] || [ "$(cat "$freeze_venv/.requirements.sha256" 2>/dev/null)" != "$want" ]; then
  python3 -m venv "$freeze_venv"
  (cd "$root/sandbox/packaging" &&
    "$freeze_venv/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements.txt)
  echo "$want" >"$freeze_venv/.requirements.sha256"
fi

say "freeze the sandbox (PyInstaller, one folder)"
rm -rf "$frozen"
"$freeze_venv/bin/python" "$root/sandbox/packaging/freeze.py" --work "$freeze_work/build" >/dev/null

say "smoke test of the frozen sandbox (every AWS operation the lab uses; exits when stdin closes)"
mkdir -p "$out"
"$frozen/pipewright-sandbox" --smoke-test 2> >(grep -v "(an answer)$" >&2) | tail -1 >"$out/smoke.json"
cat "$out/smoke.json"

say "build ui"
(cd "$root/ui" && npm run build --silent)

# tauri.package.conf.json adds the frozen sandbox as a resource and drops beforeBuildCommand
# (the ui is built just above; the CLI would look for it beside the first package.json it finds).
say "release build and bundles (.deb, .rpm) with the frozen sandbox as a resource"
rm -rf "$CARGO_TARGET_DIR/release/bundle/deb" "$CARGO_TARGET_DIR/release/bundle/rpm"
(cd "$root" && ui/node_modules/.bin/tauri build --ci --bundles deb,rpm --config src-tauri/tauri.package.conf.json)

deb="$(ls "$CARGO_TARGET_DIR"/release/bundle/deb/*.deb)"
rpm="$(ls "$CARGO_TARGET_DIR"/release/bundle/rpm/*.rpm)"
bin="$CARGO_TARGET_DIR/release/pipewright-app"
cp "$deb" "$rpm" "$out/"
say "check that the .deb carries the frozen sandbox"
contents="$(dpkg-deb -c "$deb")"
grep -q "usr/lib/Pipewright/sandbox/pipewright-sandbox$" <<<"$contents" ||
  { echo "the .deb has no usr/lib/Pipewright/sandbox/pipewright-sandbox" >&2; exit 1; }

python3 - "$out/smoke.json" "$bin" "$deb" "$rpm" "$frozen" "$out/sizes.json" "$root/bench/results.json" <<'EOF'
import json, os, sys
smoke, binary, deb, rpm, frozen, sizes_path, bench = sys.argv[1:]
def mb(n): return round(n / 1e6, 1)
frozen_bytes = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(frozen) for f in fs)
sizes = {
    "releaseBinaryMB": mb(os.path.getsize(binary)),
    "debMB": mb(os.path.getsize(deb)),
    "rpmMB": mb(os.path.getsize(rpm)),
    "frozenSandboxMB": mb(frozen_bytes),
    "frozenSandboxFiles": sum(len(fs) for _, _, fs in os.walk(frozen)),
    "frozenSandboxStartSeconds": json.load(open(smoke))["startSeconds"],
}
json.dump(sizes, open(sizes_path, "w"), indent=2)
print(json.dumps(sizes, indent=2))
if os.path.exists(bench):
    results = json.load(open(bench))
    results["package"] = sizes
    json.dump(results, open(bench, "w"), indent=2)
    print(f"recorded in {bench}")
EOF
echo "installers: $out/$(basename "$deb") $out/$(basename "$rpm")"

if ((test_after)); then
  "$root/scripts/package-test.sh" "$deb"
fi
