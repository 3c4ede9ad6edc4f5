// SPDX-License-Identifier: MIT
#include "superd/diagnostic.hpp"

namespace superd {

std::string Diagnostic::str() const {
  std::string out;
  if (!file.empty()) {
    out = file;
    if (line > 0) out += ":" + std::to_string(line);
    out += ": ";
  }
  if (severity == Severity::Warning) out += "warning: ";
  if (severity == Severity::Note) out += "note: ";
  out += message;
  if (!hint.empty()) out += " (" + hint + ")";
  return out;
}

bool has_errors(const std::vector<Diagnostic>& diags) {
  for (const Diagnostic& d : diags)
    if (d.severity == Severity::Error) return true;
  return false;
}

}  // namespace superd
