// SPDX-License-Identifier: MIT
// The command line as a user meets it: --check, --print-config and the
// layers, --help, --version, usage errors and their exit codes.
#include <sys/stat.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>

#include "harness.hpp"
#include "running.hpp"

using namespace superd::test;

namespace {
const std::string kBin = SUPERD_BINARY;
}  // namespace

BOOST_AUTO_TEST_SUITE(command_line)

BOOST_AUTO_TEST_CASE(shipped_conf_passes_check) {
  RunResult r = run({kBin, "--check", "-c", SUPERD_SOURCE_DIR "/etc/superd.conf"});
  BOOST_TEST(r.status == 0, r.err);
  BOOST_TEST(contains(r.err, "configuration OK (5 service(s) enabled)"), r.err);
}

BOOST_AUTO_TEST_CASE(check_reports_every_error_with_file_and_line) {
  TempDir dir;
  std::string conf = dir.write("bad.conf",
                               "log_level = 9\n"
                               "[echo]\n"
                               "prot = 7/tcp\n"
                               "builtin = ecko\n");
  RunResult r = run({kBin, "-t", "-c", conf});
  BOOST_TEST(r.status == 1);
  BOOST_TEST(contains(r.err, conf + ":1: bad value for 'log_level': '9' is not a log level"), r.err);
  BOOST_TEST(contains(r.err, conf + ":3: unknown key 'prot' (did you mean 'port'?)"), r.err);
  BOOST_TEST(contains(r.err, conf + ":4: service 'echo': unknown built-in 'ecko' (did you mean 'echo'?)"), r.err);
  BOOST_TEST(contains(r.err, "service 'echo': no endpoint to listen on"), r.err);
}

BOOST_AUTO_TEST_CASE(bad_conf_never_starts) {
  TempDir dir;
  int port = free_port();
  std::string conf = dir.write("bad.conf", "[echo]\nport = 127.0.0.1:" + std::to_string(port) +
                                               "\nbuiltin = echo\ntimeout = soon\n");
  Superd s(dir, {"-c", conf});
  BOOST_TEST(!s.ready());
  BOOST_TEST(s.wait_exit() == 1);
  BOOST_TEST(contains(s.log(), "bad.conf:4: bad value for 'timeout': 'soon' is not a duration"), s.log());
  BOOST_TEST(tcp_connect(port) == -1);
}

BOOST_AUTO_TEST_CASE(missing_conf_file_is_an_error) {
  RunResult r = run({kBin, "--check", "-c", "/nonexistent/superd.conf"});
  BOOST_TEST(r.status == 1);
  BOOST_TEST(contains(r.err, "cannot read '/nonexistent/superd.conf': No such file or directory"), r.err);
}

// Each is refused at once, whether checked or started: nothing is read from
// a device, and a FIFO with no writer never blocks superd.
BOOST_AUTO_TEST_CASE(conf_file_that_is_not_a_regular_file_is_an_error) {
  TempDir dir;
  std::string fifo = dir.path() + "/conf.fifo";
  BOOST_REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {dir.path(), "a directory"}, {"/dev/zero", "a character device"}, {fifo, "a FIFO"}};
  for (const auto& [path, kind] : cases) {
    for (const char* check : {"--check", "--log_level=2"}) {
      RunResult r = run({kBin, check, "-c", path}, "", 5);
      BOOST_TEST(r.status == 1, path << " " << check);
      BOOST_TEST(contains(r.err, "superd: cannot read '" + path + "': " + kind + ", not a regular file"),
                 r.err);
    }
  }
}

// The one device taken: /dev/null reads as an empty file, so services can
// be given on the command line alone (superd(8) EXAMPLES).
BOOST_AUTO_TEST_CASE(dev_null_as_conf_file_is_empty) {
  TempDir dir;
  int port = free_port();
  RunResult r = run({kBin, "--check", "-c", "/dev/null"});
  BOOST_TEST(r.status == 0, r.err);
  BOOST_TEST(contains(r.err, "/dev/null: configuration OK (0 service(s) enabled)"), r.err);
  Superd s(dir, {"-c", "/dev/null", "--echo.port=127.0.0.1:" + std::to_string(port), "--echo.builtin=echo"});
  BOOST_REQUIRE(s.ready());
  BOOST_TEST(tcp_talk(port, "hello\n") == "hello\n", s.log());
}

BOOST_AUTO_TEST_CASE(include_of_a_directory_names_the_including_line) {
  TempDir dir;
  std::filesystem::create_directory(dir.path() + "/conf.d");
  std::string conf = dir.write("superd.conf", "log_level = 1\ninclude = conf.d\n");
  RunResult r = run({kBin, "--check", "-c", conf}, "", 5);
  BOOST_TEST(r.status == 1);
  BOOST_TEST(contains(r.err, "superd: " + conf + ":2: cannot read '" + dir.path() +
                                 "/conf.d': a directory, not a regular file"),
             r.err);
}

BOOST_AUTO_TEST_CASE(conf_file_over_16_mib_is_an_error) {
  TempDir dir;
  std::string big = dir.write("big.conf", "");
  std::filesystem::resize_file(big, 17 * 1024 * 1024);  // sparse
  RunResult r = run({kBin, "--check", "-c", big}, "", 5);
  BOOST_TEST(r.status == 1);
  BOOST_TEST(contains(r.err, "cannot read '" + big + "': 17825792 bytes, more than the 16 MiB allowed"),
             r.err);
}

BOOST_AUTO_TEST_CASE(usage_errors_exit_100_with_a_hint) {
  RunResult r = run({kBin, "--log_levle=3"});
  BOOST_TEST(r.status == 100);
  BOOST_TEST(contains(r.err, "unknown option '--log_levle' (did you mean '--log_level'?)"), r.err);
  r = run({kBin, "--port=7"});
  BOOST_TEST(r.status == 100);
  BOOST_TEST(contains(r.err, "write --SERVICE.port=VALUE"), r.err);
  r = run({kBin, "stray"});
  BOOST_TEST(r.status == 100);
  BOOST_TEST(contains(r.err, "'stray' has no value"), r.err);
}

BOOST_AUTO_TEST_CASE(help_and_version) {
  RunResult r = run({kBin, "--help"});
  BOOST_TEST(r.status == 0);
  for (const char* key : {"--log_level", "--max_connections", "max_per_source", "rlimit_nofile", "socket_mode"})
    BOOST_TEST(contains(r.out, key), key);
  r = run({kBin, "-V"});
  BOOST_TEST(r.status == 0);
  BOOST_TEST(r.out.rfind("superd ", 0) == 0u);
}

BOOST_AUTO_TEST_CASE(print_config_shows_each_layer) {
  TempDir dir;
  std::string conf = dir.write("superd.conf",
                               "log_level = 1\n"
                               "timeout = 60\n"
                               "[echo]\n"
                               "port = 127.0.0.1:7007\n"
                               "port = 127.0.0.1:7007/udp\n"
                               "builtin = echo\n");
  RunResult r = run({kBin, "-c", conf, "--print-config", "log_level=3", "--echo.timeout", "5",
                     "--daytime.port=127.0.0.1:7013", "--daytime.builtin=daytime"});
  BOOST_TEST(r.status == 0, r.err);
  BOOST_TEST(contains(r.out, "log_level = 3                 ; command-line\n"), r.out);
  BOOST_TEST(contains(r.out, "pid_file =                    ; default\n"), r.out);
  BOOST_TEST(contains(r.out, "port = 127.0.0.1:7007         ; conf-file " + conf + ":4\n"), r.out);
  BOOST_TEST(contains(r.out, "port = 127.0.0.1:7007/udp     ; conf-file " + conf + ":5\n"), r.out);
  BOOST_TEST(contains(r.out, "timeout = 5                   ; command-line\n"), r.out);
  BOOST_TEST(contains(r.out, "[daytime]\n"), r.out);
  BOOST_TEST(contains(r.out, "timeout = 60                  ; conf-file " + conf + ":2 (global)\n"), r.out);
  // The listing reads back as the same configuration.
  std::string again = dir.write("again.conf", r.out);
  RunResult r2 = run({kBin, "-c", again, "--print-config"});
  BOOST_TEST(r2.status == 0, r2.err);
  BOOST_TEST(contains(r2.out, "timeout = 5 "), r2.out);
  BOOST_TEST(contains(r2.out, "[daytime]"), r2.out);
}

BOOST_AUTO_TEST_CASE(print_config_of_an_invalid_conf_fails) {
  TempDir dir;
  RunResult r = run({kBin, "-c", dir.write("x.conf", "[a]\nport = 7\n"), "--print-config"});
  BOOST_TEST(r.status == 1);
  BOOST_TEST(r.out.empty());
  BOOST_TEST(contains(r.err, "sets neither 'exec' nor 'builtin'"), r.err);
}

BOOST_AUTO_TEST_CASE(new_args_and_run_args_of_the_library) {
  // The example sets --log_level=3 as new args and upper.port/builtin as run args.
  RunResult r = run({SUPERD_EXAMPLE_BINARY, "--print-config", "--log_level=1", "--upper.port=127.0.0.1:7100"});
  BOOST_TEST(r.status == 0, r.err);
  BOOST_TEST(contains(r.out, "log_level = 3                 ; new-args\n"), r.out);
  BOOST_TEST(contains(r.out, "port = 127.0.0.1:7100         ; command-line\n"), r.out);
  BOOST_TEST(contains(r.out, "builtin = upper               ; run-args\n"), r.out);
}

BOOST_AUTO_TEST_CASE(embedded_library_serves_its_custom_builtin) {
  TempDir dir;
  int port = free_port();
  std::string p = std::to_string(port);
  Superd s(dir, {"-c", dir.write("e.conf", ""), "--upper.port=127.0.0.1:" + p + "/tcp",
                 "--upper.port=127.0.0.1:" + p + "/udp"},
           SUPERD_EXAMPLE_BINARY);
  BOOST_REQUIRE_MESSAGE(s.ready(), s.log());
  BOOST_TEST(tcp_talk(port, "shout\n") == "SHOUT\n");
  BOOST_TEST(udp_talk(port, "quiet") == "QUIET");
}

// reverse_lookups was the last key accepted but not acted on: no note now.
BOOST_AUTO_TEST_CASE(reverse_lookups_is_acted_on) {
  TempDir dir;
  RunResult r = run({kBin, "--check", "-c", dir.write("n.conf", "reverse_lookups = yes\n")});
  BOOST_TEST(r.status == 0);
  BOOST_TEST(!contains(r.err, "not yet acted on"), r.err);
}

// The log line names the level once: "superd: warning: FILE:3: program ...",
// never "superd: warning: FILE:3: warning: program ...".
BOOST_AUTO_TEST_CASE(start_up_warning_names_its_level_once) {
  Running r("[gone]\nport = 127.0.0.1:@P0@\nexec = /nonexistent/superd-test-program\n" + user_line());
  std::string expected = "superd: warning: " + r.dir.path() +
                         "/superd.conf:3: service 'gone': program '/nonexistent/superd-test-program' cannot be run now: "
                         "No such file or directory\n";
  BOOST_TEST(contains(r.superd->log(), expected), r.superd->log());
  BOOST_TEST(r.count("warning: ") == 1, r.superd->log());
}

BOOST_AUTO_TEST_SUITE_END()
