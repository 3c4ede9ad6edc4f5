// SPDX-License-Identifier: MIT
// log/escape: control characters, DEL, C1 and every kind of invalid UTF-8
// (stray, truncated, overlong, surrogate, too large) become escapes; valid
// UTF-8 passes; a backslash is always doubled; the logfmt and JSON quotings.
#include "log/escape.hpp"

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <ostream>
#include <string>

namespace bdata = boost::unit_test::data;
using superd::log::Quoting;

namespace {

struct Case {
  const char* name;
  std::string in, out;
};
std::ostream& operator<<(std::ostream& os, const Case& c) { return os << c.name; }

std::string escaped(std::string_view in, Quoting q = Quoting::None) {
  std::string out;
  superd::log::escape(in, out, q);
  return out;
}

// True when `s` is what escape() writes: escaping it again changes nothing
// but the backslashes, so it holds no control character and no byte that is
// not valid UTF-8.
bool safe(const std::string& s) {
  std::string again = escaped(s), undoubled;
  for (std::size_t i = 0; i < again.size(); ++i) {
    undoubled += again[i];
    if (again[i] == '\\') ++i;
  }
  return undoubled == s;
}

const Case kCases[] = {
    {"plain ascii", "end service=echo peer=1.2.3.4:5", "end service=echo peer=1.2.3.4:5"},
    {"empty", "", ""},
    {"escape and carriage return", "a\x1b[31mRED\rsuperd[1]: notice: forged",
     "a\\x1b[31mRED\\x0dsuperd[1]: notice: forged"},
    {"newline and tab", "one\ntwo\tthree", "one\\x0atwo\\x09three"},
    {"nul", std::string("a\0b", 3), "a\\x00b"},
    {"del", "a\x7f", "a\\x7f"},
    {"unit separator", "\x1f", "\\x1f"},
    {"backslash doubled", "C:\\dir\\x41", "C:\\\\dir\\\\x41"},
    {"quotes left alone", "say \"hi\"", "say \"hi\""},
    {"two-byte", "caf\xc3\xa9", "caf\xc3\xa9"},
    {"c1 next line",
     "a\xc2\x85"
     "b",
     "a\\u0085b"},
    {"c1 csi",
     "\xc2\x9b"
     "31m",
     "\\u009b31m"},
    {"first after c1", "\xc2\xa0", "\xc2\xa0"},
    {"three-byte", "\xe2\x82\xac 5", "\xe2\x82\xac 5"},
    {"four-byte", "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80"},
    {"largest code point", "\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf"},
    {"stray continuation", "a\x80z", "a\\x80z"},
    {"truncated two-byte at end", "a\xc3", "a\\xc3"},
    {"truncated three-byte at end", "a\xe2\x82", "a\\xe2\\x82"},
    {"truncated three-byte then ascii", "\xe2\x82X", "\\xe2\\x82X"},
    {"truncated four-byte", "\xf0\x9f\x98!", "\\xf0\\x9f\\x98!"},
    {"overlong slash", "\xc0\xaf", "\\xc0\\xaf"},
    {"overlong nul", "\xc0\x80", "\\xc0\\x80"},
    {"overlong three-byte", "\xe0\x80\xaf", "\\xe0\\x80\\xaf"},
    {"overlong four-byte", "\xf0\x80\x80\xaf", "\\xf0\\x80\\x80\\xaf"},
    {"surrogate", "\xed\xa0\x80", "\\xed\\xa0\\x80"},
    {"above U+10FFFF", "\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"},
    {"never valid bytes", "\xf5\xff\xfe", "\\xf5\\xff\\xfe"},
    {"lead then lead", "\xc3\xc3\xa9", "\\xc3\xc3\xa9"},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(escape)

BOOST_DATA_TEST_CASE(escapes_what_is_not_printable_utf8, bdata::make(kCases), c) {
  std::string out = escaped(c.in);
  BOOST_TEST(out == c.out);
  BOOST_TEST(safe(out));
}

BOOST_AUTO_TEST_CASE(appends_to_what_is_there) {
  std::string out = "superd: ";
  superd::log::escape("x\ry", out);
  BOOST_TEST(out == "superd: x\\x0dy");
}

BOOST_AUTO_TEST_CASE(logfmt_quoting_also_escapes_double_quotes) {
  BOOST_TEST(escaped("say \"hi\"\r\\", Quoting::Logfmt) == "say \\\"hi\\\"\\x0d\\\\");
}

// In JSON the escapes themselves are escaped: the string decodes to the
// escaped text, never to a raw control character.
BOOST_AUTO_TEST_CASE(json_quoting_escapes_the_escapes) {
  BOOST_TEST(escaped("a\x1b\"b\\\xc2\x85\xff", Quoting::Json) ==
             "a\\\\x1b\\\"b\\\\\\\\\\\\u0085\\\\xff");
}

BOOST_AUTO_TEST_CASE(every_byte_value_comes_out_safe) {
  for (int b = 0; b < 256; ++b) {
    std::string in(1, static_cast<char>(b));
    std::string out = escaped(in);
    BOOST_TEST(safe(out), "byte " << b);
    std::string want = b == '\\' ? "\\\\" : b >= 0x20 && b < 0x7f ? in : "";
    if (want.empty())
      BOOST_TEST(out.substr(0, 2) == "\\x", "byte " << b);
    else
      BOOST_TEST(out == want, "byte " << b);
  }
}

BOOST_AUTO_TEST_SUITE_END()
