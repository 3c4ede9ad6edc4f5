// SPDX-License-Identifier: MIT
// Socket options: reuse_port shares a port between two superds; options are
// seen on the listening socket (taken from superd with pidfd_getfd) and on
// the accepted connection (by a program superd runs on it); a reload changes
// them in place; a failing option stops start-up or a reload cleanly.
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <set>

#include "running.hpp"

using namespace superd::test;

namespace {

// A duplicate of superd's socket listening on 127.0.0.1:`port`, or -1 when
// this system does not let the test take it (pidfd_getfd needs Linux 5.6
// and ptrace rights over superd).
int listening_socket_of(pid_t pid, int port) {
  std::string want = "socket:[" + std::to_string(listening_inode(port)) + "]";
  int target = -1;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec)) {
    std::error_code link_ec;
    if (std::filesystem::read_symlink(entry.path(), link_ec).string() == want)
      target = std::stoi(entry.path().filename().string());
  }
  if (target < 0) return -1;
  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) return -1;
  int fd = static_cast<int>(::syscall(SYS_pidfd_getfd, pidfd, target, 0));
  ::close(pidfd);
  return fd;
}

int option_of(int fd, int level, int name) {
  int v = -1;
  socklen_t len = sizeof v;
  return ::getsockopt(fd, level, name, &v, &len) == 0 ? v : -1;
}

// The receive buffer of superd's listening socket; -1 when it cannot be read.
int listening_rcvbuf(const Superd& s, int port) {
  int fd = listening_socket_of(s.pid(), port);
  if (fd < 0) return -1;
  int v = option_of(fd, SOL_SOCKET, SO_RCVBUF);
  ::close(fd);
  return v;
}

std::string who_conf(int port, bool reuse) {
  return "[who]\nport = 127.0.0.1:" + std::to_string(port) + "\n" + user_line() +
         "exec = /bin/sh -c \"echo $PPID\"\n" + (reuse ? "reuse_port = yes\n" : "");
}

std::string probe_conf(const std::string& options) {
  return "[probe]\nport = 127.0.0.1:@P0@\n" + user_line() + "exec = " SUPERD_SOCKOPT_PROBE "\n" +
         options;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(socket_options)

BOOST_AUTO_TEST_CASE(reuse_port_shares_a_port_between_two_superds) {
  int port = free_port();
  TempDir a_dir, b_dir;
  Superd a(a_dir, {"-c", a_dir.write("superd.conf", who_conf(port, true))});
  BOOST_REQUIRE_MESSAGE(a.ready(), a.log());
  Superd b(b_dir, {"-c", b_dir.write("superd.conf", who_conf(port, true))});
  BOOST_REQUIRE_MESSAGE(b.ready(), b.log());
  std::set<std::string> answered;
  // The kernel picks a listener by a hash of the connection: both get some.
  for (int i = 0; i < 200 && answered.size() < 2; ++i) answered.insert(tcp_talk(port, ""));
  BOOST_TEST(answered.count(std::to_string(a.pid()) + "\n") == 1u);
  BOOST_TEST(answered.count(std::to_string(b.pid()) + "\n") == 1u);
  BOOST_TEST(answered.size() == 2u);
}

BOOST_AUTO_TEST_CASE(without_reuse_port_the_second_superd_cannot_bind) {
  int port = free_port();
  TempDir a_dir, b_dir;
  Superd a(a_dir, {"-c", a_dir.write("superd.conf", who_conf(port, true))});
  BOOST_REQUIRE_MESSAGE(a.ready(), a.log());
  std::string conf = b_dir.write("superd.conf", who_conf(port, false));
  Superd b(b_dir, {"-c", conf});
  BOOST_TEST(!b.ready());
  BOOST_TEST(b.wait_exit() == 111);
  BOOST_TEST(contains(b.log(), "bind 127.0.0.1:" + std::to_string(port) +
                                   "/tcp: Address already in use (service who, " + conf + ":2)"),
             b.log());
  BOOST_TEST(tcp_talk(port, "") == std::to_string(a.pid()) + "\n");
}

BOOST_AUTO_TEST_CASE(reload_changes_receive_buffer_in_place) {
  Running r("[echo]\nport = 127.0.0.1:@P0@\nbuiltin = echo\nreceive_buffer = 64K\n");
  int port = r.ports[0];
  unsigned long inode = listening_inode(port);
  BOOST_REQUIRE(inode != 0u);
  int before = listening_rcvbuf(*r.superd, port);
  if (before < 0) {
    BOOST_TEST_MESSAGE("skipped: pidfd_getfd cannot take superd's socket here");
    return;
  }
  BOOST_TEST(before == 2 * 65536);  // the kernel doubles it (socket(7))
  r.rewrite("[echo]\nport = 127.0.0.1:@P0@\nbuiltin = echo\nreceive_buffer = 128K\n");
  BOOST_REQUIRE(r.superd->reload());
  BOOST_TEST(listening_inode(port) == inode);
  BOOST_TEST(listening_rcvbuf(*r.superd, port) == 2 * 131072);
  BOOST_TEST(r.superd->wait_log("service echo: changed (receive_buffer)"), r.superd->log());
  BOOST_TEST(tcp_talk(port, "still\n") == "still\n");
  // Back to the system's default, which setsockopt cannot restore: a new socket.
  r.rewrite("[echo]\nport = 127.0.0.1:@P0@\nbuiltin = echo\n");
  BOOST_REQUIRE(r.superd->reload());
  BOOST_TEST(listening_inode(port) != inode);
  BOOST_TEST(listening_inode(port) != 0u);
  BOOST_TEST(listening_rcvbuf(*r.superd, port) != 2 * 131072);
  BOOST_TEST(tcp_talk(port, "again\n") == "again\n");
}

BOOST_AUTO_TEST_CASE(accepted_connections_inherit_keepalive_nodelay_and_tos) {
  Running r(probe_conf("keepalive = yes\nkeepalive_time = 42\nkeepalive_interval = 7\n"
                       "keepalive_count = 3\nnodelay = yes\nip_tos = 16\n"));
  BOOST_TEST(tcp_talk(r.ports[0], "") ==
             "keepalive=1 keepidle=42 keepintvl=7 keepcnt=3 nodelay=1 mark=0 tos=16\n");
  // Switched off by a reload, on the same listening socket.
  unsigned long inode = listening_inode(r.ports[0]);
  r.rewrite(probe_conf("keepalive = no\nkeepalive_time = 42\nkeepalive_interval = 7\n"
                       "keepalive_count = 3\n"));
  BOOST_REQUIRE(r.superd->reload());
  BOOST_TEST(listening_inode(r.ports[0]) == inode);
  BOOST_TEST(tcp_talk(r.ports[0], "") ==
             "keepalive=0 keepidle=42 keepintvl=7 keepcnt=3 nodelay=0 mark=0 tos=0\n");
}

BOOST_AUTO_TEST_CASE(mark_needs_and_gets_root) {
  if (::geteuid() != 0) {
    BOOST_TEST_MESSAGE("skipped: SO_MARK needs CAP_NET_ADMIN (run as root)");
    return;
  }
  Running r(probe_conf("mark = 0x2a\n"));
  BOOST_TEST(contains(tcp_talk(r.ports[0], ""), " mark=42 "));
  r.rewrite(probe_conf("mark = 7\n"));
  BOOST_REQUIRE(r.superd->reload());
  BOOST_TEST(contains(tcp_talk(r.ports[0], ""), " mark=7 "));
}

BOOST_AUTO_TEST_CASE(failing_option_stops_start_up_with_nothing_bound) {
  TempDir dir;
  int first = free_port(), second = free_port();
  std::string conf = dir.write("superd.conf",
                               "[first]\nport = 127.0.0.1:" + std::to_string(first) +
                                   "\nbuiltin = echo\n"
                                   "[dev]\nport = 127.0.0.1:" + std::to_string(second) +
                                   "\nbuiltin = echo\nbind_to_device = nosuchif0\n");
  Superd s(dir, {"-c", conf});
  BOOST_TEST(!s.ready());
  BOOST_TEST(s.wait_exit() == 111);
  BOOST_TEST(contains(s.log(), "bind 127.0.0.1:" + std::to_string(second) +
                                   "/tcp: setsockopt SO_BINDTODEVICE nosuchif0: No such device "
                                   "(service dev, " + conf + ":5)"),
             s.log());
  BOOST_TEST(listening_inode(first) == 0u);
  BOOST_TEST(listening_inode(second) == 0u);
}

BOOST_AUTO_TEST_CASE(failing_option_on_reload_keeps_the_old_sockets) {
  Running r("[echo]\nport = 127.0.0.1:@P0@\nbuiltin = echo\n", 2);
  int port = r.ports[0], added = r.ports[1];
  // The device makes another socket on the same address: the old one is
  // closed to bind it, and bound again when that fails.
  r.rewrite("[echo]\nport = 127.0.0.1:@P0@\nbuiltin = echo\nbind_to_device = nosuchif0\n"
            "[more]\nport = 127.0.0.1:@P1@\nbuiltin = echo\n");
  BOOST_REQUIRE(r.superd->reload());  // READY=1 again, on the old configuration
  BOOST_TEST(r.superd->wait_log("reload failed: bind 127.0.0.1:" + std::to_string(port) +
                                "/tcp: setsockopt SO_BINDTODEVICE nosuchif0: No such device (service echo, "),
             r.superd->log());
  BOOST_TEST(listening_inode(added) == 0u);
  BOOST_TEST(tcp_talk(port, "kept\n") == "kept\n");
  // And a good reload after that still works.
  r.rewrite("[echo]\nport = 127.0.0.1:@P0@\nbuiltin = echo\nbind_to_device = lo\n");
  BOOST_REQUIRE(r.superd->reload());
  BOOST_TEST(tcp_talk(port, "lo\n") == "lo\n");
}

BOOST_AUTO_TEST_SUITE_END()
