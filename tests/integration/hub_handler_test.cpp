// SPDX-License-Identifier: MIT
// hub_handler: a shell script routes a line hub's messages. It gets each
// client's start and end and every line as "ID ..." on stdin, and answers
// with send/all/except/close commands; a handler that writes garbage, dies,
// stops reading or floods costs a log line (and at most a connection).
#include <signal.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <thread>

#include "hub_client.hpp"
#include "running.hpp"

using namespace superd::test;

namespace {

const char* kHandler = R"(#!/bin/sh
# A hub handler: one event per line, "ID MESSAGE params".
while IFS=' ' read -r id msg rest; do
  case "$msg" in
    client_start) echo "send $id hello $id" ;;
    client_end) echo "all bye $id" ;;
    SHOUT) echo "all $id says $rest" ;;
    OTHERS) echo "except $id $id whispers $rest" ;;
    TELL) set -- $rest; to=$1; shift; echo "send $to from $id: $*" ;;
    WHO) echo "send $id you are $id" ;;
    CLOSE) echo "close $id" ;;
    GARBAGE) echo "frobnicate $id"; echo "send nobody x"; echo "send 99 to no one" ;;
    DIE) exit 3 ;;
    *) echo "send $id unknown $msg" ;;
  esac
done
)";

std::string conf_with(const std::string& handler, const std::string& extra = "") {
  return "[app]\nport = 127.0.0.1:@P0@\nbuiltin = hub\ntimeout = 0\nhub_handler = " + handler + "\n" +
         user_line() + extra;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(hub_handler)

BOOST_AUTO_TEST_CASE(a_shell_script_routes_messages) {
  TempDir scripts;
  Running r(conf_with(scripts.write("handler.sh", kHandler, true)));
  HubClient a(r.ports[0]);
  BOOST_TEST(a.line() == "hello 1");
  HubClient b(r.ports[0]);
  BOOST_TEST(b.line() == "hello 2");
  a.send("SHOUT hi there\n");
  BOOST_TEST(a.line() == "1 says hi there");
  BOOST_TEST(b.line() == "1 says hi there");
  b.send("OTHERS psst\n");
  BOOST_TEST(a.line() == "2 whispers psst");
  a.send("TELL 2 direct words\n");
  BOOST_TEST(b.line() == "from 1: direct words");
  a.send("PING\n");
  BOOST_TEST(a.line() == "unknown PING");
  b.send("CLOSE\n");
  BOOST_TEST(b.closed());
  BOOST_TEST(a.line() == "bye 2");
  // Bad commands are logged, and change nothing.
  a.send("GARBAGE\nWHO\n");
  BOOST_TEST(a.line() == "you are 1");
  BOOST_TEST(r.superd->wait_log("service app: hub_handler: unknown command 'frobnicate' (expected send, all, "
                                "except or close)"), r.superd->log());
  BOOST_TEST(contains(r.superd->log(), "service app: hub_handler: 'send' needs a client id (a number), not 'nobody'"),
             r.superd->log());
  BOOST_TEST(contains(r.superd->log(), "service app: hub_handler: send to client 99, which is not connected"),
             r.superd->log());
}

BOOST_AUTO_TEST_CASE(a_handler_that_dies_is_started_again_and_told_who_is_there) {
  TempDir scripts;
  Running r(conf_with(scripts.write("handler.sh", kHandler, true)));
  HubClient a(r.ports[0]), b(r.ports[0]);
  BOOST_TEST(a.line() == "hello 1");
  BOOST_TEST(b.line() == "hello 2");
  b.send("DIE\n");
  BOOST_TEST(r.superd->wait_log(") exited (exit:3) after "), r.superd->log());
  BOOST_TEST(contains(r.superd->log(), "; starting it again in 1s (clients stay connected"), r.superd->log());
  // The new copy gets a client_start for each client still connected.
  BOOST_TEST(a.expect("hello 1", 10));
  BOOST_TEST(b.expect("hello 2", 10));
  a.send("WHO\n");
  BOOST_TEST(a.line() == "you are 1");
  BOOST_TEST(r.superd->zombie_children().empty());
}

BOOST_AUTO_TEST_CASE(a_handler_that_stops_reading_is_killed_and_replaced) {
  TempDir scripts;
  // Answers the first event, then sleeps without reading (a hang).
  std::string hang = scripts.write("hang.sh",
                                   "#!/bin/sh\nread -r id msg rest\necho \"send $id first\"\n"
                                   "[ -e " + scripts.path() + "/hung ] && exec cat >/dev/null\n"
                                   "touch " + scripts.path() + "/hung\nexec sleep 60\n", true);
  Running r(conf_with(hang));
  HubClient a(r.ports[0]);
  BOOST_TEST(a.line() == "first");
  std::string lines;
  for (int i = 0; i < 1000; ++i) lines += std::string(1000, 'h') + "\n";
  // superd stops reading the client once the program is full, so these
  // sends end in the client's socket buffers; 2 MB is more than they hold.
  std::thread writer([&] { a.send(lines + lines); });
  BOOST_TEST(r.superd->wait_log("service app: hub_handler read nothing of its input for 10 s (", 20),
             r.superd->log());
  BOOST_TEST(contains(r.superd->log(), "bytes wait for it); killing it (pid "), r.superd->log());
  BOOST_TEST(r.superd->wait_log("exited (signal:SIGKILL)"), r.superd->log());
  // The client was kept; the new copy tells it so.
  BOOST_TEST(a.expect("first", 10));
  writer.join();
}

// A client that floods short lines is held (not read) while the program is
// behind, instead of the program being killed for a full queue: every line
// reaches the program, which answers the last one.
BOOST_AUTO_TEST_CASE(a_flooding_client_is_held_not_the_handler_killed) {
  TempDir scripts;
  // It reads nothing for its first second, so the flood queues up meanwhile.
  std::string count = scripts.write("count.sh",
                                    "#!/bin/sh\nsleep 1\nn=0\nwhile read -r id msg rest; do\n"
                                    "  case \"$msg\" in x) n=$((n+1)) ;; END) echo \"send $id got $n\" ;; esac\n"
                                    "done\n", true);
  Running r(conf_with(count));
  HubClient a(r.ports[0]);
  constexpr int kLines = 40000;  // 2.2 MB of events, more than the program's 1 MiB mark
  std::string flood;
  for (int i = 0; i < kLines; ++i) flood += "x " + std::string(50, 'y') + "\n";
  std::thread writer([&] { a.send(flood + "END\n"); });
  BOOST_TEST(a.line(60) == "got " + std::to_string(kLines), r.superd->log());
  writer.join();
  BOOST_TEST(!contains(r.superd->log(), "killing it"), r.superd->log());
  BOOST_TEST(!contains(r.superd->log(), "exited"), r.superd->log());
}

BOOST_AUTO_TEST_CASE(a_flooding_handler_costs_only_the_clients_that_do_not_read) {
  TempDir scripts;
  std::string flood = scripts.write("flood.sh",
                                    "#!/bin/sh\nread -r id msg rest\nexec yes 'all flood flood flood flood'\n", true);
  Running r(conf_with(flood, "max_instances = 10\n"));
  HubClient stalled(r.ports[0], 4096);
  BOOST_TEST(r.superd->wait_log(" (id 1) is not reading: "), r.superd->log());
  BOOST_TEST(r.superd->wait_log("status=slow-reader"), r.superd->log());
  // superd still answers: a client that reads gets the flood.
  HubClient reader(r.ports[0]);
  BOOST_TEST(reader.line() == "flood flood flood flood");
}

// superd(8): at SIGTERM a hub's handler gets SIGTERM, then SIGKILL after
// shutdown_timeout; superd waits for it, so none outlives it.
BOOST_AUTO_TEST_CASE(a_handler_that_ignores_sigterm_is_killed_at_shutdown) {
  TempDir scripts;
  std::string handler = scripts.write("stubborn.sh", "#!/bin/sh\ntrap '' TERM\nwhile :; do sleep 0.1; done\n", true);
  Running r("shutdown_timeout = 1\n" + conf_with(handler));
  const std::string started = "hub_handler started (pid ";
  BOOST_REQUIRE_MESSAGE(r.superd->wait_log(started), r.superd->log());
  std::string log = r.superd->log();
  pid_t pid = std::stoi(log.substr(log.find(started) + started.size()));
  BOOST_TEST(r.superd->stop(SIGTERM) == 0);
  log = r.superd->log();
  BOOST_TEST(::kill(pid, 0) != 0, "hub_handler " << pid << " outlived superd\n" << log);
  BOOST_TEST(!contains(log, "program(s) running"), log);
  BOOST_TEST(contains(log, "stopped"), log);
}

BOOST_AUTO_TEST_CASE(a_handler_that_cannot_start_is_retried) {
  Running r(conf_with("/nonexistent/handler"));
  BOOST_TEST(r.superd->wait_log("hub_handler: execve /nonexistent/handler: No such file or directory"),
             r.superd->log());
  BOOST_TEST(r.superd->wait_log("starting it again in 1s"), r.superd->log());
  // Clients still connect; their events are lost until a handler runs.
  HubClient a(r.ports[0]);
  BOOST_TEST(!a.closed(0.3));
}

BOOST_AUTO_TEST_SUITE_END()
