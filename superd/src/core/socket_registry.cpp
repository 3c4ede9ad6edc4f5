// SPDX-License-Identifier: MIT
#include "core/socket_registry.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <signal.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "sys/errno_error.hpp"
#include "sys/unique_fd.hpp"

namespace superd::core {

namespace {
constexpr int kListenFdsStart = 3;  // sd_listen_fds(3): passed sockets start at fd 3
}  // namespace

ListenSocket::ListenSocket(boost::asio::io_context& io, int fd, net::Endpoint e, std::string addr,
                           bool created)
    : endpoint(std::move(e)), address(std::move(addr)), desc(io, fd), created_file(created),
      backoff(io) {
  struct stat st{};
  if (created_file && ::lstat(endpoint.host.c_str(), &st) == 0) {
    file_dev = st.st_dev;
    file_ino = st.st_ino;
  }
}

ListenSocket::~ListenSocket() { close(); }

void ListenSocket::stop_preforked() {
  for (pid_t pid : preforked)
    if (retiring.insert(pid).second) ::kill(pid, SIGTERM);
}

void ListenSocket::close() {
  if (closed) return;
  closed = true;
  // Preforked programs accept on this socket for superd: with the socket
  // gone from superd (shutdown, removed, rebound), they are not its servers any more.
  stop_preforked();
  port.reset();
  backoff.cancel();
  boost::system::error_code ignored;
  desc.close(ignored);
  // Only the file superd bound: not one that replaced it since, nor one
  // found at the same path after a chroot.
  struct stat st{};
  if (created_file && ::lstat(endpoint.host.c_str(), &st) == 0 && st.st_dev == file_dev &&
      st.st_ino == file_ino)
    net::unlink_socket_file(endpoint);
}

bool system_v6only_default() {
  std::ifstream f("/proc/sys/net/ipv6/bindv6only");
  int v = 0;
  return (f >> v) && v != 0;
}

std::string socket_identity(int fd) {
  int type = 0;
  socklen_t tlen = sizeof type;
  if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) != 0) return "";
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return "";
  bool stream = type == SOCK_STREAM;
  if (ss.ss_family == AF_UNIX) {
    auto& un = reinterpret_cast<sockaddr_un&>(ss);
    if (len <= offsetof(sockaddr_un, sun_path) || un.sun_path[0] == '\0') return "";
    return std::string(stream ? "unix " : "unix-dgram ") + un.sun_path;
  }
  char text[INET6_ADDRSTRLEN];
  std::string kind = stream ? "tcp " : "udp ";
  if (ss.ss_family == AF_INET) {
    auto& a = reinterpret_cast<sockaddr_in&>(ss);
    inet_ntop(AF_INET, &a.sin_addr, text, sizeof text);
    return kind + text + ":" + std::to_string(ntohs(a.sin_port)) + net::bind_options_of(fd, AF_INET);
  }
  if (ss.ss_family != AF_INET6) return "";
  auto& a = reinterpret_cast<sockaddr_in6&>(ss);
  inet_ntop(AF_INET6, &a.sin6_addr, text, sizeof text);
  std::string id = kind + "[" + text + "]:" + std::to_string(ntohs(a.sin6_port));
  if (IN6_IS_ADDR_UNSPECIFIED(&a.sin6_addr)) {
    int v6only = 0;
    socklen_t vlen = sizeof v6only;
    ::getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, &vlen);
    if (v6only) id += " v6only";
  }
  return id + net::bind_options_of(fd, AF_INET6);
}

int SocketRegistry::adopt_inherited(log::Logger& log) {
  const char* pid = std::getenv("LISTEN_PID");
  const char* fds = std::getenv("LISTEN_FDS");
  int n = fds ? std::atoi(fds) : 0;
  bool ours = pid && std::atol(pid) == static_cast<long>(::getpid());
  // Programs superd starts must not believe the sockets are theirs.
  ::unsetenv("LISTEN_PID");
  ::unsetenv("LISTEN_FDS");
  ::unsetenv("LISTEN_FDNAMES");
  if (!ours || n <= 0) return 0;
  int taken = 0;
  for (int fd = kListenFdsStart; fd < kListenFdsStart + n; ++fd) {
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    std::string id = socket_identity(fd);
    int type = 0, listening = 0;
    socklen_t len = sizeof type;
    ::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len);
    len = sizeof listening;
    // A connected stream socket would make every accept fail.
    if (type == SOCK_STREAM && (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || !listening))
      id.clear();
    if (id.empty() || inherited_.count(id)) {
      log.log(log::kWarning, "inherited descriptor " + std::to_string(fd) +
                                 " is not a bound socket superd can use; closed");
      ::close(fd);
      continue;
    }
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    inherited_.emplace(id, fd);
    log.log(log::kInfo, "inherited socket " + id + " (fd " + std::to_string(fd) + ")");
    ++taken;
  }
  return taken;
}

void SocketRegistry::close_unclaimed(log::Logger& log) {
  for (const auto& [id, fd] : inherited_) {
    log.log(log::kWarning, "inherited socket " + id + " (fd " + std::to_string(fd) +
                               ") matches no endpoint; closed");
    ::close(fd);
  }
  inherited_.clear();
}

bool SocketRegistry::open(const SocketPlan& plan, SocketList& out, std::string& error) {
  auto it = inherited_.find(plan.identity);
  if (it != inherited_.end()) {
    sys::UniqueFd fd(it->second);
    inherited_.erase(it);
    // `address` stays the endpoint alone: it is a field of every connection's log lines.
    out.push_back(std::make_shared<ListenSocket>(io_, fd.get(), plan.endpoint, plan.endpoint.str(), false));
    out.back()->inherited = true;
    fd.release();  // the ListenSocket owns it now
    return true;
  }
  std::vector<net::BoundSocket> bound;
  if (!net::bind_endpoint(plan.endpoint, plan.options, bound, error)) return false;
  for (net::BoundSocket& b : bound) {
    // Registering with epoll can fail under exhaustion: the descriptor stays
    // owned by `b` (closed, its file removed) until the ListenSocket has it.
    out.push_back(std::make_shared<ListenSocket>(io_, b.fd.get(), b.endpoint, b.address,
                                                 b.endpoint.unix_domain()));
    b.fd.release();
  }
  return true;
}

bool SocketRegistry::prepare(const std::vector<SocketPlan>& plans, std::string& error,
                             const SocketPlan*& failed) {
  staged_.clear();
  replaced_.clear();
  for (const SocketPlan& p : plans) {
    // The socket it replaces holds the same address: it must go first.
    for (const SocketPlan& old : p.replaces) {
      auto it = sockets_.find(old.identity);
      if (it == sockets_.end()) continue;
      for (const auto& s : it->second) s->close();
      replaced_.push_back(old);
      sockets_.erase(it);
    }
    SocketList list;
    if (!open(p, list, error)) {
      failed = &p;
      if (std::string trouble = rollback(); !trouble.empty()) error += "; " + trouble;
      return false;
    }
    staged_.emplace(p.identity, std::move(list));
  }
  return true;
}

void SocketRegistry::commit() {
  for (auto& [id, list] : staged_) sockets_[id] = std::move(list);
  staged_.clear();
  replaced_.clear();
}

std::string SocketRegistry::rollback() {
  staged_.clear();
  std::string trouble;
  for (const SocketPlan& old : replaced_) {
    SocketList list;
    std::string error;
    if (open(old, list, error)) sockets_[old.identity] = std::move(list);
    else trouble += (trouble.empty() ? "" : "; ") + ("could not bind the previous socket again: " + error);
  }
  replaced_.clear();
  return trouble;
}

bool SocketRegistry::reconfigure(const OptionChange& c, std::string& error) {
  auto it = sockets_.find(c.socket.identity);
  if (it == sockets_.end()) return true;
  const net::ListenOptions& o = c.socket.options;
  const net::Endpoint& e = c.socket.endpoint;
  for (const auto& s : it->second) {
    int fd = s->desc.native_handle();
    // listen() on a listening socket only changes its backlog; the queue stays.
    if (e.stream() && o.backlog != c.previous.backlog &&
        ::listen(fd, o.backlog > 0 ? o.backlog : SOMAXCONN) != 0)
      return error = sys::describe_errno("listen", s->address, errno), false;
    // Accepted connections inherit these from the listening socket.
    if (!net::set_socket_options(fd, e, o, &c.previous, error))
      return error = s->address + ": " + error, false;
  }
  if (!e.unix_domain()) return true;
  if (o.mode != c.previous.mode && o.mode >= 0 && ::chmod(e.host.c_str(), static_cast<mode_t>(o.mode)) != 0)
    return error = sys::describe_errno("chmod", e.host, errno), false;
  if ((o.uid != c.previous.uid || o.gid != c.previous.gid) && ::chown(e.host.c_str(), o.uid, o.gid) != 0)
    return error = sys::describe_errno("chown", e.host, errno), false;
  return true;
}

void SocketRegistry::close(const std::string& identity) {
  auto it = sockets_.find(identity);
  if (it == sockets_.end()) return;
  for (const auto& s : it->second) s->close();
  sockets_.erase(it);
}

void SocketRegistry::close_all() {
  for (auto& [id, list] : sockets_)
    for (const auto& s : list) s->close();
  sockets_.clear();
  staged_.clear();
}

SocketList SocketRegistry::sockets(const net::Endpoint& e) const {
  auto it = sockets_.find(net::endpoint_identity(e, v6only_default_));
  return it == sockets_.end() ? SocketList{} : it->second;
}

}  // namespace superd::core
