// SPDX-License-Identifier: MIT
// superd's own privileges, read and dropped with libcap: who it runs as now,
// and the drop a configuration asks for (Config::self) -- bind, drop, serve,
// in the order of Net::Server and s6.
#pragma once

#include <string>

#include "conf/privileges.hpp"
#include "log/log.hpp"

namespace superd::proc {

/// Who superd runs as now: its effective ids, supplementary groups and the
/// capabilities of conf::Cap it holds in its effective set.
conf::Privileges current_privileges();

/// When `self.dropped` and superd still runs as root: switches to self's
/// groups, gid and uid, confines itself to self.chroot, and keeps exactly
/// `self.caps` (permitted and effective; inheritable and ambient empty).
/// Logs what it did. Returns false with `error` when any step fails; the
/// process must then stop, as it is part-way between root and the user.
bool drop_privileges(const conf::Privileges& self, log::Logger& log, std::string& error);

}  // namespace superd::proc
