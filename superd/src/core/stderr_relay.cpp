// SPDX-License-Identifier: MIT
#include "core/stderr_relay.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/context.hpp"

namespace superd::core {

namespace asio = boost::asio;

namespace {

constexpr std::size_t kMaxLine = 2048;
// A program flooding its stderr must not flood superd's log: past this many
// lines a second the rest of that second is counted, not written.
constexpr int kLinesPerSecond = 100;
// Datagrams read per wake-up, so that a flood does not hold up the loop.
constexpr int kBatch = 64;
// Bounds the drain when a child is reaped. Its datagrams were all queued
// before it exited, and the queue holds at most net.unix.max_dgram_qlen
// (512 by default) datagrams, so this reaches them unless that was raised a lot.
constexpr int kDrainMax = 4096;
// Writers that are none of ours are never reaped by us: their states are
// dropped wholesale past this many.
constexpr std::size_t kMaxOrphans = 64;
// For AF_UNIX datagrams the sender's SO_SNDBUF bounds both the largest write
// (EMSGSIZE above it) and the bytes in flight; the receive queue is bounded by
// net.unix.max_dgram_qlen, not SO_RCVBUF. The kernel doubles this and caps it
// at net.core.wmem_max (212992 by default, so about 416 KiB in the end).
constexpr int kSendBuffer = 1 << 20;

// The parent of `pid` from /proc, or 0 when it is gone.
pid_t parent_of(pid_t pid) {
  char path[32], buf[512];
  std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return 0;
  buf[n] = '\0';
  // The command name may hold anything, even ')': the fields follow the last one.
  const char* end = std::strrchr(buf, ')');
  int ppid = 0;
  if (!end || std::sscanf(end + 1, " %*c %d", &ppid) != 1) return 0;
  return ppid;
}

}  // namespace

StderrRelay::StderrRelay(asio::io_context& io, log::Logger& log) : read_(io), log_(log) {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) != 0) {
    log_.log(log::kWarning, std::string("socketpair for stderr = log: ") + std::strerror(errno) +
                                "; programs' stderr goes to /dev/null");
    return;
  }
  int on = 1, size = kSendBuffer;
  ::setsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, &on, sizeof on);
  ::setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  socklen_t len = sizeof size;
  if (::getsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &size, &len) != 0) size = kSendBuffer;
  // No datagram is larger than the sender's buffer, so none is cut short.
  buf_size_ = static_cast<std::size_t>(size);
  buf_.reset(new char[buf_size_]);
  read_.assign(sv[0]);
  write_fd_ = sv[1];
  wait();
}

StderrRelay::~StderrRelay() {
  if (write_fd_ >= 0) ::close(write_fd_);
}

void StderrRelay::wait() {
  read_.async_wait(asio::posix::descriptor_base::wait_read, [this](const boost::system::error_code& ec) {
    if (ec) return;
    receive(kBatch);
    wait();
  });
}

bool StderrRelay::receive(int max) {
  if (!read_.is_open()) return false;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred))];
  for (int i = 0; i < max; ++i) {
    iovec iov{buf_.get(), buf_size_};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n = ::recvmsg(read_.native_handle(), &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;  // EAGAIN: the queue is empty
    pid_t pid = 0;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS)
      pid = reinterpret_cast<const ucred*>(CMSG_DATA(c))->pid;
    take(pid, buf_.get(), static_cast<std::size_t>(n));
  }
  return true;
}

void StderrRelay::take(pid_t pid, const char* data, std::size_t n) {
  Writer& w = writer(pid);
  for (std::size_t i = 0; i < n; ++i) {
    if (data[i] == '\n') emit(w);
    else if (w.line.size() < kMaxLine) w.line += data[i];
    else { emit(w); w.line += data[i]; }
  }
  // We never learn when a writer that is none of ours ends: its line ends with its write.
  if (w.owner == 0 && !w.line.empty()) emit(w);
}

StderrRelay::Writer& StderrRelay::writer(pid_t pid) {
  auto it = writers_.find(pid);
  if (it != writers_.end()) return it->second;
  Writer w = stranger(pid);
  if (w.owner != 0) {
    ++writers_[w.owner].descendants;
  } else if (++orphans_ > kMaxOrphans) {
    for (auto o = writers_.begin(); o != writers_.end();) {
      if (o->second.owner != 0) { ++o; continue; }
      finish(o->second);
      o = writers_.erase(o);
    }
    orphans_ = 1;
  }
  return writers_.emplace(pid, std::move(w)).first->second;
}

// A writer we did not start is usually a program's helper (a shell's
// command, a daemon's worker): it is tagged with the service of the nearest
// ancestor that is our child and its own pid, and forgotten with that child.
// One whose ancestors are none of ours (its child already exited, so it was
// adopted by init or a subreaper; or the pid is in another namespace) is
// tagged `pid N`.
StderrRelay::Writer StderrRelay::stranger(pid_t pid) {
  Writer w;
  w.pid = pid;
  pid_t p = pid;
  for (int depth = 0; depth < 16 && p > 1; ++depth) {
    p = parent_of(p);
    auto it = writers_.find(p);
    if (it == writers_.end() || it->second.owner == 0) continue;
    w.name = it->second.name;
    w.owner = it->second.owner;
    w.tag = w.name + "[" + std::to_string(pid) + "]";
    return w;
  }
  w.tag = "pid " + std::to_string(pid);
  return w;
}

void StderrRelay::watch(pid_t pid, const std::string& name) {
  Writer& w = writers_[pid];
  if (!w.tag.empty()) {  // the pid of a writer that has exited, reused
    finish(w);
    if (w.owner == 0) --orphans_;
    w = Writer{};
  }
  w.name = name;
  w.tag = name + "[" + std::to_string(pid) + "]";
  w.pid = pid;
  w.owner = pid;
}

void StderrRelay::forget(pid_t pid) {
  if (!writers_.count(pid)) return;
  // Its last lines may still be queued: they come before its end line.
  for (int i = 0; i < kDrainMax / kBatch && receive(kBatch); ++i) {
  }
  auto it = writers_.find(pid);
  if (it->second.descendants > 0) {
    for (auto d = writers_.begin(); d != writers_.end();) {
      if (d->second.owner != pid || d->first == pid) { ++d; continue; }
      finish(d->second);
      d = writers_.erase(d);
    }
  }
  finish(it->second);
  writers_.erase(it);
}

void StderrRelay::stop() {
  for (int i = 0; i < kDrainMax / kBatch && receive(kBatch); ++i) {
  }
  for (auto& [pid, w] : writers_) finish(w);
  writers_.clear();
  orphans_ = 0;
  boost::system::error_code ignored;
  read_.cancel(ignored);
}

void StderrRelay::emit(Writer& w) {
  double now = now_seconds();
  if (now - w.window_start >= 1.0) {
    report_dropped(w);
    w.window_start = now;
    w.lines = 0;
  }
  if (++w.lines <= kLinesPerSecond) write(w, w.tag + ": " + w.line);
  else ++w.dropped;
  w.line.clear();
}

void StderrRelay::report_dropped(Writer& w) {
  if (w.dropped > 0)
    write(w, w.tag + ": " + std::to_string(w.dropped) + " more stderr line(s) not logged (over " +
                 std::to_string(kLinesPerSecond) + " a second)");
  w.dropped = 0;
}

void StderrRelay::write(const Writer& w, const std::string& message) {
  log::Record r(log::kNotice, {}, message);
  if (!w.name.empty()) r.add("service", w.name, log::Show::StructuredOnly);
  log_.write(r.add("pid", w.pid, log::Show::StructuredOnly));
}

void StderrRelay::finish(Writer& w) {
  if (!w.line.empty()) emit(w);
  report_dropped(w);
}

}  // namespace superd::core
