// SPDX-License-Identifier: MIT
#include "net/socket_options.hpp"

#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace superd::net {

namespace {

struct Spec {
  const char* key;
  int ListenOptions::*field;
  Applies applies;
  bool sticky;  ///< 0 cannot be set back: the kernel's default is "never set".
  int level, name;
  const char* text;
};

// clang-format off
const Spec kSpecs[] = {
  {"keepalive",          &ListenOptions::keepalive,          Applies::Tcp,  false, SOL_SOCKET,  SO_KEEPALIVE,     "SO_KEEPALIVE"},
  {"keepalive_time",     &ListenOptions::keepalive_time,     Applies::Tcp,  true,  IPPROTO_TCP, TCP_KEEPIDLE,     "TCP_KEEPIDLE"},
  {"keepalive_interval", &ListenOptions::keepalive_interval, Applies::Tcp,  true,  IPPROTO_TCP, TCP_KEEPINTVL,    "TCP_KEEPINTVL"},
  {"keepalive_count",    &ListenOptions::keepalive_count,    Applies::Tcp,  true,  IPPROTO_TCP, TCP_KEEPCNT,      "TCP_KEEPCNT"},
  {"nodelay",            &ListenOptions::nodelay,            Applies::Tcp,  false, IPPROTO_TCP, TCP_NODELAY,      "TCP_NODELAY"},
  {"defer_accept",       &ListenOptions::defer_accept,       Applies::Tcp,  false, IPPROTO_TCP, TCP_DEFER_ACCEPT, "TCP_DEFER_ACCEPT"},
  {"send_buffer",        &ListenOptions::send_buffer,        Applies::Any,  true,  SOL_SOCKET,  SO_SNDBUF,        "SO_SNDBUF"},
  {"receive_buffer",     &ListenOptions::receive_buffer,     Applies::Any,  true,  SOL_SOCKET,  SO_RCVBUF,        "SO_RCVBUF"},
  {"mark",               &ListenOptions::mark,               Applies::Inet, false, SOL_SOCKET,  SO_MARK,          "SO_MARK"},
  {"ip_tos",             &ListenOptions::ip_tos,             Applies::Inet, false, IPPROTO_IP,  IP_TOS,           "IP_TOS"},
};
// clang-format on

bool set_int(int fd, int level, int name, int value, const char* text, std::string& error) {
  if (::setsockopt(fd, level, name, &value, sizeof value) == 0) return true;
  error = std::string("setsockopt ") + text + ": " + std::strerror(errno);
  return false;
}

int family_of(int fd) {
  int family = AF_UNSPEC;
  socklen_t len = sizeof family;
  ::getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &family, &len);
  return family;
}

bool set_one(int fd, const Spec& s, int value, std::string& error) {
  // An IPv6 socket has its own traffic class; a dual-stack one also carries
  // IPv4 (mapped) connections, whose TOS byte comes from IP_TOS.
  if (s.name == IP_TOS && s.level == IPPROTO_IP && family_of(fd) == AF_INET6 &&
      !set_int(fd, IPPROTO_IPV6, IPV6_TCLASS, value, "IPV6_TCLASS", error))
    return false;
  return set_int(fd, s.level, s.name, value, s.text, error);
}

}  // namespace

bool applies_to(Applies applies, const Endpoint& e) {
  switch (applies) {
    case Applies::Tcp: return e.transport == Transport::Tcp;
    case Applies::Inet: return !e.unix_domain();
    case Applies::Any: return true;
  }
  return false;
}

const char* applies_text(Applies applies) {
  switch (applies) {
    case Applies::Tcp: return "TCP endpoints";
    case Applies::Inet: return "TCP and UDP endpoints";
    case Applies::Any: return "every endpoint";
  }
  return "";
}

bool set_socket_options(int fd, const Endpoint& e, const ListenOptions& now,
                        const ListenOptions* before, std::string& error) {
  for (const Spec& s : kSpecs) {
    if (!applies_to(s.applies, e)) continue;
    int value = now.*s.field;
    if (before ? before->*s.field == value : value == 0) continue;
    if (!set_one(fd, s, value, error)) return false;
  }
  return true;
}

std::vector<SetOption> options_set(const ListenOptions& o) {
  std::vector<SetOption> out;
  for (const Spec& s : kSpecs)
    if (o.*s.field != 0) out.push_back({s.key, s.applies});
  return out;
}

std::vector<std::string> changed_socket_options(const ListenOptions& a, const ListenOptions& b,
                                                const Endpoint& e) {
  std::vector<std::string> out;
  for (const Spec& s : kSpecs)
    if (applies_to(s.applies, e) && a.*s.field != b.*s.field) out.push_back(s.key);
  return out;
}

bool needs_new_socket(const ListenOptions& a, const ListenOptions& b, const Endpoint& e) {
  for (const Spec& s : kSpecs)
    if (s.sticky && applies_to(s.applies, e) && a.*s.field != 0 && b.*s.field == 0) return true;
  return false;
}

bool set_bind_options(int fd, const Endpoint& e, int family, std::string& error) {
  // "*" is one dual-stack socket unless `v6only` says otherwise; an explicit
  // IPv6 address keeps the system default unless `v6only` is set.
  if (family == AF_INET6 && (e.host == "*" || e.v6only) &&
      !set_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, e.v6only.value_or(false), "IPV6_V6ONLY", error))
    return false;
  if (e.reuse_port && !set_int(fd, SOL_SOCKET, SO_REUSEPORT, 1, "SO_REUSEPORT", error)) return false;
  if (e.freebind) {
    bool v6 = family == AF_INET6;
    if (!set_int(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_FREEBIND : IP_FREEBIND, 1,
                 v6 ? "IPV6_FREEBIND" : "IP_FREEBIND", error))
      return false;
  }
  if (!e.device.empty() && ::setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, e.device.c_str(),
                                        static_cast<socklen_t>(e.device.size())) != 0) {
    error = "setsockopt SO_BINDTODEVICE " + e.device + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

std::string bind_options_of(int fd, int family) {
  int reuse = 0, freebind = 0;
  socklen_t len = sizeof reuse;
  ::getsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &reuse, &len);
  len = sizeof freebind;
  bool v6 = family == AF_INET6;
  ::getsockopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_FREEBIND : IP_FREEBIND, &freebind, &len);
  char device[IFNAMSIZ] = "";
  len = sizeof device;
  if (::getsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, device, &len) != 0) len = 0;
  return bind_options_suffix(reuse != 0, freebind != 0, std::string(device, ::strnlen(device, len)));
}

}  // namespace superd::net
