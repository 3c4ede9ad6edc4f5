// SPDX-License-Identifier: MIT
// StatusReport: the two ways superd says how it is doing, both rate-limited
// so that neither a storm of signals nor a flood of connections turns into a
// flood of output:
//   - the SIGUSR1 dump to the log: at most one a second; the signals that
//     come within a second of a dump make one more dump at the end of that
//     second, after a line saying how many signals it answers;
//   - systemd's STATUS= (sd_notify): sent at most once a second while the
//     counts change, by a timer that runs only after a change.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <string>

#include "log/log.hpp"

namespace superd::core {

/// Rate-limits the status dump and the STATUS= notification. Loop thread only.
class StatusReport {
 public:
  /// `dump` writes the status dump; `status_line` makes the "STATUS=..." text.
  StatusReport(boost::asio::io_context& io, log::Logger& log, std::function<void()> dump,
               std::function<std::string()> status_line);
  StatusReport(const StatusReport&) = delete;
  StatusReport& operator=(const StatusReport&) = delete;

  /// A SIGUSR1: dumps now, or at the end of the second since the last dump.
  void dump_requested();
  /// Counts may have changed: STATUS= follows within a second if they did.
  void counts_changed();
  /// Stops both timers (shutdown).
  void stop();

 private:
  void dump_now();
  void notify();

  log::Logger& log_;
  std::function<void()> dump_;
  std::function<std::string()> status_line_;
  boost::asio::steady_timer dump_timer_, notify_timer_;
  double last_dump_ = -1e9;  ///< now_seconds() of the last dump.
  int pending_ = 0;          ///< Signals waiting for the deferred dump; 0 when none is due.
  bool notify_armed_ = false;
  bool notifying_;  ///< A service manager listens ($NOTIFY_SOCKET): without one, no timer runs.
  std::string last_status_;  ///< The STATUS= text sent last.
};

}  // namespace superd::core
