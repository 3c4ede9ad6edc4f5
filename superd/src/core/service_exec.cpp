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
    sockaddr_storage local{};
    socklen_t len = sizeof local;
    net::IpAddress laddr;
    std::uint16_t lport = 0;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) == 0 && ip_of(local, laddr, lport)) {
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
  bool started = start_child(plan, peer.text, fd, [this, peer](int status, double t0, pid_t pid) {
    ctx_.last_status = status;
    log_end(peer.text, peer.endpoint, pid, status, t0);
    finish(peer);
  });
  ::close(fd);
  if (!started) finish(peer);
}

bool Service::start_child(proc::SpawnPlan& plan, const std::string& peer_text, int stdio_fd,
                          std::function<void(int, double, pid_t)> on_exit) {
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
    ++counters_->stats.failed;
    slog(log::kErr, "service " + cfg_.name + ": " + r.describe(program) + "; peer " +
                                peer_text + " dropped");
    return false;
  }
  if (r.error) {
    ++counters_->stats.failed;
    slog(log::kErr, "service " + cfg_.name + ": " + r.describe(program) +
                                " (pid " + std::to_string(r.pid) + ", peer " + peer_text + ")");
  }
  double t0 = now_seconds();
  pid_t pid = r.pid;
  // The callback holds the service: a reload that replaces or removes it
  // still gets this program's end line and counts right.
  ctx_.children.add(pid, cfg_.name, relayed, [cb = std::move(on_exit), t0, pid, self = shared_from_this()](int status) {
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
  auto sock = l.shared_from_this();
  bool started = start_child(plan, l.address, fd, [this, sock, fd](int status, double t0, pid_t pid) {
    sock->child_running = false;
    --counters_->stats.active;
    capacity_back();
    if (sock->closed) return;  // shut down, or removed by a reload: the descriptor is gone
    log_end(sock->address, sock->address, pid, status, t0);
    bool fast = now_seconds() - t0 < kFastExit && readable_now(fd);
    // The socket may belong to another service by now (a reload).
    if (auto owner = sock->owner.lock()) owner->after_wait_exit(*sock, fast, status);
  });
  if (!started) {
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
