// SPDX-License-Identifier: MIT
// Service, part two: programs. nowait starts one per accepted connection;
// wait hands the listening or datagram socket itself to one program at a
// time and watches the socket again when it exits.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

#include "core/child_set.hpp"
#include "core/service.hpp"
#include "net/endpoint.hpp"

namespace superd::core {

namespace {
constexpr double kFastExit = 1.0;  // seconds: a wait-mode program this quick may not have read
}  // namespace

void Service::serve_program(int fd, const Peer& peer) {
  proc::PeerInfo info;
  info.proto = peer.ip ? "TCP" : "UNIX";
  if (peer.ip) {
    info.remote_ip = peer.addr.str();
    info.remote_port = std::to_string(peer.port);
    info.remote_host = peer.host;
    sockaddr_storage local{};
    socklen_t len = sizeof local;
    net::IpAddress laddr;
    std::uint16_t lport = 0;
    if (peer.has_local) {  // named by a PROXY header, or read before TLS put a socketpair in between
      info.local_ip = peer.local_addr.str();
      info.local_port = std::to_string(peer.local_port);
    } else if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) == 0 &&
               ip_of(local, laddr, lport)) {
      info.local_ip = laddr.str();
      info.local_port = std::to_string(lport);
    }
    info.connnum = counters_->sources.count(peer.source);
  } else if (peer.has_cred) {
    info.has_cred = true;
    info.pid = peer.cred.pid;
    info.uid = peer.cred.uid;
    info.gid = peer.cred.gid;
  }
  proc::SpawnPlan plan;
  plan.program = &program_;
  proc::build_env(program_, info, plan);
  if (!peer.tls_env.empty()) {  // TLS session facts, after the UCSPI variables
    plan.env.insert(plan.env.end(), peer.tls_env.begin(), peer.tls_env.end());
    plan.envp.clear();
    for (std::string& e : plan.env) plan.envp.push_back(e.data());
    plan.envp.push_back(nullptr);
  }
  bool started = start_child(plan, peer.text, fd, [this, peer](int status, double t0, pid_t pid) {
    ctx_.last_status = status;
    counters_->stats.exits.add(status);
    log_end(peer.text, peer.endpoint, pid, status, t0, peer.via);
    finish(peer, t0);
  });
  if (!started && spawn_retry_) {
    spawn_retry_ = false;
    return hold(fd, peer);
  }
  ::close(fd);
  if (!started) finish(peer, -1);
}

void Service::hold(int fd, const Peer& peer) {
  held_ = std::make_unique<Held>(Held{fd, peer});
  retry_timer_.expires_after(std::chrono::seconds(1));
  retry_timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
    auto self = weak.lock();
    if (!ec && self && self->held_) self->retry_held();
  });
}

void Service::retry_held() {
  std::unique_ptr<Held> h = std::move(held_);
  retrying_ = true;
  serve_program(h->fd, h->peer);
  retrying_ = false;
  if (held_) return;  // still no process: hold() armed the timer again
  slog(log::kNotice, "service " + cfg_.name + ": started the program for " + h->peer.text +
                         "; accepting again");
  resume();
}

bool Service::start_child(proc::SpawnPlan& plan, const std::string& peer_text, int stdio_fd,
                          std::function<void(int, double, pid_t)> on_exit, pid_t* pid_out, bool can_hold) {
  bool relayed = false;
  plan.fd0 = plan.fd1 = stdio_fd;
  plan.max_fd = ctx_.max_fd;
  switch (cfg_.stderr_mode) {
    case conf::StderrMode::Socket: plan.fd2 = stdio_fd; break;
    case conf::StderrMode::Null: plan.fd2 = ctx_.null_fd; break;
    case conf::StderrMode::Log:
      // Relayed lines are notices: below that level they would only be read to be dropped.
      relayed = cfg_.log_level.value >= log::kNotice && ctx_.children.stderr_fd() >= 0;
      plan.fd2 = relayed ? ctx_.children.stderr_fd() : ctx_.null_fd;
      break;
  }
  proc::SpawnResult r = ctx_.spawner.spawn(plan);
  const char* program = program_.path;
  if (r.pid < 0) {
    // No process could be made for now: a client is kept and tried again
    // (wait mode backs off instead); anything else drops it.
    bool for_now = r.error == EAGAIN || r.error == ENOMEM;
    spawn_retry_ = can_hold && for_now;
    if (spawn_retry_ && retrying_) return false;  // said already
    if (!spawn_retry_) ++counters_->stats.failed;
    const char* fate = spawn_retry_ ? " waits; trying again every second, other clients wait in the backlog"
                       : !can_hold && for_now ? ": its datagram is dropped; its next one tries again"
                                              : " dropped";
    slog(log::kErr, "service " + cfg_.name + ": " + r.describe(program) + "; peer " + peer_text + fate);
    return false;
  }
  if (r.error) {
    ++counters_->stats.failed;
    slog(log::kErr, "service " + cfg_.name + ": " + r.describe(program) +
                                " (pid " + std::to_string(r.pid) + ", peer " + peer_text + ")");
  }
  if (!r.error) ++counters_->stats.started;
  double t0 = now_seconds();
  pid_t pid = r.pid;
  if (pid_out) *pid_out = pid;
  // The callback holds the service: a reload that replaces or removes it
  // still gets this program's end line and counts right.
  ctx_.children.add(pid, cfg_.name, peer_text, relayed, [cb = std::move(on_exit), t0, pid, self = shared_from_this()](int status) {
    cb(status, t0, pid);
    if (self->ctx_.counts_changed) self->ctx_.counts_changed();
  });
  if (ctx_.counts_changed) ctx_.counts_changed();
  return true;
}

void Service::run_waiting(ListenSocket& l) {
  proc::PeerInfo info;
  info.proto = l.endpoint.unix_domain() ? "UNIX" : (l.endpoint.stream() ? "TCP" : "UDP");
  proc::SpawnPlan plan;
  plan.program = &program_;
  proc::build_env(program_, info, plan);
  l.child_running = true;
  ++counters_->stats.active;
  ++counters_->stats.served;
  int fd = l.desc.native_handle();
  // listen_fds: the socket goes to fd 3 as systemd passes it; stdin and
  // stdout (and stderr = socket) are /dev/null.
  if (cfg_.listen_fds) proc::add_listen_fds(plan, fd, cfg_.name);
  auto sock = l.shared_from_this();
  bool started = start_child(plan, l.address, cfg_.listen_fds ? ctx_.null_fd : fd,
                             [this, sock, fd](int status, double t0, pid_t pid) {
    sock->child_running = false;
    --counters_->stats.active;
    counters_->stats.exits.add(status);
    counters_->stats.durations.add(now_seconds() - t0);
    capacity_back();
    if (sock->closed) return;  // shut down, or removed by a reload: the descriptor is gone
    log_end(sock->address, sock->address, pid, status, t0);
    bool fast = now_seconds() - t0 < kFastExit && readable_now(fd);
    // The socket may belong to another service by now (a reload).
    if (auto owner = sock->owner.lock()) owner->after_wait_exit(*sock, fast, status);
  });
  if (!started) {
    spawn_retry_ = false;  // wait mode backs off below
    l.child_running = false;
    --counters_->stats.active;
    back_off(l, std::chrono::seconds(1));
  }
}

void Service::after_wait_exit(ListenSocket& l, bool fast, int status) {
  // A program that exits at once and leaves the input unread would be
  // started again and again: back off, doubling up to a minute. A successor
  // that is no wait-mode program just takes the socket.
  if (fast && wait_mode(l)) {
    int delay = 1 << std::min(l.fast_exits++, 6);
    slog(log::kWarning, "service " + cfg_.name + ": program exited (" + describe_status(status) +
                            ") without taking the input on " + l.address + "; starting it again in " +
                            std::to_string(delay) + "s");
    return back_off(l, std::chrono::seconds(delay));
  }
  l.fast_exits = 0;
  arm(l);
}

}  // namespace superd::core
