// SPDX-License-Identifier: MIT
// Detach: what `background` does. superd forks only after binding, so that
// start-up errors still reach whoever started it, and the parent waits until
// the daemon has written its pid file: when `superd --background` returns,
// the pid file names the daemon.
#pragma once

#include <string>

#include "sys/unique_fd.hpp"

namespace superd::sys {

/// The daemon's side of the fork into the background.
class Detach {
 public:
  Detach() = default;
  Detach(const Detach&) = delete;
  Detach& operator=(const Detach&) = delete;

  /// Forks. The parent never returns: it waits for the daemon's started() and
  /// exits 0, or exits 111 if the daemon stopped first. The daemon returns
  /// true once it leads a new session, works in "/", and has /dev/null as
  /// stdin, stdout and, unless `keep_stderr`, stderr; nothing opened before
  /// by a relative path is affected. Returns false with `error` when a
  /// system call fails: before the fork nothing has changed; in the daemon
  /// (chdir), the caller exits and so does the parent, with 111.
  bool detach(bool keep_stderr, std::string& error);
  /// Tells the waiting parent that start-up is done; nothing when not
  /// detached or already said.
  void started();

 private:
  UniqueFd ready_;  ///< The daemon's end of the pipe to the parent; empty when there is none.
};

}  // namespace superd::sys
