// SPDX-License-Identifier: MIT
// Limits: deferral in the backlog, busy messages, per-source and rate limits,
// and a hostile client that opens many connections.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include "running.hpp"

using namespace superd::test;

namespace {
// True when `fd` has nothing to read within `ms` milliseconds.
bool silent(int fd, int ms) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, ms) == 0;
}
const std::string kReadOne = "exec = /bin/sh -c 'read line; echo \"got $line\"'\n";
}  // namespace

BOOST_AUTO_TEST_SUITE(limits)

BOOST_AUTO_TEST_CASE(max_instances_defers_in_the_backlog) {
  Running r("[one]\nport = 127.0.0.1:@P0@\n" + kReadOne + user_line() + "max_instances = 1\n");
  int a = tcp_connect(r.ports[0]);
  BOOST_REQUIRE(a >= 0);
  BOOST_TEST(silent(a, 300));  // its program is running and waits for a line
  int b = tcp_connect(r.ports[0]);  // completes in the kernel's backlog
  BOOST_REQUIRE(b >= 0);
  BOOST_TEST(::write(b, "second\n", 7) == 7);
  BOOST_TEST(silent(b, 300));  // not served while the first is running
  BOOST_TEST(converse(a, "first\n", 10) == "got first\n");
  ::close(a);
  BOOST_TEST(converse(b, "", 11) == "got second\n");
  ::close(b);
  BOOST_TEST(r.count("refuse service=one") == 0);
}

BOOST_AUTO_TEST_CASE(busy_message_refuses_instead_of_waiting) {
  Running r("[one]\nport = 127.0.0.1:@P0@\n" + kReadOne + user_line() +
            "max_instances = 1\nbusy_message = busy, try later\n");
  int a = tcp_connect(r.ports[0]);
  BOOST_TEST(silent(a, 300));  // the first is being served (its program waits for a line)
  int b = tcp_connect(r.ports[0]);
  BOOST_TEST(converse(b, "") == "busy, try later\r\n");
  ::close(b);
  BOOST_TEST(r.superd->wait_log("refuse service=one peer=127.0.0.1:"), r.superd->log());
  BOOST_TEST(r.superd->wait_log("reason=max_instances"));
  BOOST_TEST(converse(a, "x\n", 6) == "got x\n");
  ::close(a);
}

BOOST_AUTO_TEST_CASE(max_per_source_refuses_the_extra_connection) {
  Running r("[pers]\nport = 127.0.0.1:@P0@\n" + kReadOne + user_line() +
            "max_per_source = 1\nbusy_message = one at a time\n");
  int a = tcp_connect(r.ports[0]);
  BOOST_TEST(silent(a, 300));
  int b = tcp_connect(r.ports[0]);
  BOOST_TEST(converse(b, "") == "one at a time\r\n");
  ::close(b);
  BOOST_TEST(r.superd->wait_log("reason=max_per_source"), r.superd->log());
  BOOST_TEST(converse(a, "held\n", 9) == "got held\n");
  ::close(a);
}

BOOST_AUTO_TEST_CASE(max_rate_pauses_and_then_serves_everyone) {
  Running r("[rated]\nport = 127.0.0.1:@P0@\nbuiltin = echo\nmax_rate = 5\n");
  std::vector<int> fds;
  for (int i = 0; i < 12; ++i) fds.push_back(tcp_connect(r.ports[0]));
  int answered = 0;
  for (int fd : fds) {
    answered += converse(fd, "ping", 4, 10) == "ping";
    ::close(fd);
  }
  BOOST_TEST(answered == 12);
  BOOST_TEST(r.superd->wait_log("pause service=rated reason=max_rate"), r.superd->log());
  BOOST_TEST(r.count("refuse service=rated") == 0);
}

BOOST_AUTO_TEST_CASE(max_rate_spends_one_token_per_connection) {
  Running r("[rated]\nport = 127.0.0.1:@P0@\nbuiltin = echo\nmax_rate = 4\n");
  for (int i = 0; i < 4; ++i) BOOST_TEST(tcp_talk(r.ports[0], "x", 1) == "x");
  BOOST_TEST(r.count("pause service=rated") == 0, r.superd->log());  // a burst of 4 is allowed
  std::vector<int> fds;
  for (int i = 0; i < 8; ++i) fds.push_back(tcp_connect(r.ports[0]));
  for (int fd : fds) {
    BOOST_TEST(converse(fd, "y", 1, 10) == "y");
    ::close(fd);
  }
  BOOST_TEST(r.superd->wait_log("pause service=rated reason=max_rate"), r.superd->log());
}

BOOST_AUTO_TEST_CASE(wait_mode_exit_resumes_a_paused_service) {
  // One service, a wait-mode UDP program and nowait TCP; max_instances counts both.
  Running r("[mixed]\nport = 127.0.0.1:@P0@/udp\nport = 127.0.0.1:@P0@/tcp\nmax_instances = 1\n" +
            user_line() + "exec = /bin/sh -c 'head -c 1 >/dev/null; sleep 0.5; echo done'\n");
  udp_talk(r.ports[0], "x", 0.01);  // starts the wait-mode program, which holds the one instance
  bool busy = false;
  for (int i = 0; i < 100 && !busy; ++i) {
    ::kill(r.superd->pid(), SIGUSR1);
    busy = r.superd->wait_log("status service=mixed active=1", 0.05);
  }
  BOOST_REQUIRE_MESSAGE(busy, r.superd->log());
  int fd = tcp_connect(r.ports[0]);
  BOOST_TEST(::write(fd, "y", 1) == 1);
  BOOST_TEST(converse(fd, "", 5, 10) == "done\n", r.superd->log());  // served once the UDP program ends
  ::close(fd);
  BOOST_TEST(contains(r.superd->log(), "pause service=mixed reason=max_instances"), r.superd->log());
}

BOOST_AUTO_TEST_CASE(max_connections_is_shared_by_all_services) {
  Running r("max_connections = 1\n[a]\nport = 127.0.0.1:@P0@\n" + kReadOne + user_line() +
                "[b]\nport = 127.0.0.1:@P1@\nbuiltin = echo\n",
            2);
  int a = tcp_connect(r.ports[0]);
  BOOST_TEST(silent(a, 300));
  int b = tcp_connect(r.ports[1]);
  BOOST_TEST(::write(b, "hi", 2) == 2);
  BOOST_TEST(silent(b, 300));
  BOOST_TEST(converse(a, "done\n", 10) == "got done\n");
  ::close(a);
  BOOST_TEST(converse(b, "", 2) == "hi");
  ::close(b);
}

BOOST_AUTO_TEST_CASE(access_rules_refuse_with_a_reason) {
  Running r("[deny]\nport = 127.0.0.1:@P0@\nbuiltin = echo\ncidr_deny = 127.0.0.0/8\n"
            "[allow]\nport = 127.0.0.1:@P1@\nbuiltin = echo\ncidr_allow = 10.0.0.0/8\n"
            "[open]\nport = 127.0.0.1:@P2@\nbuiltin = echo\ncidr_allow = 127.0.0.1/32\n",
            3);
  BOOST_TEST(tcp_talk(r.ports[0], "x") == "");
  BOOST_TEST(r.superd->wait_log("refuse service=deny peer=127.0.0.1:"));
  BOOST_TEST(r.superd->wait_log("reason=cidr_deny 127.0.0.0/8"), r.superd->log());
  BOOST_TEST(tcp_talk(r.ports[1], "x") == "");
  BOOST_TEST(r.superd->wait_log("reason=not matched by any allow or cidr_allow rule"), r.superd->log());
  BOOST_TEST(tcp_talk(r.ports[2], "welcome") == "welcome");
}

BOOST_AUTO_TEST_CASE(access_rules_apply_to_datagram_builtins) {
  Running r("[udeny]\nport = 127.0.0.1:@P0@/udp\nbuiltin = echo\ncidr_deny = 127.0.0.1\n"
            "[uopen]\nport = 127.0.0.1:@P1@/udp\nbuiltin = echo\nallow = ^127\\.\n",
            2);
  BOOST_TEST(udp_talk(r.ports[0], "hello?", 0.3) == "");
  BOOST_TEST(r.superd->wait_log("refuse service=udeny peer=127.0.0.1:"), r.superd->log());
  BOOST_TEST(r.superd->wait_log("reason=cidr_deny 127.0.0.1"));
  BOOST_TEST(udp_talk(r.ports[1], "hello") == "hello");
}

BOOST_AUTO_TEST_CASE(hostile_client_cannot_grow_descriptors_or_memory) {
  rlimit rl{};
  ::getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = std::min<rlim_t>(rl.rlim_max, 4096);
  ::setrlimit(RLIMIT_NOFILE, &rl);
  Running r("[sink]\nport = 127.0.0.1:@P0@\nbuiltin = discard\nmax_instances = 50\n");
  BOOST_TEST(tcp_talk(r.ports[0], "probe") == "");  // superd is fully up: nothing transient is open
  BOOST_REQUIRE(r.superd->wait_log("end service=sink"));
  int base_fds = r.superd->open_fds();
  long base_rss = r.superd->rss_kib();
  std::vector<int> fds;
  for (int i = 0; i < 1500 && fds.size() < rl.rlim_cur - 100; ++i) {
    int fd = tcp_connect(r.ports[0]);
    if (fd < 0) break;
    fds.push_back(fd);
  }
  BOOST_TEST(fds.size() >= 1000u);
  BOOST_REQUIRE(r.superd->wait_log("pause service=sink reason=max_instances"));
  BOOST_TEST(r.superd->open_fds() <= base_fds + 50);
  BOOST_TEST(r.superd->rss_kib() - base_rss < 8 * 1024 * kMemoryScale);
  for (int fd : fds) ::close(fd);
  // Every connection, served or waiting in the backlog, ends with its line.
  int want = static_cast<int>(fds.size()) + 1;
  for (int i = 0; i < 2000 && r.count("end service=sink") < want; ++i) usleep(10000);
  BOOST_TEST(r.count("end service=sink") == want);
  for (int i = 0; i < 500 && r.superd->open_fds() > base_fds; ++i) usleep(10000);
  BOOST_TEST(r.superd->open_fds() <= base_fds,
             run({"ls", "-l", "/proc/" + std::to_string(r.superd->pid()) + "/fd"}).out);
}

BOOST_AUTO_TEST_CASE(client_that_never_reads_cannot_grow_superd) {
  Running r("[echo]\nport = 127.0.0.1:@P0@\nbuiltin = echo\ntimeout = 2\n"
            "[chargen]\nport = 127.0.0.1:@P1@\nbuiltin = chargen\ntimeout = 2\n",
            2);
  long base = r.superd->rss_kib();
  int e = tcp_connect(r.ports[0]), c = tcp_connect(r.ports[1]);
  std::string block(1 << 16, 'z');
  ::fcntl(e, F_SETFL, O_NONBLOCK);
  std::size_t pushed = 0;
  int stalls = 0;
  for (int i = 0; i < 5000 && stalls < 10; ++i) {  // until the kernel and superd stop taking more
    ssize_t n = ::send(e, block.data(), block.size(), MSG_NOSIGNAL);
    if (n > 0) pushed += static_cast<std::size_t>(n), stalls = 0;
    else ++stalls, ::poll(nullptr, 0, 20);
  }
  BOOST_TEST(pushed < 64u << 20);  // superd stopped reading
  BOOST_TEST(r.superd->rss_kib() - base < 4 * 1024 * kMemoryScale);
  // Both connections are stuck from superd's side now; the idle timeout closes them.
  BOOST_TEST(r.superd->wait_log("end service=chargen", 10), r.superd->log());
  BOOST_TEST(r.superd->wait_log("end service=echo", 10), r.superd->log());
  BOOST_TEST(r.count("status=timeout") == 2);
  BOOST_TEST(reads_eof(c, 10));  // what was sent before the timeout, then EOF
  ::close(e);
  ::close(c);
}

BOOST_AUTO_TEST_SUITE_END()
