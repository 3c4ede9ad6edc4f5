// SPDX-License-Identifier: MIT
// ProxyReader: reads the PROXY protocol header at the start of an accepted
// connection, in the event loop, within a time limit. It peeks at what has
// arrived, lets net::parse_proxy_header() decide, and consumes exactly the
// header's bytes (bytes that may still be header only while it is
// incomplete), so whoever serves the connection next, a built-in or a
// program on fd 0, sees the client's first byte first.
#pragma once

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "net/proxy_header.hpp"

namespace superd::core {

/// Time a client (a load balancer) has to send its whole header.
constexpr std::chrono::seconds kProxyHeaderTimeout{3};

/// One header being read. Loop thread only.
class ProxyReader : public std::enable_shared_from_this<ProxyReader> {
 public:
  /// Gets the descriptor back and the outcome: status Done, or Error with
  /// the reason (a malformed header, the time limit, the peer closing).
  using Done = std::function<void(int fd, const net::ProxyHeader& header)>;
  /// Starts reading a header of a version `accept` allows from `fd`, which
  /// it holds until `done` runs; if the loop stops first, the descriptor is closed.
  static void start(boost::asio::io_context& io, int fd, net::ProxyVersion accept,
                    std::chrono::steady_clock::duration timeout, Done done);

  ProxyReader(boost::asio::io_context& io, int fd, net::ProxyVersion accept, Done done);
  ProxyReader(const ProxyReader&) = delete;
  ProxyReader& operator=(const ProxyReader&) = delete;

 private:
  void wait();
  void on_readable();
  void finish(net::ProxyHeader h);
  boost::asio::posix::stream_descriptor sock_;
  boost::asio::steady_timer timer_;
  net::ProxyVersion accept_;
  Done done_;
  std::string buf_;      ///< Header bytes consumed so far (all of an incomplete header).
  int flags_;            ///< The descriptor's file status flags, restored when it is handed back.
  bool finished_ = false;
};

}  // namespace superd::core
