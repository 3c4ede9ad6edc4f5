// SPDX-License-Identifier: MIT
// Starting a program cheaply and safely: clone(CLONE_VM|CLONE_VFORK) on a
// private stack, then only async-signal-safe system calls in the child
// (signals reset, descriptors mapped and the rest closed, limits, chroot,
// identity, execve). A failure in the child reaches the parent as
// (stage, errno) in memory they share until the child execs or exits.
#pragma once

#include <sys/types.h>

#include <array>
#include <memory>
#include <string>

#include "proc/spawn_plan.hpp"

namespace superd::proc {

/// The outcome of one spawn.
struct SpawnResult {
  pid_t pid = -1;            ///< -1 when no child was created.
  int error = 0;             ///< errno of the failed step; 0 on success.
  const char* stage = "";    ///< The failed step: "execve", "setuid", "clone", ...
  /// "execve /usr/bin/x: No such file or directory" when something failed.
  std::string describe(const char* program) const;
};

/// Creates children; owns the stack the child runs on. Loop thread only.
class Spawner {
 public:
  Spawner();
  Spawner(const Spawner&) = delete;
  Spawner& operator=(const Spawner&) = delete;
  /// Starts `plan`'s program. The child exists (and must be reaped) when pid > 0,
  /// even if exec failed.
  SpawnResult spawn(const SpawnPlan& plan);
  /// Signal dispositions changed (a handler added or removed): the next
  /// spawn looks them up again. The child resets only the signals that had
  /// a handler or were ignored at that lookup, instead of all 64 (execve
  /// resets handlers itself; the child must not run one before it).
  void signals_changed() { signals_known_ = false; }

 private:
  void look_up_signals();
  std::unique_ptr<char[]> stack_;
  std::array<unsigned char, 64> to_reset_{};  ///< Signals to set to SIG_DFL in the child.
  int resets_ = 0;
  bool signals_known_ = false;
  bool has_terminal_ = true;  ///< superd has a controlling terminal: children call setsid().
};

}  // namespace superd::proc
