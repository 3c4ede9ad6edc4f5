// SPDX-License-Identifier: MIT
#include "core/datagram_port.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

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

void DatagramPort::drain() {
  for (int i = 0; i < kDatagramsPerWake; ++i) {
    sockaddr_storage from{};
    socklen_t len = sizeof from;
    ssize_t n = ::recvfrom(fd_, ctx_.read_buffer.data(), ctx_.read_buffer.size(),
                           MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&from), &len);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;  // EAGAIN, or an ICMP error queued by an earlier reply
    }
    bool ip = from.ss_family == AF_INET || from.ss_family == AF_INET6;
    // An unbound Unix client has no address to answer to.
    bool can_reply = ip || len > static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1);
    if (ip && loop_risk_port(source_port(from))) {
      ++stats_.ignored;
      if (ctx_.log.enabled(log::kInfo)) {
        std::string peer = net::sockaddr_text(reinterpret_cast<sockaddr*>(&from), len);
        log::Record r(log::kInfo, "ignore");
        r.add("service", service_).add("peer", peer).add("reason", "source_port_below_1024");
        ctx_.log.write(r.add("endpoint", endpoint_));
      }
      continue;
    }
    if (admit_ && !admit_(from, len)) {
      ++stats_.ignored;
      continue;
    }
    reply_.clear();
    std::string_view request(ctx_.read_buffer.data(), static_cast<std::size_t>(n));
    if (!builtin_.on_datagram(request, reply_) || !can_reply) continue;
    ::sendto(fd_, reply_.data(), reply_.size(), MSG_DONTWAIT | MSG_NOSIGNAL,
             reinterpret_cast<sockaddr*>(&from), len);
    ++stats_.answered;
  }
}

}  // namespace superd::core
