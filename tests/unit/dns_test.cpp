// SPDX-License-Identifier: MIT
#include "net/dns.hpp"

#include <boost/test/unit_test.hpp>

namespace superd_unit {

using namespace superd::net;

namespace {

IpAddress ip(const char* text) {
  IpAddress a;
  BOOST_REQUIRE(IpAddress::parse(text, a));
  return a;
}

// A response to `query` (whose question it repeats) with `answers` appended.
std::string response(const std::string& query, int rcode, int count, const std::string& answers) {
  std::string r = query;
  r[2] = static_cast<char>(0x81);
  r[3] = static_cast<char>(0x80 | rcode);
  r[7] = static_cast<char>(count);
  return r + answers;
}

std::string record(std::uint16_t type, std::uint32_t ttl, const std::string& data) {
  std::string r = "\xc0\x0c";  // the question's name
  r += static_cast<char>(type >> 8);
  r += static_cast<char>(type & 0xff);
  r += std::string("\0\x01", 2);
  for (int shift = 24; shift >= 0; shift -= 8) r += static_cast<char>((ttl >> shift) & 0xff);
  r += static_cast<char>(data.size() >> 8);
  r += static_cast<char>(data.size() & 0xff);
  return r + data;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(dns)

BOOST_AUTO_TEST_CASE(reverse_names_of_v4_and_v6) {
  BOOST_TEST(reverse_name(ip("192.0.2.7")) == "7.2.0.192.in-addr.arpa");
  BOOST_TEST(reverse_name(ip("2001:db8::1")) ==
             "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
}

BOOST_AUTO_TEST_CASE(query_encodes_the_name) {
  std::string q = dns_query(0xbeef, "a.bc", kDnsPtr);
  BOOST_TEST(q == std::string("\xbe\xef\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x01" "a\x02" "bc\x00\x00\x0c\x00\x01", 22));
  BOOST_TEST(dns_query(1, std::string(64, 'a'), kDnsA).empty());
  BOOST_TEST(dns_query(1, "a..b", kDnsA).empty());
}

BOOST_AUTO_TEST_CASE(ptr_answer_with_compression) {
  std::string q = dns_query(42, "7.2.0.192.in-addr.arpa", kDnsPtr);
  std::string target = std::string("\x04" "Host\x07" "example\x00", 14);
  DnsResponse r;
  std::string error;
  BOOST_REQUIRE(parse_dns_response(response(q, 0, 1, record(kDnsPtr, 300, target)), r, error));
  BOOST_TEST(r.id == 42);
  BOOST_TEST(r.rcode == 0);
  BOOST_REQUIRE(r.names.size() == 1u);
  BOOST_TEST(r.names[0] == "host.example");
  BOOST_TEST(r.ttl == 300u);
}

BOOST_AUTO_TEST_CASE(address_answers_and_smallest_ttl) {
  std::string q = dns_query(7, "host.example", kDnsA);
  DnsResponse r;
  std::string error;
  std::string answers = record(kDnsA, 60, std::string("\xc0\x00\x02\x07", 4)) + record(kDnsA, 30, std::string("\x7f\0\0\x01", 4));
  BOOST_REQUIRE(parse_dns_response(response(q, 0, 2, answers), r, error));
  BOOST_REQUIRE(r.addrs.size() == 2u);
  BOOST_TEST(r.addrs[0].str() == "192.0.2.7");
  BOOST_TEST(r.ttl == 30u);
}

BOOST_AUTO_TEST_CASE(no_such_name) {
  DnsResponse r;
  std::string error;
  BOOST_REQUIRE(parse_dns_response(response(dns_query(9, "x.test", kDnsPtr), 3, 0, ""), r, error));
  BOOST_TEST(r.rcode == 3);
  BOOST_TEST(r.names.empty());
}

BOOST_AUTO_TEST_CASE(names_that_are_no_host_names_are_dropped) {
  std::string q = dns_query(1, "7.2.0.192.in-addr.arpa", kDnsPtr);
  DnsResponse r;
  std::string error;
  std::string bad = std::string("\x05" "a b=c\x00", 7);
  BOOST_REQUIRE(parse_dns_response(response(q, 0, 1, record(kDnsPtr, 5, bad)), r, error));
  BOOST_TEST(r.names.empty());
}

BOOST_AUTO_TEST_CASE(malformed_responses_are_refused) {
  std::string q = dns_query(1, "7.2.0.192.in-addr.arpa", kDnsPtr);
  DnsResponse r;
  std::string error;
  BOOST_TEST(!parse_dns_response("\x01\x02\x81", r, error));
  BOOST_TEST(error == "shorter than a DNS header");
  BOOST_TEST(!parse_dns_response(q, r, error));
  BOOST_TEST(error == "not a response");
  std::string cut = response(q, 0, 1, record(kDnsPtr, 5, std::string("\x04" "host\x00", 6)));
  BOOST_TEST(!parse_dns_response(cut.substr(0, cut.size() - 3), r, error));
  BOOST_TEST(error == "record runs past the end");
  std::string self = response(q, 0, 1, "");
  self += std::string("\xc0", 1) + static_cast<char>(self.size());  // a pointer to itself
  self += std::string("\x00\x0c\x00\x01\x00\x00\x00\x05\x00\x00", 10);
  self[7] = 1;
  BOOST_TEST(!parse_dns_response(self, r, error));
  BOOST_TEST(error == "too many compression pointers");
}

BOOST_AUTO_TEST_CASE(host_names) {
  BOOST_TEST(valid_host_name("a-b.c_d.example"));
  BOOST_TEST(!valid_host_name(""));
  BOOST_TEST(!valid_host_name("a..b"));
  BOOST_TEST(!valid_host_name("a b"));
  BOOST_TEST(!valid_host_name(std::string(64, 'a')));
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace superd_unit
