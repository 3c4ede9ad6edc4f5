// SPDX-License-Identifier: MIT
// Logging against the real binary: a program's stderr cannot forge a line;
// the text lines keep their form and gain endpoint, limit and pid; logfmt
// and json carry the same facts (json checked with a real parser), and a
// reload switches between them; a bad conf is logged escaped, on reload and
// by --check, and a bad log_format is refused; log_file = journal
// reaches a real journald where one runs and falls back to stderr where none
// does; a SIGUSR1 storm makes at most one dump a second; STATUS= follows the
// counts at most once a second.
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstring>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "running.hpp"

using namespace superd::test;

namespace {

// The very printf that used to put a colour change and a carriage return,
// then a line of superd's own look, into the log.
const std::string kForger =
    "exec = /bin/sh -c \"printf 'a\\033[31mRED\\rsuperd[1]: notice: forged' >&2\"\n";

double seconds_now() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// True when a line of `log` matches `re` whole.
bool has_line(const std::string& log, const std::string& re) {
  std::regex pattern(re);
  for (const std::string& line : lines_of(log))
    if (std::regex_match(line, pattern)) return true;
  return false;
}

// The JSON object of the first line whose `key` is `value`.
nlohmann::json record_where(const std::string& log, const std::string& key,
                            const std::string& value) {
  for (const std::string& line : lines_of(log)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_object() && j.contains(key) && j[key] == value) return j;
  }
  return nlohmann::json();
}

// True when something accepts datagrams on journald's socket.
bool journald_running() {
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, "/run/systemd/journal/socket", sizeof a.sun_path - 1);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

const std::string kServices =
    "[echo]\nport = 127.0.0.1:@P0@\nbuiltin = echo\n"
    "[denied]\nport = 127.0.0.1:@P1@\nbuiltin = echo\ncidr_deny = 127.0.0.0/8\n"
    "[single]\nport = 127.0.0.1:@P2@\nmax_per_source = 1\n" +
    user_line() +
    "exec = /bin/sh -c 'read line; echo $line'\n"
    "[forger]\nport = 127.0.0.1:@P3@\n" +
    user_line() + kForger;

// One of each line: an echo, an access refusal, a max_per_source refusal,
// a program's stderr and end, a status dump; returns when all are logged.
// `end` is how an end line starts in the log's format.
void exercise(Running& r, const std::string& end) {
  BOOST_TEST(tcp_talk(r.ports[0], "hello") == "hello");
  BOOST_TEST(tcp_talk(r.ports[1], "x") == "");
  int held = tcp_connect(r.ports[2]);  // accepted, and counted, before the next one
  BOOST_REQUIRE(held >= 0);
  BOOST_TEST(tcp_talk(r.ports[2], "two\n") == "");  // over max_per_source
  BOOST_TEST(converse(held, "one\n", 4) == "one\n");
  ::close(held);
  BOOST_TEST(tcp_talk(r.ports[3], "") == "");
  for (int i = 0; i < 500 && r.count(end) < 3; ++i) ::usleep(20000);
  BOOST_REQUIRE_MESSAGE(r.count(end) == 3, r.superd->log());
  BOOST_TEST(::kill(r.superd->pid(), SIGUSR1) == 0);
  BOOST_REQUIRE(r.superd->wait_log("sessions"));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(logging)

BOOST_AUTO_TEST_CASE(program_stderr_cannot_forge_a_line) {
  Running r("[forger]\nport = 127.0.0.1:@P0@\n" + user_line() + kForger);
  BOOST_TEST(tcp_talk(r.ports[0], "") == "");
  BOOST_REQUIRE(r.superd->wait_log("end service=forger"));
  std::string log = r.superd->log();
  BOOST_TEST(std::regex_search(
                 log, std::regex("\nsuperd: notice: forger\\[\\d+\\]: a\\\\x1b\\[31mRED\\\\x0d"
                                 "superd\\[1\\]: notice: forged\n")),
             log);
  BOOST_TEST(log.find('\x1b') == std::string::npos);
  BOOST_TEST(log.find('\r') == std::string::npos);
  for (const std::string& line : lines_of(log)) BOOST_TEST(line.rfind("superd: ", 0) == 0u, line);
}

BOOST_AUTO_TEST_CASE(text_lines_keep_their_form_and_gain_fields_at_the_end) {
  Running r(kServices, 4);
  exercise(r, "notice: end service=");
  std::string log = r.superd->log();
  std::string p = "127\\.0\\.0\\.1:", d = "\\d+\\.\\d{3}s";
  auto ep = [&](int i) { return " endpoint=" + p + std::to_string(r.ports[i]) + "/tcp"; };
  BOOST_TEST(has_line(log, "superd: notice: end service=echo peer=" + p +
                               "\\d+ status=closed "
                               "bytes_in=5 bytes_out=5 duration=" +
                               d + ep(0)),
             log);
  BOOST_TEST(has_line(log, "superd: notice: refuse service=denied peer=" + p +
                               "\\d+ reason=cidr_deny 127\\.0\\.0\\.0/8" + ep(1)),
             log);
  BOOST_TEST(has_line(log, "superd: notice: refuse service=single peer=" + p +
                               "\\d+ reason=max_per_source" + ep(2) + " limit=1"),
             log);
  BOOST_TEST(has_line(log, "superd: notice: end service=single peer=" + p +
                               "\\d+ pid=\\d+ status=exit:0 duration=" + d + ep(2)),
             log);
  // The dump's first fields as always, then those superd ctl status shows too.
  BOOST_TEST(has_line(log,
                      "superd: notice: status service=single active=0 served=1 "
                      "refused=1 failed=0 state=serving accepted=2 refused_by=max_per_source:1 started=1 "
                      "children=0 sessions=0 endpoints=" + p + std::to_string(r.ports[2]) + "/tcp"),
             log);
}

BOOST_AUTO_TEST_CASE(logfmt_lines_carry_time_level_and_event) {
  Running r("log_format = logfmt\n" + kServices, 4);
  exercise(r, "event=end ");
  std::string log = r.superd->log();
  std::string t = "time=\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[-+]\\d\\d:\\d\\d) ";
  std::string p = "127\\.0\\.0\\.1:", d = "\\d+\\.\\d{3}s";
  auto ep = [&](int i) { return " endpoint=" + p + std::to_string(r.ports[i]) + "/tcp"; };
  for (const std::string& line : lines_of(log))
    BOOST_TEST(std::regex_search(line, std::regex("^" + t)), line);
  BOOST_TEST(has_line(log, t + "level=notice event=end service=echo peer=" + p +
                               "\\d+ status=closed bytes_in=5 bytes_out=5 duration=" + d + ep(0)),
             log);
  BOOST_TEST(has_line(log, t + "level=notice event=refuse service=denied peer=" + p +
                               "\\d+ reason=access rule=\"cidr_deny 127\\.0\\.0\\.0/8\"" + ep(1)),
             log);
  BOOST_TEST(has_line(log, t + "level=notice event=refuse service=single peer=" + p +
                               "\\d+ reason=max_per_source" + ep(2) + " limit=1"),
             log);
  BOOST_TEST(has_line(log, t + "level=notice msg=\"forger\\[\\d+\\]: a\\\\x1b\\[31mRED\\\\x0d"
                               "superd\\[1\\]: notice: forged\" service=forger pid=\\d+"),
             log);
  BOOST_TEST(has_line(log, t + "level=notice msg=\"superd [^\"]+ started \\(pid \\d+, [^\"]+\\)\""),
             log);
}

BOOST_AUTO_TEST_CASE(json_lines_are_objects_with_numbers_as_numbers) {
  Running r("log_format = json\n" + kServices, 4);
  exercise(r, "\"event\":\"end\"");
  std::string log = r.superd->log();
  for (const std::string& line : lines_of(log)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    BOOST_TEST(j.is_object(), line);
    if (j.is_object()) BOOST_TEST((j["time"].is_string() && j["level"].is_string()), line);
  }
  auto end = record_where(log, "service", "echo");
  BOOST_TEST(end["event"] == "end");
  BOOST_TEST(end["bytes_in"] == 5);
  BOOST_TEST(end["duration"].is_number_float());
  BOOST_TEST(end["endpoint"] == "127.0.0.1:" + std::to_string(r.ports[0]) + "/tcp");
  auto denied = record_where(log, "service", "denied");
  BOOST_TEST(denied["event"] == "refuse");
  BOOST_TEST(denied["reason"] == "access");
  BOOST_TEST(denied["rule"] == "cidr_deny 127.0.0.0/8");
  auto single = record_where(log, "reason", "max_per_source");
  BOOST_TEST(single["limit"] == 1);
  auto forged = record_where(log, "service", "forger");
  BOOST_TEST(forged["pid"].is_number_integer());
  BOOST_TEST(
      std::regex_match(
          forged["msg"].get<std::string>(),
          std::regex("forger\\[\\d+\\]: a\\\\x1b\\[31mRED\\\\x0dsuperd\\[1\\]: notice: forged")),
      forged.dump());
  auto status = record_where(log, "event", "status");
  BOOST_TEST(status["served"].is_number_unsigned());
}

BOOST_AUTO_TEST_CASE(conf_errors_are_logged_escaped) {
  const std::string good = "[echo]\nport = 127.0.0.1:@P0@\nbuiltin = echo\n";
  Running r(good);
  r.rewrite(good + "bogus\x1b[2J = 1\n");
  BOOST_REQUIRE(r.superd->reload());
  BOOST_REQUIRE(r.superd->wait_log("reload failed"));
  std::string log = r.superd->log();
  BOOST_TEST(contains(log, "unknown key 'bogus\\x1b[2J'"), log);
  BOOST_TEST(log.find('\x1b') == std::string::npos);
  RunResult check = run({SUPERD_BINARY, "--check", "-c", r.dir.path() + "/superd.conf"});
  BOOST_TEST(check.status == 1);
  BOOST_TEST(contains(check.err, "unknown key 'bogus\\x1b[2J'"), check.err);
  BOOST_TEST(check.err.find('\x1b') == std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_reload_changes_the_format) {
  const std::string conf = "[echo]\nport = 127.0.0.1:@P0@\nbuiltin = echo\n";
  Running r(conf);
  r.rewrite("log_format = json\n" + conf);
  BOOST_REQUIRE(r.superd->reload());
  BOOST_TEST(tcp_talk(r.ports[0], "hi") == "hi");
  BOOST_REQUIRE(r.superd->wait_log("\"event\":\"end\""));
  auto end = record_where(r.superd->log(), "event", "end");
  BOOST_TEST(end["service"] == "echo");
  BOOST_TEST(end["bytes_out"] == 2);
}

BOOST_AUTO_TEST_CASE(a_bad_log_format_is_refused_with_its_place) {
  TempDir dir;
  std::string conf = dir.write("superd.conf", "log_format = yaml\n");
  RunResult check = run({SUPERD_BINARY, "--check", "-c", conf});
  BOOST_TEST(check.status == 1);
  BOOST_TEST(
      contains(check.err, conf + ":1: bad value for 'log_format': 'yaml' is not a log format "
                                 "(expected text, logfmt or json)"),
      check.err);
}

BOOST_AUTO_TEST_CASE(journal_sink_reaches_journald_or_falls_back_to_stderr) {
  if (!journald_running()) {
    BOOST_TEST_MESSAGE(
        "skipped the real journal: no journald runs here "
        "(nothing accepts on /run/systemd/journal/socket); checking the fall-back");
    Running r("log_file = journal\n[echo]\nport = 127.0.0.1:@P0@\nbuiltin = echo\n");
    BOOST_TEST(r.superd->wait_log("superd: warning: log_file = journal: connect "
                                  "/run/systemd/journal/socket: "),
               r.superd->log());
    BOOST_TEST(r.superd->wait_log("; logging to stderr instead"), r.superd->log());
    BOOST_TEST(tcp_talk(r.ports[0], "hi") == "hi");
    BOOST_TEST(r.superd->wait_log("superd: notice: end service=echo"), r.superd->log());
    return;
  }
  if (!has("journalctl")) {
    BOOST_TEST_MESSAGE("skipped: journald runs but journalctl is not installed");
    return;
  }
  std::string ident = "superd-test-" + std::to_string(::getpid());
  Running r("log_file = journal\nsyslog_ident = " + ident +
            "\n[echo]\nport = 127.0.0.1:@P0@\nbuiltin = echo\n");
  BOOST_TEST(tcp_talk(r.ports[0], "hi") == "hi");
  std::string endpoint = "ENDPOINT=127.0.0.1:" + std::to_string(r.ports[0]) + "/tcp";
  RunResult q;
  for (int i = 0; i < 100; ++i) {
    q = run({"journalctl", "--no-pager", "-q", "-o", "export", "SYSLOG_IDENTIFIER=" + ident,
             "SERVICE=echo"});
    if (contains(q.out, endpoint)) break;
    ::usleep(100000);
  }
  BOOST_TEST(contains(q.out, "EVENT=end\n"), q.out + q.err);
  BOOST_TEST(contains(q.out, endpoint), q.out);
  BOOST_TEST(contains(q.out, "PRIORITY=5\n"), q.out);
  BOOST_TEST(contains(q.out, "MESSAGE=end service=echo peer=127.0.0.1:"), q.out);
}

BOOST_AUTO_TEST_CASE(a_sigusr1_storm_makes_at_most_one_dump_a_second) {
  Running r("[echo]\nport = 127.0.0.1:@P0@\nbuiltin = echo\n");
  constexpr int kSignals = 30;
  double start = seconds_now();
  for (int i = 0; i < kSignals; ++i) {
    BOOST_REQUIRE(::kill(r.superd->pid(), SIGUSR1) == 0);
    ::usleep(10000);
  }
  double spent = seconds_now() - start;
  // The first signal dumps at once; the rest of that second's make one more.
  BOOST_REQUIRE_MESSAGE(r.superd->wait_log("SIGUSR1 signals (at most one dump a second)"),
                        r.superd->log());
  for (int i = 0; i < 250 && r.count("status programs=") < 2; ++i) ::usleep(20000);
  int dumps = r.count("status programs=");
  BOOST_TEST(dumps >= 2);
  BOOST_TEST(dumps <= 2 + static_cast<int>(spent), "dumps " << dumps << " in " << spent << "s");
  BOOST_TEST(r.count("status service=echo ") == dumps);
  std::smatch m;
  std::string log = r.superd->log();
  BOOST_REQUIRE(
      std::regex_search(log, m, std::regex("status: one dump for (\\d+) SIGUSR1 signals")));
  int merged = std::stoi(m[1]);
  BOOST_TEST(merged >= 2);
  BOOST_TEST(merged <= kSignals - 1);
  BOOST_TEST(tcp_talk(r.ports[0], "alive") == "alive");
}

BOOST_AUTO_TEST_CASE(status_notifications_follow_the_counts_at_most_once_a_second) {
  Running r("[hold]\nport = 127.0.0.1:@P0@\n" + user_line() +
                "exec = /bin/cat\n"
                "[echo]\nport = 127.0.0.1:@P1@\nbuiltin = echo\n",
            2);
  auto& s = *r.superd;
  std::size_t mark = s.notifications().size();
  int held = tcp_connect(r.ports[0]);
  BOOST_REQUIRE(held >= 0);
  BOOST_TEST(
      s.wait_notification("STATUS=2 service(s), 1 active connection(s), 1 program(s)", mark));
  mark = s.notifications().size();
  ::close(held);
  BOOST_TEST(
      s.wait_notification("STATUS=2 service(s), 0 active connection(s), 0 program(s)", mark));
  // A burst of connections makes an update a second, not one per connection;
  // the last state is told.
  mark = s.notifications().size();
  double start = seconds_now();
  for (int i = 0; i < 40; ++i) BOOST_TEST(tcp_talk(r.ports[1], "x") == "x");
  held = tcp_connect(r.ports[0]);
  BOOST_TEST(
      s.wait_notification("STATUS=2 service(s), 1 active connection(s), 1 program(s)", mark));
  double spent = seconds_now() - start;
  ::close(held);
  std::size_t updates = s.notifications().size() - mark;
  BOOST_TEST(updates <= 1 + static_cast<std::size_t>(spent),
             updates << " updates in " << spent << "s");
  for (std::size_t i = mark; i < s.notifications().size(); ++i)
    BOOST_TEST(s.notifications()[i].rfind("STATUS=", 0) == 0u, s.notifications()[i]);
}

BOOST_AUTO_TEST_SUITE_END()
