// SPDX-License-Identifier: MIT
// HubProgram: a line hub's handler program (hub_handler). superd starts it
// with the service, as it starts any program (the service's user, group,
// chroot, environment and limits; stderr to the log), on one end of a
// socketpair: events go to its stdin as lines, commands come back from its
// stdout as lines. When it exits it is started again, after a delay that
// doubles while it keeps exiting within 10 seconds (up to 64 s). While more
// than 1 MiB (or 4 messages' worth) of events wait for it, the hub stops
// reading the clients that send (full() is true) until it has read down to
// a quarter of that. A program that reads nothing of its waiting input for
// kHandlerStallSeconds, or writes a line longer than a message may be, is killed
// and started again.
#pragma once

#include <sys/types.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/context.hpp"
#include "core/hub_protocol.hpp"
#include "proc/spawn_plan.hpp"

namespace superd::core {

class ServiceRuntime;

/// One hub's handler program, restarted while the hub lives. Loop thread only.
class HubProgram : public std::enable_shared_from_this<HubProgram> {
 public:
  /// `on_line`: a command line from the program; `on_start`: it was
  /// (re)started and can take events; `on_drain`: full() became false.
  /// None runs after stop().
  HubProgram(Context& ctx, ServiceRuntime& rt, std::function<void(std::string_view)> on_line,
             std::function<void()> on_start, std::function<void()> on_drain);
  ~HubProgram();
  HubProgram(const HubProgram&) = delete;
  HubProgram& operator=(const HubProgram&) = delete;

  /// Starts the program.
  void start();
  /// Stops it for good: its input is closed and it gets SIGTERM.
  void stop();
  /// Queues one event line (`line` ends in LF). False when the program is
  /// not running now: the event is lost (and counted).
  bool send(std::string_view line);
  /// True while so much waits for the program that senders should be held.
  bool full() const { return full_; }

 private:
  void spawn();
  void exited(int status, double started);
  void restart_later(const std::string& why);
  void wait_readable();
  void on_readable();
  void flush();
  void wait_writable();
  /// Kills the program (SIGKILL) because of `why`; its exit starts it again.
  void kill_it(const std::string& why);
  /// Kills a program that has read nothing for kHandlerStallSeconds while full.
  void arm_stall_check();
  /// Ends full(): calls on_drain.
  void unfull();
  /// Closes the socketpair: the program sees the end of its input.
  void disconnect();
  void log(int level, const std::string& message);

  Context& ctx_;
  ServiceRuntime& rt_;
  std::function<void(std::string_view)> on_line_;
  std::function<void()> on_start_;
  std::function<void()> on_drain_;
  proc::ProgramTemplate program_;
  std::unique_ptr<boost::asio::posix::stream_descriptor> sock_;  ///< Null while not running.
  boost::asio::steady_timer restart_;
  boost::asio::steady_timer stall_;
  double progress_ = 0;  ///< When the program last took bytes of its input.
  bool full_ = false, stall_armed_ = false;
  pid_t pid_ = -1;  ///< -1 when no program is running (reaped).
  LineReader reader_;
  std::string out_;
  std::size_t out_pos_ = 0;
  std::size_t out_max_;
  bool reading_ = false, writing_ = false, stopped_ = false;
  /// Counted in Context::ending_sessions: sent SIGTERM by stop(), not reaped yet.
  std::shared_ptr<bool> ending_ = std::make_shared<bool>(false);
  int fast_exits_ = 0;
  std::uint64_t lost_ = 0;  ///< Events lost since the program last stopped running.
};

}  // namespace superd::core
