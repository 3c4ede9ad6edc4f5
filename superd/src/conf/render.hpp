// SPDX-License-Identifier: MIT
// Text generated from the schema and a Config: --print-config and the KEYS
// section of superd.conf(5).
#pragma once

#include <string>

#include "conf/config.hpp"

namespace superd::conf {

/// The effective configuration as a conf file that reads back as the same
/// configuration, every key annotated with its origin (" ; conf-file F:L").
std::string print_config(const Config& config);

/// The KEYS section of superd.conf(5), in mdoc.
std::string man_keys();

}  // namespace superd::conf
