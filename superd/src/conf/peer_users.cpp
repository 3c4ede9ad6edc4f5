// SPDX-License-Identifier: MIT
// allow_users / allow_groups: which local users may connect to a service's
// Unix stream sockets. Names are resolved once, when the configuration
// loads (never on a connection); numbers are taken as they are, so a uid
// without a passwd entry can be named too. The rules are refused where
// superd never sees a connection to check: no Unix stream endpoint, or a
// wait-mode program that accepts for itself.
#include <cctype>
#include <string>

#include "conf/checker.hpp"

namespace superd::conf {

namespace {

bool all_digits(const std::string& s) {
  if (s.empty() || s.size() > 10) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return std::stoul(s) <= 0xfffffffeUL;  // (uid_t)-1 means "no id"
}

// Set in the service's own section (or on the command line for it), not only inherited.
bool set_here(const Checker& ck, const char* key) {
  std::optional<ShownValue> v = ck.shown(key);
  return v && !v->inherited && v->origin.layer != Layer::Default;
}

void check_applies(Checker& ck, const char* key) {
  bool unix_stream = false;
  for (const net::Endpoint& e : ck.s.endpoints) unix_stream |= e.unix_domain() && e.stream();
  if (!set_here(ck, key)) return;
  if (!unix_stream) {
    ck.error(key, "'" + std::string(key) + "' applies to Unix stream endpoints only, and the service has none",
             "TCP clients are checked with allow, deny, cidr_allow and cidr_deny");
  } else if (ck.s.builtin.empty() && ck.s.wait.value_or(false)) {
    ck.error(key, "'" + std::string(key) + "' cannot be checked in wait mode: the program accepts the "
                      "connections itself and superd never sees them",
             "use wait = no, or socket_mode, socket_owner and socket_group on the socket file");
  }
}

}  // namespace

void check_peer_users(Checker& ck, const UserDb& users) {
  ServiceConfig& s = ck.s;
  net::PeerUsers& p = s.peer_users;
  p = {};
  for (std::size_t i = 0; i < s.allow_users.size(); ++i) {
    const std::string& name = s.allow_users[i];
    UserDb::User u;
    if (all_digits(name)) p.uids.push_back(static_cast<uid_t>(std::stoul(name)));
    else if (users.find_user(name, u)) p.uids.push_back(u.uid);
    else ck.error("allow_users", i, "allow_users: unknown user '" + name + "' (a user name or a numeric uid)");
  }
  for (std::size_t i = 0; i < s.allow_groups.size(); ++i) {
    const std::string& name = s.allow_groups[i];
    gid_t gid = 0;
    if (all_digits(name)) p.gids.push_back(static_cast<gid_t>(std::stoul(name)));
    else if (users.find_group(name, gid)) p.gids.push_back(gid);
    else ck.error("allow_groups", i, "allow_groups: unknown group '" + name + "' (a group name or a numeric gid)");
  }
  if (!s.allow_users.empty()) check_applies(ck, "allow_users");
  if (!s.allow_groups.empty()) check_applies(ck, "allow_groups");
}

}  // namespace superd::conf
