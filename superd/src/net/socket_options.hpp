// SPDX-License-Identifier: MIT
// Socket options of an endpoint: the ones set before bind(), which decide
// which socket it is (SO_REUSEPORT, IP_FREEBIND, SO_BINDTODEVICE: carried by
// the Endpoint and its identity), and the ones a bound socket can change at
// any time (buffers, keepalive, TCP_NODELAY, TCP_DEFER_ACCEPT, SO_MARK,
// IP_TOS: ListenOptions, re-applied in place on reload). One table says which
// endpoints each applies to; errors read "setsockopt SO_MARK: Operation not
// permitted", for the caller to prefix with the socket.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "net/endpoint.hpp"

namespace superd::net {

/// The options of one endpoint's sockets that can change while it is bound.
/// A socket option left at 0 keeps the system's default.
struct ListenOptions {
  int backlog = 0;   ///< 0: SOMAXCONN.
  int mode = -1;     ///< Unix socket file permissions; -1 leaves them.
  uid_t uid = static_cast<uid_t>(-1);
  gid_t gid = static_cast<gid_t>(-1);
  int keepalive = 0;           ///< SO_KEEPALIVE, 0 or 1 (TCP).
  int keepalive_time = 0;      ///< TCP_KEEPIDLE, seconds.
  int keepalive_interval = 0;  ///< TCP_KEEPINTVL, seconds.
  int keepalive_count = 0;     ///< TCP_KEEPCNT.
  int nodelay = 0;             ///< TCP_NODELAY, 0 or 1 (TCP).
  int defer_accept = 0;        ///< TCP_DEFER_ACCEPT, seconds (TCP).
  int send_buffer = 0;         ///< SO_SNDBUF, bytes (every endpoint).
  int receive_buffer = 0;      ///< SO_RCVBUF, bytes (every endpoint).
  int mark = 0;                ///< SO_MARK, the 32-bit mark stored bit for bit (TCP, UDP).
  int ip_tos = 0;              ///< IP_TOS / IPV6_TCLASS, 0..255 (TCP, UDP).
};

/// Which endpoints a socket option applies to.
enum class Applies { Tcp, Inet, Any };

/// True when an option that `applies` this way can be set on `e`.
bool applies_to(Applies applies, const Endpoint& e);
/// The conf key's noun for `applies`: "TCP endpoints", "TCP and UDP endpoints".
const char* applies_text(Applies applies);

/// An option of a ListenOptions that is set: its conf key and where it applies.
struct SetOption {
  const char* key;
  Applies applies;
};
/// The socket options of `o` that are not 0, in conf key order.
std::vector<SetOption> options_set(const ListenOptions& o);

/// Sets on `fd`, a socket of `e`, the options of `now` that apply to it: all
/// that are not 0 when `before` is null, else those that differ from `before`.
bool set_socket_options(int fd, const Endpoint& e, const ListenOptions& now,
                        const ListenOptions* before, std::string& error);
/// Conf keys of the options that apply to `e` and differ between `a` and `b`.
std::vector<std::string> changed_socket_options(const ListenOptions& a, const ListenOptions& b,
                                                const Endpoint& e);
/// True when going from `a` to `b` returns an option to the system's default,
/// which setsockopt() cannot do (a buffer size, a keepalive time): the
/// endpoint then needs a new socket.
bool needs_new_socket(const ListenOptions& a, const ListenOptions& b, const Endpoint& e);

/// Sets the options of `e` that must precede bind() on `fd`, a socket of
/// address family `family`: IPV6_V6ONLY, SO_REUSEPORT, IP_FREEBIND, SO_BINDTODEVICE.
bool set_bind_options(int fd, const Endpoint& e, int family, std::string& error);
/// bind_options_suffix() of an open socket, read back with getsockopt.
std::string bind_options_of(int fd, int family);

}  // namespace superd::net
