// SPDX-License-Identifier: MIT
// tcpmux_name: the name a TCPMUX client (RFC 1078) sends to reach a
// service. Checked per service (the name's form, and a service that can be
// handed a connection) and across services (no name twice, in any case,
// since TCPMUX names are not case sensitive).
#include <strings.h>

#include <cctype>
#include <map>
#include <string>

#include "conf/checker.hpp"

namespace superd::conf {

namespace {
constexpr std::size_t kNameMax = 64;

std::string bare(const std::string& t) { return t.substr(!t.empty() && t[0] == '+' ? 1 : 0); }

// A program reached through TCPMUX gets a TCP connection: one written for
// datagrams only would be handed a stream.
bool has_stream_endpoint(const ServiceConfig& s) {
  for (const net::Endpoint& e : s.endpoints)
    if (e.stream()) return true;
  return false;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}
}  // namespace

void check_tcpmux_name(Checker& ck) {
  ServiceConfig& s = ck.s;
  // The service a name reaches judges the client by the handed-over socket:
  // behind TLS (a relay's socketpair) or a PROXY header it would judge
  // superd or the balancer instead.
  if (s.builtin == "tcpmux" && !s.tls_cert.empty())
    ck.error("tls_cert", "a tcpmux service cannot use TLS: the services it reaches would see superd's relay, "
                         "not the client");
  if (s.builtin == "tcpmux" && s.proxy_protocol != net::ProxyVersion::Off)
    ck.error("proxy_protocol", "a tcpmux service cannot read the PROXY protocol: the services it reaches would "
                               "judge the balancer, not the client");
  if (s.tcpmux_name.empty()) return;
  std::string name = bare(s.tcpmux_name);
  bool printable = true;
  for (char c : name) printable &= c > ' ' && c < 0x7f;
  if (name.empty() || name.size() > kNameMax || !printable)
    ck.error("tcpmux_name", "tcpmux_name '" + s.tcpmux_name + "' is not a TCPMUX name",
             "1 to " + std::to_string(kNameMax) + " printable ASCII characters without blanks, "
             "after an optional '+'");
  else if (::strcasecmp(name.c_str(), "HELP") == 0)
    ck.error("tcpmux_name", "tcpmux_name 'HELP' is reserved: TCPMUX answers it with the list of names");
  if (s.builtin == "tcpmux")
    ck.error("tcpmux_name", "a tcpmux service cannot be reached through TCPMUX itself");
  else if (s.builtin.empty() && s.wait.value_or(false))
    ck.error("tcpmux_name", "TCPMUX hands over one connection, but a wait-mode program takes a listening socket",
             "use wait = no");
  else if (s.builtin.empty() && !s.endpoints.empty() && !has_stream_endpoint(s))
    ck.error("tcpmux_name", "TCPMUX hands over a TCP connection, but the program serves only datagram endpoint " +
                                s.endpoints.front().str() + (s.endpoints.size() > 1 ? " and others" : ""),
             "add a stream endpoint, or remove tcpmux_name");
}

void check_tcpmux_clashes(const Config& c, std::vector<Diagnostic>& diags) {
  std::map<std::string, const ServiceConfig*> seen;
  for (const ServiceConfig& s : c.services) {
    if (s.disabled || s.tcpmux_name.empty()) continue;
    auto [it, fresh] = seen.emplace(lower(bare(s.tcpmux_name)), &s);
    if (fresh) continue;
    Origin o;
    if (std::optional<ShownValue> v = c.shown.find(s.name, "tcpmux_name")) o = v->origin;
    diags.push_back(diagnostic_at(o, s.name, "tcpmux_name",
                                  "service '" + s.name + "': tcpmux_name '" + bare(s.tcpmux_name) +
                                      "' is taken by service '" + it->second->name + "'",
                                  "TCPMUX names are not case sensitive"));
  }
}

}  // namespace superd::conf
