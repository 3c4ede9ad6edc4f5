// SPDX-License-Identifier: MIT
// Service's private parts, shared by service.cpp (sockets, limits, built-ins)
// and service_exec.cpp (programs): the Listener and Peer records and small
// socket helpers. Included by those two files only.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <memory>
#include <string>

#include "core/datagram_port.hpp"
#include "core/service.hpp"
#include "net/cidr.hpp"
#include "net/endpoint.hpp"

namespace superd::core {

/// True when `fd` has input waiting now.
bool readable_now(int fd);
/// Fills `addr`/`port` from an IPv4 or IPv6 address (mapped IPv4 as IPv4).
bool ip_of(const sockaddr_storage& ss, net::IpAddress& addr, std::uint16_t& port);

struct Service::Listener {
  Listener(boost::asio::io_context& io, net::Endpoint e, std::string addr)
      : endpoint(std::move(e)), address(std::move(addr)), desc(io), backoff(io) {}
  net::Endpoint endpoint;
  std::string address;
  boost::asio::posix::stream_descriptor desc;  ///< Empty when `port` serves the socket.
  std::unique_ptr<DatagramPort> port;
  bool watching = false;
  bool closed = false;
  bool child_running = false;  ///< Wait mode: the program has the socket.
  bool backing_off = false;    ///< A back-off timer, not resume(), re-arms it.
  int fast_exits = 0;
  boost::asio::steady_timer backoff;
};

/// One client, as access rules, limits and the child environment see it.
struct Service::Peer {
  std::string text;    ///< "1.2.3.4:5555" or "unix:pid=42,uid=0".
  std::string source;  ///< What max_per_source counts: the IP, or "uid:N".
  bool ip = false;
  net::IpAddress addr;
  std::uint16_t port = 0;
  ucred cred{};
  bool has_cred = false;
};

}  // namespace superd::core
