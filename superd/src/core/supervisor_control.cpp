// SPDX-License-Identifier: MIT
// Supervisor, part three: the commands of `superd ctl`, answered from the
// supervisor's own state on the loop thread. Views are built here and
// rendered by control_render; pause, resume and drain set the Hold kept in
// the service's counters, so that it lasts through reloads.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/steady_timer.hpp>
#include <map>
#include <set>

#include "conf/schema.hpp"
#include "core/supervisor.hpp"

namespace superd::core {

namespace {
constexpr std::size_t kSourcesShown = 20;  // per service, busiest first

ServiceState state_of(Hold h) {
  switch (h) {
    case Hold::None: return ServiceState::Serving;
    case Hold::Paused: return ServiceState::Paused;
    case Hold::Draining: return ServiceState::Draining;
    case Hold::Drained: return ServiceState::Drained;
  }
  return ServiceState::Serving;
}

// The service a built-in session belongs to: Service passes itself as the owner.
const std::string& session_service(const StreamSession& s) {
  static const std::string kNone = "-";
  return s.owner() ? static_cast<const Service*>(s.owner())->config().name : kNone;
}

Outcome outcome(ControlCommand command, bool ok, std::string message, std::string service) {
  Outcome o;
  o.command = command;
  o.ok = ok;
  o.message = std::move(message);
  o.service = std::move(service);
  return o;
}

}  // namespace

/// A `superd ctl drain` client waiting for the last connection to end.
struct Supervisor::DrainWait {
  std::string service;
  ControlReply reply;
  bool json = false;
  double since = 0;
  std::unique_ptr<boost::asio::steady_timer> timer;  ///< Its timeout; null without one.
};

void Supervisor::on_control(const ControlRequest& r, ControlReply reply) {
  switch (r.command) {
    case ControlCommand::Status:
      return reply.send(true, render_status(status_view(), r.json));
    case ControlCommand::Connections:
    case ControlCommand::Sources: {
      if (!r.service.empty() && !counters_.count(r.service) && !control_service(r, reply)) return;
      return reply.send(true, r.command == ControlCommand::Sources
                                  ? render_sources(source_views(r.service), r.json)
                                  : render_connections(connection_views(r.service), r.json));
    }
    case ControlCommand::Reload: {
      log_.log(log::kNotice, "control: reload asked by " + reply.who());
      ReloadResult res = reload();
      if (res.ok) return reply.send(true, render_plan(r.command, res.conf_path, res.plan, res.diags, r.json));
      return reply.send(false, render_failure(r.command, res.diags, res.error, r.json));
    }
    case ControlCommand::Check: return control_check(r, reply);
    case ControlCommand::Pause:
    case ControlCommand::Resume:
    case ControlCommand::Drain: return control_hold(r, reply);
    case ControlCommand::Signal: return control_signal(r, reply);
  }
}

std::shared_ptr<Service> Supervisor::control_service(const ControlRequest& r,
                                                     const ControlReply& reply) const {
  std::vector<std::string> names;
  for (const auto& s : services_) {
    if (s->config().name == r.service) return s;
    names.push_back(s->config().name);
  }
  const std::string& conf = config_->conf_path;
  std::string message;
  auto disabled = std::find_if(config_->services.begin(), config_->services.end(),
                               [&](const conf::ServiceConfig& c) { return c.name == r.service; });
  if (disabled != config_->services.end()) {
    message = "service '" + r.service + "' is disabled in " + conf;
  } else {
    std::string guess = conf::closest(r.service, names);
    message = "no service '" + r.service + "' in " + conf +
              (guess.empty() ? "" : " (did you mean '" + guess + "'?)");
  }
  reply.send(false, render_outcome(outcome(r.command, false, message, r.service), r.json));
  return nullptr;
}

StatusView Supervisor::status_view() const {
  StatusView v;
  v.pid = ::getpid();
  v.version = SUPERD_VERSION;
  double now = now_seconds();
  v.uptime = started_at_ > 0 ? now - started_at_ : 0;
  v.conf_file = config_ ? config_->conf_path : "";
  v.reloads = reloads_ok_ + reloads_failed_;
  v.reloads_failed = reloads_failed_;
  v.last_reload = last_reload_;
  v.last_reload_age = now - last_reload_at_;
  v.last_reload_error = last_reload_error_;
  v.programs = children_.size();
  v.sessions = sessions_.size();
  std::map<std::string, std::size_t> children, sessions;
  for (const ChildSet::Info& c : children_.list()) ++children[*c.service];
  for (const StreamSession* s : sessions_.list()) ++sessions[session_service(*s)];
  std::set<std::string> enabled;
  for (const auto& s : services_) {
    const std::string& name = s->config().name;
    enabled.insert(name);
    ServiceView sv{name, ServiceState::Serving, "", s->addresses(), s->stats(), children[name], sessions[name]};
    auto c = counters_.find(name);
    sv.state = state_of(c == counters_.end() ? Hold::None : c->second->hold);
    if (sv.state == ServiceState::Serving && s->limited_by()) {
      sv.state = ServiceState::Limited;
      sv.limit = s->limited_by();
    }
    v.services.push_back(std::move(sv));
  }
  // A removed service is kept while its connections finish.
  for (const auto& [name, c] : counters_)
    if (!enabled.count(name) && c->stats.active > 0)
      v.services.push_back(ServiceView{name, ServiceState::Removed, "", {}, c->stats, children[name], sessions[name]});
  // The sum of the services' counts, wait-mode programs included
  // (total_active, which max_connections limits, counts connections only).
  v.active = 0;
  for (const ServiceView& s : v.services) v.active += std::max(s.stats.active, 0);
  return v;
}

std::vector<ConnectionView> Supervisor::connection_views(const std::string& service) const {
  std::vector<ConnectionView> out;
  double now = now_seconds();
  for (const ChildSet::Info& c : children_.list())
    if (service.empty() || *c.service == service)
      out.push_back(ConnectionView{*c.service, *c.peer, true, c.pid, now - c.started, 0, 0});
  for (const StreamSession* s : sessions_.list()) {
    const std::string& name = session_service(*s);
    if (service.empty() || name == service)
      out.push_back(ConnectionView{name, s->peer(), false, 0, now - s->started(), s->bytes_in(), s->bytes_out()});
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const ConnectionView& a, const ConnectionView& b) { return a.age > b.age; });
  return out;
}

std::vector<SourceView> Supervisor::source_views(const std::string& service) const {
  // Built-ins count live sources only when max_per_source needs it: their
  // sessions tell the rest.
  std::map<std::pair<std::string, std::string>, int> live;
  for (const StreamSession* s : sessions_.list())
    ++live[{session_service(*s), source_of_peer(s->peer())}];
  std::vector<std::string> order;
  for (const auto& s : services_) order.push_back(s->config().name);
  for (const auto& [name, c] : counters_)
    if (std::find(order.begin(), order.end(), name) == order.end()) order.push_back(name);
  std::vector<SourceView> out;
  for (const std::string& name : order) {
    if (!service.empty() && name != service) continue;
    auto c = counters_.find(name);
    if (c == counters_.end()) continue;
    for (const auto& [source, counts] : c->second->history.busiest(kSourcesShown)) {
      int active = std::max(c->second->sources.count(source), live[{name, source}]);
      out.push_back(SourceView{name, source, counts.accepted, counts.refused, active});
    }
  }
  return out;
}

void Supervisor::control_check(const ControlRequest& r, const ControlReply& reply) {
  std::vector<Diagnostic> diags;
  std::shared_ptr<const conf::Config> next;
  std::string error;
  try {
    next = loader_(diags);
  } catch (const std::exception& e) {
    error = std::string("internal error: ") + e.what();
  }
  if (!next) {
    if (error.empty()) error = "check: the configuration is invalid; a reload would change nothing";
    return reply.send(false, render_failure(r.command, diags, error, r.json));
  }
  ReloadPlan plan = plan_reload(*config_, *next, registry_.v6only_default());
  reply.send(true, render_plan(r.command, next->conf_path, plan, diags, r.json));
}

void Supervisor::control_hold(const ControlRequest& r, const ControlReply& reply) {
  std::shared_ptr<Service> s = control_service(r, reply);
  if (!s) return;
  const std::string& name = r.service;
  ServiceCounters& c = *counters_.at(name);
  Outcome o = outcome(r.command, true, "", name);
  if (r.command == ControlCommand::Resume) {
    c.hold = Hold::None;
    c.drained = nullptr;
    end_drains(name, false, "resumed before the last connection ended");
    s->resume();
    o.message = "service " + name + ": resumed";
  } else if (r.command == ControlCommand::Pause) {
    c.hold = Hold::Paused;
    c.drained = nullptr;
    end_drains(name, false, "paused before the last connection ended");
    o.message = "service " + name + ": paused; new connections wait until resume";
    s->hold_changed();  // preforked programs stop until resume
  } else {
    control_drain(r, reply, c);
    return s->hold_changed();
  }
  log_.log(log::kNotice, "control: " + o.message + " (" + reply.who() + ")");
  o.state = state_name(state_of(c.hold));
  reply.send(true, render_outcome(o, r.json));
}

void Supervisor::control_drain(const ControlRequest& r, const ControlReply& reply, ServiceCounters& c) {
  const std::string& name = r.service;
  c.hold = Hold::Draining;  // drained already: settle_drain() says so at once
  c.drained = [this, name] { end_drains(name, true, ""); };
  auto wait = std::make_shared<DrainWait>(DrainWait{name, reply, r.json, now_seconds(), nullptr});
  // Clients that left before their drain ended are forgotten here.
  drains_.erase(std::remove_if(drains_.begin(), drains_.end(), [](const auto& d) { return !d->reply.open(); }),
                drains_.end());
  drains_.push_back(wait);
  log_.log(log::kNotice, "control: service " + name + ": draining (" + reply.who() + ")");
  if (r.timeout > 0) {
    wait->timer = std::make_unique<boost::asio::steady_timer>(io_);
    wait->timer->expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(r.timeout)));
    wait->timer->async_wait([this, weak = std::weak_ptr<DrainWait>(wait)](const boost::system::error_code& ec) {
      if (auto w = weak.lock(); w && !ec) drain_timed_out(w);
    });
  }
  c.settle_drain();  // nothing active: answered at once
}

void Supervisor::drain_timed_out(const std::shared_ptr<DrainWait>& w) {
  int active = counters_.count(w->service) ? counters_.at(w->service)->stats.active : 0;
  Outcome o = outcome(ControlCommand::Drain, false,
                      "service " + w->service + ": drain timed out with " + std::to_string(active) +
                          " connection(s) still active; it stays draining until resume",
                      w->service);
  o.state = "draining";
  o.active = active;
  w->reply.send(false, render_outcome(o, w->json));
  drains_.erase(std::remove(drains_.begin(), drains_.end(), w), drains_.end());
}

void Supervisor::end_drains(const std::string& service, bool ok, const std::string& why) {
  std::vector<std::shared_ptr<DrainWait>> done;
  for (const auto& d : drains_)
    if (service.empty() || d->service == service) done.push_back(d);
  for (const auto& d : done) {
    drains_.erase(std::remove(drains_.begin(), drains_.end(), d), drains_.end());
    if (d->timer) d->timer->cancel();
    std::string took = duration_text(now_seconds() - d->since);
    Outcome o = outcome(ControlCommand::Drain, ok,
                        ok ? "service " + d->service + ": drained; the last connection ended after " + took
                           : "service " + d->service + ": drain ended: " + why,
                        d->service);
    if (ok) o.state = "drained", o.active = 0;
    if (ok) log_.log(log::kNotice, "control: " + o.message);
    d->reply.send(ok, render_outcome(o, d->json));
  }
}

void Supervisor::control_signal(const ControlRequest& r, const ControlReply& reply) {
  std::shared_ptr<Service> s = control_service(r, reply);
  if (!s) return;
  std::size_t n = children_.signal_service(r.service, r.signal.number);
  Outcome o = outcome(r.command, true,
                      "service " + r.service + ": sent " + r.signal.name + " to " + std::to_string(n) +
                          " program(s)",
                      r.service);
  o.programs = static_cast<long>(n);
  log_.log(log::kNotice, "control: " + o.message + " (" + reply.who() + ")");
  reply.send(true, render_outcome(o, r.json));
}

}  // namespace superd::core
