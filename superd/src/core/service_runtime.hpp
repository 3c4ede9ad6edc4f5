// SPDX-License-Identifier: MIT
// ServiceRuntime: the ServiceHost of one configured service-wide built-in
// (a hub, or an embedder's ServiceHandler). It numbers the service's
// connections, turns their sessions' events into ServiceHandler calls, and
// carries send/broadcast/close/timers back to the sessions. Output queued
// in one turn of the loop is sent at the end of that turn, once per peer, so
// a read that carries many messages costs one send() per receiver; a peer
// whose queue passes the high-water mark while a client's bytes are being
// handled holds that client (superd stops reading it) until the receiver
// drains or goes away; a receiver that sends nothing out for kReceiverStallSeconds
// while clients wait on it, or whose queue passes kReceiverFullMax, meets the
// slow_reader policy.
// Sessions and the Service hold the runtime; the service's counters keep a
// weak reference so that a reload with the same built-in keeps it.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "conf/config.hpp"
#include "core/context.hpp"
#include "superd/builtin.hpp"

namespace superd::core {

class StreamSession;

/// One service-wide built-in's connections and handler. Loop thread only.
class ServiceRuntime : public ServiceHost, public std::enable_shared_from_this<ServiceRuntime> {
 public:
  /// `signature` says which configurations may share this runtime across a reload.
  ServiceRuntime(Context& ctx, std::shared_ptr<const conf::Config> snapshot, const conf::ServiceConfig& cfg,
                 std::string signature);
  ~ServiceRuntime() override;
  ServiceRuntime(const ServiceRuntime&) = delete;
  ServiceRuntime& operator=(const ServiceRuntime&) = delete;

  /// REQUIRES: once, before the first connection.
  void set_handler(std::unique_ptr<ServiceHandler> handler) { handler_ = std::move(handler); }
  const std::string& signature() const { return signature_; }
  /// Runs `fn` when superd stops (a hub stops its handler program then).
  void on_stop(std::function<void()> fn) { on_stop_ = std::move(fn); }
  /// superd is stopping: runs what on_stop() gave, once.
  void stop() {
    if (auto fn = std::move(on_stop_)) fn();
    on_stop_ = nullptr;
  }
  /// The configuration the runtime was made from (kept alive by it).
  const conf::ServiceConfig& config() const { return cfg_; }
  /// The whole configuration snapshot `config()` belongs to.
  const conf::Config& snapshot() const { return *snapshot_; }
  /// The per-connection handler a new StreamSession of this service gets.
  std::unique_ptr<StreamHandler> connection();
  /// What makes up a runtime's signature for `cfg` (built-in and the keys it reads).
  static std::string signature_of(const conf::ServiceConfig& cfg);

  // ServiceHost
  bool send(ConnectionId id, std::string_view bytes) override;
  std::size_t broadcast(std::string_view bytes, ConnectionId except = 0) override;
  void close(ConnectionId id) override;
  bool alive(ConnectionId id) const override { return conns_.count(id) > 0; }
  std::string peer(ConnectionId id) const override;
  std::vector<ConnectionId> connections() const override;
  /// Stops reading the connection whose bytes are being handled now (none:
  /// nothing) until release_held(): the hub's handler program is full.
  void hold_reader();
  /// Resumes reading what hold_reader() held.
  void release_held();
  TimerId after(double seconds, std::function<void()> fn) override;
  void cancel(TimerId timer) override;
  void log(int level, std::string_view message) override;
  const std::string& name() const override { return cfg_.name; }

 private:
  class Adapter;
  struct Conn {
    /// Lives until its end calls closed(), which forgets it; a pointer
    /// rather than an owner, so that sessions (which hold the runtime) and
    /// the runtime make no cycle.
    StreamSession* session = nullptr;
    bool dirty = false;  ///< Listed in dirty_: has output to send this turn.
    std::vector<ConnectionId> waiting;  ///< Senders held because this queue is full.
    int holds = 0;                      ///< Receivers (or the handler) this one waits on.
    bool stalled = false;               ///< Met slow_reader = drop; until it drains.
    double since = 0;                   ///< When senders began to wait on it.
  };
  /// Holds the connection being read now on the full receiver `id`.
  void hold_on(ConnectionId id, Conn& c);
  /// `id`'s queue drained or it went away: releases the senders waiting on it.
  void drained(ConnectionId id);
  /// Lets `sender` read again once nothing holds it.
  void unhold(ConnectionId sender);
  void arm_stall_check();
  void stall_check();
  void opened(ConnectionId id, StreamSession* s);
  void closed(ConnectionId id);
  bool queue(ConnectionId id, Conn& c, std::string_view bytes);
  /// The slow_reader policy for `c`, whose queue cannot take `size` more bytes.
  void slow(ConnectionId id, Conn& c, std::size_t size);
  void flush_dirty();

  Context& ctx_;
  std::shared_ptr<const conf::Config> snapshot_;
  const conf::ServiceConfig& cfg_;
  std::string signature_;
  std::unique_ptr<ServiceHandler> handler_;
  std::function<void()> on_stop_;
  ConnectionId reading_ = 0;  ///< The connection whose bytes the handler is handling now.
  std::vector<ConnectionId> handler_waiting_;  ///< Held by hold_reader().
  boost::asio::steady_timer stall_timer_;
  bool stall_armed_ = false;
  std::map<ConnectionId, Conn> conns_;  ///< Ordered: ids grow with age.
  std::vector<ConnectionId> dirty_;
  bool flush_posted_ = false;
  TimerId next_timer_ = 1;
  std::map<TimerId, std::unique_ptr<boost::asio::steady_timer>> timers_;
};

}  // namespace superd::core
