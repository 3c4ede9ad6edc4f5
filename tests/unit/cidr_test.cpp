// SPDX-License-Identifier: MIT
// net/cidr: address blocks, IPv4-mapped IPv6 peers, bad prefixes.
#include "net/cidr.hpp"

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <ostream>
#include <vector>

namespace bdata = boost::unit_test::data;
using superd::net::Cidr;
using superd::net::IpAddress;

namespace {

struct Case {
  const char* block;
  const char* addr;
  bool inside;
};
std::ostream& operator<<(std::ostream& os, const Case& c) {
  return os << c.addr << (c.inside ? " in " : " not in ") << c.block;
}

struct Bad {
  const char* text;
  const char* message;
};
std::ostream& operator<<(std::ostream& os, const Bad& b) { return os << b.text; }

IpAddress ip(const char* text) {
  IpAddress a;
  BOOST_TEST_REQUIRE(IpAddress::parse(text, a), text);
  return a;
}

Cidr block(const char* text) {
  Cidr c;
  std::string error;
  BOOST_TEST_REQUIRE(superd::net::parse_cidr(text, c, error), error);
  return c;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cidr)

// clang-format off
const std::vector<Case> kCases = {
  {"10.0.0.0/8",       "10.1.2.3",          true},
  {"10.0.0.0/8",       "10.255.255.255",    true},
  {"10.0.0.0/8",       "11.0.0.0",          false},
  {"10.0.0.0/8",       "9.255.255.255",     false},
  {"10.0.0.0/12",      "10.15.255.255",     true},
  {"10.0.0.0/12",      "10.16.0.0",         false},
  {"192.168.1.5",      "192.168.1.5",       true},
  {"192.168.1.5",      "192.168.1.6",       false},
  {"192.168.1.5/32",   "192.168.1.5",       true},
  {"0.0.0.0/0",        "203.0.113.9",       true},
  {"0.0.0.0/0",        "::1",               false},
  {"::/0",             "2001:db8::1",       true},
  {"::/0",             "127.0.0.1",         false},
  {"2001:db8::/32",    "2001:db8:ffff::1",  true},
  {"2001:db8::/32",    "2001:db9::1",       false},
  {"2001:db8::/33",    "2001:db8:7fff::1",  true},
  {"2001:db8::/33",    "2001:db8:8000::1",  false},
  {"::1",              "::1",               true},
  {"::1/128",          "::2",               false},
  // A host-bits block means the whole network.
  {"10.1.2.3/8",       "10.200.0.1",        true},
  {"2001:db8::1/32",   "2001:db8::ffff",    true},
  // IPv4-mapped IPv6 peers (dual-stack sockets) match IPv4 blocks.
  {"127.0.0.0/8",      "::ffff:127.0.0.1",  true},
  {"10.0.0.0/8",       "::ffff:10.9.8.7",   true},
  {"10.0.0.0/8",       "::ffff:11.9.8.7",   false},
  {"0.0.0.0/0",        "::ffff:1.2.3.4",    true},
  {"::/0",             "::ffff:1.2.3.4",    false},
  // ...and an IPv4-mapped block is the IPv4 block (prefix counted in IPv6 bits).
  {"::ffff:10.0.0.0/104", "10.1.2.3",       true},
  {"::ffff:10.0.0.0/104", "::ffff:10.1.2.3", true},
  {"::ffff:10.0.0.0/104", "11.1.2.3",       false},
  {"::ffff:0.0.0.0/96", "203.0.113.9",      true},
  {"::ffff:0.0.0.0/96", "2001:db8::1",      false},
  {"::ffff:192.0.2.1", "192.0.2.1",         true},
  {"::ffff:192.0.2.1", "192.0.2.2",         false},
};
// clang-format on

BOOST_DATA_TEST_CASE(block_contains_address, bdata::make(kCases), c) {
  BOOST_TEST(block(c.block).contains(ip(c.addr)) == c.inside);
}

BOOST_AUTO_TEST_CASE(bare_address_is_a_host_block) {
  BOOST_TEST(block("192.0.2.1").prefix == 32);
  BOOST_TEST(block("2001:db8::1").prefix == 128);
  BOOST_TEST(block("10.0.0.0/0").prefix == 0);
  BOOST_TEST(block("::ffff:10.0.0.0/104").prefix == 8);
  BOOST_TEST(block("::ffff:10.0.0.1").prefix == 32);
}

BOOST_AUTO_TEST_CASE(host_bits_are_cleared) {
  Cidr c = block("10.1.2.3/8");
  BOOST_TEST(c.base.str() == "10.0.0.0");
  BOOST_TEST(c.text == "10.1.2.3/8");
  BOOST_TEST(block("192.168.77.200/20").base.str() == "192.168.64.0");
  BOOST_TEST(block("2001:db8:abcd::1/36").base.str() == "2001:db8:a000::");
  BOOST_TEST(block("255.255.255.255/0").base.str() == "0.0.0.0");
  BOOST_TEST(block("ffff::1/0").base.str() == "::");
}

BOOST_AUTO_TEST_CASE(mapped_ipv6_becomes_ipv4) {
  IpAddress a = ip("::ffff:192.0.2.7");
  BOOST_TEST(!a.v6);
  BOOST_TEST(a.str() == "192.0.2.7");
  IpAddress b = ip("192.0.2.7");
  BOOST_TEST((a.bytes == b.bytes));
  IpAddress c = ip("::1");
  BOOST_TEST(c.v6);
  BOOST_TEST(c.str() == "::1");
  IpAddress d;
  BOOST_TEST(!IpAddress::parse("localhost", d));
  BOOST_TEST(!IpAddress::parse("", d));
  BOOST_TEST(!IpAddress::parse("1.2.3.4.5", d));
}

// clang-format off
const std::vector<Bad> kBad = {
  {"10.0.0.0/33",  "prefix length '33' is not 0..32"},
  {"::1/129",      "prefix length '129' is not 0..128"},
  {"10.0.0.0/",    "prefix length '' is not 0..32"},
  {"10.0.0.0/-1",  "prefix length '-1' is not 0..32"},
  {"10.0.0.0/8x",  "prefix length '8x' is not 0..32"},
  {"10.0.0.0/0008", "prefix length '0008' is not 0..32"},
  {"10.0.0.0/8/9", "prefix length '8/9' is not 0..32"},
  {"10.0.0.0/ 8",  "prefix length ' 8' is not 0..32"},
  {"::ffff:10.0.0.0/8", "prefix length '8' is not 96..128"},
  {"::ffff:10.0.0.0/129", "prefix length '129' is not 96..128"},
  {"10.0.0/8",     "'10.0.0' is not an IP address (expected ADDR/BITS, e.g. 10.0.0.0/8)"},
  {"host.example/8", "'host.example' is not an IP address (expected ADDR/BITS, e.g. 10.0.0.0/8)"},
  {"",             "'' is not an IP address (expected ADDR/BITS, e.g. 10.0.0.0/8)"},
  {"/8",           "'' is not an IP address (expected ADDR/BITS, e.g. 10.0.0.0/8)"},
  {"[::1]/128",    "'[::1]' is not an IP address (expected ADDR/BITS, e.g. 10.0.0.0/8)"},
};
// clang-format on

BOOST_DATA_TEST_CASE(rejects_bad_blocks, bdata::make(kBad), c) {
  Cidr out;
  std::string error;
  BOOST_TEST(!superd::net::parse_cidr(c.text, out, error));
  BOOST_TEST(error == c.message);
}

BOOST_AUTO_TEST_SUITE_END()
