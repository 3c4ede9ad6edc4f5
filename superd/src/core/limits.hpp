// SPDX-License-Identifier: MIT
// Admission limits as pure logic with an injected clock: a token bucket for
// `max_rate` and per-source counters for `max_per_source` / TCPCONNNUM.
#pragma once

#include <string>
#include <unordered_map>

namespace superd::core {

/// `max_rate`: `rate` new connections per second, bursts up to max(1, rate).
class TokenBucket {
 public:
  /// `rate` 0 means unlimited. `now` is in seconds on any monotonic clock.
  explicit TokenBucket(double rate = 0, double now = 0);
  /// Takes one token; false when the bucket is empty.
  bool take(double now);
  /// Seconds until a token is available (0 when one is).
  double wait(double now) const;
  bool unlimited() const { return rate_ <= 0; }

 private:
  void refill(double now);
  double rate_, capacity_, tokens_, last_;
};

/// Live connections per source address of one service.
class SourceCounter {
 public:
  /// Count for `source` after adding this connection.
  int add(const std::string& source) { return ++counts_[source]; }
  /// Current count for `source`.
  int count(const std::string& source) const {
    auto it = counts_.find(source);
    return it == counts_.end() ? 0 : it->second;
  }
  /// A connection from `source` ended.
  void remove(const std::string& source);
  std::size_t sources() const { return counts_.size(); }

 private:
  std::unordered_map<std::string, int> counts_;
};

/// Why a new connection may not be accepted now.
enum class Admission { Accept, PauseInstances, PauseConnections, PauseRate };

/// Decides whether a service may accept another connection now.
/// `limit` -1 is unlimited for both counts.
Admission admit(int active, int max_instances, int total_active, int max_connections,
                const TokenBucket& bucket, double now);

}  // namespace superd::core
