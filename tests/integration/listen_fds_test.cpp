// SPDX-License-Identifier: MIT
// listen_fds: a wait-mode program gets its socket the way systemd passes
// sockets (fd 3, LISTEN_FDS, LISTEN_PID = its own pid, LISTEN_FDNAMES), so
// daemons written for socket activation run under superd unchanged.
#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include "running.hpp"

using namespace superd::test;

BOOST_AUTO_TEST_SUITE(listen_fds)

BOOST_AUTO_TEST_CASE(the_program_gets_fd_3_and_the_variables) {
  Running r("[act]\nport = 127.0.0.1:@P0@\nwait = yes\nlisten_fds = yes\n" + user_line() +
            "exec = /usr/bin/python3 @DIR@/act.py\n");
  // Started at the first connection: written now, readable by nobody.
  ::chmod(r.dir.path().c_str(), 0755);
  r.dir.write("act.py",
              "import os, socket\n"
              "l = socket.socket(fileno=3)\n"
              "c, _ = l.accept()\n"
              "e = os.environ\n"
              "c.sendall(('fds=%s names=%s pid=%s stdin=%s\\n' % (e['LISTEN_FDS'], e['LISTEN_FDNAMES'],\n"
              "           e['LISTEN_PID'] == str(os.getpid()), os.readlink('/proc/self/fd/0'))).encode())\n"
              "c.close()\n");
  std::string out = tcp_talk(r.ports[0], "");
  BOOST_TEST(out == "fds=1 names=act pid=True stdin=/dev/null\n", out + r.superd->log());
  // The program exited; superd watches the socket again and starts another.
  BOOST_TEST(tcp_talk(r.ports[0], "") == "fds=1 names=act pid=True stdin=/dev/null\n", r.superd->log());
}

BOOST_AUTO_TEST_CASE(systemd_socket_proxyd_runs_unchanged) {
  const std::string proxyd = "/lib/systemd/systemd-socket-proxyd";
  BOOST_REQUIRE_MESSAGE(has(proxyd), proxyd + " is needed (package systemd)");
  Running r("[echo]\nport = 127.0.0.1:@P1@\nbuiltin = echo\n"
            "[proxy]\nport = 127.0.0.1:@P0@\nwait = yes\nlisten_fds = yes\n" + user_line() +
                "exec = " + proxyd + " 127.0.0.1:@P1@\n",
            2);
  for (const std::string line : {"through the proxy\n", "again\n"}) {
    int c = tcp_connect(r.ports[0]);
    BOOST_REQUIRE(c >= 0);
    BOOST_TEST(converse(c, line, line.size(), 5, false) == line, r.superd->log());
    ::close(c);
  }
}

BOOST_AUTO_TEST_CASE(only_for_wait_mode_programs) {
  TempDir dir;
  std::string conf = dir.write("superd.conf",
                               "[a]\nport = 127.0.0.1:1\nexec = /bin/cat\nlisten_fds = yes\n"
                               "[b]\nport = 127.0.0.1:2\nbuiltin = echo\nlisten_fds = yes\n");
  RunResult check = run({SUPERD_BINARY, "--check", "-c", conf, "--user=nobody"});
  BOOST_TEST(check.status == 1);
  BOOST_TEST(contains(check.err, conf + ":4: service 'a': 'listen_fds = yes' hands the socket itself to the "
                                        "program, but stream endpoint 127.0.0.1:1/tcp starts one program per "
                                        "connection"),
             check.err);
  BOOST_TEST(contains(check.err, "add wait = yes"), check.err);
  BOOST_TEST(contains(check.err, conf + ":8: service 'b': 'listen_fds' applies only to exec services"),
             check.err);
}

BOOST_AUTO_TEST_SUITE_END()
