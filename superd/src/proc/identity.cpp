// SPDX-License-Identifier: MIT
#include "proc/identity.hpp"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

namespace superd::proc {

namespace {
// "1000" names a uid or gid directly, as chown(1) accepts.
bool numeric_id(const std::string& s, unsigned long& out) {
  if (s.empty() || s.size() > 10) return false;
  char* end = nullptr;
  out = std::strtoul(s.c_str(), &end, 10);
  return *end == '\0';
}
}  // namespace

bool SystemUserDb::find_user(const std::string& name, User& out) const {
  auto it = users_.find(name);
  if (it == users_.end()) {
    User u;
    it = users_.emplace(name, lookup_user(name, u) ? std::optional<User>(u) : std::nullopt).first;
  }
  if (it->second) out = *it->second;
  return it->second.has_value();
}

bool SystemUserDb::lookup_user(const std::string& name, User& out) const {
  passwd pw, *res = nullptr;
  std::vector<char> buf(16384);
  unsigned long id = 0;
  if (numeric_id(name, id)) getpwuid_r(static_cast<uid_t>(id), &pw, buf.data(), buf.size(), &res);
  else getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &res);
  if (!res) return false;
  out.uid = pw.pw_uid;
  out.gid = pw.pw_gid;
  int n = 64;
  std::vector<gid_t> groups(static_cast<std::size_t>(n));
  if (getgrouplist(pw.pw_name, pw.pw_gid, groups.data(), &n) < 0) {
    groups.resize(static_cast<std::size_t>(n));
    getgrouplist(pw.pw_name, pw.pw_gid, groups.data(), &n);
  }
  groups.resize(static_cast<std::size_t>(n));
  out.groups = std::move(groups);
  return true;
}

bool SystemUserDb::find_group(const std::string& name, gid_t& out) const {
  auto it = groups_.find(name);
  if (it == groups_.end()) {
    std::optional<gid_t> found;
    unsigned long id = 0;
    if (numeric_id(name, id)) {
      found = static_cast<gid_t>(id);
    } else {
      group gr, *res = nullptr;
      std::vector<char> buf(16384);
      getgrnam_r(name.c_str(), &gr, buf.data(), buf.size(), &res);
      if (res) found = gr.gr_gid;
    }
    it = groups_.emplace(name, found).first;
  }
  if (it->second) out = *it->second;
  return it->second.has_value();
}

uid_t SystemUserDb::effective_uid() const { return geteuid(); }

}  // namespace superd::proc
