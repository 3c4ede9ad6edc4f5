// SPDX-License-Identifier: MIT
// Every built-in over TCP, UDP, Unix stream and Unix datagram sockets, with
// the test's own sockets and with real clients (nc, socat).
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstring>
#include <ctime>
#include <thread>

#include "harness.hpp"

using namespace superd::test;

namespace {

struct AllBuiltins {
  TempDir dir;
  int port[5];  // echo discard chargen daytime time
  std::string conf;
  std::unique_ptr<Superd> superd;
  AllBuiltins() {
    const char* names[] = {"echo", "discard", "chargen", "daytime", "time"};
    for (int i = 0; i < 5; ++i) {
      port[i] = free_port();
      conf += std::string("[") + names[i] + "]\n"
              "port = 127.0.0.1:" + std::to_string(port[i]) + "/tcp\n"
              "port = 127.0.0.1:" + std::to_string(port[i]) + "/udp\n"
              "port = " + dir.path() + "/" + names[i] + ".sock|unix\n"
              "port = " + dir.path() + "/" + names[i] + ".dgram|dgram|unix\n"
              "builtin = " + names[i] + "\n";
    }
    superd = std::make_unique<Superd>(dir, std::vector<std::string>{"-c", dir.write("superd.conf", conf), "--log_level=3"});
    BOOST_REQUIRE_MESSAGE(superd->ready(), "superd did not start:\n" + superd->log());
  }
  std::string sock(const char* name) const { return dir.path() + "/" + name; }
};

std::uint32_t rfc868_now() { return static_cast<std::uint32_t>(std::time(nullptr) + 2208988800LL); }

std::uint32_t be32(const std::string& s) {
  auto b = [&](int i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(s[static_cast<std::size_t>(i)])); };
  return b(0) << 24 | b(1) << 16 | b(2) << 8 | b(3);
}

// One datagram over a Unix datagram socket bound to its own path, so the reply can come back.
std::string unix_dgram_talk(const std::string& server, const std::string& client, const std::string& data) {
  int fd = unix_bound(client, SOCK_DGRAM);
  sockaddr_un to{};
  to.sun_family = AF_UNIX;
  std::strncpy(to.sun_path, server.c_str(), sizeof to.sun_path - 1);
  ::sendto(fd, data.data(), data.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
  std::string got = converse(fd, "", ~std::size_t{0}, 2, false);
  ::close(fd);
  ::unlink(client.c_str());
  return got;
}

bool is_chargen_line(const std::string& line) {
  if (line.size() != 74 || line.substr(72) != "\r\n") return false;
  for (int i = 1; i < 72; ++i) {
    int prev = line[static_cast<std::size_t>(i - 1)] - ' ', cur = line[static_cast<std::size_t>(i)] - ' ';
    if ((prev + 1) % 95 != cur) return false;
  }
  return true;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(builtins, AllBuiltins)

BOOST_AUTO_TEST_CASE(echo_over_tcp_unix_and_udp) {
  std::string payload(200000, 'x');
  for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>('a' + i % 26);
  BOOST_TEST(tcp_talk(port[0], payload) == payload);
  int fd = unix_connect(sock("echo.sock"));
  BOOST_TEST(converse(fd, "over unix\n") == "over unix\n");
  ::close(fd);
  BOOST_TEST(udp_talk(port[0], "datagram") == "datagram");
  BOOST_TEST(unix_dgram_talk(sock("echo.dgram"), sock("client.dgram"), "unix datagram") == "unix datagram");
}

BOOST_AUTO_TEST_CASE(echo_keeps_every_byte_for_a_client_that_reads_late) {
  // The client sends 4 MiB before it reads anything, through a small
  // receive buffer: superd's sends come up short, the rest queues, reading
  // stops at the high-water mark and resumes as the client drains it.
  std::string payload(4 << 20, '\0');
  for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>(i * 7 + i / 4093);
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int small = 16 * 1024;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  timeval limit{10, 0};  // a lost byte ends the test, not the run
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port[0]));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  BOOST_REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  std::thread writer([&] {
    for (std::size_t off = 0; off < payload.size();) {
      ssize_t n = ::send(fd, payload.data() + off, payload.size() - off, MSG_NOSIGNAL);
      if (n <= 0) break;
      off += static_cast<std::size_t>(n);
    }
    ::shutdown(fd, SHUT_WR);
  });
  ::usleep(300 * 1000);  // let superd's queue fill before reading
  std::string got;
  char buf[8192];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) got.append(buf, static_cast<std::size_t>(n));
  writer.join();
  ::close(fd);
  BOOST_TEST(got.size() == payload.size());
  BOOST_TEST((got == payload), "the echoed bytes differ from those sent");
}

BOOST_AUTO_TEST_CASE(echo_with_nc_and_socat) {
  BOOST_REQUIRE_MESSAGE(has("nc") && has("socat"), "nc and socat are needed (apt-get install netcat-openbsd socat)");
  RunResult nc = run({"nc", "-N", "127.0.0.1", std::to_string(port[0])}, "hello from nc\n");
  BOOST_TEST(nc.out == "hello from nc\n");
  RunResult udp = run({"socat", "-t2", "-", "UDP:127.0.0.1:" + std::to_string(port[0])}, "hello udp\n");
  BOOST_TEST(udp.out == "hello udp\n");
  RunResult ux = run({"socat", "-", "UNIX-CONNECT:" + sock("echo.sock")}, "hello unix\n");
  BOOST_TEST(ux.out == "hello unix\n");
}

BOOST_AUTO_TEST_CASE(discard_reads_everything_and_answers_nothing) {
  int fd = tcp_connect(port[1]);
  BOOST_TEST(converse(fd, std::string(1 << 20, 'd')) == "");
  ::close(fd);
  BOOST_TEST(udp_talk(port[1], "into the void", 0.3) == "");
  BOOST_TEST(superd->wait_log("end service=discard peer=127.0.0.1:"));
  BOOST_TEST(superd->wait_log("bytes_in=1048576 bytes_out=0"));
}

BOOST_AUTO_TEST_CASE(chargen_sends_rotating_lines) {
  std::string got = tcp_talk(port[2], "", 74 * 100);
  BOOST_REQUIRE(got.size() == 74u * 100);
  for (int i = 0; i < 100; ++i) {
    std::string line = got.substr(static_cast<std::size_t>(i) * 74, 74);
    BOOST_TEST(is_chargen_line(line), "line " << i << ": " << line);
    BOOST_TEST(line[0] == static_cast<char>(' ' + i % 95));
  }
  std::string reply = udp_talk(port[2], "x");
  BOOST_TEST(reply.size() <= 512u);
  int fd = unix_connect(sock("chargen.sock"));
  BOOST_TEST(is_chargen_line(converse(fd, "", 74)));
  ::close(fd);
}

BOOST_AUTO_TEST_CASE(daytime_tells_the_time_and_closes) {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char year[8];
  std::strftime(year, sizeof year, "%Y", &tm);
  std::string got = tcp_talk(port[3], "");
  BOOST_TEST(got.find(year) != std::string::npos, got);
  BOOST_TEST(got.substr(got.size() - 2) == "\r\n");
  BOOST_TEST(udp_talk(port[3], "") .find(year) != std::string::npos);
  int fd = unix_connect(sock("daytime.sock"));
  BOOST_TEST(converse(fd, "").find(year) != std::string::npos);
  ::close(fd);
}

BOOST_AUTO_TEST_CASE(time_sends_four_bytes_since_1900) {
  for (const std::string& got : {tcp_talk(port[4], ""), udp_talk(port[4], "?"),
                                 unix_dgram_talk(sock("time.dgram"), sock("c.dgram"), "?")}) {
    BOOST_REQUIRE(got.size() == 4u);
    std::int64_t diff = static_cast<std::int64_t>(be32(got)) - rfc868_now();
    BOOST_TEST(std::llabs(diff) <= 2);
  }
}

BOOST_AUTO_TEST_CASE(udp_from_a_privileged_port_is_not_answered) {
  // A datagram claiming to come from another service's port (echo, chargen, ...)
  // could start a loop between two servers: the BSD inetds ignore those, so does superd.
  if (::geteuid() != 0) {
    BOOST_TEST_MESSAGE("skipped: binding a port below 1024 needs root");
    return;
  }
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in me{}, to{};
  me.sin_family = to.sin_family = AF_INET;
  me.sin_addr.s_addr = to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  to.sin_port = htons(static_cast<uint16_t>(port[0]));
  bool bound = false;
  for (int p = 1000; p > 900 && !bound; --p) {
    me.sin_port = htons(static_cast<uint16_t>(p));
    bound = ::bind(fd, reinterpret_cast<sockaddr*>(&me), sizeof me) == 0;
  }
  BOOST_REQUIRE(bound);
  ::sendto(fd, "loop?", 5, 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
  BOOST_TEST(converse(fd, "", 5, 0.5, false) == "");
  ::close(fd);
  BOOST_TEST(udp_talk(port[0], "normal client") == "normal client");
}

BOOST_AUTO_TEST_CASE(client_closing_at_once_is_harmless) {
  for (int i = 0; i < 50; ++i) ::close(tcp_connect(port[i % 5]));
  BOOST_TEST(tcp_talk(port[0], "still here") == "still here");
  BOOST_TEST(superd->wait_log("status service=") == false);  // nothing was dumped without SIGUSR1
}

BOOST_AUTO_TEST_SUITE_END()
