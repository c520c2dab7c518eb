#!/bin/bash
# Builds the Debian packages of debian/, lints them, installs them on this
# machine with apt-get and runs what they installed (issue 20):
#
#   - dpkg-buildpackage -us -uc -b, in a copy of the checkout (its tracked
#     and untracked, not ignored files), so that the checkout stays clean:
#     dpkg-buildpackage writes the .deb files beside the source directory;
#   - lintian on the result: any error or warning that no
#     debian/*.lintian-overrides explains fails;
#   - apt-get install -y ./*.deb (their dependencies come from the archive);
#   - from a folder outside any build tree: `rali info` must name the
#     installed default model, `rali score data/samples` (a copy of the
#     samples) must score all ten, a camera raw file must score through the
#     installed rali-raw-preview helper, and a program built with
#     `pkg-config rali` against librali-dev must run;
#   - the app, from the Exec= line of its installed desktop entry, under
#     Xvfb with the sample folder as its argument: it must still run after
#     a few seconds, score the samples into its catalog with the installed
#     model, and print no warning or error;
#   - apt-get purge of the four packages (RALI_DEB_KEEP=1 keeps them).
#
#   tools/ci/deb-check.sh [WORKDIR]
#
# WORKDIR (default: a new /tmp/rali-deb.XXXXXX) gets the copy and the
# packages.  Needs root, or sudo, for apt-get.  DEB_BUILD_OPTIONS passes
# through to dpkg-buildpackage (nocheck skips the build's quick tests).
# .ci/run runs this on a clean Debian 12 machine.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
cd "$(dirname "$0")/../.."
SRC=$PWD
as_root () { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo DEBIAN_FRONTEND=noninteractive "$@"; fi; }
say () { printf 'deb-check: %s\n' "$*"; }
fail () { printf 'deb-check: FAIL %s\n' "$*" >&2; exit 1; }
t0=$SECONDS
step () { say "$1 ($((SECONDS - t0)) s)"; }

W=${1:-$(mktemp -d /tmp/rali-deb.XXXXXX)}
mkdir -p "$W"
W=$(cd "$W" && pwd)
case "$W/" in "$SRC"/*) fail "WORKDIR $W is inside the checkout";; esac

# the tools this script uses, then the Build-Depends of debian/control
need=()
for p in dpkg-dev debhelper fakeroot lintian xvfb xauth dbus-daemon python3 pkg-config gcc; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  step "apt-get install ${need[*]}"
  as_root apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
fi
step "apt-get build-dep ./ (debian/control's Build-Depends)"
as_root apt-get build-dep -y -q ./ >/dev/null

version=$(dpkg-parsechangelog -S Version)
upstream=${version%-*}
B="$W/rali-studio-$upstream"
rm -rf "$B" "$W"/*.deb "$W"/*.ddeb "$W"/*.changes "$W"/*.buildinfo
mkdir -p "$B"
git ls-files -z --cached --others --exclude-standard |
  tar --null --ignore-failed-read -T - -cf - 2>/dev/null | tar -xf - -C "$B"
[ -f "$B/debian/control" ] || fail "the copy in $B has no debian/control"

step "dpkg-buildpackage -us -uc -b in $B (DEB_BUILD_OPTIONS='${DEB_BUILD_OPTIONS:-}')"
tb=$SECONDS
(cd "$B" && dpkg-buildpackage -us -uc -b) > "$W/build.log" 2>&1 || {
  tail -n 60 "$W/build.log"; fail "dpkg-buildpackage (log: $W/build.log)"; }
say "built in $((SECONDS - tb)) s:"
ls -l "$W"/*.deb
for d in "$W"/*.deb; do
  printf '%s: %s files\n' "$(basename "$d")" "$(dpkg-deb -c "$d" | grep -vc '/$')"
done

step "lintian"
# (lintian 2.116 exits 2 on overridden tags when it shows them: so the
# verdict and the list of overrides come from two runs)
lintian --fail-on error,warning --info --tag-display-limit 0 "$W"/*.changes ||
  fail "lintian: errors or warnings without an override (above)"
lintian --show-overrides --tag-display-limit 0 "$W"/*.changes 2>/dev/null | grep '^O: ' || true

# a front end that calls librali's RALI_PRIVATE functions (no API, may
# change in any release: engine/librali.map) must depend on exactly the
# librali0 it was built with
for d in "$W"/rali_*.deb "$W"/rali-studio_*.deb; do
  x=$(mktemp -d) && dpkg-deb -x "$d" "$x"
  n=$(readelf --dyn-syms -W "$x"/usr/bin/* | grep -c '@RALI_PRIVATE' || true)
  rm -rf "$x"
  if [ "$n" -gt 0 ]; then
    dpkg-deb -f "$d" Depends | grep -qF "librali0 (= $version)" ||
      fail "$(basename "$d") calls $n RALI_PRIVATE functions but does not depend on librali0 (= $version)"
    say "$(basename "$d"): $n RALI_PRIVATE functions, depends on librali0 (= $version)"
  fi
done

step "apt-get install ./*.deb"
(cd "$W" && as_root apt-get install -y -q ./*.deb) > "$W/install.log" 2>&1 || {
  tail -n 40 "$W/install.log"; fail "apt-get install (log: $W/install.log)"; }
for p in rali-studio rali librali0 librali-dev; do
  dpkg-query -W -f='${Package} ${Version} ${Status}\n' "$p"
done

cleanup () {
  if [ -n "${xvfb_pid:-}" ]; then kill "$xvfb_pid" 2>/dev/null || true; fi
  if [ -z "${RALI_DEB_KEEP:-}" ]; then
    say "apt-get purge rali-studio rali librali-dev librali0"
    as_root apt-get purge -y -q rali-studio rali librali-dev librali0 >/dev/null || true
  fi
}
trap cleanup EXIT

T="$W/run"
rm -rf "$T" && mkdir -p "$T/home" "$T/data"
cp -r "$SRC/data/samples" "$T/data/"   # not installed: a user's folder of photos
# the installed programs, away from any build tree and any RALI_MODEL
export HOME="$T/home" XDG_DATA_HOME="$T/home/data" XDG_CONFIG_HOME="$T/home/config" XDG_CACHE_HOME="$T/home/cache"
unset RALI_MODEL GSETTINGS_SCHEMA_DIR LD_LIBRARY_PATH
cd "$T"
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
model=/usr/share/rali-studio/models/rali-default.rali

step "rali"
[ "$(command -v rali)" = /usr/bin/rali ] || fail "rali is $(command -v rali), not /usr/bin/rali"
info=$(rali info)
printf '%s\n' "$info" | sed -n 1,3p
printf '%s\n' "$info" | grep -qE "^model: +$model\$" || fail "rali info does not take the installed model $model"
rali score --json data/samples > score.jsonl || fail "rali score data/samples exited $?"
cut -c 1-160 score.jsonl | sed -n 1,3p
n=$(python3 -c 'import json, sys; r = [json.loads(l) for l in open(sys.argv[1])]; print(sum("score" in x for x in r))' score.jsonl)
[ "$n" -eq 10 ] || fail "rali score data/samples scored $n of the 10 samples"
say "rali score data/samples: $n of 10 scored with the installed model"
cp "$SRC/tests/fixtures/raw/tiny.dng" .
rali score --json tiny.dng > raw.jsonl || fail "rali score tiny.dng (installed rali-raw-preview) exited $?: $(cat raw.jsonl)"
grep -q '"score"' raw.jsonl || fail "no score for a camera raw file: $(cat raw.jsonl)"
helper=/usr/lib/$multiarch/librali0/rali-raw-preview
[ -x "$helper" ] || fail "no $helper"
say "camera raw scored through $helper"
man -w rali >/dev/null 2>&1 || [ -f /usr/share/man/man1/rali.1.gz ] || fail "no rali(1)"

step "librali-dev: a program built with pkg-config rali"
cat > use-librali.c <<'EOF'
#include <rali.h>

int
main (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *path = rali_default_model_path (&error);
  RaliModel *model = path ? rali_model_open (path, &error) : NULL;
  if (!model)
    {
      g_printerr ("use-librali: %s\n", error->message);
      return 1;
    }
  g_print ("%s: %d prototypes\n", path, rali_model_config (model)->n_prototypes);
  rali_model_free (model);
  return 0;
}
EOF
# shellcheck disable=SC2046
gcc -Wall -Wextra -Werror -o use-librali use-librali.c $(pkg-config --cflags --libs rali)
./use-librali | tee use-librali.out
grep -q "^$model: " use-librali.out || fail "librali (rali_default_model_path) does not find $model"

step "rali-studio from its desktop entry, under Xvfb"
desktop=/usr/share/applications/org.ralistudio.RaliStudio.desktop
[ -f "$desktop" ] || fail "no $desktop"
exec_line=$(awk '/^\[/ { g = $0 } g == "[Desktop Entry]" && /^Exec=/ { sub(/^Exec=/, ""); print; exit }' "$desktop")
[ -n "$exec_line" ] || fail "$desktop has no Exec= line"
# the desktop entry spec's field codes: %f %F %u %U get the folder to open,
# the others are dropped; the line has no quoting, so words split on spaces
argv=()
read -r -a words <<< "$exec_line"
for w in "${words[@]}"; do
  case "$w" in
    %[fFuU]) argv+=("$T/data/samples") ;;
    %[ick]) ;;
    *) argv+=("${w//%%/%}") ;;
  esac
done
say "Exec=$exec_line -> ${argv[*]}"
[ "$(command -v "${argv[0]}")" = /usr/bin/rali-studio ] || fail "Exec= runs $(command -v "${argv[0]}"), not /usr/bin/rali-studio"
Xvfb -displayfd 9 -screen 0 1280x800x24 -nolisten tcp 9> "$T/display" 2> "$T/xvfb.log" &
xvfb_pid=$!
for _ in $(seq 100); do [ -s "$T/display" ] && break; sleep 0.1; done
[ -s "$T/display" ] || fail "Xvfb did not start: $(cat "$T/xvfb.log")"
catalog="$T/catalog.sqlite"
# setsid: the app and its session bus in one process group, killed together
DISPLAY=":$(head -n 1 "$T/display")" GDK_BACKEND=x11 GSETTINGS_BACKEND=memory RALI_CATALOG="$catalog" \
  setsid dbus-run-session -- timeout 300 "${argv[@]}" > "$T/app.log" 2>&1 &
app_pid=$!
count_scored () {
  python3 - "$catalog" "$model" <<'PY' 2>/dev/null || echo 0
import hashlib, sqlite3, sys
h = hashlib.sha256(open(sys.argv[2], "rb").read()).hexdigest()
db = sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True, timeout=5)
print(db.execute("SELECT count(*) FROM files WHERE model_hash = ? AND score IS NOT NULL", (h,)).fetchone()[0])
PY
}
scored=0 alive=1
for i in $(seq 60); do
  sleep 1
  kill -0 "$app_pid" 2>/dev/null || { alive=0; break; }
  scored=$(count_scored)
  [ "$i" -ge 5 ] && [ "$scored" -ge 10 ] && break
done
kill -0 "$app_pid" 2>/dev/null || alive=0
kill -TERM -- "-$app_pid" 2>/dev/null || true
for _ in $(seq 20); do kill -0 "$app_pid" 2>/dev/null || break; sleep 0.5; done
kill -KILL -- "-$app_pid" 2>/dev/null || true
wait "$app_pid" 2>/dev/null || true
kill "$xvfb_pid" 2>/dev/null || true
wait "$xvfb_pid" 2>/dev/null || true
xvfb_pid=
# the app's own output: the session bus (dbus-daemon[PID]: ...) logs to the
# same stream, e.g. that root in a container may not raise its fd limit
bad=$(grep -v '^dbus-daemon\[[0-9]*\]: ' "$T/app.log" | grep -E 'CRITICAL|ERROR|WARNING|[Ee]rror' || true)
if [ "$alive" -ne 1 ] || [ -n "$bad" ] || [ "$scored" -lt 10 ]; then
  cat "$T/app.log"
  fail "rali-studio: alive $alive after ${i} s, $scored of 10 samples in its catalog with the installed model, errors: ${bad:-none}"
fi
say "rali-studio ran ${i} s from its desktop entry, scored $scored of 10 samples with the installed model, printed no warning or error"
step "all checks passed"
