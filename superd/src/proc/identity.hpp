// SPDX-License-Identifier: MIT
// The system's user database behind conf::UserDb: getpwnam/getgrnam and
// getgrouplist, called only while a configuration loads, never in a child.
#pragma once

#include "conf/resolve.hpp"

namespace superd::proc {

/// UserDb backed by NSS (/etc/passwd, /etc/group, ...).
class SystemUserDb : public conf::UserDb {
 public:
  bool find_user(const std::string& name, User& out) const override;
  bool find_group(const std::string& name, gid_t& out) const override;
  uid_t effective_uid() const override;
};

}  // namespace superd::proc
