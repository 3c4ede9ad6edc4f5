// SPDX-License-Identifier: MIT
// conf/value: every parse_value overload, split_words, and the schema's
// defaults parsed through their own targets (STYLE rule 14).
#include "conf/value.hpp"

#include <syslog.h>

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <csignal>
#include <ostream>

#include "conf/config.hpp"
#include "conf/schema.hpp"

namespace bdata = boost::unit_test::data;
using namespace superd::conf;

namespace {

struct Words {
  const char* text;
  std::vector<std::string> words;
};
std::ostream& operator<<(std::ostream& os, const Words& w) { return os << w.text; }

struct Bad {
  const char* text;
  const char* message;
};
std::ostream& operator<<(std::ostream& os, const Bad& b) { return os << b.text; }

template <class T>
std::string error_of(std::string_view text) {
  T out{};
  std::string error;
  BOOST_TEST(!parse_value(text, out, error));
  return error;
}

template <class T>
T parsed(std::string_view text) {
  T out{};
  std::string error;
  BOOST_TEST(parse_value(text, out, error), text << ": " << error);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(value)

BOOST_DATA_TEST_CASE(boolean_words_in_any_case,
                     bdata::make({"yes", "YES", "true", "True", "on", "ON", "1"}) ^
                         bdata::make({"no", "No", "false", "FALSE", "off", "Off", "0"}),
                     yes, no) {
  BOOST_TEST(parsed<bool>(yes) == true);
  bool out = true;
  std::string error;
  BOOST_TEST(parse_value(no, out, error));
  BOOST_TEST(out == false);
}

BOOST_AUTO_TEST_CASE(rejects_other_boolean_words) {
  BOOST_TEST(error_of<bool>("maybe") ==
             "'maybe' is not a boolean (expected yes/no, true/false, on/off, 1/0)");
  BOOST_TEST(error_of<bool>("") ==
             "'' is not a boolean (expected yes/no, true/false, on/off, 1/0)");
  BOOST_TEST(error_of<bool>("y") != "");
  BOOST_TEST(error_of<bool>(" yes") != "");
}

BOOST_AUTO_TEST_CASE(optional_boolean_empty_means_unset) {
  std::optional<bool> b = true;
  std::string error;
  BOOST_TEST(parse_value("", b, error));
  BOOST_TEST(!b.has_value());
  BOOST_TEST(parse_value("no", b, error));
  BOOST_TEST((b.has_value() && *b == false));
  BOOST_TEST(!parse_value("nah", b, error));
}

BOOST_AUTO_TEST_CASE(integers_within_int_range) {
  BOOST_TEST(parsed<int>("0") == 0);
  BOOST_TEST(parsed<int>("-1") == -1);
  BOOST_TEST(parsed<int>("2147483647") == 2147483647);
  BOOST_TEST(parsed<int>("-2147483648") == -2147483647 - 1);
  BOOST_TEST(error_of<int>("2147483648") == "'2147483648' is not an integer");
  BOOST_TEST(error_of<int>("-2147483649") == "'-2147483649' is not an integer");
  BOOST_TEST(error_of<int>("99999999999999999999") == "'99999999999999999999' is not an integer");
  BOOST_TEST(error_of<int>("12abc") == "'12abc' is not an integer");
  BOOST_TEST(error_of<int>("") == "'' is not an integer");
  BOOST_TEST(error_of<int>(" 5") == "' 5' is not an integer");
  BOOST_TEST(error_of<int>("5 ") == "'5 ' is not an integer");
}

BOOST_AUTO_TEST_CASE(optional_integer_empty_means_unset) {
  std::optional<int> n = 3;
  std::string error;
  BOOST_TEST(parse_value("", n, error));
  BOOST_TEST(!n.has_value());
  BOOST_TEST(parse_value("-5", n, error));
  BOOST_TEST((n.has_value() && *n == -5));
  BOOST_TEST(!parse_value("x", n, error));
  BOOST_TEST(error == "'x' is not an integer");
}

BOOST_AUTO_TEST_CASE(non_negative_numbers) {
  BOOST_TEST(parsed<double>("1.5") == 1.5);
  BOOST_TEST(parsed<double>("0") == 0.0);
  BOOST_TEST(error_of<double>("-1") == "'-1' is not a non-negative number");
  BOOST_TEST(error_of<double>("nan") == "'nan' is not a non-negative number");
  BOOST_TEST(error_of<double>("inf") == "'inf' is not a non-negative number");
  BOOST_TEST(error_of<double>("") == "'' is not a non-negative number");
  BOOST_TEST(error_of<double>("2x") == "'2x' is not a non-negative number");
}

BOOST_AUTO_TEST_CASE(strings_are_taken_as_written) {
  BOOST_TEST(parsed<std::string>(" a ; b # c ") == " a ; b # c ");
}

BOOST_DATA_TEST_CASE(durations_with_suffixes,
                     bdata::make({"30", "1.5", "30s", "5m", "2h", "0.5m", "0"}) ^
                         bdata::make({30.0, 1.5, 30.0, 300.0, 7200.0, 30.0, 0.0}),
                     text, seconds) {
  BOOST_TEST(parsed<Seconds>(text).value == seconds);
}

BOOST_DATA_TEST_CASE(rejects_bad_durations, bdata::make({"", "m", "5d", "-5s", "5 m", "1h30m"}),
                     text) {
  BOOST_TEST(error_of<Seconds>(text) ==
             "'" + std::string(text) +
                 "' is not a duration (seconds, or a number followed by s, m or h)");
}

BOOST_DATA_TEST_CASE(rejects_durations_over_30_days, bdata::make({"99999999999", "2592001", "721h", "43201m"}),
                     text) {
  BOOST_TEST(error_of<Seconds>(text) ==
             "'" + std::string(text) + "' is too long a duration (at most 2592000 seconds, 30 days)");
}

BOOST_AUTO_TEST_CASE(takes_durations_up_to_30_days) {
  BOOST_TEST(parsed<Seconds>("2592000").value == 2592000.0);
  BOOST_TEST(parsed<Seconds>("720h").value == 2592000.0);
}

BOOST_AUTO_TEST_CASE(octal_file_modes) {
  BOOST_TEST(parsed<FileMode>("0660").value == 0660);
  BOOST_TEST(parsed<FileMode>("777").value == 0777);
  BOOST_TEST(parsed<FileMode>("022").value == 022);
  BOOST_TEST(parsed<FileMode>("").value == -1);
  BOOST_TEST(error_of<FileMode>("0668") == "'0668' is not an octal mode (e.g. 0660)");
  BOOST_TEST(error_of<FileMode>("07777") == "'07777' is not an octal mode (e.g. 0660)");
  BOOST_TEST(error_of<FileMode>("rw") == "'rw' is not an octal mode (e.g. 0660)");
  BOOST_TEST(error_of<FileMode>("-1") == "'-1' is not an octal mode (e.g. 0660)");
}

BOOST_AUTO_TEST_CASE(backlog_number_or_somaxconn) {
  BOOST_TEST(parsed<Backlog>("SOMAXCONN").value == 0);
  BOOST_TEST(parsed<Backlog>("somaxconn").value == 0);
  BOOST_TEST(parsed<Backlog>("128").value == 128);
  BOOST_TEST(error_of<Backlog>("0") == "'0' is not a backlog (a positive number or SOMAXCONN)");
  BOOST_TEST(error_of<Backlog>("-5") == "'-5' is not a backlog (a positive number or SOMAXCONN)");
  BOOST_TEST(error_of<Backlog>("max") == "'max' is not a backlog (a positive number or SOMAXCONN)");
}

BOOST_AUTO_TEST_CASE(limits_with_suffixes_and_unlimited) {
  BOOST_TEST(!parsed<Limit>("").set);
  Limit u = parsed<Limit>("unlimited");
  BOOST_TEST((u.set && u.value == RLIM_INFINITY));
  BOOST_TEST(parsed<Limit>("infinity").value == RLIM_INFINITY);
  BOOST_TEST(parsed<Limit>("0").set);
  BOOST_TEST(parsed<Limit>("0").value == 0u);
  BOOST_TEST(parsed<Limit>("1024").value == 1024u);
  BOOST_TEST(parsed<Limit>("10K").value == 10u * 1024);
  BOOST_TEST(parsed<Limit>("10k").value == 10u * 1024);
  BOOST_TEST(parsed<Limit>("3M").value == 3u * 1024 * 1024);
  BOOST_TEST(parsed<Limit>("2G").value == 2ull << 30);
  BOOST_TEST(parsed<Limit>("17179869183G").value == 17179869183ull << 30);
}

BOOST_DATA_TEST_CASE(rejects_bad_limits,
                     bdata::make({"-1", "K", "1.5K", "10T", "17179869184G", "9223372036854775808",
                                  "many"}),
                     text) {
  BOOST_TEST(error_of<Limit>(text) ==
             "'" + std::string(text) +
                 "' is not a limit (a number with optional K, M or G, or unlimited)");
}

BOOST_AUTO_TEST_CASE(buffer_sizes_with_suffixes) {
  BOOST_TEST(parsed<ByteSize>("0").value == 0);
  BOOST_TEST(parsed<ByteSize>("4096").value == 4096);
  BOOST_TEST(parsed<ByteSize>("64K").value == 65536);
  BOOST_TEST(parsed<ByteSize>("64k").value == 65536);
  BOOST_TEST(parsed<ByteSize>("2m").value == 2 << 20);
  BOOST_TEST(parsed<ByteSize>("1023M").value == 1023 << 20);
  BOOST_TEST(parsed<ByteSize>("1073741823").value == (1 << 30) - 1);
}

BOOST_DATA_TEST_CASE(rejects_bad_buffer_sizes,
                     bdata::make({"", "-1", "K", "1.5K", "1G", "1024M", "1073741824", "big"}), text) {
  BOOST_TEST(error_of<ByteSize>(text) ==
             "'" + std::string(text) +
                 "' is not a buffer size (bytes, or a number followed by K or M; at most 1023M)");
}

BOOST_AUTO_TEST_CASE(marks_in_decimal_or_hex) {
  BOOST_TEST(parsed<Mark>("0").value == 0u);
  BOOST_TEST(parsed<Mark>("42").value == 42u);
  BOOST_TEST(parsed<Mark>("0x2a").value == 42u);
  BOOST_TEST(parsed<Mark>("0XFF").value == 255u);
  BOOST_TEST(parsed<Mark>("4294967295").value == 4294967295u);
  BOOST_TEST(parsed<Mark>("0xffffffff").value == 4294967295u);
}

BOOST_DATA_TEST_CASE(rejects_bad_marks,
                     bdata::make({"", "-1", "0x", "0x1g", "4294967296", "0x100000000", "1e3", " 1"}),
                     text) {
  BOOST_TEST(error_of<Mark>(text) ==
             "'" + std::string(text) + "' is not a mark (0 to 4294967295, or 0x0 to 0xffffffff)");
}

BOOST_AUTO_TEST_CASE(stderr_modes) {
  BOOST_TEST((parsed<StderrMode>("log") == StderrMode::Log));
  BOOST_TEST((parsed<StderrMode>("socket") == StderrMode::Socket));
  BOOST_TEST((parsed<StderrMode>("null") == StderrMode::Null));
  BOOST_TEST(error_of<StderrMode>("file") ==
             "'file' is not a stderr mode (expected log, socket or null)");
}

BOOST_AUTO_TEST_CASE(proxy_protocol_settings) {
  using superd::net::ProxyVersion;
  BOOST_TEST((parsed<ProxyVersion>("no") == ProxyVersion::Off));
  BOOST_TEST((parsed<ProxyVersion>("v1") == ProxyVersion::V1));
  BOOST_TEST((parsed<ProxyVersion>("v2") == ProxyVersion::V2));
  BOOST_TEST((parsed<ProxyVersion>("any") == ProxyVersion::Any));
  BOOST_TEST(error_of<ProxyVersion>("yes") ==
             "'yes' is not a PROXY protocol setting (expected no, v1, v2 or any)");
}

BOOST_AUTO_TEST_CASE(tls_settings) {
  using superd::net::TlsVerify;
  using superd::net::TlsVersion;
  BOOST_TEST((parsed<TlsVerify>("none") == TlsVerify::None));
  BOOST_TEST((parsed<TlsVerify>("optional") == TlsVerify::Optional));
  BOOST_TEST((parsed<TlsVerify>("required") == TlsVerify::Required));
  BOOST_TEST(error_of<TlsVerify>("yes") ==
             "'yes' is not a client certificate check (expected none, optional or required)");
  BOOST_TEST((parsed<TlsVersion>("1.2") == TlsVersion::V1_2));
  BOOST_TEST((parsed<TlsVersion>("TLSv1.3") == TlsVersion::V1_3));
  BOOST_TEST(error_of<TlsVersion>("1.0") == "'1.0' is not a TLS version (expected 1.2 or 1.3)");
}

BOOST_AUTO_TEST_CASE(log_formats) {
  BOOST_TEST((parsed<superd::log::Format>("text") == superd::log::Format::Text));
  BOOST_TEST((parsed<superd::log::Format>("logfmt") == superd::log::Format::Logfmt));
  BOOST_TEST((parsed<superd::log::Format>("json") == superd::log::Format::Json));
  BOOST_TEST(error_of<superd::log::Format>("JSON") ==
             "'JSON' is not a log format (expected text, logfmt or json)");
  BOOST_TEST(error_of<superd::log::Format>("") ==
             "'' is not a log format (expected text, logfmt or json)");
}

BOOST_AUTO_TEST_CASE(syslog_facilities) {
  BOOST_TEST(parsed<Facility>("daemon").value == LOG_DAEMON);
  BOOST_TEST(parsed<Facility>("auth").value == LOG_AUTH);
  BOOST_TEST(parsed<Facility>("local0").value == LOG_LOCAL0);
  BOOST_TEST(parsed<Facility>("local7").value == LOG_LOCAL7);
  BOOST_TEST(error_of<Facility>("local8") ==
             "'local8' is not a syslog facility (e.g. daemon, auth, local0 .. local7)");
}

BOOST_AUTO_TEST_CASE(log_levels_zero_to_four) {
  for (int i = 0; i <= 4; ++i) BOOST_TEST(parsed<LogLevel>(std::to_string(i)).value == i);
  const char* kMessage = " is not a log level (0 err, 1 warning, 2 notice, 3 info, 4 debug)";
  BOOST_TEST(error_of<LogLevel>("5") == std::string("'5'") + kMessage);
  BOOST_TEST(error_of<LogLevel>("-1") == std::string("'-1'") + kMessage);
  BOOST_TEST(error_of<LogLevel>("debug") == std::string("'debug'") + kMessage);
}

BOOST_AUTO_TEST_CASE(environment_entries_and_names) {
  BOOST_TEST(parsed<EnvEntry>("LANG=C").text == "LANG=C");
  BOOST_TEST(parsed<EnvEntry>("EMPTY=").text == "EMPTY=");
  BOOST_TEST(parsed<EnvEntry>("_A1=x=y").text == "_A1=x=y");
  const char* kEntry = " is not NAME=VALUE with NAME made of letters, digits and '_'";
  BOOST_TEST(error_of<EnvEntry>("LANG") == std::string("'LANG'") + kEntry);
  BOOST_TEST(error_of<EnvEntry>("=x") == std::string("'=x'") + kEntry);
  BOOST_TEST(error_of<EnvEntry>("1A=x") == std::string("'1A=x'") + kEntry);
  BOOST_TEST(error_of<EnvEntry>("A-B=x") == std::string("'A-B=x'") + kEntry);
  BOOST_TEST(parsed<EnvName>("PATH").text == "PATH");
  BOOST_TEST(parsed<EnvName>("_x9").text == "_x9");
  BOOST_TEST(error_of<EnvName>("A=B") == "'A=B' is not an environment variable name");
  BOOST_TEST(error_of<EnvName>("9X") == "'9X' is not an environment variable name");
  BOOST_TEST(error_of<EnvName>("") == "'' is not an environment variable name");
}

BOOST_AUTO_TEST_CASE(cidr_through_parse_value) {
  superd::net::Cidr c = parsed<superd::net::Cidr>("10.1.2.3/8");
  BOOST_TEST(c.prefix == 8);
  BOOST_TEST(c.base.str() == "10.0.0.0");
  BOOST_TEST(error_of<superd::net::Cidr>("10.0.0.0/40") == "prefix length '40' is not 0..32");
}

BOOST_AUTO_TEST_CASE(patterns_compile_as_extended_regex) {
  superd::net::Pattern p = parsed<superd::net::Pattern>("^10\\.(1|2)\\.");
  BOOST_TEST(p.text == "^10\\.(1|2)\\.");
  BOOST_REQUIRE(p.re);
  BOOST_TEST(p.matches("10.2.3.4"));
  BOOST_TEST(!p.matches("10.3.3.4"));
  std::string error = error_of<superd::net::Pattern>("(10");
  BOOST_TEST(error.rfind("'(10': not a valid regular expression: ", 0) == 0u, error);
  BOOST_TEST(error_of<superd::net::Pattern>("[a").rfind("'[a': not a valid", 0) == 0u);
}

// --- split_words and Argv -------------------------------------------------

BOOST_DATA_TEST_CASE(splits_words_like_a_shell,
                     bdata::make(std::vector<Words>{
                         {"a b\tc", {"a", "b", "c"}},
                         {"  lead   trail  ", {"lead", "trail"}},
                         {"", {}},
                         {"   ", {}},
                         {"'a b' c", {"a b", "c"}},
                         {"'a\\b \"x\" $y'", {"a\\b \"x\" $y"}},
                         {"''", {""}},
                         {"a'b c'd", {"ab cd"}},
                         {"\"a \\\" b\"", {"a \" b"}},
                         {"\"\\\\\"", {"\\"}},
                         {"\"\\$HOME\"", {"$HOME"}},
                         {"\"$HOME\"", {"$HOME"}},
                         {"\"a\\nb\\'c\"", {"a\\nb\\'c"}},
                         {"\"it's\"", {"it's"}},
                         {"\"\"", {""}},
                         {"a\\ b", {"a b"}},
                         {"\\;", {";"}},
                         {"x \\; y", {"x", ";", "y"}},
                         {"a\\'b\\\"c\\\\d", {"a'b\"c\\d"}},
                         {"a\"b c\"'d e'f", {"ab cd ef"}},
                         {"*.txt ~ $X `id`", {"*.txt", "~", "$X", "`id`"}},
                     }),
                     c) {
  std::vector<std::string> words{"stale"};
  std::string error;
  BOOST_TEST(split_words(c.text, words, error), error);
  BOOST_TEST(words == c.words, boost::test_tools::per_element());
}

BOOST_DATA_TEST_CASE(rejects_unfinished_quoting,
                     bdata::make(std::vector<Bad>{
                         {"a 'b", "unterminated single quote at column 3"},
                         {"'", "unterminated single quote at column 1"},
                         {"x \"y", "unterminated double quote at column 3"},
                         {"abc \"d\\\"", "unterminated double quote at column 5"},
                         {"a\\", "a backslash at the end of the command escapes nothing"},
                     }),
                     c) {
  std::vector<std::string> words;
  std::string error;
  BOOST_TEST(!split_words(c.text, words, error));
  BOOST_TEST(error == c.message);
}

BOOST_AUTO_TEST_CASE(exec_needs_an_absolute_program) {
  Argv a = parsed<Argv>("/usr/sbin/in.tftpd -s '/srv/tftp root'");
  BOOST_TEST(a.words == (std::vector<std::string>{"/usr/sbin/in.tftpd", "-s", "/srv/tftp root"}),
             boost::test_tools::per_element());
  BOOST_TEST(parsed<Argv>("").words.empty());
  BOOST_TEST(error_of<Argv>("sshd -i") ==
             "program 'sshd' must be an absolute path (e.g. /usr/sbin/sshd)");
  BOOST_TEST(error_of<Argv>("./run") ==
             "program './run' must be an absolute path (e.g. /usr/sbin/sshd)");
  BOOST_TEST(error_of<Argv>("''") == "program '' must be an absolute path (e.g. /usr/sbin/sshd)");
  BOOST_TEST(error_of<Argv>("/bin/sh -c 'x") == "unterminated single quote at column 12");
  // "@PATH ARGV0 ARGS": the program and its argv apart, as inetd.conf has them.
  Argv at = parsed<Argv>("@/usr/sbin/tcpd in.ftpd -l");
  BOOST_TEST(at.program() == "/usr/sbin/tcpd");
  BOOST_TEST(at.words == (std::vector<std::string>{"in.ftpd", "-l"}), boost::test_tools::per_element());
  BOOST_TEST(parsed<Argv>("/bin/true").program() == "/bin/true");
  BOOST_TEST(error_of<Argv>("@/usr/sbin/tcpd") == "'@/usr/sbin/tcpd' needs the program's argv[0] after it");
  BOOST_TEST(error_of<Argv>("@tcpd in.ftpd") == "program 'tcpd' must be an absolute path (e.g. /usr/sbin/sshd)");
  BOOST_TEST(error_of<Argv>("@ x") == "program '@' must be an absolute path (e.g. /usr/sbin/sshd)");
}

BOOST_AUTO_TEST_CASE(long_exec_line_is_kept_whole) {
  std::string text = "/usr/bin/printf";
  std::vector<std::string> expected{"/usr/bin/printf"};
  while (text.size() < 1000) {
    std::string w = "arg" + std::to_string(expected.size());
    text += " '" + w + " x'";
    expected.push_back(w + " x");
  }
  BOOST_TEST(text.size() >= 1000u);
  Argv a = parsed<Argv>(text);
  BOOST_TEST(a.words.size() == expected.size());
  BOOST_TEST(a.words == expected, boost::test_tools::per_element());
}

// --- the schema's defaults -------------------------------------------------

BOOST_AUTO_TEST_CASE(every_schema_default_parses_through_its_target) {
  GlobalConfig g;
  int checked = 0;
  for (const KeySpec& k : keys()) {
    void* object = k.target.service ? static_cast<void*>(&g.defaults) : static_cast<void*>(&g);
    // A repeatable key without a default has no value at all; every other
    // default, even an empty one, is text for parse_value.
    std::vector<std::string> texts;
    if (!k.repeat || *k.def) texts.emplace_back(k.def);
    std::string error;
    BOOST_TEST(k.target.apply(object, texts, k.min, k.max, error),
               k.name << " = '" << k.def << "': " << error);
    ++checked;
  }
  BOOST_TEST(checked == static_cast<int>(keys().size()));
  BOOST_TEST(checked > 40);
  // The parsed defaults are the values the structs start with.
  BOOST_TEST(g.defaults.log_level.value == 2);
  BOOST_TEST(g.defaults.listen.value == 0);
  BOOST_TEST(g.defaults.timeout.value == 300.0);
  BOOST_TEST(g.defaults.max_instances == -1);
  BOOST_TEST(g.defaults.host == "*");
  BOOST_TEST(g.defaults.proto == "tcp");
  BOOST_TEST(!g.defaults.wait.has_value());
  BOOST_TEST(g.defaults.umask.value == -1);
  BOOST_TEST(g.syslog_facility.value == LOG_DAEMON);
  BOOST_TEST(g.shutdown_timeout.value == 10.0);
  BOOST_TEST(g.conf_file == default_conf_path());
}

BOOST_AUTO_TEST_CASE(schema_rejects_integers_out_of_range) {
  const KeySpec* nice = find_key("nice");
  BOOST_REQUIRE(nice);
  ServiceConfig s;
  std::string error;
  BOOST_TEST(nice->target.apply(&s, {"19"}, nice->min, nice->max, error));
  BOOST_TEST((s.nice && *s.nice == 19));
  BOOST_TEST(!nice->target.apply(&s, {"20"}, nice->min, nice->max, error));
  BOOST_TEST(error == "'20' is out of range (-20 to 19)");
  const KeySpec* mi = find_key("max_instances");
  BOOST_REQUIRE(mi);
  BOOST_TEST(!mi->target.apply(&s, {"-2"}, mi->min, mi->max, error));
  BOOST_TEST(error == "'-2' is out of range (-1 to 2147483647)");
}

BOOST_AUTO_TEST_CASE(pattern_complexity_is_bounded) {
  // Found by hand: 30,000 nested groups crashed std::regex's recursive compiler.
  superd::net::Pattern p;
  std::string error;
  std::string deep = std::string(30000, '(') + std::string(30000, ')');
  BOOST_TEST(!parse_value(deep, p, error));
  BOOST_TEST(error == "'" + deep + "': regular expression is too complex: longer than 1024 characters");
  BOOST_TEST(!parse_value(std::string(33, '(') + "a" + std::string(33, ')'), p, error));
  BOOST_TEST(error.find("more than 32 nested groups") != std::string::npos, error);
  BOOST_TEST(parse_value(std::string(32, '(') + "a" + std::string(32, ')'), p, error), error);
  BOOST_TEST(parse_value("\\(\\(\\(", p, error), error);  // escaped parentheses do not nest
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(forwarded_signals_by_name) {
  BOOST_TEST(parsed<Signal>("SIGUSR2").number == SIGUSR2);
  BOOST_TEST(parsed<Signal>("usr2").name == "SIGUSR2");
  BOOST_TEST(parsed<Signal>("Winch").number == SIGWINCH);
  BOOST_TEST(error_of<Signal>("SIGHUP") == "SIGHUP reloads superd and cannot be forwarded");
  BOOST_TEST(error_of<Signal>("TERM") == "SIGTERM stops superd and cannot be forwarded");
  BOOST_TEST(error_of<Signal>("sigusr1") == "SIGUSR1 writes superd's status to its log and cannot be forwarded");
  BOOST_TEST(error_of<Signal>("KILL") == "SIGKILL cannot be caught and cannot be forwarded");
  BOOST_TEST(error_of<Signal>("SIGFOO") ==
             "'SIGFOO' is not a signal superd can forward (e.g. SIGUSR2, SIGWINCH)");
  BOOST_TEST(error_of<Signal>("") == "'' is not a signal superd can forward (e.g. SIGUSR2, SIGWINCH)");
}
