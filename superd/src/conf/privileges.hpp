// SPDX-License-Identifier: MIT
// What superd itself may do -- the user it runs as and the Linux capabilities
// it holds -- and what each service needs of it. Plain data and pure
// functions: a load checks a configuration against them and decides what
// superd keeps when it drops root; proc/privileges applies that with libcap.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace superd::conf {

struct Identity;
struct ServiceConfig;

/// A Linux capability superd may keep after it drops root.
enum class Cap { NetBindService, Setuid, Setgid, Kill, Chown, SysChroot, NetAdmin };
inline constexpr int kCapCount = 7;

/// A set of Caps; no libcap in conf/.
class CapSet {
 public:
  CapSet() = default;
  CapSet(std::initializer_list<Cap> caps) {
    for (Cap c : caps) add(c);
  }
  bool has(Cap c) const { return bits_ & bit(c); }
  void add(Cap c) { bits_ |= bit(c); }
  bool empty() const { return bits_ == 0; }
  /// The members of this set missing from `other`.
  CapSet minus(CapSet other) const { return CapSet(bits_ & ~other.bits_); }
  /// The members, in Cap order.
  std::vector<Cap> list() const;
  bool operator==(const CapSet&) const = default;

 private:
  explicit CapSet(std::uint32_t bits) : bits_(bits) {}
  static std::uint32_t bit(Cap c) { return 1u << static_cast<int>(c); }
  std::uint32_t bits_ = 0;
};

/// The kernel's name of `c`: "CAP_NET_BIND_SERVICE".
const char* cap_name(Cap c);
/// "CAP_SETUID, CAP_SETGID and CAP_KILL"; "no capability" when empty.
std::string describe(CapSet caps);

/// Who superd runs as and what it may do: as it runs now (the input of a
/// load), or as it serves a configuration (Config::self).
struct Privileges {
  bool root = false;     ///< uid 0 and nothing dropped: superd may do anything.
  bool dropped = false;  ///< Dropped from root at start: `caps` are fixed until a restart.
  std::string user;      ///< The global `user` superd dropped to; empty unless `dropped`.
  std::string group;     ///< The global `group`, as written; may be empty.
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;  ///< Supplementary groups.
  std::string chroot;         ///< Directory superd confined itself to; empty: none.
  CapSet caps;                ///< Held, permitted and effective; not consulted when `root`.

  /// True when superd may start programs as other users.
  bool can_switch_users() const { return root || (caps.has(Cap::Setuid) && caps.has(Cap::Setgid)); }
};

/// A capability a service needs from superd, and the key that needs it.
struct Need {
  Cap cap;
  const char* key;
};

/// True when a program run as `id` must switch from superd's identity `self`.
bool switches_identity(const Identity& id, const Privileges& self);
/// What service `s` needs from a superd that runs as `self` and is not root:
/// for a program, switching users (CAP_SETUID, CAP_SETGID, and CAP_KILL to
/// stop it) and chroot (CAP_SYS_CHROOT); socket_owner and socket_group
/// (CAP_CHOWN) and mark (CAP_NET_ADMIN, for sockets bound on a reload) for
/// any service.
std::vector<Need> service_needs(const ServiceConfig& s, const Privileges& self);
/// What superd keeps when it drops root to `self`: CAP_NET_BIND_SERVICE, for
/// ports below 1024 on a reload, and what the enabled services need.
CapSet kept_capabilities(const std::vector<ServiceConfig>& services, const Privileges& self);

}  // namespace superd::conf
