// SPDX-License-Identifier: MIT
// Maps a parsed xinetd configuration onto superd's keys. Each service's
// attributes are first resolved against the defaults block (`+=`/`-=` on
// lists, defaults' `=` being cumulative), then turned into key lines; what
// has no superd equivalent becomes a `# xinetd ...: no equivalent (why)`
// comment in that section, and a service superd cannot run at all (RPC,
// TCPMUX, a raw socket, ...) is written out wholly commented. Every value is
// checked with the schema's own parser before it is written, so the output
// loads: a value superd would refuse becomes a comment saying why.
#include "conf/xinetd_import.hpp"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <cctype>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "conf/config.hpp"
#include "conf/ini_source.hpp"
#include "conf/schema.hpp"
#include "conf/xinetd_service.hpp"

namespace superd::conf {

namespace {

const char* const kLists[] = {"only_from", "no_access", "log_on_success", "log_on_failure",
                              "env", "passenv"};

bool is_list(const std::string& name) {
  for (const char* l : kLists)
    if (name == l) return true;
  return false;
}

void remove_values(std::vector<std::string>& from, const std::vector<std::string>& gone) {
  std::erase_if(from, [&](const std::string& v) {
    return std::find(gone.begin(), gone.end(), v) != gone.end();
  });
}

// Defaults first (their `=` adds, as xinetd's defaults are cumulative), then the
// service's own lines: its first `=` on a list replaces what defaults gave.
XinetdValues resolve(const XinetdEntry& defaults, const XinetdEntry& svc) {
  XinetdValues out;
  for (const XinetdAttr& a : defaults.attrs) {
    if (a.name == "enabled" || a.name == "disabled") continue;
    XinetdValue& v = out[a.name];
    if (!is_list(a.name)) v.values.clear();
    if (a.op == XinetdOp::Remove) remove_values(v.values, a.values);
    else v.values.insert(v.values.end(), a.values.begin(), a.values.end());
    v.set = true, v.from_defaults = true, v.file = a.file, v.line = a.line;
  }
  std::set<std::string> own;
  for (const XinetdAttr& a : svc.attrs) {
    XinetdValue& v = out[a.name];
    if (!is_list(a.name) || (a.op == XinetdOp::Set && own.insert(a.name).second)) v.values.clear();
    own.insert(a.name);
    if (a.op == XinetdOp::Remove) remove_values(v.values, a.values);
    else v.values.insert(v.values.end(), a.values.begin(), a.values.end());
    v.set = true, v.from_defaults = false, v.file = a.file, v.line = a.line;
  }
  return out;
}

// Letters, digits, '_' and '-', at most 64; anything else becomes '-'.
std::string sanitize(const std::string& id) {
  std::string out;
  for (char c : id)
    out += std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' ? c : '-';
  if (out.size() > 64) out.resize(64);
  return out.empty() ? "service" : out;
}

std::string unique_name(const std::string& wanted, std::set<std::string>& used) {
  std::string name = wanted;
  for (int n = 2; !used.insert(name).second; ++n) {
    std::string suffix = "-" + std::to_string(n);
    name = wanted.substr(0, 64 - suffix.size()) + suffix;
  }
  return name;
}

// The ids that defaults' `enabled` / `disabled` name, or nullopt when absent.
std::optional<std::set<std::string>> id_list(const XinetdEntry& defaults, const char* name) {
  std::optional<std::set<std::string>> out;
  for (const XinetdAttr& a : defaults.attrs) {
    if (a.name != name) continue;
    if (!out) out.emplace();
    for (const std::string& v : a.values) {
      if (a.op == XinetdOp::Remove) out->erase(v);
      else out->insert(v);
    }
  }
  return out;
}

std::string header(const XinetdConf& x) {
  std::string out = "# superd configuration imported from xinetd by superd --import-xinetd\n";
  for (const std::string& f : x.files) out += "# source: " + xinetd_detail::printable(f) + "\n";
  if (x.defaults.line)
    out += "# The xinetd defaults block (" + xinetd_detail::printable(x.defaults.file) + ":" +
           std::to_string(x.defaults.line) + ") is applied to every service below.\n";
  return out;
}

// superd refuses lines longer than kMaxLineLength: say so here rather than
// print a conf that fails.
bool fits_superd_lines(const std::string& text, const std::string& path,
                       std::vector<Diagnostic>& diags) {
  for (std::size_t pos = 0, n = 1; pos < text.size(); ++n) {
    std::size_t nl = std::min(text.find('\n', pos), text.size());
    if (nl - pos > kMaxLineLength) {
      Diagnostic d;
      d.file = path;
      d.message = "line " + std::to_string(n) + " of the imported conf would be longer than " +
                  std::to_string(kMaxLineLength) + " bytes, which superd refuses";
      diags.push_back(std::move(d));
      return false;
    }
    pos = nl + 1;
  }
  return true;
}

}  // namespace

XinetdFiles system_files() {
  XinetdFiles f;
  f.read = [](const std::string& path, std::string& text) { return read_regular_file(path, text); };
  f.list = [](const std::string& dir, std::vector<std::string>& names) -> std::string {
    DIR* d = ::opendir(dir.c_str());
    if (!d) return std::strerror(errno);
    while (dirent* e = ::readdir(d)) {
      struct stat st;
      std::string full = dir + "/" + e->d_name;
      // Like xinetd, only regular files (or links to them) are read.
      if (::stat(full.c_str(), &st) == 0 && S_ISREG(st.st_mode)) names.emplace_back(e->d_name);
    }
    ::closedir(d);
    return {};
  };
  return f;
}

bool import_xinetd(const std::string& path, const XinetdFiles& files, const std::string& services,
                   std::string& out, std::vector<Diagnostic>& diags) {
  out.clear();
  XinetdConf x;
  if (!parse_xinetd(path, files, x, diags)) return false;
  auto enabled = id_list(x.defaults, "enabled");
  auto disabled = id_list(x.defaults, "disabled");
  std::map<std::string, const XinetdEntry*> ids, endpoints;  // of enabled services
  std::set<std::string> used;
  std::string body;
  bool ok = true;
  for (const XinetdEntry& svc : x.services) {
    XinetdValues values = resolve(x.defaults, svc);
    ServiceImport im{svc, values, services, files};
    const std::string& id = im.id();
    if (enabled && !enabled->count(id)) im.disable_by_defaults("enabled", "does not list it");
    if (disabled && disabled->count(id)) im.disable_by_defaults("disabled", "lists it");
    if (!im.convert(diags)) {
      ok = false;
      continue;
    }
    // Like xinetd, many entries may share an id or an endpoint as long as
    // only one of them is enabled.
    if (im.runnable() && !im.disabled()) {
      for (auto [map, k, what] : {std::tuple{&ids, id, "duplicate service '" + id + "'"},
                                  std::tuple{&endpoints, im.endpoint_key(),
                                             "service '" + id + "' listens on " + im.endpoint_key() +
                                                 " like another enabled service"}}) {
        auto [it, fresh] = map->emplace(k, &svc);
        if (fresh) continue;
        Diagnostic d;
        d.file = svc.file, d.line = svc.line;
        d.message = what;
        d.hint = "first at " + it->second->file + ":" + std::to_string(it->second->line) +
                 "; disable one of them";
        diags.push_back(std::move(d));
        ok = false;
      }
    }
    std::string name = im.runnable() ? unique_name(sanitize(id), used) : sanitize(id);
    body += "\n" + im.render(name);
  }
  if (!ok) return false;
  std::string text = header(x) + body;
  if (!fits_superd_lines(text, path, diags)) return false;
  out = std::move(text);
  return true;
}

}  // namespace superd::conf
