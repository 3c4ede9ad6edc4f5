// SPDX-License-Identifier: MIT
// The keys of reverse lookups: `reverse_resolver` (the DNS server asked,
// by default the first nameserver of /etc/resolv.conf, read when the
// configuration loads) and `reverse_timeout`. Part of load().
#include <cctype>
#include <fstream>
#include <sstream>
#include <string>

#include "conf/resolve.hpp"

namespace superd::conf {

Origin global_origin(const Config& c, const std::string& key);

namespace {

constexpr double kMaxTimeout = 60;

// "IP", "IP:PORT", "[IPv6]:PORT" or a bare IPv6 address.
bool parse_server(const std::string& text, net::IpAddress& addr, std::uint16_t& port) {
  std::string host = text, digits;
  port = 53;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string::npos) return false;
    host = text.substr(1, close - 1);
    if (close + 1 < text.size()) {
      if (text[close + 1] != ':') return false;
      digits = text.substr(close + 2);
    }
  } else if (text.find(':') != std::string::npos && text.find(':') == text.rfind(':')) {
    host = text.substr(0, text.find(':'));
    digits = text.substr(text.find(':') + 1);
  }
  if (!digits.empty() || (text.find("]:") != std::string::npos)) {
    if (digits.empty() || digits.size() > 5) return false;
    for (char c : digits)
      if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    unsigned long p = std::stoul(digits);
    if (p == 0 || p > 65535) return false;
    port = static_cast<std::uint16_t>(p);
  }
  return net::IpAddress::parse(host, addr);
}

// The first usable `nameserver` of resolv.conf(5); 127.0.0.1 when there is none.
std::string system_nameserver() {
  std::ifstream f("/etc/resolv.conf");
  std::string line;
  while (std::getline(f, line)) {
    std::istringstream words(line);
    std::string key, value;
    if (!(words >> key >> value) || key != "nameserver") continue;
    value = value.substr(0, value.find('%'));  // a link-local scope superd does not keep
    net::IpAddress a;
    if (net::IpAddress::parse(value, a)) return value.find(':') != std::string::npos ? "[" + value + "]" : value;
  }
  return "127.0.0.1";
}

}  // namespace

void check_reverse(Config& c, std::vector<Diagnostic>& diags) {
  GlobalConfig& g = c.global;
  if (g.reverse_timeout.value <= 0 || g.reverse_timeout.value > kMaxTimeout)
    diags.push_back(diagnostic_at(global_origin(c, "reverse_timeout"), "", "reverse_timeout",
                                  "reverse_timeout must be more than 0 and at most 60 seconds", ""));
  std::string text = g.reverse_resolver.empty() ? system_nameserver() : g.reverse_resolver;
  if (!parse_server(text, g.resolver_address, g.resolver_port)) {
    if (g.reverse_resolver.empty()) {
      g.resolver_address = {};
      net::IpAddress::parse("127.0.0.1", g.resolver_address);
      g.resolver_port = 53;
      return;
    }
    diags.push_back(diagnostic_at(global_origin(c, "reverse_resolver"), "", "reverse_resolver",
                                  "reverse_resolver '" + text + "' is not a DNS server address",
                                  "an IP address, IP:PORT or [IPv6]:PORT"));
  }
}

}  // namespace superd::conf
