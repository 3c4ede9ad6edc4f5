// SPDX-License-Identifier: MIT
// Reload on SIGHUP against the real binary: services added, removed and
// changed; kept sockets keep their inode and accept queue; an invalid conf
// or a port in use changes nothing; programs and sessions of a removed
// service end with their lines; connections under a stream of reloads never
// fail; the log file is reopened; sd_notify tells RELOADING and READY.
#include <netinet/in.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "running.hpp"

using namespace superd::test;

namespace {

// Connects to `port`, whose program prints "started PID" first; returns that PID.
pid_t started_program(int port, int& fd) {
  fd = tcp_connect(port);
  std::string text = converse(fd, "", 20, 5, false);
  auto p = text.find("started ");
  return p == std::string::npos ? -1 : std::atoi(text.c_str() + p + 8);
}

const std::string kEchoDay =
    "[echo]\nport = 127.0.0.1:@P0@\nbuiltin = echo\n"
    "[day]\nport = 127.0.0.1:@P1@\nbuiltin = daytime\n";

}  // namespace

BOOST_AUTO_TEST_SUITE(reload)

BOOST_AUTO_TEST_CASE(adds_removes_and_changes_services) {
  Running r(kEchoDay, 3);
  unsigned long inode = listening_inode(r.ports[0]);
  BOOST_REQUIRE(inode != 0);
  r.rewrite("[echo]\nport = 127.0.0.1:@P0@\nbuiltin = echo\ntimeout = 7\n"
            "[disc]\nport = 127.0.0.1:@P2@\nbuiltin = discard\n");
  BOOST_REQUIRE(r.superd->reload());
  std::string log = r.superd->log();
  BOOST_TEST(contains(log, "notice: reloading the configuration"), log);
  BOOST_TEST(contains(log, "service echo: changed (timeout)"), log);
  BOOST_TEST(contains(log, "service day: removed"), log);
  BOOST_TEST(contains(log, "service disc: added: builtin discard on 127.0.0.1:" +
                               std::to_string(r.ports[2]) + "/tcp"), log);
  BOOST_TEST(contains(log, "1 added, 1 removed, 1 changed, 0 kept; sockets: 1 kept, 1 bound, 1 closed"), log);
  BOOST_TEST(listening_inode(r.ports[0]) == inode);
  BOOST_TEST(tcp_talk(r.ports[0], "hi\n") == "hi\n");
  BOOST_TEST(tcp_connect(r.ports[1]) == -1);
  BOOST_TEST(tcp_talk(r.ports[2], "into the void\n") == "");
  const auto& notes = r.superd->notifications();
  BOOST_REQUIRE(notes.size() >= 3u);
  BOOST_TEST(contains(notes[notes.size() - 2], "RELOADING=1\nMONOTONIC_USEC="), notes[notes.size() - 2]);
  BOOST_TEST(contains(notes.back(), "READY=1\nSTATUS=2 service(s)"), notes.back());
}

BOOST_AUTO_TEST_CASE(invalid_conf_changes_nothing) {
  Running r(kEchoDay, 2);
  r.rewrite(kEchoDay + "[bad]\nprot = 9\n");
  BOOST_REQUIRE(r.superd->reload());
  std::string log = r.superd->log();
  BOOST_TEST(contains(log, "superd.conf:8: unknown key 'prot' (did you mean 'port'?)"), log);
  BOOST_TEST(contains(log, "reload failed: the configuration is invalid; still serving the previous configuration"), log);
  BOOST_TEST(tcp_talk(r.ports[0], "still\n") == "still\n");
  BOOST_TEST(!tcp_talk(r.ports[1], "").empty());
  // The same conf, repaired, applies.
  r.rewrite(kEchoDay);
  BOOST_REQUIRE(r.superd->reload());
  BOOST_TEST(contains(r.superd->log(), "0 added, 0 removed, 0 changed, 2 kept"), r.superd->log());
}

BOOST_AUTO_TEST_CASE(include_that_starts_failing_changes_nothing) {
  TempDir inc;
  Running r("include = " + inc.path() + "/*.conf\n[echo]\nport = 127.0.0.1:@P0@\nbuiltin = echo\n", 2);
  // Added by a reload, then made unreadable (a directory where the file was).
  std::string day = inc.write("day.conf", r.expand("[day]\nport = 127.0.0.1:@P1@\nbuiltin = daytime\n"));
  BOOST_REQUIRE(r.superd->reload());
  BOOST_TEST(!tcp_talk(r.ports[1], "").empty());
  BOOST_REQUIRE(::unlink(day.c_str()) == 0 && ::mkdir(day.c_str(), 0755) == 0);
  BOOST_REQUIRE(r.superd->reload());
  std::string log = r.superd->log();
  BOOST_TEST(contains(log, "superd.conf:1: cannot read '" + day + "': a directory, not a regular file"), log);
  BOOST_TEST(contains(log, "reload failed: the configuration is invalid"), log);
  BOOST_TEST(!tcp_talk(r.ports[1], "").empty());
  BOOST_TEST(tcp_talk(r.ports[0], "e\n") == "e\n");
  ::rmdir(day.c_str());
}

BOOST_AUTO_TEST_CASE(port_in_use_changes_nothing) {
  Running r(kEchoDay, 3);
  // The test holds P2, so binding it fails; the other changes must not happen either.
  int holder = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(r.ports[2]));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  BOOST_REQUIRE(::bind(holder, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  BOOST_REQUIRE(::listen(holder, 1) == 0);
  r.rewrite("[echo]\nport = 127.0.0.1:@P0@\nbuiltin = echo\n"
            "[disc]\nport = 127.0.0.1:@P2@\nbuiltin = discard\n");
  BOOST_REQUIRE(r.superd->reload());
  std::string log = r.superd->log();
  BOOST_TEST(contains(log, "reload failed: bind 127.0.0.1:" + std::to_string(r.ports[2]) +
                               "/tcp: Address already in use (service disc, " + r.dir.path() +
                               "/superd.conf:5); still serving the previous configuration"), log);
  BOOST_TEST(!contains(log, "service day: removed"), log);
  BOOST_TEST(!tcp_talk(r.ports[1], "").empty());
  ::close(holder);
}

BOOST_AUTO_TEST_CASE(kept_socket_keeps_its_accept_queue) {
  // One program at a time: the second client waits in the backlog while the
  // service is changed, and is served by the new configuration.
  Running r("[one]\nport = 127.0.0.1:@P0@\nmax_instances = 1\n" + user_line() +
            "exec = /bin/sh -c 'echo started $$; read x; echo old $x'\n");
  int first = -1;
  BOOST_REQUIRE(started_program(r.ports[0], first) > 0);
  int second = tcp_connect(r.ports[0]);
  BOOST_REQUIRE(second >= 0);
  unsigned long inode = listening_inode(r.ports[0]);
  r.rewrite("[one]\nport = 127.0.0.1:@P0@\nmax_instances = 1\n" + user_line() +
            "exec = /bin/sh -c 'read x; echo new $x'\n");
  BOOST_REQUIRE(r.superd->reload());
  BOOST_TEST(contains(r.superd->log(), "service one: changed (exec)"), r.superd->log());
  BOOST_TEST(listening_inode(r.ports[0]) == inode);
  BOOST_TEST(converse(first, "a\n") == "old a\n");
  ::close(first);
  BOOST_TEST(converse(second, "b\n") == "new b\n");
  ::close(second);
  BOOST_TEST(r.superd->wait_log("service=one", 5));
}

BOOST_AUTO_TEST_CASE(socket_moves_from_a_wait_mode_program_to_a_builtin) {
  // Idle in wait mode, the listening socket is blocking with a readiness
  // wait pending; a built-in that takes it over must accept without blocking
  // the event loop.
  Running r("[w]\nport = 127.0.0.1:@P0@\nwait = yes\n" + user_line() + "exec = /bin/cat\n");
  r.rewrite("[w]\nport = 127.0.0.1:@P0@\nbuiltin = echo\n");
  BOOST_REQUIRE(r.superd->reload());
  BOOST_TEST(tcp_talk(r.ports[0], "one\n", 4, 3) == "one\n");
  BOOST_TEST(tcp_talk(r.ports[0], "two\n", 4, 3) == "two\n");
  ::kill(r.superd->pid(), SIGUSR1);
  BOOST_TEST(r.superd->wait_log("status service=w active=0 served=2", 5), r.superd->log());
}

BOOST_AUTO_TEST_CASE(removed_service_programs_and_sessions_finish) {
  Running r("shutdown_timeout = 2\n[echo]\nport = 127.0.0.1:@P0@\nbuiltin = echo\n"
            "[prog]\nport = 127.0.0.1:@P1@\n" + user_line() +
            "exec = /bin/sh -c 'echo started $$; read x; echo bye $x'\n", 2);
  int session = tcp_connect(r.ports[0]);
  BOOST_REQUIRE(converse(session, "x\n", 2, 5, false) == "x\n");
  int prog = -1;
  pid_t child = started_program(r.ports[1], prog);
  BOOST_REQUIRE(child > 0);
  r.rewrite("[other]\nport = 127.0.0.1:@P0@\nbuiltin = daytime\n");
  BOOST_REQUIRE(r.superd->reload());
  std::string log = r.superd->log();
  BOOST_TEST(contains(log, "service echo: removed; 1 connection(s) or program(s) left to finish"), log);
  BOOST_TEST(contains(log, "service prog: removed; 1 connection(s) or program(s) left to finish"), log);
  // The echo session is finished at once (nothing queued), the program runs on.
  BOOST_TEST(reads_eof(session, 5));
  ::close(session);
  BOOST_TEST(::kill(child, 0) == 0);
  BOOST_TEST(converse(prog, "z\n") == "bye z\n");
  ::close(prog);
  BOOST_TEST(r.superd->wait_log("end service=prog peer=127.0.0.1:", 5), r.superd->log());
  BOOST_TEST(r.superd->wait_log("end service=echo peer=127.0.0.1:", 5), r.superd->log());
  // The kept socket serves the new service.
  BOOST_TEST(!tcp_talk(r.ports[0], "").empty());
  ::kill(r.superd->pid(), SIGUSR1);
  BOOST_TEST(r.superd->wait_log("status programs=0 sessions=0", 5), r.superd->log());
  BOOST_TEST(r.superd->zombie_children().empty());
}

BOOST_AUTO_TEST_CASE(no_connection_fails_across_reloads) {
  Running r("[echo]\nport = 127.0.0.1:@P0@\nbuiltin = echo\n", 2);
  std::atomic<bool> done{false};
  std::atomic<int> ok{0}, failed{0};
  std::thread client([&] {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    for (int i = 0; i < 3000 && !done && std::chrono::steady_clock::now() < deadline; ++i) {
      if (tcp_talk(r.ports[0], "ping\n", 5, 5) == "ping\n") ++ok;
      else ++failed;
    }
  });
  for (int i = 0; i < 12; ++i) {
    // Alternate between one and two services, and change echo's settings.
    std::string conf = "[echo]\nport = 127.0.0.1:@P0@\nbuiltin = echo\ntimeout = " +
                       std::to_string(10 + i) + "\n";
    if (i % 2 == 0) conf += "[day]\nport = 127.0.0.1:@P1@\nbuiltin = daytime\n";
    r.rewrite(conf);
    BOOST_REQUIRE(r.superd->reload());
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  while (ok + failed < 1000) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  done = true;
  client.join();
  BOOST_TEST(failed == 0);
  BOOST_TEST(ok >= 1000);
  BOOST_TEST(r.count("reloaded ") == 12);
}

BOOST_AUTO_TEST_CASE(sighup_storm_leaves_one_complete_configuration) {
  Running r(kEchoDay, 2);
  BOOST_REQUIRE(tcp_talk(r.ports[0], "a\n") == "a\n");
  int fds = r.superd->open_fds();
  for (int i = 0; i < 100; ++i) ::kill(r.superd->pid(), SIGHUP);
  BOOST_REQUIRE(r.superd->reload());
  BOOST_TEST(r.superd->wait_log("reloaded ", 5));
  BOOST_TEST(tcp_talk(r.ports[0], "b\n") == "b\n");
  BOOST_TEST(!tcp_talk(r.ports[1], "").empty());
  BOOST_TEST(r.superd->open_fds() == fds);
  BOOST_TEST(r.count("reload failed") == 0);
}

BOOST_AUTO_TEST_CASE(many_reloads_with_a_notify_reader_that_lags) {
  // Each reload sends two sd_notify messages; this harness reads them only
  // when asked, so its queue fills up. superd must drop them, not block.
  Running r(kEchoDay, 2);
  for (int i = 0; i < 600; ++i) {
    ::kill(r.superd->pid(), SIGHUP);
    ::usleep(2000);
  }
  BOOST_TEST(tcp_talk(r.ports[0], "still\n", 6, 5) == "still\n");
  BOOST_TEST(r.count("reload failed") == 0);
}

BOOST_AUTO_TEST_CASE(log_file_is_reopened) {
  Running r("log_file = @DIR@/a.log\n[echo]\nport = 127.0.0.1:@P0@\nbuiltin = echo\n");
  std::string path = r.dir.path() + "/a.log";
  BOOST_REQUIRE(::rename(path.c_str(), (path + ".1").c_str()) == 0);
  BOOST_REQUIRE(r.superd->reload());
  std::ifstream fresh(path);
  std::stringstream text;
  text << fresh.rdbuf();
  BOOST_TEST(contains(text.str(), "reloaded "), text.str());
}

BOOST_AUTO_TEST_CASE(unwritable_log_file_fails_the_reload) {
  Running r("[echo]\nport = 127.0.0.1:@P0@\nbuiltin = echo\n", 2);
  r.rewrite("log_file = /nonexistent/dir/x.log\n[echo]\nport = 127.0.0.1:@P0@\nbuiltin = echo\n"
            "[day]\nport = 127.0.0.1:@P1@\nbuiltin = daytime\n");
  BOOST_REQUIRE(r.superd->reload());
  std::string log = r.superd->log();
  BOOST_TEST(contains(log, "reload failed: open /nonexistent/dir/x.log: No such file or directory"), log);
  BOOST_TEST(tcp_connect(r.ports[1]) == -1);
  BOOST_TEST(tcp_talk(r.ports[0], "a\n") == "a\n");
}

BOOST_AUTO_TEST_CASE(unix_socket_file_removed_with_its_service) {
  Running r("[u]\nport = @DIR@/u.sock|unix\nbuiltin = echo\nsocket_mode = 0666\n"
            "[echo]\nport = 127.0.0.1:@P0@\nbuiltin = echo\n");
  std::string sock = r.dir.path() + "/u.sock";
  BOOST_REQUIRE(::access(sock.c_str(), F_OK) == 0);
  r.rewrite("[u]\nport = @DIR@/u.sock|unix\nbuiltin = echo\nsocket_mode = 0600\n"
            "[echo]\nport = 127.0.0.1:@P0@\nbuiltin = echo\n");
  BOOST_REQUIRE(r.superd->reload());
  struct stat st{};
  BOOST_REQUIRE(::stat(sock.c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0600u);
  r.rewrite("[echo]\nport = 127.0.0.1:@P0@\nbuiltin = echo\n");
  BOOST_REQUIRE(r.superd->reload());
  BOOST_TEST(::access(sock.c_str(), F_OK) != 0);
}

BOOST_AUTO_TEST_CASE(option_that_cannot_be_applied_changes_nothing) {
  Running r("[u]\nport = @DIR@/u.sock|unix\nbuiltin = echo\nsocket_mode = 0666\n"
            "[echo]\nport = 127.0.0.1:@P0@\nbuiltin = echo\n", 2);
  std::string sock = r.dir.path() + "/u.sock";
  // Someone removed the socket file: its mode cannot be changed any more.
  BOOST_REQUIRE(::unlink(sock.c_str()) == 0);
  r.rewrite("[u]\nport = @DIR@/u.sock|unix\nbuiltin = echo\nsocket_mode = 0600\n"
            "[echo]\nport = 127.0.0.1:@P0@\nbuiltin = echo\n"
            "[day]\nport = 127.0.0.1:@P1@\nbuiltin = daytime\n");
  BOOST_REQUIRE(r.superd->reload());
  std::string log = r.superd->log();
  BOOST_TEST(contains(log, "reload failed: chmod " + sock + ": No such file or directory (service u, " +
                               r.dir.path() + "/superd.conf:2); still serving the previous configuration"),
             log);
  BOOST_TEST(tcp_connect(r.ports[1]) == -1);
  BOOST_TEST(tcp_talk(r.ports[0], "x\n") == "x\n");
}

BOOST_AUTO_TEST_CASE(socket_file_replaced_by_another_is_not_removed) {
  Running r("[u]\nport = @DIR@/u.sock|unix\nbuiltin = echo\n"
            "[echo]\nport = 127.0.0.1:@P0@\nbuiltin = echo\n");
  std::string sock = r.dir.path() + "/u.sock";
  BOOST_REQUIRE(::unlink(sock.c_str()) == 0);
  int other = unix_bound(sock, SOCK_STREAM);  // someone else's socket now
  BOOST_REQUIRE(other >= 0);
  r.rewrite("[echo]\nport = 127.0.0.1:@P0@\nbuiltin = echo\n");
  BOOST_REQUIRE(r.superd->reload());
  BOOST_TEST(contains(r.superd->log(), "service u: removed"), r.superd->log());
  BOOST_TEST(::access(sock.c_str(), F_OK) == 0);
  ::close(other);
}

BOOST_AUTO_TEST_CASE(sighup_while_stopping_is_ignored) {
  Running r("shutdown_timeout = 3\n[chargen]\nport = 127.0.0.1:@P0@\nbuiltin = chargen\n");
  int c = tcp_connect(r.ports[0]);  // never read: keeps the shutdown waiting
  BOOST_REQUIRE(c >= 0);
  ::kill(r.superd->pid(), SIGTERM);
  BOOST_REQUIRE(r.superd->wait_log("stopping: closing", 5));
  ::kill(r.superd->pid(), SIGHUP);
  BOOST_TEST(r.superd->wait_log("SIGHUP while stopping: not reloading", 5), r.superd->log());
  BOOST_TEST(r.superd->wait_exit(10) == 0);
  ::close(c);
}

BOOST_AUTO_TEST_CASE(reload_warning_names_its_level_once) {
  Running r("[echo]\nport = 127.0.0.1:@P0@\nbuiltin = echo\n", 2);
  r.rewrite("[echo]\nport = 127.0.0.1:@P0@\nbuiltin = echo\n[gone]\nport = 127.0.0.1:@P1@\n"
            "exec = /nonexistent/superd-test-program\n" + user_line());
  BOOST_REQUIRE(r.superd->reload());
  std::string expected = "superd: warning: " + r.dir.path() +
                         "/superd.conf:6: service 'gone': program '/nonexistent/superd-test-program' cannot be run now: "
                         "No such file or directory\n";
  BOOST_TEST(contains(r.superd->log(), expected), r.superd->log());
  BOOST_TEST(r.count("warning: ") == 1, r.superd->log());
}

BOOST_AUTO_TEST_SUITE_END()
