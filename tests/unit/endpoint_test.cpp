// SPDX-License-Identifier: MIT
// net/endpoint: every syntax of the `port` key, its errors, and str().
#include "net/endpoint.hpp"

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <ostream>
#include <vector>

namespace bdata = boost::unit_test::data;
using superd::net::Endpoint;
using superd::net::Transport;

namespace {

struct Good {
  const char* text;
  const char* default_host;
  const char* default_proto;
  Transport transport;
  const char* host;
  int port;
  const char* canonical;  ///< Endpoint::str()
};
std::ostream& operator<<(std::ostream& os, const Good& g) {
  return os << "'" << g.text << "' (host " << g.default_host << ", proto " << g.default_proto
            << ")";
}

struct Bad {
  std::string text;
  const char* default_proto;
  std::string message;
};
std::ostream& operator<<(std::ostream& os, const Bad& b) { return os << "'" << b.text << "'"; }

const std::string kLongPath = "/" + std::string(200, 'a');

}  // namespace

BOOST_AUTO_TEST_SUITE(endpoint)

// clang-format off
const std::vector<Good> kGood = {
  {"7",                      "*",         "tcp",  Transport::Tcp, "*",         7,    "*:7/tcp"},
  {"7/udp",                  "*",         "tcp",  Transport::Udp, "*",         7,    "*:7/udp"},
  {"7/tcp",                  "*",         "udp",  Transport::Tcp, "*",         7,    "*:7/tcp"},
  {"127.0.0.1:7",            "*",         "tcp",  Transport::Tcp, "127.0.0.1", 7,    "127.0.0.1:7/tcp"},
  {"127.0.0.1:7/udp",        "*",         "tcp",  Transport::Udp, "127.0.0.1", 7,    "127.0.0.1:7/udp"},
  {"[::1]:7/udp",            "*",         "tcp",  Transport::Udp, "::1",       7,    "[::1]:7/udp"},
  {"[::]:2222",              "*",         "tcp",  Transport::Tcp, "::",        2222, "[::]:2222/tcp"},
  {"*:7",                    "127.0.0.1", "tcp",  Transport::Tcp, "*",         7,    "*:7/tcp"},
  {"localhost:65535/tcp",    "*",         "tcp",  Transport::Tcp, "localhost", 65535, "localhost:65535/tcp"},
  {"1",                      "*",         "tcp",  Transport::Tcp, "*",         1,    "*:1/tcp"},
  {"  7/udp  ",              "*",         "tcp",  Transport::Udp, "*",         7,    "*:7/udp"},
  // Default host and protocol (the `host` and `proto` keys) fill the gaps.
  {"10007",                  "127.0.0.1", "tcp",  Transport::Tcp, "127.0.0.1", 10007, "127.0.0.1:10007/tcp"},
  {"10007",                  "::1",       "udp",  Transport::Udp, "::1",       10007, "[::1]:10007/udp"},
  {"10007/tcp",              "127.0.0.1", "udp",  Transport::Tcp, "127.0.0.1", 10007, "127.0.0.1:10007/tcp"},
  // Service names from /etc/services (Debian's netbase), looked up per protocol.
  {"echo/tcp",               "*",         "tcp",  Transport::Tcp, "*",         7,    "*:7/tcp"},
  {"echo/udp",               "*",         "tcp",  Transport::Udp, "*",         7,    "*:7/udp"},
  {"tftp/udp",               "*",         "tcp",  Transport::Udp, "*",         69,   "*:69/udp"},
  {"ssh",                    "*",         "tcp",  Transport::Tcp, "*",         22,   "*:22/tcp"},
  {"127.0.0.1:daytime/udp",  "*",         "tcp",  Transport::Udp, "127.0.0.1", 13,   "127.0.0.1:13/udp"},
  // Unix sockets.
  {"/run/x.sock|unix",       "*",         "tcp",  Transport::UnixStream, "/run/x.sock", 0, "/run/x.sock|unix"},
  {"/run/x.sock|stream|unix", "*",        "tcp",  Transport::UnixStream, "/run/x.sock", 0, "/run/x.sock|unix"},
  {"/run/x.sock|dgram|unix", "*",         "udp",  Transport::UnixDgram,  "/run/x.sock", 0, "/run/x.sock|dgram|unix"},
  {"/run/y",                 "*",         "unix", Transport::UnixStream, "/run/y",      0, "/run/y|unix"},
  {"/run/y|dgram|unix",      "*",         "unix", Transport::UnixDgram,  "/run/y",      0, "/run/y|dgram|unix"},
};
// clang-format on

BOOST_DATA_TEST_CASE(parses_every_syntax, bdata::make(kGood), c) {
  Endpoint e;
  std::string error;
  BOOST_TEST(superd::net::parse_endpoint(c.text, c.default_host, c.default_proto, e, error), error);
  BOOST_TEST((e.transport == c.transport));
  BOOST_TEST(e.host == c.host);
  BOOST_TEST(e.port == c.port);
  BOOST_TEST(e.str() == c.canonical);
  BOOST_TEST(e.stream() == (c.transport == Transport::Tcp || c.transport == Transport::UnixStream));
  BOOST_TEST(e.unix_domain() ==
             (c.transport == Transport::UnixStream || c.transport == Transport::UnixDgram));
  // The canonical form reads back as the same endpoint.
  Endpoint again;
  BOOST_TEST(superd::net::parse_endpoint(e.str(), "*", "tcp", again, error), error);
  BOOST_TEST((again == e));
}

// clang-format off
const std::vector<Bad> kBad = {
  {"0",            "tcp", "port '0' is not a number from 1 to 65535"},
  {"65536",        "tcp", "port '65536' is not a number from 1 to 65535"},
  {"99999999999",  "tcp", "port '99999999999' is not a number from 1 to 65535"},
  {"7x",           "tcp", "port '7x' is not a number from 1 to 65535"},
  {"1.2.3.4:-7",   "tcp", "unknown service name '-7/tcp' (not in /etc/services; use a port number)"},
  {"127.0.0.1:",   "tcp", "missing port"},
  {"nosuchservice", "tcp",
   "unknown service name 'nosuchservice/tcp' (not in /etc/services; use a port number)"},
  {"tftp/tcp",     "tcp", "unknown service name 'tftp/tcp' (not in /etc/services; use a port number)"},
  {"7/sctp",       "tcp", "unknown protocol 'sctp' (expected tcp or udp)"},
  {"7/",           "tcp", "unknown protocol '' (expected tcp or udp)"},
  {"7/TCP",        "tcp", "unknown protocol 'TCP' (expected tcp or udp)"},
  {"::1:7",        "tcp", "IPv6 address in '::1:7' needs brackets: [::1]:7"},
  {"::1:7/udp",    "tcp", "IPv6 address in '::1:7' needs brackets: [::1]:7"},
  {"[::1]7",       "tcp", "bad bracketed address '[::1]7' (expected [V6ADDR]:PORT)"},
  {"[::1:7",       "tcp", "bad bracketed address '[::1:7' (expected [V6ADDR]:PORT)"},
  {"[::1]",        "tcp", "bad bracketed address '[::1]' (expected [V6ADDR]:PORT)"},
  {"[1.2.3.4]:7",  "tcp", "'1.2.3.4' is not an IPv6 address"},
  {"[fe80::1%1]:22", "tcp", "'fe80::1%1' is not an IPv6 address"},
  {"bad_host:7",   "tcp", "invalid host 'bad_host' (expected *, an IP address or a host name)"},
  {"run/x|unix",   "tcp", "Unix socket path 'run/x' must be absolute"},
  {"|unix",        "tcp", "Unix socket path '' must be absolute"},
  {kLongPath + "|unix", "tcp",
   "Unix socket path is 201 bytes, longer than the 107 a socket address holds"},
  {"/run/x|udp",   "tcp",
   "unknown Unix socket form '/run/x|udp' (expected PATH|unix or PATH|dgram|unix)"},
  {"/run/x",       "tcp", "'/run/x' looks like a path: write PATH|unix or PATH|dgram|unix"},
  {"127.0.0.1:7/unix", "tcp", "a Unix endpoint is written PATH|unix, not HOST:PORT/unix"},
  {"7/unix",       "tcp", "a Unix endpoint is written PATH|unix, not HOST:PORT/unix"},
  {"7",            "unix", "proto is unix but '7' is not a path (write PATH|unix)"},
  {"",             "tcp", "empty endpoint (expected PORT, HOST:PORT/PROTO or PATH|unix)"},
  {" \t ",         "tcp", "empty endpoint (expected PORT, HOST:PORT/PROTO or PATH|unix)"},
};
// clang-format on

BOOST_DATA_TEST_CASE(rejects_with_exact_message, bdata::make(kBad), c) {
  Endpoint e;
  std::string error;
  BOOST_TEST(!superd::net::parse_endpoint(c.text, "*", c.default_proto, e, error));
  BOOST_TEST(error == c.message);
}

BOOST_AUTO_TEST_CASE(longest_unix_path_fits) {
  std::string path = "/" + std::string(106, 'p');
  Endpoint e;
  std::string error;
  BOOST_TEST(superd::net::parse_endpoint(path + "|unix", "*", "tcp", e, error), error);
  BOOST_TEST(e.host == path);
  BOOST_TEST(!superd::net::parse_endpoint(path + "q|unix", "*", "tcp", e, error));
  BOOST_TEST(error == "Unix socket path is 108 bytes, longer than the 107 a socket address holds");
}

BOOST_AUTO_TEST_CASE(str_is_canonical) {
  Endpoint e;
  e.transport = Transport::Udp;
  e.host = "2001:db8::1";
  e.port = 53;
  BOOST_TEST(e.str() == "[2001:db8::1]:53/udp");
  e.transport = Transport::Tcp;
  e.host = "*";
  BOOST_TEST(e.str() == "*:53/tcp");
  e.transport = Transport::UnixDgram;
  e.host = "/run/log";
  e.port = 0;
  BOOST_TEST(e.str() == "/run/log|dgram|unix");
}

BOOST_AUTO_TEST_CASE(identity_is_transport_host_and_port) {
  Endpoint a, b;
  std::string error;
  BOOST_REQUIRE(superd::net::parse_endpoint("7", "*", "tcp", a, error));
  BOOST_REQUIRE(superd::net::parse_endpoint("*:7/tcp", "127.0.0.1", "udp", b, error));
  BOOST_TEST((a == b));
  BOOST_REQUIRE(superd::net::parse_endpoint("7/udp", "*", "tcp", b, error));
  BOOST_TEST((a != b));
  BOOST_REQUIRE(superd::net::parse_endpoint("127.0.0.1:7", "*", "tcp", b, error));
  BOOST_TEST((a != b));
}

struct IdentityCase {
  const char* text;
  bool v6only_default;
  const char* identity;
};
std::ostream& operator<<(std::ostream& os, const IdentityCase& c) {
  return os << c.text << (c.v6only_default ? " (bindv6only=1)" : "");
}

// Endpoints compare by the socket they really are.
const IdentityCase kIdentities[] = {
    {"*:7/tcp", false, "tcp [::]:7"},
    {"[::]:7/tcp", false, "tcp [::]:7"},
    {"[0:0::0]:7/tcp", false, "tcp [::]:7"},
    {"*:7/tcp", true, "tcp [::]:7"},
    {"[::]:7/tcp", true, "tcp [::]:7 v6only"},
    {"0.0.0.0:7/tcp", false, "tcp 0.0.0.0:7"},
    {"127.0.0.1:7/udp", false, "udp 127.0.0.1:7"},
    {"[0:0:0:0:0:0:0:1]:7/udp", false, "udp [::1]:7"},
    {"[::FFFF:127.0.0.1]:7/tcp", false, "tcp [::ffff:127.0.0.1]:7"},
    {"LocalHost:7/tcp", false, "tcp localhost:7"},
    {"/run/x.sock|unix", false, "unix /run/x.sock"},
    {"/run/x.sock|dgram|unix", false, "unix-dgram /run/x.sock"},
};

BOOST_DATA_TEST_CASE(identity_normalises_addresses, bdata::make(kIdentities), c) {
  Endpoint e;
  std::string error;
  BOOST_REQUIRE_MESSAGE(superd::net::parse_endpoint(c.text, "*", "tcp", e, error), error);
  BOOST_TEST(superd::net::endpoint_identity(e, c.v6only_default) == c.identity);
}

BOOST_AUTO_TEST_CASE(v6only_key_decides_over_the_system_default) {
  Endpoint star, any, loop;
  std::string error;
  BOOST_REQUIRE(superd::net::parse_endpoint("*:7/tcp", "*", "tcp", star, error));
  BOOST_REQUIRE(superd::net::parse_endpoint("[::]:7/udp", "*", "tcp", any, error));
  BOOST_REQUIRE(superd::net::parse_endpoint("[::1]:7/tcp", "*", "tcp", loop, error));
  star.v6only = any.v6only = loop.v6only = true;
  BOOST_TEST(superd::net::endpoint_identity(star, false) == "tcp [::]:7 v6only");
  BOOST_TEST(superd::net::endpoint_identity(any, false) == "udp [::]:7 v6only");
  BOOST_TEST(superd::net::endpoint_identity(loop, false) == "tcp [::1]:7");
  any.v6only = false;
  BOOST_TEST(superd::net::endpoint_identity(any, true) == "udp [::]:7");
  Endpoint plain = star;
  plain.v6only.reset();
  BOOST_TEST((plain != star));
}

BOOST_AUTO_TEST_CASE(options_set_before_bind_are_part_of_the_identity) {
  Endpoint e;
  std::string error;
  BOOST_REQUIRE(superd::net::parse_endpoint("127.0.0.1:7", "*", "tcp", e, error));
  Endpoint plain = e;
  e.reuse_port = true;
  BOOST_TEST(superd::net::endpoint_identity(e) == "tcp 127.0.0.1:7 reuseport");
  BOOST_TEST((e != plain));
  e.freebind = true;
  e.device = "eth0";
  BOOST_TEST(superd::net::endpoint_identity(e) == "tcp 127.0.0.1:7 reuseport freebind device=eth0");
  BOOST_REQUIRE(superd::net::parse_endpoint("*:53/udp", "*", "tcp", e, error));
  e.v6only = true;
  e.device = "lo";
  BOOST_TEST(superd::net::endpoint_identity(e) == "udp [::]:53 v6only device=lo");
  BOOST_REQUIRE(superd::net::parse_endpoint("[::]:53/udp", "*", "tcp", e, error));
  e.freebind = true;
  BOOST_TEST(superd::net::endpoint_identity(e, true) == "udp [::]:53 v6only freebind");
  BOOST_REQUIRE(superd::net::parse_endpoint("Host.Example:80", "*", "tcp", e, error));
  e.reuse_port = true;
  BOOST_TEST(superd::net::endpoint_identity(e) == "tcp host.example:80 reuseport");
  BOOST_TEST(superd::net::bind_options_suffix(false, false, "") == "");
}

BOOST_AUTO_TEST_CASE(valid_protocols) {
  BOOST_TEST(superd::net::valid_proto("tcp"));
  BOOST_TEST(superd::net::valid_proto("udp"));
  BOOST_TEST(superd::net::valid_proto("unix"));
  BOOST_TEST(!superd::net::valid_proto("sctp"));
  BOOST_TEST(!superd::net::valid_proto(""));
  BOOST_TEST(!superd::net::valid_proto("TCP"));
}

BOOST_AUTO_TEST_SUITE_END()
