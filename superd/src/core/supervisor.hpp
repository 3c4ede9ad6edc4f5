// SPDX-License-Identifier: MIT
// Supervisor: owns the event loop, the signals, the socket registry, the
// services, the live built-in sessions and the children, and applies a
// Config to them: at start, and again on each reload through a ReloadPlan.
// It orchestrates; parsing, binding and spawning live elsewhere.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "conf/config.hpp"
#include "core/child_set.hpp"
#include "core/conf_watch.hpp"
#include "core/metrics.hpp"
#include "core/context.hpp"
#include "core/control.hpp"
#include "core/control_render.hpp"
#include "core/reload_plan.hpp"
#include "core/service.hpp"
#include "core/reverse_resolver.hpp"
#include "core/socket_registry.hpp"
#include "core/status_report.hpp"
#include "core/stream_session.hpp"
#include "log/log.hpp"
#include "proc/spawn.hpp"
#include "superd/builtin.hpp"
#include "superd/diagnostic.hpp"

namespace superd::core {

/// Runs a configuration, reloads it on SIGHUP, until a stop signal. Loop thread only.
class Supervisor {
 public:
  /// Loads the configuration afresh for a reload: null, with every problem
  /// in `diags`, when it is invalid; notes may be added to `diags` either way.
  using Loader = std::function<std::shared_ptr<const conf::Config>(std::vector<Diagnostic>& diags)>;
  /// Applies a configuration's log settings (reopening a log file); false
  /// with `error` when the log cannot be opened.
  using LogSetup = std::function<bool(const conf::Config& config, std::string& error)>;

  Supervisor(const std::map<std::string, Builtin>& builtins, log::Logger& log, Loader loader,
             LogSetup log_setup);
  ~Supervisor();
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  /// Takes sockets passed by systemd, then binds every other endpoint of the
  /// enabled services. On failure nothing stays bound and `error` names the
  /// endpoint and the service.
  bool start(std::shared_ptr<const conf::Config> config, std::string& error);
  /// Tells the event loop it now runs in a forked child (background).
  void forked() { io_.notify_fork(boost::asio::execution_context::fork_child); }
  /// Serves until SIGTERM, SIGINT or SIGQUIT; returns an exit code.
  int run();
  /// `superd --inetd`: serves the connection on `fd` (0) with service `name`
  /// and returns superd's exit code: the program's, 0 after a built-in,
  /// kExitRefused when access rules or limits refused the peer. Datagram
  /// built-ins answer until `timeout` seconds pass without a datagram.
  int serve_inetd(std::shared_ptr<const conf::Config> config, const std::string& name, int fd,
                  std::string& error);
  /// What a reload did: the plan it applied, or why it changed nothing.
  struct ReloadResult {
    bool ok = false;
    std::string conf_path;  ///< The conf file read.
    ReloadPlan plan;        ///< What changed, when `ok`.
    std::vector<Diagnostic> diags;  ///< Every problem found, and notes.
    std::string error;      ///< Why it failed, as logged ("reload failed: ...").
  };
  /// Loads the configuration again and applies it, all or nothing (SIGHUP,
  /// `superd ctl reload`). The reasons of a failure are logged and returned.
  ReloadResult reload();
  /// Writes the status dump (SIGUSR1): the lines of `superd ctl status`, as
  /// "status" records: one per service, the totals, then superd itself.
  void write_status() const;
  /// The Prometheus text exposition of every counter (the metrics endpoint).
  std::string metrics_text() const;

 private:
  /// Applies `next`; on success `done_plan` (when given) gets the plan applied.
  bool apply(std::shared_ptr<const conf::Config> next, std::string& error, bool initial,
             ReloadPlan* done_plan = nullptr);
  void retire(const std::shared_ptr<Service>& removed);
  /// Hands `s` the registry's sockets of its endpoints and starts it.
  void start_service(Service& s);
  /// After a failed apply: puts back the sockets it replaced, and has their
  /// services serve the new copies. Returns what could not be put back.
  std::string roll_back();
  void log_plan(const ReloadPlan& plan);
  std::string status_line() const;
  void wait_signals();
  /// Reloads soon, once for a burst of requests (SIGHUP, a changed inetd.conf).
  void queue_reload();
  /// Catches the signals the services forward (forward_signals), and only those.
  void update_forwarded();
  /// Passes `sig` on to the programs of every service that forwards it.
  void forward(int sig);
  void on_signal(int sig);
  void begin_shutdown(bool stop_children);
  // `superd ctl` (supervisor_control.cpp).
  struct DrainWait;
  void on_control(const ControlRequest& r, ControlReply reply);
  StatusView status_view() const;
  std::vector<ConnectionView> connection_views(const std::string& service) const;
  std::vector<SourceView> source_views(const std::string& service) const;
  void control_check(const ControlRequest& r, const ControlReply& reply);
  /// pause, resume, drain.
  void control_hold(const ControlRequest& r, const ControlReply& reply);
  void control_drain(const ControlRequest& r, const ControlReply& reply, ServiceCounters& c);
  void drain_timed_out(const std::shared_ptr<DrainWait>& w);
  void control_signal(const ControlRequest& r, const ControlReply& reply);
  /// The enabled service `r` names; null, after answering why, when there is none.
  std::shared_ptr<Service> control_service(const ControlRequest& r, const ControlReply& reply) const;
  /// Answers the drains of `service` waiting; `ok` false with `why` when cut short.
  void end_drains(const std::string& service, bool ok, const std::string& why);
  void record_reload(const ReloadResult& r);
  void check_shutdown_done();
  void end_shutdown();
  /// What shutdown waits for: built-in sessions and TLS-relayed programs.
  std::size_t connections_to_finish() const;

  const std::map<std::string, Builtin>& builtins_;
  boost::asio::io_context io_{1};
  log::Logger& log_;
  Loader loader_;
  LogSetup log_setup_;
  ChildSet children_;
  SessionSet sessions_;
  proc::Spawner spawner_;
  Context ctx_;
  SocketRegistry registry_;
  std::shared_ptr<const conf::Config> config_;
  std::vector<std::shared_ptr<Service>> services_;  ///< Enabled services, in configuration order.
  std::map<std::string, std::shared_ptr<ServiceCounters>> counters_;  ///< By service name.
  ConfWatch watch_;  ///< The inetd_conf files of the running configuration.
  ControlServer control_;  ///< The control socket, when control_socket names one.
  std::vector<std::shared_ptr<DrainWait>> drains_;  ///< `superd ctl drain` clients waiting.
  MetricsServer metrics_;  ///< The `metrics` endpoint.
  ReverseResolver resolver_;  ///< Client names, when reverse_lookups is on.
  double start_time_ = 0;  ///< Wall-clock seconds since the epoch at construction.
  double started_at_ = 0;  ///< now_seconds() at start(), for the uptime.
  std::uint64_t reloads_ok_ = 0, reloads_failed_ = 0;
  bool last_reload_ok_ = true;
  LastReload last_reload_ = LastReload::None;
  double last_reload_at_ = 0;    ///< now_seconds() of the last reload.
  std::string last_reload_error_;  ///< Why the last reload failed.
  boost::asio::signal_set signals_;
  boost::asio::steady_timer shutdown_timer_, shutdown_poll_;
  double shutdown_deadline_ = 0;
  std::set<int> forwarded_;  ///< Signals caught for forward_signals.
  bool reload_queued_ = false;
  bool inetd_mode_ = false;
  bool stopping_children_ = false;
  bool killed_children_ = false;
  StatusReport status_;  ///< Last member: its timers' handlers use the others.
};

}  // namespace superd::core
