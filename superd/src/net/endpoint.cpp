// SPDX-License-Identifier: MIT
#include "net/endpoint.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/un.h>

#include <cctype>

namespace superd::net {

namespace {

constexpr std::size_t kMaxUnixPath = sizeof(sockaddr_un::sun_path) - 1;

bool is_ipv6_literal(const std::string& s) {
  in6_addr a;
  return inet_pton(AF_INET6, s.c_str(), &a) == 1;
}

bool valid_host(const std::string& h) {
  if (h == "*") return true;
  in_addr a4;
  if (inet_pton(AF_INET, h.c_str(), &a4) == 1 || is_ipv6_literal(h)) return true;
  if (h.empty() || h.size() > 253) return false;
  for (char c : h)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.') return false;
  return true;
}

// PORT is a number 1..65535 or a service name looked up in /etc/services.
bool parse_port(const std::string& text, const std::string& proto, std::uint16_t& port,
                std::string& error) {
  if (text.empty()) {
    error = "missing port";
    return false;
  }
  if (std::isdigit(static_cast<unsigned char>(text[0]))) {
    unsigned long v = 0;
    for (char c : text) {
      if (!std::isdigit(static_cast<unsigned char>(c)) || v > 65535) {
        error = "port '" + text + "' is not a number from 1 to 65535";
        return false;
      }
      v = v * 10 + static_cast<unsigned long>(c - '0');
    }
    if (v < 1 || v > 65535) {
      error = "port '" + text + "' is not a number from 1 to 65535";
      return false;
    }
    port = static_cast<std::uint16_t>(v);
    return true;
  }
  const servent* se = getservbyname(text.c_str(), proto.c_str());
  if (!se) {
    error = "unknown service name '" + text + "/" + proto +
            "' (not in /etc/services; use a port number)";
    return false;
  }
  port = ntohs(static_cast<std::uint16_t>(se->s_port));
  return true;
}

bool parse_unix(std::string_view text, Endpoint& out, std::string& error) {
  std::string_view path = text.substr(0, text.find('|'));
  std::string_view kind = text.substr(path.size());
  if (kind == "|unix" || kind == "|stream|unix" || kind.empty()) {
    out.transport = Transport::UnixStream;
  } else if (kind == "|dgram|unix") {
    out.transport = Transport::UnixDgram;
  } else {
    error = "unknown Unix socket form '" + std::string(text) +
            "' (expected PATH|unix or PATH|dgram|unix)";
    return false;
  }
  if (path.empty() || path[0] != '/') {
    error = "Unix socket path '" + std::string(path) + "' must be absolute";
    return false;
  }
  if (path.size() > kMaxUnixPath) {
    error = "Unix socket path is " + std::to_string(path.size()) + " bytes, longer than the " +
            std::to_string(kMaxUnixPath) + " a socket address holds";
    return false;
  }
  out.host = std::string(path);
  out.port = 0;
  return true;
}

}  // namespace

bool valid_proto(std::string_view proto) {
  return proto == "tcp" || proto == "udp" || proto == "unix";
}

std::string Endpoint::str() const {
  switch (transport) {
    case Transport::UnixStream: return host + "|unix";
    case Transport::UnixDgram: return host + "|dgram|unix";
    default: break;
  }
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return h + ":" + std::to_string(port) + (transport == Transport::Tcp ? "/tcp" : "/udp");
}

std::string bind_options_suffix(bool reuse_port, bool freebind, const std::string& device) {
  std::string out;
  if (reuse_port) out += " reuseport";
  if (freebind) out += " freebind";
  if (!device.empty()) out += " device=" + device;
  return out;
}

std::string endpoint_identity(const Endpoint& e, bool v6only_default) {
  switch (e.transport) {
    case Transport::UnixStream: return "unix " + e.host;
    case Transport::UnixDgram: return "unix-dgram " + e.host;
    default: break;
  }
  std::string kind = e.transport == Transport::Tcp ? "tcp " : "udp ";
  std::string port = ":" + std::to_string(e.port);
  std::string options = bind_options_suffix(e.reuse_port, e.freebind, e.device);
  if (e.host == "*")
    return kind + "[::]" + port + (e.v6only.value_or(false) ? " v6only" : "") + options;
  char text[INET6_ADDRSTRLEN];
  in_addr a4;
  if (inet_pton(AF_INET, e.host.c_str(), &a4) == 1 && inet_ntop(AF_INET, &a4, text, sizeof text))
    return kind + text + port + options;
  in6_addr a6;
  if (inet_pton(AF_INET6, e.host.c_str(), &a6) == 1 && inet_ntop(AF_INET6, &a6, text, sizeof text)) {
    std::string id = kind + "[" + text + "]" + port;
    // "::" binds a dual-stack socket unless the key or the system says IPv6-only.
    if (IN6_IS_ADDR_UNSPECIFIED(&a6) && e.v6only.value_or(v6only_default)) id += " v6only";
    return id + options;
  }
  std::string host = e.host;
  for (char& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return kind + host + port + options;
}

bool parse_endpoint(std::string_view text, std::string_view default_host,
                    std::string_view default_proto, Endpoint& out, std::string& error) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  if (text.empty()) {
    error = "empty endpoint (expected PORT, HOST:PORT/PROTO or PATH|unix)";
    return false;
  }
  out = Endpoint{};
  if (text.find('|') != std::string_view::npos) return parse_unix(text, out, error);
  if (text[0] == '/') {
    if (default_proto == "unix") return parse_unix(text, out, error);
    error = "'" + std::string(text) + "' looks like a path: write PATH|unix or PATH|dgram|unix";
    return false;
  }

  std::string rest(text), proto(default_proto);
  if (auto slash = rest.rfind('/'); slash != std::string::npos) {
    proto = rest.substr(slash + 1);
    rest.resize(slash);
    if (proto != "tcp" && proto != "udp") {
      error = proto == "unix" ? "a Unix endpoint is written PATH|unix, not HOST:PORT/unix"
                              : "unknown protocol '" + proto + "' (expected tcp or udp)";
      return false;
    }
  } else if (proto == "unix") {
    error = "proto is unix but '" + rest + "' is not a path (write PATH|unix)";
    return false;
  }

  std::string host(default_host), port_text;
  if (!rest.empty() && rest[0] == '[') {
    auto close = rest.find(']');
    if (close == std::string::npos || close + 1 >= rest.size() || rest[close + 1] != ':') {
      error = "bad bracketed address '" + rest + "' (expected [V6ADDR]:PORT)";
      return false;
    }
    host = rest.substr(1, close - 1);
    port_text = rest.substr(close + 2);
    if (!is_ipv6_literal(host)) {
      error = "'" + host + "' is not an IPv6 address";
      return false;
    }
  } else if (auto colon = rest.rfind(':'); colon != std::string::npos) {
    host = rest.substr(0, colon);
    port_text = rest.substr(colon + 1);
    if (host.find(':') != std::string::npos) {
      error = "IPv6 address in '" + rest + "' needs brackets: [" + host + "]:" + port_text;
      return false;
    }
  } else {
    port_text = rest;
  }
  if (!valid_host(host)) {
    error = "invalid host '" + host + "' (expected *, an IP address or a host name)";
    return false;
  }
  out.transport = proto == "udp" ? Transport::Udp : Transport::Tcp;
  out.host = host;
  return parse_port(port_text, proto, out.port, error);
}

}  // namespace superd::net
