// SPDX-License-Identifier: MIT
// The address forms of xinetd's only_from and no_access as superd access
// rules, and port look-ups in /etc/services text, for the importer.
// xinetd reads "10.1.0.0" as the block 10.1.0.0/16 (trailing zero octets are
// wildcards) and "0.0.0.0" as every address; "10.1.{2,3}" lists blocks. A
// host name can only be matched on the peer's reverse name, which superd's
// `allow`/`deny` regexes see with reverse_lookups = yes; the exact regex is
// emitted so the rule keeps its meaning.
#include <cctype>

#include "conf/xinetd_import.hpp"
#include "net/cidr.hpp"

namespace superd::conf {

namespace {

// "1.2.3" -> {1, 2, 3}; false unless 1..4 decimal octets.
bool octets(std::string_view s, std::vector<int>& out) {
  out.clear();
  std::size_t i = 0;
  while (true) {
    std::size_t j = i;
    int v = 0;
    while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j])) && j - i < 3)
      v = v * 10 + (s[j++] - '0');
    if (j == i || v > 255) return false;
    out.push_back(v);
    if (j == s.size()) return out.size() <= 4;
    if (s[j] != '.' || out.size() == 4) return false;
    i = j + 1;
  }
}

std::string block(const std::vector<int>& o, int bits) {
  std::string text;
  for (std::size_t i = 0; i < 4; ++i) text += (i ? "." : "") + std::to_string(i < o.size() ? o[i] : 0);
  return bits == 32 ? text : text + "/" + std::to_string(bits);
}

bool host_name(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  bool letter = false;
  for (char c : s) {
    if (std::isalpha(static_cast<unsigned char>(c))) letter = true;
    else if (!std::isdigit(static_cast<unsigned char>(c)) && c != '-' && c != '.' && c != '_')
      return false;
  }
  return letter;
}

// A host name as an exact, anchored regex; ".example.com" matches its domain.
std::string name_pattern(std::string_view s) {
  std::string re = s[0] == '.' ? "" : "^";
  for (char c : s) {
    if (c == '.') re += "\\.";
    else re += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return re + "$";
}

bool factorized(std::string_view s, XinetdHosts& out) {
  auto open = s.find('{');
  if (open == 0 || s[open - 1] != '.' || s.back() != '}') return false;
  std::vector<int> base;
  if (!octets(s.substr(0, open - 1), base) || base.size() > 3) return false;
  std::string_view list = s.substr(open + 1, s.size() - open - 2);
  std::vector<std::string> made;
  while (true) {
    auto comma = list.find(',');
    std::vector<int> one;
    if (!octets(list.substr(0, comma), one) || one.size() != 1) return false;
    std::vector<int> o = base;
    o.push_back(one[0]);
    made.push_back(block(o, static_cast<int>(o.size()) * 8));
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  out.cidrs.insert(out.cidrs.end(), made.begin(), made.end());
  return true;
}

bool one_entry(const std::string& e, XinetdHosts& out) {
  std::vector<int> o;
  net::Cidr cidr;
  std::string ignored;
  if (e.find('/') != std::string::npos) {
    if (!net::parse_cidr(e, cidr, ignored)) return false;
    out.cidrs.push_back(e);
  } else if (e.find('{') != std::string::npos) {
    return factorized(e, out);
  } else if (e.find(':') != std::string::npos) {
    if (!net::parse_cidr(e, cidr, ignored)) return false;
    out.cidrs.push_back(e);
  } else if (octets(e, o) && o.size() == 4) {
    int bits = 32;
    while (bits > 0 && o[bits / 8 - 1] == 0) bits -= 8;
    out.cidrs.push_back(block(o, bits));
    if (bits == 0) out.cidrs.push_back("::/0");  // xinetd: 0.0.0.0 matches every address
  } else if (host_name(e)) {
    out.patterns.push_back(name_pattern(e));
  } else {
    return false;
  }
  return true;
}

}  // namespace

bool xinetd_hosts(const std::vector<std::string>& entries, XinetdHosts& out, std::string& error) {
  for (const std::string& e : entries) {
    if (!one_entry(e, out)) {
      error = "'" + e + "' is not an address, address block or host name";
      return false;
    }
  }
  return true;
}

int services_port(std::string_view services, const std::string& name, const std::string& proto) {
  std::size_t pos = 0;
  while (pos < services.size()) {
    std::size_t nl = services.find('\n', pos);
    std::string_view line = services.substr(pos, nl == std::string_view::npos ? nl : nl - pos);
    pos = nl == std::string_view::npos ? services.size() : nl + 1;
    line = line.substr(0, line.find('#'));
    std::vector<std::string_view> w;
    for (std::size_t i = 0; i < line.size();) {
      while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
      std::size_t j = i;
      while (j < line.size() && !std::isspace(static_cast<unsigned char>(line[j]))) ++j;
      if (j > i) w.push_back(line.substr(i, j - i));
      i = j;
    }
    if (w.size() < 2) continue;
    auto slash = w[1].find('/');
    if (slash == std::string_view::npos || w[1].substr(slash + 1) != proto) continue;
    bool named = false;
    for (std::size_t i = 0; i < w.size(); ++i)
      if (i != 1 && w[i] == name) named = true;
    if (!named) continue;
    int port = 0;
    for (char c : w[1].substr(0, slash)) {
      if (!std::isdigit(static_cast<unsigned char>(c)) || port > 65535) return 0;
      port = port * 10 + (c - '0');
    }
    return port >= 1 && port <= 65535 ? port : 0;
  }
  return 0;
}

}  // namespace superd::conf
