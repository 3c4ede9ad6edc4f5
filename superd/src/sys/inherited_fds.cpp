// SPDX-License-Identifier: MIT
// Whatever started superd may have leaked descriptors into it: a terminal,
// the write end of a pipe someone reads to end of file, a deleted file. A
// daemon that runs for months would keep them all open, so they go first.
#include "superd/inherited_fds.hpp"

#include <dirent.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <vector>

namespace superd {

namespace {

// How many descriptors from 3 up systemd passed to this very process, or 0.
int listen_fds() {
  const char* pid = std::getenv("LISTEN_PID");
  const char* count = std::getenv("LISTEN_FDS");
  if (!pid || !*pid || !count || !*count) return 0;
  char* end = nullptr;
  long owner = std::strtol(pid, &end, 10);
  if (*end || owner != ::getpid()) return 0;
  long n = std::strtol(count, &end, 10);
  if (*end || n <= 0 || n > INT_MAX - 3) return 0;
  return static_cast<int>(n);
}

// For kernels before 5.9, which lack close_range: close what /proc lists.
bool close_listed(int first) {
  DIR* dir = ::opendir("/proc/self/fd");
  if (!dir) return false;
  std::vector<int> open;
  while (dirent* e = ::readdir(dir)) {
    int fd = std::atoi(e->d_name);
    if (fd >= first && fd != ::dirfd(dir)) open.push_back(fd);
  }
  ::closedir(dir);
  for (int fd : open) ::close(fd);
  return true;
}

}  // namespace

void close_inherited_fds() {
  int first = 3 + listen_fds();
  if (::syscall(SYS_close_range, static_cast<unsigned>(first), ~0U, 0) == 0) return;
  if (close_listed(first)) return;
  long max = ::sysconf(_SC_OPEN_MAX);
  if (max < 0 || max > (1 << 20)) max = 1 << 20;
  for (long fd = first; fd < max; ++fd) ::close(static_cast<int>(fd));
}

}  // namespace superd
