// SPDX-License-Identifier: MIT
#include "conf/privileges.hpp"

#include <algorithm>

#include "conf/config.hpp"

namespace superd::conf {

std::vector<Cap> CapSet::list() const {
  std::vector<Cap> out;
  for (int i = 0; i < kCapCount; ++i)
    if (has(static_cast<Cap>(i))) out.push_back(static_cast<Cap>(i));
  return out;
}

const char* cap_name(Cap c) {
  static const char* const kNames[kCapCount] = {
      "CAP_NET_BIND_SERVICE", "CAP_SETUID", "CAP_SETGID", "CAP_KILL", "CAP_CHOWN",
      "CAP_SYS_CHROOT", "CAP_NET_ADMIN"};
  return kNames[static_cast<int>(c)];
}

std::string describe(CapSet caps) {
  std::vector<Cap> all = caps.list();
  if (all.empty()) return "no capability";
  std::string out;
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (i > 0) out += i + 1 == all.size() ? " and " : ", ";
    out += cap_name(all[i]);
  }
  return out;
}

bool switches_identity(const Identity& id, const Privileges& self) {
  if (!id.set) return false;
  if (self.root) return true;  // root always sets the program's identity, even its own
  if (id.uid != self.uid || id.gid != self.gid) return true;
  // setgroups() needs CAP_SETGID even to set the same list: compare as sets.
  std::vector<gid_t> a = id.groups, b = self.groups;
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  a.erase(std::unique(a.begin(), a.end()), a.end());
  b.erase(std::unique(b.begin(), b.end()), b.end());
  return a != b;
}

std::vector<Need> service_needs(const ServiceConfig& s, const Privileges& self) {
  std::vector<Need> out;
  Privileges as_user = self;
  as_user.root = false;
  // A built-in runs inside superd: its user and chroot never apply.
  bool program = s.builtin.empty();
  if (program && switches_identity(s.identity, as_user)) {
    const char* key = s.user.empty() ? "group" : "user";
    for (Cap c : {Cap::Setuid, Cap::Setgid, Cap::Kill}) out.push_back({c, key});
  }
  if (program && !s.chroot.empty()) out.push_back({Cap::SysChroot, "chroot"});
  if (!s.socket_owner.empty()) out.push_back({Cap::Chown, "socket_owner"});
  if (!s.socket_group.empty()) out.push_back({Cap::Chown, "socket_group"});
  if (s.mark.value != 0) out.push_back({Cap::NetAdmin, "mark"});
  return out;
}

CapSet kept_capabilities(const std::vector<ServiceConfig>& services, const Privileges& self) {
  CapSet kept{Cap::NetBindService};
  for (const ServiceConfig& s : services)
    if (!s.disabled)
      for (const Need& n : service_needs(s, self)) kept.add(n.cap);
  return kept;
}

}  // namespace superd::conf
