// SPDX-License-Identifier: MIT
#include "conf/control_keys.hpp"

#include <sys/stat.h>
#include <sys/un.h>

#include <algorithm>
#include <cctype>

#include "conf/ini_source.hpp"
#include "conf/schema.hpp"

namespace superd::conf {

namespace {

// Where the `index`-th value of global `key` was set.
Origin origin_of(const Config& c, const std::string& key, std::size_t index = 0) {
  std::optional<ShownValue> v = c.shown.find("", key);
  if (!v) return {};
  return index < v->origins.size() ? v->origins[index] : v->origin;
}

bool all_digits(const std::string& s) {
  return !s.empty() && s.size() <= 10 &&
         std::all_of(s.begin(), s.end(), [](char ch) { return std::isdigit(static_cast<unsigned char>(ch)); });
}

void check_path(const Config& c, std::vector<Diagnostic>& diags) {
  const std::string& path = c.global.control_socket;
  Origin at = origin_of(c, "control_socket");
  if (path[0] != '/') {
    diags.push_back(diagnostic_at(at, "", "control_socket",
                                  "control_socket '" + path + "' must be an absolute path",
                                  "e.g. /run/superd/control"));
    return;
  }
  if (path.size() >= sizeof(sockaddr_un{}.sun_path)) {
    diags.push_back(diagnostic_at(at, "", "control_socket",
                                  "control_socket '" + path + "' is longer than a Unix socket path may be (" +
                                      std::to_string(sizeof(sockaddr_un{}.sun_path) - 1) + " bytes)"));
    return;
  }
  const auto& metrics = c.global.metrics_endpoint;
  if (metrics && metrics->unix_domain() && metrics->host == path)
    diags.push_back(diagnostic_at(at, "", "control_socket",
                                  "control_socket '" + path + "' is also the metrics endpoint"));
  for (const ServiceConfig& s : c.services) {
    if (s.disabled) continue;
    for (const net::Endpoint& e : s.endpoints)
      if (e.unix_domain() && e.host == path)
        diags.push_back(diagnostic_at(at, "", "control_socket",
                                      "control_socket '" + path + "' is also an endpoint of service '" +
                                          s.name + "'"));
  }
}

}  // namespace

void check_control(Config& c, const UserDb& users, std::vector<Diagnostic>& diags) {
  GlobalConfig& g = c.global;
  if (!g.control_socket.empty()) check_path(c, diags);
  g.control_uids.clear();
  for (std::size_t i = 0; i < g.control_users.size(); ++i) {
    const std::string& name = g.control_users[i];
    if (all_digits(name)) {
      g.control_uids.push_back(static_cast<uid_t>(std::stoul(name)));
      continue;
    }
    UserDb::User u;
    if (users.find_user(name, u)) {
      g.control_uids.push_back(u.uid);
      continue;
    }
    diags.push_back(diagnostic_at(origin_of(c, "control_users", i), "", "control_users",
                                  "control_users: unknown user '" + name + "'",
                                  "a user name or a numeric uid"));
  }
}

bool find_control_socket(const LoadInput& input, std::string& path, std::string& conf_path,
                         std::vector<Diagnostic>& diags) {
  path.clear();
  const Setting* best = nullptr;
  const Setting* named = nullptr;  // conf_file
  for (const Setting& s : input.args) {
    if (!s.section.empty()) continue;
    if (s.key == "control_socket" && (!best || s.origin.layer < best->origin.layer)) best = &s;
    if (s.key == "conf_file" && (!named || s.origin.layer < named->origin.layer)) named = &s;
  }
  conf_path = named ? named->text : default_conf_path();
  if (best) {
    path = best->text;
    return true;
  }
  Settings conf;
  std::vector<Diagnostic> read;
  struct stat st;
  if (input.conf_text) {
    parse_string(*input.conf_text, conf_path = "test.conf", conf, read);
  } else if (named || ::stat(conf_path.c_str(), &st) == 0) {
    read_conf_file(conf_path, conf, read);
  } else {
    conf_path = "(embedded)";
    parse_string(input.embedded_conf, conf_path, conf, read);
  }
  // A global setting, outside any section or in [global]: the first one
  // (a second is an error superd itself reports).
  for (const Setting& s : conf)
    if (s.section.empty() && s.key == "control_socket") {
      path = s.text;
      return true;
    }
  if (!has_errors(read)) return true;
  diags.insert(diags.end(), read.begin(), read.end());
  return false;
}

}  // namespace superd::conf
