// SPDX-License-Identifier: MIT
#include "net/cidr.hpp"

#include <arpa/inet.h>

#include <cctype>
#include <cstring>

namespace superd::net {

bool IpAddress::parse(std::string_view text, IpAddress& out) {
  std::string s(text);
  out = IpAddress{};
  if (inet_pton(AF_INET, s.c_str(), out.bytes.data()) == 1) return true;
  if (inet_pton(AF_INET6, s.c_str(), out.bytes.data()) != 1) return false;
  static const std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(out.bytes.data(), kMapped, 12) == 0) {
    std::memmove(out.bytes.data(), out.bytes.data() + 12, 4);
    std::memset(out.bytes.data() + 4, 0, 12);
    return true;
  }
  out.v6 = true;
  return true;
}

std::string IpAddress::str() const {
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), buf, sizeof buf);
  return buf;
}

bool Cidr::contains(const IpAddress& addr) const {
  if (addr.v6 != base.v6) return false;
  int full = prefix / 8, bits = prefix % 8;
  if (std::memcmp(addr.bytes.data(), base.bytes.data(), static_cast<std::size_t>(full)) != 0)
    return false;
  if (bits == 0) return true;
  auto mask = static_cast<std::uint8_t>(0xff << (8 - bits));
  return (addr.bytes[static_cast<std::size_t>(full)] & mask) ==
         (base.bytes[static_cast<std::size_t>(full)] & mask);
}

bool parse_cidr(std::string_view text, Cidr& out, std::string& error) {
  out = Cidr{};
  out.text = std::string(text);
  std::string_view addr = text.substr(0, text.find('/'));
  if (!IpAddress::parse(addr, out.base)) {
    error = "'" + std::string(addr) + "' is not an IP address (expected ADDR/BITS, e.g. 10.0.0.0/8)";
    return false;
  }
  int max = out.base.v6 ? 128 : 32;
  // "::ffff:10.0.0.0/104" is the IPv4 block 10.0.0.0/8 written in IPv6 bits.
  int skip = !out.base.v6 && addr.find(':') != std::string_view::npos ? 96 : 0;
  out.prefix = max;
  if (addr.size() < text.size()) {
    std::string_view bits = text.substr(addr.size() + 1);
    int v = 0;
    if (bits.empty() || bits.size() > 3) v = -1;
    for (char c : bits) v = std::isdigit(static_cast<unsigned char>(c)) && v >= 0 ? v * 10 + (c - '0') : -1;
    if (v < skip || v > max + skip) {
      error = "prefix length '" + std::string(bits) + "' is not " + std::to_string(skip) + ".." +
              std::to_string(max + skip);
      return false;
    }
    out.prefix = v - skip;
  }
  // Host bits past the prefix are cleared so that 10.1.2.3/8 means 10.0.0.0/8.
  for (int i = out.prefix; i < max; ++i)
    out.base.bytes[static_cast<std::size_t>(i / 8)] &= static_cast<std::uint8_t>(~(0x80 >> (i % 8)));
  return true;
}

}  // namespace superd::net
