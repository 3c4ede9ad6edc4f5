// SPDX-License-Identifier: MIT
// The client half of `superd ctl`: sends one request to the control socket,
// prints the answer (stdout when it is "ok", or always for --json; stderr
// otherwise) and maps what happened to an exit code.
#pragma once

#include <string>

#include "core/control_request.hpp"

namespace superd::core {

/// Asks the superd listening on `path` (found through `conf_path`, named in
/// messages) and prints its answer. Returns kExitOk, kExitConfig when superd
/// answered that the command failed, kExitRefused when it closed the
/// connection unanswered (a uid it does not allow), kExitSystem when it
/// cannot be reached or does not answer.
int control_client(const std::string& path, const std::string& conf_path, const ControlRequest& request);

}  // namespace superd::core
