// SPDX-License-Identifier: MIT
#include "sys/detach.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "superd/server.hpp"
#include "sys/errno_error.hpp"

namespace superd::sys {

namespace {

// The parent: exits 0 when the daemon says it started, 111 when the pipe
// closes without a word, which means the daemon exited (its log says why).
[[noreturn]] void wait_for_daemon(int fd, pid_t daemon) {
  char byte = 0;
  ssize_t n = ::read(fd, &byte, 1);
  while (n < 0 && errno == EINTR) n = ::read(fd, &byte, 1);
  if (n == 1) ::_exit(kExitOk);
  std::fprintf(stderr, "superd: the daemon (pid %d) stopped while starting; see its log\n",
               static_cast<int>(daemon));
  ::_exit(kExitSystem);
}

}  // namespace

bool Detach::detach(bool keep_stderr, std::string& error) {
  UniqueFd null(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (!null) {
    error = describe("open", "/dev/null", last_error());
    return false;
  }
  // Close-on-exec, so that only the daemon itself can hold the parent waiting.
  int ends[2];
  if (::pipe2(ends, O_CLOEXEC) != 0) {
    error = describe("pipe2", "", last_error());
    return false;
  }
  UniqueFd parent_end(ends[0]), daemon_end(ends[1]);
  std::fflush(nullptr);  // or both processes would write what is buffered
  pid_t pid = ::fork();
  if (pid < 0) {
    error = describe("fork", "", last_error());
    return false;
  }
  if (pid > 0) {
    // The parent shares the event loop's signal pipe with the daemon: a
    // signal it handled would reach the daemon. It only waits, then exits.
    sigset_t all;
    sigfillset(&all);
    ::sigprocmask(SIG_BLOCK, &all, nullptr);
    daemon_end.reset();
    wait_for_daemon(parent_end.get(), pid);
  }
  parent_end.reset();
  ready_ = std::move(daemon_end);
  ::setsid();
  // Keep no directory busy. Paths given relative to the starting directory
  // stay valid: the conf files were read and the log file opened before this,
  // and PidFile made its path absolute.
  if (::chdir("/") != 0) {
    error = describe("chdir", "/", last_error());
    return false;
  }
  // Whoever started superd may wait for end of file on these (a pipe, say).
  ::dup2(null.get(), 0);
  ::dup2(null.get(), 1);
  if (!keep_stderr) ::dup2(null.get(), 2);
  return true;
}

void Detach::started() {
  if (!ready_) return;
  char byte = 1;
  ssize_t ignored = ::write(ready_.get(), &byte, 1);
  (void)ignored;  // a parent that is gone has nothing more to wait for
  ready_.reset();
}

}  // namespace superd::sys
