// SPDX-License-Identifier: MIT
// conf/inetd_conf: the classic inetd.conf format parsed as openbsd-inetd
// reads it, every bad line named by file:line, entries turned into superd
// settings (endpoints, argv, limits) and named stably.
#include "conf/inetd_conf.hpp"

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <ostream>

#include "conf/ini_source.hpp"
#include "temp_dir.hpp"

namespace bdata = boost::unit_test::data;
using namespace superd::conf;
using superd::Diagnostic;
using superd::Severity;
using Lines = std::vector<std::string>;

namespace {

struct Parsed {
  std::vector<InetdEntry> entries;
  std::vector<Diagnostic> diags;
  Lines errors() const {
    Lines out;
    for (const Diagnostic& d : diags) out.push_back(d.str());
    return out;
  }
  std::string first_error() const { return diags.empty() ? std::string() : diags.front().str(); }
};

Parsed parse(const std::string& text) {
  Parsed p;
  parse_inetd_conf(text, "inetd.conf", p.entries, p.diags);
  return p;
}

// "section key = text" for every setting.
Lines settings_of(const std::string& text) {
  Parsed p = parse(text);
  BOOST_TEST_REQUIRE(p.diags.empty(), p.first_error());
  Lines out;
  for (const Setting& s : inetd_settings(p.entries))
    out.push_back(s.section + " " + s.key + " = " + s.text + " @" + s.origin.str());
  return out;
}

struct Bad {
  std::string line;
  std::string error;
};
std::ostream& operator<<(std::ostream& os, const Bad& b) { return os << b.line; }

}  // namespace

BOOST_AUTO_TEST_SUITE(inetd_conf)

BOOST_AUTO_TEST_CASE(reads_fields_comments_and_sticky_hosts) {
  Parsed p = parse(
      "# /etc/inetd.conf\n"
      "#:INTERNAL: Internal services\n"
      "\n"
      "echo\tstream\ttcp\tnowait\troot\tinternal\n"
      "#<off># telnet stream tcp nowait telnetd /usr/sbin/tcpd /usr/sbin/in.telnetd\n"
      "  127.0.0.1:  \n"
      "ftp stream tcp nowait.40 ftp.nogroup /usr/sbin/tcpd in.ftpd -l\r\n"
      "[::1]:smtp stream tcp46 wait mail:mail /usr/sbin/exim4 exim4 -bs\n"
      "*:\n"
      "/run/x.sock dgram unix wait nobody /usr/bin/prog\n");
  BOOST_TEST_REQUIRE(p.diags.empty(), p.first_error());
  BOOST_TEST_REQUIRE(p.entries.size() == 4u);
  const InetdEntry& echo = p.entries[0];
  BOOST_TEST(echo.line == 4);
  BOOST_TEST(echo.host == "");
  BOOST_TEST(echo.service == "echo");
  BOOST_TEST(echo.server == "internal");
  BOOST_TEST(!echo.wait);
  const InetdEntry& ftp = p.entries[1];
  BOOST_TEST(ftp.line == 7);
  BOOST_TEST(ftp.host == "127.0.0.1");
  BOOST_TEST(ftp.max == 40);
  BOOST_TEST(ftp.user == "ftp");
  BOOST_TEST(ftp.group == "nogroup");
  BOOST_TEST(ftp.args == Lines({"in.ftpd", "-l"}), boost::test_tools::per_element());
  const InetdEntry& smtp = p.entries[2];
  BOOST_TEST(smtp.host == "::1");
  BOOST_TEST(smtp.service == "smtp");
  BOOST_TEST(smtp.wait);
  BOOST_TEST(smtp.group == "mail");
  const InetdEntry& unix_entry = p.entries[3];
  BOOST_TEST(unix_entry.host == "");
  BOOST_TEST(unix_entry.service == "/run/x.sock");
  BOOST_TEST(unix_entry.args.empty());
}

BOOST_AUTO_TEST_CASE(entries_become_settings_at_their_lines) {
  Lines got = settings_of(
      "echo stream tcp nowait root internal\n"
      "echo dgram udp wait root internal\n"
      "ftp stream tcp6 nowait.40 ftp.nogroup /usr/sbin/tcpd in.ftpd -l\n"
      "ssh stream tcp46 nowait root /usr/sbin/sshd /usr/sbin/sshd -i\n"
      "/run/x.sock dgram unix wait nobody /usr/bin/prog\n"
      "10.0.0.1:8080 stream tcp nowait www-data /usr/bin/printf printf %s\\n it's\n");
  Lines want = {
      "echo-tcp port = 0.0.0.0:echo/tcp @conf-file inetd.conf:1",
      "echo-tcp builtin = echo @conf-file inetd.conf:1",
      "echo-udp port = 0.0.0.0:echo/udp @conf-file inetd.conf:2",
      "echo-udp builtin = echo @conf-file inetd.conf:2",
      "ftp port = [::]:ftp/tcp @conf-file inetd.conf:3",
      "ftp v6only = yes @conf-file inetd.conf:3",
      "ftp exec = @/usr/sbin/tcpd in.ftpd -l @conf-file inetd.conf:3",
      "ftp wait = no @conf-file inetd.conf:3",
      "ftp user = ftp @conf-file inetd.conf:3",
      "ftp group = nogroup @conf-file inetd.conf:3",
      "ftp max_rate = 0.666667 @conf-file inetd.conf:3",
      "ssh port = *:ssh/tcp @conf-file inetd.conf:4",
      "ssh exec = /usr/sbin/sshd -i @conf-file inetd.conf:4",
      "ssh wait = no @conf-file inetd.conf:4",
      "ssh user = root @conf-file inetd.conf:4",
      "x_sock port = /run/x.sock|dgram|unix @conf-file inetd.conf:5",
      "x_sock exec = /usr/bin/prog @conf-file inetd.conf:5",
      "x_sock wait = yes @conf-file inetd.conf:5",
      "x_sock user = nobody @conf-file inetd.conf:5",
      "8080 port = 10.0.0.1:8080/tcp @conf-file inetd.conf:6",
      "8080 exec = @/usr/bin/printf printf '%s\\n' 'it'\\''s' @conf-file inetd.conf:6",
      "8080 wait = no @conf-file inetd.conf:6",
      "8080 user = www-data @conf-file inetd.conf:6",
  };
  BOOST_TEST(got == want, boost::test_tools::per_element());
}

// The host of a "HOST:" line reaches Unix entries too; they have no address family to check.
BOOST_AUTO_TEST_CASE(unix_entries_after_an_ipv6_host_line) {
  Parsed p = parse("[::1]:\n/run/y.sock stream unix nowait nobody /bin/cat\n::1:echo stream tcp6 nowait root internal\n");
  BOOST_TEST(p.diags.empty(), p.first_error());
  BOOST_TEST(p.entries.size() == 2u);
}

BOOST_AUTO_TEST_CASE(names_stay_unique) {
  Parsed p = parse(
      "127.0.0.1:echo stream tcp nowait root internal\n"
      "127.0.0.2:echo stream tcp nowait root internal\n"
      "echo dgram udp wait root internal\n"
      "::1:daytime stream tcp6 nowait root internal\n"
      "/run/a.b.sock stream unix nowait root /bin/cat\n");
  // "::1:daytime" splits at the last colon: host "::1".
  BOOST_TEST_REQUIRE(p.entries.size() == 5u);
  BOOST_TEST(p.entries[3].host == "::1");
  Lines names = inetd_service_names(p.entries);
  BOOST_TEST(names == Lines({"echo-tcp-1", "echo-tcp-2", "echo-udp", "daytime", "a_b_sock"}),
             boost::test_tools::per_element());
  for (const std::string& n : names) BOOST_TEST(valid_service_name(n), n);
  // A name that numbering makes, also written as a service of its own.
  Parsed q = parse("echo stream tcp nowait root internal\necho stream tcp nowait root internal\n"
                   "echo-tcp-2 stream tcp nowait root /bin/cat\n");
  BOOST_TEST(inetd_service_names(q.entries) == Lines({"echo-tcp-1", "echo-tcp-2", "echo-tcp-2-2"}),
             boost::test_tools::per_element());
}

BOOST_DATA_TEST_CASE(
    bad_lines_are_named,
    bdata::make(std::vector<Bad>{
        {"echo stream tcp nowait root", "inetd.conf:1: expected 'SERVICE SOCKTYPE PROTO wait|nowait "
                                        "USER SERVER [ARGS]', found 5 fields"},
        {"echo", "inetd.conf:1: expected 'SERVICE SOCKTYPE PROTO wait|nowait USER SERVER [ARGS]', "
                 "found 1 field"},
        {"echo raw tcp nowait root internal",
         "inetd.conf:1: socket type 'raw' is not supported (expected stream or dgram)"},
        {"echo stream sctp nowait root internal",
         "inetd.conf:1: unknown protocol 'sctp' (expected tcp, tcp4, tcp6, tcp46, udp, udp4, udp6, "
         "udp46 or unix)"},
        {"127.0.0.1:echo stream tcp6 nowait root internal",
         "inetd.conf:1: host '127.0.0.1' is an IPv4 address, but protocol 'tcp6' is IPv6 only (write tcp "
         "for an IPv4 address)"},
        {"[::1]:echo stream tcp nowait root internal",
         "inetd.conf:1: host '::1' is an IPv6 address, but protocol 'tcp' is IPv4 only (write tcp6 for an "
         "IPv6 address)"},
        {"::1:echo dgram udp4 wait root internal",
         "inetd.conf:1: host '::1' is an IPv6 address, but protocol 'udp4' is IPv4 only (write udp6 for an "
         "IPv6 address)"},
        {"echo dgram tcp wait root internal",
         "inetd.conf:1: socket type 'dgram' does not go with protocol 'tcp' (dgram sockets are udp or "
         "unix)"},
        {"echo stream tcp nowaitt root internal",
         "inetd.conf:1: expected 'wait' or 'nowait' (optionally '.MAX'), found 'nowaitt'"},
        {"echo stream tcp nowait.0 root internal",
         "inetd.conf:1: 'nowait.0': MAX must be a number of programs per minute, 1 to 1000000"},
        {"echo stream tcp nowait.x root internal",
         "inetd.conf:1: 'nowait.x': MAX must be a number of programs per minute, 1 to 1000000"},
        {"echo stream tcp nowait. root internal",
         "inetd.conf:1: 'nowait.': MAX must be a number of programs per minute, 1 to 1000000"},
        {"echo stream tcp nowait root. internal",
         "inetd.conf:1: bad user field 'root.' (expected USER, USER.GROUP or USER:GROUP)"},
        {"echo stream tcp nowait :root internal",
         "inetd.conf:1: bad user field ':root' (expected USER, USER.GROUP or USER:GROUP)"},
        {"echo stream tcp nowait ;root internal",
         "inetd.conf:1: bad user field ';root' (expected USER, USER.GROUP or USER:GROUP)"},
        {"echo stream tcp nowait root:wheel# internal",
         "inetd.conf:1: bad user field 'root:wheel#' (expected USER, USER.GROUP or USER:GROUP)"},
        {";x:echo stream tcp nowait root internal",
         "inetd.conf:1: bad host ';x' (expected an address or a host name)"},
        {"[a;b]:", "inetd.conf:1: bad host 'a;b' (expected an address or a host name)"},
        {"ec#ho stream tcp nowait root internal",
         "inetd.conf:1: service 'ec#ho' is not a service name or port number"},
        {"run/x.sock stream unix nowait root /bin/cat",
         "inetd.conf:1: Unix socket path 'run/x.sock' must be absolute"},
        {"echo stream tcp nowait root cat",
         "inetd.conf:1: server 'cat' must be an absolute path or 'internal'"},
        {"rstatd/1-5 dgram rpc/udp wait root /usr/sbin/rpc.rstatd",
         "inetd.conf:1: RPC service 'rstatd/1-5' (rpc/udp) is not supported"},
        {"tcpmux/+scp stream tcp nowait root /usr/bin/scp scp",
         "inetd.conf:1: TCPMUX service 'tcpmux/+scp' is not supported"},
        {"a/b stream tcp nowait root /bin/cat", "inetd.conf:1: service 'a/b' is not a service name or port number"},
        {"127.0.0.1: stream tcp nowait root /bin/cat", "inetd.conf:1: no service name in '127.0.0.1:'"},
        {":", "inetd.conf:1: empty host in ':' (write '*:' for every address)"},
        {std::string("echo stream tcp nowait root /bin/c\0at", 37), "inetd.conf:1: line contains control character 0x00 at column 35"},
        {"echo stream tcp nowait root\f /bin/cat", "inetd.conf:1: line contains control character 0x0c at column 28"},
    }),
    b) {
  Parsed p = parse(b.line + "\n");
  BOOST_TEST(p.entries.empty());
  BOOST_TEST(p.errors() == Lines{b.error}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(every_bad_line_is_reported_and_the_good_ones_kept) {
  std::string long_line(kMaxLineLength + 1, 'x');
  Parsed p = parse("echo stream tcp nowait root internal\nbogus\n" + long_line +
                   "\ndaytime stream tcp nowait root internal\n");
  BOOST_TEST(p.entries.size() == 2u);
  BOOST_TEST(p.errors() ==
                 Lines({"inetd.conf:2: expected 'SERVICE SOCKTYPE PROTO wait|nowait USER SERVER [ARGS]', "
                        "found 1 field",
                        "inetd.conf:3: line is 65537 bytes, longer than the 65536 allowed"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(files_missing_unreadable_and_special) {
  superd::test::TempDir dir;
  std::vector<InetdEntry> entries;
  std::vector<Diagnostic> diags;
  read_inetd_conf(dir.path + "/none", entries, diags);
  BOOST_TEST_REQUIRE(diags.size() == 1u);
  BOOST_TEST((diags[0].severity == Severity::Warning));
  BOOST_TEST(diags[0].str() == dir.path + "/none: warning: does not exist: no service read from it");
  diags.clear();
  read_inetd_conf(dir.path + "/none", entries, diags, false);
  BOOST_TEST_REQUIRE(diags.size() == 1u);
  BOOST_TEST((diags[0].severity == Severity::Error));
  BOOST_TEST(diags[0].str() ==
             dir.path + "/none: cannot read '" + dir.path + "/none': No such file or directory");
  diags.clear();
  read_inetd_conf(dir.path, entries, diags);
  BOOST_TEST_REQUIRE(diags.size() == 1u);
  BOOST_TEST(diags[0].str() == dir.path + ": cannot read '" + dir.path +
                                   "': a directory, not a regular file");
  BOOST_TEST(entries.empty());
}

BOOST_AUTO_TEST_CASE(import_quotes_each_line) {
  Parsed p = parse("echo stream tcp nowait root internal\n");
  BOOST_TEST(render_inetd_import(p.entries) ==
             "\n# inetd.conf:1: echo stream tcp nowait root internal\n[echo]\n"
             "port = 0.0.0.0:echo/tcp\nbuiltin = echo\n");
}

BOOST_AUTO_TEST_CASE(words_are_quoted_only_when_needed) {
  BOOST_TEST(quote_word("/usr/sbin/in.tftpd") == "/usr/sbin/in.tftpd");
  BOOST_TEST(quote_word("--port=69,a:b+c@d%e") == "--port=69,a:b+c@d%e");
  BOOST_TEST(quote_word("") == "''");
  BOOST_TEST(quote_word("a b") == "'a b'");
  BOOST_TEST(quote_word("$HOME") == "'$HOME'");
  BOOST_TEST(quote_word("it's") == "'it'\\''s'");
}

BOOST_AUTO_TEST_SUITE_END()
