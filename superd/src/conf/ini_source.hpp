// SPDX-License-Identifier: MIT
// The conf file reader: INI syntax through inih, plus superd's own rules
// (line numbers on every setting, `include` globs, no continuation lines,
// lines up to 64 KiB, section names checked, regular files up to 16 MiB).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "conf/setting.hpp"
#include "superd/diagnostic.hpp"

namespace superd::conf {

/// The longest line a conf file may have, in bytes (without the newline).
constexpr std::size_t kMaxLineLength = 64 * 1024;

/// The largest conf file read, in bytes; each included file may be as large.
constexpr std::size_t kMaxConfFileSize = 16 * 1024 * 1024;

/// Reads the regular file at `path` whole into `text` without blocking;
/// returns why it cannot ("a directory, not a regular file", over the cap), or "".
std::string read_regular_file(const std::string& path, std::string& text);

/// Reads the conf file at `path` and the files it includes, appending its settings.
/// Only regular files are read, never blocking; anything else is an error.
void read_conf_file(const std::string& path, Settings& out, std::vector<Diagnostic>& diags);

/// Parses conf text held in memory as if read from a file named `name`;
/// `include` globs resolve relative to the directory of `name`.
void parse_string(std::string_view text, const std::string& name, Settings& out,
                  std::vector<Diagnostic>& diags);

/// True when `name` can name a service section: letters, digits, '_' and '-', at most 64.
bool valid_service_name(std::string_view name);

}  // namespace superd::conf
