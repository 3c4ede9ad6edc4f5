// SPDX-License-Identifier: MIT
// Supervisor: owns the event loop, the signals, the services, the live
// built-in sessions and the children, and applies a Config to them. It
// orchestrates; parsing, binding and spawning live elsewhere.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "conf/config.hpp"
#include "core/child_set.hpp"
#include "core/context.hpp"
#include "core/service.hpp"
#include "core/stream_session.hpp"
#include "log/log.hpp"
#include "proc/spawn.hpp"
#include "superd/builtin.hpp"

namespace superd::core {

/// Runs one configuration until a stop signal. Loop thread only.
class Supervisor {
 public:
  Supervisor(const conf::Config& config, const std::map<std::string, Builtin>& builtins,
             log::Logger& log);
  ~Supervisor();
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  /// Binds every enabled service's endpoints; on the first failure closes
  /// everything and returns false with `error` naming endpoint and service.
  bool bind(std::string& error);
  /// Serves until SIGTERM, SIGINT or SIGQUIT; returns an exit code.
  int run();
  /// One line per service: active, served, refused, failed (SIGUSR1).
  std::vector<std::string> status() const;

 private:
  void wait_signals();
  void on_signal(int sig);
  void begin_shutdown(bool stop_children);
  void check_shutdown_done();
  void end_shutdown();

  const conf::Config& config_;
  const std::map<std::string, Builtin>& builtins_;
  boost::asio::io_context io_{1};
  log::Logger& log_;
  ChildSet children_;
  SessionSet sessions_;
  proc::Spawner spawner_;
  Context ctx_;
  std::vector<std::unique_ptr<Service>> services_;
  boost::asio::signal_set signals_;
  boost::asio::steady_timer shutdown_timer_, shutdown_poll_;
  double shutdown_deadline_ = 0;
  bool stopping_children_ = false;
  bool killed_children_ = false;
};

}  // namespace superd::core
