// SPDX-License-Identifier: MIT
// Fuzzes access rules: each line is "allow X", "deny X", "cidr_allow X" or
// "cidr_deny X"; the rules then judge a few fixed peers.
#include <sstream>
#include <string>

#include "conf/value.hpp"
#include "fuzz_target.hpp"
#include "net/access.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  superd::net::AccessPolicy policy;
  std::string line, error;
  while (std::getline(in, line) && policy.allow.size() + policy.deny.size() < 16) {
    auto space = line.find(' ');
    if (space == std::string::npos) continue;
    std::string kind = line.substr(0, space), value = line.substr(space + 1);
    superd::net::Pattern p;
    superd::net::Cidr c;
    if (kind == "allow" && superd::conf::parse_value(value, p, error)) policy.allow.push_back(p);
    if (kind == "deny" && superd::conf::parse_value(value, p, error)) policy.deny.push_back(p);
    if (kind == "cidr_allow" && superd::conf::parse_value(value, c, error)) policy.cidr_allow.push_back(c);
    if (kind == "cidr_deny" && superd::conf::parse_value(value, c, error)) policy.cidr_deny.push_back(c);
  }
  for (const char* peer : {"127.0.0.1", "10.1.2.3", "::1", "2001:db8::7"}) {
    superd::net::IpAddress addr;
    superd::net::IpAddress::parse(peer, addr);
    (void)policy.decide(addr, "host.example.org");
  }
  return 0;
}
