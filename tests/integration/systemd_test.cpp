// SPDX-License-Identifier: MIT
// systemd both ways: sockets handed over by systemd-socket-activate (the
// real LISTEN_FDS protocol) are used instead of binding, kept across a
// reload, and one no endpoint wants is closed; sd_notify tells READY with a
// STATUS, RELOADING with MONOTONIC_USEC, and STOPPING.
#include <signal.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <fstream>
#include <sstream>

#include "running.hpp"

using namespace superd::test;

namespace {

const char* const kActivate = "/usr/bin/systemd-socket-activate";

}  // namespace

BOOST_AUTO_TEST_SUITE(systemd)

BOOST_AUTO_TEST_CASE(socket_activation_hands_over_sockets) {
  if (!has(kActivate)) {
    BOOST_TEST_MESSAGE("skipped: systemd-socket-activate is not installed");
    return;
  }
  TempDir dir;
  int port = free_port(), unwanted = free_port(), prog = free_port();
  std::string conf = "[echo]\nport = 127.0.0.1:" + std::to_string(port) + "\nbuiltin = echo\n" +
                     "[env]\nport = 127.0.0.1:" + std::to_string(prog) + "\n" + user_line() +
                     "exec = /usr/bin/env\n";
  std::string path = dir.write("superd.conf", conf);
  auto l = [](int p) { return "127.0.0.1:" + std::to_string(p); };
  Superd s(dir, {"-E", "NOTIFY_SOCKET", "-l", l(port), "-l", l(unwanted), "-l", l(prog), SUPERD_BINARY, "-c", path},
           kActivate);
  // systemd-socket-activate binds first, then starts superd on the first connection.
  for (int i = 0; i < 250 && listening_inode(prog) == 0; ++i) ::usleep(20000);
  BOOST_TEST(tcp_talk(port, "first\n") == "first\n");
  BOOST_REQUIRE_MESSAGE(s.ready(), s.log());
  std::string log = s.log();
  BOOST_TEST(contains(log, "service echo: builtin echo on 127.0.0.1:" + std::to_string(port) +
                               "/tcp (inherited)"), log);
  BOOST_TEST(contains(log, "inherited socket tcp 127.0.0.1:" + std::to_string(unwanted) +
                               " (fd 4) matches no endpoint; closed"), log);
  BOOST_TEST(tcp_connect(unwanted) == -1);
  // Connections' log lines name the endpoint alone: a value without blanks.
  BOOST_TEST(s.wait_log("endpoint=127.0.0.1:" + std::to_string(port) + "/tcp"), s.log());
  BOOST_TEST(!contains(s.log(), "endpoint=127.0.0.1:" + std::to_string(port) + "/tcp (inherited)"), s.log());
  // Programs do not see the hand-off variables.
  std::string env = tcp_talk(prog, "");
  BOOST_TEST(contains(env, "SUPERD_SERVICE=env"), env);
  BOOST_TEST(!contains(env, "LISTEN_"), env);
  // A reload keeps the inherited socket.
  unsigned long inode = listening_inode(port);
  std::string changed = conf;
  changed.replace(changed.find("builtin = echo\n"), 15, "builtin = echo\ntimeout = 9\n");
  dir.write("superd.conf", changed);
  BOOST_REQUIRE(s.reload());
  BOOST_TEST(contains(s.log(), "service echo: changed (timeout)"), s.log());
  BOOST_TEST(listening_inode(port) == inode);
  BOOST_TEST(tcp_talk(port, "again\n") == "again\n");
  BOOST_TEST(s.stop(SIGTERM) == 0);
  BOOST_TEST(listening_inode(port) == 0u);
}

BOOST_AUTO_TEST_CASE(notify_messages_through_the_life_cycle) {
  Running r("[echo]\nport = 127.0.0.1:@P0@\nbuiltin = echo\n");
  BOOST_TEST(contains(r.superd->notifications().front(),
                      "READY=1\nSTATUS=1 service(s), 0 active connection(s), 0 program(s)"),
             r.superd->notifications().front());
  BOOST_REQUIRE(r.superd->reload());
  BOOST_TEST(r.superd->stop(SIGTERM) == 0);
  r.superd->ready(0.5);  // collects what was sent while stopping
  const auto& n = r.superd->notifications();
  BOOST_REQUIRE(n.size() == 4u);
  BOOST_TEST(n[1].rfind("RELOADING=1\nMONOTONIC_USEC=", 0) == 0u, n[1]);
  BOOST_TEST(std::stoull(n[1].substr(n[1].find('=', 12) + 1)) > 0u);
  BOOST_TEST(n[2].rfind("READY=1\nSTATUS=", 0) == 0u, n[2]);
  BOOST_TEST(n[3] == "STOPPING=1");
}

BOOST_AUTO_TEST_SUITE_END()
