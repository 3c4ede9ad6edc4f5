// SPDX-License-Identifier: MIT
// The system's user database behind conf::UserDb: getpwnam/getgrnam and
// getgrouplist, called only while a configuration loads, never in a child.
#pragma once

#include <map>
#include <optional>

#include "conf/resolve.hpp"

namespace superd::proc {

/// UserDb backed by NSS (/etc/passwd, /etc/group, ...). Answers are cached for
/// the life of the object, one configuration load: 900 services naming the same
/// user cost one look-up.
class SystemUserDb : public conf::UserDb {
 public:
  bool find_user(const std::string& name, User& out) const override;
  bool find_group(const std::string& name, gid_t& out) const override;
  uid_t effective_uid() const override;

 private:
  bool lookup_user(const std::string& name, User& out) const;
  mutable std::map<std::string, std::optional<User>> users_;
  mutable std::map<std::string, std::optional<gid_t>> groups_;
};

}  // namespace superd::proc
