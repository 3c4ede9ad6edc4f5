// SPDX-License-Identifier: MIT
// superd --import-xinetd against the real binary: Debian's xinetd.conf and
// xinetd.d, and a file setting every attribute, import and pass --check;
// bad input exits 1 with file:line and prints nothing; an imported conf with
// a built-in echo and a program serves both on loopback.
#include <pwd.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include "running.hpp"

using namespace superd::test;

namespace {

const std::string kData = SUPERD_SOURCE_DIR "/tests/data/xinetd/";

RunResult import(const std::string& file) { return run({SUPERD_BINARY, "--import-xinetd", file}); }

// Imports `file`, then runs --check on the result; returns the imported text.
std::string import_and_check(const std::string& file) {
  RunResult r = import(file);
  BOOST_TEST_REQUIRE(r.status == 0, r.err);
  BOOST_TEST(r.out.rfind("# superd configuration imported from xinetd by superd --import-xinetd\n"
                         "# source: " + file + "\n", 0) == 0, r.out);
  TempDir dir;
  RunResult check = run({SUPERD_BINARY, "--check", "-c", dir.write("imported.conf", r.out)});
  BOOST_TEST(check.status == 0, check.err);
  BOOST_TEST(contains(check.err, ": configuration OK ("), check.err);
  return r.out;
}

// The user the imported program runs as: xinetd's user names must exist here.
std::string run_as() {
  if (::geteuid() == 0) return "nobody";
  passwd* pw = ::getpwuid(::geteuid());
  return pw ? pw->pw_name : "nobody";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(xinetd_import)

BOOST_AUTO_TEST_CASE(debian_xinetd_files_import_and_pass_check) {
  std::string out = import_and_check(kData + "xinetd.conf");
  for (const char* name : {"chargen", "daytime", "discard", "echo", "time"}) {
    BOOST_TEST(contains(out, "# source: " + kData + "xinetd.d/" + name + "\n"), name);
    BOOST_TEST(contains(out, std::string("\n[") + name + "-stream]\n"), name);
    BOOST_TEST(contains(out, std::string("\n[") + name + "-dgram-2]\n"), name);
    BOOST_TEST(contains(out, std::string("builtin = ") + name + "\n"), name);
  }
  BOOST_TEST(contains(out, "# [servers] not imported: INTERNAL service 'servers' is not a superd built-in"), out);
  BOOST_TEST(!contains(out, "\ndisabled = no"), out);
}

BOOST_AUTO_TEST_CASE(every_attribute_file_imports_and_passes_check) {
  if (::geteuid() != 0) {
    BOOST_TEST_MESSAGE("skipped: its services run as nobody, which needs root to check");
    return;
  }
  std::string out = import_and_check(kData + "every-attribute.conf");
  for (const char* line :
       {"# source: " SUPERD_SOURCE_DIR "/tests/data/xinetd/every-attribute-more.conf\n",
        "# source: " SUPERD_SOURCE_DIR "/tests/data/xinetd/every-attribute.d/git\n",
        "\n[ftp-main]\n", "\nexec = /usr/sbin/in.ftpd -l -A 'it'\\''s' '$HOME' 'a;b' ';c' '\"q\"'\n",
        "\nexec = @/usr/sbin/tcpd /usr/sbin/in.telnetd -h\n", "\nexec = @/usr/bin/multicall daytime-server --utc\n",
        "\n[echo-stream]\n", "\n# [rstatd] not imported: ",
        "\nexec = /usr/bin/git daemon --inetd --base-path=/srv/git /srv/git\n"})
    BOOST_TEST(contains(out, line), line);
  BOOST_TEST(!contains(out, "dpkg-old"), out);
}

BOOST_AUTO_TEST_CASE(bad_input_exits_1_with_its_place_and_prints_nothing) {
  TempDir dir;
  std::string file = dir.write("xinetd.conf", "service ftp\n{\n\tsever = /usr/sbin/in.ftpd\n}\n");
  RunResult r = import(file);
  BOOST_TEST(r.status == 1);
  BOOST_TEST(r.out.empty(), r.out);
  BOOST_TEST(r.err == "superd: " + file + ":3: unknown attribute 'sever' (did you mean 'server'?)\n");
  RunResult missing = import(dir.path() + "/none");
  BOOST_TEST(missing.status == 1);
  BOOST_TEST(missing.out.empty());
  BOOST_TEST(missing.err == "superd: " + dir.path() + "/none: cannot read: No such file or directory\n");
  RunResult usage = run({SUPERD_BINARY, "--import-xinetd"});
  BOOST_TEST(usage.status == 100);
  BOOST_TEST(contains(usage.err, "import-xinetd"), usage.err);
}

BOOST_AUTO_TEST_CASE(help_lists_the_action) {
  RunResult r = run({SUPERD_BINARY, "--help"});
  BOOST_TEST(r.status == 0);
  BOOST_TEST(contains(r.out, "--import-xinetd FILE"), r.out);
}

BOOST_AUTO_TEST_CASE(imported_conf_serves_a_builtin_and_a_program) {
  int echo_port = free_port(), greet_port = free_port();
  TempDir dir;
  std::string xinetd =
      "defaults\n{\n\tonly_from = 127.0.0.0\n\tinstances = 10\n}\n"
      "service echo\n{\n\ttype = INTERNAL UNLISTED\n\tsocket_type = stream\n\twait = no\n"
      "\tport = " + std::to_string(echo_port) + "\n\tbind = 127.0.0.1\n}\n"
      "service greet\n{\n\ttype = UNLISTED\n\tsocket_type = stream\n\twait = no\n"
      "\tport = " + std::to_string(greet_port) + "\n\tbind = 127.0.0.1\n\tuser = " + run_as() +
      "\n\tserver = /bin/echo\n\tserver_args = hello from xinetd\n\tlog_on_success += PID\n}\n";
  RunResult r = import(dir.write("xinetd.conf", xinetd));
  BOOST_TEST_REQUIRE(r.status == 0, r.err);
  BOOST_TEST(contains(r.out, "\nexec = /bin/echo hello from xinetd\n"), r.out);
  Running running(r.out, 0);
  BOOST_TEST(tcp_talk(echo_port, "ping\n", 5) == "ping\n");
  BOOST_TEST(tcp_talk(greet_port, "") == "hello from xinetd\n");
}

BOOST_AUTO_TEST_SUITE_END()
