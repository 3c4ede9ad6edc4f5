// SPDX-License-Identifier: MIT
#include "core/child_set.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

namespace superd::core {

namespace asio = boost::asio;

namespace {

constexpr std::size_t kMaxLine = 2048;
// A program flooding its stderr must not flood superd's log: past this many
// lines a second the rest of that second is counted, not written.
constexpr int kLinesPerSecond = 100;

// Reads one child's stderr pipe until EOF; whole lines go to the log.
class StderrRelay : public std::enable_shared_from_this<StderrRelay> {
 public:
  StderrRelay(asio::io_context& io, int fd, std::string tag, int level, log::Logger& log)
      : pipe_(io, fd), tag_(std::move(tag)), level_(level), log_(log) {}
  void start() {
    pipe_.async_wait(asio::posix::descriptor_base::wait_read,
                     [self = shared_from_this()](const boost::system::error_code& ec) {
                       if (!ec) self->on_readable();
                     });
  }

 private:
  void on_readable() {
    char buf[4096];
    ssize_t n = ::read(pipe_.native_handle(), buf, sizeof buf);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return start();
    if (n <= 0) {
      if (!line_.empty()) emit();
      report_dropped();
      return;  // EOF or error: the relay ends with its last reference
    }
    for (ssize_t i = 0; i < n; ++i) {
      if (buf[i] == '\n') emit();
      else if (line_.size() < kMaxLine) line_ += buf[i];
      else { emit(); line_ += buf[i]; }
    }
    start();
  }
  void emit() {
    double now = now_seconds();
    if (now - window_start_ >= 1.0) {
      report_dropped();
      window_start_ = now;
      lines_ = 0;
    }
    if (++lines_ <= kLinesPerSecond) log_.write(level_, tag_ + ": " + line_);
    else ++dropped_;
    line_.clear();
  }
  void report_dropped() {
    if (dropped_ > 0)
      log_.write(level_, tag_ + ": " + std::to_string(dropped_) + " more stderr line(s) not logged (over " +
                             std::to_string(kLinesPerSecond) + " a second)");
    dropped_ = 0;
  }
  asio::posix::stream_descriptor pipe_;
  std::string tag_, line_;
  int level_;
  double window_start_ = 0;
  int lines_ = 0;
  long dropped_ = 0;
  log::Logger& log_;
};

}  // namespace

std::string describe_status(int st) {
  if (WIFEXITED(st)) return "exit:" + std::to_string(WEXITSTATUS(st));
  if (WIFSIGNALED(st)) {
    const char* abbrev = sigabbrev_np(WTERMSIG(st));
    return std::string("signal:") + (abbrev ? std::string("SIG") + abbrev : std::to_string(WTERMSIG(st)));
  }
  return "unknown:" + std::to_string(st);
}

ChildSet::ChildSet(asio::io_context& io, log::Logger& log) : io_(io), sigchld_(io, SIGCHLD), log_(log) {
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
  OnExit cb = std::move(it->second);
  children_.erase(it);
  if (cb) cb(status);
}

void ChildSet::add(pid_t pid, OnExit on_exit) { children_.emplace(pid, std::move(on_exit)); }

void ChildSet::relay_stderr(int fd, std::string tag, int level) {
  try {
    std::make_shared<StderrRelay>(io_, fd, tag, level, log_)->start();
  } catch (const std::exception& e) {  // the pipe could not be watched: its output is lost
    ::close(fd);
    log_.log(log::kWarning, tag + ": stderr not relayed: " + e.what());
  }
}

std::size_t ChildSet::signal_all(int sig) {
  // Each child leads its own session (setsid), so its helpers get the signal too.
  for (const auto& [pid, cb] : children_)
    if (::kill(-pid, sig) != 0) ::kill(pid, sig);
  return children_.size();
}

void ChildSet::stop() {
  boost::system::error_code ignored;
  sigchld_.cancel(ignored);
}

}  // namespace superd::core
