// SPDX-License-Identifier: MIT
#include "core/supervisor.hpp"

#include <strings.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <chrono>

#include "core/tls_relay.hpp"
#include "sys/sd_notify.hpp"

namespace superd::core {

namespace {
constexpr auto kShutdownPoll = std::chrono::milliseconds(20);
constexpr double kReapGrace = 2.0;  // seconds to collect children after SIGKILL

}  // namespace

Supervisor::Supervisor(const std::map<std::string, Builtin>& builtins, log::Logger& log,
                       Loader loader, LogSetup log_setup)
    : builtins_(builtins),
      log_(log),
      loader_(std::move(loader)),
      log_setup_(std::move(log_setup)),
      children_(io_, log),
      sessions_(io_),
      ctx_{io_, log, children_, sessions_, spawner_},
      registry_(io_, system_v6only_default()),
      watch_(io_, log, [this] { queue_reload(); }),
      control_(io_, log, [this](const ControlRequest& r, ControlReply reply) { on_control(r, std::move(reply)); }),
      metrics_(io_, log, [this] { return metrics_text(); }),
      resolver_(io_, log),
      signals_(io_),
      shutdown_timer_(io_),
      shutdown_poll_(io_),
      status_(io_, log_, [this] { write_status(); }, [this] { return status_line(); }) {
  ctx_.null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  start_time_ = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
    ctx_.max_fd = static_cast<int>(std::min<rlim_t>(rl.rlim_cur, 1 << 20));
  ctx_.capacity_freed = [this] {
    for (auto& s : services_) s->resume();
  };
  ctx_.counts_changed = [this] { status_.counts_changed(); };
  ctx_.resolver = &resolver_;
  ctx_.find_tcpmux = [this](const std::string& name, bool& ack) -> std::shared_ptr<Service> {
    for (auto& s : services_) {
      const std::string& t = s->config().tcpmux_name;
      bool plus = !t.empty() && t[0] == '+';
      if (!t.empty() && ::strcasecmp(t.c_str() + plus, name.c_str()) == 0) {
        ack = plus;
        return s;
      }
    }
    return nullptr;
  };
  ctx_.tcpmux_names = [this] {
    std::vector<std::string> names;
    for (auto& s : services_) {
      const std::string& t = s->config().tcpmux_name;
      if (!t.empty()) names.push_back(t.substr(t[0] == '+' ? 1 : 0));
    }
    return names;
  };
  // Taken from the start: a SIGHUP or SIGTERM while binding or dropping
  // privileges waits for the loop instead of killing superd.
  for (int sig : {SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGUSR1}) signals_.add(sig);
}

Supervisor::~Supervisor() {
  // Services live on in their children's and sessions' callbacks: drop
  // those first, while everything they refer to still exists.
  for (auto& s : services_) s->release();
  services_.clear();
  children_.clear();
  sessions_.clear();
  registry_.close_all();
  resolver_.stop();  // clients waiting for a name are closed
  if (ctx_.null_fd >= 0) ::close(ctx_.null_fd);
}

bool Supervisor::start(std::shared_ptr<const conf::Config> config, std::string& error) {
  started_at_ = now_seconds();
  registry_.adopt_inherited(log_);
  if (!apply(std::move(config), error, true)) {
    registry_.close_unclaimed(log_);
    return false;
  }
  registry_.close_unclaimed(log_);
  return true;
}

int Supervisor::run() {
  wait_signals();
  if (services_.empty()) log_.log(log::kWarning, "no service is enabled; waiting for a signal");
  sys::sd_notify("READY=1\n" + status_line());
  // A handler that throws (exhausted memory, say) costs that one event, not
  // the supervisor: Asio lets run() continue after an exception.
  for (;;) {
    try {
      io_.run();
      return 0;
    } catch (const std::exception& e) {
      log_.log(log::kErr, std::string("internal error, continuing: ") + e.what());
    }
  }
}

void Supervisor::wait_signals() {
  signals_.async_wait([this](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    on_signal(sig);
    wait_signals();
  });
}

void Supervisor::on_signal(int sig) {
  if (forwarded_.count(sig)) return forward(sig);
  switch (sig) {
    case SIGUSR1:
      return status_.dump_requested();
    case SIGHUP:
      if (inetd_mode_) return;
      return queue_reload();
    case SIGQUIT:
      return begin_shutdown(true);
    default:
      return begin_shutdown(config_->global.stop_children);
  }
}

void Supervisor::update_forwarded() {
  std::set<int> wanted;
  for (const auto& s : services_)
    for (const conf::Signal& sig : s->config().forward_signals) wanted.insert(sig.number);
  boost::system::error_code ignored;
  // Removed, a signal gets its default action back, as before it was forwarded.
  for (int sig : forwarded_)
    if (!wanted.count(sig)) signals_.remove(sig, ignored);
  for (int sig : wanted)
    if (!forwarded_.count(sig)) signals_.add(sig, ignored);
  forwarded_ = std::move(wanted);
  spawner_.signals_changed();
}

void Supervisor::forward(int sig) {
  for (const auto& s : services_)
    for (const conf::Signal& f : s->config().forward_signals) {
      if (f.number != sig) continue;
      std::size_t n = children_.signal_service(s->config().name, sig);
      log_.log(log::kInfo, "service " + s->config().name + ": forwarded " + f.name + " to " +
                               std::to_string(n) + " program(s)");
    }
}

void Supervisor::queue_reload() {
  // A burst of requests makes one reload: they are merged until it runs.
  if (reload_queued_) return;
  reload_queued_ = true;
  boost::asio::post(io_, [this] {
    reload_queued_ = false;
    reload();
  });
}

void Supervisor::write_status() const {
  std::vector<StatusLine> lines = status_fields(status_view());
  // The services and the totals first, as the dump always began; then superd's own line.
  std::rotate(lines.begin(), lines.begin() + 1, lines.end());
  for (const StatusLine& line : lines) {
    log::Record r(log::kNotice, "status", line.label);
    for (const StatusField& f : line.fields) {
      if (f.numeric) r.add(f.key, f.number);
      else r.add(f.key, std::string_view(f.text));
    }
    log_.write(r);
  }
}

void Supervisor::begin_shutdown(bool stop_children) {
  if (stop_children && !stopping_children_ && children_.size() > 0) {
    stopping_children_ = true;
    log_.log(log::kNotice, "stopping " + std::to_string(children_.signal_all(SIGTERM)) +
                               " program(s) with SIGTERM");
  }
  if (ctx_.stopping) return;
  ctx_.stopping = true;
  watch_.watch({});
  metrics_.stop();
  sys::sd_notify("STOPPING=1");
  log_.log(log::kNotice, "stopping: closing " + std::to_string(services_.size()) +
                             " service(s), finishing " + std::to_string(connections_to_finish()) +
                             " connection(s)");
  for (auto& s : services_) s->release();
  registry_.close_all();
  end_drains("", false, "superd is stopping");
  control_.close();
  sessions_.finish_all();
  shutdown_deadline_ = now_seconds() + config_->global.shutdown_timeout.value;
  check_shutdown_done();
}

void Supervisor::check_shutdown_done() {
  double now = now_seconds();
  // UDP sessions' programs and hubs' handlers got SIGTERM when their
  // services were released; each one's own timer sends SIGKILL after
  // shutdown_timeout.
  bool children_done = (!stopping_children_ || children_.size() == 0) && ctx_.ending_sessions == 0;
  if (sessions_.size() == 0 && ctx_.tls_relays->empty() && children_done) return end_shutdown();
  if (now >= shutdown_deadline_) {
    if (sessions_.size() > 0 || !ctx_.tls_relays->empty()) {
      log_.log(log::kNotice, "shutdown_timeout: closing " + std::to_string(connections_to_finish()) +
                                 " connection(s)");
      sessions_.abort_all();
      // A copy: each relay takes itself off the list as it closes.
      std::vector<TlsRelay*> relays(ctx_.tls_relays->begin(), ctx_.tls_relays->end());
      for (TlsRelay* r : relays) r->end_now();
    }
    if (children_done) return end_shutdown();
    if (!killed_children_) {
      killed_children_ = true;
      if (stopping_children_)
        log_.log(log::kNotice, "shutdown_timeout: killing " +
                                   std::to_string(children_.signal_all(SIGKILL)) + " program(s)");
    } else if (now >= shutdown_deadline_ + kReapGrace) {
      return end_shutdown();
    }
  }
  shutdown_poll_.expires_after(kShutdownPoll);
  shutdown_poll_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) check_shutdown_done();
  });
}

// Built-in sessions, and TLS connections to programs (a built-in behind TLS
// is one session and one relay: counted once).
std::size_t Supervisor::connections_to_finish() const {
  std::size_t n = sessions_.size();
  for (const TlsRelay* r : *ctx_.tls_relays) n += r->serves_program() ? 1 : 0;
  // A built-in's relay may outlive its session while it flushes.
  return std::max(n, ctx_.tls_relays->size());
}

void Supervisor::end_shutdown() {
  if (children_.size() > 0 && stopping_children_)
    log_.log(log::kWarning, std::to_string(children_.size()) +
                                " program(s) still running after SIGKILL");
  else if (children_.size() > 0)
    log_.log(log::kNotice, "left " + std::to_string(children_.size()) +
                               " program(s) running (stop_children = no)");
  else if (stopping_children_)
    log_.log(log::kNotice, "all programs stopped");
  log_.log(log::kNotice, "stopped");
  status_.stop();
  children_.stop();
  signals_.cancel();
  io_.stop();
}

}  // namespace superd::core
