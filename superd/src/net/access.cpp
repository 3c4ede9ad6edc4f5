// SPDX-License-Identifier: MIT
#include "net/access.hpp"

namespace superd::net {

namespace {
bool matches(const Pattern& p, const std::string& addr, const std::string& name) {
  return std::regex_search(addr, *p.re) || (!name.empty() && std::regex_search(name, *p.re));
}
}  // namespace

std::string AccessPolicy::decide(const IpAddress& addr, const std::string& name) const {
  std::string text = addr.str();
  for (const Cidr& c : cidr_deny)
    if (c.contains(addr)) return "cidr_deny " + c.text;
  for (const Pattern& p : deny)
    if (matches(p, text, name)) return "deny " + p.text;
  if (cidr_allow.empty() && allow.empty()) return {};
  for (const Cidr& c : cidr_allow)
    if (c.contains(addr)) return {};
  for (const Pattern& p : allow)
    if (matches(p, text, name)) return {};
  return "not matched by any allow or cidr_allow rule";
}

}  // namespace superd::net
