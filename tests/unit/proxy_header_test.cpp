// SPDX-License-Identifier: MIT
// net/proxy_header: PROXY protocol v1 and v2 headers, complete, truncated at
// every byte, followed by the client's data, and malformed with the message
// each one gets.
#include "net/proxy_header.hpp"

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <ostream>
#include <string>
#include <vector>

namespace bdata = boost::unit_test::data;
using superd::net::parse_proxy_header;
using superd::net::ProxyHeader;
using superd::net::ProxyVersion;
using Status = ProxyHeader::Status;

namespace {

const std::string kSig("\r\n\r\n\0\r\nQUIT\n", 12);

std::string be16(unsigned v) { return {static_cast<char>(v >> 8), static_cast<char>(v & 0xff)}; }

// A v2 header: version/command byte, family/transport byte, then the body.
std::string v2(unsigned char ver_cmd, unsigned char fam, const std::string& body) {
  return kSig + static_cast<char>(ver_cmd) + static_cast<char>(fam) + be16(static_cast<unsigned>(body.size())) + body;
}
std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int c : b) s += static_cast<char>(c);
  return s;
}
const std::string kV2Tcp4 = v2(0x21, 0x11, bytes({192, 0, 2, 1, 198, 51, 100, 2}) + be16(56324) + be16(443));
const std::string kV2Tcp6 = v2(0x21, 0x21, std::string(15, '\0') + "\x01" + std::string(15, '\0') + "\x02" +
                                               be16(1234) + be16(80));

struct Good {
  const char* name;
  std::string header;
  ProxyVersion accept;
  bool has_addresses;
  const char* source;
  int sport;
  const char* destination;
  int dport;
};
std::ostream& operator<<(std::ostream& os, const Good& g) { return os << g.name; }

struct Bad {
  const char* name;
  std::string input;
  ProxyVersion accept;
  const char* message;
};
std::ostream& operator<<(std::ostream& os, const Bad& b) { return os << b.name; }

}  // namespace

BOOST_AUTO_TEST_SUITE(proxy_header)

// clang-format off
const std::vector<Good> kGood = {
  {"v1 tcp4", "PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n", ProxyVersion::V1, true, "192.0.2.1", 56324, "198.51.100.2", 443},
  {"v1 tcp6", "PROXY TCP6 2001:db8::1 2001:db8::2 1234 80\r\n", ProxyVersion::Any, true, "2001:db8::1", 1234, "2001:db8::2", 80},
  {"v1 tcp6 mapped", "PROXY TCP6 ::ffff:10.0.0.1 ::ffff:10.0.0.2 1 2\r\n", ProxyVersion::V1, true, "10.0.0.1", 1, "10.0.0.2", 2},
  {"v1 ports 0 and 65535", "PROXY TCP4 1.2.3.4 5.6.7.8 0 65535\r\n", ProxyVersion::V1, true, "1.2.3.4", 0, "5.6.7.8", 65535},
  {"v1 unknown", "PROXY UNKNOWN\r\n", ProxyVersion::V1, false, "0.0.0.0", 0, "0.0.0.0", 0},
  {"v1 unknown with addresses", "PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n", ProxyVersion::Any, false, "0.0.0.0", 0, "0.0.0.0", 0},
  {"v1 longest", "PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n",
   ProxyVersion::V1, true, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535},
  {"v2 tcp4", kV2Tcp4, ProxyVersion::V2, true, "192.0.2.1", 56324, "198.51.100.2", 443},
  {"v2 tcp6", kV2Tcp6, ProxyVersion::Any, true, "::1", 1234, "::2", 80},
  {"v2 tcp4 with TLVs", v2(0x21, 0x11, bytes({10, 0, 0, 1, 10, 0, 0, 2}) + be16(5) + be16(6) + "\x04\x00\x03" "abc"),
   ProxyVersion::V2, true, "10.0.0.1", 5, "10.0.0.2", 6},
  {"v2 local", v2(0x20, 0x00, ""), ProxyVersion::V2, false, "0.0.0.0", 0, "0.0.0.0", 0},
  {"v2 local ignores addresses", v2(0x20, 0x11, std::string(12, '\x07')), ProxyVersion::Any, false, "0.0.0.0", 0, "0.0.0.0", 0},
  {"v2 proxy unspec", v2(0x21, 0x00, ""), ProxyVersion::V2, false, "0.0.0.0", 0, "0.0.0.0", 0},
  {"v2 proxy unix", v2(0x21, 0x31, std::string(216, '\0')), ProxyVersion::V2, false, "0.0.0.0", 0, "0.0.0.0", 0},
  {"v2 largest body", v2(0x21, 0x11, bytes({1, 2, 3, 4, 5, 6, 7, 8}) + be16(9) + be16(10) + std::string(2048 - 12, 'x')),
   ProxyVersion::V2, true, "1.2.3.4", 9, "5.6.7.8", 10},
};
// clang-format on

BOOST_DATA_TEST_CASE(parses_complete_headers, bdata::make(kGood), g) {
  ProxyHeader h = parse_proxy_header(g.header, g.accept);
  BOOST_TEST_REQUIRE((h.status == Status::Done), h.error);
  BOOST_TEST(h.length == g.header.size());
  BOOST_TEST(h.version == (g.header[0] == 'P' ? 1 : 2));
  BOOST_TEST(h.has_addresses == g.has_addresses);
  if (!g.has_addresses) return;
  BOOST_TEST(h.source.str() == g.source);
  BOOST_TEST(h.source_port == g.sport);
  BOOST_TEST(h.destination.str() == g.destination);
  BOOST_TEST(h.destination_port == g.dport);
}

BOOST_DATA_TEST_CASE(every_prefix_needs_more, bdata::make(kGood), g) {
  for (std::size_t n = 0; n < g.header.size(); ++n) {
    ProxyHeader h = parse_proxy_header(g.header.substr(0, n), g.accept);
    BOOST_TEST_REQUIRE((h.status == Status::NeedMore), g.name << " cut at " << n << ": " << h.error);
  }
}

BOOST_DATA_TEST_CASE(stops_at_the_end_of_the_header, bdata::make(kGood), g) {
  // The client's bytes follow, even ones that look like another header.
  for (const std::string& after : {std::string("GET / HTTP/1.0\r\n\r\n"), g.header, std::string(4096, '\0')}) {
    ProxyHeader h = parse_proxy_header(g.header + after, g.accept);
    BOOST_TEST_REQUIRE((h.status == Status::Done), h.error);
    BOOST_TEST(h.length == g.header.size());
  }
}

// clang-format off
const std::vector<Bad> kBad = {
  {"plain text", "GET / HTTP/1.0\r\n", ProxyVersion::Any,
   "not a PROXY protocol header (neither 'PROXY ' nor the v2 signature)"},
  {"tls hello", "\x16\x03\x01\x02\x00", ProxyVersion::Any,
   "not a PROXY protocol header (neither 'PROXY ' nor the v2 signature)"},
  {"v1 to a v2 service", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n", ProxyVersion::V2,
   "a v1 header, but proxy_protocol = v2 accepts only v2"},
  {"v2 to a v1 service", kV2Tcp4, ProxyVersion::V1,
   "not a v1 header ('PROXY ...'), and proxy_protocol = v1 accepts only v1"},
  {"v1 lower case", "proxy TCP4", ProxyVersion::Any,
   "not a PROXY protocol header (neither 'PROXY ' nor the v2 signature)"},
  {"v1 bad prefix", "PROXX TCP4", ProxyVersion::V1, "v1 header: does not start with 'PROXY '"},
  {"v1 bad prefix early", "PRX", ProxyVersion::V1, "v1 header: does not start with 'PROXY '"},
  {"v1 bare PROXY", "PROXY\r\n", ProxyVersion::V1, "v1 header: does not start with 'PROXY '"},
  {"v1 LF alone", "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n", ProxyVersion::V1, "v1 header: line ends in LF without CR"},
  {"v1 no CRLF in 107 bytes", "PROXY UNKNOWN " + std::string(93, 'a'), ProxyVersion::V1,
   "v1 header: no CRLF within 107 bytes"},
  {"v1 CRLF too late", "PROXY UNKNOWN " + std::string(93, 'a') + "\r\n", ProxyVersion::V1,
   "v1 header: no CRLF within 107 bytes"},
  {"v1 protocol", "PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n", ProxyVersion::V1,
   "v1 header: protocol 'UDP4' is not TCP4, TCP6 or UNKNOWN"},
  {"v1 too few fields", "PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n", ProxyVersion::V1,
   "v1 header: expected 'PROXY TCP4 SOURCE DESTINATION SPORT DPORT', got 3 fields after the protocol"},
  {"v1 double space", "PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n", ProxyVersion::V1,
   "v1 header: expected 'PROXY TCP4 SOURCE DESTINATION SPORT DPORT', got 5 fields after the protocol"},
  {"v1 v6 under TCP4", "PROXY TCP4 ::1 ::2 1 2\r\n", ProxyVersion::V1,
   "v1 header: source address '::1' is not an IPv4 address"},
  {"v1 v4 under TCP6", "PROXY TCP6 ::1 5.6.7.8 1 2\r\n", ProxyVersion::V1,
   "v1 header: destination address '5.6.7.8' is not an IPv6 address"},
  {"v1 bad address", "PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n", ProxyVersion::V1,
   "v1 header: source address '1.2.3.256' is not an IPv4 address"},
  {"v1 port too big", "PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n", ProxyVersion::V1,
   "v1 header: source port '65536' is not 0..65535"},
  {"v1 port sign", "PROXY TCP4 1.2.3.4 5.6.7.8 1 -2\r\n", ProxyVersion::V1,
   "v1 header: destination port '-2' is not 0..65535"},
  {"v1 control byte", std::string("PROXY TCP4 1.2.3.4\x01 5.6.7.8 1 2\r\n"), ProxyVersion::V1,
   "v1 header: source address '1.2.3.4?' is not an IPv4 address"},
  {"v1 CR inside", "PROXY TCP4 1.2.3.4\r5.6.7.8 1 2\r\n", ProxyVersion::V1, "v1 header: CR or NUL inside the line"},
  {"v2 bad signature", std::string("\r\n\r\n\0\r\nQUIX\n", 12), ProxyVersion::V2, "v2 header: bad signature"},
  {"v2 bad signature early", "\r\r", ProxyVersion::Any, "v2 header: bad signature"},
  {"v2 version 1", v2(0x11, 0x11, std::string(12, '\0')), ProxyVersion::V2, "v2 header: version nibble is 1, not 2"},
  {"v2 command 2", v2(0x22, 0x11, std::string(12, '\0')), ProxyVersion::V2,
   "v2 header: command 2 is neither LOCAL (0) nor PROXY (1)"},
  {"v2 family 4", v2(0x21, 0x41, std::string(12, '\0')), ProxyVersion::V2, "v2 header: address family 4 is unknown"},
  {"v2 transport 3", v2(0x21, 0x13, std::string(12, '\0')), ProxyVersion::V2, "v2 header: transport 3 is unknown"},
  {"v2 body too short for tcp4", v2(0x21, 0x11, std::string(11, '\0')), ProxyVersion::V2,
   "v2 header: announces 11 bytes, too few for its address family (12)"},
  {"v2 body too short for tcp6", v2(0x21, 0x21, std::string(12, '\0')), ProxyVersion::V2,
   "v2 header: announces 12 bytes, too few for its address family (36)"},
  {"v2 body too long", kSig + "\x21\x11" + be16(2049), ProxyVersion::V2,
   "v2 header: announces 2049 bytes of addresses and TLVs, more than the 2048 accepted"},
  {"v2 udp", v2(0x21, 0x12, std::string(12, '\0')), ProxyVersion::V2,
   "v2 header: carries a datagram (UDP) connection to a stream service"},
  {"v2 unspec transport with addresses", v2(0x21, 0x10, std::string(12, '\0')), ProxyVersion::V2,
   "v2 header: carries an unspecified transport with addresses"},
};
// clang-format on

BOOST_DATA_TEST_CASE(rejects_with_exact_message, bdata::make(kBad), b) {
  ProxyHeader h = parse_proxy_header(b.input, b.accept);
  BOOST_TEST_REQUIRE((h.status == Status::Error));
  BOOST_TEST(h.error == b.message);
}

BOOST_AUTO_TEST_CASE(truncated_bad_v2_is_refused_before_the_body) {
  // A v2 preamble announcing too much fails at once, without waiting for the body.
  ProxyHeader h = parse_proxy_header(kSig + "\x21\x11" + be16(65535), ProxyVersion::Any);
  BOOST_TEST((h.status == Status::Error));
}

BOOST_AUTO_TEST_CASE(nothing_yet_needs_more) {
  BOOST_TEST((parse_proxy_header("", ProxyVersion::Any).status == Status::NeedMore));
  BOOST_TEST((parse_proxy_header("P", ProxyVersion::V1).status == Status::NeedMore));
  BOOST_TEST((parse_proxy_header("\r", ProxyVersion::V2).status == Status::NeedMore));
}

BOOST_AUTO_TEST_CASE(names_of_versions) {
  BOOST_TEST(std::string(superd::net::proxy_version_name(ProxyVersion::Off)) == "no");
  BOOST_TEST(std::string(superd::net::proxy_version_name(ProxyVersion::V1)) == "v1");
  BOOST_TEST(std::string(superd::net::proxy_version_name(ProxyVersion::V2)) == "v2");
  BOOST_TEST(std::string(superd::net::proxy_version_name(ProxyVersion::Any)) == "any");
}

BOOST_AUTO_TEST_SUITE_END()
