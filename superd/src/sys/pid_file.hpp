// SPDX-License-Identifier: MIT
// PidFile: superd's pid file, locked for superd's whole life. The lock, not
// the file's existence, says whether a superd is running: a file left behind
// by a superd that was killed holds no lock and is simply taken over.
#pragma once

#include <sys/types.h>

#include <string>

#include "sys/unique_fd.hpp"

namespace superd::sys {

/// An open pid file with an exclusive flock(2) on it. The lock belongs to the
/// open file, so a forked daemon keeps it; the descriptor is close-on-exec, so
/// programs superd starts never hold it.
class PidFile {
 public:
  PidFile() = default;
  /// Removes the file if it is held: superd is stopping.
  ~PidFile() { remove(); }
  PidFile(const PidFile&) = delete;
  PidFile& operator=(const PidFile&) = delete;

  /// Opens `path` (creating it), locks it and writes the caller's pid in it.
  /// Fails when another process holds the lock, with an error naming it
  /// ("pid file P is held by pid N (another superd is running)"), or when a
  /// system call fails. A relative `path` is made absolute first.
  bool acquire(const std::string& path, std::string& error);
  /// Replaces the pid written in the file, as the daemon does after fork.
  bool write(pid_t pid, std::string& error);
  /// Removes the file, then releases the lock; nothing when not held.
  void remove();
  /// True while the lock is held.
  explicit operator bool() const { return static_cast<bool>(fd_); }

 private:
  std::string path_;  ///< Absolute, so that remove() works after chdir("/").
  UniqueFd fd_;       ///< Holds the lock; empty when not held.
};

}  // namespace superd::sys
