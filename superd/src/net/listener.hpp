// SPDX-License-Identifier: MIT
// Binding: turns an Endpoint into listening (stream) or bound (datagram)
// sockets, non-blocking and close-on-exec, with the backlog, reuse and Unix
// socket file options applied, and the socket options of net/socket_options.
// Errors read "bind 127.0.0.1:7/tcp: Address already in use" or "bind
// 127.0.0.1:7/tcp: setsockopt SO_MARK: Operation not permitted".
#pragma once

#include <sys/socket.h>
#include <sys/types.h>

#include <string>
#include <vector>

#include "net/endpoint.hpp"
#include "net/socket_options.hpp"
#include "sys/unique_fd.hpp"

namespace superd::net {

/// One socket bound for an endpoint (a host name may give several).
struct BoundSocket {
  sys::UniqueFd fd;
  Endpoint endpoint;
  std::string address;  ///< The bound address as text, e.g. "127.0.0.1:7/tcp".
};

/// Binds every address of `e`. On failure returns false, leaves nothing bound
/// and sets `error` ("bind ADDR: reason").
bool bind_endpoint(const Endpoint& e, const ListenOptions& opts, std::vector<BoundSocket>& out,
                   std::string& error);

/// Removes a Unix socket file superd created (on shutdown).
void unlink_socket_file(const Endpoint& e);

/// Text of a socket address: "1.2.3.4:5", "[::1]:5"; IPv4-mapped shown as IPv4.
std::string sockaddr_text(const sockaddr* sa, socklen_t len);

}  // namespace superd::net
