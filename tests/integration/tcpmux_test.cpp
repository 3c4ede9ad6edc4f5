// SPDX-License-Identifier: MIT
// TCPMUX (RFC 1078): `builtin = tcpmux` reads the name a client sends and
// hands the connection to the service with that tcpmux_name, whose own
// rules and limits apply; '+' names get "+Go" from superd, HELP lists the
// names, and a client that names nothing in time is answered and closed.
// The client is nc, as a user would run it.
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include "ctl.hpp"
#include "running.hpp"

using namespace superd::test;

namespace {

const std::string kConf =
    "[mux]\nport = 127.0.0.1:@P0@\nbuiltin = tcpmux\ntimeout = 2\n"
    "[echo]\nbuiltin = echo\ntcpmux_name = +echo\n"
    "[hello]\n" + user_line() + "exec = /bin/sh -c 'echo hello $PROTO $TCPREMOTEIP'\ntcpmux_name = Hello\n"
    "[tight]\nbuiltin = echo\ntcpmux_name = +tight\ncidr_deny = 127.0.0.0/8\n"
    "[full]\nbuiltin = echo\ntcpmux_name = full\nmax_instances = 0\n"
    "[direct]\nport = 127.0.0.1:@P1@\nbuiltin = echo\ntcpmux_name = +direct\n";

// What nc gets back for `input` sent to the mux port (nc -N: half-close after the input).
std::string mux(const Running& r, const std::string& input) {
  return run({"nc", "-N", "127.0.0.1", std::to_string(r.ports[0])}, input, 15).out;
}

bool has_nc() {
  if (has("nc")) return true;
  BOOST_TEST_MESSAGE("skipped: nc (netcat-openbsd) is needed");
  return false;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tcpmux)

BOOST_AUTO_TEST_CASE(help_lists_the_names) {
  if (!has_nc()) return;
  Running r(kConf, 2);
  BOOST_TEST(mux(r, "HELP\r\n") == "echo\r\nHello\r\ntight\r\nfull\r\ndirect\r\n", r.superd->log());
  BOOST_TEST(mux(r, "help\n") == "echo\r\nHello\r\ntight\r\nfull\r\ndirect\r\n", r.superd->log());
}

BOOST_AUTO_TEST_CASE(a_plus_name_gets_go_and_the_bytes_after_the_line) {
  if (!has_nc()) return;
  Running r(kConf, 2);
  // The data follows the name in the same write: it must reach echo.
  BOOST_TEST(mux(r, "ECHO\r\nhi there\n") == "+Go\r\nhi there\n", r.superd->log());
  BOOST_TEST(r.superd->wait_log("end service=echo peer=127.0.0.1:"), r.superd->log());
  BOOST_TEST(r.superd->wait_log(" status=tcpmux:to=echo "), r.superd->log());
  // The service keeps its own port too.
  BOOST_TEST(tcp_talk(r.ports[1], "straight\n") == "straight\n");
}

BOOST_AUTO_TEST_CASE(a_program_gets_the_connection) {
  if (!has_nc()) return;
  Running r(kConf, 2);
  BOOST_TEST(mux(r, "hello\r\n") == "hello TCP 127.0.0.1\n", r.superd->log());
  BOOST_TEST(r.superd->wait_log("end service=hello peer=127.0.0.1:"), r.superd->log());
  BOOST_TEST(r.superd->wait_log(" status=exit:0 "), r.superd->log());
}

BOOST_AUTO_TEST_CASE(refusals_answer_minus_and_are_logged) {
  if (!has_nc()) return;
  Running r(kConf, 2);
  BOOST_TEST(mux(r, "nope\r\n") == "-Service not available\r\n");
  BOOST_TEST(r.superd->wait_log("refuse service=mux peer=127.0.0.1:"), r.superd->log());
  BOOST_TEST(r.superd->wait_log(" reason=no service named 'nope' endpoint=127.0.0.1:" +
                                std::to_string(r.ports[0]) + "/tcp"),
             r.superd->log());
  BOOST_TEST(mux(r, "tight\r\n") == "-Access denied\r\n");
  BOOST_TEST(r.superd->wait_log("refuse service=tight peer=127.0.0.1:"), r.superd->log());
  BOOST_TEST(r.superd->wait_log(" reason=cidr_deny 127.0.0.0/8 "), r.superd->log());
  BOOST_TEST(mux(r, "full\r\n") == "-Service busy\r\n");
  BOOST_TEST(r.superd->wait_log("refuse service=full peer=127.0.0.1:"), r.superd->log());
  BOOST_TEST(r.superd->wait_log(" reason=max_instances "), r.superd->log());
}

// Over max_rate a client handed over by TCPMUX cannot wait in a backlog: it
// is refused, logged and counted as such (refused_by, the metrics).
BOOST_AUTO_TEST_CASE(over_max_rate_is_a_counted_refusal) {
  if (!has_nc()) return;
  Running r("control_socket = @DIR@/ctl\n[mux]\nport = 127.0.0.1:@P0@\nbuiltin = tcpmux\ntimeout = 2\n"
            "[slow]\nbuiltin = daytime\ntcpmux_name = slow\nmax_rate = 0.01\n", 1);
  BOOST_TEST(mux(r, "slow\r\n").size() > 2u);  // the one token: today's date
  BOOST_TEST(mux(r, "slow\r\n") == "-Service busy\r\n");
  BOOST_TEST(r.superd->wait_log("refuse service=slow peer=127.0.0.1:"), r.superd->log());
  BOOST_TEST(r.superd->wait_log(" reason=max_rate "), r.superd->log());
  RunResult st = ctl(r, {"status"});
  BOOST_TEST(contains(st.out, "refused_by=max_rate:1"), st.out + st.err);
}

BOOST_AUTO_TEST_CASE(a_silent_client_times_out_and_a_long_line_is_refused) {
  Running r(kConf, 2);
  int c = tcp_connect(r.ports[0]);
  BOOST_REQUIRE(c >= 0);
  // No half-close: the client just says nothing; timeout = 2 ends it.
  BOOST_TEST(converse(c, "", ~std::size_t{0}, 15, false) == "-Timed out waiting for the service name\r\n");
  ::close(c);
  BOOST_TEST(r.superd->wait_log(" status=tcpmux:timeout "), r.superd->log());
  c = tcp_connect(r.ports[0]);
  BOOST_REQUIRE(c >= 0);
  BOOST_TEST(converse(c, std::string(300, 'a'), ~std::size_t{0}, 15, false) == "-Service name too long\r\n");
  ::close(c);
  BOOST_TEST(r.superd->wait_log(" status=tcpmux:line_too_long "), r.superd->log());
  // A name sent a byte at a time still arrives whole.
  c = tcp_connect(r.ports[0]);
  BOOST_REQUIRE(c >= 0);
  for (char ch : std::string("echo\r\n")) BOOST_REQUIRE(::write(c, &ch, 1) == 1);
  BOOST_TEST(converse(c, "x", 6, 10, false) == "+Go\r\nx");
  ::close(c);
}

BOOST_AUTO_TEST_CASE(names_are_checked) {
  TempDir dir;
  std::string path = dir.write("superd.conf",
                               "[a]\nbuiltin = echo\ntcpmux_name = help\n"
                               "[b]\nbuiltin = echo\ntcpmux_name = +Same\n"
                               "[c]\nbuiltin = echo\ntcpmux_name = same\n"
                               "[d]\nport = 127.0.0.1:1\nwait = yes\nexec = /bin/cat\ntcpmux_name = d\n"
                               "[e]\nbuiltin = echo\ntcpmux_name = +\n"
                               "[f]\nport = 127.0.0.1:2\nbuiltin = tcpmux\ntcpmux_name = f\n"
                               "[g]\nbuiltin = echo\n"
                               "[h]\nport = 127.0.0.1:3\nbuiltin = tcpmux\nproxy_protocol = v1\nproxy_from = 127.0.0.1/32\n"
                               "[i]\nport = 127.0.0.1:4\nbuiltin = tcpmux\ntls_cert = /nonexistent/c.pem\n"
                               "tls_key = /nonexistent/c.key\n");
  RunResult check = run({SUPERD_BINARY, "--check", "-c", path, "--user=nobody"});
  BOOST_TEST(check.status == 1);
  for (const std::string& want :
       {path + ":3: service 'a': tcpmux_name 'HELP' is reserved",
        path + ":9: service 'c': tcpmux_name 'same' is taken by service 'b'",
        path + ":14: service 'd': TCPMUX hands over one connection, but a wait-mode program takes a listening socket",
        path + ":17: service 'e': tcpmux_name '+' is not a TCPMUX name",
        path + ":21: service 'f': a tcpmux service cannot be reached through TCPMUX itself",
        std::string("service 'g': no endpoint to listen on"),
        path + ":27: service 'h': a tcpmux service cannot read the PROXY protocol",
        path + ":32: service 'i': a tcpmux service cannot use TLS"})
    BOOST_TEST(contains(check.err, want), check.err);
}

BOOST_AUTO_TEST_SUITE_END()
