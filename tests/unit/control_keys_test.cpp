// SPDX-License-Identifier: MIT
// conf/control_keys: control_socket, control_socket_mode and control_users
// as a load checks them (each error at its file and line), and how
// `superd ctl` finds the socket from the argument layers or the conf file,
// even a conf file that no longer loads.
#include "conf/control_keys.hpp"

#include <boost/test/unit_test.hpp>

#include "conf/cli_source.hpp"
#include "temp_dir.hpp"

using namespace superd::conf;
using superd::Diagnostic;

namespace {

class FakeUsers : public UserDb {
 public:
  bool find_user(const std::string& name, User& out) const override {
    if (name == "root") out = User{0, 0, {0}};
    else if (name == "alice") out = User{1000, 1000, {1000}};
    else return false;
    return true;
  }
  bool find_group(const std::string&, gid_t&) const override { return false; }
  uid_t effective_uid() const override { return 1000; }  // no user switching to check
};

struct Loaded {
  bool ok = false;
  Config c;
  std::vector<std::string> errors;
};

Loaded load_conf(const std::string& conf) {
  Loaded l;
  LoadInput in;
  in.conf_text = conf;
  std::vector<Diagnostic> diags;
  l.ok = load(in, {{"echo", {true, true}}}, FakeUsers(), l.c, diags);
  for (const Diagnostic& d : diags) l.errors.push_back(d.str());
  return l;
}

LoadInput input_of(const std::vector<std::string>& command_line, const std::string* conf_text) {
  LoadInput in;
  CommandLine cl;
  std::vector<Diagnostic> diags;
  BOOST_TEST_REQUIRE(parse_args(command_line, Layer::CommandLine, cl, diags));
  in.args = cl.settings;
  if (conf_text) in.conf_text = *conf_text;
  in.embedded_conf = "[echo]\nport = 7\nbuiltin = echo\n";
  return in;
}

const std::string kEcho = "[echo]\nport = 127.0.0.1:7\nbuiltin = echo\n";

}  // namespace

BOOST_AUTO_TEST_SUITE(control_keys)

BOOST_AUTO_TEST_CASE(defaults_to_no_socket_and_mode_0600) {
  Loaded l = load_conf(kEcho);
  BOOST_TEST_REQUIRE(l.ok);
  BOOST_TEST(l.c.global.control_socket.empty());
  BOOST_TEST(l.c.global.control_socket_mode.value == 0600);
  BOOST_TEST(l.c.global.control_uids.empty());
}

BOOST_AUTO_TEST_CASE(users_by_name_and_by_uid) {
  Loaded l = load_conf("control_socket = /run/superd/control\ncontrol_socket_mode = 0660\n"
                       "control_users = alice\ncontrol_users = 4242\n" + kEcho);
  BOOST_TEST_REQUIRE(l.ok);
  BOOST_TEST(l.c.global.control_socket == "/run/superd/control");
  BOOST_TEST(l.c.global.control_socket_mode.value == 0660);
  BOOST_TEST(l.c.global.control_uids == std::vector<uid_t>({1000, 4242}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(unknown_user_at_its_line) {
  Loaded l = load_conf("control_users = alice\ncontrol_users = mallory\n" + kEcho);
  BOOST_TEST(!l.ok);
  BOOST_REQUIRE(l.errors.size() == 1u);
  BOOST_TEST(l.errors[0] == "test.conf:2: control_users: unknown user 'mallory' (a user name or a numeric uid)");
}

BOOST_AUTO_TEST_CASE(relative_path_refused) {
  Loaded l = load_conf("\ncontrol_socket = run/control\n" + kEcho);
  BOOST_TEST(!l.ok);
  BOOST_REQUIRE(l.errors.size() == 1u);
  BOOST_TEST(l.errors[0] == "test.conf:2: control_socket 'run/control' must be an absolute path (e.g. /run/superd/control)");
}

BOOST_AUTO_TEST_CASE(path_too_long_for_a_socket) {
  std::string path = "/" + std::string(120, 'x');
  Loaded l = load_conf("control_socket = " + path + "\n" + kEcho);
  BOOST_TEST(!l.ok);
  BOOST_REQUIRE(l.errors.size() == 1u);
  BOOST_TEST(l.errors[0] == "test.conf:1: control_socket '" + path +
                                "' is longer than a Unix socket path may be (107 bytes)");
}

BOOST_AUTO_TEST_CASE(path_of_a_service_refused) {
  Loaded l = load_conf("control_socket = /run/x\n[echo]\nport = /run/x|unix\nbuiltin = echo\n");
  BOOST_TEST(!l.ok);
  BOOST_REQUIRE(l.errors.size() == 1u);
  BOOST_TEST(l.errors[0] == "test.conf:1: control_socket '/run/x' is also an endpoint of service 'echo'");
}

BOOST_AUTO_TEST_CASE(path_of_the_metrics_refused) {
  Loaded l = load_conf("metrics = /run/x\ncontrol_socket = /run/x\n" + kEcho);
  BOOST_TEST(!l.ok);
  BOOST_REQUIRE(l.errors.size() == 1u);
  BOOST_TEST(l.errors[0] == "test.conf:2: control_socket '/run/x' is also the metrics endpoint");
}

BOOST_AUTO_TEST_CASE(bad_mode_at_its_line) {
  Loaded l = load_conf("control_socket_mode = 0999\n" + kEcho);
  BOOST_TEST(!l.ok);
  BOOST_REQUIRE(l.errors.size() == 1u);
  BOOST_TEST(l.errors[0] == "test.conf:1: bad value for 'control_socket_mode': '0999' is not an octal mode (e.g. 0660)");
}

BOOST_AUTO_TEST_CASE(ctl_finds_the_command_line_first) {
  std::string conf = "control_socket = /run/from-conf\n" + kEcho;
  std::string path, conf_path;
  std::vector<Diagnostic> diags;
  BOOST_TEST(find_control_socket(input_of({"--control_socket=/run/from-cli"}, &conf), path, conf_path, diags));
  BOOST_TEST(path == "/run/from-cli");
  BOOST_TEST(find_control_socket(input_of({}, &conf), path, conf_path, diags));
  BOOST_TEST(path == "/run/from-conf");
  BOOST_TEST(conf_path == "test.conf");
}

BOOST_AUTO_TEST_CASE(ctl_finds_it_in_a_conf_that_no_longer_loads) {
  std::string conf = "[global]\ncontrol_socket = /run/c\n[echo]\nprot = 7\n";
  std::string path, conf_path;
  std::vector<Diagnostic> diags;
  BOOST_TEST(find_control_socket(input_of({}, &conf), path, conf_path, diags));
  BOOST_TEST(path == "/run/c");
  BOOST_TEST(diags.empty());
}

BOOST_AUTO_TEST_CASE(ctl_without_a_socket_configured) {
  std::string path = "x", conf_path;
  std::vector<Diagnostic> diags;
  BOOST_TEST(find_control_socket(input_of({}, &kEcho), path, conf_path, diags));
  BOOST_TEST(path.empty());
}

BOOST_AUTO_TEST_CASE(ctl_with_a_conf_file_it_cannot_read) {
  superd::test::TempDir dir;
  std::string missing = dir.path + "/missing.conf";
  std::string path, conf_path;
  std::vector<Diagnostic> diags;
  BOOST_TEST(!find_control_socket(input_of({"-c", missing}, nullptr), path, conf_path, diags));
  BOOST_TEST(conf_path == missing);
  BOOST_REQUIRE(!diags.empty());
  BOOST_TEST(diags[0].str().find(missing) != std::string::npos, diags[0].str());
}

BOOST_AUTO_TEST_CASE(split_ctl_separates_settings_from_the_command) {
  std::vector<std::string> settings, command;
  bool help = false;
  BOOST_TEST(!split_ctl({"-c", "x.conf", "--log_level=3"}, settings, command, help));
  BOOST_TEST(split_ctl({"-c", "ctl", "ctl", "--control_socket", "/run/c", "--json", "drain", "web", "5"},
                       settings, command, help));
  BOOST_TEST(settings == std::vector<std::string>({"-c", "ctl", "--control_socket", "/run/c"}),
             boost::test_tools::per_element());
  BOOST_TEST(command == std::vector<std::string>({"--json", "drain", "web", "5"}), boost::test_tools::per_element());
  BOOST_TEST(!help);
  BOOST_TEST(split_ctl({"ctl", "status", "--json"}, settings, command, help));
  BOOST_TEST(command == std::vector<std::string>({"status", "--json"}), boost::test_tools::per_element());
  BOOST_TEST(split_ctl({"ctl", "--help"}, settings, command, help));
  BOOST_TEST(help);
  BOOST_TEST(command.empty());
}

BOOST_AUTO_TEST_SUITE_END()
