// SPDX-License-Identifier: MIT
// ReloadPlan: what a reload changes, computed from two configurations alone
// (no socket is touched): which listening sockets are kept, bound or closed,
// which kept sockets get new options, and which services are added, removed,
// changed (with the keys that changed) or left as they are. Sockets match by
// endpoint identity, so "*:7" and "[::]:7" are one socket; options set before
// bind() are part of it, so changing them binds a new socket in place of the
// old one.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "conf/config.hpp"
#include "net/listener.hpp"

namespace superd::core {

/// One endpoint as the plan sees it.
struct SocketPlan {
  std::string identity;     ///< net::endpoint_identity() of `endpoint`.
  net::Endpoint endpoint;
  net::ListenOptions options;  ///< Wanted options (the new ones for kept sockets).
  std::string service;      ///< The enabled service that uses it (the new one when kept).
  /// Sockets of the old configuration on the same address that this one
  /// replaces: closed just before it is bound (a change of an option set
  /// before bind(), or of one that cannot return to the system's default).
  std::vector<SocketPlan> replaces;
};

/// A kept socket whose options differ.
struct OptionChange {
  SocketPlan socket;           ///< With the new options.
  net::ListenOptions previous;
  std::vector<std::string> what;  ///< Conf keys: "listen", "socket_mode", "receive_buffer", ...
};

/// The difference between two configurations.
struct ReloadPlan {
  std::vector<SocketPlan> keep, bind, close;
  std::vector<OptionChange> reconfigure;  ///< Kept sockets with changed options.
  std::vector<std::string> added, removed, unchanged;
  /// Services whose effective settings differ, with the keys that did.
  std::vector<std::pair<std::string, std::vector<std::string>>> changed;
};

/// Compares `before` with `after`. A disabled service counts as absent;
/// `v6only_default` is passed to net::endpoint_identity().
ReloadPlan plan_reload(const conf::Config& before, const conf::Config& after,
                       bool v6only_default = false);

}  // namespace superd::core
