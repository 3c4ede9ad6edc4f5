// SPDX-License-Identifier: MIT
// conf/cli_source: conf::parse_args for the command line and the library's
// new args / run args, and the --help text.
#include "conf/cli_source.hpp"

#include <boost/test/unit_test.hpp>

#include "conf/schema.hpp"

using namespace superd::conf;
using superd::Diagnostic;
using Lines = std::vector<std::string>;

namespace {

struct Parsed {
  bool ok = false;
  CommandLine cl;
  std::vector<Diagnostic> diags;
  Lines errors() const {
    Lines out;
    for (const Diagnostic& d : diags) out.push_back(d.str());
    return out;
  }
  // "section/key=text" of every setting, in order.
  Lines settings() const {
    Lines out;
    for (const Setting& s : cl.settings) out.push_back(s.section + "/" + s.key + "=" + s.text);
    return out;
  }
};

Parsed args(const Lines& a, Layer layer = Layer::CommandLine) {
  Parsed p;
  p.ok = parse_args(a, layer, p.cl, p.diags);
  return p;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cli_source)

BOOST_AUTO_TEST_CASE(key_equals_value_forms) {
  Parsed p = args({"--log_level=3", "--pid_file", "/run/superd.pid", "max_connections=9",
                   "--log_file=/var/log/superd.log"});
  BOOST_TEST(p.ok);
  BOOST_TEST(p.diags.empty());
  BOOST_TEST(p.settings() == (Lines{"/log_level=3", "/pid_file=/run/superd.pid",
                                    "/max_connections=9", "/log_file=/var/log/superd.log"}),
             boost::test_tools::per_element());
  for (const Setting& s : p.cl.settings) {
    BOOST_TEST((s.origin.layer == Layer::CommandLine));
    BOOST_TEST(s.origin.str() == "command-line");
  }
}

BOOST_AUTO_TEST_CASE(global_prefix_means_the_global_section) {
  Parsed p = args({"--global.log_level=4", "global.timeout=9"});
  BOOST_TEST(p.ok);
  BOOST_TEST(p.settings() == (Lines{"/log_level=4", "/timeout=9"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(service_keys) {
  Parsed p = args({"--echo.port=7007", "--echo.builtin", "echo", "daytime.port=13/udp",
                   "--tftp.exec", "/usr/sbin/in.tftpd -s /srv/tftp"});
  BOOST_TEST(p.ok);
  BOOST_TEST(p.settings() == (Lines{"echo/port=7007", "echo/builtin=echo", "daytime/port=13/udp",
                                    "tftp/exec=/usr/sbin/in.tftpd -s /srv/tftp"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(value_may_contain_equals_and_dots) {
  Parsed p = args({"--echo.env=A=b.c", "--syslog_ident=x=y"});
  BOOST_TEST(p.ok);
  BOOST_TEST(p.settings() == (Lines{"echo/env=A=b.c", "/syslog_ident=x=y"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(boolean_alone_means_yes) {
  Parsed p = args({"--background", "--echo.disabled", "--echo.port=7", "--setsid=no"});
  BOOST_TEST(p.ok);
  BOOST_TEST(
      p.settings() == (Lines{"/background=yes", "echo/disabled=yes", "echo/port=7", "/setsid=no"}),
      boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(short_c_names_the_conf_file) {
  Parsed p = args({"-c", "/etc/other.conf"});
  BOOST_TEST(p.ok);
  BOOST_TEST(p.settings() == Lines{"/conf_file=/etc/other.conf"}, boost::test_tools::per_element());
  BOOST_TEST(args({"--conf_file=/x.conf"}).settings() == Lines{"/conf_file=/x.conf"},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(repeatable_key_keeps_every_value_in_order) {
  Parsed p = args({"--include", "a/*.conf", "--include=b.conf", "--allow", "^10\\."});
  BOOST_TEST(p.ok);
  BOOST_TEST(p.settings() == (Lines{"/include=a/*.conf", "/include=b.conf", "/allow=^10\\."}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(actions) {
  BOOST_TEST(args({"-t"}).cl.check);
  BOOST_TEST(args({"--check"}).cl.check);
  BOOST_TEST(args({"--print-config"}).cl.print_config);
  BOOST_TEST(args({"-h"}).cl.help);
  BOOST_TEST(args({"--help"}).cl.help);
  BOOST_TEST(args({"-V"}).cl.version);
  BOOST_TEST(args({"--version"}).cl.version);
  BOOST_TEST(args({"--inetd", "echo"}).cl.inetd_service == "echo");
  BOOST_TEST(args({"--inetd=daytime"}).cl.inetd_service == "daytime");
  BOOST_TEST(args({"--dump-schema=man"}).cl.dump_schema == "man");
  Parsed p = args({"--check", "-c", "/x.conf"});
  BOOST_TEST(p.ok);
  BOOST_TEST(p.cl.check);
  BOOST_TEST(!p.cl.print_config);
  BOOST_TEST(!p.cl.help);
  BOOST_TEST(p.settings() == Lines{"/conf_file=/x.conf"}, boost::test_tools::per_element());
  Parsed none = args({});
  BOOST_TEST(none.ok);
  BOOST_TEST(
      (!none.cl.check && !none.cl.help && !none.cl.version && none.cl.inetd_service.empty()));
}

BOOST_AUTO_TEST_CASE(actions_refused_in_library_layers) {
  Parsed n = args({"--check", "--log_level=1"}, Layer::NewArgs);
  BOOST_TEST(!n.ok);
  BOOST_TEST(!n.cl.check);
  BOOST_TEST(
      n.errors() == Lines{"new args: '--check' is an action, valid only on the command line"},
      boost::test_tools::per_element());
  Parsed r = args({"--inetd", "echo"}, Layer::RunArgs);
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.cl.inetd_service.empty());
  BOOST_TEST(
      r.errors() == Lines{"run args: '--inetd' is an action, valid only on the command line"},
      boost::test_tools::per_element());
  Parsed h = args({"-h"}, Layer::RunArgs);
  BOOST_TEST(h.errors() == Lines{"run args: '--help' is an action, valid only on the command line"},
             boost::test_tools::per_element());
  Parsed ok = args({"--log_level=1", "--echo.port=7"}, Layer::RunArgs);
  BOOST_TEST(ok.ok);
  BOOST_REQUIRE(ok.cl.settings.size() == 2u);
  BOOST_TEST((ok.cl.settings[1].origin.layer == Layer::RunArgs));
  BOOST_TEST(ok.cl.settings[1].origin.str() == "run-args");
}

BOOST_AUTO_TEST_CASE(unknown_option_suggests_a_key) {
  Parsed p = args({"--log_levl=3"});
  BOOST_TEST(!p.ok);
  BOOST_TEST(p.errors() ==
                 Lines{"command line: unknown option '--log_levl' (did you mean '--log_level'?)"},
             boost::test_tools::per_element());
  // A misspelt service key is suggested in its service form.
  BOOST_TEST(args({"--prot=7"}).errors() ==
                 Lines{"command line: unknown option '--prot' (did you mean '--SERVICE.port'?)"},
             boost::test_tools::per_element());
  Parsed q = args({"--frobnicate"});
  BOOST_TEST(q.errors() == Lines{"command line: unknown option '--frobnicate' (see superd --help)"},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(service_only_key_as_global_option_hints_service_form) {
  Parsed p = args({"--port=7"});
  BOOST_TEST(!p.ok);
  BOOST_TEST(p.errors() == Lines{"command line: unknown option '--port' (a service key: write "
                                 "--SERVICE.port=VALUE)"},
             boost::test_tools::per_element());
  BOOST_TEST(args({"--exec", "/bin/cat"}).errors() ==
                 Lines{"command line: unknown option '--exec' (a service key: write "
                       "--SERVICE.exec=VALUE)"},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(positional_without_equals_is_an_error) {
  Parsed p = args({"log_level=1", "stray"});
  BOOST_TEST(!p.ok);
  BOOST_TEST(p.errors() == Lines{"command line: 'stray' has no value (write stray=VALUE)"},
             boost::test_tools::per_element());
  BOOST_TEST(p.settings() == Lines{"/log_level=1"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(missing_value) {
  Parsed p = args({"--echo.port"});
  BOOST_TEST(!p.ok);
  BOOST_TEST(
      p.errors() == Lines{"command line: '--echo.port' has no value (write --echo.port=VALUE)"},
      boost::test_tools::per_element());
  Parsed q = args({"--log_level"}, Layer::NewArgs);
  BOOST_TEST(!q.ok);
  BOOST_REQUIRE(q.diags.size() == 1u);
  BOOST_TEST(q.diags[0].file == "new args");
  BOOST_TEST(q.diags[0].message.find("log_level") != std::string::npos, q.diags[0].message);
  BOOST_TEST(q.diags[0].message.find("missing") != std::string::npos, q.diags[0].message);
  BOOST_TEST(q.diags[0].hint == "see superd --help");
}

BOOST_AUTO_TEST_CASE(help_names_every_key) {
  std::string help = help_text();
  for (const KeySpec& k : keys())
    BOOST_TEST(help.find(std::string(k.name) + " ") != std::string::npos, k.name);
  BOOST_TEST(help.find(default_conf_path()) != std::string::npos);
  BOOST_TEST(help.find("--print-config") != std::string::npos);
  BOOST_TEST(help.find("--inetd") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(import_xinetd_is_a_command_line_action) {
  BOOST_TEST(args({"--import-xinetd", "/etc/xinetd.conf"}).cl.import_xinetd == "/etc/xinetd.conf");
  BOOST_TEST(args({"--import-xinetd=x.conf"}).cl.import_xinetd == "x.conf");
  Parsed r = args({"--import-xinetd", "x.conf"}, Layer::NewArgs);
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.cl.import_xinetd.empty());
  BOOST_TEST(r.errors() ==
                 Lines{"new args: '--import-xinetd' is an action, valid only on the command line"},
             boost::test_tools::per_element());
  BOOST_TEST(help_text().find("--import-xinetd FILE") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
