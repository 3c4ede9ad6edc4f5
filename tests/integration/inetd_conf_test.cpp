// SPDX-License-Identifier: MIT
// inetd.conf read natively against the real binary: entries served with the
// argv inetd gives them; the file followed when it appears, changes (as
// Debian's update-inetd writes it) or turns invalid; --import-inetd output
// accepted by --check.
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdio>
#include <thread>

#include "running.hpp"

using namespace superd::test;

namespace {

// Writes `text` as dir/name the way update-inetd does: a new file renamed over the old.
void replace_file(const TempDir& dir, const std::string& name, const std::string& text) {
  std::string tmp = dir.write(name + ".new", text);
  BOOST_REQUIRE(std::rename(tmp.c_str(), (dir.path() + "/" + name).c_str()) == 0);
}

// Talks to `port` until it answers `want` or 3 seconds pass; the answer last read.
std::string answer_within(int port, const std::string& send, const std::string& want) {
  std::string got;
  for (int i = 0; i < 60; ++i) {
    got = tcp_talk(port, send, want.size(), 1);
    if (got == want) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return got;
}

// True when `port` refuses connections within 3 seconds.
bool closed_within(int port) {
  for (int i = 0; i < 60; ++i) {
    int fd = tcp_connect(port);
    if (fd < 0) return true;
    ::close(fd);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

std::string user() { return "nobody"; }

// An entry whose program prints its argv[0]: sh splits "echo${IFS}$0" into "echo $0".
std::string argv_entry(int port) {
  return "127.0.0.1:" + std::to_string(port) + "\tstream\ttcp\tnowait\t" + user() +
         "\t/bin/sh\tmy-argv0 -c echo${IFS}$0\n";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(inetd_conf)

BOOST_AUTO_TEST_CASE(follows_the_file_from_creation_to_invalid_edit) {
  if (::geteuid() != 0) { BOOST_TEST_MESSAGE("skipped: needs root for 'user'"); return; }
  Running r("inetd_conf = @DIR@/inetd.conf\n", 2);
  BOOST_TEST(contains(r.superd->log(), "superd: warning: " + r.dir.path() +
                                       "/inetd.conf: does not exist: no service read from it"),
             r.superd->log());
  // Created: served, with inetd's argv (argv[0] is not the program's path).
  replace_file(r.dir, "inetd.conf", "# comment\n" + argv_entry(r.ports[0]));
  std::string want = "my-argv0\n";
  BOOST_TEST(answer_within(r.ports[0], "", want) == want);
  // Disabled as update-inetd does it, and another entry added: both seen at once.
  replace_file(r.dir, "inetd.conf",
               "#<off># " + argv_entry(r.ports[0]) + "127.0.0.1:" + std::to_string(r.ports[1]) +
                   " stream tcp nowait " + user() + " /bin/cat cat\n");
  BOOST_TEST(answer_within(r.ports[1], "hello\n", "hello\n") == "hello\n");
  BOOST_TEST(closed_within(r.ports[0]));
  // An invalid edit changes nothing and says where and why.
  replace_file(r.dir, "inetd.conf",
               "127.0.0.1:" + std::to_string(r.ports[1]) + " stream tcp nowait " + user() +
                   " /bin/cat cat\nftp stream tcp maybe root /usr/sbin/in.ftpd in.ftpd\n");
  for (int i = 0; i < 60 && r.count("still serving the previous configuration") == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  std::string log = r.superd->log();
  BOOST_TEST(contains(log, r.dir.path() + "/inetd.conf:2: expected 'wait' or 'nowait' (optionally "
                           "'.MAX'), found 'maybe'"),
             log);
  BOOST_TEST(contains(log, "reload failed: the configuration is invalid; still serving the previous configuration"), log);
  BOOST_TEST(tcp_talk(r.ports[1], "still\n", 6) == "still\n");
}

BOOST_AUTO_TEST_CASE(debian_update_inetd_adds_disables_and_enables) {
  if (::geteuid() != 0) { BOOST_TEST_MESSAGE("skipped: needs root for 'user'"); return; }
  if (!has("/usr/sbin/update-inetd")) { BOOST_TEST_MESSAGE("skipped: update-inetd not installed"); return; }
  Running r("inetd_conf = @DIR@/inetd.conf\n", 1);
  std::string file = r.dir.path() + "/inetd.conf";
  std::map<std::string, std::string> env{{"UPDATE_INETD_FAKE_IT", "1"}, {"PATH", "/usr/sbin:/usr/bin:/sbin:/bin"}};
  std::string entry = "127.0.0.1:" + std::to_string(r.ports[0]) + "\tstream\ttcp\tnowait\tnobody\t/bin/cat\tcat";
  r.dir.write("inetd.conf", "");
  RunResult add = run({"/usr/sbin/update-inetd", "--file", file, "--group", "OTHER", "--add", entry}, "", 20, env);
  BOOST_REQUIRE_MESSAGE(add.status == 0, add.err);
  BOOST_TEST(answer_within(r.ports[0], "added\n", "added\n") == "added\n");
  std::string service = "127.0.0.1:" + std::to_string(r.ports[0]);
  RunResult off = run({"/usr/sbin/update-inetd", "--file", file, "--disable", service}, "", 20, env);
  BOOST_REQUIRE_MESSAGE(off.status == 0, off.err);
  BOOST_TEST(closed_within(r.ports[0]));
  RunResult on = run({"/usr/sbin/update-inetd", "--file", file, "--enable", service}, "", 20, env);
  BOOST_REQUIRE_MESSAGE(on.status == 0, on.err);
  BOOST_TEST(answer_within(r.ports[0], "back\n", "back\n") == "back\n");
  BOOST_TEST(r.count(file + " changed") >= 3, r.superd->log());
}

BOOST_AUTO_TEST_CASE(import_output_passes_check_and_names_bad_lines) {
  TempDir dir;
  std::string file = dir.write("inetd.conf",
                               "#:INTERNAL: Internal services\n"
                               "echo\tstream\ttcp\tnowait\troot\tinternal\n"
                               "echo\tdgram\tudp\twait\troot\tinternal\n"
                               "#:STANDARD:\n"
                               "#<off># telnet stream tcp nowait root /usr/sbin/tcpd /usr/sbin/in.telnetd\n"
                               "127.0.0.1:\n"
                               "tftp dgram udp wait.40 nobody.nogroup /usr/sbin/in.tftpd in.tftpd -s /srv/tftp\n"
                               "/run/x.sock stream unix nowait nobody /bin/cat cat 'it''s'\n");
  RunResult im = run({SUPERD_BINARY, "--import-inetd", file});
  BOOST_REQUIRE_MESSAGE(im.status == 0, im.err);
  BOOST_TEST(contains(im.out, "[echo-tcp]\nport = 0.0.0.0:echo/tcp\nbuiltin = echo\n"), im.out);
  BOOST_TEST(contains(im.out, "[echo-udp]\nport = 0.0.0.0:echo/udp\nbuiltin = echo\n"), im.out);
  BOOST_TEST(contains(im.out, "[tftp]\nport = 127.0.0.1:tftp/udp\nexec = @/usr/sbin/in.tftpd in.tftpd "
                              "-s /srv/tftp\nwait = yes\nuser = nobody\ngroup = nogroup\n"
                              "max_rate = 0.666667\n"),
             im.out);
  BOOST_TEST(contains(im.out, "exec = @/bin/cat cat ''\\''it'\\'''\\''s'\\'''"), im.out);
  BOOST_TEST(!contains(im.out, "telnet"), im.out);
  if (::geteuid() != 0) { BOOST_TEST_MESSAGE("--check skipped: needs root for 'user'"); return; }
  std::string conf = dir.write("superd.conf", im.out);
  RunResult check = run({SUPERD_BINARY, "--check", "-c", conf});
  BOOST_TEST(check.status == 0, check.err);
  BOOST_TEST(contains(check.err, "configuration OK (4 service(s) enabled)"), check.err);

  std::string bad = dir.write("bad.conf", "echo stream tcp nowait root internal\n"
                                          "discard stream udp nowait root internal\n"
                                          "rstatd/1-5 dgram rpc/udp wait root /usr/sbin/rpc.rstatd\n"
                                          "4321 stream tcp nowait root internal\n");
  RunResult fail = run({SUPERD_BINARY, "--import-inetd", bad});
  BOOST_TEST(fail.status == 1);
  BOOST_TEST(fail.out == "");
  BOOST_TEST(contains(fail.err, bad + ":2: socket type 'stream' does not go with protocol 'udp' "
                                      "(stream sockets are tcp or unix)"),
             fail.err);
  BOOST_TEST(contains(fail.err, bad + ":3: RPC service 'rstatd/1-5' (rpc/udp) is not supported"), fail.err);
  BOOST_TEST(contains(fail.err, bad + ":4: unknown built-in '4321' (built-ins: chargen, daytime, discard, echo, "),
             fail.err);
  RunResult missing = run({SUPERD_BINARY, "--import-inetd", dir.path() + "/none"});
  BOOST_TEST(missing.status == 1);
  BOOST_TEST(contains(missing.err, "cannot read '" + dir.path() + "/none': No such file or directory"),
             missing.err);
}

BOOST_AUTO_TEST_CASE(a_service_defined_twice_names_both_places) {
  TempDir dir;
  dir.write("inetd.conf", "\n127.0.0.1:echo stream tcp nowait root internal\necho dgram udp wait root internal\n");
  std::string conf = dir.write("superd.conf", "inetd_conf = inetd.conf\n\n[echo-udp]\nport = 127.0.0.1:1/udp\nbuiltin = echo\n");
  RunResult check = run({SUPERD_BINARY, "--check", "-c", conf});
  BOOST_TEST(check.status == 1);
  BOOST_TEST(contains(check.err, dir.path() + "/inetd.conf:3: service 'echo-udp' is also defined at " +
                                     conf + ":4 (a service is defined once: remove this entry or "
                                            "rename the [echo-udp] section)"),
             check.err);
}

// --print-config lists inetd.conf's entries as the services they became, so
// it shows inetd_conf commented out, as it does include: its output is a
// conf file superd accepts.
BOOST_AUTO_TEST_CASE(print_config_output_with_inetd_conf_passes_check) {
  TempDir dir;
  dir.write("inetd.conf", "127.0.0.1:echo stream tcp nowait root internal\n");
  std::string conf = dir.write("superd.conf", "inetd_conf = inetd.conf\n");
  RunResult shown = run({SUPERD_BINARY, "--print-config", "-c", conf});
  BOOST_REQUIRE_MESSAGE(shown.status == 0, shown.err);
  BOOST_TEST(contains(shown.out, "\n# inetd_conf = "), shown.out);
  RunResult check = run({SUPERD_BINARY, "--check", "-c", dir.write("shown.conf", shown.out)});
  BOOST_TEST(check.status == 0, check.err);
  BOOST_TEST(contains(check.err, "configuration OK (1 service(s) enabled)"), check.err);
}

BOOST_AUTO_TEST_SUITE_END()
