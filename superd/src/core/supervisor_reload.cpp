// SPDX-License-Identifier: MIT
// Supervisor, part two: applying a configuration. The same path starts
// superd (a reload from nothing) and reloads it on SIGHUP:
//   load -> ReloadPlan -> bind new sockets (staged) -> reopen the log
//   -> commit: hand kept sockets to new services, close removed ones.
// Anything that fails before the commit leaves the running set untouched.
#include <time.h>

#include <boost/asio/steady_timer.hpp>
#include <set>

#include "core/supervisor.hpp"
#include "sys/memory.hpp"
#include "sys/sd_notify.hpp"

namespace superd::core {

namespace {

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::string where(const conf::Config& c, const std::string& service) {
  std::optional<conf::ShownValue> port = c.shown.find(service, "port");
  if (!port) return "service " + service;
  const conf::Origin& o = port->origin;
  return "service " + service + ", " + o.place() + (o.line ? ":" + std::to_string(o.line) : "");
}

std::string what_serves(const conf::ServiceConfig& c) {
  return c.builtin.empty() ? "exec " + c.exec.program() : "builtin " + c.builtin;
}

std::string monotonic_usec() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::to_string(static_cast<long long>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000);
}

}  // namespace

std::string Supervisor::status_line() const {
  return "STATUS=" + std::to_string(services_.size()) + " service(s), " +
         std::to_string(ctx_.total_active) + " active connection(s), " +
         std::to_string(children_.size()) + " program(s)";
}

Supervisor::ReloadResult Supervisor::reload() {
  ReloadResult r;
  if (ctx_.stopping) {
    log_.log(log::kNotice, "SIGHUP while stopping: not reloading");
    r.error = "superd is stopping: not reloading";
    return r;
  }
  sys::sd_notify("RELOADING=1\nMONOTONIC_USEC=" + monotonic_usec());
  log_.log(log::kNotice, "reloading the configuration");
  std::shared_ptr<const conf::Config> next;
  std::string error;
  try {
    next = loader_(r.diags);
    r.ok = next && apply(next, error, false, &r.plan);
  } catch (const std::exception& e) {  // exhausted memory or descriptors: nothing was committed
    error = std::string("internal error: ") + e.what();
    if (std::string trouble = roll_back(); !trouble.empty()) error += "; " + trouble;
  }
  r.conf_path = next ? next->conf_path : config_->conf_path;
  if (!r.ok && log_setup_) {
    // logrotate's SIGHUP must still get the log file reopened.
    std::string ignored;
    log_setup_(*config_, ignored);
  }
  for (const Diagnostic& d : r.diags) log::log_diagnostic(log_, d);
  if (!next) r.error = "reload failed: the configuration is invalid; still serving the previous configuration";
  else if (!r.ok) r.error = "reload failed: " + error + "; still serving the previous configuration";
  if (!r.ok) log_.log(log::kErr, r.error);
  record_reload(r);
  sys::release_free_memory();  // the configuration replaced, or the one refused
  sys::sd_notify("READY=1\n" + status_line());
  return r;
}

void Supervisor::record_reload(const ReloadResult& r) {
  ++(r.ok ? reloads_ok_ : reloads_failed_);
  last_reload_ok_ = r.ok;
  last_reload_ = r.ok ? LastReload::Ok : LastReload::Failed;
  last_reload_at_ = now_seconds();
  last_reload_error_ = r.error;
}

bool Supervisor::apply(std::shared_ptr<const conf::Config> next, std::string& error, bool initial,
                       ReloadPlan* done_plan) {
  static const conf::Config kNothing;
  ReloadPlan plan = plan_reload(config_ ? *config_ : kNothing, *next, registry_.v6only_default());
  const SocketPlan* failed = nullptr;
  if (!registry_.prepare(plan.bind, error, failed)) {
    error += " (" + where(*next, failed->service) + ")";
    roll_back();  // prepare() rolled back the registry: only services are left
    return false;
  }
  // Options of kept sockets change in place; a failure (chmod after the
  // privilege drop, say) puts back those already changed.
  std::vector<OptionChange> done;
  bool ok = true;
  for (const OptionChange& c : plan.reconfigure) {
    if (!registry_.reconfigure(c, error)) {
      error += " (" + where(*next, c.socket.service) + ")";
      ok = false;
      break;
    }
    done.push_back(c);
  }
  if (ok) ok = control_.prepare(next->global, error);
  if (ok) ok = metrics_.prepare(next->global.metrics_endpoint, error);
  if (ok && !initial && log_setup_) ok = log_setup_(*next, error);
  if (!ok) {
    control_.rollback();
    metrics_.rollback();
    for (auto it = done.rbegin(); it != done.rend(); ++it) {
      OptionChange back = *it;
      std::swap(back.socket.options, back.previous);
      std::string ignored;
      registry_.reconfigure(back, ignored);
    }
    if (std::string trouble = roll_back(); !trouble.empty()) error += "; " + trouble;
    return false;
  }
  // From here on nothing fails: the new configuration is committed.
  registry_.commit();
  control_.commit(next->global);
  metrics_.commit();
  std::set<std::string> unchanged(plan.unchanged.begin(), plan.unchanged.end());
  std::map<std::string, std::shared_ptr<Service>> old;
  for (auto& s : services_) old[s->config().name] = s;
  std::vector<std::shared_ptr<Service>> kept, fresh;
  for (const conf::ServiceConfig& cfg : next->services) {
    if (cfg.disabled) continue;
    if (unchanged.count(cfg.name)) {
      kept.push_back(old[cfg.name]);
      old.erase(cfg.name);
      continue;
    }
    auto& counters = counters_[cfg.name];
    if (!counters) counters = std::make_shared<ServiceCounters>();
    const Builtin* builtin = cfg.builtin.empty() ? nullptr : &builtins_.at(cfg.builtin);
    fresh.push_back(std::make_shared<Service>(ctx_, next, cfg, builtin, counters));
    kept.push_back(fresh.back());
  }
  // What is left in `old` was changed or removed: it stops serving now, and
  // lives on only in its programs' and sessions' callbacks.
  for (auto& [name, s] : old) s->release();
  config_ = next;
  ctx_.config = next;
  const conf::GlobalConfig& g = next->global;
  if (g.reverse_lookups)
    resolver_.configure(g.resolver_address, g.resolver_port, g.reverse_timeout.value, g.double_reverse_lookups);
  services_ = std::move(kept);
  for (auto& s : fresh) start_service(*s);
  for (const SocketPlan& p : plan.close) registry_.close(p.identity);
  for (const std::string& name : plan.removed) {
    // Counts of live connections stay, for the service if it comes back.
    if (auto it = counters_.find(name); it != counters_.end() && it->second->stats.active == 0)
      counters_.erase(it);
    retire(old[name]);
  }
  // A limit may have changed (max_connections): paused services look again.
  for (auto& s : services_) s->resume();
  watch_.watch(config_->global.inetd_conf);
  update_forwarded();
  if (initial) {
    for (auto& s : services_)
      log_.log(log::kNotice, "service " + s->config().name + ": " + what_serves(s->config()) +
                                 " on " + join(s->addresses()));
  } else {
    log_plan(plan);
  }
  if (done_plan) *done_plan = std::move(plan);
  return true;
}

void Supervisor::start_service(Service& s) {
  SocketList sockets;
  for (const net::Endpoint& e : s.config().endpoints)
    for (auto& l : registry_.sockets(e)) sockets.push_back(l);
  s.start(std::move(sockets));
}

std::string Supervisor::roll_back() {
  std::string trouble = registry_.rollback();
  for (auto& s : services_) {
    if (s->lost_socket()) start_service(*s);
  }
  return trouble;
}

// A removed service's built-in sessions finish (flush, close) and are cut
// after shutdown_timeout; its programs run on, as at shutdown.
void Supervisor::retire(const std::shared_ptr<Service>& removed) {
  if (!removed) return;
  const void* tag = removed.get();
  std::size_t n = sessions_.count(tag);
  int active = removed->stats().active;
  log_.log(log::kNotice, "service " + removed->config().name + ": removed" +
                             (active > 0 ? "; " + std::to_string(active) +
                                               " connection(s) or program(s) left to finish"
                                         : ""));
  if (n == 0) return;
  sessions_.finish_all(tag);
  auto timer = std::make_shared<boost::asio::steady_timer>(io_);
  timer->expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(config_->global.shutdown_timeout.value)));
  timer->async_wait([this, timer, weak = std::weak_ptr<Service>(removed)](const boost::system::error_code& ec) {
    auto s = weak.lock();
    if (ec || !s) return;
    if (std::size_t left = sessions_.count(s.get()); left > 0) {
      log_.log(log::kNotice, "service " + s->config().name + ": shutdown_timeout: closing " +
                                 std::to_string(left) + " connection(s)");
      sessions_.abort_all(s.get());
    }
  });
}

void Supervisor::log_plan(const ReloadPlan& plan) {
  std::map<std::string, const Service*> by_name;
  for (const auto& s : services_) by_name[s->config().name] = s.get();
  for (const std::string& name : plan.added) {
    const Service* s = by_name[name];
    log_.log(log::kNotice, "service " + name + ": added: " + what_serves(s->config()) + " on " +
                               join(s->addresses()));
  }
  for (const auto& [name, keys] : plan.changed)
    log_.log(log::kNotice, "service " + name + ": changed (" + join(keys) + ")");
  for (const std::string& name : plan.unchanged) log_.log(log::kInfo, "service " + name + ": kept");
  log_.log(log::kNotice, "reloaded " + config_->conf_path + ": " + std::to_string(plan.added.size()) +
                             " added, " + std::to_string(plan.removed.size()) + " removed, " +
                             std::to_string(plan.changed.size()) + " changed, " +
                             std::to_string(plan.unchanged.size()) + " kept; sockets: " +
                             std::to_string(plan.keep.size()) + " kept, " +
                             std::to_string(plan.bind.size()) + " bound, " +
                             std::to_string(plan.close.size()) + " closed");
}

}  // namespace superd::core
