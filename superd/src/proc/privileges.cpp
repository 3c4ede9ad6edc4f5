// SPDX-License-Identifier: MIT
#include "proc/privileges.hpp"

#include <grp.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>

#include "sys/errno_error.hpp"

namespace superd::proc {

namespace {

cap_value_t to_cap(conf::Cap c) {
  switch (c) {
    case conf::Cap::NetBindService:
      return CAP_NET_BIND_SERVICE;
    case conf::Cap::Setuid:
      return CAP_SETUID;
    case conf::Cap::Setgid:
      return CAP_SETGID;
    case conf::Cap::Kill:
      return CAP_KILL;
    case conf::Cap::Chown:
      return CAP_CHOWN;
    case conf::Cap::SysChroot:
      return CAP_SYS_CHROOT;
    case conf::Cap::NetAdmin:
      return CAP_NET_ADMIN;
  }
  return CAP_NET_BIND_SERVICE;
}

// Sets exactly `keep` as permitted and effective, nothing inheritable, and
// clears the ambient set, so that no program superd starts inherits any.
bool set_capabilities(conf::CapSet keep, std::string& error) {
  std::vector<cap_value_t> values;
  for (conf::Cap c : keep.list()) values.push_back(to_cap(c));
  cap_t caps = cap_init();
  if (!caps) return error = sys::describe_errno("cap_init", "", errno), false;
  int n = static_cast<int>(values.size());
  int rc = n == 0 ? 0 : cap_set_flag(caps, CAP_PERMITTED, n, values.data(), CAP_SET);
  if (rc == 0 && n > 0) rc = cap_set_flag(caps, CAP_EFFECTIVE, n, values.data(), CAP_SET);
  if (rc == 0) rc = cap_set_proc(caps);
  int err = errno;
  cap_free(caps);
  if (rc != 0) return error = sys::describe_errno("cap_set_proc", conf::describe(keep), err), false;
  if (CAP_AMBIENT_SUPPORTED() && cap_reset_ambient() != 0)
    return error = sys::describe_errno("cap_reset_ambient", "", errno), false;
  return true;
}

std::string ids(const conf::Privileges& p) {
  return "user " + p.user + " (uid " + std::to_string(p.uid) + ", gid " + std::to_string(p.gid) +
         ")";
}

}  // namespace

conf::Privileges current_privileges() {
  conf::Privileges p;
  p.uid = ::geteuid();
  p.gid = ::getegid();
  p.root = p.uid == 0;
  int n = ::getgroups(0, nullptr);
  if (n > 0) {
    p.groups.resize(static_cast<std::size_t>(n));
    n = ::getgroups(n, p.groups.data());
    p.groups.resize(static_cast<std::size_t>(n < 0 ? 0 : n));
  }
  if (cap_t caps = cap_get_proc()) {
    for (int i = 0; i < conf::kCapCount; ++i) {
      cap_flag_value_t v = CAP_CLEAR;
      auto c = static_cast<conf::Cap>(i);
      if (cap_get_flag(caps, to_cap(c), CAP_EFFECTIVE, &v) == 0 && v == CAP_SET) p.caps.add(c);
    }
    cap_free(caps);
  }
  return p;
}

bool drop_privileges(const conf::Privileges& self, log::Logger& log, std::string& error) {
  if (!self.dropped || ::geteuid() != 0) return true;
  auto fail = [&error](const char* call, const std::string& object) {
    error = sys::describe_errno(call, object, errno);
    return false;
  };
  if (::setgroups(self.groups.size(), self.groups.data()) != 0) return fail("setgroups", self.user);
  if (::setresgid(self.gid, self.gid, self.gid) != 0)
    return fail("setresgid", std::to_string(self.gid));
  // chroot() needs CAP_SYS_CHROOT: done while superd is still root.
  if (!self.chroot.empty()) {
    if (::chroot(self.chroot.c_str()) != 0) return fail("chroot", self.chroot);
    if (::chdir("/") != 0) return fail("chdir", "/ in " + self.chroot);
  }
  // Without KEEPCAPS, leaving uid 0 empties the permitted set; with it, only
  // the effective set is emptied, and set_capabilities() restores part of it.
  if (::prctl(PR_SET_KEEPCAPS, 1L, 0L, 0L, 0L) != 0) return fail("prctl", "PR_SET_KEEPCAPS");
  if (::setresuid(self.uid, self.uid, self.uid) != 0)
    return fail("setresuid", std::to_string(self.uid));
  if (!set_capabilities(self.caps, error)) return false;
  if (::prctl(PR_SET_KEEPCAPS, 0L, 0L, 0L, 0L) != 0) return fail("prctl", "PR_SET_KEEPCAPS");
  log.log(log::kNotice, "dropped privileges: running as " + ids(self) + ", keeping " +
                            conf::describe(self.caps) +
                            (self.chroot.empty() ? "" : ", confined to " + self.chroot));
  return true;
}

}  // namespace superd::proc
