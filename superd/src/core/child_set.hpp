// SPDX-License-Identifier: MIT
// ChildSet: the programs superd started. SIGCHLD arrives through the event
// loop; every exited child is reaped with waitpid(WNOHANG) and its owner's
// callback runs. Also relays each child's stderr into the log, line by line.
#pragma once

#include <sys/types.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/signal_set.hpp>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include "core/context.hpp"

namespace superd::core {

/// Live children and their exit callbacks. Loop thread only.
class ChildSet {
 public:
  using OnExit = std::function<void(int wait_status)>;
  explicit ChildSet(boost::asio::io_context& io, log::Logger& log);
  ChildSet(const ChildSet&) = delete;
  ChildSet& operator=(const ChildSet&) = delete;

  /// Registers a started child; `on_exit` runs once it has been reaped.
  void add(pid_t pid, OnExit on_exit);
  /// Reads `fd` (a pipe from the child's stderr) and logs each line with `tag`.
  void relay_stderr(int fd, std::string tag, int level);
  /// Sends `sig` to every live child (and its process group). Returns how many.
  std::size_t signal_all(int sig);
  std::size_t size() const { return children_.size(); }
  /// Stops listening for SIGCHLD (shutdown).
  void stop();
  /// Forgets every child without running its callback (destruction).
  void clear() { children_.clear(); }

 private:
  void wait_signal();
  void reap();
  void reap_each();
  /// Reaps `pid` if it has exited and runs its callback.
  void finish(pid_t pid);
  boost::asio::io_context& io_;
  boost::asio::signal_set sigchld_;
  log::Logger& log_;
  std::unordered_map<pid_t, OnExit> children_;
};

/// Describes a wait status: "exit:0" or "signal:SIGKILL".
std::string describe_status(int wait_status);

}  // namespace superd::core
