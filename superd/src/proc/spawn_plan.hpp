// SPDX-License-Identifier: MIT
// SpawnPlan: everything a child needs, computed on the loop thread before
// the child is created, so that the child itself only makes system calls.
// ProgramTemplate holds the per-service part, built once per configuration.
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <string>
#include <vector>

#include "conf/config.hpp"

namespace superd::proc {

/// The per-service, per-configuration part of every spawn of one program.
struct ProgramTemplate {
  const char* path = nullptr;             ///< The file run; points into the ServiceConfig.
  std::vector<char*> argv;                ///< Points into the ServiceConfig; null-terminated.
  std::vector<std::string> fixed_env;     ///< SUPERD_SERVICE, env and passenv entries.
  const conf::Identity* identity = nullptr;
  bool switch_identity =
      false;  ///< True when `user`/`group` differ from superd's and it may switch.
  const char* chroot = nullptr;
  int umask = -1;
  bool has_nice = false;
  int nice = 0;
  struct Rlimit {
    int resource;
    rlimit value;
  };
  std::vector<Rlimit> rlimits;
};

/// Builds the template of `s` for a superd running as `self`; passenv reads
/// superd's environment. The program is `argv` when given (a hub's
/// handler), else the service's `exec`; `argv` must live as long.
ProgramTemplate make_template(const conf::ServiceConfig& s, const conf::Privileges& self,
                              const conf::Argv* argv = nullptr);

/// What the child's environment says about its peer (UCSPI).
struct PeerInfo {
  std::string proto;  ///< "TCP", "UDP" or "UNIX".
  std::string remote_ip, remote_port, local_ip, local_port;
  std::string remote_host;  ///< The client's name (reverse_lookups); empty: none.
  int connnum = 0;     ///< Live connections from this source, this one included; 0: unset.
  bool has_cred = false;
  pid_t pid = 0;
  uid_t uid = 0;
  gid_t gid = 0;
};

/// One spawn: a template plus descriptors and the per-connection environment.
struct SpawnPlan {
  const ProgramTemplate* program = nullptr;
  std::vector<std::string> env;  ///< Storage for envp.
  std::vector<char*> envp;       ///< Null-terminated.
  int fd0 = -1, fd1 = -1, fd2 = -1;  ///< Become the child's 0, 1 and 2.
  int fd3 = -1;  ///< Becomes the child's 3 when set (listen_fds); the rest are closed.
  /// Points at the digits of a "LISTEN_PID=" entry of `env`, which the
  /// child fills with its own pid (unknown before it exists); null when none.
  char* listen_pid = nullptr;
  int max_fd = 1024;             ///< Fallback bound for closing descriptors without close_range.
};

/// Fills `plan.env`/`plan.envp` from the template and the peer.
void build_env(const ProgramTemplate& t, const PeerInfo& peer, SpawnPlan& plan);

/// After build_env: passes `fd` as systemd's socket activation does (as fd 3,
/// with LISTEN_FDS=1, LISTEN_FDNAMES=`name` and LISTEN_PID, set in the child).
void add_listen_fds(SpawnPlan& plan, int fd, const std::string& name);

}  // namespace superd::proc
