// SPDX-License-Identifier: MIT
// Service, part four: TCPMUX (RFC 1078). A `builtin = tcpmux` service reads
// the client's service name line (TcpmuxRequest), answers HELP with the
// names, and hands the connection to the service with that tcpmux_name;
// that service applies its own access rules and limits, sends "+Go" when
// its name starts with '+', and serves the connection with its program or
// built-in as if it had accepted it itself.
#include <fcntl.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/service.hpp"
#include "core/tcpmux.hpp"
#include "log/record.hpp"

namespace superd::core {

namespace {

// Short replies on a fresh connection: they fit the socket buffer, so a
// non-blocking send writes them whole.
void reply(int fd, const std::string& text) {
  ssize_t ignored = ::send(fd, text.data(), text.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  (void)ignored;
}

constexpr double kNameTimeoutWithoutTimeout = 60;  // seconds, when `timeout = 0`

}  // namespace

void Service::serve_mux(int fd, const Peer& peer) {
  double timeout = cfg_.timeout.value > 0 ? cfg_.timeout.value : kNameTimeoutWithoutTimeout;
  double t0 = now_seconds();
  ++ctx_.pending;
  try {
    auto request = std::make_shared<TcpmuxRequest>(
        ctx_, fd, timeout,
        [this, self = shared_from_this(), peer, t0](int fd, std::string name, const char* error) {
          --ctx_.pending;
          // The record keeps views: the status must outlive it.
          std::string status = "tcpmux:" + (error ? std::string(error) : route_mux(fd, name, peer));
          if (logs(log::kNotice)) {
            log::Record r(log::kNotice, "end");
            r.add("service", cfg_.name).add("peer", peer.text).add("status", status);
            ctx_.log.write(r.add_seconds("duration", now_seconds() - t0).add("endpoint", peer.endpoint));
          }
          finish(peer, t0);
        });
    request->start();
  } catch (const std::exception& e) {  // registering with epoll can fail under exhaustion
    --ctx_.pending;
    slog(log::kErr, "service " + cfg_.name + ": cannot read the TCPMUX line of " + peer.text + ": " + e.what());
    ::close(fd);
    finish(peer, t0);
  }
}

std::string Service::route_mux(int fd, const std::string& name, const Peer& peer) {
  if (strcasecmp(name.c_str(), "HELP") == 0) {
    std::string list;
    if (ctx_.tcpmux_names)
      for (const std::string& n : ctx_.tcpmux_names()) list += n + "\r\n";
    reply(fd, list);
    ::close(fd);
    if (logs(log::kInfo)) {
      log::Record r(log::kInfo, "tcpmux");
      ctx_.log.write(r.add("service", cfg_.name).add("peer", peer.text).add("name", "HELP"));
    }
    return "help";
  }
  bool ack = false;
  std::shared_ptr<Service> target = ctx_.find_tcpmux ? ctx_.find_tcpmux(name, ack) : nullptr;
  if (!target) {
    refuse_mux(fd, peer, "Service not available", "no service named '" + name + "'");
    return "unknown";
  }
  if (logs(log::kInfo)) {
    log::Record r(log::kInfo, "tcpmux");
    r.add("service", cfg_.name).add("peer", peer.text).add("name", name);
    ctx_.log.write(r.add("to", target->config().name));
  }
  target->serve_via_tcpmux(fd, peer.endpoint, ack, peer.host);
  return "to=" + target->config().name;
}

void Service::refuse_mux(int fd, const Peer& peer, const std::string& text, const std::string& why) {
  reply(fd, "-" + text + "\r\n");
  ::close(fd);
  if (!logs(log::kNotice)) return;
  log::Record r(log::kNotice, "refuse");
  r.add("service", cfg_.name).add("peer", peer.text).add("reason", why).add("endpoint", peer.endpoint);
  ctx_.log.write(r);
}

void Service::serve_via_tcpmux(int fd, const std::string& via, bool ack, const std::string& host) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) ss.ss_family = AF_UNSPEC;
  Peer peer = make_peer(ss.ss_family == AF_UNIX, fd, ss, len);
  peer.endpoint = via;
  peer.host = host;  // looked up already, for the tcpmux service
  peer.named = true;
  ++counters_->stats.accepted;
  if (released_ || ctx_.stopping || counters_->hold != Hold::None)
    return refuse_mux(fd, peer, "Service not available", "service " + cfg_.name + " is not accepting now");
  auto no = [&](const char* text, Refusal why, const std::string& rule) {
    reply(fd, std::string("-") + text + "\r\n");
    refuse(fd, peer, why, rule, false);
  };
  if (peer.ip && !cfg_.access.empty()) {
    std::string why = cfg_.access.decide(peer.addr, peer.host);
    if (!why.empty()) return no("Access denied", Refusal::Access, why);
  }
  if (!peer.ip && !cfg_.peer_users.empty()) {
    std::string why = peer_users_refuse(fd, peer);
    if (!why.empty()) return no("Access denied", Refusal::Access, why);
  }
  double now = now_seconds();
  switch (admit(counters_->stats.active, cfg_.max_instances, ctx_.total_active,
                ctx_.global().max_connections, bucket_, now)) {
    case Admission::Accept: break;
    case Admission::PauseInstances: return no("Service busy", Refusal::MaxInstances, "");
    case Admission::PauseConnections: return no("Service busy", Refusal::MaxConnections, "");
    // A handed-over client cannot wait in a backlog: over the rate it is refused, and counted so.
    case Admission::PauseRate: return no("Service busy", Refusal::MaxRate, "");
  }
  if (cfg_.max_per_source >= 0 && counters_->sources.count(peer.source) >= cfg_.max_per_source)
    return no("Too many connections from your address", Refusal::MaxPerSource, "");
  bucket_.take(now);
  if (ack) reply(fd, "+Go\r\n");
  // The tcpmux built-in read it non-blocking; a program wants it blocking.
  int flags = ::fcntl(fd, F_GETFL);
  ::fcntl(fd, F_SETFL, builtin_ ? flags | O_NONBLOCK : flags & ~O_NONBLOCK);
  begin(peer);
  if (builtin_) serve_builtin(fd, peer);
  else serve_program(fd, peer);
}

}  // namespace superd::core
