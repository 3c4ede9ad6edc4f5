// SPDX-License-Identifier: MIT
// The control socket's keys: checked when a configuration loads (an absolute
// path that fits a Unix socket address, used by no service; users that
// exist), and found again by `superd ctl`, which needs only the path and
// must find it even in a conf file that no longer loads.
#pragma once

#include <string>
#include <vector>

#include "conf/config.hpp"
#include "conf/resolve.hpp"
#include "superd/diagnostic.hpp"

namespace superd::conf {

/// Checks control_socket and control_users of `c` and fills
/// GlobalConfig::control_uids. Part of load(), after `metrics` is parsed.
void check_control(Config& c, const UserDb& users, std::vector<Diagnostic>& diags);

/// The control socket `superd ctl` talks to: the highest argument layer of
/// `input` that sets control_socket, else the conf file's (with its
/// includes; the rest of the file is not checked). `path` is left empty when
/// none is set; `conf_path` names the conf file read. Returns false, with
/// the reasons in `diags`, when the conf file had to be read and could not.
bool find_control_socket(const LoadInput& input, std::string& path, std::string& conf_path,
                         std::vector<Diagnostic>& diags);

}  // namespace superd::conf
