// SPDX-License-Identifier: MIT
#include "core/reload_plan.hpp"

#include <algorithm>
#include <map>

namespace superd::core {

namespace {

using Sockets = std::map<std::string, SocketPlan>;

Sockets sockets_of(const conf::Config& c, bool v6only_default) {
  Sockets out;
  for (const conf::ServiceConfig& s : c.services) {
    if (s.disabled) continue;
    for (const net::Endpoint& e : s.endpoints) {
      std::string id = net::endpoint_identity(e, v6only_default);
      out.emplace(id, SocketPlan{id, e, conf::listen_options(s), s.name, {}});
    }
  }
  return out;
}

std::vector<std::string> option_changes(const net::ListenOptions& a, const net::ListenOptions& b,
                                        const net::Endpoint& e) {
  std::vector<std::string> what;
  if (a.backlog != b.backlog) what.push_back("listen");
  if (e.unix_domain()) {
    if (a.mode != b.mode) what.push_back("socket_mode");
    if (a.uid != b.uid) what.push_back("socket_owner");
    if (a.gid != b.gid) what.push_back("socket_group");
  }
  for (std::string& key : net::changed_socket_options(a, b, e)) what.push_back(std::move(key));
  return what;
}

// "tcp 127.0.0.1:7 reuseport" -> "tcp 127.0.0.1:7": the address, which two
// sockets of one superd cannot both hold. Unix paths may contain blanks.
std::string address_of(const std::string& identity) {
  if (identity.rfind("tcp ", 0) != 0 && identity.rfind("udp ", 0) != 0) return identity;
  return identity.substr(0, identity.find(' ', 4));
}

using ByName = std::map<std::string, const conf::ServiceConfig*>;

// The enabled services of `c` by name (900 services: no quadratic look-ups).
ByName enabled_services(const conf::Config& c) {
  ByName out;
  for (const conf::ServiceConfig& s : c.services)
    if (!s.disabled) out.emplace(s.name, &s);
  return out;
}

// Keys whose effective text differs, in schema order of the listing; the
// resolved identity counts too (a user whose uid changed in the passwd file).
std::vector<std::string> changed_keys(const conf::Config& before, const conf::Config& after,
                                      const conf::ServiceConfig& a, const conf::ServiceConfig& b) {
  std::vector<std::string> keys;
  std::vector<std::string_view> ka = before.shown.keys(a.name), kb = after.shown.keys(b.name);
  for (std::string_view key : kb) {
    auto va = before.shown.find(a.name, key), vb = after.shown.find(b.name, key);
    if (!va || va->texts != vb->texts) keys.emplace_back(key);
  }
  for (std::string_view key : ka)
    if (!std::binary_search(kb.begin(), kb.end(), key)) keys.emplace_back(key);
  const conf::Identity &ia = a.identity, &ib = b.identity;
  bool ids_differ = ia.set != ib.set || ia.uid != ib.uid || ia.gid != ib.gid || ia.groups != ib.groups ||
                    a.socket_uid != b.socket_uid || a.socket_gid != b.socket_gid;
  if (ids_differ && keys.empty()) keys.push_back("user");
  // The same file names may hold renewed certificates (certbot): the
  // service is made anew with the new context; live sessions keep the old.
  if (a.tls && b.tls && a.tls->fingerprint() != b.tls->fingerprint() && keys.empty()) keys.push_back("tls_cert");
  // The same text can name another socket: a service name in /etc/services.
  std::vector<std::string> ea, eb;
  for (const net::Endpoint& e : a.endpoints) ea.push_back(net::endpoint_identity(e));
  for (const net::Endpoint& e : b.endpoints) eb.push_back(net::endpoint_identity(e));
  if (ea != eb && keys.empty()) keys.push_back("port");
  return keys;
}

}  // namespace

ReloadPlan plan_reload(const conf::Config& before, const conf::Config& after, bool v6only_default) {
  ReloadPlan plan;
  Sockets old_sockets = sockets_of(before, v6only_default);
  Sockets new_sockets = sockets_of(after, v6only_default);
  for (const auto& [id, wanted] : new_sockets) {
    auto it = old_sockets.find(id);
    if (it == old_sockets.end()) {
      SocketPlan fresh = wanted;
      for (const auto& [old_id, old] : old_sockets)
        if (!new_sockets.count(old_id) && address_of(old_id) == address_of(id))
          fresh.replaces.push_back(old);
      plan.bind.push_back(std::move(fresh));
      continue;
    }
    if (net::needs_new_socket(it->second.options, wanted.options, wanted.endpoint)) {
      SocketPlan fresh = wanted;
      fresh.replaces.push_back(it->second);
      plan.bind.push_back(std::move(fresh));
      continue;
    }
    plan.keep.push_back(wanted);
    auto what = option_changes(it->second.options, wanted.options, wanted.endpoint);
    if (!what.empty()) plan.reconfigure.push_back(OptionChange{wanted, it->second.options, what});
  }
  for (const auto& [id, old] : old_sockets)
    if (!new_sockets.count(id)) plan.close.push_back(old);
  ByName old_services = enabled_services(before), new_services = enabled_services(after);
  for (const conf::ServiceConfig& s : after.services) {
    if (s.disabled) continue;
    auto old = old_services.find(s.name);
    if (old == old_services.end()) {
      plan.added.push_back(s.name);
      continue;
    }
    auto keys = changed_keys(before, after, *old->second, s);
    if (keys.empty()) plan.unchanged.push_back(s.name);
    else plan.changed.emplace_back(s.name, std::move(keys));
  }
  for (const conf::ServiceConfig& s : before.services)
    if (!s.disabled && !new_services.count(s.name)) plan.removed.push_back(s.name);
  return plan;
}

}  // namespace superd::core
