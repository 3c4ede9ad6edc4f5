#!/bin/sh
# ./do run    install what is missing, build, run superd in the foreground
#             (embedded default configuration unless a conf file exists)
# ./do test   install what is missing (build and test tools), build, run ctest;
#             then the same with AddressSanitizer and UBSan in build-asan
#             (all but the Debian package test)
# ./do build  install the build dependencies and build only
# Runs as root on Debian 12 (apt-get); as another user it uses sudo when needed.
set -eu
cd "$(dirname "$0")"
BUILD=${BUILD_DIR:-build}
ASAN_BUILD=$BUILD-asan
BUILD_PKGS="g++ cmake make pkg-config libboost-dev libboost-program-options-dev libboost-test-dev libinih-dev libcap-dev netbase nlohmann-json3-dev libssl-dev"
# Real programs the integration tests drive: clients, in.tftpd, sshd -i, git daemon,
# systemd-socket-activate, curl and the Prometheus parser (metrics), haproxy (PROXY protocol), dnsmasq
# (a DNS server for reverse lookups); and what the package test (tests/package) needs to
# build, lint, install and exercise the Debian package.
TEST_PKGS="netcat-openbsd socat tftpd-hpa tftp-hpa openssh-server openssh-client git procps systemd
  dpkg-dev debhelper fakeroot lintian update-inetd man-db curl python3-prometheus-client haproxy openssl dnsmasq-base"

install_missing() {
  missing=""
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
  done
  [ -z "$missing" ] && return 0
  echo "installing:$missing"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing
}

build() {
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSUPERD_STATIC_RUNTIME=ON >/dev/null
  cmake --build "$BUILD" -j "$(nproc)"
}

# Every target built with -fsanitize=address,undefined; the static runtime
# does not mix with ASan's. -O1 -g1 (line tables for the reports) is what ASan
# recommends, and compiles in about 60% of the time of -O2 -g.
build_sanitized() {
  cmake -S . -B "$ASAN_BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
    -DSUPERD_SANITIZE=ON -DSUPERD_STATIC_RUNTIME=OFF >/dev/null
  cmake --build "$ASAN_BUILD" -j "$(nproc)"
}

case "${1:-}" in
  run)
    install_missing $BUILD_PKGS
    build
    shift
    exec "$BUILD/superd/superd" "$@"
    ;;
  test)
    install_missing $BUILD_PKGS $TEST_PKGS
    build
    (cd "$BUILD" && ctest --output-on-failure -j "$(nproc)")
    build_sanitized
    # The package test builds its own superd: once is enough.
    cd "$ASAN_BUILD" && UBSAN_OPTIONS=print_stacktrace=1 exec ctest --output-on-failure -j "$(nproc)" -LE package
    ;;
  build)
    install_missing $BUILD_PKGS
    build
    ;;
  *)
    sed -n '2,8p' "$0" | sed 's/^# //'
    exit 100
    ;;
esac
