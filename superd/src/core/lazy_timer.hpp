// SPDX-License-Identifier: MIT
// LazyTimer: a steady_timer made on its first use. Every service and every
// listening socket has timers for rare events (a rate limit, a failed spawn,
// a wait-mode program that exits at once); an Asio timer is 112 bytes, so
// 900 services would carry 300 KiB of timers that never run. This one is 16
// bytes until it is first set.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <utility>

namespace superd::core {

/// A steady_timer, made when first set; cancel() before that does nothing.
/// Loop thread only.
class LazyTimer {
 public:
  explicit LazyTimer(boost::asio::io_context& io) : io_(io) {}
  LazyTimer(const LazyTimer&) = delete;
  LazyTimer& operator=(const LazyTimer&) = delete;

  /// Sets the expiry `d` from now, cancelling a pending wait (as steady_timer does).
  void expires_after(boost::asio::steady_timer::duration d) { timer().expires_after(d); }
  /// Waits for the expiry; `handler` gets operation_aborted when cancelled.
  template <class Handler>
  void async_wait(Handler&& handler) {
    timer().async_wait(std::forward<Handler>(handler));
  }
  /// Cancels a pending wait, if the timer was ever set.
  void cancel() {
    if (timer_) timer_->cancel();
  }

 private:
  boost::asio::steady_timer& timer() {
    if (!timer_) timer_ = std::make_unique<boost::asio::steady_timer>(io_);
    return *timer_;
  }
  boost::asio::io_context& io_;
  std::unique_ptr<boost::asio::steady_timer> timer_;
};

}  // namespace superd::core
