// SPDX-License-Identifier: MIT
// The PROXY protocol: HAProxy (send-proxy, send-proxy-v2) in front of a
// program and a built-in; hand-written headers for access rules, per-source
// limits and every way a header can be wrong (garbage, truncated, malformed,
// too slow, from a source not in proxy_from); configuration errors.
#include <arpa/inet.h>
#include <fcntl.h>
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

using namespace superd::test;

namespace {

const std::string kHaproxy = "/usr/sbin/haproxy";

// A program started by the test, stopped (by its PID) at destruction.
class Background {
 public:
  explicit Background(const std::vector<std::string>& argv, const std::string& log) {
    std::vector<char*> cargv;
    for (const std::string& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
    cargv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    if (posix_spawn(&pid_, cargv[0], &fa, nullptr, cargv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&fa);
  }
  ~Background() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    for (int i = 0; i < 100; ++i) {  // up to 5 s, then KILL
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;
  bool running() const { return pid_ > 0 && ::waitpid(pid_, nullptr, WNOHANG) == 0; }

 private:
  pid_t pid_ = -1;
};

// Polls until something listens on 127.0.0.1:`port`; false after 10 s.
bool wait_listening(int port) {
  for (int i = 0; i < 200; ++i) {
    if (listening_inode(port) != 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// A TCP connection to 127.0.0.1:`port` from `source` (another loopback
// address, so that a carried client differs from the balancer); its local port in `local_port`.
int connect_from(const char* source, int port, int& local_port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  ::inet_pton(AF_INET, source, &a.sin_addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return ::close(fd), -1;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  ::inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return ::close(fd), -1;
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  local_port = ntohs(a.sin_port);
  return fd;
}

void send_all(int fd, const std::string& data) {
  BOOST_REQUIRE(::send(fd, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size()));
}

const std::string kSig("\r\n\r\n\0\r\nQUIT\n", 12);

// A v2 PROXY TCP4 header naming `src`:`sport` -> `dst`:`dport`.
std::string v2_tcp4(const char* src, int sport, const char* dst, int dport) {
  std::string h = kSig + "\x21\x11" + std::string("\0\x0c", 2);
  in_addr a;
  ::inet_pton(AF_INET, src, &a);
  h.append(reinterpret_cast<const char*>(&a), 4);
  ::inet_pton(AF_INET, dst, &a);
  h.append(reinterpret_cast<const char*>(&a), 4);
  for (int p : {sport, dport}) h += static_cast<char>(p >> 8), h += static_cast<char>(p & 0xff);
  return h;
}

const std::string kEcho =
    "[echo]\nport = 127.0.0.1:@P0@\nbuiltin = echo\nproxy_protocol = any\nproxy_from = 127.0.0.1\n";

}  // namespace

BOOST_AUTO_TEST_SUITE(proxy_protocol)

BOOST_AUTO_TEST_CASE(haproxy_send_proxy_v1_and_v2_name_the_client) {
  BOOST_REQUIRE_MESSAGE(has(kHaproxy), kHaproxy + " is needed (package haproxy)");
  // The program prints what it was told about its peer, then echoes its
  // input: the client's first bytes reach it, and nothing of the header.
  const std::string prog =
      "exec = /bin/sh -c 'echo $TCPREMOTEIP $TCPREMOTEPORT $TCPLOCALIP $TCPLOCALPORT; exec cat'\n";
  Running r("[v1]\nport = 127.0.0.1:@P0@\nproxy_protocol = v1\nproxy_from = 127.0.0.1/32\n" + prog +
                user_line() + "[v2]\nport = 127.0.0.1:@P1@\nproxy_protocol = v2\nproxy_from = 127.0.0.1\n" +
                prog + user_line(),
            4);
  std::string cfg = r.dir.write("haproxy.cfg", r.expand(
      "global\n  maxconn 64\n"
      "defaults\n  mode tcp\n  timeout connect 5s\n  timeout client 20s\n  timeout server 20s\n"
      "listen one\n  bind 127.0.0.1:@P2@\n  server s1 127.0.0.1:@P0@ send-proxy\n"
      "listen two\n  bind 127.0.0.1:@P3@\n  server s2 127.0.0.1:@P1@ send-proxy-v2\n"));
  Background haproxy({kHaproxy, "-db", "-f", cfg}, r.dir.path() + "/haproxy.log");
  BOOST_REQUIRE(wait_listening(r.ports[2]) && wait_listening(r.ports[3]));
  for (int i : {0, 1}) {
    int front = r.ports[2 + i];
    int cport = 0;
    int fd = connect_from("127.0.0.2", front, cport);
    BOOST_REQUIRE(fd >= 0);
    std::string expect = "127.0.0.2 " + std::to_string(cport) + " 127.0.0.1 " + std::to_string(front) + "\n";
    std::string out = converse(fd, "first bytes\n", expect.size() + 12);
    ::close(fd);
    BOOST_TEST(out == expect + "first bytes\n", out + r.superd->log());
    std::string name = i == 0 ? "v1" : "v2";
    BOOST_TEST(r.superd->wait_log("end service=" + name + " peer=127.0.0.2:" + std::to_string(cport) + " pid="),
               r.superd->log());
    BOOST_TEST(r.superd->wait_log("/tcp via=127.0.0.1:"), r.superd->log());
  }
}

BOOST_AUTO_TEST_CASE(haproxy_in_front_of_tls_header_first) {
  BOOST_REQUIRE_MESSAGE(has(kHaproxy), kHaproxy + " is needed (package haproxy)");
  TempDir certs;
  RunResult made = run({"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", certs.path() + "/k.pem", "-out",
                        certs.path() + "/c.pem", "-days", "2", "-subj", "/CN=localhost"});
  BOOST_REQUIRE_MESSAGE(made.status == 0, made.err);
  // The balancer passes TLS through untouched and puts its header in front.
  Running r("[tls]\nport = 127.0.0.1:@P0@\nproxy_protocol = v2\nproxy_from = 127.0.0.1\n" + user_line() +
                "exec = /bin/sh -c 'echo $TCPREMOTEIP $TCPLOCALPORT $SSL_PROTOCOL'\ntls_cert = " + certs.path() +
                "/c.pem\ntls_key = " + certs.path() + "/k.pem\n",
            2);
  std::string cfg = r.dir.write("haproxy.cfg", r.expand(
      "defaults\n  mode tcp\n  timeout connect 5s\n  timeout client 20s\n  timeout server 20s\n"
      "listen tls\n  bind 127.0.0.1:@P1@\n  server s1 127.0.0.1:@P0@ send-proxy-v2\n"));
  Background haproxy({kHaproxy, "-db", "-f", cfg}, r.dir.path() + "/haproxy.log");
  BOOST_REQUIRE(wait_listening(r.ports[1]));
  RunResult out = run({"/usr/bin/openssl", "s_client", "-connect", "127.0.0.1:" + std::to_string(r.ports[1]),
                       "-ign_eof", "-quiet"});
  BOOST_TEST(out.out == "127.0.0.1 " + std::to_string(r.ports[1]) + " TLSv1.3\n", out.out + out.err + r.superd->log());
  BOOST_TEST(r.superd->wait_log(" via=127.0.0.1:"), r.superd->log());
}

BOOST_AUTO_TEST_CASE(builtin_echo_behind_hand_written_headers) {
  Running r(kEcho);
  // v1 with the client's bytes in the same segment.
  std::string out = tcp_talk(r.ports[0], "PROXY TCP4 203.0.113.7 192.0.2.1 4444 7\r\nhello\n");
  BOOST_TEST(out == "hello\n", r.superd->log());
  BOOST_TEST(r.superd->wait_log("end service=echo peer=203.0.113.7:4444 status=closed"), r.superd->log());
  // v2 arriving in three pieces, the header split inside its signature and its addresses.
  int fd = tcp_connect(r.ports[0]);
  BOOST_REQUIRE(fd >= 0);
  std::string h = v2_tcp4("198.51.100.9", 5555, "192.0.2.1", 7);
  send_all(fd, h.substr(0, 5));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  send_all(fd, h.substr(5, 15));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  out = converse(fd, h.substr(20) + "world\n", 6);
  ::close(fd);
  BOOST_TEST(out == "world\n", r.superd->log());
  BOOST_TEST(r.superd->wait_log("end service=echo peer=198.51.100.9:5555 status=closed"), r.superd->log());
  // v1 UNKNOWN and a v2 LOCAL (a balancer's health check): the connection's own address stands.
  BOOST_TEST(tcp_talk(r.ports[0], "PROXY UNKNOWN\r\nping\n") == "ping\n");
  BOOST_TEST(tcp_talk(r.ports[0], kSig + std::string("\x20\x00\x00\x00", 4) + "pong\n") == "pong\n");
  // The client sees EOF just before superd writes the end line.
  for (int i = 0; i < 100 && r.count("end service=echo peer=127.0.0.1:") < 2; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  BOOST_TEST(r.count("end service=echo peer=127.0.0.1:") == 2, r.superd->log());
  BOOST_TEST(r.count(" via=127.0.0.1:") == 2, r.superd->log());
}

BOOST_AUTO_TEST_CASE(access_rules_and_limits_see_the_carried_client) {
  Running r(kEcho + "cidr_deny = 203.0.113.0/24\nmax_per_source = 1\n");
  BOOST_TEST(tcp_talk(r.ports[0], "PROXY TCP4 203.0.113.7 192.0.2.1 4444 7\r\nhello\n") == "");
  BOOST_TEST(r.superd->wait_log("refuse service=echo peer=203.0.113.7:4444 reason=cidr_deny"), r.superd->log());
  BOOST_TEST(r.superd->wait_log("reason=cidr_deny 203.0.113.0/24 endpoint=127.0.0.1:" + std::to_string(r.ports[0]) +
                                "/tcp via=127.0.0.1:"),
             r.superd->log());
  // One client held open; another client through the same balancer is
  // served; the first client again is over its max_per_source.
  int a = tcp_connect(r.ports[0]);
  BOOST_REQUIRE(a >= 0);
  BOOST_TEST(converse(a, "PROXY TCP4 198.51.100.1 192.0.2.1 1 7\r\na\n", 2, 5, false) == "a\n");
  BOOST_TEST(tcp_talk(r.ports[0], "PROXY TCP4 198.51.100.2 192.0.2.1 2 7\r\nb\n") == "b\n", r.superd->log());
  BOOST_TEST(tcp_talk(r.ports[0], "PROXY TCP4 198.51.100.1 192.0.2.1 3 7\r\nc\n") == "");
  BOOST_TEST(r.superd->wait_log("refuse service=echo peer=198.51.100.1:3 reason=max_per_source"), r.superd->log());
  ::close(a);
}

BOOST_AUTO_TEST_CASE(bad_headers_cost_only_their_connection) {
  Running r(kEcho);
  struct Bad {
    std::string bytes;
    const char* logged;
  };
  const Bad bad[] = {
      {"GET / HTTP/1.0\r\n\r\n", "reason=PROXY not a PROXY protocol header (neither 'PROXY ' nor the v2 signature)"},
      {"PROXY TCP4 1.2.3.4", "reason=PROXY connection closed after 18 bytes, before a complete header"},
      {"PROXY TCP4 1.2.3.4 5.6.7.8 99999 7\r\nhello\n",
       "reason=PROXY v1 header: source port '99999' is not 0..65535"},
      {"PROXY TCP4 " + std::string(120, '1'), "reason=PROXY v1 header: no CRLF within 107 bytes"},
      {kSig + std::string("\x21\x41\x00\x0c", 4) + std::string(12, '\0'),
       "reason=PROXY v2 header: address family 4 is unknown"},
      {kSig.substr(0, 7), "reason=PROXY connection closed after 7 bytes, before a complete header"},
      {kSig + std::string("\x21\x11\xff\xff", 4), "reason=PROXY v2 header: announces 65535 bytes"},
  };
  for (const Bad& b : bad) {
    BOOST_TEST(tcp_talk(r.ports[0], b.bytes) == "");
    BOOST_TEST(r.superd->wait_log(b.logged), b.logged << "\n" << r.superd->log());
  }
  BOOST_TEST(r.count("refuse service=echo peer=127.0.0.1:") == 7, r.superd->log());
  // Still serving.
  BOOST_TEST(tcp_talk(r.ports[0], "PROXY TCP4 10.1.1.1 10.2.2.2 1 2\r\nok\n") == "ok\n");
}

BOOST_AUTO_TEST_CASE(a_slow_header_times_out_while_others_are_served) {
  Running r(kEcho);
  int slow = tcp_connect(r.ports[0]);
  BOOST_REQUIRE(slow >= 0);
  send_all(slow, "PROXY TCP4 10.0.0.1");
  int silent = tcp_connect(r.ports[0]);
  BOOST_REQUIRE(silent >= 0);
  for (int i = 0; i < 3; ++i)
    BOOST_TEST(tcp_talk(r.ports[0], "PROXY TCP4 10.1.1.1 10.2.2.2 1 2\r\nok\n") == "ok\n", r.superd->log());
  BOOST_TEST(r.superd->wait_log("reason=PROXY no complete header within 3s (19 bytes received)"), r.superd->log());
  BOOST_TEST(r.superd->wait_log("reason=PROXY no complete header within 3s (0 bytes received)"), r.superd->log());
  BOOST_TEST(reads_eof(slow));
  BOOST_TEST(reads_eof(silent));
  ::close(slow);
  ::close(silent);
  int fds = r.superd->open_fds();
  BOOST_TEST(tcp_talk(r.ports[0], "PROXY TCP4 10.1.1.1 10.2.2.2 1 2\r\nok\n") == "ok\n");
  BOOST_TEST(r.superd->open_fds() <= fds, "no descriptor kept by the timed-out connections");
}

BOOST_AUTO_TEST_CASE(only_listed_sources_may_send_a_header) {
  Running r("[echo]\nport = 127.0.0.1:@P0@\nbuiltin = echo\nproxy_protocol = v1\nproxy_from = 127.0.0.2\n" +
            std::string("[exec]\nport = 127.0.0.1:@P1@\nexec = /bin/cat\nproxy_protocol = v1\n") +
            "proxy_from = 10.0.0.0/8\n" + user_line(),
            2);
  for (int port : {r.ports[0], r.ports[1]})
    BOOST_TEST(tcp_talk(port, "PROXY TCP4 10.9.9.9 10.2.2.2 1 2\r\nhi\n") == "");
  BOOST_TEST(r.superd->wait_log("refuse service=echo peer=127.0.0.1:"), r.superd->log());
  BOOST_TEST(r.superd->wait_log("refuse service=exec peer=127.0.0.1:"), r.superd->log());
  BOOST_TEST(r.count("reason=not in proxy_from") == 2, r.superd->log());
  // The listed address is served.
  int cport = 0;
  int fd = connect_from("127.0.0.2", r.ports[0], cport);
  BOOST_REQUIRE(fd >= 0);
  BOOST_TEST(converse(fd, "PROXY TCP4 10.9.9.9 10.2.2.2 1 2\r\nhi\n", 3) == "hi\n", r.superd->log());
  ::close(fd);
}

BOOST_AUTO_TEST_CASE(configuration_errors) {
  TempDir dir;
  std::string conf = dir.write("superd.conf",
                               "[a]\nport = 127.0.0.1:1\nbuiltin = echo\nproxy_protocol = v1\n"
                               "[b]\nport = 127.0.0.1:2\nexec = /bin/cat\nwait = yes\nproxy_protocol = any\n"
                               "proxy_from = 127.0.0.1\n"
                               "[c]\nport = 127.0.0.1:3/udp\nbuiltin = echo\nproxy_protocol = v2\n"
                               "proxy_from = 127.0.0.1\n"
                               "[d]\nport = 127.0.0.1:4\nbuiltin = echo\nproxy_protocol = v3\n"
                               "[e]\nport = " + dir.path() + "/e.sock|unix\nbuiltin = echo\nproxy_protocol = v2\n");
  RunResult check = run({SUPERD_BINARY, "--check", "-c", conf, "--user=nobody"});
  BOOST_TEST(check.status == 1);
  BOOST_TEST(contains(check.err, conf + ":4: service 'a': 'proxy_protocol = v1' without 'proxy_from' would "
                                        "let any client claim any address"),
             check.err);
  BOOST_TEST(contains(check.err, "proxy_from = 10.0.0.5/32"), check.err);
  BOOST_TEST(contains(check.err, conf + ":9: service 'b': 'proxy_protocol' needs wait = no: in wait mode "
                                        "the program accepts on 127.0.0.1:2/tcp and superd reads no header"),
             check.err);
  BOOST_TEST(contains(check.err, conf + ":14: service 'c': 'proxy_protocol' applies to stream endpoints "
                                        "only, not to 127.0.0.1:3/udp"),
             check.err);
  BOOST_TEST(contains(check.err, conf + ":19: bad value for 'proxy_protocol': 'v3' is not a PROXY protocol setting (expected no, v1, v2 or any)"),
             check.err);
  // A Unix endpoint needs no proxy_from: its file's permissions say who connects.
  BOOST_TEST(!contains(check.err, "service 'e'"), check.err);
}

BOOST_AUTO_TEST_CASE(unix_endpoint_takes_headers_from_anyone_who_can_connect) {
  Running r("[echo]\nport = @DIR@/echo.sock|unix\nbuiltin = echo\nproxy_protocol = v1\n");
  int fd = unix_connect(r.dir.path() + "/echo.sock");
  BOOST_REQUIRE(fd >= 0);
  BOOST_TEST(converse(fd, "PROXY TCP6 2001:db8::7 2001:db8::1 4321 7\r\nsix\n", 4) == "six\n", r.superd->log());
  ::close(fd);
  BOOST_TEST(r.superd->wait_log("end service=echo peer=[2001:db8::7]:4321 status=closed"), r.superd->log());
  BOOST_TEST(r.superd->wait_log(" via=unix:pid="), r.superd->log());
}

BOOST_AUTO_TEST_SUITE_END()
