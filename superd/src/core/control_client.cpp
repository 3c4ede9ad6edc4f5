// SPDX-License-Identifier: MIT
#include "core/control_client.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>

#include "superd/server.hpp"
#include "sys/errno_error.hpp"
#include "sys/unique_fd.hpp"

namespace superd::core {

namespace {

constexpr int kAnswerWait = 120;  // seconds superd has to answer, besides a drain's own timeout
constexpr std::size_t kMaxAnswer = 256u << 20;

double now() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

int fail(const std::string& message, int code) {
  std::cerr << "superd ctl: " << message << "\n";
  return code;
}

int refused(const std::string& path) {
  return fail("superd closed the connection on " + path + " without answering: uid " +
                  std::to_string(::getuid()) +
                  " may not use it (root, superd's own user and control_users may), or superd is stopping",
              kExitRefused);
}

// Reads until EOF (or a reset). -1 when no byte came before it (refused), -2
// on a timeout, -3 on another error (in errno), else 0.
int read_answer(int fd, double deadline, std::string& out) {
  char buf[65536];
  for (;;) {
    int wait = -1;
    if (deadline > 0) {
      double left = deadline - now();
      if (left <= 0) return -2;
      wait = static_cast<int>(left * 1000) + 1;
    }
    pollfd p{fd, POLLIN, 0};
    int n = ::poll(&p, 1, wait);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -3;
    if (n == 0) continue;  // the deadline is checked above
    ssize_t got = ::read(fd, buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    // A reset ends the answer as EOF does (superd closed with input unread).
    if (got < 0 && errno == ECONNRESET) return out.empty() ? -1 : 0;
    if (got < 0) return -3;
    if (got == 0) return out.empty() ? -1 : 0;
    out.append(buf, static_cast<std::size_t>(got));
    if (out.size() > kMaxAnswer) return errno = EMSGSIZE, -3;
  }
}

}  // namespace

int control_client(const std::string& path, const std::string& conf_path, const ControlRequest& request) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path[0] != '/' || path.size() >= sizeof addr.sun_path)
    return fail("control_socket '" + path + "' (" + conf_path + ") is not an absolute path of at most " +
                    std::to_string(sizeof addr.sun_path - 1) + " bytes",
                kExitConfig);
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  sys::UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return fail(sys::describe_errno("socket", path, errno), kExitSystem);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    int err = errno;
    std::string hint = err == ENOENT || err == ECONNREFUSED ? " (is superd running with control_socket = " +
                                                                  path + "? see " + conf_path + ")"
                       : err == EACCES ? " (see control_socket_mode and control_users)"
                                       : "";
    return fail(sys::describe_errno("connect", path, err) + hint, kExitSystem);
  }
  std::string line = request.text() + "\n";
  for (std::size_t sent = 0; sent < line.size();) {
    ssize_t n = ::send(fd.get(), line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EPIPE || errno == ECONNRESET)) return refused(path);
    if (n < 0) return fail(sys::describe_errno("send", path, errno), kExitSystem);
    sent += static_cast<std::size_t>(n);
  }
  // A drain waits for as long as it was told to, or for as long as it takes.
  bool endless = request.command == ControlCommand::Drain && request.timeout <= 0;
  double extra = request.command == ControlCommand::Drain ? request.timeout : 0;
  double deadline = endless ? 0 : now() + kAnswerWait + extra;
  std::string answer;
  switch (read_answer(fd.get(), deadline, answer)) {
    case -1: return refused(path);
    case -2:
      return fail("no answer from superd on " + path + " within " + std::to_string(kAnswerWait) + "s",
                  kExitSystem);
    case -3: return fail(sys::describe_errno("read", path, errno), kExitSystem);
    default: break;
  }
  auto nl = answer.find('\n');
  std::string status = answer.substr(0, nl);
  if (nl == std::string::npos || (status != "ok" && status != "error"))
    return fail("what came from " + path + " is not an answer of superd's", kExitSystem);
  std::string body = answer.substr(nl + 1);
  bool ok = status == "ok";
  if (ok || request.json) {
    std::cout << body << std::flush;
  } else {
    for (std::size_t at = 0; at < body.size();) {
      std::size_t end = body.find('\n', at);
      if (end == std::string::npos) end = body.size();
      std::cerr << "superd ctl: " << body.substr(at, end - at) << "\n";
      at = end + 1;
    }
  }
  if (!std::cout) return fail("cannot write the answer to standard output", kExitSystem);
  return ok ? kExitOk : kExitConfig;
}

}  // namespace superd::core
