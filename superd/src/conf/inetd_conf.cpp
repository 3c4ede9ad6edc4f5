// SPDX-License-Identifier: MIT
#include "conf/inetd_conf.hpp"

#include <arpa/inet.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>

#include "conf/ini_source.hpp"

namespace superd::conf {

namespace {

constexpr int kMaxPerMinute = 1000000;

struct LineReader {
  const std::string& file;
  std::vector<Diagnostic>& diags;
  int line = 0;
  std::string_view text;  // the current line

  void error(std::string message, std::string hint = {}) {
    diags.push_back(diagnostic_at(Origin{Layer::ConfFile, file, line}, "", "", std::move(message),
                                  std::move(hint)));
  }
};

std::vector<std::string_view> fields_of(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

// True when `s` is non-empty and every character is a letter, a digit or one of `extra`.
bool only(std::string_view s, const char* extra) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [extra](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::strchr(extra, c);
  });
}

bool known_proto(std::string_view p) {
  for (const char* k : {"tcp", "tcp4", "tcp6", "tcp46", "udp", "udp4", "udp6", "udp46", "unix"})
    if (p == k) return true;
  return false;
}

// "wait", "nowait", "wait.40", "nowait.200".
bool parse_wait(LineReader& r, std::string_view text, InetdEntry& e) {
  std::string_view word = text.substr(0, text.find('.'));
  if (word != "wait" && word != "nowait") {
    r.error("expected 'wait' or 'nowait' (optionally '.MAX'), found '" + std::string(text) + "'");
    return false;
  }
  e.wait = word == "wait";
  if (word.size() == text.size()) return true;
  std::string_view max = text.substr(word.size() + 1);
  int n = 0;
  auto [end, ec] = std::from_chars(max.data(), max.data() + max.size(), n);
  if (max.empty() || ec != std::errc() || end != max.data() + max.size() || n < 1 ||
      n > kMaxPerMinute) {
    r.error("'" + std::string(text) + "': MAX must be a number of programs per minute, 1 to " +
            std::to_string(kMaxPerMinute));
    return false;
  }
  e.max = n;
  return true;
}

// "user", "user.group" or "user:group".
bool parse_user(LineReader& r, std::string_view text, InetdEntry& e) {
  std::size_t sep = text.find(':');
  if (sep == std::string_view::npos) sep = text.find('.');
  e.user = std::string(text.substr(0, sep));
  if (sep != std::string_view::npos) e.group = std::string(text.substr(sep + 1));
  const char* name_chars = "_.-$";
  if (!only(e.user, name_chars) || (sep != std::string_view::npos && !only(e.group, name_chars))) {
    r.error("bad user field '" + std::string(text) + "'", "expected USER, USER.GROUP or USER:GROUP");
    return false;
  }
  return true;
}

// Splits "HOST:SERVICE" ("[::1]:ftp" for an IPv6 address); false when there is no host.
bool split_host(std::string_view text, std::string_view& host, std::string_view& service) {
  if (!text.empty() && text[0] == '[') {
    std::size_t close = text.find("]:");
    if (close == std::string_view::npos) return false;
    host = text.substr(1, close - 1);
    service = text.substr(close + 2);
    return true;
  }
  std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return false;
  host = text.substr(0, colon);
  service = text.substr(colon + 1);
  return true;
}

void parse_entry(LineReader& r, const std::vector<std::string_view>& f, const std::string& host,
                 std::vector<InetdEntry>& out) {
  if (f.size() < 6) {
    r.error("expected 'SERVICE SOCKTYPE PROTO wait|nowait USER SERVER [ARGS]', found " +
            std::to_string(f.size()) + " field" + (f.size() == 1 ? "" : "s"));
    return;
  }
  InetdEntry e;
  e.file = r.file;
  e.line = r.line;
  e.host = host;
  e.text = std::string(r.text);
  e.socktype = std::string(f[1]);
  e.proto = std::string(f[2]);
  std::string_view service = f[0], h;
  if (e.proto.rfind("rpc/", 0) == 0) {
    r.error("RPC service '" + std::string(service) + "' (" + e.proto + ") is not supported");
    return;
  }
  if (!known_proto(e.proto)) {
    r.error("unknown protocol '" + e.proto + "'",
            "expected tcp, tcp4, tcp6, tcp46, udp, udp4, udp6, udp46 or unix");
    return;
  }
  if (e.proto != "unix" && split_host(service, h, service)) e.host = std::string(h);
  e.service = std::string(service);
  if (e.service.empty()) {
    r.error("no service name in '" + std::string(f[0]) + "'");
    return;
  }
  if (!e.host.empty() && !only(e.host, ".-_:%*")) {
    r.error("bad host '" + e.host + "'", "expected an address or a host name");
    return;
  }
  // An address names its family, which the protocol must allow (tcp6 and
  // udp6 are IPv6 only, tcp4/udp4 and plain tcp/udp IPv4), as inetd's own
  // lookup of the host in the protocol's family would require.
  if (e.proto != "unix" && !e.host.empty() && e.host != "*" && e.proto.substr(3) != "46") {
    bool v6_proto = e.proto.back() == '6';
    in_addr v4{};
    bool v4_host = ::inet_pton(AF_INET, e.host.c_str(), &v4) == 1;
    bool v6_host = e.host.find(':') != std::string::npos;
    if ((v6_proto && v4_host) || (!v6_proto && v6_host)) {
      r.error("host '" + e.host + "' is an IPv" + (v4_host ? "4" : "6") + " address, but protocol '" + e.proto +
                  "' is IPv" + (v6_proto ? "6" : "4") + " only",
              v4_host ? "write " + e.proto.substr(0, 3) + " for an IPv4 address"
                      : "write " + e.proto.substr(0, 3) + "6 for an IPv6 address");
      return;
    }
  }
  if (e.service.rfind("tcpmux/", 0) == 0) {
    r.error("TCPMUX service '" + e.service + "' is not supported");
    return;
  }
  if (e.proto == "unix" && e.service[0] != '/') {
    r.error("Unix socket path '" + e.service + "' must be absolute");
    return;
  }
  if (e.proto != "unix" && !only(e.service, "-_.+")) {
    r.error("service '" + e.service + "' is not a service name or port number");
    return;
  }
  if (e.socktype != "stream" && e.socktype != "dgram") {
    r.error("socket type '" + e.socktype + "' is not supported", "expected stream or dgram");
    return;
  }
  bool tcp = e.proto.rfind("tcp", 0) == 0, udp = e.proto.rfind("udp", 0) == 0;
  if ((e.socktype == "stream" && udp) || (e.socktype == "dgram" && tcp)) {
    r.error("socket type '" + e.socktype + "' does not go with protocol '" + e.proto + "'",
            e.socktype == "stream" ? "stream sockets are tcp or unix" : "dgram sockets are udp or unix");
    return;
  }
  if (!parse_wait(r, f[3], e) || !parse_user(r, f[4], e)) return;
  e.server = std::string(f[5]);
  if (e.server != "internal" && e.server[0] != '/') {
    r.error("server '" + e.server + "' must be an absolute path or 'internal'");
    return;
  }
  for (std::size_t i = 6; i < f.size(); ++i) e.args.emplace_back(f[i]);
  out.push_back(std::move(e));
}

std::string sanitized(std::string_view name) {
  std::string out;
  for (char c : name)
    out += std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' ? c : '_';
  if (out.size() > 48) out.resize(48);  // room for "-tcp46-N..." within the 64 allowed
  return out;
}

std::string base_name(const InetdEntry& e) {
  if (e.proto != "unix") return sanitized(e.service);
  std::string_view path = e.service;
  std::size_t slash = path.rfind('/');
  std::string_view file = slash == std::string_view::npos ? path : path.substr(slash + 1);
  return sanitized(file.empty() ? path : file);
}

std::string endpoint_text(const InetdEntry& e) {
  if (e.proto == "unix") return e.service + (e.socktype == "dgram" ? "|dgram|unix" : "|unix");
  bool dual = e.proto.size() > 3 && e.proto.substr(3) == "46";
  bool v6 = !dual && e.proto.back() == '6';
  std::string host = e.host;
  if (host.empty() || host == "*") host = dual ? "*" : v6 ? "[::]" : "0.0.0.0";
  else if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return host + ":" + e.service + (e.proto[0] == 't' ? "/tcp" : "/udp");
}

std::string format_rate(int per_minute) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", per_minute / 60.0);
  return buf;
}

}  // namespace

void parse_inetd_conf(std::string_view text, const std::string& file,
                      std::vector<InetdEntry>& out, std::vector<Diagnostic>& diags) {
  LineReader r{file, diags, 0, {}};
  std::string host;  // set by a "HOST:" line
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++r.line;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() > kMaxLineLength) {
      r.error("line is " + std::to_string(line.size()) + " bytes, longer than the " +
              std::to_string(kMaxLineLength) + " allowed");
      continue;
    }
    // Text only: a control character is a damaged file, not a separator.
    auto bad = std::find_if(line.begin(), line.end(), [](char c) {
      return (static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f;
    });
    if (bad != line.end()) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02x", static_cast<unsigned char>(*bad));
      r.error(std::string("line contains control character ") + hex + " at column " +
              std::to_string(bad - line.begin() + 1));
      continue;
    }
    r.text = line;
    std::vector<std::string_view> f = fields_of(line);
    if (f.empty() || f[0][0] == '#') continue;
    if (f.size() == 1 && f[0].back() == ':') {
      std::string_view h = f[0].substr(0, f[0].size() - 1);
      if (h.size() > 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
      if (h.empty()) {
        r.error("empty host in '" + std::string(f[0]) + "'", "write '*:' for every address");
        continue;
      }
      if (!only(h, ".-_:%*")) {
        r.error("bad host '" + std::string(h) + "'", "expected an address or a host name");
        continue;
      }
      host = h == "*" ? "" : std::string(h);
      continue;
    }
    parse_entry(r, f, host, out);
  }
}

void read_inetd_conf(const std::string& path, std::vector<InetdEntry>& out,
                     std::vector<Diagnostic>& diags, bool missing_ok) {
  std::string text;
  struct stat st;
  if (missing_ok && ::stat(path.c_str(), &st) != 0 && errno == ENOENT) {
    Diagnostic d;
    d.severity = Severity::Warning;
    d.file = path;
    d.key = "inetd_conf";
    d.message = "does not exist: no service read from it";
    diags.push_back(std::move(d));
    return;
  }
  if (std::string why = read_regular_file(path, text); !why.empty()) {
    Diagnostic d;
    d.file = path;
    d.key = "inetd_conf";
    d.message = "cannot read '" + path + "': " + why;
    diags.push_back(std::move(d));
    return;
  }
  parse_inetd_conf(text, path, out, diags);
}

std::vector<std::string> inetd_service_names(const std::vector<InetdEntry>& all) {
  std::map<std::string, int> uses;
  std::vector<std::string> names;
  for (const InetdEntry& e : all) ++uses[base_name(e)];
  for (const InetdEntry& e : all) {
    std::string name = base_name(e);
    if (uses[name] > 1) name += "-" + e.proto;
    names.push_back(name);
  }
  // Still the same (one service, one protocol, two hosts): number them in order.
  std::map<std::string, int> count, seen;
  for (const std::string& n : names) ++count[n];
  for (std::string& n : names)
    if (count[n] > 1) n += "-" + std::to_string(++seen[n]);
  // A number may make the name another entry has ("echo-tcp-2" written as
  // such): the later one gets a further number.
  std::set<std::string> used;
  for (std::string& n : names) {
    std::string base = n;
    for (int k = 2; !used.insert(n).second; ++k) n = base + "-" + std::to_string(k);
  }
  return names;
}

Settings inetd_settings(const std::vector<InetdEntry>& all) {
  Settings out;
  std::vector<std::string> names = inetd_service_names(all);
  for (std::size_t i = 0; i < all.size(); ++i) {
    const InetdEntry& e = all[i];
    Origin o{Layer::ConfFile, e.file, e.line};
    auto set = [&](const char* key, std::string text) {
      out.push_back(Setting{names[i], key, std::move(text), o});
    };
    set("port", endpoint_text(e));
    if ((e.proto == "tcp6" || e.proto == "udp6") && (e.host.empty() || e.host == "*"))
      set("v6only", "yes");
    if (e.server == "internal") {
      set("builtin", e.service);
    } else {
      // The program's path is its argv[0] unless inetd.conf says otherwise.
      std::string exec;
      if (e.args.empty()) {
        exec = quote_word(e.server);
      } else {
        if (e.args[0] != e.server) exec = "@" + quote_word(e.server) + " ";
        for (std::size_t a = 0; a < e.args.size(); ++a) exec += (a ? " " : "") + quote_word(e.args[a]);
      }
      set("exec", exec);
      set("wait", e.wait ? "yes" : "no");
      set("user", e.user);
      if (!e.group.empty()) set("group", e.group);
    }
    if (e.max > 0) set("max_rate", format_rate(e.max));
  }
  return out;
}

std::string render_inetd_import(const std::vector<InetdEntry>& all) {
  std::string out;
  Settings settings = inetd_settings(all);
  std::string section;
  for (const Setting& s : settings) {
    if (s.section != section) {
      section = s.section;
      out += "\n# " + s.origin.file + ":" + std::to_string(s.origin.line) + ": ";
      for (const InetdEntry& e : all)
        if (e.file == s.origin.file && e.line == s.origin.line) out += e.text;
      out += "\n[" + section + "]\n";
    }
    out += s.key + " = " + s.text + "\n";
  }
  return out;
}

}  // namespace superd::conf
