// SPDX-License-Identifier: MIT
// conf/xinetd_import: every error the importer reports, with its exact text
// and place, for input xinetd itself would refuse.
#include "conf/xinetd_import.hpp"

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include "xinetd_seam.hpp"

using superd::test::Import;
using superd::test::import;

namespace {

struct Case {
  const char* name;
  std::string conf;
  std::string error;  // the first diagnostic, as printed
};

std::ostream& operator<<(std::ostream& os, const Case& c) { return os << c.name; }

std::string svc(const std::string& body) {
  return "service ftp\n{\n\tsocket_type = stream\n\twait = no\n\tuser = nobody\n"
         "\tserver = /usr/bin/prog\n" + body + "}\n";
}

const std::string F = "/x/xinetd.conf:";

const Case kCases[] = {
    {"service_without_name", "service\n{\n}\n", F + "1: 'service' needs a name"},
    {"service_with_two_names", "service a b\n{\n}\n", F + "1: 'service' takes one name"},
    {"text_after_defaults", "defaults now\n{\n}\n", F + "1: unexpected text after 'defaults'"},
    {"include_without_path", "include\n", F + "1: 'include' takes one path"},
    {"brace_without_service", "{\n}\n", F + "1: '{' without 'service NAME' or 'defaults' before it"},
    {"close_without_block", "}\n", F + "1: '}' without an open block"},
    {"attribute_outside_block", "user = root\n",
     F + "1: attribute 'user' outside a block (attributes go inside 'service NAME { ... }' or 'defaults { ... }')"},
    {"unknown_keyword", "servce ftp\n",
     F + "1: unknown keyword 'servce' (expected service, defaults, include or includedir)"},
    {"missing_open_brace", "service ftp\n\tuser = root\n}\n", F + "2: expected '{' after 'service ftp' (line 1)"},
    {"missing_close_brace", "service ftp\n{\n\tuser = root\n", F + "1: service 'ftp' has no closing '}'"},
    {"eof_before_brace", "defaults\n", F + "1: defaults has no '{'"},
    {"brace_inside_block", "service ftp\n{\n{\n}\n", F + "3: '{' inside the block of service 'ftp'"},
    {"service_inside_block", "service ftp\n{\nservice b\n}\n",
     F + "3: 'service' inside the block of service 'ftp' (missing '}' for the block opened at line 1)"},
    {"text_after_close", "service ftp\n{\n} x\n", F + "3: unexpected text after '}'"},
    {"malformed_line", "service ftp\n{\n\t= x\n}\n", F + "3: malformed line '=...'"},
    {"attribute_without_operator", "service ftp\n{\n\tuser root\n}\n",
     F + "3: attribute 'user' without '=', '+=' or '-='"},
    {"unknown_attribute", "service ftp\n{\n\tsever = /bin/x\n}\n",
     F + "3: unknown attribute 'sever' (did you mean 'server'?)"},
    {"unknown_attribute_far_off", "service ftp\n{\n\tzzzzzz = 1\n}\n",
     F + "3: unknown attribute 'zzzzzz' (see xinetd.conf(5))"},
    {"service_attribute_in_defaults", "defaults\n{\n\tserver = /bin/x\n}\n",
     F + "3: 'server' cannot be set in defaults"},
    {"defaults_attribute_in_service", "service ftp\n{\n\tdisabled = yes\n}\n",
     F + "3: 'disabled' is valid only in defaults (a service says 'disable = yes')"},
    {"add_to_single_value", "service ftp\n{\n\tuser += root\n}\n", F + "3: 'user' takes only '='"},
    {"remove_from_env", "service ftp\n{\n\tenv -= A=1\n}\n", F + "3: 'env' does not take '-='"},
    {"value_missing", "service ftp\n{\n\tuser =\n}\n", F + "3: 'user' needs a value"},
    {"cps_one_value", "service ftp\n{\n\tcps = 5\n}\n", F + "3: 'cps' needs 2 values"},
    {"two_users", "service ftp\n{\n\tuser = a b\n}\n", F + "3: 'user' takes one value"},
    {"redirect_three_values", "service ftp\n{\n\tredirect = a 1 2\n}\n", F + "3: 'redirect' takes at most 2 values"},
    {"set_twice", "service ftp\n{\n\tuser = a\n\tuser = b\n}\n",
     F + "4: 'user' is set twice (first at /x/xinetd.conf:3)"},
    {"control_character", "service ftp\n{\n\tuser = a\x01\n}\n", F + "3: control character 0x01 in the line"},
    {"unknown_type", svc("\ttype = FANCY\n"), F + "7: service 'ftp': unknown type 'FANCY'"},
    {"unknown_flag", svc("\tflags = FAST\n"), F + "7: service 'ftp': unknown flags 'FAST'"},
    {"no_socket_type", "service ftp\n{\n\twait = no\n}\n",
     F + "1: service 'ftp': no socket_type (xinetd requires socket_type = stream or dgram)"},
    {"bad_socket_type", "service ftp\n{\n\tsocket_type = pipe\n\twait = no\n}\n",
     F + "3: service 'ftp': socket_type 'pipe' is not stream, dgram, raw or seqpacket"},
    {"no_wait", "service ftp\n{\n\tsocket_type = stream\n}\n",
     F + "1: service 'ftp': no wait (xinetd requires wait = yes or no)"},
    {"wait_not_boolean", "service ftp\n{\n\tsocket_type = stream\n\twait = maybe\n}\n",
     F + "4: service 'ftp': wait 'maybe' is not yes or no"},
    {"disable_not_boolean", svc("\tdisable = off\n"), F + "7: service 'ftp': disable 'off' is not yes or no"},
    {"host_superd_cannot_bind", svc("\tbind = " + std::string(300, 'h') + "\n"),
     F + "7: service 'ftp': no superd endpoint for 21/tcp: invalid host '" + std::string(300, 'h') +
         "' (expected *, an IP address or a host name)"},
    {"no_server", "service ftp\n{\n\tsocket_type = stream\n\twait = no\n}\n",
     F + "1: service 'ftp': no server (xinetd requires server for a service that is not INTERNAL)"},
    {"port_not_a_number", svc("\tport = ftp\n"), F + "7: service 'ftp': port 'ftp' is not a number from 1 to 65535"},
    {"port_out_of_range", svc("\ttype = UNLISTED\n\tport = 70000\n"),
     F + "8: service 'ftp': port '70000' is not a number from 1 to 65535"},
    {"port_differs_from_services", svc("\tport = 2121\n"),
     F + "7: service 'ftp': port 2121 differs from 21, the port of ftp/tcp in /etc/services "
         "(xinetd refuses this; add 'type = UNLISTED' or give the listed port)"},
    {"listed_port_not_in_services", "service tftp\n{\n\tsocket_type = stream\n\twait = no\n\tport = 69\n"
                                    "\tuser = a\n\tserver = /bin/x\n}\n",
     F + "5: service 'tftp': tftp/tcp is not in /etc/services (xinetd refuses this; add 'type = UNLISTED')"},
    {"unlisted_without_port", svc("\ttype = UNLISTED\n"),
     F + "1: service 'ftp': UNLISTED service without a port (add 'port = NUMBER')"},
    {"not_in_etc_services", "service mine\n{\n\tsocket_type = stream\n\twait = no\n\tserver = /bin/x\n}\n",
     F + "1: service 'mine': no port, and /etc/services lists no mine/tcp "
         "(add 'port = NUMBER' and 'type = UNLISTED')"},
    {"bad_bind", svc("\tbind = 1.2.3.4:80\n"), F + "7: service 'ftp': bind '1.2.3.4:80' is not an address or host name"},
    {"nice_not_a_number", svc("\tnice = low\n"), F + "7: service 'ftp': nice 'low' is not a number"},
    {"umask_not_octal", svc("\tumask = 089\n"), F + "7: service 'ftp': umask '089' is not an octal mask"},
    {"instances_not_a_number", svc("\tinstances = many\n"),
     F + "7: service 'ftp': instances 'many' is not a number or UNLIMITED"},
    {"per_source_not_a_number", svc("\tper_source = -1\n"),
     F + "7: service 'ftp': per_source '-1' is not a number or UNLIMITED"},
    {"cps_not_numbers", svc("\tcps = fast 10\n"),
     F + "7: service 'ftp': cps 'fast 10' is not two numbers (connections per second, then seconds to pause)"},
    {"rlimit_not_a_number", svc("\trlimit_as = 8X\n"),
     F + "7: service 'ftp': rlimit_as '8X' is not a number (with K or M) or UNLIMITED"},
    {"only_from_bad_entry", svc("\tonly_from = 10.0.0.300\n"),
     F + "7: service 'ftp': only_from: '10.0.0.300' is not an address, address block or host name"},
    {"no_access_bad_factorized", svc("\tno_access = 10.{1,x}\n"),
     F + "7: service 'ftp': no_access: '10.{1,x}' is not an address, address block or host name"},
    {"duplicate_service", svc("") + svc(""),
     F + "8: duplicate service 'ftp' (first at /x/xinetd.conf:1; disable one of them)"},
    {"same_endpoint", svc("") + "service ftp2\n{\n\tsocket_type = stream\n\twait = no\n\ttype = UNLISTED\n"
                                "\tport = 21\n\tuser = a\n\tserver = /bin/x\n}\n",
     F + "8: service 'ftp2' listens on tcp [::]:21 like another enabled service "
         "(first at /x/xinetd.conf:1; disable one of them)"},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(xinetd_errors)

BOOST_DATA_TEST_CASE(reports_the_error_at_its_line, boost::unit_test::data::make(kCases), c) {
  Import r = import(c.conf);
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.out.empty());
  BOOST_TEST_REQUIRE(!r.errors.empty());
  BOOST_TEST(r.errors[0] == c.error);
}

BOOST_AUTO_TEST_CASE(unreadable_top_file) {
  Import r = import({{"/x/other", ""}});
  BOOST_TEST(!r.ok);
  BOOST_TEST_REQUIRE(r.errors.size() == 1u);
  BOOST_TEST(r.errors[0] == "/x/xinetd.conf: cannot read: no such file");
}

BOOST_AUTO_TEST_CASE(unreadable_include) {
  Import r = import({{"/x/xinetd.conf", "\ninclude missing\n"}});
  BOOST_TEST_REQUIRE(r.errors.size() == 1u);
  BOOST_TEST(r.errors[0] == "/x/xinetd.conf:2: cannot read '/x/missing': no such file");
}

BOOST_AUTO_TEST_CASE(unreadable_includedir) {
  Import r = import({{"/x/xinetd.conf", "includedir /x/none\n"}});
  BOOST_TEST_REQUIRE(r.errors.size() == 1u);
  BOOST_TEST(r.errors[0] == "/x/xinetd.conf:1: cannot read directory '/x/none': no such directory");
}

BOOST_AUTO_TEST_CASE(include_cycle) {
  Import r = import({{"/x/xinetd.conf", "include a\n"}, {"/x/a", "# a\ninclude ./b\n"}, {"/x/b", "include ../x/xinetd.conf\n"}});
  BOOST_TEST(!r.ok);
  BOOST_TEST_REQUIRE(r.errors.size() == 1u);
  BOOST_TEST(r.errors[0] == "/x/b:1: include cycle: '/x/xinetd.conf' is already being read");
}

BOOST_AUTO_TEST_CASE(includes_nested_too_deep) {
  std::map<std::string, std::string> files{{"/x/xinetd.conf", "include f0\n"}};
  for (int i = 0; i < 20; ++i) files["/x/f" + std::to_string(i)] = "include f" + std::to_string(i + 1) + "\n";
  Import r = import(files);
  BOOST_TEST_REQUIRE(r.errors.size() == 1u);
  BOOST_TEST(r.errors[0] == "/x/f14:1: includes nested deeper than 16");
}

BOOST_AUTO_TEST_CASE(file_over_16_mib) {
  std::string big(16 * 1024 * 1024 + 1, '#');
  Import r = import({{"/x/xinetd.conf", "include big\n"}, {"/x/big", big}});
  BOOST_TEST_REQUIRE(r.errors.size() == 1u);
  BOOST_TEST(r.errors[0] == "/x/xinetd.conf:1: cannot read '/x/big': 16777217 bytes, more than the 16 MiB allowed");
}

BOOST_AUTO_TEST_CASE(imported_line_too_long_for_superd) {
  std::string args;
  for (int i = 0; i < 7000; ++i) args += " argument" + std::to_string(i);
  Import r = import(svc("\tserver_args =" + args + "\n"));
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.out.empty());
  BOOST_TEST_REQUIRE(r.errors.size() == 1u);
  BOOST_TEST(r.errors[0].find("/x/xinetd.conf: line ") == 0u, r.errors[0]);
  BOOST_TEST(r.errors[0].find(" of the imported conf would be longer than 65536 bytes, which superd refuses") !=
                 std::string::npos, r.errors[0]);
}

BOOST_AUTO_TEST_CASE(every_error_of_a_file_is_reported) {
  Import syntax = import(svc("") + "service telnet\n{\n\tuser root\n\tsever = x\n}\n");
  BOOST_TEST(syntax.errors.size() == 2u);
  Import values = import(svc("\tinstances = many\n") +
                         "service telnet\n{\n\tsocket_type = stream\n\twait = no\n\tnice = low\n"
                         "\tuser = a\n\tserver = /bin/x\n}\n");
  BOOST_TEST(values.errors.size() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()
