// SPDX-License-Identifier: MIT
// Diagnostic: one problem found in configuration or command-line input, with
// the place it came from, so every tool (--check, start-up, reload) reports it
// the same way: "superd.conf:12: unknown key 'prot' (did you mean 'port'?)".
#pragma once

#include <string>
#include <vector>

namespace superd {

/// How serious a diagnostic is: errors reject the configuration, notes do not.
enum class Severity { Error, Warning, Note };

/// One problem in the input, located as precisely as the input allows.
struct Diagnostic {
  Severity severity = Severity::Error;
  std::string file;     ///< Conf file path, or "command line", "new args", "run args"; may be empty.
  int line = 0;         ///< 1-based line in `file`; 0 when not from a file.
  std::string section;  ///< Service name; empty for global settings.
  std::string key;      ///< Configuration key; may be empty.
  std::string message;  ///< What is wrong.
  std::string hint;     ///< What would be valid ("did you mean 'port'?"); may be empty.

  /// "file:line: message (hint)", the one format every diagnostic is shown in,
  /// with "warning: " or "note: " before the message when it is not an error.
  std::string str() const;
  /// str() without the severity word, for a log line that names its level itself.
  std::string located_message() const;
};

/// True when any diagnostic in the list is an error.
bool has_errors(const std::vector<Diagnostic>& diags);

}  // namespace superd
