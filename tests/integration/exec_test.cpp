// SPDX-License-Identifier: MIT
// Programs started per connection: environment, descriptors, identity and
// confinement, stderr handling, failures, signals and reaping.
#include <fcntl.h>
#include <pty.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <set>
#include <sstream>

#include "running.hpp"

using namespace superd::test;

namespace {

std::set<std::string> env_names(const std::string& env_output) {
  std::set<std::string> names;
  std::istringstream in(env_output);
  std::string line;
  while (std::getline(in, line)) names.insert(line.substr(0, line.find('=')));
  return names;
}

// Exec services name their user when superd runs as root (as the tests do in CI).
const std::string kUser = user_line();

// Process facts from a program's /proc/self/stat: its pid, process group,
// session and controlling terminal (0 for none).
struct ProcStat {
  long pid = -1, pgrp = -1, session = -1, tty = -1;
};

ProcStat parse_stat(const std::string& line) {
  ProcStat s;
  auto close = line.rfind(')');
  if (close == std::string::npos) return s;
  std::istringstream head(line.substr(0, line.find(' ')));
  head >> s.pid;
  std::istringstream rest(line.substr(close + 2));
  std::string state;
  long ppid = 0;
  rest >> state >> ppid >> s.pgrp >> s.session >> s.tty;
  return s;
}

bool has_terminal() {
  int fd = ::open("/dev/tty", O_RDONLY | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

const char* const kStatConf = "[stat]\nport = 127.0.0.1:@P0@\nexec = /bin/cat /proc/self/stat\n";

}  // namespace

BOOST_AUTO_TEST_SUITE(exec)

BOOST_AUTO_TEST_CASE(ucspi_environment_and_nothing_else) {
  ::setenv("SUPERD_TEST_SECRET", "must-not-leak", 1);
  Running r(std::string("[env]\nport = 127.0.0.1:@P0@\nexec = /usr/bin/env\nenv = GREETING=hello world\n"
                        "passenv = PATH\n") + kUser);
  std::string out = tcp_talk(r.ports[0], "");
  std::set<std::string> expected{"PROTO", "TCPREMOTEIP", "TCPREMOTEPORT", "TCPLOCALIP",
                                 "TCPLOCALPORT", "TCPCONNNUM", "SUPERD_SERVICE", "GREETING", "PATH"};
  BOOST_TEST(env_names(out) == expected, out);
  BOOST_TEST(contains(out, "PROTO=TCP\n"));
  BOOST_TEST(contains(out, "TCPREMOTEIP=127.0.0.1\n"));
  BOOST_TEST(contains(out, "TCPLOCALPORT=" + std::to_string(r.ports[0]) + "\n"));
  BOOST_TEST(contains(out, "TCPCONNNUM=1\n"));
  BOOST_TEST(contains(out, "SUPERD_SERVICE=env\n"));
  BOOST_TEST(contains(out, "GREETING=hello world\n"));
  BOOST_TEST(!contains(out, "must-not-leak"));
}

BOOST_AUTO_TEST_CASE(only_stdio_descriptors_are_open) {
  // ls opens /proc/self/fd itself as 3; anything beyond that leaked from superd.
  Running r(std::string("[fds]\nport = 127.0.0.1:@P0@\nexec = /bin/ls /proc/self/fd\n") + kUser);
  BOOST_TEST(tcp_talk(r.ports[0], "") == "0\n1\n2\n3\n");
}

BOOST_AUTO_TEST_CASE(signal_mask_and_dispositions_are_reset) {
  // superd ignores SIGPIPE and catches TERM, INT, HUP, QUIT, USR1 and CHLD; none of it reaches programs.
  Running r(std::string("[sigs]\nport = 127.0.0.1:@P0@\nexec = /bin/grep -E ^Sig(Blk|Ign) /proc/self/status\n") +
            kUser);
  std::string out = tcp_talk(r.ports[0], "");
  BOOST_TEST(contains(out, "SigBlk:\t0000000000000000\n"), out);
  auto ign = out.find("SigIgn:\t");
  BOOST_REQUIRE(ign != std::string::npos);
  // Signals 1-31; 32 and 33 belong to the C library, which lets nobody change them
  // (whatever started the tests may have left them ignored).
  unsigned long long ignored = std::stoull(out.substr(ign + 8, 16), nullptr, 16);
  BOOST_TEST((ignored & 0x7fffffffULL) == 0u, out);
}

BOOST_AUTO_TEST_CASE(wait_mode_on_a_stream_endpoint) {
  // The program gets the listening socket and accepts the connection itself.
  Running r(std::string("[self]\nport = 127.0.0.1:@P0@\nwait = yes\n") + kUser +
            "exec = /usr/bin/perl -e 'open(my $l, \"+<&=0\") or die; accept(my $c, $l) or die; "
            "print $c \"accepted by $$\\n\"; close $c'\n");
  std::string first = tcp_talk(r.ports[0], "");
  BOOST_TEST(first.rfind("accepted by ", 0) == 0u, first + r.superd->log());
  BOOST_TEST(r.superd->wait_log("end service=self peer=127.0.0.1:" + std::to_string(r.ports[0]) + "/tcp"),
             r.superd->log());
  std::string second = tcp_talk(r.ports[0], "");  // superd watches again and starts a new one
  BOOST_TEST(second.rfind("accepted by ", 0) == 0u);
  BOOST_TEST(second != first);
}

BOOST_AUTO_TEST_CASE(unix_peer_credentials) {
  Running r(std::string("[who]\nport = @DIR@/who.sock|unix\nexec = /usr/bin/env\n") + kUser);
  int fd = unix_connect(r.dir.path() + "/who.sock");
  std::string out = converse(fd, "");
  ::close(fd);
  BOOST_TEST(contains(out, "PROTO=UNIX\n"), out);
  BOOST_TEST(contains(out, "UNIXREMOTEUID=" + std::to_string(::getuid()) + "\n"), out);
  BOOST_TEST(contains(out, "UNIXREMOTEPID=" + std::to_string(::getpid()) + "\n"), out);
  BOOST_TEST(!contains(out, "TCPREMOTEIP"), out);
}

BOOST_AUTO_TEST_CASE(argv_is_split_like_a_shell_without_expansion) {
  Running r(std::string("[args]\nport = 127.0.0.1:@P0@\n"
                        "exec = /usr/bin/printf \"[%s]\\n\" one 'two words' \"th\\\"ree\" $HOME a\\ b\n") + kUser);
  BOOST_TEST(tcp_talk(r.ports[0], "") == "[one]\n[two words]\n[th\"ree]\n[$HOME]\n[a b]\n");
}

BOOST_AUTO_TEST_CASE(runs_as_the_named_user_with_limits) {
  if (::geteuid() != 0) { BOOST_TEST_MESSAGE("skipped: needs root to switch users"); return; }
  Running r("[id]\nport = 127.0.0.1:@P0@\nexec = /bin/sh -c 'id -u; id -g; ulimit -n; umask; nice'\n"
            "user = nobody\nrlimit_nofile = 64\numask = 027\nnice = 5\n");
  BOOST_TEST(tcp_talk(r.ports[0], "") == "65534\n65534\n64\n0027\n5\n");
}

BOOST_AUTO_TEST_CASE(chroot_confines_the_program) {
  if (::geteuid() != 0) { BOOST_TEST_MESSAGE("skipped: chroot needs root"); return; }
  TempDir jail;
  for (const char* d : {"/bin", "/lib", "/lib64", "/lib/x86_64-linux-gnu"})
    run({"mkdir", "-p", jail.path() + d});
  for (const char* f : {"/bin/dash", "/lib/x86_64-linux-gnu/libc.so.6", "/lib64/ld-linux-x86-64.so.2"})
    run({"cp", f, jail.path() + f});
  Running r("[jail]\nport = 127.0.0.1:@P0@\n"
            "exec = /bin/dash -c 'if test -e /etc/passwd; then echo host; else echo jail; fi'\n"
            "user = nobody\nchroot = " + jail.path() + "\n");
  BOOST_TEST(tcp_talk(r.ports[0], "") == "jail\n", r.superd->log());
}

BOOST_AUTO_TEST_CASE(stderr_goes_to_the_log_by_default_or_to_the_socket) {
  Running r(std::string("[loud]\nport = 127.0.0.1:@P0@\nexec = /bin/sh -c 'echo to-log >&2; echo to-client'\n") + kUser +
            "[sock]\nport = 127.0.0.1:@P1@\nexec = /bin/sh -c 'echo on-socket >&2'\nstderr = socket\n" + kUser +
            "[quiet]\nport = 127.0.0.1:@P2@\nexec = /bin/sh -c 'echo dropped >&2; echo ok'\nstderr = null\n" + kUser, 3);
  BOOST_TEST(tcp_talk(r.ports[0], "") == "to-client\n");
  BOOST_TEST(r.superd->wait_log("]: to-log"), r.superd->log());
  BOOST_TEST(contains(r.superd->log(), "notice: loud["));
  BOOST_TEST(tcp_talk(r.ports[1], "") == "on-socket\n");
  BOOST_TEST(tcp_talk(r.ports[2], "") == "ok\n");
  BOOST_TEST(r.superd->wait_log("end service=quiet"));
  BOOST_TEST(!contains(r.superd->log(), "dropped"));
}

BOOST_AUTO_TEST_CASE(a_program_flooding_stderr_cannot_flood_the_log) {
  Running r("[flood]\nport = 127.0.0.1:@P0@\nexec = /bin/sh -c 'yes flood | head -n 200000 >&2; echo done'\n" +
                kUser + "[echo]\nport = 127.0.0.1:@P1@\nbuiltin = echo\n",
            2);
  int f = tcp_connect(r.ports[0]);
  BOOST_TEST(tcp_talk(r.ports[1], "still answering") == "still answering");
  BOOST_TEST(converse(f, "", 5, 30) == "done\n");
  ::close(f);
  BOOST_TEST(r.superd->wait_log("more stderr line(s) not logged (over 100 a second)"), r.superd->log().substr(0, 2000));
  BOOST_TEST(r.count("]: flood") <= 1000);
}

BOOST_AUTO_TEST_CASE(last_stderr_lines_come_before_the_end_line) {
  // The lines wait in superd's datagram queue when the program is reaped: they are read first.
  Running r(std::string("[last]\nport = 127.0.0.1:@P0@\n"
                        "exec = /bin/sh -c 'echo to-client; echo last-words >&2; printf unfinished >&2'\n") + kUser);
  for (int i = 0; i < 5; ++i) BOOST_TEST(tcp_talk(r.ports[0], "") == "to-client\n");
  for (int i = 0; i < 200 && r.count("end service=last") < 5; ++i) ::usleep(50000);
  BOOST_REQUIRE(r.count("end service=last") == 5);
  // Connections may overlap: each program's lines are checked against its own end line.
  std::string log = r.superd->log();
  for (std::size_t end = log.find("end service=last"); end != std::string::npos;
       end = log.find("end service=last", end + 1)) {
    std::size_t at = log.find(" pid=", end) + 5;
    std::string pid = log.substr(at, log.find(' ', at) - at);
    std::size_t words = log.find("last[" + pid + "]: last-words\n"), rest = log.find("last[" + pid + "]: unfinished\n");
    BOOST_TEST(words < rest, log);
    BOOST_TEST(rest < end, log);
  }
}

BOOST_AUTO_TEST_CASE(a_100_kib_write_to_stderr_is_relayed_whole) {
  // One write is one datagram: up to the socket's send buffer (about 416 KiB) it goes through at once.
  Running r(std::string("[big]\nport = 127.0.0.1:@P0@\n"
                        "exec = /usr/bin/perl -e '$n = syswrite(STDERR, \"x\" x 102400); print \"wrote $n\\n\"'\n") +
            kUser);
  BOOST_TEST(tcp_talk(r.ports[0], "") == "wrote 102400\n", r.superd->log().substr(0, 2000));
  BOOST_TEST(r.superd->wait_log("end service=big"));
  // No newline: 2048-byte pieces, 50 of them.
  BOOST_TEST(r.count("]: " + std::string(2048, 'x')) == 50);
}

BOOST_AUTO_TEST_CASE(exec_failures_are_logged_with_errno_and_serving_goes_on) {
  Running r(std::string("[gone]\nport = 127.0.0.1:@P0@\nexec = /nonexistent/program --flag\n") + kUser +
            "[noexec]\nport = 127.0.0.1:@P1@\nexec = @DIR@/superd.conf\n" + kUser +
            "[fine]\nport = 127.0.0.1:@P2@\nexec = /bin/echo fine\n" + kUser, 3);
  BOOST_TEST(tcp_talk(r.ports[0], "") == "");
  BOOST_TEST(r.superd->wait_log("service gone: execve /nonexistent/program: No such file or directory"),
             r.superd->log());
  BOOST_TEST(r.superd->wait_log("status=exit:127"));
  BOOST_TEST(tcp_talk(r.ports[1], "") == "");
  BOOST_TEST(r.superd->wait_log("superd.conf: Permission denied"), r.superd->log());
  BOOST_TEST(tcp_talk(r.ports[2], "") == "fine\n");
}

BOOST_AUTO_TEST_CASE(signals_and_reaping) {
  Running r(std::string("[crash]\nport = 127.0.0.1:@P0@\nexec = /bin/sh -c 'kill -KILL $$'\n") + kUser +
            "[slow]\nport = 127.0.0.1:@P1@\nexec = /bin/sleep 0.2\n" + kUser, 2);
  BOOST_TEST(tcp_talk(r.ports[0], "") == "");
  BOOST_TEST(r.superd->wait_log("end service=crash peer=127.0.0.1:"), r.superd->log());
  BOOST_TEST(r.superd->wait_log("status=signal:SIGKILL"), r.superd->log());
  for (int i = 0; i < 20; ++i) ::close(tcp_connect(r.ports[1]));  // clients that leave at once
  BOOST_TEST(r.superd->wait_log("status=signal:SIGKILL"));
  int ends = 0;
  for (int i = 0; i < 300 && ends < 20; ++i) {
    std::string log = r.superd->log();
    ends = 0;
    for (auto p = log.find("end service=slow"); p != std::string::npos; p = log.find("end service=slow", p + 1)) ++ends;
    if (ends < 20) usleep(10000);
  }
  BOOST_TEST(ends == 20);
  BOOST_TEST(r.superd->zombie_children().empty());
  BOOST_TEST(tcp_talk(r.ports[0], "") == "");  // still serving
}

BOOST_AUTO_TEST_CASE(tcpconnnum_counts_live_connections_from_the_source) {
  Running r(std::string("[count]\nport = 127.0.0.1:@P0@\nexec = /bin/sh -c 'echo $TCPCONNNUM; read x'\n") + kUser);
  int a = tcp_connect(r.ports[0]);
  BOOST_TEST(converse(a, "", 2, 5, false) == "1\n");
  int b = tcp_connect(r.ports[0]);
  BOOST_TEST(converse(b, "", 2, 5, false) == "2\n");
  ::close(a);
  ::close(b);
}

BOOST_AUTO_TEST_CASE(root_must_name_the_user) {
  if (::geteuid() != 0) { BOOST_TEST_MESSAGE("skipped: the rule applies when superd runs as root"); return; }
  TempDir dir;
  RunResult res = run({SUPERD_BINARY, "--check", "-c",
                       dir.write("r.conf", "[x]\nport = 7777\nexec = /bin/true\n")});
  BOOST_TEST(res.status == 1);
  BOOST_TEST(contains(res.err, "r.conf:3: service 'x': would run '/bin/true' as root without saying so "
                               "(set 'user' to the account it should run as; 'user = root' allows root)"),
             res.err);
  res = run({SUPERD_BINARY, "--check", "-c", dir.write("u.conf", "[x]\nport = 7777\nexec = /bin/true\nuser = nosuchuser\n")});
  BOOST_TEST(res.status == 1);
  BOOST_TEST(contains(res.err, "u.conf:4: service 'x': unknown user 'nosuchuser'"), res.err);
}

BOOST_AUTO_TEST_CASE(wait_mode_program_that_never_reads_is_backed_off) {
  // max_connections makes every ended connection resume paused services; a
  // back-off must survive that.
  Running r(std::string("max_connections = 100\n[lazy]\nport = 127.0.0.1:@P0@/udp\nexec = /bin/true\n") +
                kUser + "[echo]\nport = 127.0.0.1:@P1@\nbuiltin = echo\n",
            2);
  udp_talk(r.ports[0], "nobody reads this", 0.01);
  BOOST_TEST(r.superd->wait_log("starting it again in 1s"), r.superd->log());
  for (int i = 0; i < 50; ++i) BOOST_TEST(tcp_talk(r.ports[1], "e", 1) == "e");
  BOOST_TEST(r.superd->wait_log("without taking the input on 127.0.0.1:" + std::to_string(r.ports[0]) +
                                "/udp; starting it again in 1s"),
             r.superd->log());
  BOOST_TEST(r.superd->wait_log("starting it again in 2s", 5), r.superd->log());
  std::string log = r.superd->log();
  int runs = 0;
  for (auto p = log.find("end service=lazy"); p != std::string::npos; p = log.find("end service=lazy", p + 1)) ++runs;
  BOOST_TEST(runs <= 4);  // backed off, not spinning
}

BOOST_AUTO_TEST_CASE(program_leads_its_own_process_group_without_a_terminal) {
  // superd here has the session and terminal of whatever runs the tests
  // (none in CI). Each program leads its own process group either way; it
  // starts a session of its own only when superd has a terminal to part it
  // from, and then it has none.
  Running r(std::string(kStatConf) + kUser);
  std::string out = tcp_talk(r.ports[0], "");
  ProcStat s = parse_stat(out);
  BOOST_REQUIRE_MESSAGE(s.pid > 0, out);
  BOOST_TEST(s.pgrp == s.pid, out);
  BOOST_TEST(s.tty == 0, out);
  if (has_terminal())
    BOOST_TEST(s.session == s.pid, out);
  else
    BOOST_TEST(s.session == ::getsid(r.superd->pid()), out);
}

BOOST_AUTO_TEST_CASE(program_gets_a_session_of_its_own_when_superd_has_a_terminal) {
  // superd leads a session whose controlling terminal is a pseudo-terminal
  // (setsid -c makes its stdin the session's terminal, without a fork).
  int master = -1, slave = -1;
  BOOST_REQUIRE(::openpty(&master, &slave, nullptr, nullptr, nullptr) == 0);
  struct ClosePty {
    int a, b;
    ~ClosePty() {
      ::close(a);
      ::close(b);
    }
  } close_pty{master, slave};
  ::fcntl(master, F_SETFD, FD_CLOEXEC);
  ::fcntl(slave, F_SETFD, FD_CLOEXEC);
  const char* slave_name = ::ttyname(slave);
  BOOST_REQUIRE(slave_name != nullptr);
  TempDir dir;
  int port = free_port();
  std::string conf = std::string(kStatConf) + kUser;
  conf.replace(conf.find("@P0@"), 4, std::to_string(port));
  std::string conf_path = dir.write("superd.conf", conf);
  std::string tty = slave_name;
  Superd d(dir, {"-c", "exec setsid -c \"$0\" \"$@\" <" + tty, SUPERD_BINARY, "-c", conf_path,
                 "--log_level=3"},
           "/bin/sh");
  BOOST_REQUIRE_MESSAGE(d.ready(), d.log());
  BOOST_TEST(::getsid(d.pid()) == d.pid(), "superd leads its own session");
  std::string out = tcp_talk(port, "");
  ProcStat s = parse_stat(out);
  BOOST_REQUIRE_MESSAGE(s.pid > 0, out + d.log());
  BOOST_TEST(s.session == s.pid, out);
  BOOST_TEST(s.pgrp == s.pid, out);
  BOOST_TEST(s.tty == 0, out);
  d.stop(SIGTERM, 10);
}

BOOST_AUTO_TEST_SUITE_END()
