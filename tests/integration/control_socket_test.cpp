// SPDX-License-Identifier: MIT
// The control socket itself against the real binary: who may use it (peer
// credentials, socket mode, control_users; a client run as nobody through
// setpriv), clients that send garbage, too long a line or nothing, a stale
// or live socket file at start, a reload that moves it (or fails to), its
// removal on exit, and the exit codes of `superd ctl`.
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include "ctl.hpp"

using namespace superd::test;

namespace {

const std::string kEcho = "[echo]\nport = 127.0.0.1:@P0@\nbuiltin = echo\n";

// `superd ctl status` run as nobody, or an empty result when that cannot be done here.
bool can_run_as_nobody() {
  if (::geteuid() != 0 || !has("setpriv")) {
    BOOST_TEST_MESSAGE("skipped: needs root and setpriv to run a client as nobody");
    return false;
  }
  return true;
}

RunResult ctl_as_nobody(const std::string& socket) {
  return run({"setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", SUPERD_BINARY,
              "--control_socket=" + socket, "ctl", "status"});
}

// Sends `data` on a new connection to the control socket and reads the answer.
std::string ask_raw(const std::string& socket, const std::string& data, bool half_close = false) {
  int fd = unix_connect(socket);
  BOOST_REQUIRE(fd >= 0);
  std::string answer = converse(fd, data, ~std::size_t{0}, 5, half_close);
  ::close(fd);
  return answer;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(control_socket)

BOOST_AUTO_TEST_CASE(another_uid_gets_no_answer) {
  if (!can_run_as_nobody()) return;
  Running r(kControlLine + "control_socket_mode = 0666\n" + kEcho);
  RunResult res = ctl_as_nobody(control_path(r));
  BOOST_TEST(res.status == 2);
  BOOST_TEST(res.out == "");
  BOOST_TEST(res.err == "superd ctl: superd closed the connection on " + control_path(r) +
                            " without answering: uid 65534 may not use it (root, superd's own user and "
                            "control_users may), or superd is stopping\n");
  BOOST_TEST(r.superd->wait_log("warning: control: refused uid 65534 pid "), r.superd->log());
  BOOST_TEST(contains(r.superd->log(), ": not root, superd's own user or one of control_users"), r.superd->log());
}

BOOST_AUTO_TEST_CASE(control_users_let_a_user_in) {
  if (!can_run_as_nobody()) return;
  Running r(kControlLine + "control_socket_mode = 0666\ncontrol_users = nobody\n" + kEcho);
  RunResult res = ctl_as_nobody(control_path(r));
  BOOST_TEST(res.status == 0, res.err);
  BOOST_TEST(contains(res.out, "service=echo active=0 "), res.out);
  BOOST_TEST(r.superd->wait_log("control: uid 65534 pid "), r.superd->log());
}

BOOST_AUTO_TEST_CASE(socket_mode_keeps_others_out) {
  if (!can_run_as_nobody()) return;
  Running r(kControlLine + kEcho);
  struct stat st;
  BOOST_REQUIRE(::stat(control_path(r).c_str(), &st) == 0);
  BOOST_TEST(S_ISSOCK(st.st_mode));
  BOOST_TEST((st.st_mode & 0777) == 0600u);
  RunResult res = ctl_as_nobody(control_path(r));
  BOOST_TEST(res.status == 111);
  BOOST_TEST(res.err == "superd ctl: connect " + control_path(r) +
                            ": Permission denied (see control_socket_mode and control_users)\n");
}

BOOST_AUTO_TEST_CASE(garbage_and_too_long_lines_cost_their_connection) {
  Running r(kControlLine + kEcho);
  int before = r.superd->open_fds();
  BOOST_TEST(ask_raw(control_path(r), std::string("\x01\x02garbage\n", 10)) ==
             "error\nbyte 0x01 at column 1 is not printable ASCII\n");
  BOOST_TEST(r.superd->wait_log("warning: control: uid " + std::to_string(::getuid())), r.superd->log());
  BOOST_TEST(contains(r.superd->log(), ": bad request: byte 0x01 at column 1 is not printable ASCII"));
  BOOST_TEST(ask_raw(control_path(r), std::string(5000, 'a')) == "error\nrequest longer than 4096 bytes\n");
  BOOST_TEST(r.superd->wait_log(": request longer than 4096 bytes; refused"), r.superd->log());
  BOOST_TEST(ask_raw(control_path(r), "status\n").rfind("ok\nsuperd pid=", 0) == 0);
  // Ended before a whole line: nothing to answer.
  BOOST_TEST(ask_raw(control_path(r), "stat", true) == "");
  BOOST_TEST(r.superd->wait_log(": closed before a whole request"), r.superd->log());
  BOOST_TEST(r.superd->open_fds() <= before);  // no descriptor left behind
}

BOOST_AUTO_TEST_CASE(a_silent_client_is_closed_and_others_are_served) {
  Running r(kControlLine + kEcho);
  int silent = unix_connect(control_path(r));
  BOOST_REQUIRE(silent >= 0);
  RunResult res = ctl(r, {"status"});  // served while the silent one waits
  BOOST_TEST(res.status == 0, res.err);
  BOOST_TEST(reads_eof(silent, 15));
  BOOST_TEST(r.superd->wait_log(": no request within 5s; closed"), r.superd->log());
  ::close(silent);
}

BOOST_AUTO_TEST_CASE(stale_socket_file_replaced_live_one_refused) {
  TempDir dir;
  std::string path = dir.path() + "/ctl";
  int stale = unix_bound(path, SOCK_STREAM);
  BOOST_REQUIRE(stale >= 0);
  ::close(stale);  // the file stays; nothing answers on it
  {
    Superd s(dir, {"-c", dir.write("s.conf", "control_socket = " + path + "\n[echo]\nport = 127.0.0.1:" +
                                                 std::to_string(free_port()) + "\nbuiltin = echo\n")});
    BOOST_REQUIRE_MESSAGE(s.ready(), s.log());
    BOOST_TEST(ask_raw(path, "status\n").rfind("ok\n", 0) == 0);
    // A second superd finds the first one answering there.
    TempDir other;
    Superd second(other, {"-c", other.write("s.conf", "control_socket = " + path + "\n[echo]\nport = 127.0.0.1:" +
                                                          std::to_string(free_port()) + "\nbuiltin = echo\n")});
    BOOST_TEST(!second.ready());
    BOOST_TEST(second.wait_exit() == 111);
    BOOST_TEST(contains(second.log(), "control_socket: bind " + path + "|unix: another process is listening on it"),
               second.log());
    BOOST_TEST(ask_raw(path, "status\n").rfind("ok\n", 0) == 0);  // the first one's file is untouched
    BOOST_TEST(s.stop() == 0);
  }
  BOOST_TEST(::access(path.c_str(), F_OK) != 0);  // removed on exit
}

BOOST_AUTO_TEST_CASE(a_reload_moves_the_socket_all_or_nothing) {
  Running r(kControlLine + kEcho);
  std::string moved = r.dir.path() + "/ctl2";
  // A new mode is applied to the file in place.
  r.rewrite(kControlLine + "control_socket_mode = 0660\n" + kEcho);
  BOOST_REQUIRE(r.superd->reload());
  struct stat st;
  BOOST_REQUIRE(::stat(control_path(r).c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0660u);
  // Into a directory that does not exist: the reload fails, the old socket stays.
  r.rewrite("control_socket = @DIR@/missing/ctl\n" + kEcho);
  RunResult bad = ctl(r, {"--control_socket=" + control_path(r), "reload"});
  BOOST_TEST(bad.status == 1);
  BOOST_TEST(contains(bad.err, "superd ctl: reload failed: control_socket: bind " + r.dir.path() +
                                   "/missing/ctl|unix: No such file or directory; still serving the previous "
                                   "configuration"),
             bad.err);
  BOOST_TEST(r.superd->ready(5));  // the READY=1 that ended that reload
  BOOST_TEST(ask_raw(control_path(r), "status\n").rfind("ok\n", 0) == 0);
  r.rewrite("control_socket = " + moved + "\n" + kEcho);
  BOOST_REQUIRE(r.superd->reload());
  BOOST_TEST(::access(control_path(r).c_str(), F_OK) != 0);  // the old one is gone
  BOOST_TEST(ask_raw(moved, "status\n").rfind("ok\n", 0) == 0);
  BOOST_TEST(contains(r.superd->log(), "control: listening on " + moved), r.superd->log());
  // Turned off: no socket at all.
  r.rewrite(kEcho);
  BOOST_REQUIRE(r.superd->reload());
  BOOST_TEST(::access(moved.c_str(), F_OK) != 0);
  BOOST_TEST(tcp_talk(r.ports[0], "still\n") == "still\n");
}

BOOST_AUTO_TEST_CASE(client_exit_codes) {
  Running r(kControlLine + kEcho);
  std::string conf = r.dir.path() + "/superd.conf";
  RunResult usage = run({SUPERD_BINARY, "-c", conf, "ctl"});
  BOOST_TEST(usage.status == 100);
  BOOST_TEST(contains(usage.err, "superd ctl: no command given\nusage: superd "), usage.err);
  RunResult unknown = ctl(r, {"stauts"});
  BOOST_TEST(unknown.status == 100);
  BOOST_TEST(unknown.err == "superd ctl: unknown command 'stauts' (did you mean 'status'?) "
                            "(superd ctl --help lists the commands)\n");
  RunResult action = run({SUPERD_BINARY, "-c", conf, "ctl", "--check", "status"});
  BOOST_TEST(action.status == 100);
  BOOST_TEST(contains(action.err, "superd ctl: takes settings"), action.err);
  RunResult help = run({SUPERD_BINARY, "ctl", "--help"});
  BOOST_TEST(help.status == 0);
  BOOST_TEST(contains(help.out, "drain SERVICE [TIMEOUT]"), help.out);
  TempDir empty;
  std::string plain = empty.write("plain.conf", "[echo]\nport = 127.0.0.1:1\nbuiltin = echo\n");
  RunResult none = run({SUPERD_BINARY, "-c", plain, "ctl", "status"});
  BOOST_TEST(none.status == 3);
  BOOST_TEST(none.err == "superd ctl: no control socket is configured (control_socket in " + plain +
                             ", or --control_socket=PATH)\n");
  RunResult away = run({SUPERD_BINARY, "--control_socket=" + empty.path() + "/nothing", "ctl", "status"});
  BOOST_TEST(away.status == 111);
  BOOST_TEST(contains(away.err, "superd ctl: connect " + empty.path() + "/nothing: No such file or directory"),
             away.err);
  RunResult unreadable = run({SUPERD_BINARY, "-c", empty.path() + "/missing.conf", "ctl", "status"});
  BOOST_TEST(unreadable.status == 1);
  BOOST_TEST(contains(unreadable.err, "superd ctl: cannot read " + empty.path() + "/missing.conf"), unreadable.err);
  RunResult ok = run({SUPERD_BINARY, "ctl", "--control_socket", control_path(r), "status"});
  BOOST_TEST(ok.status == 0, ok.err);
}

BOOST_AUTO_TEST_SUITE_END()
