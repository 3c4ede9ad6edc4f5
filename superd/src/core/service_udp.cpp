// SPDX-License-Identifier: MIT
// Service, part four: UDP sessions (wait = no on a datagram socket). superd
// keeps reading the bound socket and sorts datagrams by peer address. A new
// peer's first datagram, once access rules and limits allow it, starts a
// session: a socketpair(AF_UNIX, SOCK_DGRAM) whose one end is the program's
// stdin and stdout, so that each read() is one datagram from the peer and
// each write() one datagram back. superd relays both ways, sending replies
// from the bound socket, so they come from the address the peer sent to
// (IP_PKTINFO / IPV6_PKTINFO name it on a wildcard socket). A
// session ends when its program exits, or with SIGTERM after `timeout` idle
// seconds (no datagram either way).
#include <netinet/in.h>
#include <netinet/ip.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <deque>

#include "core/child_set.hpp"
#include "core/service.hpp"
#include "net/listener.hpp"
#include "sys/errno_error.hpp"

namespace superd::core {

namespace asio = boost::asio;

/// Room for a UDP datagram's control messages (IP_PKTINFO, IPV6_PKTINFO),
/// aligned as cmsghdr needs.
struct alignas(cmsghdr) UdpControlBuffer {
  char bytes[CMSG_SPACE(sizeof(in6_pktinfo)) + CMSG_SPACE(sizeof(in_pktinfo))];
};

namespace {
constexpr int kDatagramsPerWake = 64;
constexpr std::size_t kBatch = 16;
constexpr std::size_t kSlot = 64 * 1024;  // the largest datagram fits whole
/// Datagrams kept for a program that is behind, beyond what its socket holds.
constexpr std::size_t kQueuedMax = 64;
constexpr std::size_t kQueuedBytesMax = 256 * 1024;

// The peer's address as a map key: family, port and address bytes (not
// sin6_flowinfo, which a peer may vary between datagrams).
void append_address(std::string& key, const sockaddr_storage& ss) {
  key.push_back(static_cast<char>(ss.ss_family));
  auto add = [&key](const void* p, std::size_t n) { key.append(static_cast<const char*>(p), n); };
  if (ss.ss_family == AF_INET) {
    auto& a = reinterpret_cast<const sockaddr_in&>(ss);
    add(&a.sin_port, sizeof a.sin_port);
    add(&a.sin_addr, sizeof a.sin_addr);
  } else if (ss.ss_family == AF_INET6) {
    auto& a = reinterpret_cast<const sockaddr_in6&>(ss);
    add(&a.sin6_port, sizeof a.sin6_port);
    add(&a.sin6_addr, sizeof a.sin6_addr);
    add(&a.sin6_scope_id, sizeof a.sin6_scope_id);
  }
}
constexpr std::size_t kControl = sizeof(UdpControlBuffer::bytes);

// True for an IPv4 destination no reply may leave from: multicast, or the
// limited broadcast (a subnet broadcast's ipi_spec_dst is already the
// interface's own address).
bool not_a_source(const in_addr& a) {
  std::uint32_t h = ntohl(a.s_addr);
  return IN_MULTICAST(h) || h == INADDR_BROADCAST || h == INADDR_ANY;
}

// The address a datagram was sent to, from its IP_PKTINFO or IPV6_PKTINFO
// (an IPv4 datagram on a dual-stack socket comes with both, the latter
// mapped: IP_PKTINFO is taken, for its ipi_spec_dst), as the source its
// replies should leave from; `out` gets that control message, ready for
// sendmsg(), and `out_len` its length. False when there is none, or when
// the datagram went to a multicast or broadcast address no reply may leave
// from (then the route picks the source).
bool destination(msghdr& m, net::IpAddress& addr, UdpControlBuffer& out, std::size_t& out_len) {
  cmsghdr* v4 = nullptr;
  cmsghdr* v6 = nullptr;
  for (cmsghdr* c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) v4 = c;
    if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) v6 = c;
  }
  std::memset(out.bytes, 0, sizeof out.bytes);
  auto* hdr = reinterpret_cast<cmsghdr*>(out.bytes);
  if (v4) {
    in_pktinfo info;
    std::memcpy(&info, CMSG_DATA(v4), sizeof info);
    // ipi_addr is the header's destination; ipi_spec_dst the local address
    // that answers for it (for a subnet broadcast, the interface's own).
    if (not_a_source(info.ipi_addr) || not_a_source(info.ipi_spec_dst)) return false;
    std::memcpy(addr.bytes.data(), &info.ipi_spec_dst, 4);
    addr.v6 = false;
    info.ipi_addr = in_addr{};
    info.ipi_ifindex = 0;  // the route decides; the source is what matters
    hdr->cmsg_level = IPPROTO_IP;
    hdr->cmsg_type = IP_PKTINFO;
    hdr->cmsg_len = CMSG_LEN(sizeof info);
    std::memcpy(CMSG_DATA(hdr), &info, sizeof info);
    out_len = CMSG_SPACE(sizeof info);
    return true;
  }
  if (!v6) return false;
  in6_pktinfo info;
  std::memcpy(&info, CMSG_DATA(v6), sizeof info);
  if (IN6_IS_ADDR_MULTICAST(&info.ipi6_addr) || IN6_IS_ADDR_UNSPECIFIED(&info.ipi6_addr) ||
      IN6_IS_ADDR_V4MAPPED(&info.ipi6_addr))  // mapped without IP_PKTINFO: no ipi_spec_dst to trust
    return false;
  sockaddr_storage ss{};
  auto& a6 = reinterpret_cast<sockaddr_in6&>(ss);
  a6.sin6_family = AF_INET6;
  a6.sin6_addr = info.ipi6_addr;
  std::uint16_t ignored = 0;
  ip_of(ss, addr, ignored);
  info.ipi6_ifindex = 0;  // as for IPv4: the route (or the peer's scope) decides
  hdr->cmsg_level = IPPROTO_IPV6;
  hdr->cmsg_type = IPV6_PKTINFO;
  hdr->cmsg_len = CMSG_LEN(sizeof info);
  std::memcpy(CMSG_DATA(hdr), &info, sizeof info);
  out_len = CMSG_SPACE(sizeof info);
  return true;
}
}  // namespace

void enable_pktinfo(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return;
  int on = 1;
  // A dual-stack socket takes IP_PKTINFO too, for its IPv4 datagrams.
  if (ss.ss_family == AF_INET || ss.ss_family == AF_INET6)
    ::setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof on);
  if (ss.ss_family == AF_INET6) ::setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof on);
}

/// One peer's program and the relay between them.
struct Service::UdpSession {
  UdpSession(asio::io_context& io, int fd) : sock(io, fd), idle(io) {}
  asio::posix::stream_descriptor sock;  ///< superd's end of the socketpair.
  asio::steady_timer idle;              ///< The idle timeout, then the SIGKILL grace.
  std::shared_ptr<ListenSocket> bound;  ///< The socket the peer sent to; replies leave from it.
  UdpControlBuffer pktinfo{};           ///< Sets a reply's source to where the peer sent.
  std::size_t pktinfo_len = 0;          ///< 0: no source is set (the route picks it).
  net::IpAddress local;                 ///< That address, when `pktinfo_len` is not 0.
  sockaddr_storage addr{};
  socklen_t len = 0;
  Peer peer;
  std::string key;                      ///< In udp_sessions_ while not ending.
  pid_t pid = -1;
  double last = 0;                      ///< now_seconds() of the last datagram either way.
  bool ending = false;                  ///< Sent SIGTERM, or its program closed the socket.
  bool exited = false;
  bool writing = false;                 ///< Waiting for room to flush `queued`.
  bool drop_logged = false;
  bool counted_ending = false;          ///< Counted in Context::ending_sessions.
  std::deque<std::string> queued;       ///< For the program, when its socket is full.
  std::size_t queued_bytes = 0;
  std::uint64_t dropped = 0;
};

void Service::relay_from_peers(ListenSocket& l) {
  if (!ctx_.datagram_buffer) ctx_.datagram_buffer.reset(new char[kBatch * kSlot]);  // NOLINT: left uninitialised
  std::array<mmsghdr, kBatch> in{};
  std::array<iovec, kBatch> iov{};
  std::array<sockaddr_storage, kBatch> from;
  std::array<UdpControlBuffer, kBatch> control;
  int fd = l.desc.native_handle();
  std::string key;
  for (int budget = kDatagramsPerWake; budget > 0;) {
    unsigned want = static_cast<unsigned>(std::min<int>(budget, static_cast<int>(kBatch)));
    for (unsigned i = 0; i < want; ++i) {
      iov[i] = {ctx_.datagram_buffer.get() + i * kSlot, kSlot};
      in[i].msg_hdr = {};
      in[i].msg_hdr.msg_name = &from[i];
      in[i].msg_hdr.msg_namelen = sizeof from[i];
      in[i].msg_hdr.msg_iov = &iov[i];
      in[i].msg_hdr.msg_iovlen = 1;
      in[i].msg_hdr.msg_control = control[i].bytes;
      in[i].msg_hdr.msg_controllen = kControl;
    }
    int got = ::recvmmsg(fd, in.data(), want, MSG_DONTWAIT, nullptr);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return;  // EAGAIN, or an ICMP error queued by an earlier reply
    budget -= got;
    for (std::size_t i = 0; i < static_cast<std::size_t>(got); ++i) {
      std::string_view data(ctx_.datagram_buffer.get() + i * kSlot, in[i].msg_len);
      key.assign(l.address);
      append_address(key, from[i]);
      auto it = udp_sessions_.find(key);
      if (it != udp_sessions_.end()) {
        std::shared_ptr<UdpSession> s = it->second;
        if (to_program(s, data)) continue;
        // Its program closed the socket (it is exiting): the peer starts anew.
        // The kernel drops what the program wrote and superd has not read yet
        // (a SOCK_DGRAM pair disconnects): a program that writes, exits, and
        // is sent a datagram at once may lose its last reply.
        end_session(s, "closed");
      }
      if (counters_->hold != Hold::None) {  // `superd ctl pause` or `drain`: no new session
        ++counters_->stats.dropped;
        continue;
      }
      start_session(l, from[i], in[i].msg_hdr, key, data);
    }
    if (static_cast<unsigned>(got) < want) return;  // the queue is empty
  }
}

// A flood of new peers (many source ports, or forged sources) is refused
// datagram by datagram: its log lines are limited to one a second, and the
// next one logged says how many were left out.
void Service::refuse_datagram(const Peer& peer, Refusal why, const std::string& rule) {
  counters_->stats.refuse(why);
  counters_->history.refused(peer.source);
  if (!logs(log::kNotice)) return;
  double now = now_seconds();
  if (refusal_logged_at_ >= 0 && now - refusal_logged_at_ < 1) {
    ++refusals_unlogged_;
    return;
  }
  refusal_logged_at_ = now;
  if (refusals_unlogged_ > 0)
    slog(log::kNotice, "service " + cfg_.name + ": " + std::to_string(refusals_unlogged_) +
                           " more datagram(s) of new peers refused, not logged (one refusal a second is)");
  refusals_unlogged_ = 0;
  log_refusal(peer.text, peer.endpoint, why, rule);
}

void Service::start_session(ListenSocket& l, const sockaddr_storage& from, msghdr& m,
                            std::string key, std::string_view data) {
  socklen_t len = m.msg_namelen;
  Peer peer = make_peer(false, -1, from, len);
  peer.endpoint = l.address;
  ++counters_->stats.accepted;
  if (peer.ip && !cfg_.access.empty()) {
    std::string why = cfg_.access.decide(peer.addr, "");
    if (!why.empty()) return refuse_datagram(peer, Refusal::Access, why);
  }
  double now = now_seconds();
  int max_instances = cfg_.max_instances >= 0 ? cfg_.max_instances : kUdpSessionsDefaultMax;
  switch (admit(counters_->stats.active, max_instances, ctx_.total_active,
                ctx_.global().max_connections, bucket_, now)) {
    case Admission::Accept: break;
    case Admission::PauseInstances: return refuse_datagram(peer, Refusal::MaxInstances, "");
    case Admission::PauseConnections: return refuse_datagram(peer, Refusal::MaxConnections, "");
    case Admission::PauseRate: return refuse_datagram(peer, Refusal::MaxRate, "");
  }
  if (cfg_.max_per_source >= 0 && counters_->sources.count(peer.source) >= cfg_.max_per_source)
    return refuse_datagram(peer, Refusal::MaxPerSource, "");
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) != 0) {
    slog(log::kErr, "service " + cfg_.name + ": " + sys::describe_errno("socketpair", "for " + peer.text, errno) +
                        "; datagram dropped");
    return;
  }
  std::shared_ptr<UdpSession> s;
  try {
    s = std::make_shared<UdpSession>(ctx_.io, sv[0]);
    s->sock.non_blocking(true);
  } catch (const std::exception& e) {  // registering with epoll can fail under exhaustion
    slog(log::kErr, "service " + cfg_.name + ": cannot serve " + peer.text + ": " + e.what());
    if (!s) ::close(sv[0]);
    ::close(sv[1]);
    return;
  }
  bucket_.take(now);
  s->bound = l.shared_from_this();
  if (!destination(m, s->local, s->pktinfo, s->pktinfo_len)) s->pktinfo_len = 0;
  s->addr = from;
  s->len = len;
  s->key = std::move(key);
  s->last = now;
  s->peer = std::move(peer);
  begin(s->peer);
  // Queued before the program starts: one that answers and exits at once
  // must not race superd's send (a send to a gone program discards its answer).
  ssize_t ignored = ::send(sv[0], data.data(), data.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  (void)ignored;
  bool started = spawn_session(s, sv[1]);
  ::close(sv[1]);
  if (!started) {
    return finish(s->peer, -1);  // a datagram is not kept: the peer's next one tries again
  }
  udp_sessions_.emplace(s->key, s);
  watch_program(s);
  watch_idle(s);
}

bool Service::spawn_session(const std::shared_ptr<UdpSession>& s, int child_end) {
  proc::PeerInfo info;
  info.proto = "UDP";
  if (s->peer.ip) {
    info.remote_ip = s->peer.addr.str();
    info.remote_port = std::to_string(s->peer.port);
    sockaddr_storage local{};
    socklen_t len = sizeof local;
    net::IpAddress laddr;
    std::uint16_t lport = 0;
    if (::getsockname(s->bound->desc.native_handle(), reinterpret_cast<sockaddr*>(&local), &len) == 0 &&
        ip_of(local, laddr, lport)) {
      info.local_ip = s->pktinfo_len == 0 ? laddr.str() : s->local.str();
      info.local_port = std::to_string(lport);
    }
    info.connnum = counters_->sources.count(s->peer.source);
  }
  proc::SpawnPlan plan;
  plan.program = &program_;
  proc::build_env(program_, info, plan);
  return start_child(plan, s->peer.text, child_end, [this, s](int status, double t0, pid_t pid) {
    session_exited(s, status, t0, pid);
  }, &s->pid, false);
}

bool Service::to_program(const std::shared_ptr<UdpSession>& s, std::string_view data) {
  if (s->ending) return false;
  if (s->queued.empty()) {
    ssize_t n = ::send(s->sock.native_handle(), data.data(), data.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n >= 0) {
      s->last = now_seconds();
      return true;
    }
    if (errno == ECONNREFUSED || errno == EPIPE || errno == ENOTCONN) return false;
  }
  // The program is behind: kept, up to a bound, until its socket has room.
  if (s->queued.size() >= kQueuedMax || s->queued_bytes + data.size() > kQueuedBytesMax) {
    ++s->dropped;
    ++counters_->stats.dropped;
    if (!s->drop_logged && logs(log::kNotice)) {
      s->drop_logged = true;
      slog(log::kNotice, "service " + cfg_.name + ": session " + s->peer.text + " (pid " +
                             std::to_string(s->pid) + "): the program is not reading; dropping datagrams");
    }
    return true;
  }
  s->queued.emplace_back(data);
  s->queued_bytes += data.size();
  s->last = now_seconds();
  flush_to_program(s);
  return true;
}

void Service::flush_to_program(const std::shared_ptr<UdpSession>& s) {
  while (!s->queued.empty() && !s->exited) {
    const std::string& d = s->queued.front();
    ssize_t n = ::send(s->sock.native_handle(), d.data(), d.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == ENOBUFS)) break;
    // Sent, or the program is gone (its exit ends the session).
    s->queued_bytes -= d.size();
    s->queued.pop_front();
  }
  if (s->queued.empty() || s->writing || s->exited) return;
  s->writing = true;
  s->sock.async_wait(asio::posix::descriptor_base::wait_write,
                     [self = shared_from_this(), s](const boost::system::error_code& ec) {
                       s->writing = false;
                       if (!ec) self->flush_to_program(s);
                     });
}

void Service::watch_program(const std::shared_ptr<UdpSession>& s) {
  s->sock.async_wait(asio::posix::descriptor_base::wait_read,
                     [self = shared_from_this(), s](const boost::system::error_code& ec) {
                       if (ec || s->exited) return;
                       self->from_program(s);
                       self->watch_program(s);
                     });
}

// A datagram the bound socket cannot send now (a full buffer, an unreachable
// peer) is lost, as UDP allows.
void Service::from_program(const std::shared_ptr<UdpSession>& s) {
  char* buf = ctx_.read_buffer.data();
  for (int i = 0; i < kDatagramsPerWake; ++i) {
    ssize_t n = ::recv(s->sock.native_handle(), buf, ctx_.read_buffer.size(), MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return;
    s->last = now_seconds();
    if (s->bound->closed) continue;  // removed by a reload, or stopping: nowhere to send from
    iovec iov{buf, static_cast<std::size_t>(n)};
    msghdr m{};
    m.msg_name = &s->addr;
    m.msg_namelen = s->len;
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    if (s->pktinfo_len > 0) {
      m.msg_control = s->pktinfo.bytes;
      m.msg_controllen = s->pktinfo_len;
    }
    ssize_t ignored = ::sendmsg(s->bound->desc.native_handle(), &m, MSG_DONTWAIT | MSG_NOSIGNAL);
    (void)ignored;
  }
}

void Service::watch_idle(const std::shared_ptr<UdpSession>& s) {
  double timeout = cfg_.timeout.value;
  if (timeout <= 0 || s->ending) return;
  double left = s->last + timeout - now_seconds();
  if (left <= 0) return end_session(s, "idle");
  s->idle.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(left)));
  s->idle.async_wait([self = shared_from_this(), s](const boost::system::error_code& ec) {
    if (!ec && !s->exited) self->watch_idle(s);
  });
}

void Service::end_session(const std::shared_ptr<UdpSession>& s, const char* why) {
  if (s->ending || s->exited) return;
  s->ending = true;
  s->counted_ending = true;
  ++ctx_.ending_sessions;
  if (auto it = udp_sessions_.find(s->key); it != udp_sessions_.end() && it->second == s)
    udp_sessions_.erase(it);
  if (logs(log::kInfo)) {
    log::Record r(log::kInfo, "stop");
    r.add("service", cfg_.name).add("peer", s->peer.text).add("pid", s->pid).add("reason", why);
    ctx_.log.write(r.add("endpoint", s->peer.endpoint));
  }
  // Its process group, as at shutdown: a shell's children go with it.
  if (::kill(-s->pid, SIGTERM) != 0) ::kill(s->pid, SIGTERM);
  // A program that ignores SIGTERM gets SIGKILL after shutdown_timeout.
  s->idle.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(ctx_.global().shutdown_timeout.value)));
  s->idle.async_wait([s](const boost::system::error_code& ec) {
    if (ec || s->exited) return;
    if (::kill(-s->pid, SIGKILL) != 0) ::kill(s->pid, SIGKILL);
  });
}

void Service::session_exited(const std::shared_ptr<UdpSession>& s, int status, double t0, pid_t pid) {
  from_program(s);  // what it wrote before it exited still goes to the peer
  s->exited = true;
  if (s->counted_ending) --ctx_.ending_sessions;
  s->counted_ending = false;
  s->ending = true;
  if (auto it = udp_sessions_.find(s->key); it != udp_sessions_.end() && it->second == s)
    udp_sessions_.erase(it);
  s->idle.cancel();
  boost::system::error_code ignored;
  s->sock.close(ignored);
  s->queued.clear();
  ctx_.last_status = status;
  counters_->stats.exits.add(status);
  if (s->dropped > 0)
    slog(log::kNotice, "service " + cfg_.name + ": session " + s->peer.text + " (pid " + std::to_string(pid) +
                           ") dropped " + std::to_string(s->dropped) + " datagram(s) the program did not read");
  log_end(s->peer.text, s->peer.endpoint, pid, status, t0);
  finish(s->peer, t0);
}

void Service::end_sessions(const char* why) {
  std::vector<std::shared_ptr<UdpSession>> all;
  all.reserve(udp_sessions_.size());
  for (auto& [key, s] : udp_sessions_) all.push_back(s);
  for (auto& s : all) end_session(s, why);
}

}  // namespace superd::core
