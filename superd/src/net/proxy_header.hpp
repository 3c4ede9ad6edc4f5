// SPDX-License-Identifier: MIT
// ProxyHeader: a parser of the PROXY protocol header (versions 1 and 2, as
// HAProxy's specification defines them) that a load balancer sends before
// the client's bytes to say who the client is. Pure and incremental: given
// the bytes received so far it says that it needs more, that the header is
// complete (with its length and the addresses it carries), or why the bytes
// cannot be a header. It never reads past the header, so the caller can
// consume exactly the header and leave the client's data to whoever serves it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "net/cidr.hpp"

namespace superd::net {

/// Which versions of the header a service accepts (`proxy_protocol`).
enum class ProxyVersion : std::uint8_t { Off, V1, V2, Any };

/// Longest version 1 header, CRLF included (the specification's bound).
constexpr std::size_t kProxyV1Max = 107;
/// Longest version 2 header accepted: the 16-byte preamble and at most this
/// much address and TLV data. The format allows 65535; load balancers send
/// far less, and a bound keeps a slow sender from holding much memory.
constexpr std::size_t kProxyV2MaxBody = 2048;
/// Most bytes a header can take in any accepted version.
constexpr std::size_t kProxyMax = 16 + kProxyV2MaxBody;

/// The outcome of parse_proxy_header().
struct ProxyHeader {
  enum class Status : std::uint8_t { NeedMore, Done, Error };
  Status status = Status::NeedMore;
  int version = 0;         ///< 1 or 2 once known; 0 before.
  std::size_t length = 0;  ///< Done: bytes the header takes, to consume exactly.
  /// Done: true when the header carries the client's addresses; false for
  /// v1 UNKNOWN, a v2 LOCAL command, or a family other than TCP over IPv4/IPv6
  /// (the connection's own addresses then stand).
  bool has_addresses = false;
  IpAddress source, destination;
  std::uint16_t source_port = 0, destination_port = 0;
  std::string error;  ///< Error: why, e.g. "v1 header: source port '70000' is out of range".
};

/// Parses the start of a connection's bytes as a header of a version that
/// `accept` allows. NeedMore means every byte given may still be the start
/// of a header (and so belongs to it); Done and Error are final.
ProxyHeader parse_proxy_header(std::string_view bytes, ProxyVersion accept);

/// "v1", "v2", "any" or "no".
const char* proxy_version_name(ProxyVersion v);

}  // namespace superd::net
