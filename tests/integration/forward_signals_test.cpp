// SPDX-License-Identifier: MIT
// forward_signals against the real binary: a signal superd gets reaches the
// running programs of the services that forward it, and no others; the
// signals superd uses itself are refused with the reason.
#include <signal.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include "running.hpp"

using namespace superd::test;

namespace {

// Says "ready", then "got-usr2" for each SIGUSR2, for at most 10 seconds.
const std::string kProgram =
    "exec = /bin/sh -c 'trap \"echo got-usr2\" USR2; echo ready; i=0; "
    "while [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done'\n";

}  // namespace

BOOST_AUTO_TEST_SUITE(forward_signals)

BOOST_AUTO_TEST_CASE(reaches_only_the_services_that_forward_it) {
  Running r("stop_children = yes\n"
            "[fwd]\nport = 127.0.0.1:@P0@\nforward_signals = SIGUSR2\n" + kProgram + user_line() +
                "[plain]\nport = 127.0.0.1:@P1@\n" + kProgram + user_line(),
            2);
  int a = tcp_connect(r.ports[0]), b = tcp_connect(r.ports[1]);
  BOOST_REQUIRE(a >= 0 && b >= 0);
  BOOST_TEST(converse(a, "", 6, 5, false) == "ready\n");
  BOOST_TEST(converse(b, "", 6, 5, false) == "ready\n");
  BOOST_REQUIRE(::kill(r.superd->pid(), SIGUSR2) == 0);
  BOOST_TEST(converse(a, "", 9, 5, false) == "got-usr2\n");
  BOOST_TEST(r.superd->wait_log("service fwd: forwarded SIGUSR2 to 1 program(s)"), r.superd->log());
  // The other program was not signalled: nothing came, and it is still there.
  BOOST_TEST(converse(b, "", 1, 0.5, false) == "");
  BOOST_TEST(!reads_eof(b, 0.2));
  BOOST_TEST(!contains(r.superd->log(), "service plain: forwarded"), r.superd->log());
  ::close(a);
  ::close(b);
}

BOOST_AUTO_TEST_CASE(a_signal_superd_uses_is_refused) {
  TempDir dir;
  std::string conf = dir.write("superd.conf", "[x]\nport = 127.0.0.1:1\nbuiltin = echo\n"
                                              "forward_signals = SIGWINCH\nforward_signals = HUP\n");
  RunResult check = run({SUPERD_BINARY, "--check", "-c", conf});
  BOOST_TEST(check.status == 1);
  BOOST_TEST(contains(check.err, conf + ":5: bad value for 'forward_signals': SIGHUP reloads superd "
                                        "and cannot be forwarded"),
             check.err);
}

BOOST_AUTO_TEST_SUITE_END()
