// SPDX-License-Identifier: MIT
// Cidr: an address block such as 10.0.0.0/8 or 2001:db8::/32 (a bare address
// is a /32 or /128). IPv4-mapped IPv6 peers match IPv4 blocks.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace superd::net {

/// An IP address in network byte order; IPv4 kept as 4 bytes.
struct IpAddress {
  bool v6 = false;
  std::array<std::uint8_t, 16> bytes{};
  /// Parses a literal; "::ffff:1.2.3.4" becomes the IPv4 address.
  static bool parse(std::string_view text, IpAddress& out);
  /// Address as text, IPv6 without brackets.
  std::string str() const;
};

/// One address block.
struct Cidr {
  IpAddress base;
  int prefix = 0;  ///< Bits that must match: 0..32 (IPv4) or 0..128 (IPv6).
  std::string text;  ///< As written, for messages.
  /// True when `addr` is inside this block.
  bool contains(const IpAddress& addr) const;
};

/// Parses "ADDR" or "ADDR/BITS"; on failure sets `error` and returns false.
bool parse_cidr(std::string_view text, Cidr& out, std::string& error);

}  // namespace superd::net
