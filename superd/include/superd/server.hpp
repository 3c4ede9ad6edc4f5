// SPDX-License-Identifier: MIT
// superd::Server, the library's entry point: the daemon's main() and any
// program embedding the supervisor use the same class.
//
//   superd::Server server({"--log_level=3"});     // new args: highest layer
//   server.add_builtin(my_service);               // custom built-in
//   return server.run(argc, argv, {"include=/etc/app/*.conf"});
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "superd/builtin.hpp"

namespace superd {

/// Exit codes of run(); documented in superd(8), EXIT STATUS.
enum ExitCode : int {
  kExitOk = 0,          ///< Success, or --check found no problem.
  kExitConfig = 1,      ///< The configuration was rejected; `superd ctl`: the command failed.
  kExitRefused = 2,     ///< --inetd: access rules or a limit refused the peer;
                        ///< `superd ctl`: superd closed the connection without an answer.
  kExitNoControl = 3,   ///< `superd ctl`: no control socket is configured.
  kExitUsage = 100,     ///< The command line could not be parsed.
  kExitSystem = 111,    ///< A system call failed at start (bind, ...).
};

/// The supervisor: configuration layers, endpoints, built-ins, programs.
class Server {
 public:
  /// `new_args` is the highest configuration layer, written like command-line
  /// arguments: "--KEY=VALUE", "KEY=VALUE", "--SERVICE.KEY=VALUE".
  explicit Server(std::vector<std::string> new_args = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Adds a built-in service, usable as `builtin = NAME`.
  /// Throws std::invalid_argument when the name is taken or not valid.
  void add_builtin(Builtin builtin);

  /// Parses the command line, resolves every layer (new args, command line,
  /// `run_args`, conf file, defaults) and runs until stopped. Returns an
  /// ExitCode. `run_args` uses the same syntax as `new_args`.
  int run(int argc, const char* const* argv, std::vector<std::string> run_args = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace superd
