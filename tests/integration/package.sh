#!/usr/bin/env bash
# package: `cmake --build build --target package` makes duban_VERSION_ARCH.deb (SPEC §1) —
# its control data (Depends computed by dpkg-shlibdeps, the config as a conffile, maintainer
# scripts), its files (programs, migrations, SQL modules, units naming /usr/bin, sysusers.d
# entry, man pages, bash completion), programs that run from the unpacked tree, man pages
# that render without warnings, the completion, apt's resolution of its dependencies
# (apt-get install --simulate), and lintian's verdict when lintian is installed. With
# DUBAN_TEST_INSTALL_PACKAGE=1 (as root) it really installs the package, runs it and purges it.
. "$DUBAN_SOURCE/tests/harness/lib.sh"

cmake --build "$DUBAN_BUILD" --target package >"$TEST_TMP/cpack.log" 2>&1 ||
  fail "cpack failed: $(tail -n 20 "$TEST_TMP/cpack.log")"
version=$(sed -n 's/^project(duban VERSION \([0-9.]*\).*/\1/p' "$DUBAN_SOURCE/CMakeLists.txt")
arch=$(dpkg --print-architecture)
DEB=$DUBAN_BUILD/duban_${version}_${arch}.deb
[[ -f $DEB ]] || fail "no $DEB after the package target: $(ls "$DUBAN_BUILD"/*.deb 2>&1)"

# ------------------------------------------------------------- control data
info=$(dpkg-deb -I "$DEB")
assert_eq duban "$(dpkg-deb -f "$DEB" Package)" "package name"
assert_eq "$version" "$(dpkg-deb -f "$DEB" Version)" "version"
assert_eq "$arch" "$(dpkg-deb -f "$DEB" Architecture)" "architecture"
depends=$(dpkg-deb -f "$DEB" Depends)
for lib in libc6 libpq5 libevent-2.1-7 libcurl4 libjansson4 libinih1 libssl3 libsystemd0; do
  assert_contains "$depends" "$lib" "Depends names $lib (computed by dpkg-shlibdeps)"
done
dpkg-deb -e "$DEB" "$TEST_TMP/control"
assert_eq /etc/duban/duband.conf "$(cat "$TEST_TMP/control/conffiles")" "the config is a conffile"
for s in postinst prerm postrm; do
  [[ -x $TEST_TMP/control/$s ]] || fail "maintainer script $s missing or not executable"
  sh -n "$TEST_TMP/control/$s" || fail "$s is not valid sh"
done
assert_contains "$(cat "$TEST_TMP/control/postinst")" "systemd-sysusers" "postinst creates the user"

# ------------------------------------------------------------- files
files=$(dpkg-deb -c "$DEB" | awk '{print $6}' | sed 's|^\./|/|')
for f in /usr/bin/duband /usr/bin/dubanctl /etc/duban/duband.conf \
         /lib/systemd/system/duband.service /usr/lib/sysusers.d/duban.conf \
         /usr/share/man/man8/duband.8.gz /usr/share/man/man1/dubanctl.1.gz \
         /usr/share/man/man8/dubanweb.8.gz /usr/share/man/man5/duband.conf.5.gz \
         /usr/share/bash-completion/completions/dubanctl; do
  grep -qx -- "$f" <<<"$files" || fail "the package lacks $f"
done
for f in "$DUBAN_SOURCE"/migrations/*.sql; do
  grep -qx -- "/usr/share/duban/migrations/$(basename "$f")" <<<"$files" || fail "lacks migration $f"
done
for f in "$DUBAN_SOURCE"/sql/*.sql; do
  [[ -e $f ]] || continue
  grep -qx -- "/usr/share/duban/sql/$(basename "$f")" <<<"$files" || fail "lacks SQL module $f"
done
for unit in "$DUBAN_SOURCE"/systemd/*.service; do
  grep -qx -- "/lib/systemd/system/$(basename "$unit")" <<<"$files" || fail "lacks unit $unit"
done
if [[ -x $DUBAN_BUILD/dubanweb ]]; then
  grep -qx /usr/bin/dubanweb <<<"$files" || fail "the package lacks /usr/bin/dubanweb"
fi
if dpkg-deb -c "$DEB" | awk '{print $2}' | grep -qv '^root/root$'; then
  fail "files not owned by root: $(dpkg-deb -c "$DEB" | grep -v root/root | head -n 3)"
fi

# ------------------------------------------------------------- the unpacked tree
ROOT=$TEST_TMP/root
dpkg-deb -x "$DEB" "$ROOT"
assert_exit 0 "duband --help from the package" -- "$ROOT/usr/bin/duband" --help
assert_contains "$LAST_OUT" "--once" "duband's help"
assert_exit 0 "dubanctl --help from the package" -- "$ROOT/usr/bin/dubanctl" --help
assert_contains "$LAST_OUT" "problem import" "dubanctl's help"
assert_exit 0 "duband --version" -- "$ROOT/usr/bin/duband" --version
assert_contains "$LAST_OUT" "$version" "the packaged version"
assert_contains "$(cat "$ROOT/lib/systemd/system/duband.service")" "ExecStart=/usr/bin/duband" \
  "the unit names the packaged program"
assert_contains "$(cat "$ROOT/usr/lib/sysusers.d/duban.conf")" "u duban " "sysusers.d entry"
for page in man1/dubanctl.1 man5/duband.conf.5 man8/duband.8 man8/dubanweb.8; do
  warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$ROOT/usr/share/man/$page.gz" 2>&1 >/dev/null)
  assert_eq "" "$warnings" "$page renders without warnings"
done
assert_contains "$(LC_ALL=C.UTF-8 MANWIDTH=100 man -l "$ROOT/usr/share/man/man5/duband.conf.5.gz" 2>/dev/null)" \
  "target_session_attrs=read-write" "duband.conf(5) documents the failover DSN"

# The completion: `dubanctl pro<TAB>` → problem, `dubanctl problem imp<TAB>` → import.
if [[ -r /usr/share/bash-completion/bash_completion ]]; then
  complete_words() {
    bash --norc -c '. /usr/share/bash-completion/bash_completion
      . "$1"; shift
      COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
      _dubanctl dubanctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
      printf "%s\n" "${COMPREPLY[@]}"' _ "$ROOT/usr/share/bash-completion/completions/dubanctl" "$@"
  }
  assert_eq problem "$(complete_words dubanctl pro)" "completes the command"
  assert_eq import "$(complete_words dubanctl problem imp)" "completes the subcommand"
  assert_eq "--encoding" "$(complete_words dubanctl problem import --enc)" "completes an option"
  assert_eq "dingtalk" "$(complete_words dubanctl channel add XJ --kind di)" "completes a kind"
else
  bash -n "$ROOT/usr/share/bash-completion/completions/dubanctl" || fail "completion syntax"
fi

# ------------------------------------------------------------- apt and lintian
if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
  assert_exit 0 "apt-get resolves the dependencies" -- \
    apt-get install --simulate --no-install-recommends "$DEB"
  assert_contains "$LAST_OUT" "Inst duban" "apt would install duban"
fi
if command -v lintian >/dev/null; then
  lintian --no-tag-display-limit "$DEB" >"$TEST_TMP/lintian.txt" 2>&1 || true
  # no copyright file: the project has not chosen a licence yet (README, "Install the package")
  errors=$(grep '^E:' "$TEST_TMP/lintian.txt" | grep -v 'no-copyright-file' || true)
  assert_eq "" "$errors" "lintian finds no errors"
fi

if [[ ${DUBAN_TEST_INSTALL_PACKAGE:-0} == 1 ]]; then
  [[ $(id -u) -eq 0 ]] || fail "DUBAN_TEST_INSTALL_PACKAGE=1 needs root"
  ! dpkg -s duban >/dev/null 2>&1 || fail "duban is already installed here: not touching it"
  on_exit "DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq duban >/dev/null 2>&1 || true"
  assert_exit 0 "apt-get install ./duban.deb" -- \
    env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$DEB"
  assert_exit 0 "installed duband --help" -- duband --help
  assert_exit 0 "installed dubanctl --help" -- dubanctl --help
  assert_contains "$(getent passwd duban)" "duban:" "the duban user exists"
  assert_contains "$(MANWIDTH=80 man duband 2>/dev/null)" "duband" "man duband"
  assert_exit 0 "apt-get purge" -- env DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq duban
  [[ ! -e /usr/bin/duband ]] || fail "/usr/bin/duband left after purge"
fi
