// SPDX-License-Identifier: MIT
// The command line (and the library's new args / run args, which use the
// same syntax), parsed with Boost.Program_options from a description that is
// generated from the schema.
#pragma once

#include <string>
#include <vector>

#include "conf/setting.hpp"
#include "superd/diagnostic.hpp"

namespace superd::conf {

/// What the command line asks for besides settings.
struct CommandLine {
  Settings settings;
  bool check = false;
  bool print_config = false;
  bool help = false;
  bool version = false;
  std::string dump_schema;    ///< --dump-schema=man: print the KEYS section and exit.
  std::string inetd_service;  ///< --inetd SERVICE.
  std::string import_inetd;   ///< --import-inetd FILE.
  std::string import_xinetd;  ///< --import-xinetd FILE: print FILE as superd conf and exit.
};

/// Parses `args` (no program name) into settings tagged `layer`. Only the
/// command-line layer may carry actions (--check, --help, ...). Returns false
/// with diagnostics when the arguments cannot be parsed.
bool parse_args(const std::vector<std::string>& args, Layer layer, CommandLine& out,
                std::vector<Diagnostic>& diags);

/// The --help text: usage, actions and every key of the schema.
std::string help_text();

/// Finds `ctl` in `args`: `superd [SETTINGS] ctl [SETTINGS] COMMAND [ARGS]`.
/// Returns false when `args` do not ask for it. Otherwise `settings` gets
/// the settings before COMMAND (parse_args() reads them) and `command` the
/// rest, with --json wherever it was; `help` is set by -h or --help.
bool split_ctl(const std::vector<std::string>& args, std::vector<std::string>& settings,
               std::vector<std::string>& command, bool& help);

/// The usage of `superd ctl`: commands, options, exit codes.
std::string ctl_help_text();

}  // namespace superd::conf
