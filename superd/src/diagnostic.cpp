// SPDX-License-Identifier: MIT
#include "superd/diagnostic.hpp"

namespace superd {

namespace {

std::string format(const Diagnostic& d, bool with_severity) {
  std::string out;
  if (!d.file.empty()) {
    out = d.file;
    if (d.line > 0) out += ":" + std::to_string(d.line);
    out += ": ";
  }
  if (with_severity && d.severity == Severity::Warning) out += "warning: ";
  if (with_severity && d.severity == Severity::Note) out += "note: ";
  out += d.message;
  if (!d.hint.empty()) out += " (" + d.hint + ")";
  return out;
}

}  // namespace

std::string Diagnostic::str() const { return format(*this, true); }

std::string Diagnostic::located_message() const { return format(*this, false); }

bool has_errors(const std::vector<Diagnostic>& diags) {
  for (const Diagnostic& d : diags)
    if (d.severity == Severity::Error) return true;
  return false;
}

}  // namespace superd
