// SPDX-License-Identifier: MIT
// Helpers for the tests of the control socket: `superd ctl` run as a real
// client, and a conf head that turns the socket on in the test's directory.
#pragma once

#include <string>
#include <vector>

#include "running.hpp"

namespace superd::test {

/// The conf line that puts the control socket at @DIR@/ctl.
inline const std::string kControlLine = "control_socket = @DIR@/ctl\n";

/// The control socket of `r`.
inline std::string control_path(const Running& r) { return r.dir.path() + "/ctl"; }

/// Runs `superd ctl ARGS...` against `r`'s conf file (which names the socket).
inline RunResult ctl(const Running& r, std::vector<std::string> args, double timeout = 20) {
  std::vector<std::string> argv{SUPERD_BINARY, "-c", r.dir.path() + "/superd.conf", "ctl"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, "", timeout);
}

/// The first line of `text` that starts with `prefix`; "" when none does.
inline std::string line_starting(const std::string& text, const std::string& prefix) {
  for (std::size_t at = 0; at < text.size();) {
    std::size_t end = text.find('\n', at);
    if (end == std::string::npos) end = text.size();
    if (text.compare(at, prefix.size(), prefix) == 0) return text.substr(at, end - at);
    at = end + 1;
  }
  return "";
}

}  // namespace superd::test
