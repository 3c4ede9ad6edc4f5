// SPDX-License-Identifier: MIT
// superd --inetd SERVICE against the real binary: one connection on
// descriptor 0, given by superd itself (an exec service running superd
// --inetd) and by systemd-socket-activate --inetd; built-ins, programs with
// their UCSPI environment and exit status, refusals, datagrams, and every
// descriptor 0 it cannot serve.
#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <thread>

#include "running.hpp"

using namespace superd::test;

namespace {

// The inner services --inetd serves, in @DIR@/inner.conf.
const std::string kInner =
    "[echo]\nport = 127.0.0.1:1/tcp\nport = 127.0.0.1:1/udp\nbuiltin = echo\ndisabled = yes\ntimeout = 1\n"
    "[env]\nport = 127.0.0.1:2/tcp\nexec = /bin/sh -c 'echo \"$PROTO $TCPREMOTEIP $TCPLOCALPORT\"; exit 3'\n" +
    user_line() +
    "[denied]\nport = 127.0.0.1:3/tcp\nbuiltin = echo\ncidr_deny = 127.0.0.0/8\n";

// The outer superd runs superd itself, which need not be readable by nobody.
std::string root_line() { return ::geteuid() == 0 ? "user = root\n" : ""; }

// An outer superd whose service on @P0@ runs `superd --inetd inner` per connection.
std::string outer(const std::string& inner) {
  return "[outer]\nport = 127.0.0.1:@P0@\nexec = " SUPERD_BINARY " -c @DIR@/inner.conf --inetd " +
         inner + "\n" + root_line();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(inetd_mode)

BOOST_AUTO_TEST_CASE(serves_a_builtin_under_superd) {
  Running r(outer("echo"), 1);
  r.dir.write("inner.conf", kInner);
  BOOST_TEST(tcp_talk(r.ports[0], "hello inetd\n", 12) == "hello inetd\n");
  BOOST_TEST(r.superd->wait_log("status=exit:0"), r.superd->log());
  // The inner superd's end line reaches the outer log through its stderr.
  BOOST_TEST(contains(r.superd->log(), "end service=echo peer=127.0.0.1:"), r.superd->log());
}

BOOST_AUTO_TEST_CASE(a_program_gets_the_peer_and_its_status_is_superds) {
  Running r(outer("env"), 1);
  r.dir.write("inner.conf", kInner);
  BOOST_TEST(tcp_talk(r.ports[0], "", 64, 5) == "TCP 127.0.0.1 " + std::to_string(r.ports[0]) + "\n");
  BOOST_TEST(r.superd->wait_log("service=outer"), r.superd->log());
  BOOST_TEST(r.superd->wait_log("status=exit:3"), r.superd->log());
}

// Behind TLS the relay is the connection: --inetd ends only once all the
// program wrote, and the close_notify, reached the client.
BOOST_AUTO_TEST_CASE(a_tls_program_is_relayed_to_its_last_byte) {
  BOOST_REQUIRE_MESSAGE(has("socat"), "socat is needed");
  Running r(outer("big"), 1);
  const std::string d = r.dir.path() + "/";
  RunResult cert = run({"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                        "-nodes", "-keyout", d + "k.pem", "-out", d + "c.pem", "-days", "2", "-subj", "/CN=localhost"});
  BOOST_REQUIRE_MESSAGE(cert.status == 0, cert.err);
  r.dir.write("inner.conf", "[big]\nport = 127.0.0.1:4/tcp\ndisabled = yes\n" + user_line() +
                                "exec = /usr/bin/head -c 16000000 /dev/zero\n"
                                "tls_cert = " + d + "c.pem\ntls_key = " + d + "k.pem\n");
  ::chmod(r.dir.path().c_str(), 0755);  // the inner superd reads the key as root, the program runs as nobody
  // A client that reads late: the program is done, and its output still in
  // the relay's way, well before the client has it all.
  RunResult got = run({"socat", "-u", "OPENSSL:127.0.0.1:" + std::to_string(r.ports[0]) + ",verify=0",
                       "SYSTEM:sleep 2; wc -c"},
                      "", 30);
  BOOST_TEST(got.out == "16000000\n", got.err + r.superd->log());
  BOOST_TEST(r.superd->wait_log("status=exit:0"), r.superd->log());
}

BOOST_AUTO_TEST_CASE(access_rules_refuse_with_status_2) {
  Running r(outer("denied"), 1);
  r.dir.write("inner.conf", kInner);
  BOOST_TEST(tcp_talk(r.ports[0], "x\n", 2, 5) == "");
  BOOST_TEST(r.superd->wait_log("status=exit:2"), r.superd->log());
  BOOST_TEST(contains(r.superd->log(), "refuse service=denied peer=127.0.0.1:"), r.superd->log());
}

BOOST_AUTO_TEST_CASE(what_it_cannot_serve_is_named) {
  Running r(outer("nosuch") + "[listen]\nport = 127.0.0.1:@P1@\nwait = yes\nexec = " SUPERD_BINARY
            " -c @DIR@/inner.conf --inetd echo\n" + root_line(), 2);
  r.dir.write("inner.conf", kInner);
  BOOST_TEST(tcp_talk(r.ports[0], "", 1, 5) == "");
  BOOST_TEST(r.superd->wait_log("status=exit:1"), r.superd->log());
  BOOST_TEST(contains(r.superd->log(), "--inetd: no service 'nosuch' in " + r.dir.path() + "/inner.conf"),
             r.superd->log());
  // A wait-mode program gets the listening socket itself.
  int fd = tcp_connect(r.ports[1]);
  BOOST_TEST(r.superd->wait_log("status=exit:100"), r.superd->log());
  BOOST_TEST(contains(r.superd->log(), "--inetd echo: standard input is a listening socket; --inetd "
                                       "serves one accepted connection (systemd: Accept=yes)"),
             r.superd->log());
  if (fd >= 0) ::close(fd);
  TempDir dir;
  std::string conf = dir.write("inner.conf", kInner);
  RunResult pipe = run({SUPERD_BINARY, "-c", conf, "--inetd", "echo"});
  BOOST_TEST(pipe.status == 100);
  BOOST_TEST(contains(pipe.err, "superd: err: --inetd echo: standard input is not a socket; run "
                                "superd --inetd from a superserver or a systemd Accept=yes unit"),
             pipe.err);
}

// A hub with a handler program would never end (the program lives as long
// as the hub): --inetd refuses it before touching descriptor 0.
BOOST_AUTO_TEST_CASE(a_hub_with_a_handler_is_refused) {
  TempDir dir;
  std::string conf = dir.write("inner.conf", "[h]\nport = 127.0.0.1:1\nbuiltin = hub\nhub_handler = /bin/cat\n" +
                                                 user_line());
  RunResult r = run({SUPERD_BINARY, "-c", conf, "--inetd", "h"});
  BOOST_TEST(r.status == 100);
  BOOST_TEST(contains(r.err, "superd: err: --inetd h: a hub with hub_handler cannot serve one connection (its "
                             "handler program runs as long as the hub); run the hub under superd itself"),
             r.err);
}

BOOST_AUTO_TEST_CASE(under_systemd_socket_activate) {
  const std::string activate = "/usr/bin/systemd-socket-activate";
  if (!has(activate)) {
    BOOST_TEST_MESSAGE("skipped: systemd-socket-activate not installed");
    return;
  }
  TempDir dir;
  std::string conf = dir.write("inner.conf", kInner);
  int tcp = free_port(), udp = free_port();
  Superd stream(dir, {"--inetd", "-a", "-l", "127.0.0.1:" + std::to_string(tcp), SUPERD_BINARY, "-c",
                      conf, "--inetd", "echo"},
                activate);
  TempDir dir2;
  Superd dgram(dir2, {"--inetd", "-d", "-l", "127.0.0.1:" + std::to_string(udp), SUPERD_BINARY, "-c",
                      conf, "--inetd", "echo"},
               activate);
  std::string got;
  for (int i = 0; i < 50 && got.empty(); ++i) {
    got = tcp_talk(tcp, "over systemd\n", 13, 2);
    if (got.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  BOOST_TEST(got == "over systemd\n");
  std::string echoed;
  for (int i = 0; i < 20 && echoed.empty(); ++i) echoed = udp_talk(udp, "datagram\n", 0.5);
  BOOST_TEST(echoed == "datagram\n");
  BOOST_TEST(udp_talk(udp, "again\n") == "again\n");
  // timeout = 1: idle for a second, the datagram server (systemd-socket-activate
  // exec'd into it) exits with 0.
  BOOST_TEST(dgram.wait_exit(10) == 0, dgram.log());
}

BOOST_AUTO_TEST_SUITE_END()
