// SPDX-License-Identifier: MIT
// Service, part five: TLS. A connection of a service with tls_cert is
// admitted (access rules and limits, after any PROXY header) and counted,
// then shakes hands through a TlsRelay; once the session is up, the
// built-in or program serves the relay's plain end exactly as it would a
// plain connection, with the session's facts in a program's environment.
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

#include "core/service.hpp"
#include "core/tls_relay.hpp"
#include "sys/errno_error.hpp"

namespace superd::core {

void Service::serve_tls(int fd, Peer& peer) {
  // The address the client reached, before the socket becomes a socketpair's.
  if (peer.ip && !peer.has_local) {
    sockaddr_storage local{};
    socklen_t len = sizeof local;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) == 0 &&
        ip_of(local, peer.local_addr, peer.local_port))
      peer.has_local = true;
  }
  auto timeout = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(cfg_.tls_handshake_timeout.value));
  auto self = shared_from_this();
  // The socketpair reserved when the client was accepted (none under --inetd or TCPMUX).
  std::shared_ptr<TlsPair> pair = std::move(peer.tls_pair);
  ++ctx_.pending;
  try {
    TlsRelay::start(
        ctx_.io, fd, cfg_.tls, timeout,
        [self, peer, pair](TlsRelay& relay) mutable {
          --self->ctx_.pending;
          if (self->ctx_.stopping) return self->finish(peer, -1);  // no new program or session: the relay closes
          int inner = relay.open_inner(self->builtin_ != nullptr, pair.get());
          pair.reset();
          if (inner < 0) {
            self->slog(log::kErr, "service " + self->cfg_.name + ": " +
                                      sys::describe_errno("socketpair", "for " + peer.text, errno) + "; peer dropped");
            return self->finish(peer, -1);
          }
          if (!self->builtin_) peer.tls_env = relay.env();
          if (self->builtin_) self->serve_builtin(inner, peer);
          else self->serve_program(inner, peer);
        },
        [self, peer](const std::string& why) {
          --self->ctx_.pending;
          // begin() counted it served; a client that never got a session was refused.
          --self->counters_->stats.served;
          self->counters_->stats.refuse(Refusal::Tls);
          self->counters_->history.refused_after_all(peer.source);
          if (self->logs(log::kNotice)) self->log_refusal(peer.text, peer.endpoint, Refusal::Tls, why, peer.via);
          self->finish(peer, -1);
        },
        ctx_.tls_relays);
  } catch (const std::exception& e) {  // registering with epoll can fail under exhaustion
    --ctx_.pending;
    slog(log::kErr, "service " + cfg_.name + ": cannot start TLS for " + peer.text + ": " + e.what());
    ::close(fd);
    finish(peer, -1);
  }
}

}  // namespace superd::core
