// SPDX-License-Identifier: MIT
// ChildSet: the programs superd started. SIGCHLD arrives through the event
// loop; every exited child is reaped with waitpid(WNOHANG) and its owner's
// callback runs. Its StderrRelay logs what the children write to stderr.
#pragma once

#include <sys/types.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/signal_set.hpp>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/context.hpp"
#include "core/stderr_relay.hpp"

namespace superd::core {

/// Live children and their exit callbacks. Loop thread only.
class ChildSet {
 public:
  using OnExit = std::function<void(int wait_status)>;
  explicit ChildSet(boost::asio::io_context& io, log::Logger& log);
  ChildSet(const ChildSet&) = delete;
  ChildSet& operator=(const ChildSet&) = delete;

  /// A live child, as `superd ctl connections` lists it.
  struct Info {
    pid_t pid;
    const std::string* service;
    const std::string* peer;  ///< The client, or the socket of a wait-mode program.
    double started;           ///< now_seconds() when it was started.
  };
  /// Registers a started child of `service` serving `peer`; `on_exit` runs
  /// once it has been reaped. With `relay_stderr`, what it writes to
  /// stderr_fd() is logged tagged `SERVICE[PID]`.
  void add(pid_t pid, const std::string& service, const std::string& peer, bool relay_stderr,
           OnExit on_exit);
  /// The live children, oldest first; the pointers live until the next reap.
  std::vector<Info> list() const;
  /// The stderr for programs with stderr = log; -1 when there is none.
  int stderr_fd() const { return relay_.write_fd(); }
  /// Sends `sig` to every live child (and its process group). Returns how many.
  std::size_t signal_all(int sig);
  /// Sends `sig` to the live children of `service`. Returns how many.
  std::size_t signal_service(const std::string& service, int sig);
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
  StderrRelay relay_;
  struct Child {
    OnExit on_exit;
    std::string service;
    std::string peer;
    double started;
  };
  std::unordered_map<pid_t, Child> children_;
};

/// Describes a wait status: "exit:0" or "signal:SIGKILL".
std::string describe_status(int wait_status);

}  // namespace superd::core
