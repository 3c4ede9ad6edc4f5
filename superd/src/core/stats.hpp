// SPDX-License-Identifier: MIT
// ServiceStats: what one service has done since superd started (or since the
// service was added), kept under the service's name across reloads. Read by
// `superd ctl`, the metrics endpoint and the SIGUSR1 dump; written on the
// accept, refuse and end paths, so every update is a few additions.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace superd::core {

/// Why a client was turned away.
enum class Refusal : std::uint8_t { Access, MaxPerSource, MaxInstances, MaxConnections, Proxy, Tls, MaxRate };
constexpr std::size_t kRefusals = 7;
/// "access", "max_per_source", "max_instances", "max_connections", "proxy"
/// (a PROXY protocol header missing, malformed, or from a source not in
/// proxy_from), "tls" (a failed TLS handshake), "max_rate" (a UDP session
/// or a client handed over by TCPMUX over the rate; other connections wait).
const char* refusal_name(Refusal r);

/// Durations of connections (or wait-mode programs), in fixed buckets.
class DurationHistogram {
 public:
  /// Upper bounds of the buckets, in seconds; a last bucket takes the rest.
  static constexpr std::array<double, 12> kBounds{0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                  0.5,   1,    2.5,   10,   60,  600};
  void add(double seconds);
  /// Observations at or below kBounds[i]; the last entry (i == kBounds.size()) is all of them.
  std::uint64_t cumulative(std::size_t i) const;
  std::uint64_t count() const { return count_; }
  double sum() const { return sum_; }

 private:
  std::array<std::uint64_t, kBounds.size() + 1> buckets_{};
  std::uint64_t count_ = 0;
  double sum_ = 0;
};

/// How programs ended: counts by exit code (0..255) or killing signal.
/// At most 256 + 64 entries, so it needs no bound of its own.
class ExitCounts {
 public:
  void add(int wait_status);
  /// ("exit", code) or ("signal", "SIGTERM") with its count, exits first.
  struct Entry {
    bool signaled;
    int number;
    std::uint64_t count;
  };
  std::vector<Entry> entries() const;

 private:
  std::map<int, std::uint64_t> counts_;  ///< Exit code, or 256 + signal number.
};

/// Connections and refusals per source address (or Unix uid), for
/// `superd ctl sources`. Bounded: past kCapacity sources the less busy half
/// is forgotten, so the busiest stay and memory does not grow without end.
class SourceHistory {
 public:
  static constexpr std::size_t kCapacity = 1024;
  struct Counts {
    std::uint64_t accepted = 0;
    std::uint64_t refused = 0;
    std::uint64_t total() const { return accepted + refused; }
  };
  void accepted(const std::string& source) { entry(source).accepted++; }
  void refused(const std::string& source) { entry(source).refused++; }
  /// A connection counted as accepted was refused after all (its TLS handshake failed).
  void refused_after_all(const std::string& source) {
    Counts& c = entry(source);
    if (c.accepted) --c.accepted;
    ++c.refused;
  }
  /// At most `n` sources, busiest (accepted + refused) first, ties by name.
  std::vector<std::pair<std::string, Counts>> busiest(std::size_t n) const;
  std::size_t size() const { return counts_.size(); }
  /// Sources forgotten to keep the bound.
  std::uint64_t forgotten() const { return forgotten_; }

 private:
  Counts& entry(const std::string& source);
  std::unordered_map<std::string, Counts> counts_;
  std::uint64_t forgotten_ = 0;
};

/// Counters of one service.
struct ServiceStats {
  int active = 0;              ///< Connections (or wait-mode programs) being served now.
  std::uint64_t accepted = 0;  ///< Connections accepted, whether served or refused afterwards.
  std::uint64_t served = 0;    ///< Connections handed to a built-in or program, datagrams answered.
  std::uint64_t refused = 0;   ///< Refused by access rules or limits (the sum of refused_by).
  std::array<std::uint64_t, kRefusals> refused_by{};  ///< Indexed by Refusal.
  std::uint64_t started = 0;   ///< Programs started (exec succeeded).
  std::uint64_t failed = 0;    ///< Programs that could not be started.
  std::uint64_t bytes_in = 0;  ///< Read from clients by built-ins.
  std::uint64_t bytes_out = 0; ///< Written to clients by built-ins.
  std::uint64_t dropped = 0;   ///< Datagrams for UDP sessions dropped: the program did not read them.
  ExitCounts exits;            ///< How programs ended.
  DurationHistogram durations; ///< Of ended connections and wait-mode programs.

  void refuse(Refusal r) {
    ++refused;
    ++refused_by[static_cast<std::size_t>(r)];
  }
};

}  // namespace superd::core
