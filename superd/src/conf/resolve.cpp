// SPDX-License-Identifier: MIT
#include "conf/resolve.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <set>

#include "conf/control_keys.hpp"
#include "conf/inetd_conf.hpp"
#include "conf/ini_source.hpp"
#include "conf/schema.hpp"

namespace superd::conf {

namespace {

using Key = std::pair<std::string, std::string>;  // section, key

/// The values a key ends up with, from its highest layer.
struct Winner {
  const KeySpec* spec = nullptr;
  std::vector<const Setting*> values;
};

// Checks that a setting names a known key in a scope that accepts it.
bool check_setting(const Setting& s, std::vector<Diagnostic>& diags) {
  if (!s.section.empty() && s.origin.layer != Layer::ConfFile && !valid_service_name(s.section)) {
    diags.push_back(diagnostic_at(s.origin, s.section, s.key, "invalid service name '" + s.section + "'",
                       "letters, digits, '_' and '-', at most 64 characters"));
    return false;
  }
  const KeySpec* k = find_key(s.key);
  if (!k) {
    std::string guess = suggest_key(s.key);
    diags.push_back(diagnostic_at(s.origin, s.section, s.key, "unknown key '" + s.key + "'",
                       guess.empty() ? "" : "did you mean '" + guess + "'?"));
    return false;
  }
  if (s.section.empty() && k->scope == Scope::Service) {
    diags.push_back(diagnostic_at(s.origin, s.section, s.key,
                       "'" + s.key + "' is a service key and cannot be global",
                       s.origin.layer == Layer::ConfFile ? "put it in a [service] section"
                                                         : "write --SERVICE." + s.key + "=VALUE"));
    return false;
  }
  if (!s.section.empty() && k->scope == Scope::Global) {
    diags.push_back(diagnostic_at(s.origin, s.section, s.key,
                       "'" + s.key + "' is a global key and cannot be set for service '" +
                           s.section + "'",
                       "set it before the first section or in [global]"));
    return false;
  }
  if (s.key == "conf_file" && s.origin.layer == Layer::ConfFile) {
    diags.push_back(diagnostic_at(s.origin, s.section, s.key, "'conf_file' cannot be set inside a conf file"));
    return false;
  }
  if (s.key == "include" && s.origin.layer != Layer::ConfFile) {
    diags.push_back(diagnostic_at(s.origin, s.section, s.key, "'include' is valid only inside a conf file",
                       "name the main file with -c"));
    return false;
  }
  return true;
}

// Picks the winning values of each (section, key): the highest layer that
// sets it; a non-repeatable key set twice within that layer is an error.
std::map<Key, Winner> pick_winners(const std::vector<const Setting*>& all,
                                   std::vector<Diagnostic>& diags) {
  std::map<Key, Winner> winners;
  std::map<Key, Layer> best;
  for (const Setting* s : all) {
    Key key{s->section, s->key};
    auto it = best.find(key);
    if (it != best.end() && it->second < s->origin.layer) continue;
    Winner& w = winners[key];
    if (it == best.end() || s->origin.layer < it->second) {
      w = Winner{find_key(s->key), {}};
      best[key] = s->origin.layer;
    }
    if (!w.values.empty() && !w.spec->repeat && s->key != "include") {
      const Origin& first = w.values.front()->origin;
      diags.push_back(diagnostic_at(s->origin, s->section, s->key,
                         "'" + s->key + "' is set twice" +
                             (s->section.empty() ? "" : " for service '" + s->section + "'"),
                         "first set at " + first.place() +
                             (first.line ? ":" + std::to_string(first.line) : "") +
                             "; only repeatable keys may repeat"));
      continue;
    }
    w.values.push_back(s);
  }
  return winners;
}

bool apply(const Winner& w, void* object, std::vector<Diagnostic>& diags) {
  std::vector<std::string> texts;
  for (const Setting* s : w.values) {
    std::string error;
    std::vector<std::string> one{s->text};
    // Each value is checked on its own so the error points at its line.
    if (!w.spec->target.apply(object, one, w.spec->min, w.spec->max, error)) {
      diags.push_back(diagnostic_at(s->origin, s->section, s->key, "bad value for '" + s->key + "': " + error));
      return false;
    }
    texts.push_back(s->text);
  }
  std::string error;
  return w.spec->target.apply(object, texts, w.spec->min, w.spec->max, error);
}

void show(ShownTable& shown, const Winner& w) {
  for (const Setting* s : w.values) shown.add(s->key, s->text, s->origin);
}

void note_pending(const Winner& w, std::vector<Diagnostic>& diags) {
  const Setting& s = *w.values.front();
  Diagnostic d = diagnostic_at(s.origin, s.section, s.key,
                    "'" + s.key + "' is accepted but not yet acted on: " + w.spec->pending);
  d.severity = Severity::Note;
  diags.push_back(std::move(d));
}

bool apply_defaults(GlobalConfig& g, std::vector<Diagnostic>& diags) {
  bool ok = true;
  for (const KeySpec& k : keys()) {
    std::string error;
    void* object = k.target.service ? static_cast<void*>(&g.defaults) : static_cast<void*>(&g);
    std::vector<std::string> texts;
    if (*k.def) texts.emplace_back(k.def);
    if (!k.target.apply(object, texts, k.min, k.max, error)) {
      diags.push_back(diagnostic_at(Origin{}, "", k.name, std::string("internal: bad default: ") + error));
      ok = false;
    }
  }
  return ok;
}

Privileges running_of(const LoadInput& input, const UserDb& users) {
  if (input.running) return *input.running;
  Privileges p;
  p.uid = users.effective_uid();
  p.root = p.uid == 0;
  return p;
}

// Inside its chroot superd would find neither its conf file nor the users
// and programs it names as they were: it says so rather than guess.
bool refuse_in_chroot(const Privileges& running, std::vector<Diagnostic>& diags) {
  Diagnostic d;
  d.key = "chroot";
  d.message = "superd is confined to " + running.chroot +
              " (global 'chroot') and does not read its configuration again";
  d.hint = "restart superd to change it";
  diags.push_back(std::move(d));
  return false;
}


// The inetd.conf files named by the highest layer that sets `inetd_conf`.
std::vector<std::string> inetd_paths(const std::vector<const Setting*>& all) {
  std::vector<std::string> paths;
  Layer best = Layer::Default;
  for (const Setting* s : all) {
    if (!s->section.empty() || s->key != "inetd_conf") continue;
    if (paths.empty() || s->origin.layer < best) paths.clear(), best = s->origin.layer;
    if (s->origin.layer == best && !s->text.empty()) paths.push_back(s->text);
  }
  return paths;
}

// The services of the inetd.conf files: each entry's settings, unless a
// section of the conf file has its name (one service, defined once).
void read_inetd_services(const std::vector<const Setting*>& all, Settings& out,
                         std::vector<Diagnostic>& diags) {
  std::vector<InetdEntry> entries;
  for (const std::string& path : inetd_paths(all)) read_inetd_conf(path, entries, diags);
  if (entries.empty()) return;
  std::map<std::string, Origin> sections;
  for (const Setting* s : all)
    if (!s->section.empty() && s->origin.layer == Layer::ConfFile) sections.emplace(s->section, s->origin);
  std::vector<std::string> names = inetd_service_names(entries);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    auto it = sections.find(names[i]);
    if (it == sections.end()) continue;
    Origin at{Layer::ConfFile, entries[i].file, entries[i].line};
    diags.push_back(diagnostic_at(at, names[i], "inetd_conf",
                                  "service '" + names[i] + "' is also defined at " +
                                      it->second.place() + ":" + std::to_string(it->second.line),
                                  "a service is defined once: remove this entry or rename the [" +
                                      names[i] + "] section"));
  }
  for (Setting& s : inetd_settings(entries))
    if (!sections.count(s.section)) out.push_back(std::move(s));
}

// A relative inetd_conf in a conf file names a file beside that conf file;
// made absolute, it is the path superd watches.
void absolute_inetd_paths(Settings& conf) {
  for (Setting& s : conf)
    if (s.section.empty() && s.key == "inetd_conf" && !s.text.empty() && s.text[0] != '/') {
      auto slash = s.origin.file.rfind('/');
      if (slash != std::string::npos) s.text = s.origin.file.substr(0, slash + 1) + s.text;
      char cwd[PATH_MAX];
      if (s.text[0] != '/' && ::getcwd(cwd, sizeof cwd)) s.text = std::string(cwd) + "/" + s.text;
    }
}

}  // namespace

// validate.cpp
bool finalize_service(ServiceConfig& s, const Config& c, const BuiltinCatalog& builtins,
                      const UserDb& users, const Privileges& running,
                      std::vector<Diagnostic>& diags);
void check_endpoint_clashes(const Config& c, std::vector<Diagnostic>& diags);
void check_metrics(Config& c, std::vector<Diagnostic>& diags);
void check_reverse(Config& c, std::vector<Diagnostic>& diags);
void settle_privileges(Config& c, const UserDb& users, const Privileges& running,
                       std::vector<Diagnostic>& diags);

bool load(const LoadInput& input, const BuiltinCatalog& builtins, const UserDb& users, Config& out,
          std::vector<Diagnostic>& diags) {
  out = Config{};
  std::size_t before = diags.size();
  Privileges running = running_of(input, users);
  if (running.dropped && !running.chroot.empty()) return refuse_in_chroot(running, diags);
  // Which conf file: the highest argument layer naming one, else the default path.
  const Setting* named = nullptr;
  for (const Setting& s : input.args)
    if (s.section.empty() && s.key == "conf_file" && (!named || s.origin.layer < named->origin.layer))
      named = &s;
  Settings conf;
  struct stat st;
  if (input.conf_text) {
    out.conf_path = "test.conf";
    parse_string(*input.conf_text, out.conf_path, conf, diags);
  } else if (named || ::stat(default_conf_path(), &st) == 0) {
    out.conf_path = named ? named->text : default_conf_path();
    read_conf_file(out.conf_path, conf, diags);
  } else {
    out.conf_path = "(embedded)";
    out.embedded = true;
    parse_string(input.embedded_conf, out.conf_path, conf, diags);
  }

  absolute_inetd_paths(conf);
  std::vector<const Setting*> all;
  for (const Setting& s : input.args)
    if (check_setting(s, diags)) all.push_back(&s);
  for (const Setting& s : conf)
    if (check_setting(s, diags)) all.push_back(&s);
  Settings inetd;  // the services of inetd.conf files, after the conf file's
  read_inetd_services(all, inetd, diags);
  for (const Setting& s : inetd)
    if (check_setting(s, diags)) all.push_back(&s);
  std::stable_sort(all.begin(), all.end(), [](const Setting* a, const Setting* b) {
    return a->origin.layer < b->origin.layer;
  });
  std::map<Key, Winner> winners = pick_winners(all, diags);

  apply_defaults(out.global, diags);
  out.shown.begin_section("");
  for (const auto& [key, w] : winners) {
    if (!key.first.empty()) continue;
    void* object = w.spec->target.service ? static_cast<void*>(&out.global.defaults)
                                          : static_cast<void*>(&out.global);
    apply(w, object, diags);
    show(out.shown, w);
    if (w.spec->pending) note_pending(w, diags);
  }
  // Services in the order their sections first appear: conf file, then arguments.
  std::set<std::string> seen;
  for (const Setting* s : all)
    if (!s->section.empty() && s->origin.layer == Layer::ConfFile && seen.insert(s->section).second)
      out.service_order.push_back(s->section);
  for (const Setting* s : all)
    if (!s->section.empty() && seen.insert(s->section).second) out.service_order.push_back(s->section);

  out.services.reserve(out.service_order.size());  // ServiceConfig is 1 KiB: no moves
  for (const std::string& name : out.service_order) {
    ServiceConfig svc = out.global.defaults;
    svc.name = name;
    // Values a service inherits from the global section stay there: the
    // table looks them up, so 900 services do not hold 900 copies.
    out.shown.begin_section(name);
    // Winners are sorted by section: visit only this one's.
    for (auto it = winners.lower_bound(Key{name, ""}); it != winners.end() && it->first.first == name; ++it) {
      const auto& [key, w] = *it;
      apply(w, &svc, diags);
      show(out.shown, w);
      // Keys of both scopes are acted on per service; only their global use may be pending.
      if (w.spec->pending && w.spec->scope == Scope::Service) note_pending(w, diags);
    }
    out.services.push_back(std::move(svc));
  }
  out.shown.shrink();
  for (ServiceConfig& svc : out.services)
    finalize_service(svc, out, builtins, users, running, diags);
  check_endpoint_clashes(out, diags);
  check_metrics(out, diags);
  check_reverse(out, diags);
  settle_privileges(out, users, running, diags);
  check_control(out, users, diags);
  return !has_errors(std::vector<Diagnostic>(diags.begin() + static_cast<long>(before), diags.end()));
}

}  // namespace superd::conf
