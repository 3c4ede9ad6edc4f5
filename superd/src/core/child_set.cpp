// SPDX-License-Identifier: MIT
#include "core/child_set.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>


namespace superd::core {

namespace asio = boost::asio;

std::string describe_status(int st) {
  if (WIFEXITED(st)) return "exit:" + std::to_string(WEXITSTATUS(st));
  if (WIFSIGNALED(st)) {
    const char* abbrev = sigabbrev_np(WTERMSIG(st));
    return std::string("signal:") + (abbrev ? std::string("SIG") + abbrev : std::to_string(WTERMSIG(st)));
  }
  return "unknown:" + std::to_string(st);
}

ChildSet::ChildSet(asio::io_context& io, log::Logger& log) : io_(io), sigchld_(io, SIGCHLD), log_(log), relay_(io, log) {
  wait_signal();
}

void ChildSet::wait_signal() {
  sigchld_.async_wait([this](const boost::system::error_code& ec, int) {
    if (ec) return;
    reap();
    wait_signal();
  });
}

// Reaps only superd's own children: an embedding program may have others.
// waitid(WNOWAIT) peeks at an exited child; when it is not ours, each of ours
// is asked in turn instead.
void ChildSet::reap() {
  for (;;) {
    siginfo_t info{};
    if (::waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid == 0) return;
    pid_t pid = info.si_pid;
    if (!children_.count(pid)) return reap_each();
    finish(pid);
  }
}

void ChildSet::reap_each() {
  std::vector<pid_t> pids;
  for (const auto& [pid, cb] : children_) pids.push_back(pid);
  for (pid_t pid : pids) finish(pid);
}

void ChildSet::finish(pid_t pid) {
  int status = 0;
  if (::waitpid(pid, &status, WNOHANG) != pid) return;
  auto it = children_.find(pid);
  OnExit cb = std::move(it->second.on_exit);
  children_.erase(it);
  relay_.forget(pid);  // its last stderr lines come before its end line
  if (cb) cb(status);
}

void ChildSet::add(pid_t pid, const std::string& service, const std::string& peer,
                   bool relay_stderr, OnExit on_exit) {
  children_.emplace(pid, Child{std::move(on_exit), service, peer, now_seconds()});
  if (relay_stderr) relay_.watch(pid, service);
}

std::vector<ChildSet::Info> ChildSet::list() const {
  std::vector<Info> out;
  out.reserve(children_.size());
  for (const auto& [pid, c] : children_) out.push_back({pid, &c.service, &c.peer, c.started});
  std::sort(out.begin(), out.end(), [](const Info& a, const Info& b) {
    return a.started != b.started ? a.started < b.started : a.pid < b.pid;
  });
  return out;
}

std::size_t ChildSet::signal_all(int sig) {
  // Each child leads its own process group, so its helpers get the signal too.
  for (const auto& [pid, cb] : children_)
    if (::kill(-pid, sig) != 0) ::kill(pid, sig);
  return children_.size();
}

std::size_t ChildSet::signal_service(const std::string& service, int sig) {
  std::size_t n = 0;
  for (const auto& [pid, child] : children_)
    if (child.service == service && ::kill(pid, sig) == 0) ++n;
  return n;
}

void ChildSet::stop() {
  boost::system::error_code ignored;
  sigchld_.cancel(ignored);
  relay_.stop();
}

}  // namespace superd::core
