// SPDX-License-Identifier: MIT
// Context: what every service shares, owned by the Supervisor and passed
// explicitly (no globals). Loop thread only.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "conf/config.hpp"
#include "log/log.hpp"
#include "proc/spawn.hpp"
#include "superd/builtin.hpp"

namespace superd::core {

class ChildSet;
class SessionSet;
class Service;
class ReverseResolver;
class TlsRelay;

/// Seconds on the monotonic clock, for limits and durations.
inline double now_seconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

/// A byte buffer left uninitialised, so its pages cost memory only once
/// something is read into them (a vector would zero them all at once).
class RawBuffer {
 public:
  explicit RawBuffer(std::size_t size) : data_(new char[size]), size_(size) {}
  char* data() { return data_.get(); }
  std::size_t size() const { return size_; }

 private:
  std::unique_ptr<char[]> data_;
  std::size_t size_;
};

/// Shared state of one running supervisor.
struct Context {
  Context(boost::asio::io_context& io_, log::Logger& log_, ChildSet& children_,
          SessionSet& sessions_, proc::Spawner& spawner_)
      : io(io_), log(log_), children(children_), sessions(sessions_), spawner(spawner_) {}
  /// The global settings in force now (the latest configuration applied).
  const conf::GlobalConfig& global() const { return config->global; }
  boost::asio::io_context& io;
  log::Logger& log;
  /// The configuration applied last; services keep the snapshot they were made from.
  std::shared_ptr<const conf::Config> config;
  ChildSet& children;
  SessionSet& sessions;
  proc::Spawner& spawner;
  RawBuffer read_buffer{64 * 1024};  ///< Shared by all built-in reads.
  /// The next ConnectionId of any service-wide built-in: one counter for the
  /// whole supervisor, so that no id comes back across reloads.
  ConnectionId next_connection_id = 1;
  /// DatagramPort's batch of receive slots, shared by all ports; made on
  /// first use and left uninitialised, so only the pages datagrams touch cost memory.
  std::unique_ptr<char[]> datagram_buffer;
  int total_active = 0;        ///< Connections served now, over all services.
  int pending = 0;  ///< Connections waiting for superd itself (a TCPMUX line, a client's name).
  /// UDP session programs sent SIGTERM that have not exited yet: shutdown
  /// waits for them, since their SIGKILL timers need the loop.
  int ending_sessions = 0;
  /// TLS connections past their handshake (TlsRelays): shutdown waits for
  /// them as for built-in sessions, since their relay is superd itself.
  std::shared_ptr<std::set<TlsRelay*>> tls_relays = std::make_shared<std::set<TlsRelay*>>();
  int null_fd = -1;            ///< /dev/null, for stderr = null.
  int max_fd = 1024;           ///< RLIMIT_NOFILE, for children without close_range.
  bool stopping = false;
  int last_status = -1;        ///< Wait status of the last connection's program to exit.
  ReverseResolver* resolver = nullptr;  ///< Client names (reverse_lookups).
  std::function<void()> capacity_freed;  ///< A connection ended: paused services may resume.
  std::function<void()> counts_changed;  ///< Connections or programs came or went (STATUS=).
  /// TCPMUX: the service whose tcpmux_name is `name` (any case), or null;
  /// `ack` says whether its name asks for "+Go".
  std::function<std::shared_ptr<Service>(const std::string& name, bool& ack)> find_tcpmux;
  /// TCPMUX: the names of the services reachable through it, for HELP.
  std::function<std::vector<std::string>()> tcpmux_names;
};

}  // namespace superd::core
