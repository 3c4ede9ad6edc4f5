// SPDX-License-Identifier: MIT
// A program for superd to run on a connection: writes the socket options of
// its fd 0, the accepted connection, as one line, so a test sees what the
// connection inherited from the listening socket.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cstdio>

namespace {
int get(int level, int name) {
  int v = -1;
  socklen_t len = sizeof v;
  return ::getsockopt(0, level, name, &v, &len) == 0 ? v : -1;
}
}  // namespace

int main() {
  std::printf("keepalive=%d keepidle=%d keepintvl=%d keepcnt=%d nodelay=%d mark=%d tos=%d\n",
              get(SOL_SOCKET, SO_KEEPALIVE), get(IPPROTO_TCP, TCP_KEEPIDLE),
              get(IPPROTO_TCP, TCP_KEEPINTVL), get(IPPROTO_TCP, TCP_KEEPCNT),
              get(IPPROTO_TCP, TCP_NODELAY), get(SOL_SOCKET, SO_MARK), get(IPPROTO_IP, IP_TOS));
  return 0;
}
