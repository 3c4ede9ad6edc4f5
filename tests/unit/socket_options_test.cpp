// SPDX-License-Identifier: MIT
// net/socket_options: which options apply to which endpoint, what a reload
// can change in place, and the options themselves on real (unbound) sockets,
// read back with getsockopt.
#include "net/socket_options.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

using namespace superd::net;
using Lines = std::vector<std::string>;

namespace {

Endpoint endpoint(Transport t) {
  Endpoint e;
  e.transport = t;
  e.host = t == Transport::UnixStream || t == Transport::UnixDgram ? "/run/x" : "127.0.0.1";
  e.port = t == Transport::UnixStream || t == Transport::UnixDgram ? 0 : 7;
  return e;
}

struct Socket {
  int fd;
  explicit Socket(int family, int type) : fd(::socket(family, type | SOCK_CLOEXEC, 0)) {
    BOOST_REQUIRE(fd >= 0);
  }
  ~Socket() { ::close(fd); }
  int get(int level, int name) const {
    int v = -1;
    socklen_t len = sizeof v;
    BOOST_REQUIRE(::getsockopt(fd, level, name, &v, &len) == 0);
    return v;
  }
};

ListenOptions all_set() {
  ListenOptions o;
  o.keepalive = 1;
  o.keepalive_time = 30;
  o.keepalive_interval = 7;
  o.keepalive_count = 4;
  o.nodelay = 1;
  o.defer_accept = 5;
  o.send_buffer = 32768;
  o.receive_buffer = 65536;
  o.mark = 9;
  o.ip_tos = 16;
  return o;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(socket_options)

BOOST_AUTO_TEST_CASE(what_applies_where) {
  ListenOptions none, o = all_set();
  BOOST_TEST(changed_socket_options(none, o, endpoint(Transport::Tcp)) ==
                 (Lines{"keepalive", "keepalive_time", "keepalive_interval", "keepalive_count",
                        "nodelay", "defer_accept", "send_buffer", "receive_buffer", "mark", "ip_tos"}),
             boost::test_tools::per_element());
  BOOST_TEST(changed_socket_options(none, o, endpoint(Transport::Udp)) ==
                 (Lines{"send_buffer", "receive_buffer", "mark", "ip_tos"}),
             boost::test_tools::per_element());
  BOOST_TEST(changed_socket_options(none, o, endpoint(Transport::UnixStream)) ==
                 (Lines{"send_buffer", "receive_buffer"}),
             boost::test_tools::per_element());
  BOOST_TEST(options_set(none).empty());
  BOOST_TEST(options_set(o).size() == 10u);
  BOOST_TEST(applies_text(Applies::Tcp) == std::string("TCP endpoints"));
}

BOOST_AUTO_TEST_CASE(only_a_return_to_an_unsettable_default_needs_a_new_socket) {
  ListenOptions none, o = all_set();
  Endpoint tcp = endpoint(Transport::Tcp), udp = endpoint(Transport::Udp);
  BOOST_TEST(!needs_new_socket(none, o, tcp));
  BOOST_TEST(needs_new_socket(o, none, tcp));
  ListenOptions fewer = o;
  fewer.keepalive = fewer.nodelay = fewer.defer_accept = fewer.mark = fewer.ip_tos = 0;
  BOOST_TEST(!needs_new_socket(o, fewer, tcp));  // setsockopt(0) undoes these
  fewer.keepalive_count = 0;
  BOOST_TEST(needs_new_socket(o, fewer, tcp));
  BOOST_TEST(!needs_new_socket(o, fewer, udp));  // a TCP option is nothing to UDP
  ListenOptions smaller = o;
  smaller.send_buffer = 4096;
  BOOST_TEST(!needs_new_socket(o, smaller, udp));
  smaller.send_buffer = 0;
  BOOST_TEST(needs_new_socket(o, smaller, udp));
}

BOOST_AUTO_TEST_CASE(sets_every_option_that_applies) {
  ListenOptions o = all_set();
  o.mark = 0;  // needs CAP_NET_ADMIN: tested in the integration tests
  Socket s(AF_INET6, SOCK_STREAM);
  std::string error;
  BOOST_TEST_REQUIRE(set_socket_options(s.fd, endpoint(Transport::Tcp), o, nullptr, error), error);
  BOOST_TEST(s.get(SOL_SOCKET, SO_KEEPALIVE) == 1);
  BOOST_TEST(s.get(IPPROTO_TCP, TCP_KEEPIDLE) == 30);
  BOOST_TEST(s.get(IPPROTO_TCP, TCP_KEEPINTVL) == 7);
  BOOST_TEST(s.get(IPPROTO_TCP, TCP_KEEPCNT) == 4);
  BOOST_TEST(s.get(IPPROTO_TCP, TCP_NODELAY) == 1);
  BOOST_TEST(s.get(IPPROTO_TCP, TCP_DEFER_ACCEPT) > 0);
  BOOST_TEST(s.get(SOL_SOCKET, SO_SNDBUF) == 2 * 32768);  // the kernel doubles it (socket(7))
  BOOST_TEST(s.get(SOL_SOCKET, SO_RCVBUF) == 2 * 65536);
  BOOST_TEST(s.get(IPPROTO_IPV6, IPV6_TCLASS) == 16);
  BOOST_TEST(s.get(IPPROTO_IP, IP_TOS) == 16);  // IPv4 peers of a dual-stack socket
  // In place: only what differs, and back to 0 where setsockopt can.
  ListenOptions next = o;
  next.nodelay = 0;
  next.keepalive = 0;
  next.receive_buffer = 16384;
  BOOST_TEST_REQUIRE(set_socket_options(s.fd, endpoint(Transport::Tcp), next, &o, error), error);
  BOOST_TEST(s.get(IPPROTO_TCP, TCP_NODELAY) == 0);
  BOOST_TEST(s.get(SOL_SOCKET, SO_KEEPALIVE) == 0);
  BOOST_TEST(s.get(SOL_SOCKET, SO_RCVBUF) == 2 * 16384);
}

BOOST_AUTO_TEST_CASE(leaves_what_does_not_apply) {
  ListenOptions o = all_set();
  Socket s(AF_UNIX, SOCK_STREAM);
  std::string error;
  // mark, TOS and the TCP options would fail on a Unix socket: not set at all.
  BOOST_TEST_REQUIRE(set_socket_options(s.fd, endpoint(Transport::UnixStream), o, nullptr, error), error);
  BOOST_TEST(s.get(SOL_SOCKET, SO_SNDBUF) == 2 * 32768);
  BOOST_TEST(s.get(SOL_SOCKET, SO_KEEPALIVE) == 0);
}

BOOST_AUTO_TEST_CASE(a_failure_names_the_option) {
  ListenOptions o;
  o.keepalive_time = 1000000;  // above MAX_TCP_KEEPIDLE: EINVAL
  Socket s(AF_INET, SOCK_STREAM);
  std::string error;
  BOOST_TEST(!set_socket_options(s.fd, endpoint(Transport::Tcp), o, nullptr, error));
  BOOST_TEST(error == "setsockopt TCP_KEEPIDLE: Invalid argument");
  Endpoint e = endpoint(Transport::Tcp);
  e.device = "nosuchif0";
  BOOST_TEST(!set_bind_options(s.fd, e, AF_INET, error));
  BOOST_TEST(error == "setsockopt SO_BINDTODEVICE nosuchif0: No such device");
}

BOOST_AUTO_TEST_CASE(bind_options_read_back_as_the_identity_writes_them) {
  Socket s(AF_INET6, SOCK_DGRAM);
  BOOST_TEST(bind_options_of(s.fd, AF_INET6) == "");
  Endpoint e = endpoint(Transport::Udp);
  e.reuse_port = e.freebind = true;
  e.device = "lo";
  std::string error;
  BOOST_TEST_REQUIRE(set_bind_options(s.fd, e, AF_INET6, error), error);
  BOOST_TEST(bind_options_of(s.fd, AF_INET6) == bind_options_suffix(true, true, "lo"));
  Socket v4(AF_INET, SOCK_STREAM);
  e.device.clear();
  BOOST_TEST_REQUIRE(set_bind_options(v4.fd, e, AF_INET, error), error);
  BOOST_TEST(bind_options_of(v4.fd, AF_INET) == " reuseport freebind");
}

BOOST_AUTO_TEST_SUITE_END()
