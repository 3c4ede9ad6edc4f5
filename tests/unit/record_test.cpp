// SPDX-License-Identifier: MIT
// log/record: a record in each format (text keeps superd's classic lines;
// logfmt quotes what needs it; json is valid JSON, checked with a real
// parser, with numbers as numbers), fields shown per format, the field
// limit, number and duration text, and RFC 3339 times in several zones.
#include "log/record.hpp"

#include <stdlib.h>
#include <time.h>

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>
#include <string>

using namespace superd::log;

namespace {

const char* const kTime = "2024-05-01T12:00:00.120+02:00";

std::string text(const Record& r) {
  std::string out;
  render_text(r, out);
  return out;
}
std::string logfmt(const Record& r) {
  std::string out;
  render_logfmt(r, kTime, out);
  return out;
}
std::string json(const Record& r) {
  std::string out;
  render_json(r, kTime, out);
  return out;
}

// Runs `body` with TZ set to `zone`, then puts TZ back.
template <typename F>
void in_zone(const char* zone, F body) {
  const char* old = getenv("TZ");
  std::string saved = old ? old : "";
  setenv("TZ", zone, 1);
  tzset();
  body();
  if (old)
    setenv("TZ", saved.c_str(), 1);
  else
    unsetenv("TZ");
  tzset();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(record)

BOOST_AUTO_TEST_CASE(text_is_the_classic_end_line) {
  Record r(kNotice, "end");
  r.add("service", "echo").add("peer", "127.0.0.1:5555").add("pid", 812).add("status", "exit:0");
  r.add_seconds("duration", 0.12).add("endpoint", "127.0.0.1:7/tcp");
  BOOST_TEST(text(r) ==
             "end service=echo peer=127.0.0.1:5555 pid=812 status=exit:0 duration=0.120s "
             "endpoint=127.0.0.1:7/tcp");
}

BOOST_AUTO_TEST_CASE(a_plain_message_is_its_text_escaped) {
  Record r(kErr, {}, "bind 1.2.3.4:7/tcp: \x1b[2JCannot assign");
  BOOST_TEST(text(r) == "bind 1.2.3.4:7/tcp: \\x1b[2JCannot assign");
  BOOST_TEST(logfmt(r) == std::string("time=") + kTime +
                              " level=err msg=\"bind 1.2.3.4:7/tcp: \\x1b[2JCannot assign\"");
  BOOST_TEST(json(r) ==
             std::string("{\"time\":\"") + kTime +
                 "\",\"level\":\"err\",\"msg\":\"bind 1.2.3.4:7/tcp: \\\\x1b[2JCannot assign\"}");
}

BOOST_AUTO_TEST_CASE(text_values_are_escaped_never_quoted) {
  Record r(kNotice, "refuse");
  r.add("reason", "not matched by any rule").add("peer", "a\rb");
  BOOST_TEST(text(r) == "refuse reason=not matched by any rule peer=a\\x0db");
}

BOOST_AUTO_TEST_CASE(logfmt_is_time_level_event_then_fields) {
  Record r(kInfo, "pause");
  r.add("service", "rated").add("reason", "max_rate").add("limit", 0.5);
  BOOST_TEST(logfmt(r) == std::string("time=") + kTime +
                              " level=info event=pause service=rated reason=max_rate limit=0.5");
}

BOOST_AUTO_TEST_CASE(logfmt_quotes_what_a_reader_could_misread) {
  Record r(kNotice, "x");
  r.add("empty", "").add("space", "a b").add("equals", "a=b").add("quote", "say \"hi\"");
  r.add("backslash", "a\\b")
      .add("control", "a\rb")
      .add("utf8", "caf\xc3\xa9")
      .add("bare", "a-b:c/d");
  BOOST_TEST(logfmt(r) == std::string("time=") + kTime +
                              " level=notice event=x empty=\"\" space=\"a b\" equals=\"a=b\" "
                              "quote=\"say \\\"hi\\\"\" backslash=\"a\\\\b\" control=\"a\\x0db\" "
                              "utf8=\"caf\xc3\xa9\" bare=a-b:c/d");
}

BOOST_AUTO_TEST_CASE(json_parses_with_numbers_as_numbers) {
  Record r(kNotice, "end");
  r.add("service", "echo").add("peer", "127.0.0.1:5555").add("status", "closed");
  r.add("bytes_in", 64u).add("bytes_out", std::uint64_t{18446744073709551615u});
  r.add_seconds("duration", 1.5).add("limit", -1).add("rate", 2.5);
  std::string line = json(r);
  BOOST_TEST(line == std::string("{\"time\":\"") + kTime +
                         "\",\"level\":\"notice\",\"event\":\"end\",\"service\":\"echo\","
                         "\"peer\":\"127.0.0.1:5555\",\"status\":\"closed\",\"bytes_in\":64,"
                         "\"bytes_out\":18446744073709551615,\"duration\":1.500,\"limit\":-1,"
                         "\"rate\":2.5}");
  auto j = nlohmann::ordered_json::parse(line);
  BOOST_TEST(j["bytes_in"].is_number_unsigned());
  BOOST_TEST(j["bytes_out"].get<std::uint64_t>() == 18446744073709551615u);
  BOOST_TEST(j["duration"].get<double>() == 1.5);
  BOOST_TEST(j["limit"].get<int>() == -1);
  BOOST_TEST(j["status"].get<std::string>() == "closed");
  std::string keys;
  for (const auto& item : j.items()) keys += item.key() + ",";
  BOOST_TEST(keys ==
             "time,level,event,service,peer,status,bytes_in,bytes_out,duration,limit,rate,");
}

// Whatever bytes a value holds, the line is valid JSON (valid UTF-8, no raw
// control character) and the string holds the escaped text.
BOOST_AUTO_TEST_CASE(json_strings_hold_the_escaped_text) {
  static const char kNasty[] = "q\"b\\s\x1b\r\n\t\x7f\xc2\x85\xff\xc3\xa9\0z";
  std::string nasty(kNasty, sizeof kNasty - 1);
  Record r(kNotice, {}, nasty);
  r.add("peer", nasty);
  auto j = nlohmann::json::parse(json(r));
  std::string want = "q\"b\\\\s\\x1b\\x0d\\x0a\\x09\\x7f\\u0085\\xff\xc3\xa9\\x00z";
  BOOST_TEST(j["msg"].get<std::string>() == want);
  BOOST_TEST(j["peer"].get<std::string>() == want);
}

BOOST_AUTO_TEST_CASE(fields_show_where_they_are_meant_to) {
  Record r(kNotice, "refuse");
  r.add("reason", "cidr_deny 10.0.0.0/8", Show::TextOnly)
      .add("reason", "access", Show::StructuredOnly);
  r.add("rule", "cidr_deny 10.0.0.0/8", Show::StructuredOnly).add("endpoint", "127.0.0.1:7/tcp");
  BOOST_TEST(text(r) == "refuse reason=cidr_deny 10.0.0.0/8 endpoint=127.0.0.1:7/tcp");
  BOOST_TEST(logfmt(r) ==
             std::string("time=") + kTime +
                 " level=notice event=refuse reason=access rule=\"cidr_deny 10.0.0.0/8\" "
                 "endpoint=127.0.0.1:7/tcp");
  auto j = nlohmann::json::parse(json(r));
  BOOST_TEST(j["reason"].get<std::string>() == "access");
  BOOST_TEST(j["rule"].get<std::string>() == "cidr_deny 10.0.0.0/8");
}

BOOST_AUTO_TEST_CASE(fields_past_the_limit_are_dropped) {
  Record r(kNotice, "many");
  for (std::size_t i = 0; i < Record::kMaxFields + 5; ++i) r.add("n", i);
  BOOST_TEST(r.size() == Record::kMaxFields);
  BOOST_TEST(nlohmann::json::accept(json(r)));
}

BOOST_AUTO_TEST_CASE(durations_have_three_decimals) {
  Record r(kNotice, "d");
  r.add_seconds("a", 0).add_seconds("b", 0.0004).add_seconds("c", 1.2346).add_seconds("d", 65);
  r.add_seconds("e", -3).add_seconds("f", 1e300);
  BOOST_TEST(text(r) == "d a=0.000s b=0.000s c=1.235s d=65.000s e=0.000s f=0.000s");
}

BOOST_AUTO_TEST_CASE(times_are_rfc3339_with_the_local_offset) {
  timespec t{1700000000, 123456789};  // 2023-11-14T22:13:20Z
  in_zone("UTC0", [&] {
    TimeText tt;
    BOOST_TEST(tt.format(t) == "2023-11-14T22:13:20.123Z");
    timespec later{1700000000, 999000000};  // same second: only the milliseconds change
    BOOST_TEST(tt.format(later) == "2023-11-14T22:13:20.999Z");
    timespec next{1700000001, 0};
    BOOST_TEST(tt.format(next) == "2023-11-14T22:13:21.000Z");
  });
  in_zone("IST-5:30", [&] {
    TimeText tt;
    BOOST_TEST(tt.format(t) == "2023-11-15T03:43:20.123+05:30");
  });
  in_zone("EST5", [&] {
    TimeText tt;
    BOOST_TEST(tt.format(t) == "2023-11-14T17:13:20.123-05:00");
  });
}

BOOST_AUTO_TEST_SUITE_END()
