// SPDX-License-Identifier: MIT
#define BOOST_TEST_MODULE superd integration tests
#include <boost/test/unit_test.hpp>

#include <csignal>

namespace {
// A write to a connection superd has just closed (a refusal) must fail with
// EPIPE rather than kill the test program. A handler, not SIG_IGN: execve
// resets handlers, so the clients the tests run still get the default.
void ignore_pipe(int) {}

struct PipeSignal {
  PipeSignal() {
    struct sigaction sa {};
    sa.sa_handler = ignore_pipe;
    ::sigaction(SIGPIPE, &sa, nullptr);
  }
};
}  // namespace

BOOST_TEST_GLOBAL_FIXTURE(PipeSignal);
