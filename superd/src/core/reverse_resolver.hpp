// SPDX-License-Identifier: MIT
// ReverseResolver: the client's host name for `allow`/`deny` and
// TCPREMOTEHOST, looked up without ever blocking the loop. It speaks DNS
// itself over one connected UDP socket (the system's getnameinfo would
// block, and reads only /etc/resolv.conf), with a time limit per lookup, a
// bound on lookups in flight (a client beyond it is served without a name),
// lookups of one address shared, and a cache that keeps answers for their
// TTL (at most an hour) and failures for a minute. With double-reverse
// checking, the name must resolve back to the address, or it is not used.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "log/log.hpp"
#include "net/cidr.hpp"

namespace superd::core {

/// Asynchronous reverse lookups with a cache. Loop thread only.
class ReverseResolver {
 public:
  /// Receives the name, or "" when none could be had in time.
  using Done = std::function<void(const std::string& name)>;
  /// At most this many addresses are looked up at once.
  static constexpr std::size_t kMaxInFlight = 64;
  /// At most this many clients wait for names at once.
  static constexpr std::size_t kMaxWaiting = 256;
  /// At most this many answers are cached.
  static constexpr std::size_t kMaxCached = 4096;

  ReverseResolver(boost::asio::io_context& io, log::Logger& log);
  ReverseResolver(const ReverseResolver&) = delete;
  ReverseResolver& operator=(const ReverseResolver&) = delete;

  /// Where to ask, how long to wait, and whether to check the name back.
  /// A changed server or check empties the cache.
  void configure(const net::IpAddress& server, std::uint16_t port, double timeout, bool double_reverse);
  /// Looks up the name of `addr`; `done` runs once, on the loop (inside
  /// this call only when the query cannot be sent), unless stop() comes first.
  void lookup(const net::IpAddress& addr, Done done);
  /// Drops every lookup in flight without calling its `done` (shutdown).
  void stop();
  std::size_t in_flight() const { return by_key_.size(); }

 private:
  struct Lookup;
  bool open_socket();
  void receive();
  void on_response(std::size_t n);
  /// Sends the query of `l`'s current step under a fresh id.
  bool send(Lookup& l, const std::string& name, std::uint16_t type);
  void finish(const std::shared_ptr<Lookup>& l, const std::string& name, double ttl);
  std::uint16_t next_id();

  boost::asio::io_context& io_;
  log::Logger& log_;
  boost::asio::ip::udp::socket sock_;
  boost::asio::ip::udp::endpoint server_;
  bool configured_ = false;
  double timeout_ = 2;
  bool double_reverse_ = false;
  bool receiving_ = false;
  std::string buffer_;
  std::uint32_t id_state_;
  std::map<std::uint16_t, std::shared_ptr<Lookup>> by_id_;
  std::map<std::string, std::shared_ptr<Lookup>> by_key_;
  struct Cached {
    std::string name;
    double expires;
  };
  std::unordered_map<std::string, Cached> cache_;
  std::size_t waiting_ = 0;  ///< Clients waiting, over all lookups in flight.
  bool full_logged_ = false;
};

}  // namespace superd::core
