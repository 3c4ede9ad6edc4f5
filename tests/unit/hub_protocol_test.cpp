// SPDX-License-Identifier: MIT
// core/hub_protocol: the hub's line reader (lines cut across reads, CR LF,
// the length limit), handler commands with the message each bad one gets,
// and JSON messages: registrations, routes, and every refusal.
#include "core/hub_protocol.hpp"

#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

using superd::core::HubCommand;
using superd::core::JsonMessage;
using superd::core::LineReader;
using superd::core::parse_command;
using superd::core::parse_json_message;

namespace {

std::vector<std::string> lines_of(LineReader& r, std::string_view bytes, bool* ok = nullptr) {
  std::vector<std::string> out;
  bool good = r.feed(bytes, [&](std::string_view l) {
    out.emplace_back(l);
    return true;
  });
  if (ok) *ok = good;
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(hub_protocol)

BOOST_AUTO_TEST_CASE(lines_cut_across_reads_and_crlf_dropped) {
  LineReader r(100);
  BOOST_TEST(lines_of(r, "hel").empty());
  BOOST_TEST(r.buffered() == 3u);
  std::vector<std::string> want{"hello", "world", ""};
  BOOST_TEST(lines_of(r, "lo\nworld\r\n\npart") == want, boost::test_tools::per_element());
  BOOST_TEST(r.buffered() == 4u);
  BOOST_TEST(lines_of(r, "ial\r") .empty());
  BOOST_TEST(lines_of(r, "\n") == std::vector<std::string>{"partial"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_line_over_the_limit_spends_the_reader) {
  LineReader r(5);
  bool ok = true;
  BOOST_TEST(lines_of(r, "12345\n", &ok) == std::vector<std::string>{"12345"}, boost::test_tools::per_element());
  BOOST_TEST(ok);
  BOOST_TEST(lines_of(r, "12345\r\n", &ok).size() == 1u);  // the CR does not count
  lines_of(r, "123456\n", &ok);
  BOOST_TEST(!ok);
  BOOST_TEST(r.spent());
  BOOST_TEST(lines_of(r, "ok\n", &ok).empty());
  BOOST_TEST(!ok);
}

BOOST_AUTO_TEST_CASE(an_endless_line_is_refused_before_its_end) {
  LineReader r(1000);
  bool ok = true;
  for (int i = 0; i < 100 && ok; ++i) lines_of(r, std::string(100, 'x'), &ok);
  BOOST_TEST(!ok);
  BOOST_TEST(r.buffered() == 0u);  // nothing held once refused
}

BOOST_AUTO_TEST_CASE(the_callback_stops_reading) {
  LineReader r(10);
  int n = 0;
  BOOST_TEST(r.feed("a\nb\nc\n", [&](std::string_view) { return ++n < 2; }));
  BOOST_TEST(n == 2);
}

BOOST_AUTO_TEST_CASE(handler_commands) {
  HubCommand c = parse_command("send 12 hello there");
  BOOST_TEST((c.kind == HubCommand::Kind::Send));
  BOOST_TEST(c.id == 12u);
  BOOST_TEST(c.text == "hello there");
  c = parse_command("all to everyone");
  BOOST_TEST((c.kind == HubCommand::Kind::All));
  BOOST_TEST(c.text == "to everyone");
  c = parse_command("except 3 not you");
  BOOST_TEST((c.kind == HubCommand::Kind::Except));
  BOOST_TEST(c.id == 3u);
  c = parse_command("close 7");
  BOOST_TEST((c.kind == HubCommand::Kind::Close));
  BOOST_TEST(c.id == 7u);
  BOOST_TEST((parse_command("").kind == HubCommand::Kind::Empty));
  BOOST_TEST((parse_command("send 4").kind == HubCommand::Kind::Send));  // an empty line to 4
}

BOOST_AUTO_TEST_CASE(bad_handler_commands_say_why) {
  BOOST_TEST(parse_command("shout 1 x").error == "unknown command 'shout' (expected send, all, except or close)");
  BOOST_TEST(parse_command("send bob hi").error == "'send' needs a client id (a number), not 'bob'");
  BOOST_TEST(parse_command("send 0 hi").error == "'send' needs a client id (a number), not '0'");
  BOOST_TEST(parse_command("close").error == "'close' needs a client id (a number), not ''");
  BOOST_TEST(parse_command("close 3 now").error == "'close ID' takes nothing after the id");
  BOOST_TEST(parse_command("send 99999999999999999999 x").error ==
             "'send' needs a client id (a number), not '99999999999999999999'");
  std::string long_verb(100, 'v');
  BOOST_TEST(parse_command(long_verb).error ==
             "unknown command '" + std::string(40, 'v') + "...' (expected send, all, except or close)");
}

BOOST_AUTO_TEST_CASE(json_registration) {
  JsonMessage m = parse_json_message(R"({"type":"register","id":"alice"})");
  BOOST_TEST((m.kind == JsonMessage::Kind::Register));
  BOOST_TEST(m.id == "alice");
  m = parse_json_message(R"({"type":"register","id":""})");
  BOOST_TEST((m.kind == JsonMessage::Kind::Invalid));
  BOOST_TEST(m.error == "a registration needs \"id\": a string of 1 to 256 bytes other than \"*\"");
  BOOST_TEST((parse_json_message(R"({"type":"register","id":7})").kind == JsonMessage::Kind::Invalid));
  BOOST_TEST((parse_json_message(R"({"type":"register","id":"*"})").kind == JsonMessage::Kind::Invalid));
  std::string long_id = R"({"type":"register","id":")" + std::string(257, 'a') + "\"}";
  BOOST_TEST((parse_json_message(long_id).kind == JsonMessage::Kind::Invalid));
}

BOOST_AUTO_TEST_CASE(json_routes) {
  JsonMessage m = parse_json_message(R"({"from":"a","to":"b","body":[1,{"x":null}]})");
  BOOST_TEST((m.kind == JsonMessage::Kind::Route));
  BOOST_TEST(m.id == "a");
  BOOST_TEST(m.to == std::vector<std::string>{"b"}, boost::test_tools::per_element());
  m = parse_json_message(R"({"from":"a","to":["b","c"]})");
  BOOST_TEST(m.to == (std::vector<std::string>{"b", "c"}), boost::test_tools::per_element());
  // Each receiver once, however often it is named.
  m = parse_json_message(R"({"from":"a","to":["b","c","b","b","c"]})");
  BOOST_TEST(m.to == (std::vector<std::string>{"b", "c"}), boost::test_tools::per_element());
  m = parse_json_message(R"({"from":"a","to":"*"})");
  BOOST_TEST(m.to_all);
  BOOST_TEST(m.to.empty());
}

BOOST_AUTO_TEST_CASE(json_refusals_say_why) {
  BOOST_TEST(parse_json_message(R"({"to":"b"})").error == "a message needs \"from\": the sender's registered id");
  BOOST_TEST(parse_json_message(R"({"from":"a"})").error == "a message needs \"to\": an id, a list of ids, or \"*\"");
  BOOST_TEST(parse_json_message(R"({"from":"a","to":[]})").error ==
             "\"to\" must be an id, a non-empty list of ids, or \"*\"");
  BOOST_TEST(parse_json_message(R"({"from":"a","to":["b",3]})").error ==
             "\"to\" lists something that is not an id (a string)");
  BOOST_TEST(parse_json_message("[1,2]").error == "a message must be a JSON object");
  std::string bad = parse_json_message("{\"from\":\"a\",").error;
  BOOST_TEST(bad.rfind("invalid JSON: ", 0) == 0u, bad);
  bad = parse_json_message("{\"from\":\"\xff\",\"to\":\"b\"}").error;
  BOOST_TEST(bad.rfind("invalid JSON: ", 0) == 0u, bad);
  BOOST_TEST(bad.find("UTF-8") != std::string::npos, bad);
  // A key named twice: receivers could read either copy.
  BOOST_TEST(parse_json_message(R"({"from":"bob","from":"alice","to":"c"})").error ==
             "invalid JSON: duplicate key \"from\" in an object");
  BOOST_TEST(parse_json_message(R"({"from":"a","to":"c","x":{"k":1,"k":2}})").error ==
             "invalid JSON: duplicate key \"k\" in an object");
  // The same key in different objects is fine.
  BOOST_TEST(parse_json_message(R"({"from":"a","to":"c","x":{"from":1},"y":[{"k":1},{"k":2}]})").error == "");
  // Nesting: 64 levels pass, 65 are refused while read (so 30,000 cost nothing).
  auto nested = [](int levels) {
    return "{\"from\":\"a\",\"to\":\"c\",\"x\":" + std::string(levels - 1, '[') + std::string(levels - 1, ']') + "}";
  };
  BOOST_TEST(parse_json_message(nested(64)).error == "");
  BOOST_TEST(parse_json_message(nested(65)).error == "invalid JSON: nested deeper than 64 levels");
  BOOST_TEST(parse_json_message(std::string(30000, '[')).error == "invalid JSON: nested deeper than 64 levels");
}

BOOST_AUTO_TEST_CASE(json_replies_are_json_even_for_bad_bytes) {
  BOOST_TEST(superd::core::json_reply("registered", "id", "alice") == "{\"type\":\"registered\",\"id\":\"alice\"}\n");
  std::string r = superd::core::json_reply("error", "error", "bad \xff byte");
  BOOST_TEST(r == "{\"type\":\"error\",\"error\":\"bad \xef\xbf\xbd byte\"}\n");
}

BOOST_AUTO_TEST_SUITE_END()
