// SPDX-License-Identifier: MIT
// close_inherited_fds(): for a program that owns its whole process, as the
// superd daemon does. A library must not close its host's descriptors, so
// superd::Server never calls it; the daemon's main() does.
#pragma once

namespace superd {

/// Closes every descriptor above 2 that the process inherited, except the
/// sockets passed by systemd (3 .. 3+LISTEN_FDS-1 when LISTEN_PID is this
/// process). Call it first in main(), before anything opens a descriptor.
void close_inherited_fds();

}  // namespace superd
