// SPDX-License-Identifier: MIT
// Endpoint: one place to listen, parsed from the `port` key's syntax:
//   PORT, PORT/PROTO, HOST:PORT, HOST:PORT/PROTO, [V6ADDR]:PORT/PROTO,
//   PATH|unix (stream), PATH|dgram|unix.
// Pure: no socket is touched. Service names come from /etc/services.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace superd::net {

/// The four kinds of socket superd listens on.
enum class Transport { Tcp, Udp, UnixStream, UnixDgram };

/// A parsed endpoint. Its identity (for reload) is transport + host + port/path.
struct Endpoint {
  Transport transport = Transport::Tcp;
  std::string host;    ///< "*", an IP literal (no brackets) or a host name; the path for Unix.
  std::uint16_t port = 0;  ///< 0 for Unix endpoints.
  /// IPV6_V6ONLY of a "*" or "::" socket (the `v6only` key). Unset: "*" is
  /// dual-stack and "::" follows the system's net.ipv6.bindv6only.
  std::optional<bool> v6only;
  // Options that decide which socket a TCP or UDP endpoint is, set before
  // bind(); always false/empty for Unix endpoints.
  bool reuse_port = false;  ///< SO_REUSEPORT (`reuse_port`).
  bool freebind = false;    ///< IP_FREEBIND / IPV6_FREEBIND (`freebind`).
  std::string device;       ///< SO_BINDTODEVICE (`bind_to_device`); empty: every interface.

  /// True for TCP and Unix stream endpoints.
  bool stream() const { return transport == Transport::Tcp || transport == Transport::UnixStream; }
  /// True for Unix endpoints.
  bool unix_domain() const {
    return transport == Transport::UnixStream || transport == Transport::UnixDgram;
  }
  /// Canonical text: "127.0.0.1:7/tcp", "[::1]:7/udp", "*:7/tcp", "/run/x|unix", "/run/x|dgram|unix".
  std::string str() const;
  friend bool operator==(const Endpoint& a, const Endpoint& b) {
    return a.transport == b.transport && a.host == b.host && a.port == b.port &&
           a.v6only == b.v6only && a.reuse_port == b.reuse_port && a.freebind == b.freebind &&
           a.device == b.device;
  }
  friend bool operator!=(const Endpoint& a, const Endpoint& b) { return !(a == b); }
};

/// The socket an endpoint really is, for matching endpoints across a reload
/// and sockets passed by systemd: "tcp [::]:7" for both "*:7" and "[::]:7"
/// (one dual-stack socket), "tcp 0.0.0.0:7", "udp 127.0.0.1:53",
/// "unix /run/x", "unix-dgram /run/x". IP literals are normalised
/// ("::ffff:1.2.3.4" stays IPv6, "0:0::1" becomes "::1"); a host name is kept
/// as written, lower-cased. An IPv6-only wildcard socket ends in " v6only":
/// "*" or "::" with `v6only = yes`, and "::" with the key unset when
/// `v6only_default`, the system's net.ipv6.bindv6only, is set. Then come the
/// options set before bind(), as bind_options_suffix() writes them:
/// "tcp 127.0.0.1:7 reuseport freebind device=eth0".
std::string endpoint_identity(const Endpoint& e, bool v6only_default = false);

/// The identity's tail for the options set before bind(): " reuseport",
/// " freebind", " device=NAME", in that order; "" when none is set. Shared
/// with the identity of sockets passed by systemd, read back with getsockopt.
std::string bind_options_suffix(bool reuse_port, bool freebind, const std::string& device);

/// Parses `text`; a missing host or protocol comes from `default_host` / `default_proto`
/// (the `host` and `proto` keys). On failure returns false and sets `error`
/// to a message naming what would be valid.
bool parse_endpoint(std::string_view text, std::string_view default_host,
                    std::string_view default_proto, Endpoint& out, std::string& error);

/// True when `proto` is a value the `proto` key accepts: tcp, udp or unix.
bool valid_proto(std::string_view proto);

}  // namespace superd::net
