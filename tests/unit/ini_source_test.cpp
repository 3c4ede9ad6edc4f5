// SPDX-License-Identifier: MIT
// conf/ini_source: the conf file syntax through conf::parse_string (in
// memory), and includes on a fresh temporary directory.
#include "conf/ini_source.hpp"

#include <boost/test/unit_test.hpp>

#include "temp_dir.hpp"

using namespace superd::conf;
using superd::Diagnostic;

namespace {

using superd::test::TempDir;

struct Parsed {
  Settings settings;
  std::vector<Diagnostic> diags;
  std::vector<std::string> errors() const {
    std::vector<std::string> out;
    for (const Diagnostic& d : diags) out.push_back(d.str());
    return out;
  }
};

Parsed parse(std::string_view text, const std::string& name = "test.conf") {
  Parsed p;
  parse_string(text, name, p.settings, p.diags);
  return p;
}

// "section/key=text@line" for compact comparisons.
std::vector<std::string> flat(const Settings& settings) {
  std::vector<std::string> out;
  for (const Setting& s : settings)
    out.push_back(s.section + "/" + s.key + "=" + s.text + "@" + std::to_string(s.origin.line));
  return out;
}

using Lines = std::vector<std::string>;


}  // namespace

BOOST_AUTO_TEST_SUITE(ini_source)

BOOST_AUTO_TEST_CASE(global_keys_and_service_sections) {
  Parsed p = parse(
      "log_level = 3\n"
      "\n"
      "[echo]\n"
      "port = 7/tcp\n"
      "builtin=echo\n"
      "[global]\n"
      "max_connections  =  50  \n"
      "[ssh-alt_2]\n"
      "exec = /usr/sbin/sshd -i\n");
  BOOST_TEST(p.diags.empty());
  BOOST_TEST(
      flat(p.settings) == (Lines{"/log_level=3@1", "echo/port=7/tcp@4", "echo/builtin=echo@5",
                                 "/max_connections=50@7", "ssh-alt_2/exec=/usr/sbin/sshd -i@9"}),
      boost::test_tools::per_element());
  for (const Setting& s : p.settings) {
    BOOST_TEST((s.origin.layer == Layer::ConfFile));
    BOOST_TEST(s.origin.file == "test.conf");
  }
}

BOOST_AUTO_TEST_CASE(comment_lines) {
  Parsed p = parse(
      "# a comment\n"
      "; another\n"
      "   # indented comment\n"
      "\t; tab-indented\n"
      "log_level = 1\n");
  BOOST_TEST(p.diags.empty());
  BOOST_TEST(flat(p.settings) == Lines{"/log_level=1@5"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(inline_semicolon_after_blank_starts_a_comment) {
  Parsed p = parse(
      "[s]\n"
      "exec = /bin/echo a ; the rest is a comment\n"
      "busy_message = busy # try later\n"
      "env = A=x;y\n"
      "env = B=x\t; tab before the semicolon\n");
  BOOST_TEST(p.diags.empty());
  BOOST_TEST(flat(p.settings) == (Lines{"s/exec=/bin/echo a@2", "s/busy_message=busy # try later@3",
                                        "s/env=A=x;y@4", "s/env=B=x@5"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(escaped_semicolon_stays_in_the_raw_text) {
  Parsed p = parse("[s]\nexec = /bin/sh -c 'a' \\; b\n");
  BOOST_TEST(p.diags.empty());
  BOOST_REQUIRE(p.settings.size() == 1u);
  BOOST_TEST(p.settings[0].text == "/bin/sh -c 'a' \\; b");
}

BOOST_AUTO_TEST_CASE(indented_line_is_its_own_key_not_a_continuation) {
  Parsed p = parse(
      "[s]\n"
      "exec = /bin/cat\n"
      "    port = 7\n"
      "\tuser = nobody\n");
  BOOST_TEST(p.diags.empty());
  BOOST_TEST(flat(p.settings) == (Lines{"s/exec=/bin/cat@2", "s/port=7@3", "s/user=nobody@4"}),
             boost::test_tools::per_element());
  // An indented line without '=' is a syntax error, never more of the value above.
  Parsed q = parse("[s]\nexec = /bin/cat\n    -u\n");
  BOOST_TEST(q.settings.size() == 1u);
  BOOST_TEST(q.settings[0].text == "/bin/cat");
  BOOST_TEST(
      q.errors() ==
          Lines{"test.conf:3: syntax error (expected 'key = value', '[service]' or a comment)"},
      boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(repeated_keys_are_all_recorded_in_order) {
  Parsed p = parse("[echo]\nport = 7/tcp\n# between\nport = 7/udp\nport = 8\nport = 7/tcp\n");
  BOOST_TEST(p.diags.empty());
  BOOST_TEST(flat(p.settings) == (Lines{"echo/port=7/tcp@2", "echo/port=7/udp@4", "echo/port=8@5",
                                        "echo/port=7/tcp@6"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(crlf_line_endings) {
  Parsed p = parse("log_level = 3\r\n[echo]\r\nport = 7\r\n\r\nbuiltin = echo\r\n");
  BOOST_TEST(p.diags.empty());
  BOOST_TEST(flat(p.settings) == (Lines{"/log_level=3@1", "echo/port=7@3", "echo/builtin=echo@5"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(no_final_newline) {
  Parsed p = parse("[echo]\nport = 7");
  BOOST_TEST(p.diags.empty());
  BOOST_TEST(flat(p.settings) == Lines{"echo/port=7@2"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(long_lines_are_kept_whole) {
  for (std::size_t size : {1000u, 60000u}) {
    std::string exec = "/bin/echo " + std::string(size - 10, 'x');
    BOOST_REQUIRE(exec.size() == size);
    Parsed p = parse("[s]\nexec = " + exec + "\nport = 7\n");
    BOOST_TEST(p.errors().empty(), size);
    BOOST_REQUIRE(p.settings.size() == 2u);
    BOOST_TEST(p.settings[0].text.size() == exec.size());
    BOOST_TEST((p.settings[0].text == exec));  // no dump of 60,000 characters on failure
    BOOST_TEST(p.settings[1].origin.line == 3);
  }
}

BOOST_AUTO_TEST_CASE(line_over_64k_is_an_error_naming_file_and_line) {
  std::string text = "[s]\nport = 7\nexec = /bin/echo " + std::string(70000, 'y') + "\nuser = x\n";
  Parsed p = parse(text, "big.conf");
  BOOST_TEST(p.errors() == Lines{"big.conf:3: line is 70017 bytes, longer than the 65536 allowed"},
             boost::test_tools::per_element());
  BOOST_TEST(flat(p.settings) == (Lines{"s/port=7@2", "s/user=x@4"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(invalid_section_name) {
  std::string long_name(65, 'n');
  Parsed p = parse("[bad name!]\nport = 7\n[" + long_name + "]\nport = 8\n[ok]\nport = 9\n");
  BOOST_TEST(
      p.errors() ==
          (Lines{"test.conf:1: invalid service name 'bad name!' (letters, digits, '_' and '-', "
                 "at most 64 characters)",
                 "test.conf:3: invalid service name '" + long_name +
                     "' (letters, digits, '_' and '-', at most 64 characters)"}),
      boost::test_tools::per_element());
  // Keys under a rejected section are not reported again, nor kept.
  BOOST_TEST(flat(p.settings) == Lines{"ok/port=9@6"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(blanks_inside_brackets_are_ignored) {
  Parsed p = parse("[ echo ]\nport = 7\n");
  BOOST_TEST(p.errors().empty());
  BOOST_TEST(flat(p.settings) == Lines{"echo/port=7@2"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(long_section_name_is_kept_whole) {
  std::string name(60, 's');
  Parsed p = parse("[" + name + "]\nport = 7\n");
  BOOST_TEST(p.errors().empty());
  BOOST_TEST(flat(p.settings) == Lines{name + "/port=7@2"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(duplicate_section_names_the_first_place) {
  Parsed p = parse("[echo]\nport = 7\n\n[daytime]\nport = 13\n[echo]\nport = 8\n");
  BOOST_TEST(
      p.errors() == Lines{"test.conf:6: service 'echo' is defined twice (first at test.conf:1)"},
      boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(syntax_errors) {
  BOOST_TEST(
      parse("log_level = 2\njust words\n").errors() ==
          Lines{"test.conf:2: syntax error (expected 'key = value', '[service]' or a comment)"},
      boost::test_tools::per_element());
  BOOST_TEST(
      parse("[echo\nport = 7\n").errors() ==
          Lines{"test.conf:1: syntax error (expected 'key = value', '[service]' or a comment)"},
      boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(nul_byte_is_an_error) {
  using namespace std::string_literals;
  Parsed p = parse("[s]\nport = 7\nexec = /bin/echo a\0b\nuser = x\n"s);
  BOOST_TEST(p.errors() == Lines{"test.conf:3: line contains a NUL byte"},
             boost::test_tools::per_element());
  BOOST_TEST(flat(p.settings) == (Lines{"s/port=7@2", "s/user=x@4"}),
             boost::test_tools::per_element());
}

// --- includes ---------------------------------------------------------------

BOOST_AUTO_TEST_CASE(relative_glob_include_reads_matches_in_sorted_order) {
  TempDir dir;
  dir.write("conf.d/20-b.conf", "[b]\nport = 2\n");
  dir.write("conf.d/10-a.conf", "# first\n[a]\nport = 1\n");
  dir.write("conf.d/30-c.conf.disabled", "[c]\nport = 3\n");
  Parsed p = parse("log_level = 1\ninclude = conf.d/*.conf\n[main]\nport = 9\n",
                   dir.path + "/superd.conf");
  BOOST_TEST(p.errors().empty());
  BOOST_TEST(flat(p.settings) == (Lines{"/log_level=1@1", "/include=conf.d/*.conf@2", "a/port=1@3",
                                        "b/port=2@2", "main/port=9@4"}),
             boost::test_tools::per_element());
  BOOST_REQUIRE(p.settings.size() == 5u);
  BOOST_TEST(p.settings[1].origin.file == dir.path + "/superd.conf");
  BOOST_TEST(p.settings[2].origin.file == dir.path + "/conf.d/10-a.conf");
  BOOST_TEST(p.settings[3].origin.file == dir.path + "/conf.d/20-b.conf");
}

BOOST_AUTO_TEST_CASE(nested_include_origins_name_the_included_file) {
  TempDir dir;
  dir.write("a.conf", "[a]\nport = 1\ninclude = sub/b.conf\n");
  dir.write("sub/b.conf", "\n\n[b]\nport = 2\n");
  Parsed p = parse("include = " + dir.path + "/a.conf\n", dir.path + "/main.conf");
  BOOST_TEST(p.errors().empty());
  BOOST_TEST(flat(p.settings) == (Lines{"/include=" + dir.path + "/a.conf@1", "a/port=1@2",
                                        "/include=sub/b.conf@3", "b/port=2@4"}),
             boost::test_tools::per_element());
  BOOST_REQUIRE(p.settings.size() == 4u);
  BOOST_TEST(p.settings[1].origin.file == dir.path + "/a.conf");
  BOOST_TEST(p.settings[3].origin.file == dir.path + "/sub/b.conf");
  BOOST_TEST(p.settings[3].origin.str() == "conf-file " + dir.path + "/sub/b.conf:4");
}

BOOST_AUTO_TEST_CASE(errors_in_an_included_file_name_that_file) {
  TempDir dir;
  dir.write("bad.conf", "[x]\nport = 1\nnonsense\n");
  Parsed p = parse("\ninclude = bad.conf\n", dir.path + "/main.conf");
  BOOST_TEST(p.errors() == Lines{dir.path + "/bad.conf:3: syntax error (expected 'key = value', "
                                            "'[service]' or a comment)"},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(missing_literal_include_is_an_error) {
  TempDir dir;
  Parsed p = parse("log_level = 1\ninclude = missing.conf\n", dir.path + "/main.conf");
  BOOST_TEST(p.errors() == Lines{dir.path + "/main.conf:2: include 'missing.conf': no such file"},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(glob_matching_nothing_is_fine) {
  TempDir dir;
  dir.write("conf.d/README", "not a conf file\n");
  Parsed p = parse("include = conf.d/*.conf\ninclude = nowhere/*.conf\nlog_level = 1\n",
                   dir.path + "/main.conf");
  // A directory that is not there at all may be a typo: a warning, not an error.
  BOOST_TEST(p.errors() == Lines{dir.path + "/main.conf:2: warning: include 'nowhere/*.conf': there is no "
                                 "directory '" + dir.path + "/nowhere' (it matches nothing)"},
             boost::test_tools::per_element());
  BOOST_TEST((p.diags.at(0).severity == superd::Severity::Warning));
  BOOST_TEST(flat(p.settings) ==
                 (Lines{"/include=conf.d/*.conf@1", "/include=nowhere/*.conf@2", "/log_level=1@3"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(include_cycle_is_refused) {
  TempDir dir;
  dir.write("a.conf", "[a]\nport = 1\ninclude = b.conf\n");
  dir.write("b.conf", "[b]\nport = 2\ninclude = a.conf\n");
  Parsed p = parse("include = a.conf\n", dir.path + "/main.conf");
  BOOST_TEST(p.errors() == Lines{dir.path + "/b.conf:3: include cycle: '" + dir.path +
                                 "/a.conf' is already being read"},
             boost::test_tools::per_element());
  // Everything before the cycle was read once.
  BOOST_TEST(p.settings.size() == 5u);
}

BOOST_AUTO_TEST_CASE(including_itself_is_a_cycle) {
  TempDir dir;
  std::string main = dir.write("main.conf", "include = main.conf\n");
  Parsed p = parse("include = main.conf\n", main);
  BOOST_TEST(p.errors() == Lines{main + ":1: include cycle: '" + main + "' is already being read"},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(read_conf_file_reads_from_disk) {
  TempDir dir;
  std::string main = dir.write("superd.conf", "[echo]\nport = 7\n");
  Settings out;
  std::vector<Diagnostic> diags;
  read_conf_file(main, out, diags);
  BOOST_TEST(diags.empty());
  BOOST_TEST(flat(out) == Lines{"echo/port=7@2"}, boost::test_tools::per_element());
  read_conf_file(dir.path + "/absent.conf", out, diags);
  BOOST_REQUIRE(diags.size() == 1u);
  BOOST_TEST(diags[0].str() ==
             "cannot read '" + dir.path + "/absent.conf': No such file or directory");
}

BOOST_AUTO_TEST_CASE(service_names) {
  BOOST_TEST(valid_service_name("echo"));
  BOOST_TEST(valid_service_name("ssh-alt_2"));
  BOOST_TEST(valid_service_name(std::string(64, 'a')));
  BOOST_TEST(!valid_service_name(std::string(65, 'a')));
  BOOST_TEST(!valid_service_name(""));
  BOOST_TEST(!valid_service_name("a.b"));
  BOOST_TEST(!valid_service_name("a b"));
}

BOOST_AUTO_TEST_SUITE_END()
