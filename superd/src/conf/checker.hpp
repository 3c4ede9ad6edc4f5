// SPDX-License-Identifier: MIT
// Checker: a service's whole-service checks in progress, with errors located
// at the key (or the value of a repeatable key) they are about. Shared by the
// parts of load() that check one service (validate.cpp, peer_users.cpp).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "conf/config.hpp"
#include "conf/resolve.hpp"

namespace superd::conf {

/// Checks of one service, collecting located diagnostics.
struct Checker {
  ServiceConfig& s;
  const Config& c;
  std::vector<Diagnostic>& diags;
  bool ok = true;

  std::optional<ShownValue> shown(const std::string& key) const { return c.shown.find(s.name, key); }
  /// Where `key` was set, or the first place the section was set at all.
  Origin origin(const std::string& key) const {
    if (std::optional<ShownValue> v = shown(key)) return v->origin;
    Origin best;
    for (const Origin& o : c.shown.own_origins(s.name))
      if (best.layer == Layer::Default || o.layer < best.layer ||
          (o.layer == best.layer && o.file == best.file && o.line < best.line))
        best = o;
    return best;
  }
  void error(const std::string& key, std::string message, std::string hint = {}) {
    error_at(origin(key), key, std::move(message), std::move(hint));
  }
  /// Error about the `index`-th value of a repeatable key, located at that value.
  void error(const std::string& key, std::size_t index, std::string message) {
    std::optional<ShownValue> v = shown(key);
    error_at(v && index < v->origins.size() ? v->origins[index] : origin(key), key,
             std::move(message), {});
  }
  void error_at(const Origin& o, const std::string& key, std::string message, std::string hint) {
    diags.push_back(diagnostic_at(o, s.name, key, "service '" + s.name + "': " + std::move(message),
                                  std::move(hint)));
    ok = false;
  }
};

/// allow_users / allow_groups: names or numbers resolved to ids, each set
/// only where a Unix stream endpoint served by superd can use it.
void check_peer_users(Checker& ck, const UserDb& users);

/// tcpmux_name: a name TCPMUX clients can send, on a service that can take
/// a connection handed over.
void check_tcpmux_name(Checker& ck);
/// builtin = hub: hub_protocol, hub_handler and max_message make sense
/// together, and a handler program names its user when superd is root.
void check_hub(Checker& ck, const Privileges& running);
/// No two services answer to the same TCPMUX name (in any case).
void check_tcpmux_clashes(const Config& c, std::vector<Diagnostic>& diags);

}  // namespace superd::conf
