// SPDX-License-Identifier: MIT
// Signals and lifecycle: graceful stop, shutdown_timeout, programs left
// running or stopped, SIGUSR1 status, pid file, the embedded default.
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <fstream>

#include "running.hpp"

using namespace superd::test;

namespace {
bool alive(pid_t pid) { return ::kill(pid, 0) == 0; }

// Connects to `port`, whose program prints "started PID" first; returns that PID
// (-1 if none) and leaves the connection open in `fd`.
pid_t started_program(int port, int& fd) {
  fd = tcp_connect(port);
  std::string text = converse(fd, "", 20, 5, false);
  auto p = text.find("started ");
  return p == std::string::npos ? -1 : std::atoi(text.c_str() + p + 8);
}
}  // namespace

BOOST_AUTO_TEST_SUITE(lifecycle)

BOOST_AUTO_TEST_CASE(sigterm_stops_cleanly_and_flushes) {
  Running r("pid_file = @DIR@/superd.pid\n[chargen]\nport = 127.0.0.1:@P0@\nbuiltin = chargen\n");
  std::ifstream pidf(r.dir.path() + "/superd.pid");
  pid_t pid = 0;
  pidf >> pid;
  BOOST_TEST(pid == r.superd->pid());
  int c = tcp_connect(r.ports[0]);
  BOOST_TEST(converse(c, "", 74, 5, false).size() == 74u);
  BOOST_TEST(r.superd->stop(SIGTERM) == 0);
  BOOST_TEST(contains(r.superd->log(), "stopping: closing 1 service(s), finishing 1 connection(s)"), r.superd->log());
  BOOST_TEST(contains(r.superd->log(), "notice: stopped"));
  BOOST_TEST(reads_eof(c, 10));
  ::close(c);
  BOOST_TEST(tcp_connect(r.ports[0]) == -1);
  BOOST_TEST(::access((r.dir.path() + "/superd.pid").c_str(), F_OK) != 0);
}

BOOST_AUTO_TEST_CASE(programs_keep_running_unless_asked) {
  Running r("shutdown_timeout = 1\n[sleeper]\nport = 127.0.0.1:@P0@\n" + user_line() +
            "exec = /bin/sh -c 'echo started $$; exec sleep 30'\n");
  int c = -1;
  pid_t child = started_program(r.ports[0], c);
  BOOST_REQUIRE(child > 0);
  BOOST_TEST(r.superd->stop(SIGTERM) == 0);
  BOOST_TEST(contains(r.superd->log(), "left 1 program(s) running (stop_children = no)"), r.superd->log());
  BOOST_TEST(alive(child));
  ::kill(child, SIGKILL);
  ::close(c);
}

BOOST_AUTO_TEST_CASE(stop_children_terms_then_kills) {
  Running r("shutdown_timeout = 1\nstop_children = yes\n[stubborn]\nport = 127.0.0.1:@P0@\n" + user_line() +
            "exec = /bin/sh -c 'trap \"\" TERM; echo started $$; while :; do sleep 0.1; done'\n");
  int c = -1;
  pid_t child = started_program(r.ports[0], c);
  BOOST_REQUIRE(child > 0);
  BOOST_TEST(r.superd->stop(SIGTERM) == 0);
  std::string log = r.superd->log();
  BOOST_TEST(contains(log, "stopping 1 program(s) with SIGTERM"), log);
  BOOST_TEST(contains(log, "shutdown_timeout: killing 1 program(s)"), log);
  BOOST_TEST(contains(log, "all programs stopped"), log);
  BOOST_TEST(!alive(child));
  ::close(c);
}

BOOST_AUTO_TEST_CASE(sigquit_always_stops_programs) {
  Running r("[sleeper]\nport = 127.0.0.1:@P0@\n" + user_line() +
            "exec = /bin/sh -c 'echo started $$; exec sleep 30'\n");
  int c = -1;
  pid_t child = started_program(r.ports[0], c);
  BOOST_TEST(r.superd->stop(SIGQUIT) == 0);
  BOOST_TEST(contains(r.superd->log(), "all programs stopped"), r.superd->log());
  BOOST_TEST(!alive(child));
  ::close(c);
}

BOOST_AUTO_TEST_CASE(idle_connections_close_at_once_stuck_ones_at_shutdown_timeout) {
  Running r("shutdown_timeout = 0.5\n[echo]\nport = 127.0.0.1:@P0@\nbuiltin = echo\n"
            "[chargen]\nport = 127.0.0.1:@P1@\nbuiltin = chargen\n", 2);
  int idle = tcp_connect(r.ports[0]);
  BOOST_TEST(converse(idle, "x", 1, 5, false) == "x");
  int stuck = tcp_connect(r.ports[1]);  // never reads: superd's output cannot drain
  BOOST_TEST(converse(stuck, "", 1, 5, false).size() == 1u);
  ::poll(nullptr, 0, 1000);  // let chargen fill the socket buffers
  BOOST_TEST(r.superd->stop(SIGTERM) == 0);
  std::string log = r.superd->log();
  BOOST_TEST(contains(log, "end service=echo peer=127.0.0.1:"), log);
  BOOST_TEST(contains(log, "status=closed bytes_in=1 bytes_out=1"), log);
  BOOST_TEST(contains(log, "shutdown_timeout: closing 1 connection(s)"), log);
  BOOST_TEST(contains(log, "end service=chargen"), log);
  BOOST_TEST(contains(log, "status=shutdown"), log);
  ::close(idle);
  ::close(stuck);
}

BOOST_AUTO_TEST_CASE(sigusr1_dumps_status_across_a_reload) {
  Running r("[echo]\nport = 127.0.0.1:@P0@\nport = 127.0.0.1:@P0@/udp\nbuiltin = echo\n");
  BOOST_TEST(tcp_talk(r.ports[0], "a") == "a");
  BOOST_TEST(udp_talk(r.ports[0], "d") == "d");
  ::kill(r.superd->pid(), SIGUSR1);
  BOOST_TEST(r.superd->wait_log("status service=echo active=0 served=2 refused=0 failed=0"), r.superd->log());
  BOOST_REQUIRE(r.superd->reload());
  BOOST_TEST(tcp_talk(r.ports[0], "b") == "b");
  // A kept service keeps its counts.
  ::kill(r.superd->pid(), SIGUSR1);
  BOOST_TEST(r.superd->wait_log("status service=echo active=0 served=3 refused=0 failed=0"), r.superd->log());
}

BOOST_AUTO_TEST_CASE(embedded_default_when_no_conf_exists) {
  struct stat st;
  RunResult h = run({SUPERD_BINARY, "--help"});
  auto p = h.out.find("Default conf file: ");
  BOOST_REQUIRE(p != std::string::npos);
  std::string path = h.out.substr(p + 19, h.out.find('\n', p) - p - 19);
  if (::stat(path.c_str(), &st) == 0) {
    BOOST_TEST_MESSAGE("skipped: " + path + " exists on this machine");
    return;
  }
  RunResult r = run({SUPERD_BINARY, "--print-config"});
  BOOST_TEST(r.status == 0);
  BOOST_TEST(contains(r.out, "the embedded default configuration"), r.out);
  for (const char* port : {"10007", "10009", "10013", "10019", "10037"})
    BOOST_TEST(contains(r.out, std::string("port = 127.0.0.1:") + port + "/tcp"), port);
}

BOOST_AUTO_TEST_SUITE_END()
