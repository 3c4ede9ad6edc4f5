// SPDX-License-Identifier: MIT
#include "conf/setting.hpp"

namespace superd::conf {

std::string Origin::place() const {
  switch (layer) {
    case Layer::NewArgs: return "new args";
    case Layer::CommandLine: return "command line";
    case Layer::RunArgs: return "run args";
    case Layer::ConfFile: return file;
    case Layer::Default: break;
  }
  return "default";
}

std::string Origin::str() const {
  switch (layer) {
    case Layer::NewArgs: return "new-args";
    case Layer::CommandLine: return "command-line";
    case Layer::RunArgs: return "run-args";
    case Layer::ConfFile: return "conf-file " + file + ":" + std::to_string(line);
    case Layer::Default: break;
  }
  return "default";
}

Diagnostic diagnostic_at(const Origin& origin, std::string section, std::string key,
                         std::string message, std::string hint) {
  Diagnostic d;
  d.file = origin.place();
  d.line = origin.line;
  d.section = std::move(section);
  d.key = std::move(key);
  d.message = std::move(message);
  d.hint = std::move(hint);
  return d;
}

}  // namespace superd::conf
