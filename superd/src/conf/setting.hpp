// SPDX-License-Identifier: MIT
// Setting: one KEY=VALUE as given by some layer, with where it came from.
#pragma once

#include <string>
#include <vector>

#include "superd/diagnostic.hpp"

namespace superd::conf {

/// The five configuration layers, highest precedence first.
enum class Layer { NewArgs, CommandLine, RunArgs, ConfFile, Default };

/// Where a value came from; `file`/`line` only for conf-file values.
struct Origin {
  Layer layer = Layer::Default;
  std::string file;
  int line = 0;
  /// "new-args", "command-line", "run-args", "conf-file FILE:LINE" or "default".
  std::string str() const;
  /// Place prefix for diagnostics: "FILE" and line, or the layer's name.
  std::string place() const;
};

/// One value of one key; `section` is empty for global keys.
struct Setting {
  std::string section;
  std::string key;
  std::string text;
  Origin origin;
};

using Settings = std::vector<Setting>;

/// An error located at `origin`: its file and line, or the layer's name.
Diagnostic diagnostic_at(const Origin& origin, std::string section, std::string key,
                         std::string message, std::string hint = {});

}  // namespace superd::conf
