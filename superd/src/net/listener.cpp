// SPDX-License-Identifier: MIT
#include "net/listener.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>

#include "sys/errno_error.hpp"

namespace superd::net {

namespace {

int socket_type(const Endpoint& e) { return e.stream() ? SOCK_STREAM : SOCK_DGRAM; }

// Leaves errno as the failed call set it, for callers that branch on it.
bool fail(std::string& error, const char* call, const std::string& what) {
  int err = errno;
  error = sys::describe_errno(call, what, err);
  errno = err;
  return false;
}

bool option_failed(std::string& error, const std::string& what) {
  error = "bind " + what + ": " + error;
  return false;
}

// A Unix socket file left by a superd that died: replaced only when nobody
// answers on it, never when it is not a socket.
bool remove_stale(const Endpoint& e, const sockaddr_un& addr, std::string& error) {
  struct stat st;
  if (::lstat(e.host.c_str(), &st) != 0) return true;
  if (!S_ISSOCK(st.st_mode)) {
    error = "bind " + e.str() + ": a file that is not a socket exists there";
    return false;
  }
  sys::UniqueFd probe(::socket(AF_UNIX, socket_type(e) | SOCK_CLOEXEC, 0));
  if (probe && ::connect(probe.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0) {
    error = "bind " + e.str() + ": another process is listening on it";
    return false;
  }
  if (errno != ECONNREFUSED) return true;  // let bind() report the real problem
  ::unlink(e.host.c_str());
  return true;
}

bool bind_unix(const Endpoint& e, const ListenOptions& o, std::vector<BoundSocket>& out,
               std::string& error) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, e.host.c_str(), e.host.size() + 1);
  if (!remove_stale(e, addr, error)) return false;
  sys::UniqueFd fd(::socket(AF_UNIX, socket_type(e) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return fail(error, "socket", e.str());
  if (!set_socket_options(fd.get(), e, o, nullptr, error)) return option_failed(error, e.str());
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0)
    return fail(error, "bind", e.str());
  if ((o.mode >= 0 && ::chmod(e.host.c_str(), static_cast<mode_t>(o.mode)) != 0) ||
      ((o.uid != static_cast<uid_t>(-1) || o.gid != static_cast<gid_t>(-1)) &&
       ::chown(e.host.c_str(), o.uid, o.gid) != 0)) {
    fail(error, o.mode >= 0 ? "chmod/chown" : "chown", e.host);
    ::unlink(e.host.c_str());
    return false;
  }
  if (e.stream() && ::listen(fd.get(), o.backlog > 0 ? o.backlog : SOMAXCONN) != 0) {
    fail(error, "listen", e.str());
    ::unlink(e.host.c_str());
    return false;
  }
  out.push_back(BoundSocket{std::move(fd), e, e.str()});
  return true;
}

bool bind_inet(const Endpoint& e, const sockaddr* sa, socklen_t len, const ListenOptions& o,
               std::vector<BoundSocket>& out, std::string& error) {
  std::string text = sockaddr_text(sa, len) + (e.stream() ? "/tcp" : "/udp");
  if (e.host == "*") text = e.str();
  sys::UniqueFd fd(::socket(sa->sa_family, socket_type(e) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return fail(error, "socket", text);
  int one = 1;
  if (e.stream()) ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (!set_bind_options(fd.get(), e, sa->sa_family, error)) return option_failed(error, text);
  // Before listen(): the receive buffer decides the window scale offered.
  if (!set_socket_options(fd.get(), e, o, nullptr, error)) return option_failed(error, text);
  if (::bind(fd.get(), sa, len) != 0) return fail(error, "bind", text);
  if (e.stream() && ::listen(fd.get(), o.backlog > 0 ? o.backlog : SOMAXCONN) != 0)
    return fail(error, "listen", text);
  out.push_back(BoundSocket{std::move(fd), e, text});
  return true;
}

bool bind_any(const Endpoint& e, const ListenOptions& o, std::vector<BoundSocket>& out,
              std::string& error) {
  sockaddr_in6 a6{};
  a6.sin6_family = AF_INET6;
  a6.sin6_port = htons(e.port);
  a6.sin6_addr = in6addr_any;
  std::vector<BoundSocket> tmp;
  if (bind_inet(e, reinterpret_cast<sockaddr*>(&a6), sizeof a6, o, tmp, error)) {
    out.push_back(std::move(tmp.front()));
    return true;
  }
  if (errno != EAFNOSUPPORT) return false;
  // No IPv6 on this system: all IPv4 addresses.
  sockaddr_in a4{};
  a4.sin_family = AF_INET;
  a4.sin_port = htons(e.port);
  a4.sin_addr.s_addr = htonl(INADDR_ANY);
  return bind_inet(e, reinterpret_cast<sockaddr*>(&a4), sizeof a4, o, out, error);
}

}  // namespace

std::string sockaddr_text(const sockaddr* sa, socklen_t len) {
  char host[INET6_ADDRSTRLEN] = "?";
  if (sa->sa_family == AF_INET && len >= sizeof(sockaddr_in)) {
    auto* a = reinterpret_cast<const sockaddr_in*>(sa);
    inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
    return std::string(host) + ":" + std::to_string(ntohs(a->sin_port));
  }
  if (sa->sa_family == AF_INET6 && len >= sizeof(sockaddr_in6)) {
    auto* a = reinterpret_cast<const sockaddr_in6*>(sa);
    if (IN6_IS_ADDR_V4MAPPED(&a->sin6_addr)) {
      inet_ntop(AF_INET, &a->sin6_addr.s6_addr[12], host, sizeof host);
      return std::string(host) + ":" + std::to_string(ntohs(a->sin6_port));
    }
    inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
    return "[" + std::string(host) + "]:" + std::to_string(ntohs(a->sin6_port));
  }
  return "unix";
}

bool bind_endpoint(const Endpoint& e, const ListenOptions& o, std::vector<BoundSocket>& out,
                   std::string& error) {
  if (e.unix_domain()) return bind_unix(e, o, out, error);
  if (e.host == "*") return bind_any(e, o, out, error);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = socket_type(e);
  hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE;
  addrinfo* res = nullptr;
  std::string port = std::to_string(e.port);
  if (int rc = getaddrinfo(e.host.c_str(), port.c_str(), &hints, &res); rc != 0) {
    error = "resolve " + e.str() + ": " + gai_strerror(rc);
    return false;
  }
  std::vector<BoundSocket> tmp;
  bool ok = true;
  for (addrinfo* ai = res; ai && ok; ai = ai->ai_next)
    ok = bind_inet(e, ai->ai_addr, ai->ai_addrlen, o, tmp, error);
  freeaddrinfo(res);
  if (!ok) return false;
  for (auto& b : tmp) out.push_back(std::move(b));
  return true;
}

void unlink_socket_file(const Endpoint& e) {
  if (e.unix_domain()) ::unlink(e.host.c_str());
}

}  // namespace superd::net
