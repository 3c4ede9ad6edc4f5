// SPDX-License-Identifier: MIT
// The few DNS messages reverse lookups need (RFC 1035): a query for one
// name and type, and the answers of a response (PTR names, A and AAAA
// addresses, the smallest TTL). Pure: bytes in, values out. Responses come
// from the network, so every length, label and compression pointer is
// checked, and a name superd would put in a log or an environment must be
// a plain host name.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "net/cidr.hpp"

namespace superd::net {

/// Record types used.
enum DnsType : std::uint16_t { kDnsA = 1, kDnsPtr = 12, kDnsAaaa = 28 };

/// The name whose PTR record names `addr`: "4.3.2.1.in-addr.arpa" or the
/// 32 nibbles under ip6.arpa.
std::string reverse_name(const IpAddress& addr);

/// A recursive query with `id` for `name` (dotted, no final dot) of `type`.
/// Empty when `name` cannot be encoded (a label over 63 bytes, say).
std::string dns_query(std::uint16_t id, std::string_view name, std::uint16_t type);

/// What a response says.
struct DnsResponse {
  std::uint16_t id = 0;
  int rcode = 0;  ///< 0 no error, 3 no such name, ...
  std::vector<std::string> names;  ///< PTR targets that are host names, lower case, no final dot.
  std::vector<IpAddress> addrs;    ///< A and AAAA records.
  std::uint32_t ttl = 0;           ///< Smallest TTL of the records taken; 0 when none.
};

/// Parses a response; false with `error` when it is malformed or not a response.
bool parse_dns_response(std::string_view bytes, DnsResponse& out, std::string& error);

/// True when `name` is a host name: labels of letters, digits, '-' and '_',
/// 1 to 63 bytes each, 253 in all.
bool valid_host_name(std::string_view name);

}  // namespace superd::net
