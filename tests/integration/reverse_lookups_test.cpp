// SPDX-License-Identifier: MIT
// reverse_lookups: TCP clients' names looked up asynchronously through a
// DNS server superd is pointed at (dnsmasq on a loopback port, with names
// for 127.0.0.1 and 127.0.0.2), matched by allow/deny, given to programs
// as TCPREMOTEHOST, checked back with double_reverse_lookups; and a
// resolver that never answers delays nobody but the client it names.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <thread>

#include "running.hpp"

extern char** environ;

using namespace superd::test;

namespace {

const std::string kDnsmasq = "/usr/sbin/dnsmasq";

// dnsmasq answering on 127.0.0.1:`port`: 127.0.0.1 is good.test (and back),
// 127.0.0.2 is liar.test, which has no address. Stopped at destruction.
struct Dnsmasq {
  pid_t pid = -1;
  explicit Dnsmasq(int port) {
    std::vector<std::string> args{kDnsmasq, "-k", "--port=" + std::to_string(port), "--listen-address=127.0.0.1",
                                  "--bind-interfaces", "--no-resolv", "--no-hosts", "--conf-file=/dev/null",
                                  "--pid-file=", "--host-record=good.test,127.0.0.1",
                                  "--ptr-record=2.0.0.127.in-addr.arpa,liar.test", "--log-facility=/dev/null"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (::posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0) pid = -1;
    // Ready when it answers.
    for (int i = 0; i < 100 && pid > 0; ++i) {
      if (answers(port)) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  ~Dnsmasq() {
    if (pid <= 0) return;
    ::kill(pid, SIGTERM);
    ::waitpid(pid, nullptr, 0);
  }
  static bool answers(int port) {
    int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{0, 200000};
    ::setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    // A query for good.test/A.
    const char q[] = "\x00\x01\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x04good\x04test\x00\x00\x01\x00\x01";
    char buf[512];
    bool ok = ::sendto(s, q, sizeof q - 1, 0, reinterpret_cast<sockaddr*>(&a), sizeof a) > 0 &&
              ::recv(s, buf, sizeof buf, 0) > 0;
    ::close(s);
    return ok;
  }
};

// Connects to 127.0.0.1:`port` from `source` (127.0.0.2, say); -1 on failure.
int connect_from(const char* source, int port) {
  int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  ::inet_pton(AF_INET, source, &a.sin_addr);
  if (::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return ::close(s), -1;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  ::inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  if (::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return ::close(s), -1;
  return s;
}

std::string talk_from(const char* source, int port) {
  int c = connect_from(source, port);
  if (c < 0) return "connect failed";
  std::string out = converse(c, "", ~std::size_t{0}, 10, true);
  ::close(c);
  return out;
}

bool has_dnsmasq() {
  if (has(kDnsmasq)) return true;
  BOOST_TEST_MESSAGE("skipped: " + kDnsmasq + " is needed (package dnsmasq-base)");
  return false;
}

std::string conf(const std::string& global, const std::string& rules) {
  return "reverse_lookups = yes\nreverse_resolver = 127.0.0.1:@P1@\n" + global +
         "[who]\nport = 127.0.0.1:@P0@\n" + user_line() +
         "exec = /bin/sh -c 'echo \"host=$TCPREMOTEHOST\"'\n" + rules;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(reverse_lookups)

BOOST_AUTO_TEST_CASE(names_are_matched_and_passed_on) {
  if (!has_dnsmasq()) return;
  Running r(conf("", "allow = ^good\\.test$\n"), 2);
  Dnsmasq dns(r.ports[1]);
  BOOST_REQUIRE(dns.pid > 0);
  BOOST_TEST(talk_from("127.0.0.1", r.ports[0]) == "host=good.test\n", r.superd->log());
  BOOST_TEST(talk_from("127.0.0.2", r.ports[0]) == "", r.superd->log());
  BOOST_TEST(r.superd->wait_log("refuse service=who peer=127.0.0.2:"), r.superd->log());
  BOOST_TEST(r.superd->wait_log(" reason=not matched by any allow or cidr_allow rule "), r.superd->log());
  // deny matches names too.
  r.rewrite(conf("", "deny = liar\n"));
  BOOST_REQUIRE(r.superd->reload());
  BOOST_TEST(talk_from("127.0.0.1", r.ports[0]) == "host=good.test\n", r.superd->log());
  BOOST_TEST(talk_from("127.0.0.2", r.ports[0]) == "", r.superd->log());
  BOOST_TEST(r.superd->wait_log(" reason=deny liar "), r.superd->log());
}

BOOST_AUTO_TEST_CASE(double_reverse_drops_a_name_that_does_not_resolve_back) {
  if (!has_dnsmasq()) return;
  Running r(conf("double_reverse_lookups = yes\n", ""), 2);
  Dnsmasq dns(r.ports[1]);
  BOOST_REQUIRE(dns.pid > 0);
  BOOST_TEST(talk_from("127.0.0.1", r.ports[0]) == "host=good.test\n", r.superd->log());
  BOOST_TEST(talk_from("127.0.0.2", r.ports[0]) == "host=\n", r.superd->log());
  BOOST_TEST(r.superd->wait_log("reverse lookups: 127.0.0.2 is named liar.test, which does not resolve back to "
                                "it (double_reverse_lookups): name not used"),
             r.superd->log());
}

BOOST_AUTO_TEST_CASE(a_resolver_that_never_answers_delays_only_its_client) {
  // A UDP socket that takes queries and never answers them.
  int silent = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  Running r(conf("reverse_timeout = 3\n", "") + "[echo]\nport = @DIR@/echo.sock|unix\nbuiltin = echo\n", 2);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(r.ports[1]));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  BOOST_REQUIRE(::bind(silent, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  int waiting = connect_from("127.0.0.1", r.ports[0]);
  BOOST_REQUIRE(waiting >= 0);
  // Served while the first client waits for its name.
  int u = unix_connect(r.dir.path() + "/echo.sock");
  BOOST_REQUIRE(u >= 0);
  BOOST_TEST(converse(u, "meanwhile\n", 10, 5, false) == "meanwhile\n");
  ::close(u);
  // Then the first is served, without a name.
  BOOST_TEST(converse(waiting, "", ~std::size_t{0}, 15, false) == "host=\n", r.superd->log());
  ::close(waiting);
  BOOST_TEST(r.superd->wait_log("reverse lookups: no answer for 127.0.0.1 within 3s"), r.superd->log());
  // The failure is cached: the next client does not wait for another timeout.
  BOOST_TEST(r.count("no answer for 127.0.0.1") == 1);
  BOOST_TEST(talk_from("127.0.0.1", r.ports[0]) == "host=\n");
  BOOST_TEST(r.count("no answer for 127.0.0.1") == 1, r.superd->log());
  char buf[512];
  BOOST_TEST(::recv(silent, buf, sizeof buf, MSG_DONTWAIT) > 0);  // the query did arrive
  ::close(silent);
}

BOOST_AUTO_TEST_CASE(bad_settings_are_located) {
  TempDir dir;
  std::string path = dir.write("superd.conf", "reverse_lookups = yes\nreverse_resolver = dns.example\n"
                                              "reverse_timeout = 0\n[e]\nport = 127.0.0.1:1\nbuiltin = echo\n");
  RunResult check = run({SUPERD_BINARY, "--check", "-c", path});
  BOOST_TEST(check.status == 1);
  BOOST_TEST(contains(check.err, path + ":2: reverse_resolver 'dns.example' is not a DNS server address"), check.err);
  BOOST_TEST(contains(check.err, "an IP address, IP:PORT or [IPv6]:PORT"), check.err);
  BOOST_TEST(contains(check.err, path + ":3: reverse_timeout must be more than 0 and at most 60 seconds"), check.err);
}

BOOST_AUTO_TEST_SUITE_END()
