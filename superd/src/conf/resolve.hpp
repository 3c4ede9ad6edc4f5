// SPDX-License-Identifier: MIT
// Layers -> Config: reads the conf file the layers name, picks the winning
// value of every key (a higher layer replaces a repeatable key's whole list),
// applies them through the schema and validates the result. All or nothing:
// a Config is produced only when there is no error.
#pragma once

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "conf/config.hpp"
#include "conf/setting.hpp"
#include "superd/diagnostic.hpp"

namespace superd::conf {

/// User and group look-ups, made once per load; the seam tests replace.
class UserDb {
 public:
  struct User {
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> groups;
  };
  virtual ~UserDb() = default;
  virtual bool find_user(const std::string& name, User& out) const = 0;
  virtual bool find_group(const std::string& name, gid_t& out) const = 0;
  /// The user superd runs as.
  virtual uid_t effective_uid() const = 0;
};

/// Which socket types a built-in serves, by name.
struct BuiltinInfo {
  bool stream = false;
  bool datagram = false;
};
using BuiltinCatalog = std::map<std::string, BuiltinInfo>;

/// Everything a load reads besides the files themselves.
struct LoadInput {
  Settings args;                        ///< New args, command line and run args (origins say which).
  std::string embedded_conf;            ///< Used when no conf file is named and none exists.
  std::optional<std::string> conf_text; ///< Tests: conf text instead of reading conf_file.
  /// Who superd runs as now and what it may do; after it dropped root, the
  /// Config::self of its first configuration. Unset: root when
  /// UserDb::effective_uid() is 0, else that uid without capabilities.
  std::optional<Privileges> running;
};

/// Builds `out` from every layer. Returns false, with every problem found in
/// `diags`, when the configuration is invalid. Notes (keys accepted but not
/// yet acted on) are added to `diags` without failing. A superd that dropped
/// root into a chroot cannot read its files again: loading then fails.
bool load(const LoadInput& input, const BuiltinCatalog& builtins, const UserDb& users,
          Config& out, std::vector<Diagnostic>& diags);

}  // namespace superd::conf
