// SPDX-License-Identifier: MIT
#include "core/service.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "core/child_set.hpp"
#include "core/hub.hpp"
#include "core/reverse_resolver.hpp"
#include "core/service_runtime.hpp"
#include "core/stream_session.hpp"
#include "core/tls_relay.hpp"
#include "sys/errno_error.hpp"
#include "sys/unique_fd.hpp"

namespace superd::core {

namespace asio = boost::asio;

namespace {
constexpr int kAcceptsPerWake = 32;

}  // namespace

bool readable_now(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 0) > 0 && (p.revents & POLLIN);
}

// Fills `addr` with the IP of an IPv4 or IPv6 socket address (mapped IPv4 as IPv4).
bool ip_of(const sockaddr_storage& ss, net::IpAddress& addr, std::uint16_t& port) {
  addr = net::IpAddress{};
  if (ss.ss_family == AF_INET) {
    auto& a = reinterpret_cast<const sockaddr_in&>(ss);
    std::memcpy(addr.bytes.data(), &a.sin_addr, 4);
    port = ntohs(a.sin_port);
    return true;
  }
  if (ss.ss_family != AF_INET6) return false;
  auto& a = reinterpret_cast<const sockaddr_in6&>(ss);
  if (IN6_IS_ADDR_V4MAPPED(&a.sin6_addr)) {
    std::memcpy(addr.bytes.data(), &a.sin6_addr.s6_addr[12], 4);
  } else {
    addr.v6 = true;
    std::memcpy(addr.bytes.data(), &a.sin6_addr, 16);
  }
  port = ntohs(a.sin6_port);
  return true;
}

Service::Service(Context& ctx, std::shared_ptr<const conf::Config> snapshot,
                 const conf::ServiceConfig& cfg, const Builtin* builtin,
                 std::shared_ptr<ServiceCounters> counters)
    : ctx_(ctx),
      snapshot_(std::move(snapshot)),
      cfg_(cfg),
      builtin_(builtin),
      counters_(std::move(counters)),
      bucket_(cfg.max_rate, now_seconds()),
      track_sources_(cfg.max_per_source >= 0 || !builtin),
      rate_timer_(ctx.io),
      retry_timer_(ctx.io) {
  if (!builtin_) program_ = proc::make_template(cfg_, snapshot_->self);
  if (builtin_ && (builtin_->make_service || cfg_.builtin == kHub)) make_runtime();
}

void Service::make_runtime() {
  std::string signature = ServiceRuntime::signature_of(cfg_);
  if (auto old = counters_->runtime.lock(); old && old->signature() == signature) {
    runtime_ = std::move(old);
    return;
  }
  runtime_ = std::make_shared<ServiceRuntime>(ctx_, snapshot_, cfg_, std::move(signature));
  runtime_->set_handler(cfg_.builtin == kHub ? make_hub(ctx_, *runtime_) : builtin_->make_service(*runtime_));
  counters_->runtime = runtime_;
}

Service::~Service() {
  release();
  if (std::unique_ptr<Held> h = std::move(held_)) {
    slog(log::kNotice, "service " + cfg_.name + ": peer " + h->peer.text +
                           " dropped: the service stopped before a process could be made");
    ::close(h->fd);
    finish(h->peer, -1);
  }
}

void Service::start(SocketList sockets) {
  counters_->current = weak_from_this();
  sockets_ = std::move(sockets);
  for (auto& l : sockets_) {
    l->owner = weak_from_this();
    l->owner_tag = this;
    l->port.reset();
    // A back-off belongs to the program that earned it, not to a successor.
    if (l->backing_off && !l->child_running) {
      l->backoff.cancel();
      l->backing_off = false;
    }
    l->fast_exits = 0;
    if (builtin_ && !l->endpoint.stream()) {
      DatagramPort::Admit admit;
      if (!cfg_.access.empty() && !l->endpoint.unix_domain())
        admit = [this, endpoint = l->address](const sockaddr_storage& from, socklen_t len) {
        return admit_datagram(from, len, endpoint);
      };
      l->port = std::make_unique<DatagramPort>(ctx_, l->desc.native_handle(), *builtin_, cfg_.name,
                                               l->address, std::move(admit));
    }
    if (session_mode(*l) && !l->endpoint.unix_domain()) enable_pktinfo(l->desc.native_handle());
    arm(*l);
  }
}

void Service::release() {
  if (released_) return;
  released_ = true;
  // superd is stopping: a hub's handler program is told (its successor after a reload keeps it).
  if (runtime_ && ctx_.stopping) runtime_->stop();
  rate_timer_.cancel();
  // A pending readiness wait stays: it goes to the next owner, or to nobody.
  for (auto& l : sockets_) {
    if (!owns(*l)) continue;
    l->owner.reset();
    l->owner_tag = nullptr;
    l->port.reset();
  }
  sockets_.clear();
  spare_pair_.reset();
  // The relay of a UDP session is this service's: it ends with it.
  end_sessions(ctx_.stopping ? "stopping" : "reload");
}

bool Service::lost_socket() const {
  for (const auto& l : sockets_)
    if (l->closed) return true;
  return false;
}

std::vector<std::string> Service::addresses() const {
  std::vector<std::string> out;
  for (const auto& l : sockets_) out.push_back(l->inherited ? l->address + " (inherited)" : l->address);
  return out;
}

void Service::resume() {
  paused_ = false;
  for (auto& l : sockets_) arm(*l);
}

bool Service::wait_mode(const ListenSocket& l) const {
  return !builtin_ && cfg_.wait.value_or(!l.endpoint.stream());
}

// A wait-mode program receives this very socket and expects it blocking;
// superd itself only waits for readiness on it, and accepts in a loop that
// must never block. A reload can hand a socket from one kind to the other
// while a readiness wait is pending, so this runs each time the socket is
// used, on the owner of that moment.
void Service::set_mode(ListenSocket& l) {
  bool want = wait_mode(l);
  if (want == l.blocking) return;
  int fd = l.desc.native_handle();
  int flags = ::fcntl(fd, F_GETFL);
  ::fcntl(fd, F_SETFL, want ? flags & ~O_NONBLOCK : flags | O_NONBLOCK);
  l.blocking = want;
}

void Service::arm(ListenSocket& l) {
  if (ctx_.stopping || released_ || !owns(l) || l.closed) return;
  // fill_prefork() also stops the copies left by a predecessor that preforked.
  if (prefork_mode(l) || l.preforked.size() > l.retiring.size()) fill_prefork(l);
  if (prefork_mode(l)) return;
  if (l.watching || l.child_running || l.backing_off || held_) return;
  // Held by `superd ctl`, UDP sessions still get their peers' datagrams.
  if (counters_->hold != Hold::None && !session_mode(l)) return;
  l.watching = true;
  // The wait holds the socket, not the service: it goes to whoever owns the
  // socket when it completes (a reload may have handed it over).
  l.desc.async_wait(asio::posix::descriptor_base::wait_read,
                    [sock = l.shared_from_this()](const boost::system::error_code& ec) {
                      sock->watching = false;
                      if (ec || sock->closed) return;
                      if (auto owner = sock->owner.lock()) owner->on_ready(*sock);
                    });
}

void Service::back_off(ListenSocket& l, std::chrono::steady_clock::duration delay) {
  l.backing_off = true;
  l.backoff.expires_after(delay);
  l.backoff.async_wait([sock = l.shared_from_this()](const boost::system::error_code& ec) {
    if (ec) return;
    sock->backing_off = false;
    if (auto owner = sock->owner.lock()) owner->arm(*sock);
  });
}

void Service::on_ready(ListenSocket& l) {
  // Paused or drained while the wait was pending: resume() watches it again.
  // UDP sessions go on meanwhile (relay_from_peers drops new peers).
  if (counters_->hold != Hold::None && !session_mode(l)) return;
  // Became a prefork socket while the wait was pending: its programs accept.
  if (prefork_mode(l)) return;
  set_mode(l);
  if (l.port) {
    std::uint64_t before = l.port->stats().answered;
    l.port->drain();
    std::uint64_t answered = l.port->stats().answered - before;
    counters_->stats.accepted += answered;
    counters_->stats.served += answered;
    return arm(l);
  }
  if (wait_mode(l)) return run_waiting(l);
  if (session_mode(l)) {
    relay_from_peers(l);
    return arm(l);
  }
  accept_some(l);
}

// Returns nullptr to accept; otherwise the limit that stops it. `pause` says
// whether to leave connections in the backlog rather than refuse them.
const char* Service::check_limits(bool& pause, Refusal& why) {
  double now = now_seconds();
  Admission a = admit(counters_->stats.active, cfg_.max_instances, ctx_.total_active,
                      ctx_.global().max_connections, bucket_, now);
  pause = true;
  switch (a) {
    case Admission::Accept: return nullptr;  // the token is taken once accept4 succeeds
    case Admission::PauseRate: {
      if (!rate_waiting_) {
        rate_waiting_ = true;
        rate_timer_.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
            std::chrono::duration<double>(bucket_.wait(now))));
        rate_timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
          auto self = weak.lock();
          if (ec || !self) return;
          self->rate_waiting_ = false;
          self->resume();
        });
      }
      paused_ = true;
      pause_reason_ = "max_rate";
      return "max_rate";
    }
    case Admission::PauseInstances:
    case Admission::PauseConnections: break;
  }
  why = a == Admission::PauseInstances ? Refusal::MaxInstances : Refusal::MaxConnections;
  const char* reason = refusal_name(why);
  pause = cfg_.busy_message.empty() || cfg_.max_instances == 0;
  if (pause) paused_ = true, pause_reason_ = reason;
  return reason;
}

void Service::accept_some(ListenSocket& l) {
  for (int i = 0; i < kAcceptsPerWake; ++i) {
    bool pause = false;
    Refusal why = Refusal::MaxInstances;
    const char* limit = check_limits(pause, why);
    if (limit && pause) {
      // Logged once a pause, and only when a client is actually kept waiting:
      // with none waiting yet, the socket is watched so the first one is seen.
      if (!pause_logged_ && readable_now(l.desc.native_handle())) {
        pause_logged_ = true;
        log_pause(l, limit, why);
      } else if (!pause_logged_) {
        arm(l);
      }
      return;  // resume() or the rate timer re-arms
    }
    // A TLS client needs a socketpair once its handshake is done: it is made
    // first, so that out of descriptors the client waits in the backlog (as
    // for accept's EMFILE below) instead of being dropped after its handshake.
    if (!limit && cfg_.tls && !spare_pair_ && !reserve_tls_pair()) {
      slog(log::kErr, sys::describe_errno("socketpair", "for the next TLS client on " + l.address, errno) +
                          " (service " + cfg_.name + "); pausing for 1s");
      return back_off(l, std::chrono::seconds(1));
    }
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    // Programs get a blocking socket, as every inetd gives them.
    int fd = ::accept4(l.desc.native_handle(), reinterpret_cast<sockaddr*>(&ss), &len,
                       builtin_ ? SOCK_NONBLOCK | SOCK_CLOEXEC : SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EAGAIN) {
        pause_logged_ = false;  // the backlog is empty: the pressure is gone
        break;
      }
      slog(log::kErr, sys::describe_errno("accept", l.address, errno) + " (service " +
                                  cfg_.name + "); pausing for 1s");
      return back_off(l, std::chrono::seconds(1));
    }
    if (!limit) bucket_.take(now_seconds());
    ++counters_->stats.accepted;
    Peer peer = make_peer(l.endpoint.unix_domain(), fd, ss, len);
    peer.endpoint = l.address;
    if (!limit && spare_pair_) peer.tls_pair = std::move(spare_pair_);
    if (limit) refuse(fd, peer, why, "", true);
    else on_connection(fd, peer);
    if (held_) return;  // no process could be made: the next clients wait in the backlog
  }
  arm(l);
}

bool Service::reserve_tls_pair() {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return false;
  spare_pair_ = std::make_shared<TlsPair>();
  spare_pair_->relay_end.reset(sv[0]);
  spare_pair_->served_end.reset(sv[1]);
  return true;
}

Service::Peer Service::make_peer(bool unix_domain, int fd, const sockaddr_storage& ss,
                                 socklen_t len) {
  Peer p;
  if (unix_domain) {
    socklen_t clen = sizeof p.cred;
    p.has_cred = ::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &p.cred, &clen) == 0;
    p.text = p.has_cred ? "unix:pid=" + std::to_string(p.cred.pid) + ",uid=" + std::to_string(p.cred.uid)
                        : "unix";
    p.source = p.has_cred ? "uid:" + std::to_string(p.cred.uid) : "unix";
    return p;
  }
  p.ip = ip_of(ss, p.addr, p.port);
  p.text = net::sockaddr_text(reinterpret_cast<const sockaddr*>(&ss), len);
  p.source = p.addr.str();
  return p;
}

// SO_PEERGROUPS (Linux 4.13) gives the peer's supplementary groups as they
// were at connect(), with no lookup in the group database on the loop.
std::string Service::peer_users_refuse(int fd, const Peer& peer) const {
  if (!peer.has_cred) return "allow_users/allow_groups: no peer credentials";
  std::vector<gid_t> groups;
  if (!cfg_.peer_users.gids.empty()) {
    groups.resize(64);
    socklen_t len = groups.size() * sizeof(gid_t);
    int rc = ::getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups.data(), &len);
    if (rc != 0 && errno == ERANGE && len <= 65536 * sizeof(gid_t)) {
      groups.resize(len / sizeof(gid_t));
      rc = ::getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups.data(), &len);
    }
    groups.resize(rc == 0 ? len / sizeof(gid_t) : 0);
  }
  return cfg_.peer_users.decide(peer.cred.uid, peer.cred.gid, groups);
}

void Service::look_up(int fd, const Peer& peer) {
  // Closed by its owner when the lookup is dropped (shutdown) instead of answered.
  auto held = std::make_shared<sys::UniqueFd>(fd);
  ++ctx_.pending;
  ctx_.resolver->lookup(peer.addr, [self = shared_from_this(), held, p = Peer(peer)](const std::string& name) mutable {
    --self->ctx_.pending;
    if (self->ctx_.stopping) return;
    p.host = name;
    p.named = true;
    self->admit_and_serve(held->release(), p);
  });
}

void Service::serve_connection(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) ss.ss_family = AF_UNSPEC;
  Peer peer = make_peer(ss.ss_family == AF_UNIX, fd, ss, len);
  peer.endpoint = "standard input";
  ++counters_->stats.accepted;
  on_connection(fd, peer);
}

void Service::on_connection(int fd, Peer& peer) {
  if (cfg_.proxy_protocol != net::ProxyVersion::Off) return read_proxy_header(fd, peer);
  admit_and_serve(fd, peer);
}

void Service::admit_and_serve(int fd, Peer& peer) {
  if (peer.ip && !peer.named && ctx_.resolver && ctx_.global().reverse_lookups) return look_up(fd, peer);
  if (peer.ip && !cfg_.access.empty()) {
    std::string why = cfg_.access.decide(peer.addr, peer.host);
    if (!why.empty()) return refuse(fd, peer, Refusal::Access, why, false);
  }
  if (!peer.ip && !cfg_.peer_users.empty()) {
    std::string why = peer_users_refuse(fd, peer);
    if (!why.empty()) return refuse(fd, peer, Refusal::Access, why, false);
  }
  if (cfg_.max_per_source >= 0 && counters_->sources.count(peer.source) >= cfg_.max_per_source)
    return refuse(fd, peer, Refusal::MaxPerSource, "", true);
  begin(peer);
  if (cfg_.tls) serve_tls(fd, peer);
  else if (builtin_) serve_builtin(fd, peer);
  else serve_program(fd, peer);
}

bool Service::admit_datagram(const sockaddr_storage& from, socklen_t len, const std::string& endpoint) {
  Peer peer;
  peer.ip = ip_of(from, peer.addr, peer.port);
  std::string why = cfg_.access.decide(peer.addr, "");
  if (why.empty()) return true;
  counters_->stats.refuse(Refusal::Access);
  counters_->history.refused(peer.addr.str());
  if (logs(log::kNotice))
    log_refusal(net::sockaddr_text(reinterpret_cast<const sockaddr*>(&from), len), endpoint,
                Refusal::Access, why);
  return false;
}

void Service::refuse(int fd, const Peer& peer, Refusal why, const std::string& rule, bool send_busy) {
  if (send_busy && !cfg_.busy_message.empty() && !cfg_.tls) {  // a TLS client could not read it
    std::string msg = cfg_.busy_message + "\r\n";
    ssize_t ignored = ::send(fd, msg.data(), msg.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    (void)ignored;
  }
  ::close(fd);
  counters_->stats.refuse(why);
  counters_->history.refused(peer.source);
  if (logs(log::kNotice)) log_refusal(peer.text, peer.endpoint, why, rule, peer.via);
}

void Service::begin(Peer& peer) {
  ++counters_->stats.active;
  ++counters_->stats.served;
  ++ctx_.total_active;
  if (ctx_.counts_changed) ctx_.counts_changed();
  counters_->history.accepted(peer.source);
  if (track_sources_) {
    counters_->sources.add(peer.source);
    peer.counted = true;
  }
}

void Service::finish(const Peer& peer, double started) {
  --counters_->stats.active;
  if (started >= 0) counters_->stats.durations.add(now_seconds() - started);
  --ctx_.total_active;
  if (ctx_.counts_changed) ctx_.counts_changed();
  if (peer.counted) counters_->sources.remove(peer.source);
  capacity_back();
  if (ctx_.global().max_connections >= 0 && ctx_.capacity_freed) ctx_.capacity_freed();
}

void Service::capacity_back() {
  counters_->settle_drain();
  if (held_) {
    retry_timer_.cancel();  // a program ended: its process slot may be free now
    return retry_held();
  }
  if (paused_) resume();
  auto current = counters_->current.lock();
  if (current && current.get() != this && current->paused_) current->resume();
}

void Service::serve_builtin(int fd, const Peer& peer) {
  if (cfg_.builtin == kTcpmux) return serve_mux(fd, peer);
  auto on_end = [this, self = shared_from_this(), peer](StreamSession& s) {
    counters_->stats.bytes_in += s.bytes_in();
    counters_->stats.bytes_out += s.bytes_out();
    log_end(peer, s);
    finish(peer, s.started());
  };
  std::shared_ptr<StreamSession> s;
  try {
    s = std::make_shared<StreamSession>(ctx_, fd, runtime_ ? runtime_->connection() : builtin_->make_stream(),
                                        peer.text,
                                        cfg_.timeout.value, std::move(on_end), this);
  } catch (const std::exception& e) {  // registering with epoll can fail under exhaustion
    slog(log::kErr, "service " + cfg_.name + ": cannot serve " + peer.text + ": " + e.what());
    ::close(fd);
    return finish(peer, -1);
  }
  ctx_.sessions.add(s);
  s->start();
}

}  // namespace superd::core
