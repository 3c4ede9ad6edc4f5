// SPDX-License-Identifier: MIT
// `superd ctl` against the real binary with traffic in flight: status,
// connections and sources of live built-in and program connections; reload
// and check, working and with a broken conf; pause with clients waiting in
// the backlog; drain of a live program; signal; unknown services; the
// SIGUSR1 dump. JSON answers are read back field by field.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>
#include <thread>

#include "ctl.hpp"

using namespace superd::test;
using Json = nlohmann::json;

namespace {

// Says "ready", then waits for a line (or EOF) and says "bye".
const std::string kHeld = "exec = /bin/sh -c 'echo ready; read line; echo bye'\n";

const std::string kEchoHeld = kControlLine + "[echo]\nport = 127.0.0.1:@P0@\nbuiltin = echo\n"
                              "[held]\nport = 127.0.0.1:@P1@\n" + kHeld;

const std::string kEchoDay = "[echo]\nport = 127.0.0.1:@P0@\nbuiltin = echo\n"
                             "[day]\nport = 127.0.0.1:@P1@\nbuiltin = daytime\n";
const std::string kChanged = "[echo]\nport = 127.0.0.1:@P0@\nbuiltin = echo\ntimeout = 7\n"
                             "[disc]\nport = 127.0.0.1:@P2@\nbuiltin = discard\n";

std::string conf_of(const Running& r) { return r.dir.path() + "/superd.conf"; }

Json json_of(const RunResult& res) {
  try {
    return Json::parse(res.out);
  } catch (const std::exception& e) {
    BOOST_FAIL("not JSON: " << e.what() << "\n" << res.out << res.err);
  }
  return {};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(control)

BOOST_AUTO_TEST_CASE(status_of_live_connections) {
  Running r(kEchoHeld + user_line(), 2);
  int e = tcp_connect(r.ports[0]), h = tcp_connect(r.ports[1]);
  BOOST_REQUIRE(e >= 0 && h >= 0);
  BOOST_TEST(converse(e, "hey\n", 4, 5, false) == "hey\n");
  BOOST_TEST(converse(h, "", 6, 5, false) == "ready\n");
  RunResult s = ctl(r, {"status"});
  BOOST_TEST(s.status == 0, s.err);
  std::string self = line_starting(s.out, "superd ");
  BOOST_TEST(contains(self, "pid=" + std::to_string(r.superd->pid()) + " "), s.out);
  BOOST_TEST(contains(self, " conf=" + conf_of(r) + " reloads=0 reloads_failed=0 last_reload=none"), s.out);
  std::string echo = line_starting(s.out, "service=echo ");
  BOOST_TEST(echo.rfind("service=echo active=1 served=1 refused=0 failed=0 state=serving accepted=1 ", 0) == 0, s.out);
  BOOST_TEST(contains(echo, " sessions=1 endpoints=127.0.0.1:" + std::to_string(r.ports[0]) + "/tcp"), s.out);
  std::string held = line_starting(s.out, "service=held ");
  BOOST_TEST(contains(held, "active=1 served=1 refused=0 failed=0 state=serving accepted=1 started=1 children=1 "), s.out);
  BOOST_TEST(contains(s.out, "\nprograms=1 sessions=1 services=2 active=2 accepted=2 served=2 refused=0 failed=0 started=1\n"), s.out);

  Json j = json_of(ctl(r, {"--json", "status"}));
  BOOST_TEST(j["ok"] == true);
  BOOST_TEST(j["superd"]["pid"] == r.superd->pid());
  BOOST_TEST(j["superd"]["conf_file"] == conf_of(r));
  BOOST_TEST(j["totals"]["active"] == 2);
  BOOST_TEST(j["totals"]["programs"] == 1);
  BOOST_REQUIRE(j["services"].size() == 2u);
  BOOST_TEST(j["services"][0]["name"] == "echo");
  BOOST_TEST(j["services"][0]["sessions"] == 1);
  BOOST_TEST(j["services"][0]["endpoints"][0] == "127.0.0.1:" + std::to_string(r.ports[0]) + "/tcp");
  BOOST_TEST(j["services"][1]["name"] == "held");
  BOOST_TEST(j["services"][1]["state"] == "serving");
  BOOST_TEST(j["services"][1]["children"] == 1);
  BOOST_TEST(j["services"][1]["started"] == 1);
  ::close(e);
  ::close(h);
}

// A wait-mode program counts as active in its service and so in the totals.
BOOST_AUTO_TEST_CASE(totals_count_wait_mode_programs) {
  Running r(kControlLine + "[w]\nport = 127.0.0.1:@P0@/udp\nwait = yes\nexec = /bin/sleep 5\n" + user_line(), 1);
  BOOST_REQUIRE(udp_talk(r.ports[0], "go", 0.2).empty());  // sleep answers nothing; it runs
  Json j;
  for (int i = 0; i < 50; ++i) {  // the program starts as the datagram is seen
    j = json_of(ctl(r, {"--json", "status"}));
    if (j["services"].size() == 1u && j["services"][0]["active"] == 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  BOOST_REQUIRE(j["services"].size() == 1u);
  BOOST_TEST(j["services"][0]["active"] == 1);
  BOOST_TEST(j["totals"]["active"] == 1);
  BOOST_TEST(j["totals"]["programs"] == 1);
}

BOOST_AUTO_TEST_CASE(connections_of_programs_and_built_ins) {
  Running r(kEchoHeld + user_line(), 2);
  int e = tcp_connect(r.ports[0]), h = tcp_connect(r.ports[1]);
  BOOST_REQUIRE(e >= 0 && h >= 0);
  BOOST_TEST(converse(h, "", 6, 5, false) == "ready\n");
  BOOST_TEST(converse(e, "hey\n", 4, 5, false) == "hey\n");
  RunResult c = ctl(r, {"connections"});
  BOOST_TEST(c.status == 0, c.err);
  std::string held = line_starting(c.out, "service=held ");
  BOOST_TEST(contains(held, " peer=127.0.0.1:"), c.out);
  BOOST_TEST(contains(held, " kind=program pid="), c.out);
  std::string echo = line_starting(c.out, "service=echo ");
  BOOST_TEST(contains(echo, " kind=builtin age="), c.out);
  BOOST_TEST(contains(echo, " bytes_in=4 bytes_out=4"), c.out);
  RunResult only = ctl(r, {"connections", "held"});
  BOOST_TEST(only.status == 0);
  // One line, the same connection (its age may have moved on since).
  auto before_age = [](const std::string& line) { return line.substr(0, line.find(" age=")); };
  BOOST_TEST(std::count(only.out.begin(), only.out.end(), '\n') == 1, only.out);
  BOOST_TEST(before_age(only.out) == before_age(held), only.out);

  Json j = json_of(ctl(r, {"connections", "held", "--json"}));
  BOOST_REQUIRE(j["connections"].size() == 1u);
  const Json& p = j["connections"][0];
  BOOST_TEST(p["service"] == "held");
  BOOST_TEST(p["kind"] == "program");
  pid_t pid = p["pid"].get<pid_t>();
  BOOST_TEST(pid > 0);
  BOOST_TEST(::kill(pid, 0) == 0);  // a live program of superd's
  BOOST_TEST(p["age"].get<double>() >= 0);
  ::close(e);
  ::close(h);
}

BOOST_AUTO_TEST_CASE(sources_with_refusals) {
  Running r(kControlLine + "[echo]\nport = 127.0.0.1:@P0@\nbuiltin = echo\nmax_per_source = 1\n");
  int a = tcp_connect(r.ports[0]);
  BOOST_REQUIRE(a >= 0);
  BOOST_TEST(converse(a, "a\n", 2, 5, false) == "a\n");
  int b = tcp_connect(r.ports[0]);
  BOOST_TEST(reads_eof(b));  // refused: over max_per_source
  BOOST_TEST(r.superd->wait_log("reason=max_per_source"), r.superd->log());
  RunResult s = ctl(r, {"sources", "echo"});
  BOOST_TEST(s.status == 0, s.err);
  BOOST_TEST(s.out == "service=echo source=127.0.0.1 accepted=1 refused=1 active=1\n");
  Json j = json_of(ctl(r, {"--json", "sources"}));
  BOOST_REQUIRE(j["sources"].size() == 1u);
  BOOST_TEST(j["sources"][0]["source"] == "127.0.0.1");
  BOOST_TEST(j["sources"][0]["refused"] == 1);
  BOOST_TEST(j["sources"][0]["active"] == 1);
  std::string echo = line_starting(ctl(r, {"status"}).out, "service=echo ");
  BOOST_TEST(contains(echo, "refused=1 failed=0 state=serving accepted=2 refused_by=max_per_source:1 "), echo);
  ::close(a);
  ::close(b);
}

BOOST_AUTO_TEST_CASE(reload_answers_what_changed) {
  Running r(kControlLine + kEchoDay, 3);
  r.rewrite(kControlLine + kChanged);
  RunResult res = ctl(r, {"reload"});
  BOOST_TEST(res.status == 0, res.err);
  BOOST_TEST(res.out == "reloaded " + conf_of(r) +
                            ": 1 added, 1 removed, 1 changed, 0 kept; sockets: 1 kept, 1 bound, 1 closed\n"
                            "added disc\nremoved day\nchanged echo (timeout)\n");
  BOOST_TEST(tcp_talk(r.ports[2], "into the void\n") == "");
  BOOST_TEST(tcp_connect(r.ports[1]) == -1);
  BOOST_TEST(r.superd->wait_log("control: reload asked by uid " + std::to_string(::getuid())), r.superd->log());
  BOOST_TEST(contains(ctl(r, {"status"}).out, " reloads=1 reloads_failed=0 last_reload=ok "));
}

BOOST_AUTO_TEST_CASE(reload_of_a_broken_conf_answers_the_located_error) {
  Running r(kControlLine + kEchoDay, 2);
  r.rewrite(kControlLine + kEchoDay + "[bad]\nprot = 9\n");
  RunResult res = ctl(r, {"reload"});
  BOOST_TEST(res.status == 1);
  BOOST_TEST(res.out == "");
  BOOST_TEST(res.err == "superd ctl: " + conf_of(r) + ":9: unknown key 'prot' (did you mean 'port'?)\n"
                        "superd ctl: reload failed: the configuration is invalid; still serving the previous configuration\n");
  BOOST_TEST(tcp_talk(r.ports[0], "still\n") == "still\n");
  RunResult js = ctl(r, {"--json", "reload"});
  BOOST_TEST(js.status == 1);
  Json j = json_of(js);
  BOOST_TEST(j["ok"] == false);
  BOOST_TEST(j["command"] == "reload");
  BOOST_TEST(j["error"] == "reload failed: the configuration is invalid; still serving the previous configuration");
  BOOST_REQUIRE(j["problems"].size() == 1u);
  BOOST_TEST(j["problems"][0]["file"] == conf_of(r));
  BOOST_TEST(j["problems"][0]["line"] == 9);
  BOOST_TEST(j["problems"][0]["key"] == "prot");
  BOOST_TEST(j["problems"][0]["hint"] == "did you mean 'port'?");
  std::string self = line_starting(ctl(r, {"status"}).out, "superd ");
  BOOST_TEST(contains(self, " reloads=2 reloads_failed=2 last_reload=failed "), self);
  BOOST_TEST(contains(self, " last_reload_error=\"reload failed: the configuration is invalid;"), self);
}

BOOST_AUTO_TEST_CASE(check_shows_what_a_reload_would_change) {
  Running r(kControlLine + kEchoDay, 3);
  r.rewrite(kControlLine + kChanged);
  RunResult res = ctl(r, {"check"});
  BOOST_TEST(res.status == 0, res.err);
  BOOST_TEST(res.out == "check " + conf_of(r) +
                            ": 1 added, 1 removed, 1 changed, 0 kept; sockets: 1 kept, 1 to bind, 1 to close\n"
                            "added disc\nremoved day\nchanged echo (timeout)\n");
  // Nothing was applied.
  BOOST_TEST(!tcp_talk(r.ports[1], "").empty());
  BOOST_TEST(tcp_connect(r.ports[2]) == -1);
  Json j = json_of(ctl(r, {"--json", "check"}));
  BOOST_TEST(j["added"] == Json({"disc"}));
  BOOST_TEST(j["removed"] == Json({"day"}));
  BOOST_TEST(j["changed"]["echo"] == Json({"timeout"}));
  BOOST_TEST(j["kept"].empty());
  r.rewrite(kControlLine + kEchoDay + "[bad]\nport = 127.0.0.1:@P2@\n");
  RunResult bad = ctl(r, {"check"});
  BOOST_TEST(bad.status == 1);
  BOOST_TEST(contains(bad.err, "superd ctl: " + conf_of(r) + ":9: service 'bad': sets neither 'exec' nor 'builtin'"), bad.err);
  BOOST_TEST(contains(bad.err, "superd ctl: check: the configuration is invalid; a reload would change nothing\n"), bad.err);
  BOOST_TEST(contains(ctl(r, {"status"}).out, " reloads=0 "));
}

BOOST_AUTO_TEST_CASE(pause_keeps_clients_in_the_backlog_through_a_reload) {
  std::string conf = kControlLine + "[echo]\nport = 127.0.0.1:@P0@\nbuiltin = echo\n";
  Running r(conf);
  RunResult p = ctl(r, {"pause", "echo"});
  BOOST_TEST(p.status == 0, p.err);
  BOOST_TEST(p.out == "service echo: paused; new connections wait until resume\n");
  int fd = tcp_connect(r.ports[0]);
  BOOST_REQUIRE(fd >= 0);  // the kernel completes it: it waits in the backlog
  BOOST_TEST(converse(fd, "hi\n", 3, 0.5, false) == "");
  // A reload that changes the service keeps it paused.
  r.rewrite(conf + "timeout = 9\n");
  BOOST_REQUIRE(r.superd->reload());
  BOOST_TEST(contains(r.superd->log(), "service echo: changed (timeout)"), r.superd->log());
  std::string echo = line_starting(ctl(r, {"status"}).out, "service=echo ");
  BOOST_TEST(contains(echo, " state=paused accepted=0 "), echo);
  BOOST_TEST(converse(fd, "", 3, 0.3, false) == "");
  Json j = json_of(ctl(r, {"--json", "resume", "echo"}));
  BOOST_TEST(j["ok"] == true);
  BOOST_TEST(j["service"] == "echo");
  BOOST_TEST(j["state"] == "serving");
  BOOST_TEST(converse(fd, "", 3, 5, false) == "hi\n");  // served once resumed
  ::close(fd);
  BOOST_TEST(r.superd->wait_log("control: service echo: paused"), r.superd->log());
}

BOOST_AUTO_TEST_CASE(drain_answers_when_the_last_program_ends) {
  Running r(kControlLine + "[held]\nport = 127.0.0.1:@P0@\n" + kHeld + user_line());
  int h = tcp_connect(r.ports[0]);
  BOOST_REQUIRE(h >= 0);
  BOOST_TEST(converse(h, "", 6, 5, false) == "ready\n");
  RunResult drained;
  std::thread waiter([&] { drained = ctl(r, {"drain", "held"}, 30); });
  BOOST_TEST(r.superd->wait_log("control: service held: draining"), r.superd->log());
  BOOST_TEST(contains(line_starting(ctl(r, {"status"}).out, "service=held "), " state=draining "));
  int late = tcp_connect(r.ports[0]);  // not accepted while draining
  BOOST_REQUIRE(late >= 0);
  BOOST_TEST(converse(late, "", 6, 0.5, false) == "");
  BOOST_TEST(converse(h, "done\n", 4, 5, false) == "bye\n");  // the program ends
  waiter.join();
  BOOST_TEST(drained.status == 0, drained.err);
  BOOST_TEST(drained.out.rfind("service held: drained; the last connection ended after ", 0) == 0, drained.out);
  BOOST_TEST(contains(line_starting(ctl(r, {"status"}).out, "service=held "), " state=drained "));
  // Drained stays drained until resume; then the waiting client is served.
  RunResult again = ctl(r, {"drain", "held"});
  BOOST_TEST(again.status == 0);
  BOOST_TEST(ctl(r, {"resume", "held"}).status == 0);
  BOOST_TEST(converse(late, "", 6, 5, false) == "ready\n");
  ::close(late);
  ::close(h);
}

BOOST_AUTO_TEST_CASE(drain_with_a_timeout) {
  Running r(kControlLine + "[held]\nport = 127.0.0.1:@P0@\n" + kHeld + user_line());
  int h = tcp_connect(r.ports[0]);
  BOOST_REQUIRE(h >= 0);
  BOOST_TEST(converse(h, "", 6, 5, false) == "ready\n");
  RunResult t = ctl(r, {"drain", "held", "0.2"});
  BOOST_TEST(t.status == 1);
  BOOST_TEST(t.err == "superd ctl: service held: drain timed out with 1 connection(s) still active; "
                      "it stays draining until resume\n");
  Json j = json_of(ctl(r, {"--json", "drain", "held", "0.1s"}));
  BOOST_TEST(j["ok"] == false);
  BOOST_TEST(j["active"] == 1);
  BOOST_TEST(j["state"] == "draining");
  ::close(h);  // the program reads EOF and ends
  BOOST_TEST(r.superd->wait_log("end service=held"), r.superd->log());
  BOOST_TEST(contains(line_starting(ctl(r, {"status"}).out, "service=held "), " state=drained "));
}

BOOST_AUTO_TEST_CASE(signal_reaches_only_that_services_programs) {
  const std::string program =
      "exec = /bin/sh -c 'trap \"echo got-usr2\" USR2; echo ready; i=0; "
      "while [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done'\n";
  Running r(kControlLine + "stop_children = yes\n[a]\nport = 127.0.0.1:@P0@\n" + program + user_line() +
                "[b]\nport = 127.0.0.1:@P1@\n" + program + user_line(),
            2);
  int a = tcp_connect(r.ports[0]), b = tcp_connect(r.ports[1]);
  BOOST_REQUIRE(a >= 0 && b >= 0);
  BOOST_TEST(converse(a, "", 6, 5, false) == "ready\n");
  BOOST_TEST(converse(b, "", 6, 5, false) == "ready\n");
  RunResult s = ctl(r, {"signal", "a", "usr2"});
  BOOST_TEST(s.status == 0, s.err);
  BOOST_TEST(s.out == "service a: sent SIGUSR2 to 1 program(s)\n");
  BOOST_TEST(converse(a, "", 9, 5, false) == "got-usr2\n");
  BOOST_TEST(converse(b, "", 1, 0.5, false) == "");
  Json j = json_of(ctl(r, {"--json", "signal", "b", "SIGTERM"}));
  BOOST_TEST(j["programs"] == 1);
  BOOST_TEST(reads_eof(b));
  RunResult bad = ctl(r, {"signal", "a", "SIGNOPE"});
  BOOST_TEST(bad.status == 100);
  BOOST_TEST(contains(bad.err, "superd ctl: signal: 'SIGNOPE' is not a signal name (e.g. SIGTERM, HUP, USR2)"), bad.err);
  ::close(a);
  ::close(b);
}

BOOST_AUTO_TEST_CASE(unknown_service_with_a_suggestion) {
  Running r(kControlLine + "[echo]\nport = 127.0.0.1:@P0@\nbuiltin = echo\n"
                           "[off]\nport = 127.0.0.1:@P1@\nbuiltin = echo\ndisabled = yes\n", 2);
  for (const char* cmd : {"pause", "resume", "drain", "connections", "sources"}) {
    RunResult res = ctl(r, {cmd, "ecko"});
    BOOST_TEST(res.status == 1, cmd);
    BOOST_TEST(res.err == "superd ctl: no service 'ecko' in " + conf_of(r) + " (did you mean 'echo'?)\n", cmd);
  }
  RunResult off = ctl(r, {"signal", "off", "TERM"});
  BOOST_TEST(off.status == 1);
  BOOST_TEST(off.err == "superd ctl: service 'off' is disabled in " + conf_of(r) + "\n");
  RunResult js = ctl(r, {"--json", "pause", "zzz"});
  BOOST_TEST(js.status == 1);
  Json j = json_of(js);
  BOOST_TEST(j["ok"] == false);
  BOOST_TEST(j["error"] == "no service 'zzz' in " + conf_of(r));
}

BOOST_AUTO_TEST_CASE(sigusr1_dump_is_the_status) {
  Running r(kControlLine + "[echo]\nport = 127.0.0.1:@P0@\nbuiltin = echo\n");
  BOOST_TEST(tcp_talk(r.ports[0], "x\n") == "x\n");
  BOOST_TEST(ctl(r, {"pause", "echo"}).status == 0);
  ::kill(r.superd->pid(), SIGUSR1);
  BOOST_TEST(r.superd->wait_log("status service=echo active=0 served=1 refused=0 failed=0 state=paused accepted=1 "),
             r.superd->log());
  BOOST_TEST(r.superd->wait_log("status superd pid=" + std::to_string(r.superd->pid()) + " "), r.superd->log());
  BOOST_TEST(r.superd->wait_log("status programs=0 sessions=0 services=1 active=0 "), r.superd->log());
  std::string status = ctl(r, {"status"}).out;
  BOOST_TEST(contains(r.superd->log(), "status " + line_starting(status, "service=echo ")), status);
}

BOOST_AUTO_TEST_SUITE_END()
