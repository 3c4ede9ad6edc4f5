// SPDX-License-Identifier: MIT
// DatagramPort: a built-in on a UDP or Unix datagram socket. The service
// waits for readiness on the socket (which the SocketRegistry owns) and calls
// drain(), which answers a bounded number of datagrams at once; datagrams
// that could start a loop between services are ignored.
#pragma once

#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <functional>
#include <string>

#include "core/context.hpp"
#include "superd/builtin.hpp"

namespace superd::core {

/// Counters of one datagram port.
struct DatagramStats {
  std::uint64_t answered = 0, ignored = 0;
};

/// Serves one bound datagram socket with a built-in. Loop thread only.
class DatagramPort {
 public:
  /// Datagrams read (and answered) per system call at most.
  static constexpr std::size_t kBatch = 16;
  /// Decides whether a datagram from this source is answered (access rules).
  using Admit = std::function<bool(const sockaddr_storage& from, socklen_t len)>;
  /// Serves `fd`, which stays owned by its ListenSocket (`endpoint` is its
  /// address, for the log); `admit` may be empty (everyone).
  DatagramPort(Context& ctx, int fd, const Builtin& builtin, std::string service,
               std::string endpoint, Admit admit);
  /// Answers the datagrams waiting now (a bounded number of them).
  void drain();
  const DatagramStats& stats() const { return stats_; }

 private:
  Context& ctx_;
  int fd_;
  const Builtin& builtin_;
  std::string service_;
  std::string endpoint_;
  Admit admit_;
  std::array<std::string, kBatch> replies_;  ///< Reused: no allocation per datagram.
  DatagramStats stats_;
};

/// True when a datagram from UDP source `port` must not be answered: ports
/// below 1024 (the classic services themselves, as the BSD inetds refuse).
bool loop_risk_port(std::uint16_t port);

}  // namespace superd::core
