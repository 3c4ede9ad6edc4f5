// SPDX-License-Identifier: MIT
// core/control_request: the control socket's request line, read from pieces
// of any size and bounded, then parsed into a command with its arguments;
// every error says what is wrong.
#include "core/control_request.hpp"

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <ostream>

namespace bdata = boost::unit_test::data;
using namespace superd::core;

namespace {

std::string error_of(const std::string& line) {
  ControlRequest r;
  std::string error;
  BOOST_TEST(!parse_control_request(line, r, error), line);
  return error;
}

ControlRequest parsed(const std::string& line) {
  ControlRequest r;
  std::string error;
  BOOST_TEST_REQUIRE(parse_control_request(line, r, error), line + ": " + error);
  return r;
}

struct BadCase {
  const char* line;
  const char* error;
};
std::ostream& operator<<(std::ostream& os, const BadCase& c) { return os << c.line; }

const BadCase kBad[] = {
    {"", "empty request: expected a command (status, connections, sources, reload, check, pause, resume, drain, signal)"},
    {" \t ", "empty request: expected a command (status, connections, sources, reload, check, pause, resume, drain, signal)"},
    {"--json", "empty request: expected a command (status, connections, sources, reload, check, pause, resume, drain, signal)"},
    {"stauts", "unknown command 'stauts' (did you mean 'status'?)"},
    {"relaod", "unknown command 'relaod' (did you mean 'reload'?)"},
    {"frobnicate", "unknown command 'frobnicate' (commands: status, connections, sources, reload, check, pause, resume, drain, signal)"},
    {"--jsn status", "unknown option '--jsn' (only --json)"},
    {"status now", "too many arguments: usage: status"},
    {"pause", "too few arguments: usage: pause SERVICE"},
    {"resume a b", "too many arguments: usage: resume SERVICE"},
    {"signal echo", "too few arguments: usage: signal SERVICE SIGNAL"},
    {"drain a 1 2", "too many arguments: usage: drain SERVICE [TIMEOUT]"},
    {"connections a b", "too many arguments: usage: connections [SERVICE]"},
    {"pause bad!name", "'bad!name' is not a service name (letters, digits, '_' and '-', at most 64)"},
    {"drain echo 0", "drain: timeout '0' is not a duration above 0 and up to 30 days (e.g. 30, 1.5, 30s, 5m, 2h)"},
    {"drain echo soon", "drain: timeout 'soon' is not a duration above 0 and up to 30 days (e.g. 30, 1.5, 30s, 5m, 2h)"},
    {"drain echo 31d", "drain: timeout '31d' is not a duration above 0 and up to 30 days (e.g. 30, 1.5, 30s, 5m, 2h)"},
    {"drain echo 1e300", "drain: timeout '1e300' is not a duration above 0 and up to 30 days (e.g. 30, 1.5, 30s, 5m, 2h)"},
    {"signal echo BOGUS", "signal: 'BOGUS' is not a signal name (e.g. SIGTERM, HUP, USR2)"},
    {"status\x01", "byte 0x01 at column 7 is not printable ASCII"},
    {"pause \xc3\xa9", "byte 0xc3 at column 7 is not printable ASCII"},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(control_request)

BOOST_AUTO_TEST_CASE(reader_joins_pieces_up_to_the_newline) {
  RequestReader r;
  BOOST_TEST((r.feed("sta") == RequestReader::State::More));
  BOOST_TEST((r.feed("tus") == RequestReader::State::More));
  BOOST_TEST((r.feed("\r\nignored after it") == RequestReader::State::Line));
  BOOST_TEST(r.line() == "status");
  BOOST_TEST((r.feed("more\n") == RequestReader::State::Line));
  BOOST_TEST(r.line() == "status");
}

BOOST_AUTO_TEST_CASE(reader_takes_a_line_of_exactly_the_limit) {
  RequestReader r;
  std::string line(kMaxRequest, 'a');
  BOOST_TEST((r.feed(line.substr(0, 1000)) == RequestReader::State::More));
  BOOST_TEST((r.feed(line.substr(1000) + "\n") == RequestReader::State::Line));
  BOOST_TEST(r.line().size() == kMaxRequest);
}

BOOST_AUTO_TEST_CASE(reader_refuses_one_byte_more) {
  RequestReader r;
  BOOST_TEST((r.feed(std::string(kMaxRequest, 'a')) == RequestReader::State::More));
  BOOST_TEST((r.feed("a") == RequestReader::State::TooLong));
  BOOST_TEST((r.feed("\n") == RequestReader::State::TooLong));
  BOOST_TEST(r.line().empty());
}

BOOST_AUTO_TEST_CASE(every_command) {
  BOOST_TEST((parsed("status").command == ControlCommand::Status));
  BOOST_TEST((parsed("reload").command == ControlCommand::Reload));
  BOOST_TEST((parsed("check").command == ControlCommand::Check));
  ControlRequest c = parsed("connections");
  BOOST_TEST((c.command == ControlCommand::Connections));
  BOOST_TEST(c.service.empty());
  BOOST_TEST(parsed("connections echo").service == "echo");
  BOOST_TEST(parsed("sources ssh-alt").service == "ssh-alt");
  BOOST_TEST((parsed("pause echo").command == ControlCommand::Pause));
  BOOST_TEST((parsed("resume echo").command == ControlCommand::Resume));
  ControlRequest d = parsed("drain echo");
  BOOST_TEST((d.command == ControlCommand::Drain));
  BOOST_TEST(d.timeout < 0);
  BOOST_TEST(parsed("drain echo 1.5").timeout == 1.5);
  BOOST_TEST(parsed("drain echo 2m").timeout == 120);
  ControlRequest s = parsed("signal echo usr2");
  BOOST_TEST((s.command == ControlCommand::Signal));
  BOOST_TEST(s.signal.name == "SIGUSR2");
  BOOST_TEST(parsed("signal echo SIGTERM").signal.name == "SIGTERM");
  BOOST_TEST(parsed("signal echo hup").signal.name == "SIGHUP");  // programs may take what superd keeps
}

BOOST_AUTO_TEST_CASE(json_anywhere_and_blanks_of_any_width) {
  ControlRequest a = parsed("--json status");
  BOOST_TEST(a.json);
  ControlRequest b = parsed("  sources\techo   --json ");
  BOOST_TEST(b.json);
  BOOST_TEST(b.service == "echo");
  BOOST_TEST(!parsed("status").json);
}

BOOST_AUTO_TEST_CASE(text_reads_back_the_same) {
  for (const char* line : {"status", "--json connections echo", "drain web 2.5", "signal x SIGUSR2",
                           "sources", "pause a_b-c"}) {
    ControlRequest r = parsed(line);
    BOOST_TEST(r.text() == line);
    BOOST_TEST(parsed(r.text()).text() == r.text());
  }
  BOOST_TEST(parsed("drain web 5m").text() == "drain web 300");
}

BOOST_DATA_TEST_CASE(rejects_with_its_reason, bdata::make(kBad), c) {
  BOOST_TEST(error_of(c.line) == c.error);
}

BOOST_AUTO_TEST_SUITE_END()
