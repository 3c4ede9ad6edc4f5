// SPDX-License-Identifier: MIT
// conf/render: --print-config (every key, origin annotations, reads back as
// the same configuration) and the man page's KEYS section.
#include "conf/render.hpp"

#include <boost/test/unit_test.hpp>
#include <map>
#include <regex>
#include <sstream>

#include "conf/cli_source.hpp"
#include "conf/ini_source.hpp"
#include "conf/resolve.hpp"
#include "conf/schema.hpp"

using namespace superd::conf;
using superd::Diagnostic;
using Lines = std::vector<std::string>;

namespace {

class RootUsers : public UserDb {
 public:
  bool find_user(const std::string& name, User& out) const override {
    if (name != "nobody") return false;
    out = User{65534, 65534, {}};
    return true;
  }
  bool find_group(const std::string&, gid_t&) const override { return false; }
  uid_t effective_uid() const override { return 0; }
};

const BuiltinCatalog kBuiltins = {{"echo", {true, true}}, {"daytime", {true, true}}};

Config load_ok(const std::string& conf, const Lines& command_line = {},
               const Lines& new_args = {}) {
  LoadInput in;
  in.conf_text = conf;
  std::vector<Diagnostic> diags;
  CommandLine cl, na;
  BOOST_TEST_REQUIRE(parse_args(command_line, Layer::CommandLine, cl, diags));
  BOOST_TEST_REQUIRE(parse_args(new_args, Layer::NewArgs, na, diags));
  in.args = cl.settings;
  in.args.insert(in.args.end(), na.settings.begin(), na.settings.end());
  Config c;
  bool ok = load(in, kBuiltins, RootUsers(), c, diags);
  for (const Diagnostic& d : diags) BOOST_TEST_MESSAGE(d.str());
  BOOST_TEST_REQUIRE(ok);
  return c;
}

// Lines of the listing by section ("" for the globals).
std::map<std::string, Lines> sections(const std::string& text) {
  std::map<std::string, Lines> out;
  std::istringstream in(text);
  std::string line, section;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] == '[')
      section = line.substr(1, line.find(']') - 1);
    else if (!line.empty())
      out[section].push_back(line);
  }
  return out;
}

// The line setting `key` (maybe commented out), or "".
std::string line_for(const Lines& lines, const std::string& key, std::size_t nth = 0) {
  for (const std::string& l : lines)
    if ((l.rfind(key + " =", 0) == 0 || l.rfind("# " + key + " =", 0) == 0) && nth-- == 0) return l;
  return "";
}

// A listing line: the setting, padded to column 30, then "; ORIGIN".
std::string ann(std::string setting, const std::string& origin) {
  if (setting.size() < 30)
    setting.resize(30, ' ');
  else
    setting += ' ';
  return setting + "; " + origin;
}

// The listing without its origin annotations.
std::string strip_origins(const std::string& text) {
  static const std::regex kOrigin(
      " *; (default|default \\(none\\)|new-args|command-line|run-args|conf-file [^ ]+)"
      "( \\(global\\))?$");
  std::istringstream in(text);
  std::string line, out;
  while (std::getline(in, line))
    if (line.rfind("# superd configuration", 0) != 0)
      out += std::regex_replace(line, kOrigin, "") + "\n";
  return out;
}

const std::string kConf =
    "log_level = 3\n"
    "max_instances = 20\n"
    "[echo]\n"
    "port = 127.0.0.1:7/tcp\n"
    "port = 7/udp\n"
    "builtin = echo\n"
    "[run]\n"
    "port = [::1]:9000\n"
    "port = 9000/udp\n"
    "port = /run/superd-test.sock|unix\n"
    "exec = /usr/bin/printf '%s|%s\\n' \"a \\\"b\\\" c\" \\; 'd e' # not a comment\n"
    "user = nobody\n"
    "wait = yes\n"
    "env = LANG=C\n"
    "env = TZ=UTC\n"
    "max_instances = 4\n"
    "cidr_allow = 10.0.0.0/8\n"
    "allow = ^192\\.0\\.2\\.\n";

}  // namespace

BOOST_AUTO_TEST_SUITE(render)

BOOST_AUTO_TEST_CASE(lists_every_key_for_globals_and_each_service) {
  Config c = load_ok(kConf);
  auto by_section = sections(print_config(c));
  BOOST_TEST(by_section.size() == 3u);
  for (const KeySpec& k : keys()) {
    bool global = line_for(by_section[""], k.name) != "";
    BOOST_TEST(global == (k.scope != Scope::Service), k.name);
    for (const char* svc : {"echo", "run"})
      BOOST_TEST((line_for(by_section[svc], k.name) != "") == (k.scope != Scope::Global),
                 svc << "." << k.name);
  }
}

BOOST_AUTO_TEST_CASE(annotates_each_value_with_its_origin) {
  Config c = load_ok(kConf, {"--pid_file=/run/superd.pid", "--echo.port=7007"}, {"--setsid"});
  std::string text = print_config(c);
  BOOST_TEST(text.rfind("# superd configuration from test.conf\n", 0) == 0u);
  auto s = sections(text);
  const Lines& g = s[""];
  BOOST_TEST(line_for(g, "log_level") == ann("log_level = 3", "conf-file test.conf:1"));
  BOOST_TEST(line_for(g, "log_level").find("; conf-file") == 30u);  // comments line up
  BOOST_TEST(line_for(g, "pid_file") == ann("pid_file = /run/superd.pid", "command-line"));
  BOOST_TEST(line_for(g, "setsid") == ann("setsid = yes", "new-args"));
  BOOST_TEST(line_for(g, "syslog_ident") == ann("syslog_ident = superd", "default"));
  BOOST_TEST(line_for(g, "log_file") == ann("log_file =", "default"));
  BOOST_TEST(line_for(g, "allow") == ann("# allow =", "default (none)"));
  BOOST_TEST(line_for(g, "conf_file") ==
             "# conf_file = " + std::string(default_conf_path()) + " ; default");
  BOOST_TEST(line_for(s["echo"], "port") == ann("port = 7007", "command-line"));
  BOOST_TEST(line_for(s["echo"], "port", 1) == "");
  BOOST_TEST(line_for(s["echo"], "builtin") == ann("builtin = echo", "conf-file test.conf:6"));
  BOOST_TEST(line_for(s["echo"], "max_instances") ==
             ann("max_instances = 20", "conf-file test.conf:2 (global)"));
  BOOST_TEST(line_for(s["echo"], "stderr") == ann("stderr = log", "default"));
  BOOST_TEST(line_for(s["run"], "port") == ann("port = [::1]:9000", "conf-file test.conf:8"));
  BOOST_TEST(line_for(s["run"], "port", 1) == ann("port = 9000/udp", "conf-file test.conf:9"));
  BOOST_TEST(line_for(s["run"], "port", 2) ==
             ann("port = /run/superd-test.sock|unix", "conf-file test.conf:10"));
  BOOST_TEST(line_for(s["run"], "max_instances") ==
             ann("max_instances = 4", "conf-file test.conf:16"));
  BOOST_TEST(line_for(s["run"], "env", 1) == ann("env = TZ=UTC", "conf-file test.conf:15"));
}

BOOST_AUTO_TEST_CASE(listing_reads_back_as_the_same_configuration) {
  Config first = load_ok(kConf, {"--echo.port=7007", "--echo.port=7007/udp", "--log_level=4"});
  std::string listing = print_config(first);
  // The listing is a valid conf file on its own...
  Settings settings;
  std::vector<Diagnostic> diags;
  parse_string(listing, "listing.conf", settings, diags);
  BOOST_TEST(diags.empty());
  // ...that loads into the same effective values.
  Config second = load_ok(listing);
  BOOST_TEST(strip_origins(print_config(second)) == strip_origins(listing));
  BOOST_TEST(second.service_order == first.service_order, boost::test_tools::per_element());
  BOOST_REQUIRE(second.services.size() == 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    const ServiceConfig &a = first.services[i], &b = second.services[i];
    BOOST_TEST(a.port == b.port, boost::test_tools::per_element());
    BOOST_TEST(a.exec.words == b.exec.words, boost::test_tools::per_element());
    BOOST_TEST(a.max_instances == b.max_instances);
    BOOST_TEST(a.identity.uid == b.identity.uid);
    BOOST_TEST(a.access.cidr_allow.size() == b.access.cidr_allow.size());
    BOOST_TEST(a.access.allow.size() == b.access.allow.size());
    BOOST_TEST(a.env.size() == b.env.size());
    BOOST_TEST((a.wait == b.wait));
  }
  const ServiceConfig& run = second.services[1];
  BOOST_TEST(run.exec.words == (Lines{"/usr/bin/printf", "%s|%s\\n", "a \"b\" c", ";", "d e", "#",
                                      "not", "a", "comment"}),
             boost::test_tools::per_element());
  BOOST_TEST(second.services[0].port == (Lines{"7007", "7007/udp"}),
             boost::test_tools::per_element());
  BOOST_TEST(second.global.defaults.log_level.value == 4);
  BOOST_TEST(second.services[0].max_instances == 20);
}

BOOST_AUTO_TEST_CASE(embedded_configuration_says_so) {
  Config c;
  c.embedded = true;
  c.conf_path = "(embedded)";
  std::string text = print_config(c);
  BOOST_TEST(text.rfind("# superd: no conf file at " + std::string(default_conf_path()) +
                            "; the embedded default configuration\n",
                        0) == 0u);
  BOOST_TEST(text.find('[') == std::string::npos);
  BOOST_TEST(line_for(sections(text)[""], "log_level") == ann("log_level = 2", "default"));
}

BOOST_AUTO_TEST_CASE(man_keys_documents_every_key) {
  std::string man = man_keys();
  for (const KeySpec& k : keys()) {
    BOOST_TEST(man.find(".It Cm " + std::string(k.name) + " Ar " + k.target.type + "\n") !=
                   std::string::npos,
               k.name);
    BOOST_TEST(man.find(k.doc) != std::string::npos, k.name);
  }
  BOOST_TEST(man.find(".Bl -tag -width Ds\n") == man.find(".Bl"));
  BOOST_TEST(man.substr(man.size() - 4) == ".El\n");
}

BOOST_AUTO_TEST_SUITE_END()
