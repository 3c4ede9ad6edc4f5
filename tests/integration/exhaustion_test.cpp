// SPDX-License-Identifier: MIT
// Running out of descriptors or processes: superd never accepts a client it
// cannot serve, says so in the log, keeps the others waiting in the backlog
// and serves them once there is room again, without spinning the CPU.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <fstream>

#include "running.hpp"

using namespace superd::test;

namespace {

// True when `fd` has nothing to read (neither data nor EOF) within `ms`.
bool silent(int fd, int ms) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, ms) == 0;
}

int count(const std::string& hay, const std::string& needle) {
  int n = 0;
  for (auto p = hay.find(needle); p != std::string::npos; p = hay.find(needle, p + 1)) ++n;
  return n;
}

// superd under prlimit(1) with `limit`, on `conf`.
std::unique_ptr<Superd> start_limited(const TempDir& dir, const std::string& limit,
                                      const std::string& conf) {
  auto s = std::make_unique<Superd>(
      dir, std::vector<std::string>{limit, "--", SUPERD_BINARY, "-c", dir.write("superd.conf", conf),
                                    "--log_level=3"},
      "/usr/bin/prlimit");
  BOOST_REQUIRE_MESSAGE(s->ready(), "superd did not start:\n" + s->log());
  return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(exhaustion)

BOOST_AUTO_TEST_CASE(no_descriptor_left_means_clients_wait_not_drops) {
  BOOST_REQUIRE(has("/usr/bin/prlimit"));
  TempDir dir;
  int echo = free_port(), prog = free_port();
  auto s = start_limited(dir, "--nofile=40:40",
                         "[echo]\nport = 127.0.0.1:" + std::to_string(echo) + "\nbuiltin = echo\n"
                         "[prog]\nport = 127.0.0.1:" + std::to_string(prog) +
                             "\nexec = /bin/echo served\n" + user_line());
  // Built-in connections hold a descriptor each: take them all.
  std::vector<int> held;
  for (int i = 0; i < 60 && !contains(s->log(), "Too many open files"); ++i) {
    int fd = tcp_connect(echo);
    BOOST_REQUIRE(fd >= 0);
    held.push_back(fd);
    converse(fd, "x\n", 2, 0.3, false);
  }
  BOOST_REQUIRE_MESSAGE(s->wait_log("Too many open files"), s->log());
  int waiting = tcp_connect(prog);
  BOOST_REQUIRE(waiting >= 0);
  BOOST_TEST(s->wait_log("accept 127.0.0.1:" + std::to_string(prog) +
                         "/tcp: Too many open files (service prog); pausing for 1s"),
             s->log());
  // Not accepted and dropped: the client just waits.
  double cpu0 = cpu_seconds(s->pid());
  BOOST_TEST(silent(waiting, 1500));
  BOOST_TEST(cpu_seconds(s->pid()) - cpu0 < 0.5, "superd spun while out of descriptors");
  for (int fd : held) ::close(fd);
  BOOST_TEST(converse(waiting, "", ~std::size_t{0}, 10) == "served\n");
  ::close(waiting);
  // The client sees EOF before superd reaps the program: wait for its end line.
  BOOST_TEST(s->wait_log("end service=prog peer=127.0.0.1:"), s->log());
  BOOST_TEST(s->zombie_children().empty());
}

BOOST_AUTO_TEST_CASE(no_process_left_drops_one_client_and_defers_the_rest) {
  if (::geteuid() != 0) {
    BOOST_TEST_MESSAGE("skipped: needs root to start superd as a user of its own");
    return;
  }
  BOOST_REQUIRE(has("/usr/bin/setpriv"));
  // RLIMIT_NPROC counts every process of the real uid: superd runs as a uid
  // no other process (or parallel test) uses, and may have itself and two
  // programs.
  TempDir dir;
  ::chmod(dir.path().c_str(), 0755);
  int port = free_port();
  std::string uid = std::to_string(40000 + ::getpid() % 20000);
  std::string conf = dir.write("superd.conf", "[hold]\nport = 127.0.0.1:" + std::to_string(port) +
                                                  "\nexec = /bin/sh -c 'echo up; read x'\n");
  auto s = std::make_unique<Superd>(
      dir,
      std::vector<std::string>{"--nproc=3:3", "--", "/usr/bin/setpriv", "--reuid=" + uid,
                               "--regid=" + uid, "--clear-groups", "--", SUPERD_BINARY, "-c", conf,
                               "--log_level=3"},
      "/usr/bin/prlimit");
  BOOST_REQUIRE_MESSAGE(s->ready(), "superd did not start:\n" + s->log());
  int a = tcp_connect(port), b = tcp_connect(port);
  BOOST_REQUIRE(a >= 0 && b >= 0);
  BOOST_TEST(converse(a, "", 3, 5, false) == "up\n");
  BOOST_TEST(converse(b, "", 3, 5, false) == "up\n", s->log());
  // No third process: this client is kept, not dropped...
  int held = tcp_connect(port);
  BOOST_REQUIRE(held >= 0);
  BOOST_TEST(s->wait_log("service hold: clone: Resource temporarily unavailable; peer 127.0.0.1:"), s->log());
  BOOST_TEST(contains(s->log(), " waits; trying again every second, other clients wait in the backlog"),
             s->log());
  // ... and the next waits in the backlog.
  int waiting = tcp_connect(port);
  BOOST_REQUIRE(waiting >= 0);
  double cpu0 = cpu_seconds(s->pid());
  BOOST_TEST(silent(held, 1500));
  BOOST_TEST(silent(waiting, 10));
  BOOST_TEST(cpu_seconds(s->pid()) - cpu0 < 0.5, "superd spun while out of processes");
  BOOST_TEST(count(s->log(), "clone: Resource temporarily unavailable") == 1, s->log());
  ::close(a);  // its program ends: room for the held client
  BOOST_TEST(converse(held, "", 3, 10, false) == "up\n");
  BOOST_TEST(s->wait_log("service hold: started the program for 127.0.0.1:"), s->log());
  ::close(b);  // and then for the one in the backlog
  BOOST_TEST(converse(waiting, "", 3, 10, false) == "up\n");
  ::close(held);
  ::close(waiting);
}

BOOST_AUTO_TEST_CASE(no_process_left_drops_a_udp_peers_datagram_and_says_so) {
  if (::geteuid() != 0) {
    BOOST_TEST_MESSAGE("skipped: needs root to start superd as a user of its own");
    return;
  }
  BOOST_REQUIRE(has("/usr/bin/setpriv"));
  TempDir dir;
  ::chmod(dir.path().c_str(), 0755);
  int port = free_port();
  std::string uid = std::to_string(40000 + (::getpid() + 7) % 20000);
  std::string conf = dir.write("superd.conf", "[u]\nport = 127.0.0.1:" + std::to_string(port) +
                                                  "/udp\nwait = no\nexec = /bin/sh -c 'echo up; exec sleep 60'\n");
  auto s = std::make_unique<Superd>(
      dir,
      std::vector<std::string>{"--nproc=3:3", "--", "/usr/bin/setpriv", "--reuid=" + uid,
                               "--regid=" + uid, "--clear-groups", "--", SUPERD_BINARY, "-c", conf,
                               "--log_level=3"},
      "/usr/bin/prlimit");
  BOOST_REQUIRE_MESSAGE(s->ready(), "superd did not start:\n" + s->log());
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(port));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int peers[3];
  for (int& fd : peers) {
    fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    BOOST_REQUIRE(fd >= 0);
  }
  auto hello = [&](int fd, int ms) {
    ::sendto(fd, "x", 1, 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
    char buf[64];
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, ms) <= 0) return std::string();
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
  };
  BOOST_TEST(hello(peers[0], 5000) == "up\n");
  BOOST_TEST(hello(peers[1], 5000) == "up\n", s->log());
  BOOST_TEST(hello(peers[2], 500) == "");  // no third process: dropped, not kept
  BOOST_TEST(s->wait_log("service u: clone: Resource temporarily unavailable; peer 127.0.0.1:"), s->log());
  BOOST_TEST(contains(s->log(), ": its datagram is dropped; its next one tries again"), s->log());
  BOOST_TEST(!contains(s->log(), "trying again every second"), s->log());
  for (int fd : peers) ::close(fd);
}

BOOST_AUTO_TEST_SUITE_END()
