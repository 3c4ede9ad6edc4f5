// SPDX-License-Identifier: MIT
#include "core/datagram_port.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstddef>

#include "net/listener.hpp"

namespace superd::core {

namespace {
constexpr int kDatagramsPerWake = 64;

// The source port of an IP datagram; 0 for Unix peers.
std::uint16_t source_port(const sockaddr_storage& ss) {
  if (ss.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in&>(ss).sin_port);
  if (ss.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6&>(ss).sin6_port);
  return 0;
}
}  // namespace

bool loop_risk_port(std::uint16_t port) { return port < 1024; }

DatagramPort::DatagramPort(Context& ctx, int fd, const Builtin& builtin, std::string service,
                           std::string endpoint, Admit admit)
    : ctx_(ctx),
      fd_(fd),
      builtin_(builtin),
      service_(std::move(service)),
      endpoint_(std::move(endpoint)),
      admit_(std::move(admit)) {}

// Datagrams are read and answered in batches (recvmmsg, sendmmsg): one
// system call each way for up to kBatch datagrams when they come fast, as
// cheap as recvfrom/sendto when they come one at a time.
void DatagramPort::drain() {
  constexpr std::size_t kSlot = 64 * 1024;  // the largest datagram fits whole
  if (!ctx_.datagram_buffer) ctx_.datagram_buffer.reset(new char[kBatch * kSlot]);  // NOLINT: left uninitialised
  std::array<mmsghdr, kBatch> in{}, out{};
  std::array<iovec, kBatch> in_iov{}, out_iov{};
  std::array<sockaddr_storage, kBatch> from;
  int budget = kDatagramsPerWake;
  while (budget > 0) {
    unsigned want = static_cast<unsigned>(std::min<int>(budget, static_cast<int>(kBatch)));
    for (unsigned i = 0; i < want; ++i) {
      in_iov[i] = {ctx_.datagram_buffer.get() + i * kSlot, kSlot};
      in[i].msg_hdr = {};
      in[i].msg_hdr.msg_name = &from[i];
      in[i].msg_hdr.msg_namelen = sizeof from[i];
      in[i].msg_hdr.msg_iov = &in_iov[i];
      in[i].msg_hdr.msg_iovlen = 1;
    }
    int got = ::recvmmsg(fd_, in.data(), want, MSG_DONTWAIT, nullptr);
    if (got < 0) {
      if (errno == EINTR) continue;
      return;  // EAGAIN, or an ICMP error queued by an earlier reply
    }
    if (got == 0) return;
    budget -= got;
    unsigned replies = 0;
    for (int i = 0; i < got; ++i) {
      const sockaddr_storage& src = from[static_cast<std::size_t>(i)];
      socklen_t len = in[static_cast<std::size_t>(i)].msg_hdr.msg_namelen;
      bool ip = src.ss_family == AF_INET || src.ss_family == AF_INET6;
      // An unbound Unix client has no address to answer to.
      bool can_reply = ip || len > static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1);
      if (ip && loop_risk_port(source_port(src))) {
        ++stats_.ignored;
        if (ctx_.log.enabled(log::kInfo)) {
          std::string peer = net::sockaddr_text(reinterpret_cast<const sockaddr*>(&src), len);
          log::Record r(log::kInfo, "ignore");
          r.add("service", service_).add("peer", peer).add("reason", "source_port_below_1024");
          ctx_.log.write(r.add("endpoint", endpoint_));
        }
        continue;
      }
      if (admit_ && !admit_(src, len)) {
        ++stats_.ignored;
        continue;
      }
      std::string& reply = replies_[replies];
      reply.clear();
      std::string_view request(ctx_.datagram_buffer.get() + static_cast<std::size_t>(i) * kSlot,
                               in[static_cast<std::size_t>(i)].msg_len);
      if (!builtin_.on_datagram(request, reply) || !can_reply) continue;
      out_iov[replies] = {reply.data(), reply.size()};
      out[replies].msg_hdr = {};
      out[replies].msg_hdr.msg_name = const_cast<sockaddr_storage*>(&src);
      out[replies].msg_hdr.msg_namelen = len;
      out[replies].msg_hdr.msg_iov = &out_iov[replies];
      out[replies].msg_hdr.msg_iovlen = 1;
      ++replies;
    }
    // A reply that cannot be sent (a full buffer, an unreachable peer) is
    // lost, as UDP allows; the others still go.
    for (unsigned sent = 0; sent < replies;) {
      int n = ::sendmmsg(fd_, out.data() + sent, replies - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      sent += n > 0 ? static_cast<unsigned>(n) : 1u;
    }
    stats_.answered += replies;
    if (static_cast<unsigned>(got) < want) return;  // the queue is empty
  }
}

}  // namespace superd::core
