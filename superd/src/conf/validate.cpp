// SPDX-License-Identifier: MIT
// Whole-service checks made after every key is applied: endpoints parsed with
// the service's host/proto, exactly one of exec/builtin, identities resolved
// through UserDb, access rules compiled; then superd's own privileges: what it
// keeps when it drops root, or, once it has, whether the services make do
// with that. Part of load(); see resolve.hpp.
#include <net/if.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <map>
#include <tuple>
#include <utility>

#include "conf/checker.hpp"
#include "conf/privileges.hpp"
#include "conf/resolve.hpp"
#include "conf/schema.hpp"

namespace superd::conf {

namespace {

void check_endpoints(Checker& ck) {
  ServiceConfig& s = ck.s;
  if (!net::valid_proto(s.proto))
    ck.error("proto", "unknown protocol '" + s.proto + "'", "expected tcp, udp or unix");
  if (s.port.empty() && s.tcpmux_name.empty()) ck.error("port", "no endpoint to listen on", "add 'port = PORT/PROTO'");
  for (std::size_t i = 0; i < s.port.size(); ++i) {
    const std::string& text = s.port[i];
    net::Endpoint e;
    std::string err;
    if (!net::parse_endpoint(text, s.host, s.proto, e, err))
      ck.error("port", i, "bad endpoint '" + text + "': " + err);
    else {
      if (!e.unix_domain()) {
        e.v6only = s.v6only;
        e.reuse_port = s.reuse_port;
        e.freebind = s.freebind;
        e.device = s.bind_to_device;
      }
      s.endpoints.push_back(e);
    }
  }
}

// Whole seconds from `min` to `max`, as setsockopt() takes them.
void check_whole_seconds(Checker& ck, const char* key, const Seconds& v, int max,
                         const char* zero) {
  if (v.value == 0 || (v.value >= 1 && v.value <= max && v.value == static_cast<int>(v.value)))
    return;
  ck.error(key, "'" + std::string(key) + "' must be whole seconds from 1 to " +
                    std::to_string(max) + " (0: " + zero + ")");
}

// The kernel's rule for interface names (dev_valid_name).
bool valid_interface_name(const std::string& name) {
  if (name.empty() || name.size() >= IFNAMSIZ || name == "." || name == "..") return false;
  for (char c : name)
    if (c == '/' || c == ':' || std::isspace(static_cast<unsigned char>(c))) return false;
  return true;
}

// An option set in the service's own section (not inherited from the global
// one) that no endpoint of the service can take is a mistake.
void check_applies(Checker& ck, const char* key, net::Applies applies) {
  std::optional<ShownValue> v = ck.shown(key);
  if (!v || v->inherited || v->origin.layer == Layer::Default) return;
  std::string others;
  for (const net::Endpoint& e : ck.s.endpoints) {
    if (net::applies_to(applies, e)) return;
    others += (others.empty() ? "" : ", ") + e.str();
  }
  if (others.empty()) return;  // no endpoint at all: reported already
  ck.error(key, "'" + std::string(key) + "' applies to " + net::applies_text(applies) +
                    " only, not to " + others);
}

void check_socket_options(Checker& ck) {
  ServiceConfig& s = ck.s;
  // TCP_KEEPIDLE and TCP_KEEPINTVL refuse more than 32767 (MAX_TCP_KEEPIDLE).
  check_whole_seconds(ck, "keepalive_time", s.keepalive_time, 32767, "the system's default");
  check_whole_seconds(ck, "keepalive_interval", s.keepalive_interval, 32767, "the system's default");
  check_whole_seconds(ck, "defer_accept", s.defer_accept, 3600, "off");
  if (!s.bind_to_device.empty() && !valid_interface_name(s.bind_to_device))
    ck.error("bind_to_device", "'" + s.bind_to_device + "' is not an interface name",
             "at most " + std::to_string(IFNAMSIZ - 1) + " bytes, without '/', ':' or blanks");
  if (s.reuse_port) check_applies(ck, "reuse_port", net::Applies::Inet);
  if (s.freebind) check_applies(ck, "freebind", net::Applies::Inet);
  if (!s.bind_to_device.empty()) check_applies(ck, "bind_to_device", net::Applies::Inet);
  for (const net::SetOption& o : net::options_set(listen_options(s)))
    check_applies(ck, o.key, o.applies);
}

// The header is read from an accepted connection, before anything else:
// there is none to read from in wait mode or on a datagram socket. Where a
// header may come over IP, the balancers must be named, or any client could
// claim any address.
void check_proxy(Checker& ck) {
  ServiceConfig& s = ck.s;
  if (s.proxy_protocol == net::ProxyVersion::Off) return;
  bool has_exec = !s.exec.words.empty();
  bool inet_stream = false;
  for (const net::Endpoint& e : s.endpoints) {
    if (!e.stream())
      ck.error("proxy_protocol", "'proxy_protocol' applies to stream endpoints only, not to " + e.str());
    else if (has_exec && s.wait.value_or(false))
      ck.error("proxy_protocol", "'proxy_protocol' needs wait = no: in wait mode the program accepts on " +
                                     e.str() + " and superd reads no header");
    inet_stream = inet_stream || (e.stream() && !e.unix_domain());
  }
  if (inet_stream && s.proxy_from.empty())
    ck.error("proxy_protocol", "'proxy_protocol = " + std::string(net::proxy_version_name(s.proxy_protocol)) +
                                   "' without 'proxy_from' would let any client claim any address",
             "list the balancers' addresses: proxy_from = 10.0.0.5/32");
}

// TLS is set up on an accepted connection, like the PROXY header; the
// contexts are loaded here so that a bad file fails the load, naming it.
void check_tls(Checker& ck) {
  ServiceConfig& s = ck.s;
  if (s.tls_cert.empty()) {
    if (!s.tls_key.empty()) ck.error("tls_key", "'tls_key' without 'tls_cert'");
    return;
  }
  bool has_exec = !s.exec.words.empty();
  // A global tls_cert is every TLS-capable service's default; a datagram
  // or wait-mode service just goes without it. Set in its own section, it is a mistake.
  std::optional<ShownValue> v = ck.shown("tls_cert");
  bool own = v && !v->inherited;
  std::vector<std::pair<std::string, std::string>> problems;
  for (const net::Endpoint& e : s.endpoints) {
    if (!e.stream())
      problems.emplace_back("tls_cert", "TLS applies to stream endpoints only, not to " + e.str());
    else if (has_exec && s.wait.value_or(false))
      problems.emplace_back("tls_cert", "TLS needs wait = no: in wait mode the program accepts on " + e.str() +
                                            " itself");
  }
  if (!problems.empty()) {
    if (own)
      for (auto& [key, message] : problems) ck.error(key, message);
    return;
  }
  if (s.tls_handshake_timeout.value <= 0)
    return ck.error("tls_handshake_timeout", "'tls_handshake_timeout' must be more than 0 seconds");
  net::TlsSettings t{s.tls_cert, s.tls_key, s.tls_ca, s.tls_verify_client, s.tls_min_version,
                     s.tls_ciphers, s.tls_ciphersuites, {}};
  std::string_view alpn = s.tls_alpn;
  while (!alpn.empty()) {
    std::size_t comma = alpn.find(',');
    t.alpn.emplace_back(alpn.substr(0, comma));
    alpn = comma == std::string_view::npos ? std::string_view() : alpn.substr(comma + 1);
  }
  net::TlsContext::Error error;
  std::vector<net::TlsContext::Error> warnings;
  s.tls = net::TlsContext::make(t, error, &warnings);
  if (!s.tls) return ck.error(error.key, error.message);
  for (const net::TlsContext::Error& w : warnings) {  // served all the same, and said at every load
    bool ok = ck.ok;
    ck.error(w.key, w.message);
    ck.diags.back().severity = Severity::Warning;
    ck.ok = ok;
  }
}

void check_handler(Checker& ck, const BuiltinCatalog& builtins) {
  ServiceConfig& s = ck.s;
  bool has_exec = !s.exec.words.empty(), has_builtin = !s.builtin.empty();
  if (has_exec == has_builtin) {
    ck.error(has_exec ? "builtin" : "exec",
             has_exec ? "sets both 'exec' and 'builtin'" : "sets neither 'exec' nor 'builtin'",
             "a service runs a program (exec) or a built-in (builtin), exactly one");
    return;
  }
  if (has_builtin) {
    auto it = builtins.find(s.builtin);
    if (it == builtins.end()) {
      std::vector<std::string> names;
      for (const auto& [n, info] : builtins) names.push_back(n);
      std::string guess = closest(s.builtin, names);
      std::string all;
      for (const auto& n : names) all += (all.empty() ? "" : ", ") + n;
      ck.error("builtin", "unknown built-in '" + s.builtin + "'",
               guess.empty() ? "built-ins: " + all : "did you mean '" + guess + "'?");
      return;
    }
    if (s.wait) ck.error("wait", "'wait' applies only to exec services");
    if (s.listen_fds) ck.error("listen_fds", "'listen_fds' applies only to exec services");
    if (s.prefork > 0) ck.error("prefork", "'prefork' applies only to exec services");
    for (const net::Endpoint& e : s.endpoints)
      if ((e.stream() && !it->second.stream) || (!e.stream() && !it->second.datagram))
        ck.error("port", "built-in '" + s.builtin + "' does not serve " +
                             (e.stream() ? "stream" : "datagram") + " endpoint " + e.str());
    return;
  }
  // Caught here, a typo shows in --check rather than as exit 127 on every
  // connection; a warning only, since the program may be installed later.
  std::string path = s.chroot + s.exec.program();
  if (::access(path.c_str(), X_OK) != 0) {
    int err = errno;
    bool ok = ck.ok;
    ck.error("exec", "program '" + path + "' cannot be run now: " + std::strerror(err));
    ck.diags.back().severity = Severity::Warning;
    ck.ok = ok;
  }
  for (const net::Endpoint& e : s.endpoints) {
    if (!e.stream() && e.unix_domain() && s.wait == false)
      ck.error("wait", "'wait = no' is not possible on Unix datagram endpoint " + e.str(),
               "a program per peer needs peer addresses, which unbound Unix clients lack: use wait = yes");
    if (!e.stream() && s.wait == false && s.listen_fds)
      ck.error("listen_fds", "'listen_fds = yes' hands the socket itself to the program, but datagram endpoint " +
                                 e.str() + " with wait = no starts one program per peer",
               "add wait = yes");
    if (!e.stream() && s.wait == false && s.prefork > 0)
      ck.error("prefork", "'prefork = " + std::to_string(s.prefork) +
                              "' keeps programs that read the socket themselves, but datagram endpoint " +
                              e.str() + " with wait = no starts one program per peer",
               "add wait = yes");
    if (s.listen_fds && e.stream() && !s.wait.value_or(false))
      ck.error("listen_fds", "'listen_fds = yes' hands the socket itself to the program, but stream endpoint " +
                                 e.str() + " starts one program per connection",
               "add wait = yes");
    if (s.prefork > 0 && e.stream() && !s.wait.value_or(false))
      ck.error("prefork", "'prefork = " + std::to_string(s.prefork) +
                              "' keeps programs that accept for themselves, but stream endpoint " + e.str() +
                              " starts one program per connection",
               "add wait = yes");
  }
}

void check_identity(Checker& ck, const UserDb& users, const Privileges& running) {
  ServiceConfig& s = ck.s;
  uid_t self = running.uid;
  bool has_exec = !s.exec.words.empty();
  // After the drop, what superd kept decides; settle_privileges() says what is missing.
  bool can_switch = running.can_switch_users() || running.dropped;
  if (!s.user.empty()) {
    UserDb::User u;
    if (!users.find_user(s.user, u)) {
      ck.error("user", "unknown user '" + s.user + "'");
    } else {
      s.identity = Identity{true, s.user, u.uid, u.gid, u.groups};
      if (!can_switch && u.uid != self)
        ck.error("user",
                 "superd runs as uid " + std::to_string(self) + " and cannot switch to user '" +
                     s.user + "' (uid " + std::to_string(u.uid) + ")",
                 "run superd as root or with CAP_SETUID and CAP_SETGID, or remove 'user'");
    }
  } else if (has_exec && running.root) {
    ck.error("exec", "would run '" + s.exec.program() + "' as root without saying so",
             "set 'user' to the account it should run as; 'user = root' allows root");
  }
  if (!s.group.empty()) {
    gid_t g = 0;
    if (!users.find_group(s.group, g)) {
      ck.error("group", "unknown group '" + s.group + "'");
    } else {
      if (!s.identity.set) s.identity = Identity{true, "", self, g, {}};
      s.identity.gid = g;
      if (!can_switch) ck.error("group", "only root can run a program with another group");
    }
  }
  if (!s.socket_owner.empty()) {
    UserDb::User u;
    if (users.find_user(s.socket_owner, u)) s.socket_uid = u.uid;
    else ck.error("socket_owner", "unknown user '" + s.socket_owner + "'");
  }
  if (!s.socket_group.empty()) {
    gid_t g = 0;
    if (users.find_group(s.socket_group, g)) s.socket_gid = g;
    else ck.error("socket_group", "unknown group '" + s.socket_group + "'");
  }
}

}  // namespace

// Where a global key was set (its default place when it was not).
Origin global_origin(const Config& c, const std::string& key) {
  std::optional<ShownValue> v = c.shown.find("", key);
  return v ? v->origin : Origin{};
}

namespace {

std::string quoted(const std::string& v) { return v.empty() ? "unset" : "'" + v + "'"; }

// After the drop: superd's own identity cannot change, and every enabled
// service must make do with the capabilities superd kept.
void check_against_dropped(const Config& c, const Privileges& running,
                           std::vector<Diagnostic>& diags) {
  const ServiceConfig& g = c.global.defaults;
  for (const auto& [key, then, now] :
       {std::tuple{"user", running.user, g.user}, std::tuple{"group", running.group, g.group},
        std::tuple{"chroot", running.chroot, g.chroot}})
    if (then != now)
      diags.push_back(diagnostic_at(global_origin(c, key), "", key,
                                    std::string("global '") + key + "' is now " + quoted(now) +
                                        ", but superd dropped its privileges at start with " +
                                        quoted(then),
                                    "restart superd to change that"));
  for (const ServiceConfig& s : c.services) {
    if (s.disabled) continue;
    // Missing capabilities grouped by the key that needs them, in order.
    std::vector<std::pair<std::string, CapSet>> missing;
    for (const Need& n : service_needs(s, running)) {
      if (running.caps.has(n.cap)) continue;
      if (missing.empty() || missing.back().first != n.key) missing.push_back({n.key, {}});
      missing.back().second.add(n.cap);
    }
    ServiceConfig copy;  // only for locating the message
    copy.name = s.name;
    Checker ck{copy, c, diags};
    for (const auto& [key, caps] : missing)
      ck.error(key,
               "needs " + describe(caps) + " for '" + key +
                   "', which superd dropped when it started as user '" + running.user + "'",
               "restart superd to change that");
  }
}

// Root with a global `user`: superd will drop to that user after binding,
// keeping only the capabilities this configuration needs.
void plan_drop(Config& c, const UserDb& users, std::vector<Diagnostic>& diags) {
  const ServiceConfig& g = c.global.defaults;
  Privileges self;
  self.dropped = true;
  self.user = g.user;
  self.group = g.group;
  self.chroot = g.chroot;
  UserDb::User u;
  if (!users.find_user(g.user, u)) {
    diags.push_back(diagnostic_at(global_origin(c, "user"), "", "user",
                                  "unknown user '" + g.user + "' for superd to run as"));
    return;
  }
  // "user = root" in the global section is the services' default, not a
  // drop: root keeps being root (unless it confines itself with chroot).
  if (u.uid == 0 && g.chroot.empty()) return;
  self.uid = u.uid;
  self.gid = u.gid;
  self.groups = u.groups;
  if (!g.group.empty() && !users.find_group(g.group, self.gid)) {
    diags.push_back(diagnostic_at(global_origin(c, "group"), "", "group",
                                  "unknown group '" + g.group + "' for superd to run as"));
    return;
  }
  // Programs of services that inherit superd's own chroot run inside it
  // already: they are not confined again.
  if (!self.chroot.empty())
    for (ServiceConfig& s : c.services)
      if (s.chroot == self.chroot) s.chroot.clear();
  self.caps = kept_capabilities(c.services, self);
  c.self = std::move(self);
}

}  // namespace

net::ListenOptions listen_options(const ServiceConfig& s) {
  net::ListenOptions o{s.listen.value, s.socket_mode.value, s.socket_uid, s.socket_gid};
  o.keepalive = s.keepalive;
  o.keepalive_time = static_cast<int>(s.keepalive_time.value);
  o.keepalive_interval = static_cast<int>(s.keepalive_interval.value);
  o.keepalive_count = s.keepalive_count;
  o.nodelay = s.nodelay;
  o.defer_accept = static_cast<int>(s.defer_accept.value);
  o.send_buffer = s.send_buffer.value;
  o.receive_buffer = s.receive_buffer.value;
  o.mark = static_cast<int>(s.mark.value);
  o.ip_tos = s.ip_tos;
  return o;
}

bool finalize_service(ServiceConfig& s, const Config& c, const BuiltinCatalog& builtins,
                      const UserDb& users, const Privileges& running,
                      std::vector<Diagnostic>& diags) {
  Checker ck{s, c, diags};
  check_endpoints(ck);
  check_socket_options(ck);
  check_handler(ck, builtins);
  check_proxy(ck);
  check_tls(ck);
  check_identity(ck, users, running);
  check_peer_users(ck, users);
  check_tcpmux_name(ck);
  check_hub(ck, running);
  if (!s.chroot.empty() && s.chroot[0] != '/')
    ck.error("chroot", "chroot directory '" + s.chroot + "' must be an absolute path");
  s.access = net::AccessPolicy{s.cidr_allow, s.cidr_deny, s.allow, s.deny};
  return ck.ok;
}

// Two services clash on one address unless both name a different interface:
// reuse_port and freebind do not let one superd take a socket twice.
void check_endpoint_clashes(const Config& c, std::vector<Diagnostic>& diags) {
  check_tcpmux_clashes(c, diags);
  struct User {
    const ServiceConfig* service;
    std::string device;
  };
  std::map<std::string, std::vector<User>> users;
  for (const ServiceConfig& s : c.services) {
    if (s.disabled) continue;
    for (const net::Endpoint& e : s.endpoints) {
      net::Endpoint address = e;
      address.reuse_port = address.freebind = false;
      address.device.clear();
      auto& list = users[net::endpoint_identity(address)];
      const ServiceConfig* clash = nullptr;
      bool twice = false;  // the same service names it again
      for (const User& u : list) {
        if (!u.device.empty() && !e.device.empty() && u.device != e.device) continue;
        if (u.service == &s) twice = true;
        else if (!clash) clash = u.service;
      }
      list.push_back(User{&s, e.device});
      if (!clash && !twice) continue;
      ServiceConfig copy;  // only for locating the message
      copy.name = s.name;
      Checker ck{copy, c, diags};
      if (twice) ck.error("port", "endpoint " + e.str() + " is given twice", "name each endpoint once");
      else ck.error("port", "endpoint " + e.str() + " is also used by service '" + clash->name + "'");
    }
  }
}

// `metrics`: a TCP endpoint (HOST:PORT, a bare port on every address) or a
// Unix stream socket path.
void check_metrics(Config& c, std::vector<Diagnostic>& diags) {
  c.global.metrics_endpoint.reset();
  const std::string& text = c.global.metrics;
  if (text.empty()) return;
  net::Endpoint e;
  std::string err;
  bool bare_path = text.front() == '/' && text.find('|') == std::string::npos;
  if (!net::parse_endpoint(bare_path ? text + "|unix" : text, "*", "tcp", e, err)) {
    diags.push_back(diagnostic_at(global_origin(c, "metrics"), "", "metrics",
                                  "metrics '" + text + "': " + err,
                                  "use HOST:PORT (e.g. 127.0.0.1:9100) or an absolute socket path"));
    return;
  }
  if (!e.stream()) {
    diags.push_back(diagnostic_at(global_origin(c, "metrics"), "", "metrics",
                                  "metrics '" + text + "' must be a TCP or Unix stream endpoint",
                                  "use HOST:PORT (e.g. 127.0.0.1:9100) or an absolute socket path"));
    return;
  }
  c.global.metrics_endpoint = e;
}

void settle_privileges(Config& c, const UserDb& users, const Privileges& running,
                       std::vector<Diagnostic>& diags) {
  c.self = running;
  if (running.dropped)
    check_against_dropped(c, running, diags);
  else if (running.root && !c.global.defaults.user.empty())
    plan_drop(c, users, diags);
}

}  // namespace superd::conf
