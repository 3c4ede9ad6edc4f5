// SPDX-License-Identifier: MIT
// UDP sessions (wait = no on a UDP endpoint) against the real binary: a
// program per peer, fed and answered datagram by datagram through superd,
// with the peer in UDPREMOTEIP/UDPREMOTEPORT; replies leave from the bound
// address; an idle session or a removed service ends with SIGTERM; limits
// and access rules judge a session's first datagram.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <memory>
#include <sstream>
#include <thread>
#include <vector>

#include "ctl.hpp"
#include "running.hpp"

using namespace superd::test;

namespace {

// Says who it is, for whom, then echoes each datagram back (cat reads and
// writes one datagram per call on a datagram socket).
const std::string kWhoAmI =
    "exec = /bin/sh -c 'echo \"$$ $PROTO $UDPREMOTEIP $UDPREMOTEPORT $UDPLOCALIP $UDPLOCALPORT\"; exec cat'\n";

/// A UDP client on its own loopback port.
struct Client {
  int fd = -1;
  int port = 0;  ///< Its own source port.
  Client() {
    fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
  }
  ~Client() { ::close(fd); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  void send(int to, const std::string& data, const char* ip = "127.0.0.1") const {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(to));
    ::inet_pton(AF_INET, ip, &a.sin_addr);
    ::sendto(fd, data.data(), data.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
  }
  /// The next datagram ("" after `timeout`); `from_port` gets its source port.
  std::string recv(double timeout = 5, int* from_port = nullptr, std::string* from_ip = nullptr) const {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout * 1000)) <= 0) return "";
    char buf[65536];
    sockaddr_in from{};
    socklen_t len = sizeof from;
    ssize_t n = ::recvfrom(fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
    if (n < 0) return "";
    if (from_port) *from_port = ntohs(from.sin_port);
    char text[INET_ADDRSTRLEN] = "";
    if (from_ip) *from_ip = ::inet_ntop(AF_INET, &from.sin_addr, text, sizeof text);
    return std::string(buf, static_cast<std::size_t>(n));
  }
};

// The pid at the head of a kWhoAmI line; -1 if none.
pid_t pid_of(const std::string& line) {
  std::istringstream in(line);
  long pid = -1;
  in >> pid;
  return static_cast<pid_t>(pid);
}

bool gone(pid_t pid, double timeout = 10) {
  auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout);
  while (std::chrono::steady_clock::now() < until) {
    if (::kill(pid, 0) != 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(udp_sessions)

BOOST_AUTO_TEST_CASE(each_peer_gets_its_own_program_and_environment) {
  Running r(kControlLine + "[s]\nport = 127.0.0.1:@P0@/udp\nwait = no\n" + kWhoAmI + user_line());
  int port = r.ports[0];
  Client a, b;
  a.send(port, "from-a");
  int from = 0;
  std::string hello_a = a.recv(5, &from);
  BOOST_TEST(from == port);  // the reply left from the bound socket
  BOOST_TEST(hello_a == std::to_string(pid_of(hello_a)) + " UDP 127.0.0.1 " + std::to_string(a.port) +
                            " 127.0.0.1 " + std::to_string(port) + "\n");
  BOOST_TEST(a.recv() == "from-a");
  b.send(port, "from-b");
  std::string hello_b = b.recv();
  BOOST_TEST(hello_b == std::to_string(pid_of(hello_b)) + " UDP 127.0.0.1 " + std::to_string(b.port) +
                            " 127.0.0.1 " + std::to_string(port) + "\n");
  BOOST_TEST(b.recv() == "from-b");
  BOOST_TEST(pid_of(hello_a) != pid_of(hello_b));
  // Each session goes on with its own program; datagram boundaries are kept.
  a.send(port, "a2");
  a.send(port, "a3");
  b.send(port, "b2");
  BOOST_TEST(a.recv() == "a2");
  BOOST_TEST(a.recv() == "a3");
  BOOST_TEST(b.recv() == "b2");
  // Both appear as connections, each with its peer.
  std::string conns = ctl(r, {"connections"}).out;
  BOOST_TEST(contains(conns, "127.0.0.1:" + std::to_string(a.port)), conns);
  BOOST_TEST(contains(conns, "127.0.0.1:" + std::to_string(b.port)), conns);
}

BOOST_AUTO_TEST_CASE(replies_come_from_the_address_the_peer_sent_to) {
  // A wildcard socket: the reply's source is the address the datagram came
  // to (127.0.0.2), not the one the route to the peer would pick.
  Running r("[s]\nport = *:@P0@/udp\nwait = no\n" + kWhoAmI + user_line());
  int port = r.ports[0];
  Client a;
  a.send(port, "x", "127.0.0.2");
  int from_port = 0;
  std::string from_ip;
  std::string hello = a.recv(5, &from_port, &from_ip);
  BOOST_TEST(from_ip == "127.0.0.2");
  BOOST_TEST(from_port == port);
  BOOST_TEST(hello == std::to_string(pid_of(hello)) + " UDP 127.0.0.1 " + std::to_string(a.port) +
                          " 127.0.0.2 " + std::to_string(port) + "\n");
  BOOST_TEST(a.recv(5, &from_port, &from_ip) == "x");
  BOOST_TEST(from_ip == "127.0.0.2");
}

BOOST_AUTO_TEST_CASE(a_broadcast_is_answered_from_the_interfaces_own_address) {
  // Sent to lo's broadcast address: the reply cannot leave from that, but
  // from the address that answers for it (ipi_spec_dst).
  Running r("[s]\nport = *:@P0@/udp\nwait = no\n" + kWhoAmI + user_line());
  int port = r.ports[0];
  Client a;
  int on = 1;
  BOOST_REQUIRE(::setsockopt(a.fd, SOL_SOCKET, SO_BROADCAST, &on, sizeof on) == 0);
  a.send(port, "b", "127.255.255.255");
  int from_port = 0;
  std::string from_ip;
  std::string hello = a.recv(5, &from_port, &from_ip);
  BOOST_TEST(hello == std::to_string(pid_of(hello)) + " UDP 127.0.0.1 " + std::to_string(a.port) +
                          " 127.0.0.1 " + std::to_string(port) + "\n",
             r.superd->log());
  BOOST_TEST(from_ip == "127.0.0.1");
  BOOST_TEST(from_port == port);
  BOOST_TEST(a.recv(5, &from_port, &from_ip) == "b");
  BOOST_TEST(from_ip == "127.0.0.1");
}

BOOST_AUTO_TEST_CASE(an_idle_session_ends_with_sigterm) {
  Running r("[s]\nport = 127.0.0.1:@P0@/udp\nwait = no\ntimeout = 1\nlog_level = 4\n" + kWhoAmI + user_line());
  Client a;
  std::string peer = "peer=127.0.0.1:" + std::to_string(a.port);
  int fds = 0;
  pid_t previous = -1;
  for (int round = 0; round < 2; ++round) {  // the next datagram starts a new session
    a.send(r.ports[0], "x");
    pid_t pid = pid_of(a.recv());
    BOOST_REQUIRE(pid > 0);
    BOOST_TEST(pid != previous);
    BOOST_TEST(a.recv() == "x");
    BOOST_TEST(r.superd->wait_log("stop service=s " + peer + " pid=" + std::to_string(pid) + " reason=idle"),
               r.superd->log());
    BOOST_TEST(r.superd->wait_log("end service=s " + peer + " pid=" + std::to_string(pid) +
                                  " status=signal:SIGTERM"),
               r.superd->log());
    BOOST_TEST(gone(pid));
    BOOST_TEST(r.superd->zombie_children().empty());
    // Measured once superd is fully up (nothing transient open), then compared.
    if (round == 0) fds = r.superd->open_fds();
    else BOOST_TEST(r.superd->open_fds() == fds);
    previous = pid;
  }
}

BOOST_AUTO_TEST_CASE(a_program_that_exits_ends_its_session) {
  // Answers one datagram with its pid, then exits.
  Running r("[s]\nport = 127.0.0.1:@P0@/udp\nwait = no\n"
            "exec = /bin/sh -c 'head -c 1 >/dev/null; echo $$'\n" + user_line());
  Client a;
  a.send(r.ports[0], "1");
  pid_t first = pid_of(a.recv());
  BOOST_REQUIRE(first > 0);
  BOOST_TEST(r.superd->wait_log("pid=" + std::to_string(first) + " status=exit:0"), r.superd->log());
  int fds = r.superd->open_fds();  // superd is fully up: nothing transient is open
  a.send(r.ports[0], "2");
  pid_t second = pid_of(a.recv());
  BOOST_TEST(second > 0);
  BOOST_TEST(second != first);
  BOOST_TEST(r.superd->wait_log("pid=" + std::to_string(second) + " status=exit:0"), r.superd->log());
  BOOST_TEST(r.superd->zombie_children().empty());
  BOOST_TEST(r.superd->open_fds() == fds);
}

BOOST_AUTO_TEST_CASE(max_instances_counts_sessions) {
  Running r("[s]\nport = 127.0.0.1:@P0@/udp\nwait = no\nmax_instances = 1\n" + kWhoAmI + user_line());
  Client a, b;
  a.send(r.ports[0], "a");
  BOOST_TEST(pid_of(a.recv()) > 0);
  b.send(r.ports[0], "b");
  BOOST_TEST(b.recv(0.5) == "");
  BOOST_TEST(r.superd->wait_log("refuse service=s peer=127.0.0.1:" + std::to_string(b.port) +
                                " reason=max_instances endpoint=127.0.0.1:" + std::to_string(r.ports[0]) +
                                "/udp limit=1"),
             r.superd->log());
  // The session that has the place goes on.
  a.send(r.ports[0], "a2");
  BOOST_TEST(a.recv() == "a");
  BOOST_TEST(a.recv() == "a2");
}

BOOST_AUTO_TEST_CASE(max_per_source_counts_sessions_per_address) {
  Running r("[s]\nport = 127.0.0.1:@P0@/udp\nwait = no\nmax_per_source = 1\n" + kWhoAmI + user_line());
  Client a, b;  // both from 127.0.0.1
  a.send(r.ports[0], "a");
  BOOST_TEST(pid_of(a.recv()) > 0);
  b.send(r.ports[0], "b");
  BOOST_TEST(b.recv(0.5) == "");
  BOOST_TEST(r.superd->wait_log("refuse service=s peer=127.0.0.1:" + std::to_string(b.port) +
                                " reason=max_per_source endpoint=127.0.0.1:" + std::to_string(r.ports[0]) +
                                "/udp limit=1"),
             r.superd->log());
}

BOOST_AUTO_TEST_CASE(max_rate_counts_sessions_started) {
  Running r("[s]\nport = 127.0.0.1:@P0@/udp\nwait = no\nmax_rate = 0.01\n" + kWhoAmI + user_line());
  Client a, b;
  a.send(r.ports[0], "a");
  BOOST_TEST(pid_of(a.recv()) > 0);
  b.send(r.ports[0], "b");
  BOOST_TEST(b.recv(0.5) == "");
  BOOST_TEST(r.superd->wait_log("refuse service=s peer=127.0.0.1:" + std::to_string(b.port) +
                                " reason=max_rate endpoint=127.0.0.1:" + std::to_string(r.ports[0]) +
                                "/udp limit=0.01"),
             r.superd->log());
  a.send(r.ports[0], "a2");  // a running session is not held back
  BOOST_TEST(a.recv() == "a");
  BOOST_TEST(a.recv() == "a2");
}

BOOST_AUTO_TEST_CASE(a_program_that_does_not_read_loses_datagrams_not_memory) {
  Running r(kControlLine + "[s]\nport = 127.0.0.1:@P0@/udp\nwait = no\ntimeout = 2\n"
            "exec = /bin/sh -c 'echo ready; exec sleep 30'\n" + user_line());
  Client a;
  a.send(r.ports[0], "first");
  BOOST_REQUIRE(a.recv() == "ready\n");
  long rss = r.superd->rss_kib();
  // Small, and in bursts superd's socket buffer holds, so that they reach superd.
  for (int i = 0; i < 400; ++i) {
    a.send(r.ports[0], std::string(100, 'x'));
    if (i % 50 == 49) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  BOOST_TEST(r.superd->wait_log("service s: session 127.0.0.1:" + std::to_string(a.port) +
                                " (pid "),
             r.superd->log());
  BOOST_TEST(r.superd->wait_log("): the program is not reading; dropping datagrams"), r.superd->log());
  BOOST_TEST(r.superd->rss_kib() - rss < 4 * 1024 * kMemoryScale);
  std::string status = line_starting(ctl(r, {"status"}).out, "service=s ");
  BOOST_TEST(contains(status, " dropped="), status);
  // The idle timeout ends it (nothing came either way) and says how many were lost.
  BOOST_TEST(r.superd->wait_log("datagram(s) the program did not read"), r.superd->log());
  BOOST_TEST(r.superd->wait_log("status=signal:SIGTERM"), r.superd->log());
  BOOST_TEST(r.count("service s: session ") == 2);  // once each, not per datagram
}

BOOST_AUTO_TEST_CASE(a_flood_of_new_peers_is_held_by_max_instances) {
  Running r("[s]\nport = 127.0.0.1:@P0@/udp\nwait = no\nmax_instances = 3\nlog_level = 1\n" + kWhoAmI +
            user_line());
  Client probe;
  probe.send(r.ports[0], "p");
  pid_t first = pid_of(probe.recv());
  BOOST_REQUIRE(first > 0);
  int fds = r.superd->open_fds();
  long rss = r.superd->rss_kib();
  int answered = 0;
  // Answered peers keep their sockets: a later client given the same
  // source port by the kernel would otherwise reach that peer's session.
  std::vector<std::unique_ptr<Client>> served;
  for (int i = 0; i < 500; ++i) {  // 500 peers, one datagram each
    auto c = std::make_unique<Client>();
    c->send(r.ports[0], "flood");
    if (c->recv(i < 5 ? 2 : 0.01).empty()) continue;
    ++answered;
    served.push_back(std::move(c));
  }
  BOOST_TEST(answered == 2);  // the places left beside the probe's session
  BOOST_TEST(r.superd->open_fds() <= fds + 2);
  BOOST_TEST(r.superd->rss_kib() - rss < 4 * 1024 * kMemoryScale);
  probe.send(r.ports[0], "still");
  BOOST_TEST(probe.recv() == "p");
  BOOST_TEST(probe.recv() == "still");
}

BOOST_AUTO_TEST_CASE(access_rules_judge_the_first_datagram) {
  Running r("[s]\nport = 127.0.0.1:@P0@/udp\nwait = no\ncidr_deny = 127.0.0.1\n" + kWhoAmI + user_line());
  Client a;
  a.send(r.ports[0], "a");
  BOOST_TEST(a.recv(0.5) == "");
  BOOST_TEST(r.superd->wait_log("refuse service=s peer=127.0.0.1:" + std::to_string(a.port) +
                                " reason=cidr_deny 127.0.0.1"),
             r.superd->log());
  BOOST_TEST(r.count("end service=s") == 0);
}

BOOST_AUTO_TEST_CASE(a_reload_that_removes_the_service_ends_its_sessions) {
  Running r("[s]\nport = 127.0.0.1:@P0@/udp\nwait = no\n" + kWhoAmI + user_line() +
                "[keep]\nport = 127.0.0.1:@P1@/udp\nwait = no\n" + kWhoAmI + user_line(),
            2);
  Client a, k;
  a.send(r.ports[0], "a");
  pid_t pid = pid_of(a.recv());
  k.send(r.ports[1], "k");
  pid_t kept = pid_of(k.recv());
  BOOST_REQUIRE(pid > 0 && kept > 0);
  BOOST_TEST(k.recv() == "k");
  int fds = r.superd->open_fds();
  r.rewrite("[keep]\nport = 127.0.0.1:@P1@/udp\nwait = no\n" + kWhoAmI + user_line());
  BOOST_REQUIRE(r.superd->reload());
  BOOST_TEST(r.superd->wait_log("end service=s peer=127.0.0.1:" + std::to_string(a.port) +
                                " pid=" + std::to_string(pid) + " status=signal:SIGTERM"),
             r.superd->log());
  BOOST_TEST(gone(pid));
  // The unchanged service's session goes on with the same program.
  k.send(r.ports[1], "k2");
  BOOST_TEST(k.recv() == "k2");
  BOOST_TEST(::kill(kept, 0) == 0);
  BOOST_TEST(r.superd->zombie_children().empty());
  // The removed service's socket is closed, and its session's end of the pair.
  BOOST_TEST(r.superd->open_fds() == fds - 2);
}

BOOST_AUTO_TEST_CASE(unset_max_instances_caps_sessions_and_refusal_lines_are_limited) {
  Running r("[s]\nport = 127.0.0.1:@P0@/udp\nwait = no\nexec = /bin/sh -c 'echo up; exec sleep 60'\n" +
            user_line());
  int port = r.ports[0];
  auto t0 = std::chrono::steady_clock::now();
  std::vector<std::unique_ptr<Client>> peers;
  for (int i = 0; i < 80; ++i) {  // one datagram from each of 80 source ports
    peers.push_back(std::make_unique<Client>());
    peers.back()->send(port, "x");
  }
  int answered = 0;
  for (auto& c : peers) answered += c->recv(answered < 64 ? 20 : 0.2) == "up\n";
  BOOST_TEST(answered == 64);  // the default cap
  BOOST_TEST(r.superd->wait_log("reason=max_instances endpoint=127.0.0.1:" + std::to_string(port) +
                                "/udp limit=64"),
             r.superd->log());
  // 16 refusals, but at most one line a second.
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  BOOST_TEST(r.count("refuse service=s ") <= 1 + static_cast<int>(elapsed), r.superd->log());
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  Client late;
  late.send(port, "x");
  BOOST_TEST(r.superd->wait_log("refuse service=s peer=127.0.0.1:" + std::to_string(late.port)),
             r.superd->log());
  BOOST_TEST(r.superd->wait_log(" more datagram(s) of new peers refused, not logged (one refusal a second is)"),
             r.superd->log());
}

BOOST_AUTO_TEST_CASE(pause_and_drain_keep_live_sessions_and_drop_new_peers) {
  // Reads the first datagram, echoes the second, then says bye and exits.
  Running r(kControlLine + "[s]\nport = 127.0.0.1:@P0@/udp\nwait = no\ntimeout = 0\n" +
            "exec = /bin/sh -c 'echo up; dd bs=65536 count=1 of=/dev/null 2>/dev/null; "
            "dd bs=65536 count=1 2>/dev/null; echo bye'\n" + user_line());
  int port = r.ports[0];
  Client a, b;
  a.send(port, "1");
  BOOST_REQUIRE(a.recv() == "up\n");
  BOOST_TEST(ctl(r, {"pause", "s"}).status == 0);
  a.send(port, "2");  // a live session goes on
  BOOST_TEST(a.recv() == "2");
  BOOST_TEST(a.recv() == "bye\n");
  b.send(port, "new");  // a new peer while paused: dropped
  BOOST_TEST(b.recv(0.5) == "");
  std::string status = line_starting(ctl(r, {"status"}).out, "service=s ");
  BOOST_TEST(contains(status, " dropped=1"), status);
  BOOST_TEST(ctl(r, {"resume", "s"}).status == 0);
  a.send(port, "3");
  BOOST_REQUIRE(a.recv() == "up\n");
  RunResult drained;
  std::thread waiter([&] { drained = ctl(r, {"drain", "s"}, 30); });
  BOOST_TEST(r.superd->wait_log("control: service s: draining"), r.superd->log());
  b.send(port, "new");
  BOOST_TEST(b.recv(0.5) == "");
  a.send(port, "4");  // the session ends as its program exits: the drain is done
  BOOST_TEST(a.recv() == "4");
  BOOST_TEST(a.recv() == "bye\n");
  waiter.join();
  BOOST_TEST(drained.status == 0, drained.err);
  BOOST_TEST(drained.out.rfind("service s: drained", 0) == 0, drained.out);
}

BOOST_AUTO_TEST_CASE(a_session_program_that_ignores_sigterm_is_killed_at_shutdown) {
  // stop_children = no (the default) still ends sessions: their relay is superd's.
  Running r("shutdown_timeout = 1\n[s]\nport = 127.0.0.1:@P0@/udp\nwait = no\n"
            "exec = /bin/sh -c 'trap \"\" TERM; echo $$; exec sleep 60'\n" + user_line());
  Client a;
  a.send(r.ports[0], "x");
  pid_t pid = pid_of(a.recv());
  BOOST_REQUIRE(pid > 0);
  BOOST_TEST(r.superd->stop() == 0);
  BOOST_TEST(gone(pid));
  BOOST_TEST(contains(r.superd->log(), "pid=" + std::to_string(pid) + " status=signal:SIGKILL"), r.superd->log());
}

BOOST_AUTO_TEST_CASE(wait_no_on_a_unix_datagram_socket_is_refused) {
  TempDir dir;
  std::string conf = dir.write("superd.conf", "[u]\nport = " + dir.path() +
                                                  "/u.sock|dgram|unix\nwait = no\nexec = /bin/cat\nuser = nobody\n");
  RunResult check = run({SUPERD_BINARY, "--check", "-c", conf});
  BOOST_TEST(check.status == 1);
  BOOST_TEST(contains(check.err, "'wait = no' is not possible on Unix datagram endpoint"), check.err);
}

BOOST_AUTO_TEST_SUITE_END()
