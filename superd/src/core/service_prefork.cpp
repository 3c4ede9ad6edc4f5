// SPDX-License-Identifier: MIT
// Service, part three: preforked wait-mode programs (`prefork = N`). Instead
// of watching a socket and starting one program when a client comes, superd
// keeps N copies of the program running on it, each accepting for itself
// (or reading datagrams), and starts a copy again when one exits, with the
// back-off of wait mode for a program that dies at once. The set of running
// copies lives on the ListenSocket, so a reload that changes N adjusts the
// number without touching the copies that stay.
#include <signal.h>

#include <algorithm>

#include "core/child_set.hpp"
#include "core/service.hpp"

namespace superd::core {

namespace {
constexpr double kFastExit = 1.0;  // seconds: a copy this short-lived is failing, not serving
}  // namespace

void Service::hold_changed() {
  for (auto& l : sockets_)
    if (owns(*l) && prefork_mode(*l)) fill_prefork(*l);
}

void Service::fill_prefork(ListenSocket& l) {
  bool serving = !ctx_.stopping && !released_ && owns(l) && !l.closed && prefork_mode(l) &&
                 counters_->hold == Hold::None;
  std::size_t want = serving ? static_cast<std::size_t>(cfg_.prefork) : 0;
  std::size_t live = l.preforked.size() - l.retiring.size();
  if (live > want) {
    // The newest go first: the oldest have shown they work.
    std::size_t extra = live - want;
    for (auto it = l.preforked.rbegin(); it != l.preforked.rend() && extra > 0; ++it) {
      if (!l.retiring.insert(*it).second) continue;
      ::kill(*it, SIGTERM);
      --extra;
    }
    slog(log::kNotice, "service " + cfg_.name + ": stopping " + std::to_string(live - want) +
                           " preforked program(s) on " + l.address + "; " + std::to_string(want) +
                           " wanted");
    return;
  }
  if (want == 0 || l.backing_off) return;
  set_mode(l);
  while (live < want) {
    if (!start_preforked(l)) return back_off(l, std::chrono::seconds(1));
    ++live;
  }
}

bool Service::start_preforked(ListenSocket& l) {
  proc::PeerInfo info;
  info.proto = l.endpoint.unix_domain() ? "UNIX" : (l.endpoint.stream() ? "TCP" : "UDP");
  proc::SpawnPlan plan;
  plan.program = &program_;
  proc::build_env(program_, info, plan);
  int fd = l.desc.native_handle();
  if (cfg_.listen_fds) proc::add_listen_fds(plan, fd, cfg_.name);
  ++counters_->stats.active;
  ++counters_->stats.served;
  auto sock = l.shared_from_this();
  pid_t pid = -1;
  // The exit callback runs later, on the loop, after `pid` is recorded below.
  bool started = start_child(plan, l.address, cfg_.listen_fds ? ctx_.null_fd : fd,
                             [this, sock](int status, double t0, pid_t pid) {
    sock->preforked.erase(pid);
    bool retired = sock->retiring.erase(pid) > 0;
    --counters_->stats.active;
    counters_->stats.exits.add(status);
    counters_->stats.durations.add(now_seconds() - t0);
    log_end(sock->address, sock->address, pid, status, t0);
    // The restart (or its back-off) is settled before capacity_back() may re-arm the socket.
    if (!sock->closed && !retired)
      if (auto owner = sock->owner.lock()) owner->after_prefork_exit(*sock, now_seconds() - t0 < kFastExit, status);
    capacity_back();
  }, &pid);
  if (started) sock->preforked.insert(pid);
  if (!started) {
    spawn_retry_ = false;  // backed off by the caller
    --counters_->stats.active;
    --counters_->stats.served;
    return false;
  }
  return true;
}

void Service::after_prefork_exit(ListenSocket& l, bool fast, int status) {
  if (!prefork_mode(l)) return arm(l);  // the successor watches the socket instead
  if (fast && !l.backing_off) {
    int delay = 1 << std::min(l.fast_exits++, 6);
    slog(log::kWarning, "service " + cfg_.name + ": preforked program exited (" + describe_status(status) +
                            ") within " + std::to_string(static_cast<int>(kFastExit)) + "s on " + l.address +
                            "; starting it again in " + std::to_string(delay) + "s");
    return back_off(l, std::chrono::seconds(delay));
  }
  if (!fast) l.fast_exits = 0;
  fill_prefork(l);
}

}  // namespace superd::core
