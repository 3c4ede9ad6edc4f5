// SPDX-License-Identifier: MIT
// conf/xinetd_import: xinetd configurations held in memory (through the
// XinetdFiles seam) imported as superd conf: every attribute's mapping, the
// defaults block and its operators, includes, and every error message.
#include "conf/xinetd_import.hpp"

#include <sys/stat.h>

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <fstream>
#include <map>
#include <sstream>

#include "conf/ini_source.hpp"
#include "temp_dir.hpp"
#include "xinetd_seam.hpp"

using namespace superd::conf;
using superd::Diagnostic;
using superd::test::Import;
using superd::test::import;
using superd::test::kServices;

namespace {

// A stream service block with `body` added.
std::string svc(const std::string& name, const std::string& body) {
  return "service " + name + "\n{\n\tsocket_type = stream\n\twait = no\n" + body + "}\n";
}

std::string prog(const std::string& name, const std::string& body) {
  return svc(name, "\tuser = nobody\n\tserver = /usr/bin/prog\n" + body);
}

bool has(const std::string& out, const std::string& line) {
  return ("\n" + out).find("\n" + line + "\n") != std::string::npos;
}

// The section of service `name` in `out`.
std::string section(const std::string& out, const std::string& name) {
  auto start = out.find("[" + name + "]\n");
  if (start == std::string::npos) return {};
  auto end = out.find("\n[", start + 1);
  auto end2 = out.find("\n# [", start + 1);
  return out.substr(start, std::min(end, end2) - start + 1);
}

// The output parses as superd conf text without a single diagnostic.
void parses_cleanly(const std::string& out) {
  Settings settings;
  std::vector<Diagnostic> diags;
  parse_string(out, "imported.conf", settings, diags);
  for (const Diagnostic& d : diags) BOOST_ERROR(d.str());
}

struct Unrunnable {
  std::string conf, reason;
};
std::ostream& operator<<(std::ostream& os, const Unrunnable& u) { return os << u.reason; }

const Unrunnable kUnrunnable[] = {
    {svc("rstatd", "\ttype = RPC\n\tuser = root\n\tserver = /usr/sbin/rpc.rstatd\n\trpc_version = 2-4\n"),
     "RPC services need the portmapper, which superd does not use"},
    {svc("tcpmux", "\ttype = INTERNAL\n"),
     "INTERNAL service 'tcpmux' is not a superd built-in (echo, discard, chargen, daytime, time)"},
    {prog("mux", "\ttype = TCPMUX UNLISTED\n"), "superd has no TCPMUX (RFC 1078) multiplexer"},
    {prog("s", "\ttype = UNLISTED\n\tport = 99\n\tflags = SENSOR\n"), "superd has no SENSOR services"},
    {svc("fwd", "\ttype = UNLISTED\n\tport = 98\n\tredirect = 10.0.0.1 80\n"),
     "redirect: superd does not forward connections to another host"},
    {prog("fwdserver", "\ttype = UNLISTED\n\tport = 95\n\tredirect = 10.0.0.1 80\n"),
     "redirect: superd does not forward connections to another host"},
    {prog("rel", "\ttype = UNLISTED\n\tport = 97\n\tprotocol = sctp\n"), "protocol sctp: superd serves tcp and udp only"},
    {"service raw\n{\n\tsocket_type = raw\n\twait = yes\n\tuser = root\n\tserver = /r\n}\n",
     "socket_type raw: superd serves stream and dgram sockets only"},
    {svc("relpath", "\tuser = root\n\tserver = bin/prog\n\ttype = UNLISTED\n\tport = 96\n"),
     "server 'bin/prog' is not an absolute path, which superd needs"},
    {"service dg\n{\n\tsocket_type = dgram\n\tprotocol = tcp\n\twait = yes\n\ttype = INTERNAL\n}\n",
     "socket_type dgram over protocol tcp has no superd endpoint"},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(xinetd_import)

BOOST_AUTO_TEST_CASE(header_names_every_source_file) {
  Import r = import({{"/x/xinetd.conf", "defaults\n{\n}\ninclude more\nincludedir d\n"},
                     {"/x/more", ""}, {"/x/d/a", ""}});
  BOOST_TEST_REQUIRE(r.ok, (r.errors.empty() ? "" : r.errors[0]));
  BOOST_TEST(r.out.rfind("# superd configuration imported from xinetd by superd --import-xinetd\n"
                         "# source: /x/xinetd.conf\n# source: /x/more\n# source: /x/d/a\n"
                         "# The xinetd defaults block (/x/xinetd.conf:1) is applied to every service below.\n",
                         0) == 0, r.out);
}

BOOST_AUTO_TEST_CASE(internal_services_become_builtins_on_their_etc_services_port) {
  Import r = import(
      "service echo\n{\n\ttype = INTERNAL\n\tid = echo-stream\n\tsocket_type = stream\n"
      "\tprotocol = tcp\n\tuser = root\n\twait = no\n}\n"
      "service echo\n{\n\ttype = INTERNAL\n\tid = echo-dgram\n\tsocket_type = dgram\n\twait = yes\n}\n");
  BOOST_TEST_REQUIRE(r.ok, r.errors.size());
  std::string s = section(r.out, "echo-stream");
  BOOST_TEST(has(s, "port = 7/tcp"), s);
  BOOST_TEST(has(s, "builtin = echo"), s);
  BOOST_TEST(has(s, "# xinetd user = root: no equivalent (built-ins run inside superd)"), s);
  BOOST_TEST(has(s, "# xinetd wait = no: no equivalent (built-ins run inside superd)"), s);
  BOOST_TEST(has(section(r.out, "echo-dgram"), "port = 7/udp"), r.out);
  parses_cleanly(r.out);
}

BOOST_AUTO_TEST_CASE(server_and_args_become_exec_quoted_for_superd) {
  Import r = import(svc("ftp", "\tuser = ftp\n\tgroup = ftp\n\tserver = /usr/sbin/in.ftpd\n"
                               "\tserver_args = -l it's $HOME a;b ;c \"q\" \\x\n"));
  BOOST_TEST_REQUIRE(r.ok, (r.errors.empty() ? "" : r.errors[0]));
  std::string s = section(r.out, "ftp");
  BOOST_TEST(has(s, "exec = /usr/sbin/in.ftpd -l 'it'\\''s' '$HOME' 'a;b' ';c' '\"q\"' '\\x'"), s);
  BOOST_TEST(has(s, "port = 21/tcp"), s);
  BOOST_TEST(has(s, "wait = no"), s);
  BOOST_TEST(has(s, "user = ftp"), s);
  BOOST_TEST(has(s, "group = ftp"), s);
  parses_cleanly(r.out);
}

BOOST_AUTO_TEST_CASE(exec_without_user_runs_as_root_explicitly) {
  Import r = import(svc("ftp", "\tserver = /usr/sbin/in.ftpd\n"));
  BOOST_TEST_REQUIRE(r.ok, (r.errors.empty() ? "" : r.errors[0]));
  BOOST_TEST(has(r.out, "user = root"), r.out);
  BOOST_TEST(has(r.out, "# xinetd sets no user here: the program ran as xinetd's own user, root when "
                        "xinetd ran as root"), r.out);
}

BOOST_AUTO_TEST_CASE(limits_map_to_max_keys) {
  Import r = import(prog("ftp", "\tinstances = UNLIMITED\n\tper_source = 4\n\tcps = 30 15\n"
                                "\tnice = -5\n\tumask = 027\n") +
                    prog("telnet", "\tinstances = 8\n\tper_source = unlimited\n"));
  BOOST_TEST_REQUIRE(r.ok, (r.errors.empty() ? "" : r.errors[0]));
  std::string s = section(r.out, "ftp");
  BOOST_TEST(has(s, "max_instances = -1"), s);
  BOOST_TEST(has(s, "max_per_source = 4"), s);
  BOOST_TEST(has(s, "max_rate = 30"), s);
  BOOST_TEST(has(s, "# xinetd cps = 30 15: the 15-second pause has no equivalent (superd pauses "
                    "accepting only while connections come faster than max_rate)"), s);
  BOOST_TEST(has(s, "nice = -5"), s);
  BOOST_TEST(has(s, "umask = 027"), s);
  BOOST_TEST(has(section(r.out, "telnet"), "max_instances = 8"), r.out);
  BOOST_TEST(has(section(r.out, "telnet"), "max_per_source = -1"), r.out);
}

BOOST_AUTO_TEST_CASE(out_of_range_nice_is_a_comment_not_a_bad_key) {
  Import r = import(prog("ftp", "\tnice = 40\n"));
  BOOST_TEST_REQUIRE(r.ok, (r.errors.empty() ? "" : r.errors[0]));
  BOOST_TEST(!has(r.out, "nice = 40"), r.out);
  BOOST_TEST(r.out.find("# xinetd nice = 40: no equivalent (superd refuses 'nice = 40': ") !=
                 std::string::npos, r.out);
}

BOOST_AUTO_TEST_CASE(only_from_forms_become_cidr_allow_and_allow) {
  Import r = import(prog("ftp", "\tonly_from = 10.1.0.0 10.2.3.4 172.16.{1,2} 192.168.1.{5} "
                                "10.8.0.0/13 2001:db8::1 2001:db8::/32 Host.Example.com .example.org\n"));
  BOOST_TEST_REQUIRE(r.ok, r.errors.size());
  for (const char* line :
       {"cidr_allow = 10.1.0.0/16", "cidr_allow = 10.2.3.4", "cidr_allow = 172.16.1.0/24",
        "cidr_allow = 172.16.2.0/24", "cidr_allow = 192.168.1.5", "cidr_allow = 10.8.0.0/13",
        "cidr_allow = 2001:db8::1", "cidr_allow = 2001:db8::/32",
        "allow = ^host\\.example\\.com$", "allow = \\.example\\.org$",
        "# xinetd only_from host names: allow matches them on the peer's reverse name, "
        "looked up only with reverse_lookups = yes: without it those hosts are refused"})
    BOOST_TEST(has(r.out, line), line << "\n" << r.out);
  parses_cleanly(r.out);
}

BOOST_AUTO_TEST_CASE(only_from_all_and_nobody) {
  Import r = import(prog("ftp", "\tonly_from = 0.0.0.0\n") + prog("telnet", "\tonly_from =\n"));
  BOOST_TEST_REQUIRE(r.ok, (r.errors.empty() ? "" : r.errors[0]));
  std::string all = section(r.out, "ftp"), none = section(r.out, "telnet");
  BOOST_TEST(has(all, "cidr_allow = 0.0.0.0/0"), all);
  BOOST_TEST(has(all, "cidr_allow = ::/0"), all);
  BOOST_TEST(has(none, "cidr_deny = 0.0.0.0/0"), none);
  BOOST_TEST(has(none, "cidr_deny = ::/0"), none);
  BOOST_TEST(has(none, "# xinetd only_from with no address: nobody may connect"), none);
}

BOOST_AUTO_TEST_CASE(no_access_becomes_cidr_deny_and_the_closer_match_is_flagged) {
  Import r = import(prog("ftp", "\tonly_from = 10.1.2.3\n\tno_access = 10.0.0.0 bad.example.com\n"));
  BOOST_TEST_REQUIRE(r.ok, (r.errors.empty() ? "" : r.errors[0]));
  BOOST_TEST(has(r.out, "cidr_deny = 10.0.0.0/8"), r.out);
  BOOST_TEST(has(r.out, "deny = ^bad\\.example\\.com$"), r.out);
  BOOST_TEST(has(r.out, "# xinetd no_access host names: deny matches them on the peer's reverse "
                        "name, looked up only with reverse_lookups = yes: without it those hosts are NOT refused"), r.out);
  BOOST_TEST(has(r.out, "# xinetd only_from 10.1.2.3 lies inside no_access 10.0.0.0/8: xinetd admits "
                        "it (the closer match wins), superd refuses it (cidr_deny wins)"), r.out);
}

BOOST_AUTO_TEST_CASE(bind_interface_and_address_family_flags_set_host) {
  Import r = import(prog("ftp", "\tbind = 127.0.0.1\n") + prog("telnet", "\tinterface = ::1\n") +
                    svc("echo", "\ttype = INTERNAL\n\tflags = IPv4\n") +
                    svc("discard", "\ttype = INTERNAL\n\tflags = IPv6\n"));
  BOOST_TEST_REQUIRE(r.ok, (r.errors.empty() ? "" : r.errors[0]));
  BOOST_TEST(has(section(r.out, "ftp"), "host = 127.0.0.1"), r.out);
  BOOST_TEST(has(section(r.out, "telnet"), "host = ::1"), r.out);
  BOOST_TEST(has(section(r.out, "echo"), "host = 0.0.0.0"), r.out);
  BOOST_TEST(has(section(r.out, "discard"), "host = ::"), r.out);
}

BOOST_AUTO_TEST_CASE(a_services_own_interface_beats_the_defaults_bind) {
  Import r = import("defaults\n{\n\tbind = 127.0.0.1\n}\n" + prog("ftp", "\tinterface = 127.0.0.2\n"));
  BOOST_TEST_REQUIRE(r.ok, (r.errors.empty() ? "" : r.errors[0]));
  BOOST_TEST(has(r.out, "host = 127.0.0.2"), r.out);
  BOOST_TEST(has(r.out, "# xinetd bind = 127.0.0.1: no equivalent (interface names the address)"), r.out);
}

BOOST_AUTO_TEST_CASE(environment_and_rlimits) {
  Import r = import(prog("ftp", "\tenv = TZ=UTC A=1\n\tenv += B=2 not-an-entry\n\tpassenv = PATH HOME\n"
                                "\tpassenv -= HOME\n\trlimit_as = 8M\n\trlimit_cpu = 20\n"
                                "\trlimit_data = UNLIMITED\n\trlimit_files = 1024\n"
                                "\trlimit_stack = 512K\n\trlimit_rss = 4M\n"));
  BOOST_TEST_REQUIRE(r.ok, (r.errors.empty() ? "" : r.errors[0]));
  for (const char* line : {"env = TZ=UTC", "env = A=1", "env = B=2", "passenv = PATH",
                           "rlimit_as = 8M", "rlimit_cpu = 20", "rlimit_data = unlimited",
                           "rlimit_nofile = 1024", "rlimit_stack = 512K",
                           "# xinetd rlimit_rss = 4M: no equivalent (Linux does not enforce RLIMIT_RSS)"})
    BOOST_TEST(has(r.out, line), line << "\n" << r.out);
  BOOST_TEST(!has(r.out, "passenv = HOME"), r.out);
  BOOST_TEST(r.out.find("no equivalent (superd refuses 'env = not-an-entry': ") != std::string::npos, r.out);
  parses_cleanly(r.out);
}

BOOST_AUTO_TEST_CASE(banner_fail_of_one_line_becomes_busy_message) {
  Import r = import({{"/x/xinetd.conf", prog("ftp", "\tbanner_fail = /x/busy\n") +
                                            prog("telnet", "\tbanner_fail = /x/long\n") +
                                            prog("daytime", "\tbanner_fail = /x/none\n")},
                     {"/x/busy", "Too busy; try later\r\n"}, {"/x/long", "one\ntwo\n"}});
  BOOST_TEST_REQUIRE(r.ok, (r.errors.empty() ? "" : r.errors[0]));
  BOOST_TEST(has(section(r.out, "ftp"), "busy_message = Too busy; try later"), r.out);
  BOOST_TEST(has(section(r.out, "telnet"),
                 "# xinetd banner_fail = /x/long: no equivalent (superd's busy_message is one line of "
                 "text, and /x/long is not)"), r.out);
  BOOST_TEST(has(section(r.out, "daytime"),
                 "# xinetd banner_fail = /x/none: no equivalent (cannot read /x/none: no such file)"), r.out);
  parses_cleanly(r.out);
}

BOOST_AUTO_TEST_CASE(a_banner_line_that_inih_would_cut_stays_a_comment) {
  Import r = import({{"/x/xinetd.conf", prog("ftp", "\tbanner_fail = /x/busy\n")}, {"/x/busy", "busy ;later\n"}});
  BOOST_TEST_REQUIRE(r.ok, (r.errors.empty() ? "" : r.errors[0]));
  BOOST_TEST(has(r.out, "# xinetd banner_fail = /x/busy: no equivalent (superd refuses 'busy_message = "
                        "busy ;later': a ';' after a blank would start a comment)"), r.out);
}

BOOST_AUTO_TEST_CASE(disabling_by_attribute_flag_and_defaults) {
  Import r = import("defaults\n{\n\tdisabled = tftp\n\tdisabled += telnet\n\tdisabled -= telnet\n}\n" +
                    prog("ftp", "\tdisable = yes\n") + prog("telnet", "\tflags = DISABLE\n") +
                    svc("tftp", "\tuser = nobody\n\tserver = /usr/bin/prog\n\tport = 69\n\ttype = UNLISTED\n") +
                    prog("echo", "\tdisable = no\n\ttype = UNLISTED\n\tport = 7007\n"));
  BOOST_TEST_REQUIRE(r.ok, (r.errors.empty() ? "" : r.errors[0]));
  BOOST_TEST(has(section(r.out, "ftp"), "disabled = yes"), r.out);
  BOOST_TEST(has(section(r.out, "telnet"), "disabled = yes"), r.out);
  BOOST_TEST(has(section(r.out, "tftp"), "disabled = yes"), r.out);
  BOOST_TEST(has(section(r.out, "tftp"), "# xinetd defaults disabled lists it: disabled"), r.out);
  BOOST_TEST(!has(section(r.out, "echo"), "disabled = yes"), r.out);
}

BOOST_AUTO_TEST_CASE(defaults_enabled_disables_the_others) {
  Import r = import("defaults\n{\n\tenabled = ftp\n}\n" + prog("ftp", "") + prog("telnet", ""));
  BOOST_TEST_REQUIRE(r.ok, (r.errors.empty() ? "" : r.errors[0]));
  BOOST_TEST(!has(section(r.out, "ftp"), "disabled = yes"), r.out);
  BOOST_TEST(has(section(r.out, "telnet"), "disabled = yes"), r.out);
  BOOST_TEST(has(section(r.out, "telnet"), "# xinetd defaults enabled does not list it: disabled"), r.out);
}

BOOST_AUTO_TEST_CASE(defaults_lists_accumulate_and_services_replace_add_or_remove) {
  Import r = import("defaults\n{\n\tonly_from = 10.0.0.1\n\tonly_from = 10.0.0.2\n"
                    "\tonly_from += 10.0.0.3\n\tonly_from -= 10.0.0.2\n\tinstances = 7\n}\n" +
                    prog("ftp", "") + prog("telnet", "\tonly_from = 10.0.0.9\n\tonly_from = 10.0.0.8\n") +
                    prog("daytime", "\tonly_from += 10.0.0.9\n\tonly_from -= 10.0.0.1\n\tinstances = 2\n"));
  BOOST_TEST_REQUIRE(r.ok, (r.errors.empty() ? "" : r.errors[0]));
  std::string inherit = section(r.out, "ftp"), replace = section(r.out, "telnet"), edit = section(r.out, "daytime");
  BOOST_TEST(has(inherit, "cidr_allow = 10.0.0.1"), inherit);
  BOOST_TEST(!has(inherit, "cidr_allow = 10.0.0.2"), inherit);
  BOOST_TEST(has(inherit, "cidr_allow = 10.0.0.3"), inherit);
  BOOST_TEST(has(inherit, "max_instances = 7"), inherit);
  BOOST_TEST(!has(replace, "cidr_allow = 10.0.0.1"), replace);
  BOOST_TEST(has(replace, "cidr_allow = 10.0.0.9"), replace);
  BOOST_TEST(has(replace, "cidr_allow = 10.0.0.8"), replace);
  BOOST_TEST(!has(edit, "cidr_allow = 10.0.0.1"), edit);
  BOOST_TEST(has(edit, "cidr_allow = 10.0.0.3"), edit);
  BOOST_TEST(has(edit, "cidr_allow = 10.0.0.9"), edit);
  BOOST_TEST(has(edit, "max_instances = 2"), edit);
}

BOOST_AUTO_TEST_CASE(unlisted_services_use_their_port) {
  Import r = import(prog("mine", "\ttype = UNLISTED\n\tport = 7070\n") + prog("ftp", "\tport = 21\n"));
  BOOST_TEST_REQUIRE(r.ok, (r.errors.empty() ? "" : r.errors[0]));
  BOOST_TEST(has(section(r.out, "mine"), "port = 7070/tcp"), r.out);
  BOOST_TEST(has(section(r.out, "ftp"), "port = 21/tcp"), r.out);
}

BOOST_AUTO_TEST_CASE(ids_become_section_names_sanitized_and_unique) {
  Import r = import(svc("echo", "\ttype = INTERNAL\n\tid = echo.stream\n") +
                    svc("echo", "\ttype = INTERNAL\n\tid = echo-stream\n\tdisable = yes\n") +
                    prog("ftp", "\tid = " + std::string(70, 'f') + "\n"));
  BOOST_TEST_REQUIRE(r.ok, (r.errors.empty() ? "" : r.errors[0]));
  BOOST_TEST(has(r.out, "[echo-stream]"), r.out);
  BOOST_TEST(has(r.out, "# xinetd id = echo.stream: renamed echo-stream (superd section names are "
                        "letters, digits, '_' and '-', at most 64)"), r.out);
  BOOST_TEST(has(r.out, "[echo-stream-2]"), r.out);
  BOOST_TEST(has(r.out, "# xinetd id = echo-stream: renamed echo-stream-2 (another service has that id)"), r.out);
  BOOST_TEST(has(r.out, "[" + std::string(64, 'f') + "]"), r.out);
  parses_cleanly(r.out);
}

BOOST_AUTO_TEST_CASE(nameinargs_keeps_the_argv_xinetd_gives) {
  Import r = import(svc("telnet", "\tuser = root\n\tserver = /usr/sbin/tcpd\n"
                                  "\tserver_args = /usr/sbin/in.telnetd -h\n\tflags = NAMEINARGS\n") +
                    prog("ftp", "\tserver_args = ftpd -l\n\tflags = NAMEINARGS\n") +
                    prog("daytime", "\tserver_args = /usr/bin/prog -x\n\tflags = NAMEINARGS\n"));
  BOOST_TEST_REQUIRE(r.ok, (r.errors.empty() ? "" : r.errors[0]));
  BOOST_TEST(has(r.out, "exec = @/usr/sbin/tcpd /usr/sbin/in.telnetd -h"), r.out);
  BOOST_TEST(has(r.out, "exec = @/usr/bin/prog ftpd -l"), r.out);
  BOOST_TEST(has(r.out, "exec = /usr/bin/prog -x"), r.out);
  BOOST_TEST(!has(r.out, "NAMEINARGS"), r.out);
  parses_cleanly(r.out);
}

BOOST_AUTO_TEST_CASE(datagram_program_always_waits) {
  Import r = import("service tftp\n{\n\tsocket_type = dgram\n\twait = no\n\tuser = nobody\n"
                    "\tserver = /usr/sbin/in.tftpd\n}\n");
  BOOST_TEST_REQUIRE(r.ok, (r.errors.empty() ? "" : r.errors[0]));
  BOOST_TEST(has(r.out, "port = 69/udp"), r.out);
  BOOST_TEST(has(r.out, "wait = yes"), r.out);
  BOOST_TEST(has(r.out, "# xinetd wait = no: no equivalent (a datagram program gets the socket itself "
                        "in superd: wait = yes)"), r.out);
}

BOOST_AUTO_TEST_CASE(unmapped_attributes_and_flags_are_comments) {
  Import r = import(prog("ftp", "\tlog_type = SYSLOG daemon\n\tlog_on_success = PID\n\tlog_on_failure = HOST\n"
                                "\taccess_times = 2:00-9:00\n\tlibwrap = x\n\tmdns = yes\n\tmax_load = 2\n"
                                "\tdeny_time = 5\n\tv6only = yes\n\tbanner = /b\n\tbanner_success = /b\n"
                                "\tgroups = yes\n\tflags = NODELAY KEEPALIVE REUSE IDONLY NORETRY "
                                "INTERCEPT NOLIBWRAP LABELED\n"));
  BOOST_TEST_REQUIRE(r.ok, (r.errors.empty() ? "" : r.errors[0]));
  for (const char* line :
       {"# xinetd log_type = SYSLOG daemon: no equivalent (superd logs through its global log_file and syslog_facility)",
        "# xinetd access_times = 2:00-9:00: no equivalent (superd has no time-of-day access rules)",
        "# xinetd max_load = 2: no equivalent (superd does not watch the load average)",
        "# xinetd banner = /b: no equivalent (superd sends no banner file)",
        "# xinetd groups = yes: no equivalent (superd always gives a program its user's supplementary groups)",
        "nodelay = yes", "keepalive = yes", "v6only = yes",
        "# xinetd flags REUSE: no equivalent (superd always sets SO_REUSEADDR)",
        "# xinetd flags IDONLY: no equivalent (superd makes no RFC 1413 identification)"})
    BOOST_TEST(has(r.out, line), line << "\n" << r.out);
  parses_cleanly(r.out);
}

BOOST_DATA_TEST_CASE(services_superd_cannot_run_are_written_commented,
                     boost::unit_test::data::make(kUnrunnable), c) {
  const std::string& conf = c.conf;
  const std::string& reason = c.reason;
  Import r = import(conf);
  BOOST_TEST_REQUIRE(r.ok, (r.errors.empty() ? "" : r.errors[0]));
  BOOST_TEST(r.out.find(std::string(" not imported: ") + reason + "\n# xinetd service ") != std::string::npos, r.out);
  BOOST_TEST(r.out.find("\n[") == std::string::npos, r.out);
  parses_cleanly(r.out);
}

BOOST_AUTO_TEST_CASE(a_disabled_service_xinetd_would_not_check_is_commented) {
  Import r = import("service nowhere\n{\n\tsocket_type = stream\n\twait = no\n\tdisable = yes\n"
                    "\tserver = /usr/bin/prog\n}\n");
  BOOST_TEST_REQUIRE(r.ok, (r.errors.empty() ? "" : r.errors[0]));
  BOOST_TEST(r.out.find("# [nowhere] not imported: disabled, and not checked by xinetd: /x/xinetd.conf:1: "
                        "service 'nowhere': no port, and /etc/services lists no nowhere/tcp") != std::string::npos,
             r.out);
}

BOOST_AUTO_TEST_CASE(includedir_reads_sorted_names_without_dots_or_tildes) {
  Import r = import({{"/x/xinetd.conf", "includedir /x/d\n"},
                     {"/x/d/b", prog("telnet", "")},
                     {"/x/d/a", prog("ftp", "")},
                     {"/x/d/a.dpkg-old", "garbage"},
                     {"/x/d/a~", "garbage"}});
  BOOST_TEST_REQUIRE(r.ok, (r.errors.empty() ? "" : r.errors[0]));
  BOOST_TEST(r.out.find("[ftp]") < r.out.find("[telnet]"), r.out);
  BOOST_TEST(r.out.find("dpkg-old") == std::string::npos, r.out);
}

BOOST_AUTO_TEST_CASE(a_newline_in_a_file_name_cannot_break_out_of_a_comment) {
  Import r = import({{"/x/xinetd.conf", "includedir /x/d\n"}, {"/x/d/a\nb", prog("ftp", "")}});
  BOOST_TEST_REQUIRE(r.ok, (r.errors.empty() ? "" : r.errors[0]));
  BOOST_TEST(has(r.out, "# source: /x/d/a?b"), r.out);
  BOOST_TEST(has(r.out, "# xinetd service ftp at /x/d/a?b:1"), r.out);
  parses_cleanly(r.out);
}

BOOST_AUTO_TEST_CASE(real_files_directories_and_fifos) {
  superd::test::TempDir dir;
  std::string conf = dir.write("xinetd.conf", "includedir " + dir.path + "/d\n");
  dir.write("d/ftp", prog("ftp", ""));
  BOOST_TEST_REQUIRE(::mkdir((dir.path + "/d/sub").c_str(), 0755) == 0);
  std::string out;
  std::vector<Diagnostic> diags;
  BOOST_TEST(import_xinetd(conf, system_files(), kServices, out, diags));
  BOOST_TEST(has(out, "[ftp]"), out);
  diags.clear();
  BOOST_TEST(!import_xinetd(dir.path + "/d", system_files(), kServices, out, diags));
  BOOST_TEST_REQUIRE(diags.size() == 1u);
  BOOST_TEST(diags[0].str() == dir.path + "/d: cannot read: a directory, not a regular file");
  BOOST_TEST(out.empty());
  diags.clear();
  std::string fifo = dir.fifo("pipe");
  BOOST_TEST(!import_xinetd(fifo, system_files(), kServices, out, diags));
  BOOST_TEST_REQUIRE(diags.size() == 1u);
  BOOST_TEST(diags[0].str() == fifo + ": cannot read: a FIFO, not a regular file");
}

BOOST_AUTO_TEST_CASE(nothing_is_printed_when_one_service_fails) {
  Import r = import(prog("ftp", "") + prog("telnet", "\tinstances = many\n"));
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.out.empty());
}

BOOST_AUTO_TEST_CASE(services_port_reads_names_and_aliases) {
  BOOST_TEST(services_port(kServices, "discard", "udp") == 9);
  BOOST_TEST(services_port(kServices, "sink", "tcp") == 9);
  BOOST_TEST(services_port(kServices, "timserver", "tcp") == 37);
  BOOST_TEST(services_port(kServices, "tftp", "tcp") == 0);
  BOOST_TEST(services_port(kServices, "7/tcp", "tcp") == 0);
  BOOST_TEST(services_port("big 99999/tcp\n", "big", "tcp") == 0);
}

BOOST_AUTO_TEST_CASE(superd_8_maps_every_xinetd_attribute) {
  std::ifstream in(SUPERD_SOURCE_DIR "/man/superd.8");
  std::stringstream page;
  page << in.rdbuf();
  std::string text = page.str();
  auto begin = text.find(".Ss Migrating from xinetd\n"), end = text.find("\n.Sh OPTIONS\n");
  BOOST_TEST_REQUIRE((begin != std::string::npos && end != std::string::npos && begin < end));
  std::string table = text.substr(begin, end - begin);
  for (const std::string& name : xinetd_attribute_names()) {
    bool found = false;
    for (const std::string& form : {".It Cm " + name + " ", ".It Cm " + name + "\n", " , " + name + " ",
                                    ", " + name + "\n", " " + name + " , "})
      found = found || table.find(form) != std::string::npos;
    BOOST_TEST(found, name);
  }
}

BOOST_AUTO_TEST_SUITE_END()
