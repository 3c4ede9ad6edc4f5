#!/bin/sh
# SPDX-License-Identifier: MIT
# The Debian package as an administrator meets it: built from a copy of the
# source tree, checked by lintian, installed with dpkg, a service registered
# in /etc/inetd.conf with update-inetd and served by the installed superd on
# the installed configuration, then purged, leaving nothing behind.
#
#   tests/package/debian_package_test.sh SOURCE_DIR
#
# Needs root and Debian's packaging tools; exits 77 (skipped) without them,
# or when the machine already has a superd package, another inetd or an
# /etc/superd.conf that this test must not touch. The machine is restored
# on every exit: the package purged, /etc/inetd.conf as it was.
set -eu

src=$(cd "${1:?usage: $0 SOURCE_DIR}" && pwd)
skip() { echo "SKIPPED: $*"; exit 77; }
fail() { echo "FAILED: $*"; exit 1; }
step() { echo "--- $*"; }

[ "$(id -u)" -eq 0 ] || skip "needs root (dpkg -i); run as root, as CI does"
for tool in dpkg-buildpackage dh lintian update-inetd nc man fakeroot; do
  command -v "$tool" >/dev/null 2>&1 ||
    skip "$tool is missing (./do test installs dpkg-dev debhelper lintian update-inetd netcat-openbsd man-db fakeroot)"
done
installed() { dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null | grep -q '^installed$'; }
status() { dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || echo not-installed; }
[ "$(status superd)" = not-installed ] || skip "a superd package is on this machine already; not replacing it"
for other in openbsd-inetd inetutils-inetd rlinetd; do
  ! installed "$other" || skip "$other is installed: superd's package would remove it"
done
[ ! -e /etc/superd.conf ] || skip "/etc/superd.conf exists; not touching it"
[ ! -e /var/lib/superd ] || skip "/var/lib/superd exists; not touching it"

work=$(mktemp -d "${TMPDIR:-/tmp}/superd-package.XXXXXX")
daemon=""
saved_inetd_conf=""
if [ -e /etc/inetd.conf ]; then
  saved_inetd_conf=$work/inetd.conf.saved
  cp -p /etc/inetd.conf "$saved_inetd_conf"
fi
restore() {
  status=$?
  [ -z "$daemon" ] || kill "$daemon" 2>/dev/null || true
  [ "$(status superd)" = not-installed ] || dpkg --purge superd >/dev/null 2>&1 || true
  if [ -n "$saved_inetd_conf" ]; then
    cp -p "$saved_inetd_conf" /etc/inetd.conf
  else
    rm -f /etc/inetd.conf
  fi
  rm -rf "$work"
  exit $status
}
trap restore EXIT
trap 'exit 1' INT TERM HUP

step "build (a copy of the tree; nocheck)"
tree=$work/superd
mkdir "$tree"
# Without build directories and what a build through the debian symlink
# leaves in packaging/debian.
d=./packaging/debian
(cd "$src" && tar -cf - --exclude=./.git --exclude='./build*' --exclude=./debian \
   --exclude="$d/.debhelper" --exclude="$d/superd" --exclude="$d/files" --exclude="$d/*.substvars" \
   --exclude="$d/*.debhelper" --exclude="$d/*.debhelper.log" --exclude="$d/debhelper-build-stamp" \
   .) | (cd "$tree" && tar -xf -)
# debian/ is a copy here, not the symlink the README builds with: lintian
# reads the source package's debian/ without following a symlink, so it would
# name debian/copyright packaging/debian/copyright (and warn). Links in it
# (superd.service) are copied as files.
cp -RL "$tree/packaging/debian" "$tree/debian"
start=$(date +%s)
# noopt, no debug information and no -dbgsym package: this package is
# exercised, not shipped, and builds in half the time.
(cd "$tree" && DEB_CXXFLAGS_APPEND=-g0 DEB_BUILD_OPTIONS="nocheck noopt noddebs parallel=2" dpkg-buildpackage -us -uc >"$work/build.log" 2>&1) ||
  { tail -40 "$work/build.log"; fail "dpkg-buildpackage failed"; }
echo "built in $(($(date +%s) - start)) s"
deb=$(ls "$work"/superd_*.deb)
changes=$(ls "$work"/superd_*.changes)

step "lintian (source and binary: no error, no warning)"
rc=0
lintian --fail-on error,warning "$changes" >"$work/lintian.log" 2>&1 || rc=$?
grep -v 'running with root privileges' "$work/lintian.log" || true
[ "$rc" -eq 0 ] || fail "lintian reports errors or warnings (above)"

step "install"
dpkg -i "$deb" || fail "dpkg -i failed"
# Under systemd the postinst starts the service; this test runs its own.
if [ -d /run/systemd/system ]; then systemctl stop superd.service || true; fi
[ -x /usr/sbin/superd ] || fail "no /usr/sbin/superd"
[ -f /lib/systemd/system/superd.service ] || fail "no /lib/systemd/system/superd.service"
[ -d /etc/superd.d ] || fail "no /etc/superd.d"
[ -z "$(ls -A /etc/superd.d)" ] || fail "/etc/superd.d is not empty: $(ls -A /etc/superd.d)"
[ -f /usr/share/doc/superd/examples/superd.d/tftp.conf.example ] || fail "examples are not in the doc dir"
[ -f /usr/share/doc/superd/examples/superd.socket ] || fail "superd.socket is not in the doc dir"
if [ -n "$saved_inetd_conf" ]; then
  cmp -s /etc/inetd.conf "$saved_inetd_conf" || fail "the existing /etc/inetd.conf was changed"
  [ ! -e /var/lib/superd/created-inetd.conf ] || fail "an existing /etc/inetd.conf was marked as created"
else
  [ -f /etc/inetd.conf ] || fail "the postinst did not create /etc/inetd.conf"
  [ -e /var/lib/superd/created-inetd.conf ] || fail "the postinst did not note that it created /etc/inetd.conf"
fi

step "superd --version, man -w, --check on the installed conf"
/usr/sbin/superd --version | grep -qx 'superd [0-9.]*' || fail "superd --version: $(/usr/sbin/superd --version 2>&1)"
if [ -e /usr/share/man/man8/superd.8.gz ]; then
  man -w superd >/dev/null || fail "man -w superd finds no page"
  man -w 5 superd.conf >/dev/null || fail "man -w 5 superd.conf finds no page"
else
  echo "note: dpkg excludes /usr/share/man on this machine; man -w not checked"
fi
out=$(/usr/sbin/superd --check 2>&1) || fail "superd --check on the installed conf: $out"
echo "$out"
case $out in *"/etc/superd.conf: configuration OK (0 service(s) enabled)"*) ;;
  *) fail "the installed conf should serve nothing by itself: $out" ;; esac
if command -v systemd-analyze >/dev/null 2>&1; then
  out=$(systemd-analyze verify /lib/systemd/system/superd.service 2>&1 | grep superd || true)
  [ -z "$out" ] || fail "systemd-analyze verify: $out"
fi

step "serve: update-inetd --add while superd runs"
port=""
for try in 1 2 3 4 5 6 7 8 9 10; do
  p=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000))
  hex=$(printf '%04X' "$p")
  if ! grep -qi ":$hex " /proc/net/tcp /proc/net/tcp6 /proc/net/udp /proc/net/udp6 2>/dev/null; then
    port=$p
    break
  fi
done
[ -n "$port" ] || fail "no free loopback port found"
# The installed daemon on the installed conf, in the foreground (no systemd
# needed): it serves nothing until update-inetd adds a line, which superd
# notices itself (it watches /etc/inetd.conf) and reloads.
# The unit's RuntimeDirectory makes /run/superd for the control socket; by hand, so does this.
made_run_dir=""
if [ ! -d /run/superd ]; then mkdir -p /run/superd && made_run_dir=yes; fi
/usr/sbin/superd >"$work/superd.log" 2>&1 &
daemon=$!
for try in $(seq 1 50); do
  grep -q "started" "$work/superd.log" && break
  kill -0 "$daemon" 2>/dev/null || { cat "$work/superd.log"; fail "superd exited at start"; }
  sleep 0.2
done
update-inetd --add "127.0.0.1:$port stream tcp nowait nobody /bin/cat cat" ||
  fail "update-inetd --add failed"
grep -q "^127.0.0.1:$port[[:space:]]" /etc/inetd.conf || fail "update-inetd did not add the line: $(cat /etc/inetd.conf)"
out=$(/usr/sbin/superd --check 2>&1) || fail "superd --check after update-inetd: $out"
case $out in *"configuration OK (1 service(s) enabled)"*) ;; *) fail "expected one service: $out" ;; esac
answer=""
for try in $(seq 1 50); do
  answer=$(printf 'hello superd\n' | nc -N -w 2 127.0.0.1 "$port" 2>/dev/null || true)
  [ -z "$answer" ] || break
  kill -0 "$daemon" 2>/dev/null || { cat "$work/superd.log"; fail "superd exited"; }
  sleep 0.2
done
[ "$answer" = "hello superd" ] || { cat "$work/superd.log"; fail "the service added by update-inetd answered '$answer'"; }
out=$(/usr/sbin/superd ctl status 2>&1) || fail "superd ctl status on the installed conf: $out"
case $out in *"state=serving"*"endpoints=127.0.0.1:$port/tcp"*) ;;
  *) fail "superd ctl status does not show the service: $out" ;; esac
kill -TERM "$daemon"
rc=0
wait "$daemon" || rc=$?
daemon=""
cat "$work/superd.log"
[ "$rc" -eq 0 ] || fail "superd exited $rc on SIGTERM"
[ ! -e /run/superd/control ] || fail "superd left its control socket /run/superd/control"
[ -z "$made_run_dir" ] || rmdir /run/superd
update-inetd --remove "127.0.0.1:$port" || fail "update-inetd --remove failed"
! grep -q "^127.0.0.1:$port[[:space:]]" /etc/inetd.conf || fail "update-inetd --remove left the line"

step "purge"
dpkg --purge superd || fail "dpkg --purge failed"
[ "$(status superd)" = not-installed ] || fail "superd is $(status superd) after purge"
for f in /usr/sbin/superd /etc/superd.conf /etc/superd.d /usr/share/doc/superd /var/lib/superd \
         /etc/systemd/system/multi-user.target.wants/superd.service; do
  [ ! -e "$f" ] || fail "$f is left after purge"
done
if [ -n "$saved_inetd_conf" ]; then
  [ -e /etc/inetd.conf ] || fail "purge removed an /etc/inetd.conf superd did not create"
else
  [ ! -e /etc/inetd.conf ] || fail "purge left the /etc/inetd.conf superd created: $(cat /etc/inetd.conf)"

  step "an /etc/inetd.conf that superd did not create stays"
  printf '# the administrator'"'"'s own\n' >/etc/inetd.conf
  dpkg -i "$deb" >/dev/null || fail "dpkg -i (second) failed"
  if [ -d /run/systemd/system ]; then systemctl stop superd.service || true; fi
  [ "$(cat /etc/inetd.conf)" = "# the administrator's own" ] || fail "install changed an existing /etc/inetd.conf"
  dpkg --purge superd >/dev/null || fail "dpkg --purge (second) failed"
  [ "$(cat /etc/inetd.conf 2>/dev/null)" = "# the administrator's own" ] ||
    fail "purge removed or changed an /etc/inetd.conf superd did not create"
fi
echo "OK"
