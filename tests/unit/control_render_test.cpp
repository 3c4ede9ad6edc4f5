// SPDX-License-Identifier: MIT
// core/control_render: the answers of `superd ctl` from hand-made views, as
// text lines (which the SIGUSR1 dump shares) and as JSON read back field by
// field; values that need quoting; durations; sources of peers.
#include "core/control_render.hpp"

#include <signal.h>
#include <sys/wait.h>

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

using namespace superd::core;
using Json = nlohmann::json;

namespace {

StatusView sample() {
  StatusView v;
  v.pid = 812;
  v.version = "0.1.0";
  v.uptime = 3725;
  v.conf_file = "/etc/superd.conf";
  v.reloads = 3;
  v.reloads_failed = 1;
  v.last_reload = LastReload::Failed;
  v.last_reload_age = 42;
  v.last_reload_error = "reload failed: the configuration is invalid";
  v.programs = 1;
  v.sessions = 2;
  v.active = 3;
  ServiceView echo;
  echo.name = "echo";
  echo.endpoints = {"127.0.0.1:7/tcp", "127.0.0.1:7/udp"};
  echo.stats.active = 2;
  echo.stats.accepted = 12;
  echo.stats.served = 10;
  echo.stats.refuse(Refusal::Access);
  echo.stats.refuse(Refusal::MaxPerSource);
  echo.stats.refuse(Refusal::MaxPerSource);
  echo.stats.bytes_in = 100;
  echo.stats.bytes_out = 90;
  echo.sessions = 2;
  ServiceView ssh;
  ssh.name = "ssh";
  ssh.state = ServiceState::Limited;
  ssh.limit = "max_instances";
  ssh.endpoints = {"/run/my socket|unix"};
  ssh.stats.active = 1;
  ssh.stats.accepted = ssh.stats.served = 4;
  ssh.stats.started = 4;
  ssh.stats.failed = 1;
  ssh.stats.exits.add(0);         // exit 0
  ssh.stats.exits.add(SIGKILL);   // killed
  ssh.stats.durations.add(0.5);
  ssh.children = 1;
  v.services = {echo, ssh};
  return v;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(control_render)

BOOST_AUTO_TEST_CASE(status_lines_begin_as_the_old_dump) {
  std::vector<std::string> lines = status_lines(sample());
  BOOST_REQUIRE(lines.size() == 4u);
  BOOST_TEST(lines[0] ==
             "superd pid=812 version=0.1.0 uptime=1h02m conf=/etc/superd.conf reloads=3 reloads_failed=1 "
             "last_reload=failed last_reload_age=42s "
             "last_reload_error=\"reload failed: the configuration is invalid\"");
  BOOST_TEST(lines[1] ==
             "service=echo active=2 served=10 refused=3 failed=0 state=serving accepted=12 "
             "refused_by=access:1,max_per_source:2 started=0 children=0 sessions=2 bytes_in=100 bytes_out=90 "
             "endpoints=127.0.0.1:7/tcp,127.0.0.1:7/udp");
  BOOST_TEST(lines[2] ==
             "service=ssh active=1 served=4 refused=0 failed=1 state=paused_by_max_instances "
             "accepted=4 started=4 children=1 sessions=0 endpoints=\"/run/my socket|unix\"");
  BOOST_TEST(lines[3] ==
             "programs=1 sessions=2 services=2 active=3 accepted=16 served=14 refused=3 failed=1 started=4");
  BOOST_TEST(render_status(sample(), false) == lines[0] + "\n" + lines[1] + "\n" + lines[2] + "\n" + lines[3] + "\n");
}

BOOST_AUTO_TEST_CASE(every_line_fits_one_log_record) {
  // The busiest service line: paused by a limit, refusals, bytes, endpoints.
  StatusView v = sample();
  v.services[1].stats.refuse(Refusal::MaxConnections);
  v.services[1].stats.bytes_in = 1;
  v.last_reload_error = "x";
  std::vector<StatusLine> lines = status_fields(v);
  for (const StatusLine& l : lines) BOOST_TEST(l.fields.size() <= 14u);
  BOOST_TEST(lines[0].label == "superd");
  BOOST_TEST(lines[2].fields[4].key == "failed");
  BOOST_TEST(lines[2].fields[4].numeric);
  BOOST_TEST(lines[2].fields[4].number == 1u);
  BOOST_TEST(lines[2].fields.size() == 14u);
}

BOOST_AUTO_TEST_CASE(status_json_field_by_field) {
  Json j = Json::parse(render_status(sample(), true));
  BOOST_TEST(j["ok"] == true);
  BOOST_TEST(j["command"] == "status");
  BOOST_TEST(j["superd"]["pid"] == 812);
  BOOST_TEST(j["superd"]["conf_file"] == "/etc/superd.conf");
  BOOST_TEST(j["superd"]["reloads"] == 3);
  BOOST_TEST(j["superd"]["last_reload"]["result"] == "failed");
  BOOST_TEST(j["superd"]["last_reload"]["error"] == "reload failed: the configuration is invalid");
  BOOST_TEST(j["totals"]["active"] == 3);
  BOOST_TEST(j["totals"]["refused"] == 3);
  BOOST_TEST(j["totals"]["programs"] == 1);
  BOOST_REQUIRE(j["services"].size() == 2u);
  const Json& echo = j["services"][0];
  BOOST_TEST(echo["name"] == "echo");
  BOOST_TEST(echo["state"] == "serving");
  BOOST_TEST(echo["limit"].is_null());
  BOOST_TEST(echo["endpoints"][1] == "127.0.0.1:7/udp");
  BOOST_TEST(echo["refused_by"]["access"] == 1);
  BOOST_TEST(echo["refused_by"]["max_per_source"] == 2);
  BOOST_TEST(echo["refused_by"]["max_connections"] == 0);
  BOOST_TEST(echo["bytes_out"] == 90);
  const Json& ssh = j["services"][1];
  BOOST_TEST(ssh["state"] == "paused_by_max_instances");
  BOOST_TEST(ssh["limit"] == "max_instances");
  BOOST_TEST(ssh["exits"]["exit:0"] == 1);
  BOOST_TEST(ssh["exits"]["signal:SIGKILL"] == 1);
  BOOST_TEST(ssh["duration"]["count"] == 1);
  BOOST_TEST(ssh["children"] == 1);
}

BOOST_AUTO_TEST_CASE(a_new_superd_has_no_reload) {
  StatusView v;
  v.pid = 1;
  v.version = "0.1.0";
  v.conf_file = "(embedded)";
  BOOST_TEST(status_lines(v)[0] ==
             "superd pid=1 version=0.1.0 uptime=0.0s conf=(embedded) reloads=0 reloads_failed=0 last_reload=none");
  Json j = Json::parse(render_status(v, true));
  BOOST_TEST(j["superd"]["last_reload"] == Json({{"result", "none"}}));
  BOOST_TEST(j["services"].empty());
}

BOOST_AUTO_TEST_CASE(connections_of_programs_and_built_ins) {
  std::vector<ConnectionView> v = {{"ssh", "10.0.0.1:4242", true, 812, 65, 0, 0},
                                   {"echo", "[::1]:5000", false, 0, 2.5, 7, 9}};
  BOOST_TEST(render_connections(v, false) ==
             "service=ssh peer=10.0.0.1:4242 kind=program pid=812 age=1m05s\n"
             "service=echo peer=[::1]:5000 kind=builtin age=2.5s bytes_in=7 bytes_out=9\n");
  Json j = Json::parse(render_connections(v, true));
  BOOST_TEST(j["connections"][0]["pid"] == 812);
  BOOST_TEST(j["connections"][0]["kind"] == "program");
  BOOST_TEST(!j["connections"][0].contains("bytes_in"));
  BOOST_TEST(j["connections"][1]["bytes_in"] == 7);
  BOOST_TEST(!j["connections"][1].contains("pid"));
  BOOST_TEST(render_connections({}, false) == "");
  BOOST_TEST(Json::parse(render_connections({}, true))["connections"].empty());
}

BOOST_AUTO_TEST_CASE(sources_lines_and_json) {
  std::vector<SourceView> v = {{"echo", "127.0.0.1", 5, 1, 2}, {"ssh", "uid:1000", 1, 0, 0}};
  BOOST_TEST(render_sources(v, false) ==
             "service=echo source=127.0.0.1 accepted=5 refused=1 active=2\n"
             "service=ssh source=uid:1000 accepted=1 refused=0 active=0\n");
  Json j = Json::parse(render_sources(v, true));
  BOOST_TEST(j["sources"][0]["refused"] == 1);
  BOOST_TEST(j["sources"][1]["source"] == "uid:1000");
}

BOOST_AUTO_TEST_CASE(plan_of_a_reload_and_of_a_check) {
  ReloadPlan p;
  p.added = {"disc"};
  p.removed = {"day"};
  p.changed = {{"echo", {"timeout", "port"}}};
  p.unchanged = {"ssh"};
  p.bind.resize(1);
  p.close.resize(1);
  p.keep.resize(2);
  superd::Diagnostic note;
  note.severity = superd::Severity::Note;
  note.file = "/etc/superd.conf";
  note.line = 3;
  note.message = "'reverse_lookups' is accepted but not yet acted on";
  BOOST_TEST(render_plan(ControlCommand::Reload, "/etc/superd.conf", p, {note}, false) ==
             "/etc/superd.conf:3: note: 'reverse_lookups' is accepted but not yet acted on\n"
             "reloaded /etc/superd.conf: 1 added, 1 removed, 1 changed, 1 kept; sockets: 2 kept, 1 bound, 1 closed\n"
             "added disc\nremoved day\nchanged echo (timeout, port)\nkept ssh\n");
  BOOST_TEST(render_plan(ControlCommand::Check, "/etc/superd.conf", p, {}, false).rfind(
                 "check /etc/superd.conf: 1 added, 1 removed, 1 changed, 1 kept; sockets: 2 kept, 1 to bind, 1 to close\n",
                 0) == 0);
  Json j = Json::parse(render_plan(ControlCommand::Check, "/etc/superd.conf", p, {note}, true));
  BOOST_TEST(j["command"] == "check");
  BOOST_TEST(j["added"] == Json({"disc"}));
  BOOST_TEST(j["removed"] == Json({"day"}));
  BOOST_TEST(j["changed"]["echo"] == Json({"timeout", "port"}));
  BOOST_TEST(j["kept"] == Json({"ssh"}));
  BOOST_TEST(j["sockets"]["bound"] == 1);
  BOOST_TEST(j["notes"][0]["severity"] == "note");
  BOOST_TEST(j["notes"][0]["line"] == 3);
}

BOOST_AUTO_TEST_CASE(failure_lists_every_located_problem) {
  superd::Diagnostic d;
  d.file = "/etc/superd.conf";
  d.line = 8;
  d.key = "prot";
  d.message = "unknown key 'prot'";
  d.hint = "did you mean 'port'?";
  std::string error = "reload failed: the configuration is invalid; still serving the previous configuration";
  BOOST_TEST(render_failure(ControlCommand::Reload, {d}, error, false) ==
             "/etc/superd.conf:8: unknown key 'prot' (did you mean 'port'?)\n" + error + "\n");
  Json j = Json::parse(render_failure(ControlCommand::Reload, {d}, error, true));
  BOOST_TEST(j["ok"] == false);
  BOOST_TEST(j["error"] == error);
  BOOST_TEST(j["problems"][0]["file"] == "/etc/superd.conf");
  BOOST_TEST(j["problems"][0]["line"] == 8);
  BOOST_TEST(j["problems"][0]["hint"] == "did you mean 'port'?");
  BOOST_TEST(j["problems"][0]["text"] == "/etc/superd.conf:8: unknown key 'prot' (did you mean 'port'?)");
}

BOOST_AUTO_TEST_CASE(outcome_text_and_json) {
  Outcome o;
  o.command = ControlCommand::Signal;
  o.message = "service x: sent SIGTERM to 2 program(s)";
  o.service = "x";
  o.programs = 2;
  BOOST_TEST(render_outcome(o, false) == o.message + "\n");
  Json j = Json::parse(render_outcome(o, true));
  BOOST_TEST(j["message"] == o.message);
  BOOST_TEST(j["programs"] == 2);
  BOOST_TEST(!j.contains("active"));
  o.ok = false;
  j = Json::parse(render_outcome(o, true));
  BOOST_TEST(j["error"] == o.message);
  BOOST_TEST(!j.contains("message"));
}

BOOST_AUTO_TEST_CASE(json_survives_bytes_that_are_not_utf8) {
  Outcome o;
  o.ok = false;
  o.message = std::string("no service '\xff\xfe'");
  Json j = Json::parse(render_outcome(o, true));
  BOOST_TEST(j["error"] == "no service '\xEF\xBF\xBD\xEF\xBF\xBD'");
}

BOOST_AUTO_TEST_CASE(word_values_quote_what_needs_it) {
  BOOST_TEST(word_value("plain") == "plain");
  BOOST_TEST(word_value("") == "\"\"");
  BOOST_TEST(word_value("two words") == "\"two words\"");
  BOOST_TEST(word_value("a=b") == "\"a=b\"");
  BOOST_TEST(word_value("say \"hi\"\\") == "\"say \\\"hi\\\"\\\\\"");
  BOOST_TEST(word_value("line\nbreak\t\x01") == "\"line\\nbreak\\t\\x01\"");
}

BOOST_AUTO_TEST_CASE(durations_for_people) {
  BOOST_TEST(duration_text(0) == "0.0s");
  BOOST_TEST(duration_text(2.54) == "2.5s");
  BOOST_TEST(duration_text(42.9) == "42s");
  BOOST_TEST(duration_text(302) == "5m02s");
  BOOST_TEST(duration_text(3 * 3600 + 5 * 60 + 59) == "3h05m");
  BOOST_TEST(duration_text(2 * 86400 + 3 * 3600) == "2d03h");
  BOOST_TEST(duration_text(-1) == "0.0s");
}

BOOST_AUTO_TEST_CASE(sources_of_peers) {
  BOOST_TEST(source_of_peer("1.2.3.4:5555") == "1.2.3.4");
  BOOST_TEST(source_of_peer("[2001:db8::1]:22") == "2001:db8::1");
  BOOST_TEST(source_of_peer("unix:pid=42,uid=1000") == "uid:1000");
  BOOST_TEST(source_of_peer("unix") == "unix");
}

BOOST_AUTO_TEST_CASE(state_names) {
  BOOST_TEST(state_name(ServiceState::Serving) == std::string("serving"));
  BOOST_TEST(state_name(ServiceState::Paused) == std::string("paused"));
  BOOST_TEST(state_name(ServiceState::Draining) == std::string("draining"));
  BOOST_TEST(state_name(ServiceState::Drained) == std::string("drained"));
  BOOST_TEST(state_name(ServiceState::Limited) == std::string("paused_by_limit"));
  BOOST_TEST(state_name(ServiceState::Removed) == std::string("removed"));
}

BOOST_AUTO_TEST_SUITE_END()
