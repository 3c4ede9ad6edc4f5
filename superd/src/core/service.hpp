// SPDX-License-Identifier: MIT
// Service: one configured service at run time. Wires its sockets to access
// rules, limits, and either a built-in or a program:
//   accept -> access -> limits -> StreamSession | spawn (nowait)
//   readable -> spawn with the socket itself, stop watching until exit (wait)
//   readable -> DatagramPort (datagram built-ins)
#pragma once

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <sys/socket.h>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "conf/config.hpp"
#include "core/context.hpp"
#include "core/datagram_port.hpp"
#include "core/limits.hpp"
#include "net/listener.hpp"
#include "proc/spawn_plan.hpp"

namespace superd::core {

/// Counters for the SIGUSR1 status dump.
struct ServiceStats {
  int active = 0;              ///< Connections (or wait-mode programs) being served now.
  std::uint64_t served = 0;    ///< Connections handed to a built-in or program.
  std::uint64_t refused = 0;   ///< Refused by access rules or limits.
  std::uint64_t failed = 0;    ///< Programs that could not be started.
};

/// One service's sockets and connections. Loop thread only.
class Service {
 public:
  Service(Context& ctx, const conf::ServiceConfig& cfg, const Builtin* builtin);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  /// Binds every endpoint. On failure nothing stays bound and `error` reads
  /// "bind 127.0.0.1:7/tcp: Address already in use".
  bool bind(std::string& error);
  /// Starts watching the sockets.
  void start();
  /// Closes every socket (shutdown); live connections are not touched.
  void stop();
  /// Re-arms sockets paused by a limit that may have room now.
  void resume();
  /// Bound addresses, for the start-up log.
  std::vector<std::string> addresses() const;
  const conf::ServiceConfig& config() const { return cfg_; }
  /// Counters for the status dump; `served` includes answered datagrams.
  ServiceStats stats() const;

 private:
  struct Listener;
  struct Peer;
  void arm(Listener& l);
  void back_off(Listener& l, std::chrono::steady_clock::duration delay);
  void on_ready(Listener& l);
  void accept_some(Listener& l);
  const char* check_limits(bool& pause);
  Peer make_peer(const Listener& l, int fd, const sockaddr_storage& ss, socklen_t len);
  void on_connection(int fd, const Peer& peer);
  bool admit_datagram(const sockaddr_storage& from, socklen_t len);
  void refuse(int fd, const Peer& peer, const std::string& reason, bool send_busy);
  void serve_builtin(int fd, const Peer& peer);
  void serve_program(int fd, const Peer& peer);
  void run_waiting(Listener& l);
  void begin(const Peer& peer);
  void finish(const Peer& peer);
  bool start_child(proc::SpawnPlan& plan, const std::string& peer_text, int stdio_fd,
                   std::function<void(int status, double started, pid_t pid)> on_exit);
  /// True when this service's messages at `level` are written.
  bool logs(int level) const;
  void slog(int level, const std::string& message);
  void log_end(const std::string& peer, const std::string& what, double started, int level);

  Context& ctx_;
  const conf::ServiceConfig& cfg_;
  const Builtin* builtin_;
  proc::ProgramTemplate program_;
  std::vector<std::unique_ptr<Listener>> listeners_;
  TokenBucket bucket_;
  SourceCounter sources_;
  /// Per-source counts cost a map entry per connection: kept only when
  /// max_per_source or a program's TCPCONNNUM needs them.
  bool track_sources_ = cfg_.max_per_source >= 0 || !builtin_;
  boost::asio::steady_timer rate_timer_;
  bool rate_waiting_ = false;
  bool paused_ = false;
  bool pause_logged_ = false;
  ServiceStats stats_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace superd::core
