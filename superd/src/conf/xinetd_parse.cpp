// SPDX-License-Identifier: MIT
// The xinetd.conf(5) syntax: `service NAME`, `defaults`, `{`, `}`, `include`,
// `includedir` and `NAME OP VALUE...` lines, with `#` comment lines. What
// xinetd itself refuses (an unknown attribute, a line without an operator, a
// missing brace, `+=` on a single-valued attribute) is an error here, located
// at its file and line; after a structural error the rest of that file is
// skipped, so one mistake does not cascade into dozens.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>

#include "conf/ini_source.hpp"
#include "conf/schema.hpp"
#include "conf/xinetd_import.hpp"

namespace superd::conf {

namespace {

constexpr int kMaxIncludeDepth = 16;
constexpr int kMany = -1;

// Where an attribute may appear and how it assigns.
enum Where : unsigned {
  kService = 1,      // in a service block
  kDefaults = 2,     // in the defaults block
  kList = 4,         // a set of values: `+=` and `-=` allowed, may repeat
  kNoRemove = 8,     // a list without `-=` (env)
  kBoth = kService | kDefaults,
};

struct AttrSpec {
  const char* name;
  unsigned where;
  int min, max;  // number of values; kMany: no upper bound
};

// Every attribute of xinetd.conf(5), including those of its defaults block.
// clang-format off
constexpr AttrSpec kAttrs[] = {
  {"id", kService, 1, 1},            {"type", kService, 1, kMany},
  {"flags", kService, 1, kMany},     {"disable", kService, 1, 1},
  {"socket_type", kService, 1, 1},   {"protocol", kService, 1, 1},
  {"wait", kService, 1, 1},          {"user", kService, 1, 1},
  {"group", kService, 1, 1},         {"instances", kBoth, 1, 1},
  {"nice", kService, 1, 1},          {"server", kService, 1, 1},
  {"server_args", kService, 0, kMany}, {"libwrap", kService, 1, 1},
  {"only_from", kBoth | kList, 0, kMany}, {"no_access", kBoth | kList, 0, kMany},
  {"access_times", kService, 1, kMany}, {"log_type", kBoth, 1, 4},
  {"log_on_success", kBoth | kList, 0, kMany}, {"log_on_failure", kBoth | kList, 0, kMany},
  {"rpc_version", kService, 1, 1},   {"rpc_number", kService, 1, 1},
  {"env", kBoth | kList | kNoRemove, 0, kMany}, {"passenv", kBoth | kList, 0, kMany},
  {"port", kService, 1, 1},          {"redirect", kService, 1, 2},
  {"bind", kBoth, 1, 1},             {"interface", kBoth, 1, 1},
  {"banner", kBoth, 1, 1},           {"banner_success", kBoth, 1, 1},
  {"banner_fail", kBoth, 1, 1},      {"per_source", kBoth, 1, 1},
  {"groups", kBoth, 1, 1},           {"mdns", kBoth, 1, 1},
  {"umask", kBoth, 1, 1},            {"cps", kBoth, 2, 2},
  {"max_load", kBoth, 1, 1},         {"deny_time", kBoth, 1, 1},
  {"v6only", kBoth, 1, 1},
  {"rlimit_as", kBoth, 1, 1},        {"rlimit_cpu", kBoth, 1, 1},
  {"rlimit_data", kBoth, 1, 1},      {"rlimit_rss", kBoth, 1, 1},
  {"rlimit_stack", kBoth, 1, 1},     {"rlimit_files", kBoth, 1, 1},
  {"enabled", kDefaults | kList, 0, kMany}, {"disabled", kDefaults | kList, 0, kMany},
};
// clang-format on

const AttrSpec* find_attr(const std::string& name) {
  for (const AttrSpec& a : kAttrs)
    if (name == a.name) return &a;
  return nullptr;
}

bool blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::vector<std::string> words_of(std::string_view s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && blank(s[i])) ++i;
    std::size_t j = i;
    while (j < s.size() && !blank(s[j])) ++j;
    if (j > i) out.emplace_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

struct Reader {
  const XinetdFiles& files;
  XinetdConf& out;
  std::vector<Diagnostic>& diags;
  std::vector<std::string> stack;  // files being read, for cycle detection
  bool ok = true;

  void error(const std::string& file, int line, std::string message, std::string hint = {}) {
    diags.push_back(diagnostic_at(Origin{Layer::ConfFile, file, line}, "", "", std::move(message),
                                  std::move(hint)));
    ok = false;
  }
  void read(const std::string& path, const std::string& from, int from_line);
  void include_dir(const std::string& dir, const std::string& from, int line);
  void parse(const std::string& file, std::string_view text);
};

// The state of one file being parsed.
struct FileParse {
  Reader& r;
  const std::string& file;
  int line = 0;
  enum class State { Top, Brace, Block } state = State::Top;
  XinetdEntry entry;  // the block being read
  bool is_defaults = false;

  // Each returns false when the rest of the file must be skipped.
  bool top(const std::vector<std::string>& w);
  bool block(std::string_view text, const std::vector<std::string>& w);
  void attribute(std::string_view text);
  void close();
};

std::string dir_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// `path` read from `file`: relative to its directory, without "." and "..".
std::string relative_to(const std::string& file, const std::string& path) {
  std::string full = path[0] == '/' ? path : dir_of(file) + "/" + path;
  return std::filesystem::path(full).lexically_normal().string();
}

bool FileParse::top(const std::vector<std::string>& w) {
  const std::string& k = w[0];
  if (k == "service" || k == "defaults") {
    std::size_t n = w.size() - (w.back() == "{" && w.size() > 1 ? 1 : 0);
    std::size_t want = k == "service" ? 2 : 1;
    if (n != want) {
      r.error(file, line,
              k == "service" ? (n < 2 ? "'service' needs a name" : "'service' takes one name")
                             : "unexpected text after 'defaults'");
      return false;
    }
    entry = XinetdEntry{k == "service" ? w[1] : std::string(), file, line, {}};
    is_defaults = k == "defaults";
    state = n < w.size() ? State::Block : State::Brace;
    return true;
  }
  if (k == "include" || k == "includedir") {
    if (w.size() != 2) {
      r.error(file, line, "'" + k + "' takes one path");
      return true;
    }
    std::string target = relative_to(file, w[1]);
    if (k == "include") r.read(target, file, line);
    else r.include_dir(target, file, line);
    return true;
  }
  if (k == "{") r.error(file, line, "'{' without 'service NAME' or 'defaults' before it");
  else if (k == "}") r.error(file, line, "'}' without an open block");
  else if (xinetd_attribute_known(k.substr(0, k.find_first_of("+-="))))
    r.error(file, line, "attribute '" + k.substr(0, k.find_first_of("+-=")) + "' outside a block",
            "attributes go inside 'service NAME { ... }' or 'defaults { ... }'");
  else
    r.error(file, line, "unknown keyword '" + k + "'",
            "expected service, defaults, include or includedir");
  return false;
}

bool FileParse::block(std::string_view text, const std::vector<std::string>& w) {
  std::string what = is_defaults ? std::string("defaults") : "service '" + entry.name + "'";
  if (w[0] == "}") {
    if (w.size() > 1) r.error(file, line, "unexpected text after '}'");
    close();
    return w.size() == 1;
  }
  if (w[0] == "{") {
    r.error(file, line, "'{' inside the block of " + what);
    return false;
  }
  bool keyword = w[0] == "service" || w[0] == "defaults" || w[0] == "include" ||
                 w[0] == "includedir";
  if (keyword && text.find('=') == std::string_view::npos) {
    r.error(file, line, "'" + w[0] + "' inside the block of " + what,
            "missing '}' for the block opened at line " + std::to_string(entry.line));
    return false;
  }
  attribute(text);
  return true;
}

void FileParse::attribute(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && blank(text[i])) ++i;
  std::size_t start = i;
  while (i < text.size() && (std::isalnum(static_cast<unsigned char>(text[i])) || text[i] == '_')) ++i;
  std::string name(text.substr(start, i - start));
  while (i < text.size() && blank(text[i])) ++i;
  XinetdOp op = XinetdOp::Set;
  if (name.empty()) return r.error(file, line, "malformed line '" + words_of(text)[0] + "...'");
  if (text.substr(i, 2) == "+=") op = XinetdOp::Add, i += 2;
  else if (text.substr(i, 2) == "-=") op = XinetdOp::Remove, i += 2;
  else if (text.substr(i, 1) == "=") i += 1;
  else return r.error(file, line, "attribute '" + name + "' without '=', '+=' or '-='");
  const AttrSpec* spec = find_attr(name);
  if (!spec) {
    std::vector<std::string> names;
    for (const AttrSpec& a : kAttrs) names.emplace_back(a.name);
    std::string guess = closest(name, names);
    r.error(file, line, "unknown attribute '" + name + "'",
            guess.empty() ? "see xinetd.conf(5)" : "did you mean '" + guess + "'?");
    return;
  }
  XinetdAttr a{name, op, words_of(text.substr(i)), file, line};
  if (is_defaults && !(spec->where & kDefaults))
    return r.error(file, line, "'" + name + "' cannot be set in defaults");
  if (!is_defaults && !(spec->where & kService))
    return r.error(file, line, "'" + name + "' is valid only in defaults",
                   name == "disabled" ? "a service says 'disable = yes'" : "");
  if (op != XinetdOp::Set && !(spec->where & kList))
    return r.error(file, line, "'" + name + "' takes only '='");
  if (op == XinetdOp::Remove && (spec->where & kNoRemove))
    return r.error(file, line, "'" + name + "' does not take '-='");
  int n = static_cast<int>(a.values.size());
  if (n < spec->min)
    return r.error(file, line, "'" + name + "' needs " +
                                   (spec->min == 1 ? std::string("a value")
                                                   : std::to_string(spec->min) + " values"));
  if (spec->max != kMany && n > spec->max)
    return r.error(file, line, "'" + name + "' takes " +
                                   (spec->max == 1 ? std::string("one value")
                                                   : "at most " + std::to_string(spec->max) +
                                                         " values"));
  if (!(spec->where & kList))
    for (const XinetdAttr& prev : entry.attrs)
      if (prev.name == name)
        return r.error(file, line, "'" + name + "' is set twice",
                       "first at " + prev.file + ":" + std::to_string(prev.line));
  entry.attrs.push_back(std::move(a));
}

void FileParse::close() {
  if (is_defaults) {
    XinetdEntry& d = r.out.defaults;
    if (d.line == 0) d.file = entry.file, d.line = entry.line;
    for (XinetdAttr& a : entry.attrs) d.attrs.push_back(std::move(a));
  } else {
    r.out.services.push_back(std::move(entry));
  }
  entry = XinetdEntry{};
  state = State::Top;
}

void Reader::parse(const std::string& file, std::string_view text) {
  FileParse p{*this, file, 0, FileParse::State::Top, {}, false};
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    std::string_view raw = text.substr(pos, nl == std::string_view::npos ? nl : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    ++p.line;
    auto bad = std::find_if(raw.begin(), raw.end(), [](char c) {
      return (static_cast<unsigned char>(c) < 0x20 && !blank(c)) || c == 0x7f;
    });
    if (bad != raw.end()) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02x", static_cast<unsigned char>(*bad));
      return error(file, p.line, std::string("control character ") + hex + " in the line");
    }
    std::vector<std::string> w = words_of(raw);
    if (w.empty() || w[0][0] == '#') continue;
    bool go_on = true;
    switch (p.state) {
      case FileParse::State::Top: go_on = p.top(w); break;
      case FileParse::State::Brace:
        if (w.size() == 1 && w[0] == "{") {
          p.state = FileParse::State::Block;
        } else {
          error(file, p.line, "expected '{' after '" + std::string(p.is_defaults ? "defaults" : "service " + p.entry.name) +
                                  "' (line " + std::to_string(p.entry.line) + ")");
          go_on = false;
        }
        break;
      case FileParse::State::Block: go_on = p.block(raw, w); break;
    }
    if (!go_on) return;
  }
  if (p.state != FileParse::State::Top)
    error(file, p.entry.line,
          (p.is_defaults ? std::string("defaults") : "service '" + p.entry.name + "'") +
              (p.state == FileParse::State::Brace ? " has no '{'" : " has no closing '}'"));
}

void Reader::read(const std::string& path, const std::string& from, int from_line) {
  std::string key = std::filesystem::path(path).lexically_normal().string();
  if (std::find(stack.begin(), stack.end(), key) != stack.end())
    return error(from, from_line, "include cycle: '" + path + "' is already being read");
  if (stack.size() >= kMaxIncludeDepth)
    return error(from, from_line,
                 "includes nested deeper than " + std::to_string(kMaxIncludeDepth));
  std::string text;
  std::string why = files.read(path, text);
  if (why.empty() && text.size() > kMaxConfFileSize)
    why = std::to_string(text.size()) + " bytes, more than the " +
          std::to_string(kMaxConfFileSize / (1024 * 1024)) + " MiB allowed";
  if (!why.empty() && from.empty()) return error(path, 0, "cannot read: " + why);
  if (!why.empty()) return error(from, from_line, "cannot read '" + path + "': " + why);
  out.files.push_back(path);
  stack.push_back(key);
  parse(path, text);
  stack.pop_back();
}

// xinetd's rule: every regular file of `dir` in C-locale order, except names
// that contain a '.' or end with '~' (packaging leftovers such as .dpkg-old).
void Reader::include_dir(const std::string& dir, const std::string& from, int line) {
  std::vector<std::string> names;
  if (std::string why = files.list(dir, names); !why.empty())
    return error(from, line, "cannot read directory '" + dir + "': " + why);
  std::sort(names.begin(), names.end());
  for (const std::string& n : names) {
    if (n.empty() || n.find('.') != std::string::npos || n.back() == '~') continue;
    read(dir + (dir.back() == '/' ? "" : "/") + n, from, line);
  }
}

}  // namespace

bool xinetd_attribute_known(const std::string& name) { return find_attr(name) != nullptr; }

std::vector<std::string> xinetd_attribute_names() {
  std::vector<std::string> out;
  for (const AttrSpec& a : kAttrs) out.emplace_back(a.name);
  return out;
}

bool parse_xinetd(const std::string& path, const XinetdFiles& files, XinetdConf& out,
                  std::vector<Diagnostic>& diags) {
  Reader r{files, out, diags, {}};
  r.read(path, "", 0);
  return r.ok;
}

}  // namespace superd::conf
