// SPDX-License-Identifier: MIT
#include "net/proxy_header.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

namespace superd::net {

namespace {

constexpr std::string_view kV1Prefix = "PROXY ";
// The v2 signature: CR LF CR LF NUL CR LF "QUIT" LF.
constexpr char kV2Sig[12] = {'\r', '\n', '\r', '\n', '\0', '\r', '\n', 'Q', 'U', 'I', 'T', '\n'};
constexpr std::size_t kV2Preamble = 16;

ProxyHeader fail(int version, std::string why) {
  ProxyHeader h;
  h.status = ProxyHeader::Status::Error;
  h.version = version;
  h.error = (version == 1 ? "v1 header: " : version == 2 ? "v2 header: " : "") + std::move(why);
  return h;
}

// A field of a v1 line, quoted for a message; bytes that are not printable
// ASCII are shown as '?' so that a message stays one readable line.
std::string shown(std::string_view field) {
  std::string out = "'";
  for (char c : field.substr(0, 40)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  return out + (field.size() > 40 ? "...'" : "'");
}

bool parse_port(std::string_view text, std::uint16_t& out) {
  if (text.empty() || text.size() > 5) return false;
  unsigned v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  if (v > 65535) return false;
  out = static_cast<std::uint16_t>(v);
  return true;
}

// "PROXY TCP4 1.2.3.4 5.6.7.8 1111 2222\r\n", the line given without CRLF.
ProxyHeader parse_v1_line(std::string_view line, std::size_t length) {
  std::vector<std::string_view> f;
  std::string_view rest = line.substr(kV1Prefix.size());
  // Fields are separated by exactly one space; an empty field is an error.
  while (true) {
    std::size_t sp = rest.find(' ');
    f.push_back(rest.substr(0, sp));
    if (sp == std::string_view::npos) break;
    rest.remove_prefix(sp + 1);
  }
  ProxyHeader h;
  h.version = 1;
  h.length = length;
  if (f[0] == "UNKNOWN") {  // the rest of the line is to be ignored
    h.status = ProxyHeader::Status::Done;
    return h;
  }
  if (f[0] != "TCP4" && f[0] != "TCP6")
    return fail(1, "protocol " + shown(f[0]) + " is not TCP4, TCP6 or UNKNOWN");
  if (f.size() != 5)
    return fail(1, "expected 'PROXY " + std::string(f[0]) + " SOURCE DESTINATION SPORT DPORT', got " +
                       std::to_string(f.size() - 1) + " fields after the protocol");
  bool v6 = f[0] == "TCP6";
  IpAddress* addrs[2] = {&h.source, &h.destination};
  const char* names[2] = {"source", "destination"};
  for (int i = 0; i < 2; ++i) {
    std::string_view a = f[1 + i];
    // IpAddress::parse takes either family; the protocol says which one is meant.
    bool looks_v6 = a.find(':') != std::string_view::npos;
    if (looks_v6 != v6 || !IpAddress::parse(a, *addrs[i]))
      return fail(1, std::string(names[i]) + " address " + shown(a) + " is not an " +
                         (v6 ? "IPv6" : "IPv4") + " address");
  }
  if (!parse_port(f[3], h.source_port)) return fail(1, "source port " + shown(f[3]) + " is not 0..65535");
  if (!parse_port(f[4], h.destination_port))
    return fail(1, "destination port " + shown(f[4]) + " is not 0..65535");
  h.has_addresses = true;
  h.status = ProxyHeader::Status::Done;
  return h;
}

ProxyHeader parse_v1(std::string_view b) {
  std::size_t prefix = std::min(b.size(), kV1Prefix.size());
  if (b.substr(0, prefix) != kV1Prefix.substr(0, prefix))
    return fail(1, "does not start with 'PROXY '");
  std::size_t lf = b.substr(0, kProxyV1Max).find('\n');
  if (lf == std::string_view::npos) {
    if (b.size() >= kProxyV1Max)
      return fail(1, "no CRLF within " + std::to_string(kProxyV1Max) + " bytes");
    ProxyHeader h;
    h.version = 1;
    return h;
  }
  if (lf == 0 || b[lf - 1] != '\r') return fail(1, "line ends in LF without CR");
  std::string_view line = b.substr(0, lf - 1);
  if (line.size() < kV1Prefix.size()) return fail(1, "does not start with 'PROXY '");
  if (line.find('\r') != std::string_view::npos || line.find('\0') != std::string_view::npos)
    return fail(1, "CR or NUL inside the line");
  return parse_v1_line(line, lf + 1);
}

std::uint16_t be16(const unsigned char* p) { return static_cast<std::uint16_t>(p[0] << 8 | p[1]); }

ProxyHeader parse_v2(std::string_view b) {
  std::size_t sig = std::min(b.size(), sizeof kV2Sig);
  if (std::memcmp(b.data(), kV2Sig, sig) != 0) return fail(2, "bad signature");
  ProxyHeader h;
  h.version = 2;
  if (b.size() < kV2Preamble) return h;
  auto p = reinterpret_cast<const unsigned char*>(b.data());
  int version = p[12] >> 4, command = p[12] & 0x0f;
  int family = p[13] >> 4, transport = p[13] & 0x0f;
  std::size_t body = be16(p + 14);
  if (version != 2) return fail(2, "version nibble is " + std::to_string(version) + ", not 2");
  if (command > 1) return fail(2, "command " + std::to_string(command) + " is neither LOCAL (0) nor PROXY (1)");
  if (family > 3) return fail(2, "address family " + std::to_string(family) + " is unknown");
  if (transport > 2) return fail(2, "transport " + std::to_string(transport) + " is unknown");
  if (body > kProxyV2MaxBody)
    return fail(2, "announces " + std::to_string(body) + " bytes of addresses and TLVs, more than the " +
                       std::to_string(kProxyV2MaxBody) + " accepted");
  // Each family's addresses must fit in the announced length.
  static constexpr std::size_t kNeeds[4] = {0, 12, 36, 216};
  if (body < kNeeds[family])
    return fail(2, "announces " + std::to_string(body) + " bytes, too few for its address family (" +
                       std::to_string(kNeeds[family]) + ")");
  if (b.size() < kV2Preamble + body) return h;
  h.status = ProxyHeader::Status::Done;
  h.length = kV2Preamble + body;
  // LOCAL: the balancer's own connection (a health check); UNSPEC and Unix
  // addresses say nothing usable about a TCP client. The real addresses stand.
  if (command == 0 || family == 0 || family == 3) return h;
  if (transport != 1)
    return fail(2, transport == 2 ? "carries a datagram (UDP) connection to a stream service"
                                  : "carries an unspecified transport with addresses");
  const unsigned char* a = p + kV2Preamble;
  std::size_t n = family == 1 ? 4 : 16;
  h.source.v6 = h.destination.v6 = family == 2;
  std::memcpy(h.source.bytes.data(), a, n);
  std::memcpy(h.destination.bytes.data(), a + n, n);
  h.source_port = be16(a + 2 * n);
  h.destination_port = be16(a + 2 * n + 2);
  // An IPv4-mapped IPv6 address counts as the IPv4 address, as everywhere in superd.
  for (IpAddress* ip : {&h.source, &h.destination}) {
    static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (ip->v6 && std::memcmp(ip->bytes.data(), kMapped, 12) == 0) {
      std::memmove(ip->bytes.data(), ip->bytes.data() + 12, 4);
      std::fill(ip->bytes.begin() + 4, ip->bytes.end(), 0);
      ip->v6 = false;
    }
  }
  h.has_addresses = true;
  return h;
}

}  // namespace

ProxyHeader parse_proxy_header(std::string_view bytes, ProxyVersion accept) {
  if (bytes.empty() || accept == ProxyVersion::Off) return ProxyHeader{};
  bool v1 = bytes[0] == 'P', v2 = bytes[0] == '\r';
  if (!v1 && !v2)
    return fail(0, "not a PROXY protocol header (neither 'PROXY ' nor the v2 signature)");
  if (v1 && accept == ProxyVersion::V2)
    return fail(0, "a v1 header, but proxy_protocol = v2 accepts only v2");
  if (v2 && accept == ProxyVersion::V1)
    return fail(0, "not a v1 header ('PROXY ...'), and proxy_protocol = v1 accepts only v1");
  return v1 ? parse_v1(bytes) : parse_v2(bytes);
}

const char* proxy_version_name(ProxyVersion v) {
  switch (v) {
    case ProxyVersion::Off: return "no";
    case ProxyVersion::V1: return "v1";
    case ProxyVersion::V2: return "v2";
    case ProxyVersion::Any: break;
  }
  return "any";
}

}  // namespace superd::net
