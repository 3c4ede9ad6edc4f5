// SPDX-License-Identifier: MIT
// StreamSession: one connection served by a built-in, and SessionSet, which
// owns them all (Asio's connection / connection_manager). Reads wait for
// readiness and then use the supervisor's shared buffer, so an idle
// connection costs no buffer; output is bounded by high/low water marks.
#pragma once

#include <sys/socket.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/context.hpp"
#include "superd/builtin.hpp"

namespace superd::core {

/// Reading stops above this much queued output and resumes below kLowWater.
constexpr std::size_t kHighWater = 64 * 1024;
constexpr std::size_t kLowWater = 16 * 1024;

/// One built-in stream connection. Loop thread only.
class StreamSession : public Stream, public std::enable_shared_from_this<StreamSession> {
 public:
  using OnEnd = std::function<void(StreamSession&)>;
  /// `owner` tags the session with the service that serves it (SessionSet::finish_owned).
  StreamSession(Context& ctx, int fd, std::unique_ptr<StreamHandler> handler, std::string peer,
                double idle_timeout, OnEnd on_end, const void* owner = nullptr);
  ~StreamSession() override;
  StreamSession(const StreamSession&) = delete;
  StreamSession& operator=(const StreamSession&) = delete;

  void start();
  /// Closes at once, dropping queued output; `reason` appears in the end line.
  void abort(const char* reason = "reset");
  /// Why the session ended: "closed", "reset", "timeout" or "shutdown".
  const char* reason() const { return reason_; }
  /// Stops reading; closes once queued output is sent (graceful shutdown).
  void finish() { close(); }
  /// True when idle longer than its timeout at `now`.
  bool idle_expired(double now) const {
    return timeout_ > 0 && now - last_activity_ >= timeout_;
  }
  std::size_t bytes_in() const { return bytes_in_; }
  /// Messages a service-wide built-in dropped for this peer (slow_reader = drop).
  std::uint64_t dropped() const { return dropped_; }
  void count_drop() { ++dropped_; }

  // Service-wide built-ins (ServiceRuntime): output that starts without
  // waiting for the peer, and ends that never happen inside the caller.
  /// True while bytes queued now would still be sent.
  bool takes_output() const { return !ended_ && !closing_; }
  /// Sends what it can of the queue now, without waiting and without ending
  /// the session here: a gone peer is aborted on the next turn of the loop.
  void send_some();
  /// Sends what is queued and goes on as after a read (the flush of a
  /// ServiceRuntime's turn); may end the session.
  void kick() {
    if (!writing_ && !ended_) flush();
  }
  /// Closes at the next turn of the loop, dropping queued output; `reason`
  /// (a literal) goes to the end line.
  void abort_later(const char* reason);
  /// Closes at the next turn of the loop once queued output is sent.
  void close_later();
  /// Stops reading from the peer while `on` (a receiver it talks to is
  /// full); reading resumes when it is called with false.
  void hold(bool on);
  bool held() const { return held_; }
  std::size_t bytes_out() const { return bytes_out_; }
  double started() const { return started_; }
  const void* owner() const { return owner_; }

  // Stream
  void write(std::string_view bytes) override;
  std::size_t pending() const override { return out_.size() - out_pos_; }
  std::size_t low_water() const override { return kLowWater; }
  void close() override;
  const std::string& peer() const override { return peer_; }

 private:
  void wait_readable();
  void on_readable();
  /// Sends what is queued; then waits for the socket to be writable if some
  /// is left, else (when `then_read`) for it to be readable.
  void flush(bool then_read = true);
  void wait_writable();
  void end();
  void compact();
  Context& ctx_;
  boost::asio::posix::stream_descriptor sock_;
  std::unique_ptr<StreamHandler> handler_;
  std::string peer_;
  std::string out_;
  std::size_t out_pos_ = 0;
  double timeout_, started_, last_activity_;
  std::size_t bytes_in_ = 0, bytes_out_ = 0;
  std::uint64_t dropped_ = 0;
  const char* reason_ = "closed";
  bool reading_ = false, writing_ = false, closing_ = false, ended_ = false, held_ = false;
  bool in_read_ = false;  ///< Inside handler_->on_data() for this session's own read.
  OnEnd on_end_;
  const void* owner_;
};

/// Owns every live StreamSession; closes idle ones and stops them all on shutdown.
class SessionSet {
 public:
  explicit SessionSet(boost::asio::io_context& io);
  void add(const std::shared_ptr<StreamSession>& s);
  void remove(StreamSession* s);
  /// Asks every session to finish (flush, then close); only `owner`'s when set.
  void finish_all(const void* owner = nullptr);
  /// Closes every session at once; only `owner`'s when set.
  void abort_all(const void* owner = nullptr);
  /// Live sessions of `owner`.
  std::size_t count(const void* owner) const;
  /// The live sessions, oldest first; valid until the loop runs again.
  std::vector<const StreamSession*> list() const;
  std::size_t size() const { return sessions_.size(); }
  /// Forgets every session without ending it (destruction).
  void clear() { sessions_.clear(); }

 private:
  void arm_sweep();
  boost::asio::steady_timer sweep_;
  bool sweeping_ = false;
  std::unordered_map<StreamSession*, std::shared_ptr<StreamSession>> sessions_;
};

}  // namespace superd::core
