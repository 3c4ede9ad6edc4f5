#!/bin/sh
# ./do run    install what is missing, build, run superd in the foreground
#             (embedded default configuration unless a conf file exists)
# ./do test   install what is missing (build and test tools), build, run ctest
# ./do build  install the build dependencies and build only
# Runs as root on Debian 12 (apt-get); as another user it uses sudo when needed.
set -eu
cd "$(dirname "$0")"
BUILD=${BUILD_DIR:-build}
BUILD_PKGS="g++ cmake make pkg-config libboost-dev libboost-program-options-dev libboost-test-dev libinih-dev libcap-dev netbase"
# Real programs the integration tests drive: clients, in.tftpd, sshd -i, git daemon.
TEST_PKGS="netcat-openbsd socat tftpd-hpa tftp-hpa openssh-server openssh-client git procps"

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
    cd "$BUILD" && exec ctest --output-on-failure -j "$(nproc)"
    ;;
  build)
    install_missing $BUILD_PKGS
    build
    ;;
  *)
    sed -n '2,6p' "$0" | sed 's/^# //'
    exit 100
    ;;
esac
