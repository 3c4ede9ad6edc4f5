// SPDX-License-Identifier: MIT
// The metrics endpoint against the real binary: scraped with curl, parsed
// with Debian's python3-prometheus-client, counters checked against known
// traffic; scrapers that hang or send garbage cost only their connection;
// the endpoint follows reloads, all or nothing; bad values are refused.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <sstream>

#include "running.hpp"

using namespace superd::test;

namespace {

// Prints each sample the official parser reads as "name{k=v,...} value",
// labels sorted, so the test can look lines up.
const char* const kParse =
    "import sys\n"
    "from prometheus_client.parser import text_string_to_metric_families\n"
    "for f in text_string_to_metric_families(sys.stdin.read()):\n"
    "    for s in f.samples:\n"
    "        labels = ','.join('%s=%s' % kv for kv in sorted(s.labels.items()))\n"
    "        print('%s{%s} %g' % (s.name, labels, s.value))\n";

std::string curl(const std::vector<std::string>& args) {
  std::vector<std::string> argv{"curl", "-sS", "--max-time", "5"};
  argv.insert(argv.end(), args.begin(), args.end());
  RunResult r = run(argv);
  BOOST_TEST_REQUIRE(r.status == 0, "curl failed: " + r.err);
  return r.out;
}

// The parsed samples of one scrape; the test fails when the parser does.
std::string scrape(int port) {
  std::string text = curl({"http://127.0.0.1:" + std::to_string(port) + "/metrics"});
  RunResult parsed = run({"/usr/bin/python3", "-c", kParse}, text);
  BOOST_TEST_REQUIRE(parsed.status == 0, "the Prometheus parser refused the scrape: " + parsed.err + "\n" + text);
  return parsed.out;
}

bool has_sample(const std::string& samples, const std::string& line) {
  std::istringstream in(samples);
  for (std::string l; std::getline(in, l);)
    if (l == line) return true;
  return false;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(metrics)

BOOST_AUTO_TEST_CASE(counters_follow_known_traffic) {
  BOOST_REQUIRE_MESSAGE(has("curl"), "curl is needed (./do test installs it)");
  Running r("metrics = 127.0.0.1:@P0@\n"
            "[echo]\nport = 127.0.0.1:@P1@\nbuiltin = echo\n"
            "[three]\nport = 127.0.0.1:@P2@\nexec = /bin/sh -c 'read x; exit 3'\n" + user_line() +
                "cidr_deny = 127.0.0.2/32\n"
                "[killed]\nport = 127.0.0.1:@P3@\nexec = /bin/sh -c 'kill -9 $$'\n" + user_line() +
                "[missing]\nport = 127.0.0.1:@P4@\nexec = /nonexistent/program\n" + user_line(),
            5);
  for (int i = 0; i < 3; ++i) BOOST_TEST(tcp_talk(r.ports[1], "hello\n") == "hello\n");
  for (int i = 0; i < 2; ++i) tcp_talk(r.ports[2], "x\n");
  RunResult denied = run({"nc", "-s", "127.0.0.2", "-w", "2", "127.0.0.1", std::to_string(r.ports[2])});
  (void)denied;  // refused: superd closes at once
  tcp_talk(r.ports[3], "");
  tcp_talk(r.ports[4], "");
  BOOST_REQUIRE(r.superd->wait_log("refuse service=three"));
  BOOST_REQUIRE(r.superd->wait_log("service=killed"));
  BOOST_REQUIRE(r.superd->wait_log("service missing: "));
  // The program ends are logged after the counters are updated.
  for (int i = 0; i < 100 && r.count("end service=three") < 2; ++i) ::usleep(20000);

  std::string m = scrape(r.ports[0]);
  BOOST_TEST(has_sample(m, "superd_connections_accepted_total{service=echo} 3"), m);
  BOOST_TEST(has_sample(m, "superd_connections_served_total{service=echo} 3"), m);
  BOOST_TEST(has_sample(m, "superd_received_bytes_total{service=echo} 18"), m);
  BOOST_TEST(has_sample(m, "superd_sent_bytes_total{service=echo} 18"), m);
  BOOST_TEST(has_sample(m, "superd_connection_duration_seconds_count{service=echo} 3"), m);
  BOOST_TEST(has_sample(m, "superd_connection_duration_seconds_bucket{le=+Inf,service=echo} 3"), m);
  BOOST_TEST(has_sample(m, "superd_connections_accepted_total{service=three} 3"), m);
  BOOST_TEST(has_sample(m, "superd_connections_served_total{service=three} 2"), m);
  BOOST_TEST(has_sample(m, "superd_connections_refused_total{reason=access,service=three} 1"), m);
  BOOST_TEST(has_sample(m, "superd_connections_refused_total{reason=max_per_source,service=three} 0"), m);
  BOOST_TEST(has_sample(m, "superd_programs_started_total{service=three} 2"), m);
  BOOST_TEST(has_sample(m, "superd_program_exits_total{code=3,service=three} 2"), m);
  BOOST_TEST(has_sample(m, "superd_program_signals_total{service=killed,signal=SIGKILL} 1"), m);
  BOOST_TEST(has_sample(m, "superd_program_failures_total{service=missing} 1"), m);
  BOOST_TEST(has_sample(m, "superd_programs_started_total{service=missing} 0"), m);
  BOOST_TEST(has_sample(m, "superd_connections_active{service=echo} 0"), m);
  BOOST_TEST(has_sample(m, "superd_services{} 4"), m);
  BOOST_TEST(has_sample(m, "superd_reloads_total{result=success} 0"), m);
  BOOST_TEST(has_sample(m, "superd_last_reload_successful{} 1"), m);
  BOOST_TEST(has_sample(m, "superd_build_info{version=" SUPERD_TEST_VERSION "} 1"), m);
  BOOST_TEST(contains(m, "process_open_fds{} "), m);
  BOOST_TEST(contains(m, "process_resident_memory_bytes{} "), m);
}

BOOST_AUTO_TEST_CASE(live_connections_show_as_active) {
  Running r("metrics = 127.0.0.1:@P0@\n[hold]\nport = 127.0.0.1:@P1@\nexec = /bin/sh -c 'echo up; read x'\n" +
                user_line(),
            2);
  int c = tcp_connect(r.ports[1]);
  BOOST_REQUIRE(c >= 0);
  BOOST_TEST(converse(c, "", 3, 5, false) == "up\n");
  std::string m = scrape(r.ports[0]);
  BOOST_TEST(has_sample(m, "superd_connections_active{service=hold} 1"), m);
  BOOST_TEST(has_sample(m, "superd_programs_running{} 1"), m);
  ::close(c);
}

BOOST_AUTO_TEST_CASE(other_paths_and_methods_are_answered_with_their_status) {
  Running r("metrics = 127.0.0.1:@P0@\n[echo]\nport = 127.0.0.1:@P1@\nbuiltin = echo\n", 2);
  std::string base = "http://127.0.0.1:" + std::to_string(r.ports[0]);
  BOOST_TEST(curl({"-o", "/dev/null", "-w", "%{http_code}", base + "/"}) == "404");
  BOOST_TEST(curl({base + "/other"}) == "metrics are at /metrics\n");
  BOOST_TEST(curl({"-X", "POST", "-o", "/dev/null", "-w", "%{http_code}", base + "/metrics"}) == "405");
  BOOST_TEST(contains(curl({"-I", base + "/metrics"}), "Content-Type: text/plain; version=0.0.4"));
  BOOST_TEST(contains(curl({base + "/metrics?name=x"}), "# TYPE superd_services gauge"));
}

BOOST_AUTO_TEST_CASE(hung_and_garbage_scrapers_cost_only_their_connection) {
  Running r("metrics = 127.0.0.1:@P0@\n[echo]\nport = 127.0.0.1:@P1@\nbuiltin = echo\n", 2);
  // More silent scrapers than may be served at once.
  std::vector<int> silent;
  for (int i = 0; i < 20; ++i) silent.push_back(tcp_connect(r.ports[0]));
  for (int fd : silent) BOOST_REQUIRE(fd >= 0);
  BOOST_TEST(tcp_talk(r.ports[1], "still\n") == "still\n");
  int garbage = tcp_connect(r.ports[0]);
  BOOST_REQUIRE(garbage >= 0);
  BOOST_TEST(converse(garbage, "NOT HTTP AT ALL\r\n\r\n") == "");
  ::close(garbage);
  int huge = tcp_connect(r.ports[0]);
  BOOST_REQUIRE(huge >= 0);
  std::string big = "GET /metrics HTTP/1.1\r\nX: " + std::string(20000, 'a') + "\r\n\r\n";
  BOOST_TEST(converse(huge, big) == "");
  ::close(huge);
  for (int fd : silent) ::close(fd);
  // Once they are gone, scrapes are served again.
  std::string m;
  for (int i = 0; i < 50 && !contains(m, "superd_services"); ++i) {
    RunResult got = run({"curl", "-sS", "--max-time", "2",
                         "http://127.0.0.1:" + std::to_string(r.ports[0]) + "/metrics"});
    m = got.out;
    if (!contains(m, "superd_services")) ::usleep(100000);
  }
  BOOST_TEST(contains(m, "superd_services 1"), m);
  BOOST_TEST(r.superd->zombie_children().empty());
}

BOOST_AUTO_TEST_CASE(unix_socket_path) {
  Running r("metrics = @DIR@/metrics.sock\n[echo]\nport = 127.0.0.1:@P0@\nbuiltin = echo\n");
  std::string out = curl({"--unix-socket", r.dir.path() + "/metrics.sock", "http://localhost/metrics"});
  BOOST_TEST(contains(out, "superd_services 1"), out);
}

BOOST_AUTO_TEST_CASE(reload_moves_the_endpoint_all_or_nothing) {
  Running r("metrics = 127.0.0.1:@P0@\n[echo]\nport = 127.0.0.1:@P2@\nbuiltin = echo\n", 3);
  r.rewrite("metrics = 127.0.0.1:@P1@\n[echo]\nport = 127.0.0.1:@P2@\nbuiltin = echo\n");
  BOOST_REQUIRE(r.superd->reload());
  BOOST_TEST(contains(scrape(r.ports[1]), "superd_reloads_total{result=success} 1"));
  BOOST_TEST(tcp_connect(r.ports[0]) < 0);  // the old one is closed
  // A port someone else holds: the reload fails and the endpoint stays.
  int holder = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(r.ports[0]));
  BOOST_REQUIRE(::bind(holder, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  BOOST_REQUIRE(::listen(holder, 1) == 0);
  r.rewrite("metrics = 127.0.0.1:@P0@\n[echo]\nport = 127.0.0.1:@P2@\nbuiltin = echo\n");
  BOOST_REQUIRE(r.superd->reload());
  BOOST_TEST(r.superd->wait_log("reload failed: metrics: bind 127.0.0.1:" + std::to_string(r.ports[0]) +
                                "/tcp: Address already in use"),
             r.superd->log());
  std::string m = scrape(r.ports[1]);
  BOOST_TEST(has_sample(m, "superd_reloads_total{result=failure} 1"), m);
  BOOST_TEST(has_sample(m, "superd_last_reload_successful{} 0"), m);
  ::close(holder);
  // Turned off, it is closed.
  r.rewrite("[echo]\nport = 127.0.0.1:@P2@\nbuiltin = echo\n");
  BOOST_REQUIRE(r.superd->reload());
  BOOST_TEST(tcp_connect(r.ports[1]) < 0);
}

BOOST_AUTO_TEST_CASE(bad_values_are_refused_with_the_place) {
  TempDir dir;
  for (const auto& [value, message] :
       {std::pair<std::string, std::string>{"127.0.0.1:9100/udp", "metrics '127.0.0.1:9100/udp' must be a TCP or Unix stream endpoint"},
        {"127.0.0.1:notaport", "metrics '127.0.0.1:notaport': "}}) {
    std::string conf = dir.write("superd.conf", "metrics = " + value + "\n[x]\nport = 127.0.0.1:1\nbuiltin = echo\n");
    RunResult check = run({SUPERD_BINARY, "--check", "-c", conf});
    BOOST_TEST(check.status == 1);
    BOOST_TEST(contains(check.err, conf + ":1: "), check.err);
    BOOST_TEST(contains(check.err, message), check.err);
  }
}

BOOST_AUTO_TEST_SUITE_END()
