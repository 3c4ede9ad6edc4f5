// SPDX-License-Identifier: MIT
// conf/resolve: conf::load from in-memory conf text and argument layers,
// with a fake UserDb (the only seam): precedence, origins, every
// whole-configuration error with its place, notes, all or nothing.
#include "conf/resolve.hpp"

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <ostream>

#include "conf/cli_source.hpp"

namespace bdata = boost::unit_test::data;
using namespace superd::conf;
using superd::Diagnostic;
using superd::Severity;
using Lines = std::vector<std::string>;

namespace {

class FakeUsers : public UserDb {
 public:
  explicit FakeUsers(uid_t euid) : euid_(euid) {}
  bool find_user(const std::string& name, User& out) const override {
    if (name == "root")
      out = User{0, 0, {0}};
    else if (name == "nobody")
      out = User{65534, 65534, {}};
    else if (name == "alice")
      out = User{1000, 1000, {1000, 27}};
    else
      return false;
    return true;
  }
  bool find_group(const std::string& name, gid_t& out) const override {
    if (name == "root")
      out = 0;
    else if (name == "sudo")
      out = 27;
    else if (name == "nogroup")
      out = 65534;
    else
      return false;
    return true;
  }
  uid_t effective_uid() const override { return euid_; }

 private:
  uid_t euid_;
};

const BuiltinCatalog kBuiltins = {{"echo", {true, true}},    {"discard", {true, true}},
                                  {"daytime", {true, true}}, {"chargen", {true, true}},
                                  {"time", {true, true}},    {"tcpmux", {true, false}}};

struct Loaded {
  bool ok = false;
  Config c;
  std::vector<Diagnostic> diags;
  Lines of(Severity sev) const {
    Lines out;
    for (const Diagnostic& d : diags)
      if (d.severity == sev) out.push_back(d.str());
    return out;
  }
  Lines errors() const { return of(Severity::Error); }
  const ServiceConfig& service(const std::string& name) const {
    for (const ServiceConfig& s : c.services)
      if (s.name == name) return s;
    BOOST_FAIL("no service " << name);
    return c.services.front();
  }
};

struct Args {
  Lines new_args, command_line, run_args;
};

Loaded load_conf(const std::string& conf, const Args& args = {}, uid_t euid = 0) {
  Loaded l;
  LoadInput in;
  in.conf_text = conf;
  for (auto [layer, list] : {std::pair{Layer::NewArgs, &args.new_args},
                             std::pair{Layer::CommandLine, &args.command_line},
                             std::pair{Layer::RunArgs, &args.run_args}}) {
    CommandLine cl;
    BOOST_TEST_REQUIRE(parse_args(*list, layer, cl, l.diags));
    in.args.insert(in.args.end(), cl.settings.begin(), cl.settings.end());
  }
  l.ok = load(in, kBuiltins, FakeUsers(euid), l.c, l.diags);
  return l;
}

// Where `key`'s value in `section` came from, as --print-config says it.
std::string origin_of(const Config& c, const std::string& section, const std::string& key) {
  std::optional<ShownValue> v = c.shown.find(section, key);
  return v ? v->origin.str() : "default";
}

std::vector<std::string> endpoints(const ServiceConfig& s) {
  std::vector<std::string> out;
  for (const auto& e : s.endpoints) out.push_back(e.str());
  return out;
}

struct Precedence {
  bool new_args, command_line, run_args, conf;
  int expected;
  const char* origin;
};
std::ostream& operator<<(std::ostream& os, const Precedence& p) {
  return os << p.new_args << p.command_line << p.run_args << p.conf << " -> " << p.origin;
}

struct Bad {
  const char* conf;
  uid_t euid;
  std::string error;
};
std::ostream& operator<<(std::ostream& os, const Bad& b) { return os << b.error; }

const std::string kBoth = "a service runs a program (exec) or a built-in (builtin), exactly one";

}  // namespace

BOOST_AUTO_TEST_SUITE(resolve)

BOOST_DATA_TEST_CASE(highest_layer_wins_per_key,
                     bdata::make(std::vector<Precedence>{
                         {true, true, true, true, 10, "new-args"},
                         {false, true, true, true, 20, "command-line"},
                         {false, false, true, true, 30, "run-args"},
                         {false, false, false, true, 40, "conf-file test.conf:2"},
                         {true, false, false, true, 10, "new-args"},
                         {false, true, false, false, 20, "command-line"},
                         {false, false, false, false, -1, "default"},
                     }),
                     p) {
  Args args;
  if (p.new_args) args.new_args = {"--max_connections=10"};
  if (p.command_line) args.command_line = {"--max_connections", "20"};
  if (p.run_args) args.run_args = {"max_connections=30"};
  Loaded l = load_conf(p.conf ? "log_level = 3\nmax_connections = 40\n" : "log_level = 3\n", args);
  BOOST_TEST(l.ok, l.errors().size());
  BOOST_TEST(l.c.global.max_connections == p.expected);
  BOOST_TEST(origin_of(l.c, "", "max_connections") == p.origin);
  // Another key keeps its own winner.
  BOOST_TEST(l.c.global.defaults.log_level.value == 3);
  BOOST_TEST(origin_of(l.c, "", "log_level") == "conf-file test.conf:1");
}

BOOST_AUTO_TEST_CASE(repeatable_key_comes_whole_from_the_highest_layer) {
  const std::string conf =
      "[echo]\nport = 7\nport = 7/udp\nbuiltin = echo\ncidr_allow = 10.0.0.0/8\n";
  Loaded base = load_conf(conf);
  BOOST_TEST(base.ok);
  BOOST_TEST(endpoints(base.service("echo")) == (Lines{"*:7/tcp", "*:7/udp"}),
             boost::test_tools::per_element());
  std::optional<ShownValue> shown = base.c.shown.find("echo", "port");
  BOOST_REQUIRE(shown.has_value());
  const ShownValue& port = *shown;
  BOOST_TEST(port.texts == (Lines{"7", "7/udp"}), boost::test_tools::per_element());
  BOOST_REQUIRE(port.origins.size() == 2u);
  BOOST_TEST(port.origins[1].str() == "conf-file test.conf:3");

  Loaded l = load_conf(conf, Args{{}, {"--echo.port=9007"}, {"echo.cidr_allow=127.0.0.0/8"}});
  BOOST_TEST(l.ok);
  const ServiceConfig& s = l.service("echo");
  BOOST_TEST(s.port == Lines{"9007"}, boost::test_tools::per_element());
  BOOST_TEST(endpoints(s) == Lines{"*:9007/tcp"}, boost::test_tools::per_element());
  BOOST_REQUIRE(s.access.cidr_allow.size() == 1u);
  BOOST_TEST(s.access.cidr_allow[0].text == "127.0.0.0/8");
  BOOST_TEST(origin_of(l.c, "echo", "port") == "command-line");
  BOOST_TEST(origin_of(l.c, "echo", "builtin") == "conf-file test.conf:4");
}

BOOST_AUTO_TEST_CASE(global_value_is_the_service_default_and_a_service_overrides_it) {
  const std::string conf =
      "max_instances = 5\nhost = 127.0.0.1\n"
      "[a]\nport = 1\nbuiltin = echo\n"
      "[b]\nport = 2\nbuiltin = echo\nmax_instances = 7\nhost = ::1\n";
  Loaded l = load_conf(conf);
  BOOST_TEST(l.ok);
  BOOST_TEST(l.service("a").max_instances == 5);
  BOOST_TEST(endpoints(l.service("a")) == Lines{"127.0.0.1:1/tcp"},
             boost::test_tools::per_element());
  BOOST_TEST(l.service("b").max_instances == 7);
  BOOST_TEST(endpoints(l.service("b")) == Lines{"[::1]:2/tcp"}, boost::test_tools::per_element());
  std::optional<ShownValue> inherited = l.c.shown.find("a", "max_instances");
  BOOST_REQUIRE(inherited.has_value());
  BOOST_TEST(inherited->inherited);
  BOOST_TEST(inherited->origin.str() == "conf-file test.conf:1");
  BOOST_TEST(!l.c.shown.has_own("a", "max_instances"));
  BOOST_TEST(!l.c.shown.find("b", "max_instances")->inherited);
  BOOST_TEST(origin_of(l.c, "b", "max_instances") == "conf-file test.conf:9");
  // A key of the global scope only is never inherited.
  BOOST_TEST(!l.c.shown.find("a", "max_connections").has_value());
  // A global default from a higher layer still yields to the service's own value.
  Loaded m = load_conf(conf, Args{{}, {"--max_instances=3"}, {}});
  BOOST_TEST(m.service("a").max_instances == 3);
  BOOST_TEST(m.service("b").max_instances == 7);
}

BOOST_AUTO_TEST_CASE(service_defined_only_on_the_command_line) {
  Loaded l = load_conf("[conf1]\nport = 1\nbuiltin = echo\n",
                       Args{{}, {"--echo.port=7007", "--echo.builtin=echo"}, {}});
  BOOST_TEST(l.ok);
  BOOST_TEST(l.c.service_order == (Lines{"conf1", "echo"}), boost::test_tools::per_element());
  BOOST_TEST(endpoints(l.service("echo")) == Lines{"*:7007/tcp"}, boost::test_tools::per_element());
  BOOST_TEST(l.service("echo").builtin == "echo");
  BOOST_TEST(origin_of(l.c, "echo", "port") == "command-line");
  BOOST_TEST(l.c.conf_path == "test.conf");
}

BOOST_AUTO_TEST_CASE(identities_resolve_through_the_user_db) {
  Loaded l = load_conf(
      "[a]\nport = 1\nexec = /bin/cat\nuser = alice\ngroup = sudo\n"
      "[r]\nport = 2\nexec = /bin/cat\nuser = root\n");
  BOOST_TEST(l.ok, l.errors().size());
  const Identity& a = l.service("a").identity;
  BOOST_TEST(a.set);
  BOOST_TEST(a.uid == 1000u);
  BOOST_TEST(a.gid == 27u);
  BOOST_TEST(a.groups == (std::vector<gid_t>{1000, 27}), boost::test_tools::per_element());
  BOOST_TEST(l.service("r").identity.uid == 0u);
  // Not root: no user needed, and the own user is fine.
  Loaded n = load_conf(
      "[a]\nport = 1\nexec = /bin/cat\n[b]\nport = 2\nexec = /bin/cat\nuser = alice\n", {}, 1000);
  BOOST_TEST(n.ok);
  BOOST_TEST(!n.service("a").identity.set);
  BOOST_TEST(n.service("b").identity.uid == 1000u);
}

// clang-format off
BOOST_DATA_TEST_CASE(rejects_with_place_and_message, bdata::make(std::vector<Bad>{
  {"[echo]\nport = 7\nbuiltin = echo\nprot = 8\n", 0,
   "test.conf:4: unknown key 'prot' (did you mean 'port'?)"},
  {"log_level = 1\nport = 7\n", 0,
   "test.conf:2: 'port' is a service key and cannot be global (put it in a [service] section)"},
  {"[echo]\nport = 7\nbuiltin = echo\npid_file = /run/x.pid\n", 0,
   "test.conf:4: 'pid_file' is a global key and cannot be set for service 'echo' "
   "(set it before the first section or in [global])"},
  {"[echo]\nport = 7\nbuiltin = echo\nbuiltin = discard\n", 0,
   "test.conf:4: 'builtin' is set twice for service 'echo' "
   "(first set at test.conf:3; only repeatable keys may repeat)"},
  {"log_level = 1\n\nlog_level = 2\n", 0,
   "test.conf:3: 'log_level' is set twice (first set at test.conf:1; only repeatable keys may repeat)"},
  {"conf_file = /etc/other.conf\n", 0, "test.conf:1: 'conf_file' cannot be set inside a conf file"},
  {"max_instances = -2\n", 0,
   "test.conf:1: bad value for 'max_instances': '-2' is out of range (-1 to 2147483647)"},
  {"[s]\nport = 7\nbuiltin = echo\nmax_rate = fast\n", 0,
   "test.conf:4: bad value for 'max_rate': 'fast' is not a non-negative number"},
  {"[echo]\nbuiltin = echo\n", 0,
   "test.conf:2: service 'echo': no endpoint to listen on (add 'port = PORT/PROTO')"},
  {"[s]\nport = 7\nexec = /bin/cat\nbuiltin = echo\nuser = nobody\n", 0,
   "test.conf:4: service 's': sets both 'exec' and 'builtin' (" + kBoth + ")"},
  {"[s]\nport = 7\n", 0, "test.conf:2: service 's': sets neither 'exec' nor 'builtin' (" + kBoth + ")"},
  {"[s]\nport = 7\nbuiltin = ecko\n", 0,
   "test.conf:3: service 's': unknown built-in 'ecko' (did you mean 'echo'?)"},
  {"[s]\nport = 7\nbuiltin = qotd\n", 0,
   "test.conf:3: service 's': unknown built-in 'qotd' "
   "(built-ins: chargen, daytime, discard, echo, tcpmux, time)"},
  {"[s]\nport = 1/udp\nbuiltin = tcpmux\n", 0,
   "test.conf:2: service 's': built-in 'tcpmux' does not serve datagram endpoint *:1/udp"},
  {"[s]\nport = 7\nbuiltin = echo\nwait = yes\n", 0,
   "test.conf:4: service 's': 'wait' applies only to exec services"},
  {"[t]\nport = /run/t.sock|dgram|unix\nexec = /usr/sbin/in.tftpd\nuser = nobody\nwait = no\n", 0,
   "test.conf:5: service 't': 'wait = no' is not possible on Unix datagram endpoint /run/t.sock|dgram|unix "
   "(a program per peer needs peer addresses, which unbound Unix clients lack: use wait = yes)"},
  {"[t]\nport = 69/udp\nexec = /usr/sbin/in.tftpd\nuser = nobody\nwait = no\ntcpmux_name = tftp\n", 0,
   "test.conf:6: service 't': TCPMUX hands over a TCP connection, but the program serves only datagram "
   "endpoint *:69/udp (add a stream endpoint, or remove tcpmux_name)"},
  {"[t]\nport = 69/udp\nport = 70/udp\nexec = /usr/sbin/in.tftpd\nuser = nobody\ntcpmux_name = tftp\n", 0,
   "test.conf:6: service 't': TCPMUX hands over a TCP connection, but the program serves only datagram "
   "endpoint *:69/udp and others (add a stream endpoint, or remove tcpmux_name)"},
  {"[t]\nport = 69/udp\nexec = /usr/sbin/in.tftpd\nuser = nobody\nwait = no\nlisten_fds = yes\n", 0,
   "test.conf:6: service 't': 'listen_fds = yes' hands the socket itself to the program, but datagram "
   "endpoint *:69/udp with wait = no starts one program per peer (add wait = yes)"},
  {"[t]\nport = 69/udp\nexec = /usr/sbin/in.tftpd\nuser = nobody\nwait = no\nprefork = 2\n", 0,
   "test.conf:6: service 't': 'prefork = 2' keeps programs that read the socket themselves, but datagram "
   "endpoint *:69/udp with wait = no starts one program per peer (add wait = yes)"},
  {"[s]\nport = 7\nexec = /bin/cat\n", 0,
   "test.conf:3: service 's': would run '/bin/cat' as root without saying so "
   "(set 'user' to the account it should run as; 'user = root' allows root)"},
  {"[s]\nport = 7\nexec = /bin/cat\nuser = bob\n", 0, "test.conf:4: service 's': unknown user 'bob'"},
  {"[s]\nport = 7\nexec = /bin/cat\nuser = nobody\ngroup = wheel\n", 0,
   "test.conf:5: service 's': unknown group 'wheel'"},
  {"[s]\nport = 7\nexec = /bin/cat\nuser = nobody\n", 1000,
   "test.conf:4: service 's': superd runs as uid 1000 and cannot switch to user 'nobody' (uid 65534) "
   "(run superd as root or with CAP_SETUID and CAP_SETGID, or remove 'user')"},
  {"[s]\nport = 7\nexec = /bin/cat\ngroup = sudo\n", 1000,
   "test.conf:4: service 's': only root can run a program with another group"},
  {"[s]\nport = 7\nport = 70000\nbuiltin = echo\n", 0,
   "test.conf:3: service 's': bad endpoint '70000': port '70000' is not a number from 1 to 65535"},
  {"[s]\nport = 7\nbuiltin = echo\nproto = sctp\n", 0,
   "test.conf:4: service 's': unknown protocol 'sctp' (expected tcp, udp or unix)"},
  {"[s]\nport = 7\nexec = /bin/cat\nuser = nobody\nchroot = srv\n", 0,
   "test.conf:5: service 's': chroot directory 'srv' must be an absolute path"},
  {"[a]\nport = 7\nbuiltin = echo\n[b]\nport = *:7/tcp\nbuiltin = discard\n", 0,
   "test.conf:5: service 'b': endpoint *:7/tcp is also used by service 'a'"},
  {"[s]\nport = 7\nport = *:7/tcp\nbuiltin = echo\n", 0,
   "test.conf:2: service 's': endpoint *:7/tcp is given twice (name each endpoint once)"},
  {"[a]\nport = /run/a|unix\nbuiltin = echo\nsocket_owner = bob\n", 0,
   "test.conf:4: service 'a': unknown user 'bob'"},
  // Socket options: values, then options no endpoint of the service can take.
  {"[s]\nport = 7\nbuiltin = echo\nreuse_port = maybe\n", 0,
   "test.conf:4: bad value for 'reuse_port': 'maybe' is not a boolean (expected yes/no, true/false, on/off, 1/0)"},
  {"[s]\nport = 7\nbuiltin = echo\nfreebind = 2\n", 0,
   "test.conf:4: bad value for 'freebind': '2' is not a boolean (expected yes/no, true/false, on/off, 1/0)"},
  {"[s]\nport = 7\nbuiltin = echo\nkeepalive = always\n", 0,
   "test.conf:4: bad value for 'keepalive': 'always' is not a boolean (expected yes/no, true/false, on/off, 1/0)"},
  {"[s]\nport = 7\nbuiltin = echo\nnodelay = fast\n", 0,
   "test.conf:4: bad value for 'nodelay': 'fast' is not a boolean (expected yes/no, true/false, on/off, 1/0)"},
  {"[s]\nport = 7\nbuiltin = echo\nkeepalive_time = 1.5\n", 0,
   "test.conf:4: service 's': 'keepalive_time' must be whole seconds from 1 to 32767 (0: the system's default)"},
  {"[s]\nport = 7\nbuiltin = echo\nkeepalive_time = 10h\n", 0,
   "test.conf:4: service 's': 'keepalive_time' must be whole seconds from 1 to 32767 (0: the system's default)"},
  {"[s]\nport = 7\nbuiltin = echo\nkeepalive_interval = soon\n", 0,
   "test.conf:4: bad value for 'keepalive_interval': 'soon' is not a duration (seconds, or a number followed by s, m or h)"},
  {"[s]\nport = 7\nbuiltin = echo\nkeepalive_interval = 0.2\n", 0,
   "test.conf:4: service 's': 'keepalive_interval' must be whole seconds from 1 to 32767 (0: the system's default)"},
  {"[s]\nport = 7\nbuiltin = echo\nkeepalive_count = 128\n", 0,
   "test.conf:4: bad value for 'keepalive_count': '128' is out of range (0 to 127)"},
  {"[s]\nport = 7\nbuiltin = echo\ndefer_accept = 2h\n", 0,
   "test.conf:4: service 's': 'defer_accept' must be whole seconds from 1 to 3600 (0: off)"},
  {"[s]\nport = 7\nbuiltin = echo\nbind_to_device = averyverylongname\n", 0,
   "test.conf:4: service 's': 'averyverylongname' is not an interface name "
   "(at most 15 bytes, without '/', ':' or blanks)"},
  {"[s]\nport = 7\nbuiltin = echo\nbind_to_device = eth0:1\n", 0,
   "test.conf:4: service 's': 'eth0:1' is not an interface name (at most 15 bytes, without '/', ':' or blanks)"},
  {"[s]\nport = 7\nbuiltin = echo\nsend_buffer = 2G\n", 0,
   "test.conf:4: bad value for 'send_buffer': '2G' is not a buffer size (bytes, or a number followed by K or M; at most 1023M)"},
  {"[s]\nport = 7\nbuiltin = echo\nreceive_buffer = 1024M\n", 0,
   "test.conf:4: bad value for 'receive_buffer': '1024M' is not a buffer size (bytes, or a number followed by K or M; at most 1023M)"},
  {"[s]\nport = 7\nbuiltin = echo\nmark = 0x100000000\n", 0,
   "test.conf:4: bad value for 'mark': '0x100000000' is not a mark (0 to 4294967295, or 0x0 to 0xffffffff)"},
  {"[s]\nport = 7\nbuiltin = echo\nip_tos = 256\n", 0,
   "test.conf:4: bad value for 'ip_tos': '256' is out of range (0 to 255)"},
  {"[s]\nport = 7/udp\nport = 9/udp\nbuiltin = echo\nnodelay = yes\n", 0,
   "test.conf:5: service 's': 'nodelay' applies to TCP endpoints only, not to *:7/udp, *:9/udp"},
  {"[s]\nport = 7/udp\nbuiltin = echo\nkeepalive = yes\n", 0,
   "test.conf:4: service 's': 'keepalive' applies to TCP endpoints only, not to *:7/udp"},
  {"[s]\nport = 7/udp\nbuiltin = echo\nkeepalive_count = 3\n", 0,
   "test.conf:4: service 's': 'keepalive_count' applies to TCP endpoints only, not to *:7/udp"},
  {"[s]\nport = /run/s|unix\nbuiltin = echo\ndefer_accept = 5\n", 0,
   "test.conf:4: service 's': 'defer_accept' applies to TCP endpoints only, not to /run/s|unix"},
  {"[s]\nport = /run/s|unix\nbuiltin = echo\nreuse_port = yes\n", 0,
   "test.conf:4: service 's': 'reuse_port' applies to TCP and UDP endpoints only, not to /run/s|unix"},
  {"[s]\nport = /run/s|dgram|unix\nbuiltin = echo\nfreebind = yes\n", 0,
   "test.conf:4: service 's': 'freebind' applies to TCP and UDP endpoints only, not to /run/s|dgram|unix"},
  {"[s]\nport = /run/s|unix\nbuiltin = echo\nbind_to_device = lo\n", 0,
   "test.conf:4: service 's': 'bind_to_device' applies to TCP and UDP endpoints only, not to /run/s|unix"},
  {"[s]\nport = /run/s|unix\nbuiltin = echo\nmark = 7\n", 0,
   "test.conf:4: service 's': 'mark' applies to TCP and UDP endpoints only, not to /run/s|unix"},
  {"[s]\nport = /run/s|unix\nbuiltin = echo\nip_tos = 16\n", 0,
   "test.conf:4: service 's': 'ip_tos' applies to TCP and UDP endpoints only, not to /run/s|unix"},
  {"[a]\nport = 7\nbuiltin = echo\nreuse_port = yes\n[b]\nport = 7\nbuiltin = discard\nreuse_port = yes\n", 0,
   "test.conf:6: service 'b': endpoint *:7/tcp is also used by service 'a'"},
  {"[a]\nport = 7\nbuiltin = echo\nbind_to_device = eth0\n[b]\nport = 7\nbuiltin = discard\n", 0,
   "test.conf:6: service 'b': endpoint *:7/tcp is also used by service 'a'"},
}), c) {
  // clang-format on
  Loaded l = load_conf(c.conf, {}, c.euid);
  BOOST_TEST(!l.ok);
  BOOST_TEST(l.errors() == Lines{c.error}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(socket_options_reach_endpoints_and_listen_options) {
  Loaded l = load_conf(
      "reuse_port = yes\nnodelay = yes\n"
      "[a]\nport = 127.0.0.1:7\nport = /run/a|unix\nbuiltin = echo\nfreebind = on\n"
      "bind_to_device = lo\nkeepalive = yes\nkeepalive_time = 1m\nkeepalive_interval = 5\n"
      "keepalive_count = 4\ndefer_accept = 3\nsend_buffer = 64K\nreceive_buffer = 1M\n"
      "mark = 0x2a\nip_tos = 16\n"
      "[u]\nport = 9/udp\nbuiltin = echo\n");
  BOOST_TEST_REQUIRE(l.ok);
  const ServiceConfig& a = l.service("a");
  BOOST_REQUIRE(a.endpoints.size() == 2u);
  const superd::net::Endpoint& tcp = a.endpoints[0];
  BOOST_TEST((tcp.reuse_port && tcp.freebind && tcp.device == "lo"));
  const superd::net::Endpoint& unix = a.endpoints[1];
  BOOST_TEST((!unix.reuse_port && !unix.freebind && unix.device.empty()));
  superd::net::ListenOptions o = listen_options(a);
  BOOST_TEST(o.keepalive == 1);
  BOOST_TEST(o.keepalive_time == 60);
  BOOST_TEST(o.keepalive_interval == 5);
  BOOST_TEST(o.keepalive_count == 4);
  BOOST_TEST(o.nodelay == 1);
  BOOST_TEST(o.defer_accept == 3);
  BOOST_TEST(o.send_buffer == 65536);
  BOOST_TEST(o.receive_buffer == 1048576);
  BOOST_TEST(o.mark == 42);
  BOOST_TEST(o.ip_tos == 16);
  // A global TCP option is only a default: a UDP-only service is not wrong.
  BOOST_TEST(listen_options(l.service("u")).nodelay == 1);
  BOOST_TEST(l.service("u").endpoints[0].reuse_port);
}

BOOST_AUTO_TEST_CASE(different_interfaces_share_a_port) {
  Loaded l = load_conf("[a]\nport = 7\nbuiltin = echo\nbind_to_device = eth0\n"
                       "[b]\nport = 7\nbuiltin = discard\nbind_to_device = eth1\n"
                       "[c]\nport = 7/udp\nbuiltin = discard\nsend_buffer = 8K\n"
                       "[d]\nport = /run/d|unix\nbuiltin = echo\nsend_buffer = 8K\nreceive_buffer = 8K\n");
  BOOST_TEST(l.ok);
  BOOST_TEST(l.errors() == Lines{}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(argument_layers_are_named_in_errors) {
  Loaded inc = load_conf("", Args{{}, {"--include=extra.conf"}, {}});
  BOOST_TEST(!inc.ok);
  BOOST_TEST(inc.errors() == Lines{"command line: 'include' is valid only inside a conf file (name "
                                   "the main file with -c)"},
             boost::test_tools::per_element());
  Loaded port = load_conf("", Args{{"port=7"}, {}, {}});
  BOOST_TEST(port.errors() == Lines{"new args: 'port' is a service key and cannot be global (write "
                                    "--SERVICE.port=VALUE)"},
             boost::test_tools::per_element());
  Loaded svc = load_conf("", Args{{}, {}, {"--echo.port=7", "--echo.builtin=echp"}});
  BOOST_TEST(svc.errors() ==
                 Lines{"run args: service 'echo': unknown built-in 'echp' (did you mean 'echo'?)"},
             boost::test_tools::per_element());
  Loaded twice = load_conf("", Args{{}, {"--log_level=1", "--log_level=2"}, {}});
  BOOST_TEST(twice.errors() ==
                 Lines{"command line: 'log_level' is set twice (first set at command line; only "
                       "repeatable keys may repeat)"},
             boost::test_tools::per_element());
  Loaded unknown = load_conf("", Args{{}, {"--echo.prot=7"}, {}});
  BOOST_TEST(unknown.errors() == Lines{"command line: unknown key 'prot' (did you mean 'port'?)"},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(disabled_service_does_not_clash_and_other_transports_do_not_either) {
  Loaded l = load_conf(
      "[a]\nport = 7\nbuiltin = echo\n[b]\nport = 7\nbuiltin = echo\ndisabled = yes\n"
      "[c]\nport = 7/udp\nbuiltin = echo\n");
  BOOST_TEST(l.ok, l.errors().size());
  BOOST_TEST(l.service("b").disabled);
}

BOOST_AUTO_TEST_CASE(every_problem_is_reported_in_one_run) {
  Loaded l = load_conf(
      "lgo_level = 1\n[a]\nport = 0\nbuiltin = echo\n[b]\nport = 2\n[c]\nport = 3\nbuiltin = "
      "echo\n");
  BOOST_TEST(!l.ok);
  BOOST_TEST(
      l.errors() ==
          (Lines{"test.conf:1: unknown key 'lgo_level' (did you mean 'log_level'?)",
                 "test.conf:3: service 'a': bad endpoint '0': port '0' is not a number from 1 to "
                 "65535",
                 "test.conf:6: service 'b': sets neither 'exec' nor 'builtin' (" + kBoth + ")"}),
      boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(reverse_lookup_keys_load_without_notes) {
  Loaded l = load_conf(
      "reverse_lookups = yes\nreverse_resolver = [::1]:5353\ndouble_reverse_lookups = yes\n"
      "reverse_timeout = 1.5\nuser = nobody\n[s]\nport = 7\nexec = /bin/cat\nuser = alice\n");
  BOOST_TEST(l.ok);
  BOOST_TEST(l.errors().empty());
  BOOST_TEST(l.of(Severity::Note).empty());
  BOOST_TEST(l.c.global.reverse_lookups);
  BOOST_TEST(l.c.global.double_reverse_lookups);
  BOOST_TEST(l.c.global.resolver_address.str() == "::1");
  BOOST_TEST(l.c.global.resolver_port == 5353);
  BOOST_TEST(l.c.global.reverse_timeout.value == 1.5);
}

BOOST_AUTO_TEST_CASE(all_or_nothing) {
  Loaded good = load_conf("[a]\nport = 1\nbuiltin = echo\n");
  BOOST_TEST(good.ok);
  Loaded bad = load_conf("[a]\nport = 1\nbuiltin = echo\n[b]\nport = 2\nbuiltin = nope\n");
  BOOST_TEST(!bad.ok);
  // Only this load's problems count, not those already in the list.
  std::vector<Diagnostic> diags(1);
  Config c;
  LoadInput in;
  in.conf_text = "[a]\nport = 1\nbuiltin = echo\n";
  BOOST_TEST(load(in, kBuiltins, FakeUsers(0), c, diags));
  BOOST_TEST(diags.size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
